package carve

import (
	"crypto/sha256"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sort"
	"testing"

	"github.com/mailsalvage/mailsalvage/formats"
	"github.com/mailsalvage/mailsalvage/internal/corpus"
	"github.com/mailsalvage/mailsalvage/internal/synth"

	_ "github.com/mailsalvage/mailsalvage/formats/eml"
	_ "github.com/mailsalvage/mailsalvage/formats/mbox"
	_ "github.com/mailsalvage/mailsalvage/formats/msg"
)

// readAll opens a corpus file with its format reader and returns the
// SHA-256 of each message it gives.
func readAll(t *testing.T, path string) [][32]byte {
	t.Helper()
	src, _, err := formats.Open(path)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	defer src.Close()
	var out [][32]byte
	for {
		m, err := src.Next()
		if m != nil {
			rc, err := m.Open()
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(rc)
			rc.Close()
			out = append(out, sha256.Sum256(b))
		}
		if err == io.EOF {
			return out
		}
	}
}

// TestCarveContainers plants real mail containers (a PST, an Outlook
// .msg, an Apple Mail .emlx, an mbox, an Outlook Express .dbx) at sector boundaries among junk and
// checks that each is found, handed to its format reader, and gives the
// same messages as the file read directly, with the chain image ->
// container -> message.
func TestCarveContainers(t *testing.T) {
	root := corpus.Root()
	if root == "" {
		t.Skip("corpus not found")
	}
	files := []struct{ rel, format, method string }{
		{"pst/hughbe-PstReader__aranetic__process-pst__multiple_to_cc.pst", "pst", "carve-pst"},
		{"msg/msgconvert__plain_unsent.msg", "msg", "carve-msg"},
		{"emlx/terhechte-emlx__2.emlx", "emlx", "carve-emlx"},
		{"mbox/Tika__testMBOX_complex.mbox", "mbox", "carve-mbox"},
		{"dbx/IPED__test_OutlookDBX.dbx", "dbx", "carve-dbx"},
	}
	rng := rand.New(rand.NewPCG(4, 4))
	var img []byte
	img = append(img, synth.Garbage(rng, 8192)...)
	at := map[string]int64{}
	want := map[string][][32]byte{}
	for _, f := range files {
		p := filepath.Join(root, f.rel)
		b, err := os.ReadFile(p)
		if err != nil {
			t.Skipf("corpus file: %v", err)
		}
		want[f.format] = readAll(t, p)
		at[f.format] = int64(len(img))
		img = append(img, b...)
		img = append(img, make([]byte, (512-len(b)%512)%512+1024)...)
		img = append(img, synth.Garbage(rng, 4096)...)
	}
	out, probs := carveBytes(t, img, Options{})
	for _, p := range probs {
		t.Errorf("problem: %v", p)
	}
	got := map[string][][32]byte{}
	for _, o := range out {
		c := o.m.Chain
		if len(c) < 2 || c[0].Offset == nil {
			t.Errorf("loose carve %s %s at 0x%x: every message here is in a container", o.m.Method, c, o.off)
			continue
		}
		f := c[0].Locator
		if *c[0].Offset != at[f] {
			t.Errorf("%s found at 0x%x, planted at 0x%x", f, *c[0].Offset, at[f])
		}
		got[f] = append(got[f], sum(o.bytes))
		if o.m.Method != "carve-"+f {
			t.Errorf("%s: method %s", f, o.m.Method)
		}
	}
	for _, f := range files {
		w, g := want[f.format], got[f.format]
		sortSums(w)
		sortSums(g)
		if len(w) == 0 || len(w) != len(g) {
			t.Errorf("%s: %d messages carved, %d read from the file", f.format, len(g), len(w))
			continue
		}
		for i := range w {
			if w[i] != g[i] {
				t.Errorf("%s: carved messages differ from the file's", f.format)
				break
			}
		}
		t.Logf("%s at 0x%x: %d messages, as read from the file", f.format, at[f.format], len(g))
	}
}

func sortSums(s [][32]byte) {
	sort.Slice(s, func(i, j int) bool { return string(s[i][:]) < string(s[j][:]) })
}
