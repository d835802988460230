package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync/atomic"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/mailsalvage/mailsalvage/carve"
	"github.com/mailsalvage/mailsalvage/export"
	"github.com/mailsalvage/mailsalvage/formats"
	"github.com/mailsalvage/mailsalvage/formats/tnef"
)

// maxShownProblems per input on the terminal; summary.json has them all
// (up to its own bound).
const maxShownProblems = 20

func newRecoverCmd() *cobra.Command {
	var f outputFlags
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
			o, err := f.options(cmd, "recover")
			if err != nil {
				return err
			}
			return runExport(cmd.OutOrStdout(), cmd.ErrOrStderr(), args, o, "inputs",
				func(ex *export.Exporter, in string) bool { return recoverInput(cmd.ErrOrStderr(), ex, in, o.progress) })
		},
	}
	f.register(cmd, "decode (replace by their body and attachments), keep (decode and keep the original part), off (write messages as stored)")
	return cmd
}

// outputFlags are the flags of the commands that write an OUT (recover,
// carve).
type outputFlags struct {
	out, tnefMode, progressMode string
	force, quiet, json          bool
}

func (f *outputFlags) register(cmd *cobra.Command, tnefHelp string) {
	cmd.Flags().StringVarP(&f.out, "out", "o", "", "output folder (created if needed; must be empty unless --force)")
	cmd.Flags().BoolVar(&f.force, "force", false, "write into an output folder that already holds files")
	cmd.Flags().BoolVarP(&f.quiet, "quiet", "q", false, "print only errors (no progress bar, no table at the end)")
	cmd.Flags().BoolVar(&f.json, "json", false, "print summary.json to stdout at the end, for scripts")
	cmd.Flags().StringVar(&f.progressMode, "progress", progressAuto, "progress bar on stderr: auto (when stderr is a terminal and not --quiet), always, never")
	cmd.Flags().StringVar(&f.tnefMode, "tnef", "decode", "winmail.dat (TNEF) parts: "+tnefHelp)
	cmd.MarkFlagDirname("out")
}

// options checks the flags and turns them into runOptions.
func (f *outputFlags) options(cmd *cobra.Command, name string) (runOptions, error) {
	if f.out == "" {
		return runOptions{}, usageErr("%s needs an output folder: -o OUT", name)
	}
	transform, err := tnefTransform(f.tnefMode)
	if err != nil {
		return runOptions{}, &exitError{code: exitUsage, err: err}
	}
	bar, err := progressOn(f.progressMode, f.quiet, cmd.ErrOrStderr())
	if err != nil {
		return runOptions{}, &exitError{code: exitUsage, err: err}
	}
	return runOptions{out: f.out, force: f.force, quiet: f.quiet, json: f.json, progress: bar, transform: transform}, nil
}

// runOptions are the checked flags of a command that writes an OUT.
type runOptions struct {
	out                string
	force, quiet, json bool
	progress           bool // draw a progress bar per input on stderr
	transform          func(*formats.Message, []byte) ([]byte, bool)
}

