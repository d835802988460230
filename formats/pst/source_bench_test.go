package pst

import (
	"io"
	"os"
	"testing"

	"github.com/mailsalvage/mailsalvage/formats"
)

// BenchmarkSourceOST reads and converts every item of the largest corpus
// OST as `mailsalvage recover` does (the registered opener, then Next
// until io.EOF), without writing anything.
func BenchmarkSourceOST(b *testing.B) {
	path := "../../../shared/corpus/ost/pst-extractor-npm__mtnman1965@outlook.com.ost"
	fh, err := os.Open(path)
	if err != nil {
		b.Skip(err)
	}
	defer fh.Close()
	st, _ := fh.Stat()
	for i := 0; i < b.N; i++ {
		src, err := openFile(fh, st.Size(), &formats.Probe{Path: path})
		if err != nil {
			b.Fatal(err)
		}
		n := 0
		for {
			m, err := src.Next()
			if err == io.EOF {
				break
			}
			if m == nil {
				continue
			}
			rc, _ := m.Open()
			io.Copy(io.Discard, rc)
			n++
		}
		if n == 0 {
			b.Fatal("no items")
		}
		src.Close()
	}
}
