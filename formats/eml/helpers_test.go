package eml

import (
	"bytes"
	"encoding/base64"
	"io"
	"mime/quotedprintable"
	"strings"
	"testing"

	"github.com/mailsalvage/mailsalvage/formats"
)

// probe builds what detection sees of data.
func probe(data []byte, path string) *formats.Probe {
	return &formats.Probe{Path: path, Head: data[:min(len(data), formats.HeadSize)]}
}

// openOne opens data with the named format and returns its one message and
// the bytes Open gives, checking the Source contract on the way: exactly
// one message, then io.EOF, and Size equal to what Open returns.
func openOne(t *testing.T, format string, data []byte, path string) (*formats.Message, []byte) {
	t.Helper()
	f, ok := formats.Lookup(format)
	if !ok {
		t.Fatalf("format %q not registered", format)
	}
	src, err := f.OpenFile(bytes.NewReader(data), int64(len(data)), probe(data, path))
	if err != nil {
		t.Fatalf("OpenFile: %v", err)
	}
	defer src.Close()
	m, err := src.Next()
	if err != nil {
		t.Fatalf("Next: %v", err)
	}
	if m2, err := src.Next(); m2 != nil || err != io.EOF {
		t.Fatalf("second Next = %v, %v; want nil, io.EOF", m2, err)
	}
	return m, readMessage(t, m)
}

func readMessage(t *testing.T, m *formats.Message) []byte {
	t.Helper()
	rc, err := m.Open()
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil {
		t.Fatalf("reading message: %v", err)
	}
	if m.Size != int64(len(b)) {
		t.Fatalf("Size = %d, Open gave %d bytes", m.Size, len(b))
	}
	return b
}

// hasWarning reports whether a warning contains every one of parts.
func hasWarning(ws []string, parts ...string) bool {
	for _, w := range ws {
		ok := true
		for _, p := range parts {
			if !strings.Contains(w, p) {
				ok = false
				break
			}
		}
		if ok {
			return true
		}
	}
	return false
}

func crlf(s string) string { return strings.ReplaceAll(s, "\n", "\r\n") }

func newBase64Decoder(r io.Reader) io.Reader {
	return base64.NewDecoder(base64.StdEncoding, &lineStripper{r: r})
}

func newQPDecoder(r io.Reader) io.Reader { return quotedprintable.NewReader(r) }

// lineStripper drops CR and LF, for base64.NewDecoder.
type lineStripper struct{ r io.Reader }

func (l *lineStripper) Read(p []byte) (int, error) {
	n, err := l.r.Read(p)
	j := 0
	for _, c := range p[:n] {
		if c != '\r' && c != '\n' {
			p[j] = c
			j++
		}
	}
	return j, err
}
