// Command mkmbox writes a generated mbox of a given size for benchmarks:
//
//	go run ./internal/synth/mkmbox -size 1GiB -o /tmp/bench.mbox
//
// Messages are those of synth.Gen (10% with a 100 KiB attachment, as in a
// real mailbox), written in Thunderbird's layout, streamed to the file.
package main

import (
	"bufio"
	"flag"
	"fmt"
	"os"

	"github.com/mailsalvage/mailsalvage/internal/synth"
)

func main() {
	sizeFlag := flag.String("size", "1GiB", "approximate size (KiB, MiB, GiB suffixes)")
	out := flag.String("o", "", "output file")
	seed := flag.Uint64("seed", 1, "generator seed")
	attach := flag.Int("attach", 100<<10, "size of the attachment in every tenth message")
	flag.Parse()
	size, err := synth.ParseSize(*sizeFlag)
	if err != nil || *out == "" {
		fmt.Fprintln(os.Stderr, "usage: mkmbox -size 1GiB -o FILE")
		os.Exit(2)
	}
	f, err := os.Create(*out)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	w := bufio.NewWriterSize(f, 1<<20)
	g := synth.NewGen(*seed)
	g.BigAttachment = *attach
	var written int64
	count := 0
	for written < size {
		batch := make([]synth.Message, 200)
		for i := range batch {
			batch[i] = g.Next()
		}
		data, _ := synth.Mbox(batch, synth.MboxOptions{Style: synth.Thunderbird, Deleted: func(i int) bool { return i%17 == 5 }})
		w.Write(data)
		written += int64(len(data))
		count += len(batch)
	}
	if err := w.Flush(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	f.Close()
	fmt.Printf("%s: %d messages, %d bytes\n", *out, count, written)
}
