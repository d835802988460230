package synth

import (
	"bytes"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/mailsalvage/mailsalvage/formats/mapi"
)

// FuzzCompressRTF checks that whatever is compressed decompresses to
// itself, with the MS-OXRTFCP dictionary and with the LF CR variant.
func FuzzCompressRTF(f *testing.F) {
	for _, in := range rtfInputs() {
		f.Add(in)
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		c := CompressRTF(in)
		out, err := mapi.DecompressRTF(c)
		if err != nil || !bytes.Equal(out, in) {
			t.Fatalf("DecompressRTF: %v; %d bytes back for %d", err, len(out), len(in))
		}
		if alt := lzfuDecompress(c[16:], strings.Replace(rtfDictPrefix, "\r\n", "\n\r", 1)); !bytes.Equal(alt, in) {
			t.Fatalf("the LF CR dictionary reads %q", alt)
		}
	})
}

// FuzzHTMLToRTF checks that the HTML encapsulated in RTF comes back as it
// was, whatever its markup.
func FuzzHTMLToRTF(f *testing.F) {
	for _, s := range []string{
		noteHTML([]string{"a", "b\nc & d"}),
		"<html><head><style>a<b</style></head><body>x&amp;y<br>\r\nz</body></html>",
		"<p>unclosed <b", "<!-- comment", "text only", "\x00\x01\t\r",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, h string) {
		if !utf8.ValidString(h) {
			return
		}
		got, ok := mapi.HTMLFromRTF(HTMLToRTF(h))
		if h == "" {
			return
		}
		if !ok || string(got) != h {
			t.Fatalf("got %q (%v), want %q", got, ok, h)
		}
	})
}
