package ndb

import (
	"bytes"
	"crypto/sha256"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The fuzz targets' seeds are in testdata/fuzz/<Name>/, built by
// TestWriteFuzzSeeds from synthetic files (go test -run
// TestWriteFuzzSeeds -write-seeds), never copied from the corpus.

var writeSeeds = flag.Bool("write-seeds", false, "rewrite the committed fuzz seeds under testdata/fuzz")

func versionOfByte(v byte) Version { return Version(int(v)%3 + 1) }

// fuzzLimit bounds how much of a fuzzed file a target walks.
const fuzzLimit = 2000

func FuzzHeader(f *testing.F) {
	f.Fuzz(func(t *testing.T, data []byte) {
		h, warn, err := ParseHeader(data)
		if err == nil {
			if _, ok := versionOf(h.WVer); !ok || h.Version == 0 {
				t.Fatalf("accepted wVer %d", h.WVer)
			}
		}
		if len(warn) > 10 {
			t.Fatalf("%d warnings", len(warn))
		}
		file, err := Open(bytes.NewReader(data), int64(len(data)))
		if err != nil {
			return
		}
		file.Node(NIDMessageStore)
		file.Block(4)
	})
}

func FuzzBTPage(f *testing.F) {
	f.Fuzz(func(t *testing.T, data []byte, v byte) {
		lay := layouts[versionOfByte(v)]
		page := make([]byte, lay.pageSize)
		copy(page, data)
		p, _, err := parseBTPage(page, 0x4400, lay)
		if err != nil {
			return
		}
		for i := 0; i < p.Count; i++ {
			switch {
			case p.Level > 0:
				p.Branch(i)
			case p.IsNBT():
				p.Node(i)
			default:
				if e := p.Block(i); e.Offset < -1 {
					t.Fatalf("offset %d", e.Offset)
				}
			}
		}
	})
}

func FuzzBlock(f *testing.F) {
	f.Fuzz(func(t *testing.T, span []byte, v, crypt byte, size, inflated uint16, bid uint64) {
		lay := layouts[versionOfByte(v)]
		e := BlockEntry{BID: BID(bid), Offset: 0x4400, Size: int(size), InflatedSize: int(inflated)}
		if lay.blockTrailer != 24 {
			e.InflatedSize = e.Size
		}
		data, _, err := decodeBlock(append([]byte(nil), span...), e, lay, crypt)
		if err != nil {
			return
		}
		if len(data) != e.InflatedSize {
			t.Fatalf("%d bytes, want %d", len(data), e.InflatedSize)
		}
		if x, err := ParseXBlock(data, lay.idSize); err == nil && len(x.BIDs) > len(data) {
			t.Fatalf("%d BIDs from %d bytes", len(x.BIDs), len(data))
		}
		ParseSubnodeBlock(data, lay.idSize)
	})
}

// FuzzFile opens whole (small) files and reads everything reachable.
func FuzzFile(f *testing.F) {
	f.Fuzz(func(t *testing.T, data []byte) {
		file, err := Open(bytes.NewReader(data), int64(len(data)))
		if err != nil {
			return
		}
		n := 0
		file.WalkNodes(func(e NodeEntry) bool {
			file.Data(e.Data)
			file.DataEntries(e.Data)
			file.Subnodes(e.Subnodes)
			file.Node(e.NID)
			n++
			return n < fuzzLimit
		})
		n = 0
		file.WalkBlocks(func(e BlockEntry) bool {
			file.ReadBlockEntry(e)
			n++
			return n < fuzzLimit
		})
		file.WalkPages(PTypeNBT, func(*BTPage) bool { return true })
		if len(file.Warnings()) > MaxWarnings+1 {
			t.Fatal("warnings unbounded")
		}
	})
}

// FuzzScan scans whole (small) files and opens them for recovery: the
// scan's finds must lie inside the file, and the rebuilt trees, the
// deleted nodes and their data must read without panics or hangs.
func FuzzScan(f *testing.F) {
	f.Fuzz(func(t *testing.T, data []byte) {
		size := int64(len(data))
		idx, err := Scan(bytes.NewReader(data), size, ScanOptions{Workers: 2})
		if err == nil {
			for _, b := range idx.Blocks {
				if b.Offset < 0 || b.Offset+b.span(idx.lay) > size || b.BID == 0 {
					t.Fatalf("block %+v outside the file (%d bytes)", b, size)
				}
			}
			for _, p := range append(idx.Pages, idx.Maps...) {
				if p.Offset < 0 || p.Offset+int64(idx.lay.pageSize) > size || p.Offset%int64(idx.lay.pageSize) != 0 {
					t.Fatalf("page %+v outside the file", p)
				}
			}
			for _, n := range idx.Nodes {
				if int(n.Page) >= len(idx.Pages) || idx.Pages[n.Page].Offset != n.Offset {
					t.Fatalf("node %+v names page %d", n, n.Page)
				}
			}
		}
		file, err := OpenRecovered(bytes.NewReader(data), size)
		if err != nil {
			return
		}
		n := 0
		file.WalkNodes(func(e NodeEntry) bool {
			file.Data(e.Data)
			file.Subnodes(e.Subnodes)
			file.Origin(e.NID)
			n++
			return n < fuzzLimit
		})
		n = 0
		file.WalkBlocks(func(e BlockEntry) bool {
			file.ReadBlockEntry(e)
			file.BlockOrigin(e.BID)
			n++
			return n < fuzzLimit
		})
		for i, d := range file.DeletedNodes() {
			if i >= fuzzLimit {
				break
			}
			if _, err := file.Data(d.Data); err != nil {
				t.Fatalf("deleted node %v: readable when found, now %v", d, err)
			}
			file.Subnodes(d.Subnodes)
		}
		if len(file.Warnings()) > MaxWarnings+1 || len(file.Recovery().Notes) > MaxRecoveryNotes+1 {
			t.Fatal("warnings unbounded")
		}
	})
}

// seed is one committed fuzz input: the values of the target's arguments.
type seed []any

func encodeSeed(s seed) []byte {
	var b strings.Builder
	b.WriteString("go test fuzz v1\n")
	for _, v := range s {
		switch x := v.(type) {
		case []byte:
			fmt.Fprintf(&b, "[]byte(%q)\n", x)
		case byte:
			fmt.Fprintf(&b, "byte(%d)\n", x)
		case uint16:
			fmt.Fprintf(&b, "uint16(%d)\n", x)
		case uint64:
			fmt.Fprintf(&b, "uint64(%d)\n", x)
		default:
			panic(fmt.Sprintf("seed type %T", v))
		}
	}
	return []byte(b.String())
}

func vByte(v Version) byte { return byte(v - 1) }

// fuzzSeeds builds the seeds of every target from synthetic files.
func fuzzSeeds(t testing.TB) map[string][]seed {
	out := map[string][]seed{}
	for _, vc := range variants {
		tf, b := sampleFile(vc.v, vc.crypt)
		lay := tf.lay()
		hdr := b[:HeaderSizeUnicode]
		out["FuzzHeader"] = append(out["FuzzHeader"], seed{hdr}, seed{b[:40]})
		out["FuzzFile"] = append(out["FuzzFile"], seed{b})
		root := tf.nbtRoot.IB
		out["FuzzBTPage"] = append(out["FuzzBTPage"], seed{b[root : root+uint64(lay.pageSize)], vByte(vc.v)})
		for bid, off := range tf.pageOff {
			if bid == tf.bbtRoot.BID || bid == tf.nbtRoot.BID+4 {
				out["FuzzBTPage"] = append(out["FuzzBTPage"], seed{b[off : off+int64(lay.pageSize)], vByte(vc.v)})
			}
		}
		for _, bid := range []BID{0x4, 0x10A, 0x20A, 0x202, 0x24} {
			e, ok := tf.entries[bid]
			if !ok {
				continue
			}
			span := b[e.Offset : e.Offset+int64(lay.blockSpan(e.Size))]
			out["FuzzBlock"] = append(out["FuzzBlock"], seed{span, vByte(vc.v), vc.crypt, uint16(e.Size), uint16(e.InflatedSize), uint64(bid)})
		}
	}
	out["FuzzHeader"] = append(out["FuzzHeader"], seed{[]byte("!BDN")}, seed{[]byte{}})
	out["FuzzScan"] = scanSeeds(t)
	return out
}

func TestWriteFuzzSeeds(t *testing.T) {
	seeds := fuzzSeeds(t)
	for name, list := range seeds {
		dir := filepath.Join("testdata", "fuzz", name)
		if *writeSeeds {
			os.RemoveAll(dir)
			if err := os.MkdirAll(dir, 0o755); err != nil {
				t.Fatal(err)
			}
		}
		for _, s := range list {
			b := encodeSeed(s)
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
