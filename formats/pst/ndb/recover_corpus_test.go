package ndb

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/mailsalvage/mailsalvage/internal/bounds"
)

// corpusSound returns the corpus PST/OST files Open reads (not the text
// file, not the one truncated inside its header), as bytes.
func corpusSound(t testing.TB) map[string][]byte {
	out := map[string][]byte{}
	for _, p := range corpusPSTs(t) {
		if strings.HasSuffix(p, ".txt") || strings.Contains(p, "truncated-in-header") {
			continue
		}
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		out[p] = b
	}
	return out
}

func allNodes(f *File) []NodeEntry {
	var out []NodeEntry
	f.WalkNodes(func(e NodeEntry) bool { out = append(out, e); return true })
	return out
}

func allBlocks(f *File) []BlockEntry {
	var out []BlockEntry
	f.WalkBlocks(func(e BlockEntry) bool { out = append(out, e); return true })
	return out
}

// TestRecoverCorpus: on every sound corpus file, OpenRecovered gives the
// nodes and blocks Open gives, exactly, takes nothing from the scan, and
// the scan finds every block the BBT lists, where it lists it, in
// allocated space.
func TestRecoverCorpus(t *testing.T) {
	for path, data := range corpusSound(t) {
		t.Run(filepath.Base(path), func(t *testing.T) {
			f, err := Open(bytes.NewReader(data), int64(len(data)))
			if err != nil {
				t.Fatal(err)
			}
			var rf *File
			bounds.Within(t, 2*time.Minute, func() { rf, err = OpenRecovered(bytes.NewReader(data), int64(len(data))) })
			if err != nil {
				t.Fatal(err)
			}
			on, rn := allNodes(f), allNodes(rf)
			if len(on) != len(rn) {
				t.Errorf("%d nodes recovered, Open has %d", len(rn), len(on))
			}
			for i := range min(len(on), len(rn)) {
				if on[i] != rn[i] {
					t.Errorf("node %d: recovered %+v, Open %+v", i, rn[i], on[i])
					break
				}
			}
			for _, e := range on {
				if got, err := rf.Node(e.NID); err != nil || got != e {
					t.Errorf("Node(%v) = %+v, %v; want %+v", e.NID, got, err, e)
				}
				if o := rf.Origin(e.NID); o != OriginBTree {
					t.Errorf("Origin(%v) = %q", e.NID, o)
				}
			}
			ob, rb := allBlocks(f), allBlocks(rf)
			if len(ob) != len(rb) {
				t.Errorf("%d blocks recovered, Open has %d", len(rb), len(ob))
			}
			for i := range min(len(ob), len(rb)) {
				if ob[i] != rb[i] {
					t.Errorf("block %d: recovered %+v, Open %+v", i, rb[i], ob[i])
					break
				}
			}
			// the scan of a sound file keeps only what the trees do not
			// list; the whole scan must find everything they list
			if !rf.rec.sound {
				t.Errorf("a sound file not read as one")
			}
			for _, b := range rf.ScanIndex().Blocks {
				if _, err := f.Block(b.BID); err == nil {
					t.Errorf("block %v kept by the scan, though the BBT lists it", b.BID)
				}
			}
			checkSoundSameAsGeneral(t, data, rf)
			idx, err := Scan(bytes.NewReader(data), int64(len(data)), ScanOptions{})
			if err != nil {
				t.Fatal(err)
			}
			used := 0
			for _, e := range ob {
				if got, err := rf.Block(e.BID); err != nil || got != e {
					t.Errorf("Block(%v) = %+v, %v; want %+v", e.BID, got, err, e)
				}
				found := false
				for _, c := range idx.BlocksOf(e.BID) {
					if c.Offset == e.Offset && int(c.Size) == e.Size {
						found = true
						if c.Alloc == AllocUsed {
							used++
						} else if idx.AMapTrusted {
							t.Errorf("block %v at 0x%X: AMap says %s", e.BID, e.Offset, c.Alloc)
						}
					}
				}
				if !found {
					t.Errorf("scan did not find block %v at 0x%X (cb %d)", e.BID, e.Offset, e.Size)
				}
			}
			// and the pages of the live trees, allocated
			for _, pt := range []uint8{PTypeNBT, PTypeBBT} {
				f.WalkPages(pt, func(p *BTPage) bool {
					sp, ok := idx.PageAt(p.Offset)
					switch {
					case !ok:
						t.Errorf("scan did not find the %s page at 0x%X", treeName(pt), p.Offset)
					case sp.BID != p.Trailer.BID || !sp.CRCOK || !sp.SigOK:
						t.Errorf("scanned page at 0x%X: %+v", p.Offset, sp)
					case sp.Alloc != AllocUsed && idx.AMapTrusted:
						t.Errorf("%s page at 0x%X: AMap says %s", treeName(pt), p.Offset, sp.Alloc)
					}
					return true
				})
			}
			rep := rf.Recovery()
			if rep.NodesFromScan != 0 || rep.BlocksFromScan != 0 || rep.BlocksCorrected != 0 || len(rep.LostNBT)+len(rep.LostBBT) != 0 || rep.HeaderRebuilt || rep.CryptGuessed {
				t.Errorf("sound file, yet recovery says %+v", rep)
			}
			if w := rf.Warnings(); len(w) > 0 {
				t.Errorf("warnings on a sound file: %q", w)
			}
			t.Logf("%s: %d nodes, %d blocks (%d in allocated space), scan: %d pages, %d map pages, %d blocks, %d shadowed; %d free blocks, %d deleted nodes",
				f.Header().Version, len(on), len(ob), used, rep.Pages, rep.MapPages, rep.Blocks, rep.Shadowed, rep.FreeBlocks, rep.DeletedNodes)
		})
	}
}

