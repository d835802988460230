package eml

import (
	"bytes"
	"io"
	"strings"
	"testing"

	"github.com/mailsalvage/mailsalvage/formats"
	"github.com/mailsalvage/mailsalvage/internal/srctest"
)

// TestShortData: an .eml or .emlx whose data ends before the size it was
// opened with (a read error, an archive member whose size lies) gives
// what is there, partial, saying so; it was refused before.
func TestShortData(t *testing.T) {
	msg := []byte("From: a@example.org\nTo: b@example.org\nSubject: cut\n\n" + strings.Repeat("line of body text\n", 50))
	emlx := append([]byte("1234      \n"), msg...)
	for _, c := range []struct {
		name string
		open func(io.ReaderAt, int64, *formats.Probe) (formats.Source, error)
		data []byte
	}{{"eml", OpenEML, msg}, {"emlx", OpenEMLX, emlx}} {
		n := len(c.data) * 2 / 3
		src, err := c.open(srctest.Short{B: c.data, N: n}, int64(len(c.data)), &formats.Probe{})
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		got, _ := srctest.Drain(t, src)
		if len(got) != 1 || got[0].M.State != formats.Partial || !bytes.HasPrefix(msg, got[0].Data) || len(got[0].Data) < n/2 ||
			!strings.Contains(strings.Join(got[0].M.Warnings, "\n"), "the data ends after") {
			t.Fatalf("%s: %d messages; %+v", c.name, len(got), got)
		}
	}
}
