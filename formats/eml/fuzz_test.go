package eml

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mailsalvage/mailsalvage/formats"
)

// fuzzOne opens data as the named format and checks what any input must
// give: no panic, at most one message, Size equal to what Open returns,
// a valid state, and a chain that stays inside the file and covers exactly
// the bytes returned (unless the message was rebuilt).
func fuzzOne(t *testing.T, format string, data []byte, path string) {
	p := probe(data, path)
	MatchEML(p)
	MatchEMLX(p)
	f, _ := formats.Lookup(format)
	src, err := f.OpenFile(bytes.NewReader(data), int64(len(data)), p)
	if err != nil {
		return
	}
	defer src.Close()
	n := 0
	for {
		m, err := src.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("Next: %v", err)
		}
		if n++; n > 1 {
			t.Fatal("more than one message")
		}
		if !m.State.Valid() {
			t.Fatalf("invalid state %q", m.State)
		}
		rc, err := m.Open()
		if err != nil {
			t.Fatalf("Open: %v", err)
		}
		b, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Fatalf("reading: %v", err)
		}
		if int64(len(b)) != m.Size {
			t.Fatalf("Size %d, Open gave %d bytes", m.Size, len(b))
		}
		hops := 1
		if m.Method == "emlx-reassembled" {
			hops = 2
		}
		if len(m.Chain) != hops || m.Chain[0].Offset == nil || m.Chain[0].Length == nil {
			t.Fatalf("chain %s", m.Chain)
		}
		off, length := *m.Chain[0].Offset, *m.Chain[0].Length
		if off < 0 || length <= 0 || off+length > int64(len(data)) {
			t.Fatalf("chain %s outside the %d-byte file", m.Chain, len(data))
		}
		if m.Method == format && !bytes.Equal(b, data[off:off+length]) {
			t.Fatalf("message bytes are not the bytes the chain names")
		}
	}
	if n != 1 {
		t.Fatal("no message")
	}
}

// FuzzEML and FuzzEMLX: seeds here and under testdata/fuzz/FuzzEML and
// testdata/fuzz/FuzzEMLX, all written for the tests.
func FuzzEML(f *testing.F) {
	f.Add([]byte(plainMsg))
	f.Add([]byte(crlf(multipartMsg)))
	f.Add([]byte(multipartMsg[:200] + "\x00\x00\x00"))
	f.Add([]byte("\xef\xbb\xbf \n\t" + plainMsg)) // blank lines and an indent before the header
	f.Add([]byte("\n"))                           // a blank line and no header after it
	f.Fuzz(func(t *testing.T, data []byte) { fuzzOne(t, "eml", data, "") })
}

func FuzzEMLX(f *testing.F) {
	f.Add([]byte(emlxOf(len(plainMsg), plainMsg, applePlist(8623689857))))
	f.Add([]byte(emlxOf(5000, multipartMsg, applePlist(2))))
	stored := strings.NewReplacer("{{2}}", "", "{{3.2}}", "", "{{3.3}}", "", "{{2len}}", "271", "{{3.2len}}", "17").Replace(partialTemplate)
	f.Add([]byte(emlxOf(len(stored), stored, applePlist(1))))
	f.Add([]byte(emlxOf(len(stored), crlf(stored), applePlist(1))))
	// An Attachments folder for message 77, so that inputs with elided
	// parts are rebuilt from files.
	root := filepath.Join(f.TempDir(), "Inbox.mbox")
	for rel, data := range map[string]string{
		"1/a.txt":       "one\n",
		"2/data.bin":    string(partData),
		"3.2/notes.txt": partNotes,
		"3.3/short.txt": partShort,
		"2.2/empty.txt": "",
		"1.1/lines.txt": strings.Repeat("a line of text =\r\n", 40),
	} {
		p := filepath.Join(root, "Attachments", "77", filepath.FromSlash(rel))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			f.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
			f.Fatal(err)
		}
	}
	path := filepath.Join(root, "Messages", "77.partial.emlx")
	f.Fuzz(func(t *testing.T, data []byte) { fuzzOne(t, "emlx", data, path) })
}
