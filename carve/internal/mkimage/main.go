// Command mkimage writes a generated raw disk image for benchmarks:
//
//	go run ./carve/internal/mkimage -size 1GiB -o /tmp/bench.dd
//
// The image is made of 64 MiB blocks laid out by synth.Image: messages
// (a tenth with an 8 to 14 KiB attachment) in 2 KiB clusters among random
// bytes, zeros and text, some truncated and some fragmented. Each block has
// its own seed; the image is streamed to the file. -truth writes the
// SHA-256, kind and offset of every planted message, to score carvers.
package main

import (
	"bufio"
	"crypto/sha256"
	"flag"
	"fmt"
	"os"

	"github.com/mailsalvage/mailsalvage/internal/synth"
)

const block = 64 << 20

func main() {
	sizeFlag := flag.String("size", "1GiB", "image size, a multiple of 64 MiB (KiB, MiB, GiB suffixes)")
	out := flag.String("o", "", "output file")
	seed := flag.Uint64("seed", 1, "generator seed")
	truth := flag.String("truth", "", "also write the ground truth to this file: one line per planted message, \"sha256 kind offset\"")
	flag.Parse()
	size, err := synth.ParseSize(*sizeFlag)
	if err != nil || *out == "" || size < block {
		fmt.Fprintln(os.Stderr, "usage: mkimage -size 1GiB -o FILE (at least 64MiB)")
		os.Exit(2)
	}
	f, err := os.Create(*out)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	w := bufio.NewWriterSize(f, 1<<20)
	var tw *bufio.Writer
	if *truth != "" {
		tf, err := os.Create(*truth)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		defer tf.Close()
		tw = bufio.NewWriter(tf)
		defer tw.Flush()
	}
	g := synth.NewGen(*seed)
	planted := 0
	for i := int64(0); i < size/block; i++ {
		var msgs [][]byte
		for j := 0; j < 9000; j++ {
			g.BigAttachment = 0
			if j%10 == 5 {
				g.BigAttachment = 8<<10 + j%7*1024
			}
			msgs = append(msgs, g.Next().Bytes)
		}
		img, p := synth.Image(synth.ImageOptions{Size: block, Seed: *seed*1000 + uint64(i)}, msgs)
		planted += len(p)
		if tw != nil {
			for _, m := range p {
				fmt.Fprintf(tw, "%x %s %d\n", sha256.Sum256(m.Bytes), m.Kind, i*block+m.Pieces[0].Off)
			}
		}
		if _, err := w.Write(img); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
	}
	if err := w.Flush(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	if err := f.Close(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	if tw != nil {
		tw.Flush()
	}
	fmt.Fprintf(os.Stderr, "%s: %d bytes, %d messages planted\n", *out, size/block*block, planted)
}