// runExport writes every input into one OUT with each (recoverInput or
// carveInput, which report whether the input could be read), then ends
// the run: the table on stderr, summary.json on stdout with --json, and
// exit 1 if any input (noun: "inputs", "images") could not be read.
func runExport(stdout, stderr io.Writer, inputs []string, o runOptions, noun string, each func(*export.Exporter, string) bool) error {
	if err := checkOut(inputs, o.out); err != nil {
		return &exitError{code: exitUsage, err: err}
	}
	ex, err := export.Create(o.out, export.Options{
		Force: o.force, Tool: "mailsalvage", Version: toolVersion(),
		Args: cmdline, Transform: o.transform, Bounce: bounceRecipients,
	})
	if err != nil {
		return &exitError{code: exitUsage, err: err}
	}
	// what readers unpack (a gzip file's data) goes inside OUT too
	formats.TempDir = ex.TempDir()
	// a compressed disk image is carved as the image is
	formats.CarveUnknown = func(r io.ReaderAt, size int64) formats.Source { return carve.New(r, size, carve.Options{}) }
	defer func() { formats.TempDir, formats.CarveUnknown = "", nil }()
	failed := 0
	took := make([]time.Duration, len(inputs))
	for i, in := range inputs {
		start := time.Now()
		if !each(ex, in) {
			failed++
		}
		took[i] = time.Since(start)
	}
	if err := ex.Close(); err != nil {
		return &exitError{code: exitUsage, err: fmt.Errorf("%s: %w", o.out, err)}
	}
	if !o.quiet {
		printTable(stderr, ex.Inputs(), took, o.out)
	}
	if o.json {
		b, err := os.ReadFile(filepath.Join(o.out, export.SummaryFile))
		if err != nil {
			return &exitError{code: exitUsage, err: err}
		}
		stdout.Write(b)
	}
	if failed > 0 {
		return &exitError{code: exitInputFail, err: fmt.Errorf("%d of %d %s could not be read", failed, len(inputs), noun)}
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
	var read atomic.Int64
	src, format, err := formats.OpenCounting(in, &read)
	if errors.Is(err, formats.ErrUnknown) && !isDir(in) {
		// no mailbox format claims it: a disk image or unknown binary
		return carveInput(stderr, ex, in, bar, carveRange{}, err)
	}
	p := startProgress(stderr, bar, in, &read)
	defer p.finish()
	ex.BeginInput(in, format)
	if err != nil {
		p.clear()
		fmt.Fprintln(stderr, "mailsalvage:", err)
		ex.EndInput(err)
		return false
	}
	defer src.Close()
	pr := &problemReporter{stderr: stderr, ex: ex, in: in, p: p}
	n, err := drain(stderr, ex, p, src.Next, pr.report)
	if err != nil {
		p.clear()
		fmt.Fprintln(stderr, "mailsalvage:", err)
		ex.EndInput(err)
		// an input that yielded messages before failing was read, in part
		return n > 0
	}
	for _, fc := range formats.ExpectedOf(src) {
		ex.Expect(fc.Folder, fc.Count)
	}
	ex.EndInput(nil)
	return true
}

// drain adds every message next yields to ex, counting it on the
// progress bar, and hands problems to problem, until io.EOF (err nil) or
// an error that ends the input. n counts the messages.
func drain(stderr io.Writer, ex *export.Exporter, p *inputProgress, next func() (*formats.Message, error), problem func(*formats.Problem)) (n int, err error) {
	for {
		m, err := next()
		if m != nil {
			n++
			p.message(m.State)
			if werr := ex.Add(m); werr != nil {
				p.clear()
				fmt.Fprintf(stderr, "mailsalvage: %s: %s: %v\n", m.Evidence, m.Chain, werr)
			}
		}
		var pr *formats.Problem
		switch {
		case err == nil:
		case err == io.EOF:
			return n, nil
		case errors.As(err, &pr):
			problem(pr)
		default:
			return n, err
		}
	}
}

// problemReporter records an input's problems in the summary and prints
// the first maxShownProblems of them.
type problemReporter struct {
	stderr io.Writer
	ex     *export.Exporter
	in     string
	p      *inputProgress
	shown  int
}

func (r *problemReporter) report(pr *formats.Problem) {
	r.ex.Problem(pr)
	if r.shown <= maxShownProblems {
		r.p.clear()
	}
	if r.shown < maxShownProblems {
		fmt.Fprintln(r.stderr, "mailsalvage:", pr)
	} else if r.shown == maxShownProblems {
		fmt.Fprintf(r.stderr, "mailsalvage: %s: more problems; see summary.json\n", r.in)
	}
	r.shown++
}

func isDir(path string) bool {
	info, err := os.Stat(path)
	return err == nil && info.IsDir()
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
