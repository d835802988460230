package carve

import (
	"io"
	"os"
	"testing"

	"github.com/mailsalvage/mailsalvage/carve/image"
	"github.com/mailsalvage/mailsalvage/internal/synth"
)

// BenchmarkCarve carves a generated 64 MiB image held in memory, or the
// image named by $CARVE_BENCH_FILE (bench/carve.sh), reading every message.
func BenchmarkCarve(b *testing.B) {
	var r io.ReaderAt
	var size int64
	if p := os.Getenv("CARVE_BENCH_FILE"); p != "" {
		img, err := image.Open(p)
		if err != nil {
			b.Fatal(err)
		}
		defer img.Close()
		r, size = img, img.Size()
	} else {
		msgs := imageMessages(b, 12000)
		img, _ := synth.Image(synth.ImageOptions{Size: 64 << 20, Seed: 7}, msgs)
		r, size = bytesAt(img), int64(len(img))
	}
	b.SetBytes(size)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		c := New(r, size, Options{})
		n := 0
		for {
			m, err := c.Next()
			if m != nil {
				rc, _ := m.Open()
				io.Copy(io.Discard, rc)
				rc.Close()
				n++
			}
			if err == io.EOF {
				break
			}
		}
		c.Close()
		b.ReportMetric(float64(n), "msgs")
	}
}

type bytesAt []byte

func (b bytesAt) ReadAt(p []byte, off int64) (int, error) {
	if off >= int64(len(b)) {
		return 0, io.EOF
	}
	n := copy(p, b[off:])
	if n < len(p) {
		return n, io.EOF
	}
	return n, nil
}
