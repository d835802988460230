package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"

	"github.com/mailsalvage/mailsalvage/carve"
	"github.com/mailsalvage/mailsalvage/carve/image"
	"github.com/mailsalvage/mailsalvage/export"
	"github.com/mailsalvage/mailsalvage/formats"
)

// carveRange is the part of an image --offset and --length select
// (Length 0: to the end).
type carveRange struct{ offset, length int64 }

func newCarveCmd() *cobra.Command {
	var out, progressMode, tnefMode string
	var force, quiet, jsonOut bool
	var rng carveRange
	cmd := &cobra.Command{
		Use:   "carve IMAGE... -o OUT",
		Short: "Carve messages and mailboxes out of raw disk images",
		Long: `Scans the raw bytes of each image for messages (RFC 5322 header blocks,
LF or CRLF, 7-bit, 8-bit or UTF-16LE) and mail containers (mbox runs,
Apple Mail .emlx, PST/OST files, Outlook .msg files) and writes what it
finds into OUT exactly as recover does: OUT/messages/, provenance.jsonl
(the chain of each message starts with its byte range in the image) and
summary.json.

IMAGE is a raw/dd image or block device, a split raw image (name.001,
name.002, … opened as one) or an EWF image (.E01 and its segments). Images
are opened read-only. --offset and --length scan a part of the image;
offsets in the output stay offsets in the whole image.

recover falls back to carving by itself for an input that no mailbox
format claims; carve forces it.`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if out == "" {
				return usageErr("carve needs an output folder: -o OUT")
			}
			if rng.offset < 0 || rng.length < 0 {
				return usageErr("--offset and --length must not be negative")
			}
			transform, err := tnefTransform(tnefMode)
			if err != nil {
				return &exitError{code: exitUsage, err: err}
			}
			bar, err := progressOn(progressMode, quiet, cmd.ErrOrStderr())
			if err != nil {
				return &exitError{code: exitUsage, err: err}
			}
			return runCarve(cmd.OutOrStdout(), cmd.ErrOrStderr(), args, out, runOptions{
				force: force, quiet: quiet, json: jsonOut, progress: bar, transform: transform,
			}, rng)
		},
	}
	cmd.Flags().StringVarP(&out, "out", "o", "", "output folder (created if needed; must be empty unless --force)")
	cmd.Flags().Int64Var(&rng.offset, "offset", 0, "start scanning at this byte offset of the image")
	cmd.Flags().Int64Var(&rng.length, "length", 0, "scan this many bytes (0: to the end of the image)")
	cmd.Flags().BoolVar(&force, "force", false, "write into an output folder that already holds files")
	cmd.Flags().BoolVarP(&quiet, "quiet", "q", false, "print only errors (no progress bar, no table at the end)")
	cmd.Flags().BoolVar(&jsonOut, "json", false, "print summary.json to stdout at the end, for scripts")
	cmd.Flags().StringVar(&progressMode, "progress", progressAuto, "progress bar on stderr: auto (when stderr is a terminal and not --quiet), always, never")
	cmd.Flags().StringVar(&tnefMode, "tnef", "decode", "winmail.dat (TNEF) parts: decode, keep or off, as for recover")
	cmd.MarkFlagDirname("out")
	return cmd
}

// runCarve carves every image into one output.
func runCarve(stdout, stderr io.Writer, images []string, out string, o runOptions, rng carveRange) error {
	if err := checkOut(images, out); err != nil {
		return &exitError{code: exitUsage, err: err}
	}
	ex, err := export.Create(out, export.Options{
		Force: o.force, Tool: "mailsalvage", Version: toolVersion(), Args: cmdline,
		Transform: o.transform, Bounce: bounceRecipients,
	})
	if err != nil {
		return &exitError{code: exitUsage, err: err}
	}
	failed := 0
	took := make([]time.Duration, len(images))
	for i, in := range images {
		start := time.Now()
		if !carveInput(stderr, ex, in, o.progress, rng, nil) {
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
		return &exitError{code: exitInputFail, err: fmt.Errorf("%d of %d images could not be read", failed, len(images))}
	}
	return nil
}

// carveFallback reports whether recover should carve input: a file or
// block device (not a folder) whose content no registered format claims.
// The error says what the content looked like.
func carveFallback(input string) (bool, error) {
	info, err := os.Stat(input)
	if err != nil || info.IsDir() || info.Size() == 0 && info.Mode().IsRegular() {
		return false, nil
	}
	_, err = formats.Detect(input)
	return errors.Is(err, formats.ErrUnknown), err
}

// carveInput carves one image into ex and reports whether it could be
// read. The input's format in summary.json is "carve/" and the image
// container (raw, split-raw, ewf). unknown, for recover's fallback, is why
// no format claimed the input: said on stderr when carving finds nothing.
func carveInput(stderr io.Writer, ex *export.Exporter, in string, bar bool, rng carveRange, unknown error) bool {
	p := startProgress(stderr, bar, in)
	defer p.finish()
	img, err := image.Open(in)
	if err != nil {
		ex.BeginInput(in, "carve")
		p.clear()
		fmt.Fprintln(stderr, "mailsalvage:", err)
		ex.EndInput(err)
		return false
	}
	defer img.Close()
	ex.BeginInput(in, "carve/"+img.Format())
	size := img.Size()
	ex.SetInputSize(size) // an E01's or split image's size, not its first file's
	if rng.offset > size {
		err := fmt.Errorf("%s: --offset %d is past the end of the image (%d bytes)", in, rng.offset, size)
		fmt.Fprintln(stderr, "mailsalvage:", err)
		ex.EndInput(err)
		return false
	}
	scan := size - rng.offset
	if rng.length > 0 && rng.length < scan {
		scan = rng.length
	}
	if p != nil {
		p.total.Store(scan)
	}
	opt := carve.Options{Offset: rng.offset, Length: scan}
	if p != nil {
		opt.Progress = func(done int64, _ int) { p.read.Store(done) }
	}
	shown := 0
	problem := func(pr *formats.Problem) {
		if pr.Path == "" {
			pr.Path = in
		}
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
	}
	warned := 0
	warnings := func() {
		ws := img.Warnings()
		for _, w := range ws[min(warned, len(ws)):] {
			problem(&formats.Problem{Offset: -1, Err: errors.New(w)})
		}
		warned = len(ws)
	}
	warnings()
	c := carve.New(img, size, opt)
	defer c.Close()
	found := 0
	for {
		m, err := c.Next()
		if m != nil {
			found++
			if m.Evidence == "" {
				m.Evidence = in
			}
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
			warnings()
			if found == 0 && unknown != nil {
				// recover's fallback found nothing either: as far as the
				// user can tell, this input was not mail (exit 1)
				err := fmt.Errorf("%w; carved as a %s image: no messages found", unknown, img.Format())
				p.clear()
				fmt.Fprintln(stderr, "mailsalvage:", err)
				ex.EndInput(err)
				return false
			}
			ex.EndInput(nil)
			return true
		}
		var pr *formats.Problem
		if errors.As(err, &pr) {
			problem(pr)
			continue
		}
		warnings()
		p.clear()
		fmt.Fprintln(stderr, "mailsalvage:", err)
		ex.EndInput(err)
		return false
	}
}
