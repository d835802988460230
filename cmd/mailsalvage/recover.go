package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/mailsalvage/mailsalvage/export"
	"github.com/mailsalvage/mailsalvage/formats"
	"github.com/mailsalvage/mailsalvage/formats/tnef"
)

// maxShownProblems per input on the terminal; summary.json has them all
// (up to its own bound).
const maxShownProblems = 20

func newRecoverCmd() *cobra.Command {
	var out, tnefMode, progressMode string
	var force, quiet, jsonOut bool
	cmd := &cobra.Command{
		Use:   "recover INPUT... -o OUT",
		Short: "Recover every message from the inputs into OUT",
		Long: `Detects each input (file or folder) by its content and recovers every
message in it: OUT/messages/<folder>/<name>.eml for each distinct message,
OUT/provenance.jsonl with one line per message occurrence, and
OUT/summary.json with the run record and per-input accounting.

Inputs are opened read-only. Problems are reported one per line on stderr
and recovery goes on with the rest.`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if out == "" {
				return usageErr("recover needs an output folder: -o OUT")
			}
			transform, err := tnefTransform(tnefMode)
			if err != nil {
				return &exitError{code: exitUsage, err: err}
			}
			bar, err := progressOn(progressMode, quiet, cmd.ErrOrStderr())
			if err != nil {
				return &exitError{code: exitUsage, err: err}
			}
			return runRecover(cmd.OutOrStdout(), cmd.ErrOrStderr(), args, out, runOptions{
				force: force, quiet: quiet, json: jsonOut, progress: bar, transform: transform,
			})
		},
	}
	cmd.Flags().StringVarP(&out, "out", "o", "", "output folder (created if needed; must be empty unless --force)")
	cmd.Flags().BoolVar(&force, "force", false, "write into an output folder that already holds files")
	cmd.Flags().BoolVarP(&quiet, "quiet", "q", false, "print only errors (no progress bar, no table at the end)")
	cmd.Flags().BoolVar(&jsonOut, "json", false, "print summary.json to stdout at the end, for scripts")
	cmd.Flags().StringVar(&progressMode, "progress", progressAuto, "progress bar on stderr: auto (when stderr is a terminal and not --quiet), always, never")
	cmd.Flags().StringVar(&tnefMode, "tnef", "decode", "winmail.dat (TNEF) parts: decode (replace by their body and attachments), keep (decode and keep the original part), off (write messages as stored)")
	cmd.MarkFlagDirname("out")
	return cmd
}

// runOptions are recover's flags, as runRecover needs them.
type runOptions struct {
	force, quiet, json bool
	progress           bool // draw a progress bar per input on stderr
	transform          func(*formats.Message, []byte) ([]byte, bool)
}

func runRecover(stdout, stderr io.Writer, inputs []string, out string, o runOptions) error {
	if err := checkOut(inputs, out); err != nil {
		return &exitError{code: exitUsage, err: err}
	}
	ex, err := export.Create(out, export.Options{
		Force: o.force, Tool: "mailsalvage", Version: toolVersion(),
		Args: cmdline, Transform: o.transform, Bounce: bounceRecipients,
	})
	if err != nil {
		return &exitError{code: exitUsage, err: err}
	}
	failed := 0
	took := make([]time.Duration, len(inputs))
	for i, in := range inputs {
		start := time.Now()
		if !recoverInput(stderr, ex, in, o.progress) {
			failed++
		}
		took[i] = time.Since(start)
	}
	if err := ex.Close(); err != nil {
		return &exitError{code: exitUsage, err: fmt.Errorf("%s: %w", out, err)}
	}
	if !o.quiet {
		printTable(stderr, ex.Inputs(), took, out)
	}
	if o.json {
		b, err := os.ReadFile(filepath.Join(out, export.SummaryFile))
		if err != nil {
			return &exitError{code: exitUsage, err: err}
		}
		stdout.Write(b)
	}
	if failed > 0 {
		return &exitError{code: exitInputFail, err: fmt.Errorf("%d of %d inputs could not be read", failed, len(inputs))}
	}
	return nil
}

// tnefTransform returns the exporter transform for a --tnef mode.
func tnefTransform(mode string) (func(*formats.Message, []byte) ([]byte, bool), error) {
	switch mode {
	case "off":
		return nil, nil
	case "decode", "keep":
	default:
		return nil, fmt.Errorf("--tnef must be decode, keep or off, not %q", mode)
	}
	keep := mode == "keep"
	return func(m *formats.Message, b []byte) ([]byte, bool) {
		out, notes, changed := tnef.Rewrite(b, keep)
		if !changed {
			return nil, false
		}
		m.Warnings = append(m.Warnings, notes...)
		m.Chain = append(m.Chain, formats.Hop{Format: "tnef", Locator: "winmail.dat decoded into the message"})
		m.Method += "+tnef"
		return out, true
	}, nil
}

