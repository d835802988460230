package pst

import (
	"bytes"
	"errors"
	"io"
	"testing"

	"github.com/mailsalvage/mailsalvage/formats"
)

// FuzzSource: any bytes, read through the registered format as recover
// reads them (OpenRecovered, folders, orphans, deleted items, items found
// by their blocks), never panic, hang or yield without bound. Seeds:
// damaged synthetic PSTs (internal/damage, as in ndb's FuzzFile) under
// testdata/fuzz/FuzzSource.
func FuzzSource(f *testing.F) {
	f.Fuzz(func(t *testing.T, data []byte) {
		head := data[:min(len(data), formats.HeadSize)]
		src, err := openFile(bytes.NewReader(data), int64(len(data)), &formats.Probe{Path: "fuzz.pst", Head: head})
		if err != nil {
			return
		}
		defer src.Close()
		for n := 0; ; n++ {
			if n > 1<<16 {
				t.Fatalf("more than %d messages from %d bytes", n, len(data))
			}
			m, err := src.Next()
			if err == io.EOF {
				return
			}
			var p *formats.Problem
			if errors.As(err, &p) {
				continue
			}
			if err != nil {
				return
			}
			if !m.State.Valid() || len(m.Chain) == 0 || m.Method == "" {
				t.Fatalf("message without state, chain or method: %+v", m)
			}
			rc, err := m.Open()
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(rc)
			rc.Close()
			if int64(len(b)) != m.Size {
				t.Fatalf("Size %d, Open gave %d bytes", m.Size, len(b))
			}
		}
	})
}
