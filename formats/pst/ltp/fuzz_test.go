package ltp

import (
	"crypto/sha256"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/mailsalvage/mailsalvage/formats/mapi"
)

// Fuzz inputs are a node's data blocks packed by joinBlocks. The seeds in
// testdata/fuzz/<Name>/ are built by TestWriteFuzzSeeds (go test -run
// TestWriteFuzzSeeds -write-seeds) from synthetic heaps.

var writeSeeds = flag.Bool("write-seeds", false, "rewrite the committed fuzz seeds under testdata/fuzz")

func FuzzHeap(f *testing.F) {
	f.Fuzz(func(t *testing.T, data []byte) {
		h, err := NewHeap(splitBlocks(data))
		if err != nil {
			return
		}
		for i := 0; i < h.Blocks(); i++ {
			for k := 0; k <= h.Allocations(i)+1 && k < 4096; k++ {
				if b, err := h.Get(MakeHID(i, k)); err == nil && len(b) > len(data) {
					t.Fatalf("allocation of %d bytes from %d", len(b), len(data))
				}
			}
		}
		h.Get(h.UserRoot())
	})
}

func FuzzBTH(f *testing.F) {
	f.Fuzz(func(t *testing.T, data []byte) {
		h, err := NewHeap(splitBlocks(data))
		if err != nil {
			return
		}
		b, err := h.BTH(h.UserRoot())
		if err != nil {
			return
		}
		n := 0
		var keys [][]byte
		b.Walk(func(k, d []byte) bool {
			if len(k) != b.KeySize || len(d) != b.DataSize {
				t.Fatalf("record %d+%d, want %d+%d", len(k), len(d), b.KeySize, b.DataSize)
			}
			if len(keys) < 16 {
				keys = append(keys, k)
			}
			n++
			return n < 100000
		})
		for _, k := range keys {
			b.Lookup(k)
		}
	})
}

func FuzzPC(f *testing.F) {
	f.Fuzz(func(t *testing.T, data []byte) {
		blocks := splitBlocks(data)
		pc, err := ReadPCDetailed(blocks, fuzzSubnodes(blocks))
		if err != nil {
			return
		}
		for _, tg := range pc.Props.Tags() {
			p, _ := pc.Props.Get(tg)
			if tg.Type().Multi() && p.Values == nil && p.Value == nil {
				t.Fatalf("%v: no value", tg)
			}
		}
	})
}

func FuzzTC(f *testing.F) {
	f.Fuzz(func(t *testing.T, data []byte) {
		blocks := splitBlocks(data)
		tbl, err := ReadTC(blocks, fuzzSubnodes(blocks))
		if err != nil {
			return
		}
		for i := 0; i < tbl.Rows() && i < 1000; i++ {
			tbl.RowID(i)
			tbl.RowDetailed(i)
		}
		tbl.Row(tbl.Rows())
	})
}

func fuzzSubnodes(blocks [][]byte) testReader {
	// subnode 0x3F (where the seeds keep row matrices and large values)
	// is the input's last block
	r := testReader{}
	if len(blocks) > 1 {
		r[0x3F] = blocks[len(blocks)-1:]
		r[0x807F] = blocks[len(blocks)-1:]
	}
	return r
}

func fuzzSeeds() map[string][][]byte {
	out := map[string][][]byte{}
	add := func(name string, blocks [][]byte) { out[name] = append(out[name], joinBlocks(blocks)) }
	// heaps
	hb := newHeapBuilder(SigPC)
	for i := 0; i < 10; i++ {
		hb.alloc(i, []byte(fmt.Sprintf("allocation in block %d", i)))
	}
	hb.root = MakeHID(0, 1)
	add("FuzzHeap", hb.build())
	// BTHs of 0, 1 and 2 levels
	for _, per := range []int{0, 3, 2} {
		hb := newHeapBuilder(SigBTH)
		var recs [][]byte
		for i := 0; i < 9; i++ {
			recs = append(recs, append(le32(uint32(i*3)), le16(uint16(i))...))
		}
		hb.root = hb.bth(0, 4, 2, recs, per)
		add("FuzzBTH", hb.build())
		add("FuzzHeap", hb.build())
	}
	// PCs: every kind of value; the subnode value in the last block
	props := []pcProp{
		{tag: tag(0x0017, mapi.PtypInteger32), value: le32(1)},
		{tag: tag(0x0E07, mapi.PtypInteger16), value: le16(2)},
		{tag: tag(0x0E1F, mapi.PtypBoolean), value: []byte{1, 0}},
		{tag: tag(0x0E08, mapi.PtypInteger64), value: le64(1 << 40)},
		{tag: tag(0x3001, mapi.PtypString), value: mapi.EncodeUTF16("Inbox")},
		{tag: tag(0x0037, mapi.PtypString8), value: []byte("subject"), block: 1},
		{tag: tag(0x3701, mapi.PtypObject), value: append(le32(0x8145), le32(50)...)},
		{tag: tag(0x8001, mapi.PtypInteger32|mapi.MultipleFlag), value: append(le32(1), le32(2)...)},
		{tag: tag(0x8002, mapi.PtypString|mapi.MultipleFlag), value: multiVar(mapi.EncodeUTF16("a"), mapi.EncodeUTF16("bc"))},
	}
	for _, per := range []int{0, 3} {
		subs := testReader{}
		blocks := buildPC(props, per, subs)
		add("FuzzPC", blocks)
		add("FuzzBTH", blocks)
	}
	subs := testReader{}
	withSub := append(props[:1:1], pcProp{tag: tag(0x1000, mapi.PtypString), value: mapi.EncodeUTF16("body in a subnode"), sub: 0x807F})
	blocks := buildPC(withSub, 0, subs)
	add("FuzzPC", append(blocks, subs[0x807F]...))
	// TCs: row matrix in the heap, and in a subnode (the last block)
	add("FuzzTC", buildTC(tcCols, tcRows(5), 0, testReader{}))
	subs = testReader{}
	blocks = buildTC(tcCols[:6], tcRows(3), 8, subs)
	add("FuzzTC", append(blocks, subs[0x3F]...))
	return out
}

func TestWriteFuzzSeeds(t *testing.T) {
	for name, list := range fuzzSeeds() {
		dir := filepath.Join("testdata", "fuzz", name)
		if *writeSeeds {
			os.RemoveAll(dir)
			if err := os.MkdirAll(dir, 0o755); err != nil {
				t.Fatal(err)
			}
		}
		for _, data := range list {
			b := []byte(fmt.Sprintf("go test fuzz v1\n[]byte(%q)\n", data))
			sum := sha256.Sum256(b)
			file := filepath.Join(dir, fmt.Sprintf("seed-%x", sum[:8]))
			if *writeSeeds {
				if err := os.WriteFile(file, b, 0o644); err != nil {
					t.Fatal(err)
				}
			} else if _, err := os.Stat(file); err != nil {
				t.Errorf("seed %s missing: run go test -run TestWriteFuzzSeeds -write-seeds", file)
			}
		}
	}
}