// recoverInput recovers one input and reports whether it could be read.
func recoverInput(stderr io.Writer, ex *export.Exporter, in string, bar bool) bool {
	if ok, why := carveFallback(in); ok {
		// no mailbox format claims it: a disk image or unknown binary
		return carveInput(stderr, ex, in, bar, carveRange{}, why)
	}
	p := startProgress(stderr, bar, in)
	defer p.finish()
	src, format, err := formats.OpenCounting(in, p.counter())
	ex.BeginInput(in, format)
	if err != nil {
		p.clear()
		fmt.Fprintln(stderr, "mailsalvage:", err)
		ex.EndInput(err)
		return false
	}
	defer src.Close()
	shown, n := 0, 0
	for {
		m, err := src.Next()
		if m != nil {
			n++
			p.message(m.State)
			if werr := ex.Add(m); werr != nil {
				p.clear()
				fmt.Fprintf(stderr, "mailsalvage: %s: %s: %v\n", m.Evidence, m.Chain, werr)
			}
		}
		if err == nil {
			continue
		}
		if err == io.EOF {
			for _, fc := range formats.ExpectedOf(src) {
				ex.Expect(fc.Folder, fc.Count)
			}
			ex.EndInput(nil)
			return true
		}
		var pr *formats.Problem
		if errors.As(err, &pr) {
			ex.Problem(pr)
			if shown <= maxShownProblems {
				p.clear()
			}
			if shown < maxShownProblems {
				fmt.Fprintln(stderr, "mailsalvage:", pr)
			} else if shown == maxShownProblems {
				fmt.Fprintf(stderr, "mailsalvage: %s: more problems; see summary.json\n", in)
			}
			shown++
			continue
		}
		p.clear()
		fmt.Fprintln(stderr, "mailsalvage:", err)
		ex.EndInput(err)
		// an input that yielded messages before failing was read, in part
		return n > 0
	}
}

// checkOut refuses an output folder that is an input, lies inside an input
// folder, or contains an input: recovery must never write into evidence.
func checkOut(inputs []string, out string) error {
	absOut, err := realPath(out)
	if err != nil {
		return err
	}
	for _, in := range inputs {
		absIn, err := realPath(in)
		if err != nil {
			continue // reported when the input is opened
		}
		switch {
		case absIn == absOut:
			return fmt.Errorf("output folder %s is the input itself", out)
		case within(absOut, absIn):
			return fmt.Errorf("output folder %s is inside input %s; choose a folder outside the evidence", out, in)
		case within(absIn, absOut):
			return fmt.Errorf("input %s is inside output folder %s; choose another output folder", in, out)
		}
	}
	return nil
}

// realPath resolves symlinks of the longest existing prefix of p.
func realPath(p string) (string, error) {
	abs, err := filepath.Abs(p)
	if err != nil {
		return "", err
	}
	rest := ""
	for {
		if r, err := filepath.EvalSymlinks(abs); err == nil {
			return filepath.Join(r, rest), nil
		}
		parent := filepath.Dir(abs)
		if parent == abs {
			return filepath.Join(abs, rest), nil
		}
		rest = filepath.Join(filepath.Base(abs), rest)
		abs = parent
	}
}

func within(p, dir string) bool {
	rel, err := filepath.Rel(dir, p)
	return err == nil && rel != "." && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator))
}

// printTable ends a run on the terminal: one row per input (format,
// messages by state, messages with warnings, problems, time), a total row,
// and where the output went.
func printTable(w io.Writer, inputs []*export.InputSummary, took []time.Duration, out string) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	head := []string{"INPUT", "FORMAT", "MESSAGES"}
	for _, s := range formats.States {
		head = append(head, strings.ToUpper(string(s)))
	}
	head = append(head, "WARNINGS", "PROBLEMS", "TIME", "")
	fmt.Fprintln(tw, strings.Join(head, "\t"))
	var total export.InputSummary
	total.ByState = map[formats.State]int{}
	var all time.Duration
	row := func(name, format string, in *export.InputSummary, d time.Duration, status string) {
		cells := []string{name, format, fmt.Sprint(in.Messages)}
		for _, s := range formats.States {
			cells = append(cells, fmt.Sprint(in.ByState[s]))
		}
		cells = append(cells, fmt.Sprint(in.WithWarnings), fmt.Sprint(in.ProblemCount), d.Round(time.Millisecond).String(), status)
		fmt.Fprintln(tw, strings.Join(cells, "\t"))
	}
	for i, in := range inputs {
		status := ""
		switch {
		case in.Error != "" && in.Messages == 0:
			status = "could not be read"
		case in.Error != "":
			status = "not read to the end"
		}
		var d time.Duration
		if i < len(took) {
			d = took[i]
		}
		all += d
		row(in.Path, orDash(in.Format), in, d, status)
		total.Messages += in.Messages
		total.WithWarnings += in.WithWarnings
		total.ProblemCount += in.ProblemCount
		for s, n := range in.ByState {
			total.ByState[s] += n
		}
	}
	if len(inputs) > 1 {
		row("total", "", &total, all, "")
	}
	tw.Flush()
	fmt.Fprintf(w, "%d messages%s written to %s\n", total.Messages, stateList(total.ByState), out)
}

func stateList(by map[formats.State]int) string {
	var parts []string
	for _, s := range formats.States {
		if by[s] > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", by[s], s))
		}
	}
	var other []string
	for s, n := range by {
		if !s.Valid() && n > 0 {
			other = append(other, fmt.Sprintf("%d %s", n, s))
		}
	}
	sort.Strings(other)
	parts = append(parts, other...)
	if len(parts) == 0 {
		return ""
	}
	return " (" + strings.Join(parts, ", ") + ")"
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
