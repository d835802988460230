package tnef

import (
	"bytes"
	"encoding/base64"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mailsalvage/mailsalvage/formats/rfc5322"
	"github.com/mailsalvage/mailsalvage/internal/corpus"
)

// FuzzRewrite feeds Rewrite (the --tnef transform of recover, which runs
// on every message of every input) arbitrary messages: no panic, the
// input never modified, and a rewritten message that keeps a complete
// header when it had one and is bounded by its input. Seeds: the
// writer's sample message inside a message (LF and CRLF), damaged, and a
// message without TNEF; testdata/fuzz/FuzzRewrite/found-no-complete-header,
// an input FuzzRewrite found (the sample mutated, not a bug in Rewrite:
// the input has no complete header either; it made the assertion below
// precise); and, when the corpus is present, a message carrying the
// corpus file tnef/POI__bug52400-winmail-simple.dat (apache/poi
// test-data, Apache-2.0, 4.5 KiB) as a base64 application/ms-tnef
// attachment, built at run time (corpus bytes are never copied into
// testdata).
func FuzzRewrite(f *testing.F) {
	sample := sampleMessage()
	f.Add(mailWith(sample, false), false)
	f.Add(mailWith(sample, true), true)
	f.Add(mailWith(sample[:len(sample)/2], false), true)
	f.Add([]byte("Subject: none\n\nno TNEF here\n"), false)
	if root := corpus.Root(); root != "" {
		if data, err := os.ReadFile(filepath.Join(root, "tnef", "POI__bug52400-winmail-simple.dat")); err == nil {
			f.Add(corpusTNEFMail(data), false)
		}
	}
	f.Fuzz(func(t *testing.T, msg []byte, keep bool) {
		in := bytes.Clone(msg)
		out, _, changed := Rewrite(msg, keep)
		if !bytes.Equal(in, msg) {
			t.Fatal("Rewrite changed its input")
		}
		if !changed {
			return
		}
		// a message with a complete header keeps one (one without, as
		// FuzzRewrite found, is rewritten as it came)
		if _, _, complete := rfc5322.Parse(msg); complete {
			if _, n, complete := rfc5322.Parse(out); !complete || n == 0 {
				t.Fatalf("rewritten message without a complete header:\n%.300q", out)
			}
		}
		// decoded attachments are at most the TNEF bytes, base64 a third
		// more, plus headers for each part
		if bound := 4*len(msg) + 1<<20; len(out) > bound {
			t.Fatalf("%d bytes out of %d", len(out), len(msg))
		}
	})
}

// corpusTNEFMail wraps a TNEF stream of the corpus in a message: a text
// part and the stream as a base64 winmail.dat attachment, LF line ends.
func corpusTNEFMail(data []byte) []byte {
	b := []byte("From: a@example.com\nTo: b@example.com\nSubject: corpus winmail.dat\nMessage-ID: <seed@example.com>\nMIME-Version: 1.0\n" +
		"Content-Type: multipart/mixed; boundary=\"XX\"\n\n--XX\nContent-Type: text/plain\n\nsee attached\n\n" +
		"--XX\nContent-Type: application/ms-tnef; name=\"winmail.dat\"\nContent-Disposition: attachment; filename=\"winmail.dat\"\nContent-Transfer-Encoding: base64\n\n")
	b64 := base64.StdEncoding.EncodeToString(data)
	for len(b64) > 76 {
		b = append(append(b, b64[:76]...), '\n')
		b64 = b64[76:]
	}
	b = append(append(b, b64...), '\n')
	return append(b, "--XX--\n"...)
}

// containsFoldNaive is what containsFold must answer.
func containsFoldNaive(b []byte, s string) bool {
	return bytes.Contains(bytes.ToLower(b), []byte(s))
}

func FuzzContainsFold(f *testing.F) {
	f.Add([]byte("Content-Type: application/MS-TNEF"), "ms-tnef")
	f.Add([]byte("x.dat name=WINMAIL.DAT"), "winmail.dat")
	f.Fuzz(func(t *testing.T, b []byte, s string) {
		s = strings.ToLower(s)
		for i := 0; i < len(s); i++ {
			if s[i] >= 0x80 {
				return // s is lower-case ASCII
			}
		}
		for i := range b {
			if b[i] >= 0x80 {
				return // ToLower folds non-ASCII; containsFold does not
			}
		}
		if got, want := containsFold(b, s), containsFoldNaive(b, s); got != want {
			t.Errorf("containsFold(%q, %q) = %v, want %v", b, s, got, want)
		}
	})
}

func TestContainsFold(t *testing.T) {
	for _, c := range []struct {
		b, s string
		want bool
	}{
		{"Content-Type: application/MS-TNEF", "ms-tnef", true},
		{"name=WINMAIL.DAT", "winmail.dat", true},
		{"winmail.da", "winmail.dat", false},
		{"ms-tnf ms-tne", "ms-tnef", false},
		{"", "ms-tnef", false},
		{"MS-TNEF", "ms-tnef", true},
		{"-", "ms-tnef", false},
		{"-ms-tnef", "ms-tnef", true},
		{"x.dat .. winmail.dat", "winmail.dat", true},
		{".winmail.da.", "winmail.dat", false},
		{"ms-tnefms-tnef", "ms-tnef", true},
		{"tnef", "tnef", true},
		{"TNE", "tnef", false},
	} {
		if got := containsFold([]byte(c.b), c.s); got != c.want {
			t.Errorf("containsFold(%q, %q) = %v", c.b, c.s, got)
		}
	}
	// it runs on every message the exporter writes: no copy of the message
	big := bytes.Repeat([]byte("Subject: ms-tne\r\n"), 1<<12)
	if n := testing.AllocsPerRun(10, func() { containsFold(big, "winmail.dat") }); n != 0 {
		t.Errorf("%v allocations per search of %d bytes", n, len(big))
	}
}
