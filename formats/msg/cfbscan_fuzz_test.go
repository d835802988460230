package msg

import (
	"bytes"
	mathrand "math/rand"
	"os"
	"path/filepath"
	"testing"

	"github.com/mailsalvage/mailsalvage/internal/corpus"
)

// FuzzTolerantWalk drives the tolerant compound-file walk (cfbscan.go)
// directly, whatever mscfb would have made of the bytes: FuzzRead reaches
// it only when mscfb fails. Seeds: those of FuzzRead, and
// tolerantWalkCorpusSeeds: small real .msg files of the corpus and
// damaged copies of them, made at run time when the corpus is present
// (corpus bytes are never copied into testdata).
//
// It asserts: no panic, no hang, every stream read no longer than the
// file allows, and a built message that holds together.
func FuzzTolerantWalk(f *testing.F) {
	for _, s := range readSeeds() {
		f.Add(s.data)
	}
	for _, s := range tolerantWalkCorpusSeeds() {
		f.Add(s.data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		cf, err := openTolerant(bytes.NewReader(data), int64(len(data)))
		if err != nil {
			if cf != nil {
				t.Fatal("a compound file and an error")
			}
			return
		}
		if cf.root == nil {
			t.Fatal("no root and no error")
		}
		nodes := 0
		var walk func(n *node, depth int)
		walk = func(n *node, depth int) {
			nodes++
			if depth > 1000 || nodes > 1<<20 {
				t.Fatalf("tree of depth %d, %d nodes from %d bytes", depth, nodes, len(data))
			}
			if n.stream && n.read != nil {
				b, _, _ := n.read()
				// a stream is read from the file's sectors: never more
				// than its declared size, and never more than a few
				// times the file (sectors shared by damaged chains)
				if int64(len(b)) > n.size && n.size >= 0 {
					t.Fatalf("stream %q: %d bytes read, size %d", n.name, len(b), n.size)
				}
			}
			for _, c := range n.children {
				walk(c, depth+1)
			}
		}
		walk(cf.root, 0)
		file, err := build(cf)
		if err != nil {
			return
		}
		if file.Message == nil {
			t.Fatal("no error and no message")
		}
		Warnings(file.Message)
	})
}

// tolerantWalkCorpusSeeds reads three small .msg files of the corpus msg
// folder (3.5 to 4.5 KiB; origins and licences in the corpus
// MANIFEST.tsv) and damages them; none when the corpus is absent:
//   - POI__HTMLBodyBinary_UTF-8.msg (apache/poi test-data/hsmf), whole and
//     with 20 bits flipped (math/rand source 7);
//   - hughbe-MsgReader__ctabin__jotlmsg__base-message.msg (via
//     hughbe/MsgReader, from ctabin/jotlmsg), whole, with bytes 512..1023
//     (its first FAT sector) zeroed, and with bytes 1024..1535 (its first
//     directory sector) zeroed;
//   - hughbe-MsgReader__aspose_email__Aspose_Email_for_Java__Note.msg (via
//     hughbe/MsgReader, from Aspose.Email for Java), whole and cut at 3000
//     bytes.
func tolerantWalkCorpusSeeds() []seed {
	root := corpus.Root()
	if root == "" {
		return nil
	}
	read := func(name string) []byte {
		b, _ := os.ReadFile(filepath.Join(root, "msg", name))
		return b
	}
	var out []seed
	if d := read("POI__HTMLBodyBinary_UTF-8.msg"); len(d) > 0 {
		flip := bytes.Clone(d)
		rng := mathrand.New(mathrand.NewSource(7))
		for range 20 {
			at := rng.Intn(len(flip))
			flip[at] ^= 1 << rng.Intn(8)
		}
		out = append(out, seed{"poi-htmlbody-utf8", d}, seed{"poi-htmlbody-flip", flip})
	}
	if d := read("hughbe-MsgReader__ctabin__jotlmsg__base-message.msg"); len(d) >= 1536 {
		zeroFAT, zeroDir := bytes.Clone(d), bytes.Clone(d)
		clear(zeroFAT[512:1024])
		clear(zeroDir[1024:1536])
		out = append(out, seed{"jotlmsg-base", d}, seed{"jotlmsg-base-zero-fat", zeroFAT}, seed{"jotlmsg-base-zero-dir", zeroDir})
	}
	if d := read("hughbe-MsgReader__aspose_email__Aspose_Email_for_Java__Note.msg"); len(d) > 0 {
		out = append(out, seed{"aspose-note", d}, seed{"aspose-note-trunc", d[:min(len(d), 3000)]})
	}
	return out
}
