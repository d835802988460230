package synth

import (
	"bytes"
	"encoding/binary"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/mailsalvage/mailsalvage/formats/mapi"
)

func rtfInputs() map[string][]byte {
	rng := rand.New(rand.NewPCG(1, 2))
	random := make([]byte, 10000)
	for i := range random {
		random[i] = byte(rng.IntN(256))
	}
	g := NewGen(3)
	var long strings.Builder
	for long.Len() < 20000 {
		long.WriteString(g.paragraph())
	}
	return map[string][]byte{
		"empty":      {},
		"one byte":   []byte("{"),
		"prefix":     []byte(rtfDictPrefix),
		"crlf":       []byte("{\\rtf1\\ansi\r\n\\par \\pard\r\n}\r\n"),
		"run":        bytes.Repeat([]byte("a"), 5000),
		"random":     random,
		"html note":  HTMLToRTF(noteHTML([]string{"Hello,", "a second paragraph\nwith a line break & an <angle>."})),
		"long text":  HTMLToRTF(noteHTML(strings.Split(long.String(), "\n\n"))),
		"spec input": []byte("{\\rtf1\\ansi\\ansicpg1252\\pard hello world}\r\n"),
	}
}

func TestCompressRTF(t *testing.T) {
	for name, in := range rtfInputs() {
		c := CompressRTF(in)
		if got := binary.LittleEndian.Uint32(c[8:]); got != rtfCompTypeLZFu {
			t.Errorf("%s: COMPTYPE %08X", name, got)
		}
		if got := int(binary.LittleEndian.Uint32(c)); got != len(c)-4 {
			t.Errorf("%s: COMPSIZE %d for %d bytes", name, got, len(c))
		}
		out, err := mapi.DecompressRTF(c)
		if err != nil {
			t.Errorf("%s: DecompressRTF: %v", name, err)
		}
		if !bytes.Equal(out, in) {
			t.Errorf("%s: decompressed %d bytes differ from the %d compressed", name, len(out), len(in))
		}
		// decompressors that start from "\n\r" where MS-OXRTFCP has
		// "\r\n" read the same bytes
		if alt := lzfuDecompress(c[16:], strings.Replace(rtfDictPrefix, "\r\n", "\n\r", 1)); !bytes.Equal(alt, in) {
			t.Errorf("%s: a decompressor with the LF CR dictionary reads something else", name)
		}
		s, err := mapi.DecompressRTF(StoredRTF(in))
		if err != nil || !bytes.Equal(s, in) {
			t.Errorf("%s: StoredRTF: %v", name, err)
		}
		switch name {
		case "run", "long text", "html note":
			if len(c) > len(in)/2 {
				t.Errorf("%s: %d bytes compressed to %d", name, len(in), len(c))
			}
		case "prefix":
			if len(c) > 16+40 {
				t.Errorf("the initial dictionary compressed to %d bytes", len(c))
			}
		}
	}
}

// lzfuDecompress is a plain MS-OXRTFCP decompressor with a given initial
// dictionary.
func lzfuDecompress(data []byte, prefix string) []byte {
	var dict [4096]byte
	wp := copy(dict[:], prefix)
	var out []byte
	for i := 0; i < len(data); {
		ctrl := data[i]
		i++
		for bit := 0; bit < 8 && i < len(data); bit++ {
			if ctrl&(1<<bit) == 0 {
				out = append(out, data[i])
				dict[wp] = data[i]
				wp = (wp + 1) % 4096
				i++
				continue
			}
			ref := int(data[i])<<8 | int(data[i+1])
			i += 2
			off, n := ref>>4, ref&15+2
			if off == wp {
				return out
			}
			for k := 0; k < n; k++ {
				c := dict[(off+k)%4096]
				out = append(out, c)
				dict[wp] = c
				wp = (wp + 1) % 4096
			}
		}
	}
	return out
}

func TestHTMLToRTF(t *testing.T) {
	for _, h := range []string{
		noteHTML([]string{"Hello,", "second\nline", "tabs\tand ünïcödé 日本語 😀, a \\ { }"}),
		"<html><body><p>caf&eacute; &amp; &#8364; &lt;tag&gt; R&D&nbsp;x</p></body></html>",
		"<!DOCTYPE html>\r\n<html><head><title>T</title><style>p > a {color: red}</style></head><body>text<br>more<script>if (a < b) {}</script>\n</body></html>",
		"<p>no html element, lone\rCR and lone\nLF</p>",
		"plain text only",
		"<p attr=\"a>b\">quoted</p>",
	} {
		rtf := HTMLToRTF(h)
		got, ok := mapi.HTMLFromRTF(rtf)
		if !ok {
			t.Errorf("HTMLFromRTF does not find HTML in\n%s", rtf)
			continue
		}
		if string(got) != h {
			t.Errorf("HTML round trip:\n got %q\nwant %q\n rtf %s", got, h, rtf)
		}
		if bytes.ContainsAny(rtf, "\x00") {
			t.Errorf("RTF has NUL bytes")
		}
	}
	// what an RTF reader shows: the text, not the markup
	h := noteHTML([]string{"First paragraph", "Second & last"})
	text := mapi.PlainFromRTF(HTMLToRTF(h))
	if !strings.Contains(text, "First paragraph") || !strings.Contains(text, "Second & last") || strings.Contains(text, "<p>") || strings.Contains(text, "margin") {
		t.Errorf("the RTF shows %q", text)
	}
}

func BenchmarkCompressRTF(b *testing.B) {
	in := rtfInputs()["long text"]
	b.SetBytes(int64(len(in)))
	for b.Loop() {
		CompressRTF(in)
	}
}
