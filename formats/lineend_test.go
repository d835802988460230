package formats

import (
	"bytes"
	"io"
	"path/filepath"
	"strings"
	"testing"
	"testing/iotest"
)

func TestClassicMac(t *testing.T) {
	for _, c := range []struct {
		head string
		want bool
	}{
		{"From: a@example.com\rSubject: x\r\rbody\r", true},
		{"From: a@example.com\r\nSubject: x\r\n\r\nbody\r\n", false}, // CRLF
		{"From: a@example.com\nSubject: x\n", false},
		{"one line\r", false},
		{"\x00\x01\x02\x03\x04\x05\r\r\x06\x07", false}, // binary
		{"", false},
	} {
		if got := ClassicMac([]byte(c.head)); got != c.want {
			t.Errorf("ClassicMac(%q) = %v, want %v", c.head, got, c.want)
		}
	}
}

// Lone CRs read as LF, a CRLF stays, whatever the reads' sizes and
// offsets (a CR at the end of a read looks one byte further).
func TestCRAsLF(t *testing.T) {
	in := "a\rb\r\nc\r\rd\r\r\ne\r"
	want := "a\nb\r\nc\n\nd\n\r\ne\n"
	ra := CRAsLF(strings.NewReader(in))
	for size := 1; size <= len(in); size++ {
		var got []byte
		for off := 0; off < len(in); off += size {
			b := make([]byte, min(size, len(in)-off))
			n, err := ra.ReadAt(b, int64(off))
			if err != nil && err != io.EOF {
				t.Fatal(err)
			}
			got = append(got, b[:n]...)
		}
		if string(got) != want {
			t.Errorf("reads of %d: %q, want %q", size, got, want)
		}
	}
	for name, r := range map[string]io.Reader{
		"whole":    CRAsLFStream(strings.NewReader(in)),
		"bytewise": CRAsLFStream(iotest.OneByteReader(strings.NewReader(in))),
		"half":     CRAsLFStream(iotest.HalfReader(strings.NewReader(in))),
		"data+EOF": CRAsLFStream(iotest.DataErrReader(strings.NewReader(in))),
	} {
		got, err := io.ReadAll(r)
		if err != nil || string(got) != want {
			t.Errorf("%s stream: %q (%v), want %q", name, got, err, want)
		}
	}
}

// A file whose lines end with CR alone is detected and read through
// CRAsLF, in place and in a folder, and each message says so.
func TestClassicMacFile(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, "mac.toy", "TOY\rone\rtwo\r")
	write(t, dir, "folder/mac.toy", "TOY\rthree\r")
	for _, c := range []struct {
		path string
		want []string
	}{
		{filepath.Join(dir, "mac.toy"), []string{"one", "two"}},
		{filepath.Join(dir, "folder"), []string{"three"}},
	} {
		src, name, err := Open(c.path)
		if err != nil {
			t.Fatalf("%s: %v", c.path, err)
		}
		msgs, problems, err := drain(t, src)
		src.Close()
		if err != nil || len(problems) > 0 || len(msgs) != len(c.want) {
			t.Fatalf("%s (%s): %d messages, problems %q, %v; want %d", c.path, name, len(msgs), problems, err, len(c.want))
		}
		for i, m := range msgs {
			rc, _ := m.Open()
			b, _ := io.ReadAll(rc)
			rc.Close()
			if !bytes.Equal(b, []byte(c.want[i])) || len(m.Warnings) != 1 || m.Warnings[0] != MacLineEndsWarning {
				t.Errorf("%s: message %q, warnings %q; want %q with the line-end warning", c.path, b, m.Warnings, c.want[i])
			}
		}
	}
}

// FuzzCRAsLF: the random-access and the streaming reader give the same
// bytes, the input's with each lone CR as LF.
func FuzzCRAsLF(f *testing.F) {
	f.Add([]byte("a\rb\r\nc\r\r"), 3)
	f.Add([]byte("\r"), 1)
	f.Fuzz(func(t *testing.T, in []byte, size int) {
		size = max(1, size%64+1)
		want := bytes.Clone(in)
		for i := range want {
			if want[i] == '\r' && (i+1 == len(want) || want[i+1] != '\n') {
				want[i] = '\n'
			}
		}
		ra := CRAsLF(bytes.NewReader(in))
		var got []byte
		for off := 0; off < len(in); off += size {
			b := make([]byte, min(size, len(in)-off))
			n, _ := ra.ReadAt(b, int64(off))
			got = append(got, b[:n]...)
		}
		s, err := io.ReadAll(CRAsLFStream(iotest.HalfReader(bytes.NewReader(in))))
		if !bytes.Equal(got, want) || err != nil || !bytes.Equal(s, want) {
			t.Fatalf("%q: ReadAt %q, stream %q (%v), want %q", in, got, s, err, want)
		}
	})
}
