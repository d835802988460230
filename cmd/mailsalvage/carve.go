package main

import (
	"errors"
	"fmt"
	"io"

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
	var f outputFlags
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
			o, err := f.options(cmd, "carve")
			if err != nil {
				return err
			}
			if rng.offset < 0 || rng.length < 0 {
				return usageErr("--offset and --length must not be negative")
			}
			return runExport(cmd.OutOrStdout(), cmd.ErrOrStderr(), args, o, "images",
				func(ex *export.Exporter, in string) bool {
					return carveInput(cmd.ErrOrStderr(), ex, in, o.progress, rng, nil)
				})
		},
	}
	f.register(cmd, "decode, keep or off, as for recover")
	cmd.Flags().Int64Var(&rng.offset, "offset", 0, "start scanning at this byte offset of the image")
	cmd.Flags().Int64Var(&rng.length, "length", 0, "scan this many bytes (0: to the end of the image)")
	return cmd
}

// readFull reads len(b) bytes at the start of r.
func readFull(r io.ReaderAt, b []byte) bool {
	n, _ := r.ReadAt(b, 0)
	return n == len(b)
}

// carveInput carves one image into ex and reports whether it could be
// read. The input's format in summary.json is "carve/" and the image
// container (raw, split-raw, ewf). unknown, for recover's fallback, is why
// no format claimed the input: said on stderr when carving finds nothing.
func carveInput(stderr io.Writer, ex *export.Exporter, in string, bar bool, rng carveRange, unknown error) bool {
	p := startProgress(stderr, bar, in, nil)
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
	pr := &problemReporter{stderr: stderr, ex: ex, in: in, p: p}
	problem := func(x *formats.Problem) {
		if x.Path == "" {
			x.Path = in
		}
		pr.report(x)
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
	found, err := drain(stderr, ex, p, func() (*formats.Message, error) {
		m, err := c.Next()
		if m != nil && m.Evidence == "" {
			m.Evidence = in
		}
		return m, err
	}, problem)
	warnings()
	if err != nil {
		p.clear()
		fmt.Fprintln(stderr, "mailsalvage:", err)
		ex.EndInput(err)
		return false
	}
	if magic := make([]byte, 3); found == 0 && rng.offset == 0 && readFull(img, magic) && string(magic) == "\x1f\x8b\x08" {
		// carving the compressed bytes finds nothing: say what does
		p.clear()
		fmt.Fprintf(stderr, "mailsalvage: %s: gzip-compressed, so carving its bytes finds nothing; recover decompresses it and carves the image inside\n", in)
	}
	if found == 0 && unknown != nil {
		// recover's fallback found nothing either: as far as the user can
		// tell, this input was not mail (exit 1)
		err := fmt.Errorf("%w; carved as a %s image: no messages found", unknown, img.Format())
		p.clear()
		fmt.Fprintln(stderr, "mailsalvage:", err)
		ex.EndInput(err)
		return false
	}
	ex.EndInput(nil)
	return true
}
