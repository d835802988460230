package dbx

import (
	"bytes"
	"io"
	"testing"
)

// BenchmarkRead reads a 2 MB synthetic store: through its tree, and with
// its tree lost (every message found by scanning).
func BenchmarkRead(b *testing.B) {
	sf := buildDBX(synthMsgs(800), synthOpts{Interleave: true})
	noTree := clone(sf.Data)
	le32(noTree, hdrTreeRoots, 0)
	for _, c := range []struct {
		name string
		data []byte
	}{{"tree", sf.Data}, {"scan", noTree}} {
		b.Run(c.name, func(b *testing.B) {
			b.SetBytes(int64(len(c.data)))
			for b.Loop() {
				rd := NewReader(bytes.NewReader(c.data), int64(len(c.data)))
				for {
					m, err := rd.Next()
					if err == io.EOF {
						break
					}
					if m != nil {
						rc, _ := m.Open()
						io.Copy(io.Discard, rc)
					}
				}
			}
		})
	}
}
