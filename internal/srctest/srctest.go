// Package srctest reads formats.Sources to their end, for the tests and
// fuzz targets of the readers: every message's bytes and every problem,
// or, for hostile input, as far as a bound.
package srctest

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/mailsalvage/mailsalvage/formats"
)

// Read is one message a source gave, with its bytes.
type Read struct {
	M    *formats.Message
	Data []byte
}

// Drain reads src to its end: every message (its bytes read through Open)
// and every problem's text. An error that ends the source, or a message
// that cannot be opened, fails the test.
func Drain(t testing.TB, src formats.Source) (msgs []Read, problems []string) {
	t.Helper()
	for {
		m, err := src.Next()
		if m != nil {
			rc, oerr := m.Open()
			if oerr != nil {
				t.Fatalf("%s: open: %v", m.Chain, oerr)
			}
			b, rerr := io.ReadAll(rc)
			rc.Close()
			if rerr != nil {
				t.Fatalf("%s: read: %v", m.Chain, rerr)
			}
			msgs = append(msgs, Read{M: m, Data: b})
		}
		if err == io.EOF {
			return msgs, problems
		}
		var p *formats.Problem
		if errors.As(err, &p) {
			problems = append(problems, p.Error())
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
	}
}

// Exhaust calls Next until the source ends (io.EOF or an error that is not
// a *formats.Problem) or max results came, reading every message's bytes;
// it reports whether the source ended. For fuzz targets: a source that
// does not end within a bound its input sets is a bug.
func Exhaust(src formats.Source, max int) bool {
	for range max {
		m, err := src.Next()
		if m != nil {
			if rc, err := m.Open(); err == nil {
				io.Copy(io.Discard, rc)
				rc.Close()
			}
		}
		var p *formats.Problem
		if err == io.EOF || err != nil && !errors.As(err, &p) {
			return true
		}
	}
	return false
}

// File writes data to a file called name in the test's temporary folder
// and returns its path, for opening through formats.Open.
func File(t testing.TB, name string, data []byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// Short is an io.ReaderAt that gives only the first N bytes of B, whatever
// size it is opened with: a file cut while it was read, a read error, an
// archive member whose declared size lies.
type Short struct {
	B []byte
	N int
}

func (s Short) ReadAt(p []byte, off int64) (int, error) {
	if off >= int64(s.N) {
		return 0, io.EOF
	}
	k := copy(p, s.B[off:s.N])
	if k < len(p) {
		return k, io.EOF
	}
	return k, nil
}

// Counting is an io.ReaderAt that counts the bytes read through it: how
// much of its input a reader looked at.
type Counting struct {
	R io.ReaderAt
	N int64
}

func (c *Counting) ReadAt(p []byte, off int64) (int, error) {
	n, err := c.R.ReadAt(p, off)
	c.N += int64(n)
	return n, err
}