// checkSoundSameAsGeneral: a sound file read the bounded way finds the
// deleted nodes, freed blocks and block entries that rebuilding its trees
// finds.
func checkSoundSameAsGeneral(t *testing.T, data []byte, rf *File) {
	t.Helper()
	gf, err := OpenRecoveredOptions(bytes.NewReader(data), int64(len(data)), ScanOptions{general: true})
	if err != nil {
		t.Fatal(err)
	}
	if gf.rec.sound {
		t.Fatal("general way not taken")
	}
	rs, gs := rf.Recovery(), gf.Recovery()
	if rs.FreeBlocks != gs.FreeBlocks || rs.DeletedNodes != gs.DeletedNodes || rs.Blocks != gs.Blocks || rs.Pages < gs.Pages ||
		rs.NodesFromBTree != gs.NodesFromBTree || rs.BlocksFromBTree != gs.BlocksFromBTree || rs.MapPages != gs.MapPages {
		t.Errorf("sound way %+v\ngeneral way %+v", rs, gs)
	}
	rd, gd := rf.DeletedNodes(), gf.DeletedNodes()
	if !slices.Equal(rd, gd) {
		t.Errorf("deleted nodes differ: %d vs %d", len(rd), len(gd))
	}
	for _, d := range gd {
		for _, bid := range []BID{d.Data, d.Subnodes} {
			if bid == 0 {
				continue
			}
			a, aerr := rf.Block(bid)
			b, berr := gf.Block(bid)
			if a != b || (aerr == nil) != (berr == nil) || rf.BlockOrigin(bid) != gf.BlockOrigin(bid) {
				t.Errorf("Block(%v): sound %+v %v (%s), general %+v %v (%s)", bid, a, aerr, rf.BlockOrigin(bid), b, berr, gf.BlockOrigin(bid))
			}
		}
		if rf.Origin(d.NID) != gf.Origin(d.NID) {
			t.Errorf("Origin(%v): %s vs %s", d.NID, rf.Origin(d.NID), gf.Origin(d.NID))
		}
	}
	if w, g := rf.Warnings(), gf.Warnings(); !slices.Equal(w, g) {
		t.Errorf("warnings: sound %q, general %q", w, g)
	}
}
