package carve

import (
	"bytes"
	"errors"
	"io"
	"testing"

	"github.com/mailsalvage/mailsalvage/formats"
)

// carved is one message a test got from a Carver.
type carved struct {
	m     *formats.Message
	bytes []byte
	off   int64 // first hop offset, -1 when none
	n     int64
}

// carveAll runs a Carver over data and returns every message and problem.
func carveAll(t testing.TB, r io.ReaderAt, size int64, opt Options) ([]carved, []error) {
	t.Helper()
	c := New(r, size, opt)
	defer c.Close()
	var out []carved
	var probs []error
	for {
		m, err := c.Next()
		if m != nil {
			rc, oerr := m.Open()
			if oerr != nil {
				t.Fatalf("Open: %v", oerr)
			}
			b, rerr := io.ReadAll(rc)
			rc.Close()
			if rerr != nil {
				t.Fatalf("reading %s: %v", m.Chain, rerr)
			}
			if m.Size >= 0 && int64(len(b)) != m.Size {
				t.Errorf("%s: Size %d, read %d", m.Chain, m.Size, len(b))
			}
			cv := carved{m: m, bytes: b, off: -1}
			if len(m.Chain) > 0 && m.Chain[0].Offset != nil {
				cv.off, cv.n = *m.Chain[0].Offset, *m.Chain[0].Length
			}
			if len(m.Chain) == 0 || m.Chain[0].Format != "image" {
				t.Errorf("chain %s does not start with an image hop", m.Chain)
			}
			out = append(out, cv)
		}
		if err == io.EOF {
			return out, probs
		}
		if err != nil {
			var p *formats.Problem
			if !errors.As(err, &p) {
				t.Fatalf("Next: %v", err)
			}
			probs = append(probs, err)
		}
	}
}

func carveBytes(t testing.TB, data []byte, opt Options) ([]carved, []error) {
	return carveAll(t, bytes.NewReader(data), int64(len(data)), opt)
}
