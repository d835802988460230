package export

import (
	"bytes"
	"encoding/xml"
	"testing"

	"github.com/mailsalvage/mailsalvage/formats"
)

func TestAppendXMLText(t *testing.T) {
	for _, s := range append(jsonStrings, "\ufffd real", "\ufffe\uffff\U0010ffff", "'apos'", "\x7f\x80") {
		var want bytes.Buffer
		xml.EscapeText(&want, []byte(s))
		if got := appendXMLText(nil, s); !bytes.Equal(got, want.Bytes()) {
			t.Errorf("%q: %q, want %q", s, got, want.Bytes())
		}
	}
}

func TestAppendChainText(t *testing.T) {
	off, n, neg := int64(0x1f000), int64(512), int64(-31)
	for _, c := range []formats.Chain{nil, {}, {{Format: "image"}},
		{formats.Span("image", 0x1f000, 512, "pst"), {Format: "pst", Locator: "node 0x200024"}, {Format: "msg", Offset: &off}, {Format: "x", Length: &n}},
		{{Format: "a", Offset: &neg, Length: &neg, Locator: "\xff"}}} {
		if got := string(appendChainText(nil, c)); got != c.String() {
			t.Errorf("%q, want %q", got, c.String())
		}
	}
}

// FuzzXMLText: appendXMLText writes what xml.EscapeText writes.
func FuzzXMLText(f *testing.F) {
	for _, s := range jsonStrings {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		var want bytes.Buffer
		xml.EscapeText(&want, []byte(s))
		if got := appendXMLText(nil, s); !bytes.Equal(got, want.Bytes()) {
			t.Errorf("%q: %q, want %q", s, got, want.Bytes())
		}
	})
}
