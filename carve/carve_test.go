package carve

import (
	"bytes"
	"math/rand/v2"
	"strings"
	"testing"
	"unicode/utf16"

	"github.com/mailsalvage/mailsalvage/formats"
	"github.com/mailsalvage/mailsalvage/internal/synth"
)

func sectorPad(b []byte) []byte {
	n := (len(b) + 511) / 512 * 512
	return append(b, make([]byte, n-len(b))...)
}

func TestCarveSimple(t *testing.T) {
	g := synth.NewGen(1)
	var img []byte
	var want [][]byte
	img = append(img, make([]byte, 4096)...)
	for i := 0; i < 8; i++ {
		m := g.Next().Bytes
		if i%2 == 1 {
			m = bytes.ReplaceAll(m, []byte("\n"), []byte("\r\n"))
		}
		want = append(want, m)
		img = append(img, sectorPad(append([]byte(nil), m...))...)
		// random cluster between
		img = append(img, synth.Garbage(rand.New(rand.NewPCG(uint64(i), 9)), 1024)...)
	}
	out, probs := carveBytes(t, img, Options{ChunkSize: 4096})
	if len(probs) > 0 {
		t.Errorf("problems: %v", probs)
	}
	if len(out) != len(want) {
		for _, o := range out {
			t.Logf("got %s %s %q", o.m.Chain, o.m.State, o.m.Warnings)
		}
		t.Fatalf("%d messages, want %d", len(out), len(want))
	}
	for i, o := range out {
		if !bytes.Equal(o.bytes, want[i]) {
			t.Errorf("message %d: got %d bytes, want %d (%s, %s, %q)", i, len(o.bytes), len(want[i]), o.m.Chain, o.m.State, o.m.Warnings)
		}
		if o.m.State != formats.Carved {
			t.Errorf("message %d: state %s %q", i, o.m.State, o.m.Warnings)
		}
		if o.m.Method != "carve-message" {
			t.Errorf("method %q", o.m.Method)
		}
	}
}

func TestCarveNoGlue(t *testing.T) {
	g := synth.NewGen(2)
	a, b := g.Next().Bytes, g.Next().Bytes
	// concatenated, no separator: two messages
	img := append(append(append([]byte(nil), a...), '\n'), b...)
	out, _ := carveBytes(t, img, Options{})
	if len(out) != 2 {
		t.Fatalf("%d messages", len(out))
	}
	if !bytes.Equal(out[1].bytes, b) {
		t.Errorf("second message differs")
	}
	if !strings.HasPrefix(string(out[0].bytes), string(a)) {
		t.Errorf("first message differs")
	}
}

// TestCarveUTF16 finds a message stored as UTF-16LE (a memory dump, the
// transport headers of a Unicode store) and gives it decoded to UTF-8.
func TestCarveUTF16(t *testing.T) {
	m := synth.NewGen(5).Next().Bytes
	var u []byte
	for _, r := range string(m) {
		for _, c := range utf16.Encode([]rune{r}) {
			u = append(u, byte(c), byte(c>>8))
		}
	}
	img := append(make([]byte, 4096), u...)
	img = append(img, make([]byte, 4096)...)
	out, _ := carveBytes(t, img, Options{})
	if len(out) != 1 {
		t.Fatalf("%d messages", len(out))
	}
	o := out[0]
	if o.m.Method != "carve-message-utf16le" || o.off != 4096 {
		t.Errorf("method %s at 0x%x", o.m.Method, o.off)
	}
	if !bytes.Equal(o.bytes, m) {
		t.Errorf("decoded %d bytes, want the %d of the message", len(o.bytes), len(m))
	}
}
