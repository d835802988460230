package ndb

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/mailsalvage/mailsalvage/formats/mapi"
	"github.com/mailsalvage/mailsalvage/internal/synth"
)

// largestCorpusBytes returns the largest PST/OST of the corpus.
func largestCorpusBytes(b *testing.B) []byte {
	var best string
	var size int64
	for _, p := range corpusPSTs(b) {
		if st, err := os.Stat(p); err == nil && st.Size() > size && !strings.HasSuffix(p, ".txt") {
			best, size = p, st.Size()
		}
	}
	data, err := os.ReadFile(best)
	if err != nil {
		b.Skip(err)
	}
	b.Logf("%s, %d bytes", filepath.Base(best), size)
	return data
}

// bigSynth returns a synthetic PST of about 30 MB (synth's writer stops
// short of 32 MB): 800 notes with a 25 KB attachment each.
func bigSynth(b *testing.B) []byte {
	g := synth.NewGen(1)
	rng := rand.New(rand.NewPCG(1, 1))
	var msgs []*mapi.Message
	for i := 0; i < 800; i++ {
		n := g.Note()
		n.Attachments = append(n.Attachments, synth.File{Name: fmt.Sprintf("a%d.bin", i), MIMEType: "application/octet-stream", Data: synth.Garbage(rng, 25000)})
		msgs = append(msgs, synth.NoteMessage(n))
	}
	data, m := buildSynth(b, synth.PSTStore{Folders: []*synth.PSTFolder{{Name: "Inbox", Class: "IPF.Note", Messages: msgs}}})
	data, _ = interleave(b, data, m, spread(m))
	b.Logf("synthetic PST, %d bytes", len(data))
	return data
}

func benchScan(b *testing.B, data []byte) {
	b.SetBytes(int64(len(data)))
	b.ResetTimer()
	for b.Loop() {
		if _, err := Scan(bytes.NewReader(data), int64(len(data)), ScanOptions{}); err != nil {
			b.Fatal(err)
		}
	}
}

func benchOpenRecovered(b *testing.B, data []byte) {
	b.SetBytes(int64(len(data)))
	b.ResetTimer()
	for b.Loop() {
		if _, err := OpenRecovered(bytes.NewReader(data), int64(len(data))); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkScanCorpus(b *testing.B)          { benchScan(b, largestCorpusBytes(b)) }
func BenchmarkOpenRecoveredCorpus(b *testing.B) { benchOpenRecovered(b, largestCorpusBytes(b)) }
func BenchmarkScanSynth(b *testing.B)           { benchScan(b, bigSynth(b)) }
func BenchmarkOpenRecoveredSynth(b *testing.B)  { benchOpenRecovered(b, bigSynth(b)) }

// BenchmarkOpenRecoveredSynthDamaged: the same file with its roots
// zeroed, rebuilt from the scan.
func BenchmarkOpenRecoveredSynthDamaged(b *testing.B) {
	data := bigSynth(b)
	clear(data[216:248])
	benchOpenRecovered(b, data)
}

// BenchmarkRecoveredMemory reports the heap a File from OpenRecovered
// keeps per block of the file (its scan index, and the rebuilt trees of a
// damaged file), the figure that sets how much memory a large PST needs:
// for the synthetic file sound and with its roots destroyed.
func BenchmarkRecoveredMemory(b *testing.B) {
	data := bigSynth(b)
	b.Run("sound", func(b *testing.B) { benchRecoveredMemory(b, data) })
	damaged := slices.Clone(data)
	clear(damaged[216:248])
	b.Run("roots-destroyed", func(b *testing.B) { benchRecoveredMemory(b, damaged) })
}

func benchRecoveredMemory(b *testing.B, data []byte) {
	var per float64
	for b.Loop() {
		runtime.GC()
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		f, err := OpenRecovered(bytes.NewReader(data), int64(len(data)))
		if err != nil {
			b.Fatal(err)
		}
		runtime.GC()
		runtime.ReadMemStats(&after)
		per = float64(after.HeapAlloc-before.HeapAlloc) / float64(f.Recovery().Blocks)
		runtime.KeepAlive(f)
	}
	b.ReportMetric(per, "heap-B/block")
}
