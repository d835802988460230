// Command mkpst writes a generated Unicode PST of about a given size, for
// benchmarks of large files (bench/pst-memory.sh):
//
//	go run ./internal/synth/mkpst -size 256MiB -o /tmp/big.pst
//
// Items are synth.Gen notes, every tenth with an attachment of -attach
// bytes of random data, 2,000 to a folder. The file is written without
// FMap pages (synth.PSTStore.Large), which our reader, readpst and
// pffexport ignore. The whole file is built in memory (about three
// times its size).
package main

import (
	"flag"
	"fmt"
	"math/rand/v2"
	"os"

	"github.com/mailsalvage/mailsalvage/formats/mapi"
	"github.com/mailsalvage/mailsalvage/internal/synth"
)

func main() {
	sizeFlag := flag.String("size", "256MiB", "approximate size (KiB, MiB, GiB suffixes)")
	out := flag.String("o", "", "output file")
	seed := flag.Uint64("seed", 1, "generator seed")
	attach := flag.Int("attach", 20<<10, "size of the attachment of every tenth item")
	flag.Parse()
	size, err := synth.ParseSize(*sizeFlag)
	if err != nil || *out == "" || size <= 0 {
		fmt.Fprintln(os.Stderr, "usage: mkpst -size 256MiB -o FILE")
		os.Exit(2)
	}
	g := synth.NewGen(*seed)
	rng := rand.New(rand.NewPCG(*seed, 2))
	var folders []*synth.PSTFolder
	var cur *synth.PSTFolder
	// an item costs about 2.5 times its values plus 1.5 KiB (properties,
	// tables, B-tree entries, blocks rounded up), measured
	var est int64
	n := 0
	for est < size {
		if n%2000 == 0 {
			cur = &synth.PSTFolder{Name: fmt.Sprintf("Folder %03d", len(folders)+1), Class: "IPF.Note"}
			folders = append(folders, cur)
		}
		note := g.Note()
		if n%10 == 3 {
			note.Attachments = append(note.Attachments, synth.File{Name: fmt.Sprintf("data%d.bin", n), MIMEType: "application/octet-stream", Data: synth.Garbage(rng, *attach)})
			est += int64(*attach)
		}
		m := synth.NoteMessage(note)
		est += 5 * (1536 + itemText(m)) / 2
		cur.Messages = append(cur.Messages, m)
		n++
	}
	data, err := synth.PST(synth.PSTStore{DisplayName: "Benchmark", Folders: folders, Large: true})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	if err := os.WriteFile(*out, data, 0o644); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Fprintf(os.Stderr, "%s: %d items in %d folders, %d bytes\n", *out, n, len(folders), len(data))
}

// itemText is the size of a message's property values.
func itemText(m *mapi.Message) int64 {
	var n int64
	for _, t := range m.Props.Tags() {
		if p, ok := m.Props.Get(t); ok {
			n += int64(len(p.Value))
			for _, v := range p.Values {
				n += int64(len(v))
			}
		}
	}
	return n
}
