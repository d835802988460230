package ndb

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/mailsalvage/mailsalvage/internal/bounds"
	"github.com/mailsalvage/mailsalvage/internal/synth"
)

// watchdog bounds every recovery run: generous, only to turn a hang into
// a failure.
const watchdog = 2 * time.Minute

func openRecovered(t *testing.T, b []byte) *File {
	t.Helper()
	var f *File
	var err error
	bounds.Within(t, watchdog, func() { f, err = OpenRecovered(bytes.NewReader(b), int64(len(b))) })
	if err != nil {
		t.Fatalf("OpenRecovered: %v", err)
	}
	return f
}

// intact reports whether n bytes at off are the same in both files.
func intact(orig, dam []byte, off int64, n int) bool {
	end := off + int64(n)
	return off >= 0 && end <= int64(len(orig)) && end <= int64(len(dam)) && bytes.Equal(orig[off:end], dam[off:end])
}

// recoveryResult counts what came back.
type recoveryResult struct {
	nodes, nodesWant, nodesTotal    int
	blocks, blocksWant, blocksTotal int
	readable, readableWant          int
	fromScan                        int
}

func (r recoveryResult) String() string {
	return fmt.Sprintf("nodes %d of %d (all %d whose NBT page survives), blocks read %d of %d (all %d that survive), node data read %d (all %d whose blocks survive), %d nodes from the scan",
		r.nodes, r.nodesTotal, r.nodesWant, r.blocks, r.blocksTotal, r.blocksWant, r.readable, r.readableWant, r.fromScan)
}

// checkRecovered opens a damaged copy of orig with OpenRecovered and
// checks it against the original: every node whose NBT leaf page
// survives comes back as it was, every block whose bytes survive comes
// back where it was, every node whose blocks all survive reads as it did;
// and nothing comes back wrong: an entry that differs from the original
// comes from a damaged page.
func checkRecovered(t *testing.T, orig, dam []byte) recoveryResult {
	t.Helper()
	of := openBytes(t, orig)
	lay := of.lay
	nbtLeaf := leafOf(t, of, PTypeNBT)
	origNodes := map[NID]NodeEntry{}
	for _, e := range allNodes(of) {
		origNodes[e.NID] = e
	}
	origBlocks := map[BID]BlockEntry{}
	for _, e := range allBlocks(of) {
		origBlocks[e.BID.Key()] = e
	}
	f := openRecovered(t, dam)
	var res recoveryResult
	res.nodesTotal, res.blocksTotal = len(origNodes), len(origBlocks)
	pageIntact := func(off int64) bool { return intact(orig, dam, off, lay.pageSize) }
	blockIntact := func(e BlockEntry) bool { return intact(orig, dam, e.Offset, lay.blockSpan(e.Size)) }

	// blocks
	for _, e := range origBlocks {
		got, err := f.Block(e.BID)
		if _, ok := f.quietBlock(e.BID, true); ok {
			res.blocks++
		}
		if !blockIntact(e) {
			continue
		}
		res.blocksWant++
		if err != nil || got.Offset != e.Offset || got.Size != e.Size || got.InflatedSize != e.InflatedSize {
			t.Errorf("block %v (intact at 0x%X): recovered %+v, %v", e.BID, e.Offset, got, err)
			continue
		}
		want, _ := of.ReadBlockEntry(e)
		if b, err := f.ReadBlockEntry(got); err != nil || !bytes.Equal(b, want) {
			t.Errorf("block %v: read %v", e.BID, err)
		}
	}
	f.WalkBlocks(func(e BlockEntry) bool {
		o, ok := origBlocks[e.BID.Key()]
		switch {
		case ok && e.Offset == o.Offset && e.Size == o.Size:
		case f.BlockOrigin(e.BID) == OriginScan && e.PageOffset < 0:
			t.Errorf("block %v recovered from its trailer at 0x%X (cb %d): the original is %+v", e.BID, e.Offset, e.Size, o)
		case e.PageOffset >= 0 && pageIntact(e.PageOffset):
			t.Errorf("block %v: %+v from the intact BBT page at 0x%X; the original is %+v", e.BID, e, e.PageOffset, o)
		}
		return true
	})

	// nodes
	for nid, e := range origNodes {
		got, err := f.Node(nid)
		if err == nil {
			res.nodes++
			if f.Origin(nid) == OriginScan {
				res.fromScan++
			}
		}
		if pageIntact(nbtLeaf[uint64(nid)]) {
			res.nodesWant++
			if err != nil || got != e {
				t.Errorf("node %v (its NBT page at 0x%X intact): recovered %+v, %v; want %+v", nid, nbtLeaf[uint64(nid)], got, err, e)
				continue
			}
		}
		if err != nil || got.Data != e.Data {
			continue
		}
		// data: when every block survives, read as the original reads
		all := true
		for _, bid := range treeBIDs(t, of, e.Data, 0) {
			if !blockIntact(origBlocks[bid.Key()]) {
				all = false
			}
		}
		if !all {
			continue
		}
		res.readableWant++
		want, _ := of.Data(e.Data)
		d, err := f.Data(got.Data)
		if err != nil || !slices.EqualFunc(d, want, bytes.Equal) {
			t.Errorf("node %v: data not as the original: %v", nid, err)
			continue
		}
		res.readable++
	}
	f.WalkNodes(func(e NodeEntry) bool {
		if o, ok := origNodes[e.NID]; ok && o == e {
			return true
		}
		if pageIntact(e.Offset) {
			t.Errorf("node %+v from the intact NBT page at 0x%X; the original is %+v", e, e.Offset, origNodes[e.NID])
		}
		return true
	})
	// everything else must not fail
	for _, d := range f.DeletedNodes() {
		f.Data(d.Data)
		f.Subnodes(d.Subnodes)
	}
	if len(f.Warnings()) > MaxWarnings+1 {
		t.Errorf("%d warnings", len(f.Warnings()))
	}
	return res
}

// spread is how many blocks go between two pages for interleave to spread
// a file's pages over all of it.
func spread(m *synth.PSTMap) int { return max(1, len(m.Blocks)/len(m.Pages)) }

// damage is one kind of damage done to a copy of a file.
type damage struct {
	name string
	do   func(b []byte, m *synth.PSTMap, rng *rand.Rand) []byte
	// all: every node and block must come back
	all bool
}

func pagesOf(m *synth.PSTMap, nbt bool, leaf bool) []synth.PSTPage {
	var out []synth.PSTPage
	for _, p := range m.Pages {
		if p.NBT == nbt && (p.Level == 0) == leaf {
			out = append(out, p)
		}
	}
	return out
}

func rootOf(m *synth.PSTMap, nbt bool) synth.PSTPage {
	var root synth.PSTPage
	for _, p := range m.Pages {
		if p.NBT == nbt && p.Level >= root.Level {
			root = p
		}
	}
	return root
}

var damages = []damage{
	{"zero-roots", func(b []byte, m *synth.PSTMap, _ *rand.Rand) []byte {
		h, _, _ := ParseHeader(b)
		if h.Version == ANSI {
			return synth.Zero(b, 184, 16)
		}
		return synth.Zero(b, 216, 32)
	}, true},
	{"zero-header", func(b []byte, m *synth.PSTMap, _ *rand.Rand) []byte {
		return synth.Zero(b, 0, 512)
	}, true},
	{"nbt-root-overwritten", func(b []byte, m *synth.PSTMap, rng *rand.Rand) []byte {
		return synth.Replace(b, rootOf(m, true).Offset, synth.Garbage(rng, 512))
	}, true},
	{"bbt-root-overwritten", func(b []byte, m *synth.PSTMap, rng *rand.Rand) []byte {
		return synth.Replace(b, rootOf(m, false).Offset, synth.Garbage(rng, 512))
	}, true},
	{"bbt-leaf-overwritten", func(b []byte, m *synth.PSTMap, rng *rand.Rand) []byte {
		leaves := pagesOf(m, false, true)
		return synth.Replace(b, leaves[len(leaves)/2].Offset, synth.Garbage(rng, 512))
	}, true},
	{"nbt-leaf-zeroed", func(b []byte, m *synth.PSTMap, rng *rand.Rand) []byte {
		leaves := pagesOf(m, true, true)
		return synth.Zero(b, leaves[len(leaves)/2].Offset, 512)
	}, false},
	{"truncated-60%", func(b []byte, m *synth.PSTMap, _ *rand.Rand) []byte {
		return slices.Clone(b[:len(b)*6/10])
	}, false},
	{"zero-40-sectors", func(b []byte, m *synth.PSTMap, rng *rand.Rand) []byte {
		for i := 0; i < 40; i++ {
			b = synth.Zero(b, int64(rng.IntN(len(b)/512))*512, 512)
		}
		return b
	}, false},
	{"flip-300-bits", func(b []byte, m *synth.PSTMap, rng *rand.Rand) []byte {
		return synth.FlipBits(rng, b, 300)
	}, false},
}

// TestRecoverSynthetic damages synthetic files (Unicode and ANSI, B-tree
// pages after the blocks as synth writes them, and among them as Outlook
// does) in each way and checks what OpenRecovered gives back.
func TestRecoverSynthetic(t *testing.T) {
	type file struct {
		name string
		b    []byte
		m    *synth.PSTMap
	}
	var files []file
	for _, ansi := range []bool{false, true} {
		b, m := buildSynth(t, synthStore(120, 0, ansi))
		if len(pagesOf(m, true, false)) == 0 || len(pagesOf(m, false, false)) == 0 {
			t.Fatal("the synthetic file's trees have one level")
		}
		kind := map[bool]string{false: "Unicode", true: "ANSI"}[ansi]
		files = append(files, file{kind + "/synth-layout", b, m})
		ib, im := interleave(t, b, m, spread(m))
		files = append(files, file{kind + "/interleaved", ib, im})
	}
	for _, fl := range files {
		for _, d := range damages {
			for seed := uint64(1); seed <= 3; seed++ {
				if seed > 1 && d.all {
					continue
				}
				name := fmt.Sprintf("%s/%s/%d", fl.name, d.name, seed)
				t.Run(name, func(t *testing.T) {
					rng := rand.New(rand.NewPCG(seed, 99))
					dam := d.do(slices.Clone(fl.b), fl.m, rng)
					res := checkRecovered(t, fl.b, dam)
					if d.all && (res.nodes != res.nodesTotal || res.blocks != res.blocksTotal || res.readable != res.readableWant) {
						t.Errorf("not everything came back: %v", res)
					}
					if res.nodesWant == 0 && res.nodesTotal > 0 && d.name != "truncated-60%" {
						t.Errorf("no node's page survived: %v", res)
					}
					t.Logf("%s: %v", name, res)
				})
			}
		}
	}
}

// TestRecoverDeleted deletes messages from synthetic files as Outlook
// does (NBT and BBT entries out, surviving past cEnt; blocks freed in the
// AMap) and checks that DeletedNodes finds them, that their data reads as
// it did, and that they stay deleted: not in the NBT, even when the file
// has to be rebuilt from a scan.
func TestRecoverDeleted(t *testing.T) {
	for _, ansi := range []bool{false, true} {
		for _, layout := range []string{"synth-layout", "interleaved"} {
			for _, dmg := range []string{"", "zero-roots", "zero-header"} {
				name := fmt.Sprintf("%s/%s/%s", map[bool]string{false: "Unicode", true: "ANSI"}[ansi], layout, dmg)
				t.Run(name, func(t *testing.T) {
					b, m := buildSynth(t, synthStore(60, 12, ansi))
					if layout == "interleaved" {
						b, m = interleave(t, b, m, spread(m))
					}
					orig := openBytes(t, b)
					var nids []NID
					for _, msg := range m.Messages {
						if msg.Deleted {
							nids = append(nids, NID(msg.NID))
						}
					}
					want := map[NID][][]byte{}
					for _, nid := range nids {
						e, _ := orig.Node(nid)
						want[nid], _ = orig.Data(e.Data)
					}
					gone, blocks := deleteNodes(t, b, nids)
					if dmg == "zero-roots" {
						b = damages[0].do(b, m, nil)
					}
					if dmg == "zero-header" {
						b = damages[1].do(b, m, nil)
					}
					if dmg == "" {
						plain := openBytes(t, b)
						for _, nid := range nids {
							if _, err := plain.Node(nid); !errors.Is(err, ErrNotFound) {
								t.Fatalf("deleted node %v still in the NBT: %v", nid, err)
							}
						}
						if w := plain.Warnings(); len(w) > 0 {
							t.Fatalf("the deletion left warnings: %q", w)
						}
					}
					f := openRecovered(t, b)
					dead := map[NID]DeletedNode{}
					for _, d := range f.DeletedNodes() {
						if _, ok := want[d.NID]; !ok {
							t.Errorf("not deleted, yet in DeletedNodes: %v", d)
						}
						dead[d.NID] = d
					}
					for _, g := range gone {
						if _, err := f.Node(g.NID); !errors.Is(err, ErrNotFound) {
							t.Errorf("deleted node %v is in the rebuilt NBT: %v", g.NID, err)
						}
						if o := f.Origin(g.NID); o != OriginDeadEntry {
							t.Errorf("Origin(%v) = %q", g.NID, o)
						}
						d, ok := dead[g.NID]
						if !ok {
							t.Errorf("deleted node %v not in DeletedNodes", g.NID)
							continue
						}
						if d.NodeEntry != g || d.How != DeadSlot || d.DataLive || !d.SubnodesOK || d.OlderVersion || !d.PageSound || d.PageAlloc != AllocUsed {
							t.Errorf("DeletedNode %v; want entry %+v, dead slot, freed data, subnodes readable", d, g)
						}
						got, err := f.Data(d.Data)
						if err != nil || !slices.EqualFunc(got, want[g.NID], bytes.Equal) {
							t.Errorf("deleted node %v: data %v", g.NID, err)
						}
						if o := f.BlockOrigin(d.Data); o != OriginFree {
							t.Errorf("BlockOrigin(%v) = %q", d.Data, o)
						}
						if _, err := f.Subnodes(d.Subnodes); err != nil {
							t.Errorf("deleted node %v: subnodes: %v", g.NID, err)
						}
					}
					for bid := range blocks {
						if f.BlockOrigin(bid) != OriginFree {
							t.Errorf("freed block %v: origin %q", bid, f.BlockOrigin(bid))
						}
					}
					// the live nodes are all there, none from dead slots
					for _, e := range allNodes(orig) {
						if _, isDead := want[e.NID]; isDead {
							continue
						}
						if _, err := f.Node(e.NID); err != nil {
							t.Errorf("live node %v lost: %v", e.NID, err)
						}
					}
					if n := len(allNodes(f)); n != len(allNodes(orig))-len(nids) {
						t.Errorf("%d live nodes, want %d", n, len(allNodes(orig))-len(nids))
					}
					t.Logf("%d deleted, %d found; recovery %d nodes and %d blocks from the scan", len(nids), len(dead), f.Recovery().NodesFromScan, f.Recovery().BlocksFromScan)
				})
			}
		}
	}
}

// TestRecoverStalePage: Outlook writes a changed NBT page to new space and
// frees the old one. Here a leaf that held deleted nodes is written anew
// (the kept entries moved up, as MS-PST's insertion and deletion do) into
// space a deleted message freed, and the old copy, still listing the
// deleted nodes, is left in place in freed space. DeletedNodes must find
// them there, and a rebuild from a scan (roots zeroed) must not take the
// stale page for live.
func TestRecoverStalePage(t *testing.T) {
	for _, ansi := range []bool{false, true} {
		for _, dmg := range []string{"", "zero-roots"} {
			name := fmt.Sprintf("%s/%s", map[bool]string{false: "Unicode", true: "ANSI"}[ansi], dmg)
			t.Run(name, func(t *testing.T) {
				b0, m := buildSynth(t, synthStore(60, 12, ansi))
				b0, m = interleave(t, b0, m, spread(m))
				of := openBytes(t, b0)
				lay := of.lay
				deleted := map[NID]bool{}
				var nids []NID
				for _, msg := range m.Messages {
					if msg.Deleted {
						nids = append(nids, NID(msg.NID))
						deleted[NID(msg.NID)] = true
					}
				}
				// the leaf with the most deleted nodes
				leaf := leafOf(t, of, PTypeNBT)
				count := map[int64]int{}
				for _, nid := range nids {
					count[leaf[uint64(nid)]]++
				}
				var lOff int64
				for off, n := range count {
					if n > count[lOff] || n == count[lOff] && off < lOff {
						lOff = off
					}
				}
				inL := map[NID]bool{}
				for _, nid := range nids {
					if leaf[uint64(nid)] == lOff {
						inL[nid] = true
					}
				}
				want := map[NID][][]byte{}
				entries := map[NID]NodeEntry{}
				for _, nid := range nids {
					e, _ := of.Node(nid)
					entries[nid] = e
					want[nid], _ = of.Data(e.Data)
				}

				b := slices.Clone(b0)
				deleteNodes(t, b, nids)
				// freed space for the new copy: a block of a deleted node
				// not in the leaf, large enough for an aligned page
				var r int64
				var victim NID
				for _, nid := range nids {
					if inL[nid] || r != 0 {
						continue
					}
					for _, bid := range treeBIDs(t, of, entries[nid].Data, entries[nid].Subnodes) {
						be, _ := of.Block(bid)
						start := (be.Offset + 511) / 512 * 512
						if start+512 <= be.Offset+int64(lay.blockSpan(be.Size)) {
							r, victim = start, nid
							break
						}
					}
				}
				if r == 0 {
					t.Fatal("no freed space large enough for a page")
				}
				// the new copy: entries kept moved up, the slots past cEnt
				// as the move left them (Unicode) or cleared (ANSI, as a
				// writer that clears them would)
				old := b0[lOff : lOff+512]
				p, _, err := parseBTPage(slices.Clone(old), lOff, lay)
				if err != nil {
					t.Fatal(err)
				}
				page := slices.Clone(old)
				k := 0
				for i := 0; i < p.Count; i++ {
					if !deleted[p.Node(i).NID] {
						copy(page[k*p.EntrySize:], old[i*p.EntrySize:(i+1)*p.EntrySize])
						k++
					}
				}
				page[lay.btMeta] = byte(k)
				inTail := map[NID]bool{} // deleted nodes the new copy keeps past cEnt
				for i := k; i < p.Count; i++ {
					if ansi {
						clear(page[i*p.EntrySize : (i+1)*p.EntrySize])
					} else if deleted[p.Node(i).NID] {
						inTail[p.Node(i).NID] = true
					}
				}
				h := openBytes(t, b).Header()
				newBID := h.NextPage
				tr := page[512-lay.pageTrailer:]
				binary.LittleEndian.PutUint16(tr[2:], ComputeSig(uint64(r), newBID))
				putTrailerBID(tr, lay, uint64(newBID))
				copy(b[r:], page)
				fixPageCRC(b, r, lay)
				setAMap(b, r, 512, true, lay)
				// the old copy back in place, in freed space
				copy(b[lOff:], old)
				setAMap(b, lOff, 512, false, lay)
				// the parent names the new copy; the header the next BID
				repointed := false
				of.WalkPages(PTypeNBT, func(pp *BTPage) bool {
					for i := 0; pp.Level > 0 && i < pp.Count; i++ {
						if pp.Branch(i).Ref.BID == p.Trailer.BID {
							e := b[pp.Offset+int64(i*pp.EntrySize):]
							putID(e[lay.idSize:], lay.idSize, uint64(newBID))
							putID(e[2*lay.idSize:], lay.idSize, uint64(r))
							fixPageCRC(b, pp.Offset, lay)
							repointed = true
						}
					}
					return true
				})
				if !repointed {
					t.Fatal("leaf has no parent (one-level NBT)")
				}
				if ansi {
					binary.LittleEndian.PutUint32(b[28:], uint32(newBID+1))
				} else {
					binary.LittleEndian.PutUint64(b[32:], uint64(newBID+1))
				}
				fixHeaderCRCs(b, lay)
				if plain := openBytes(t, b); len(allNodes(plain)) != len(allNodes(of))-len(nids) || len(plain.Warnings()) > 0 {
					t.Fatalf("the surgery broke the file: %d nodes, warnings %q", len(allNodes(plain)), plain.Warnings())
				}
				if dmg == "zero-roots" {
					b = damages[0].do(b, m, nil)
				}

				f := openRecovered(t, b)
				dead := map[NID]DeletedNode{}
				for _, d := range f.DeletedNodes() {
					if !deleted[d.NID] {
						t.Errorf("not deleted, yet in DeletedNodes: %v", d)
					}
					dead[d.NID] = d
				}
				pages := 0
				for _, nid := range nids {
					if _, err := f.Node(nid); !errors.Is(err, ErrNotFound) {
						t.Errorf("deleted node %v is live: %v", nid, err)
					}
					if nid == victim {
						continue
					}
					d, ok := dead[nid]
					if !ok {
						t.Errorf("deleted node %v not found", nid)
						continue
					}
					if d.NodeEntry.NID != nid || d.Data != entries[nid].Data || d.Subnodes != entries[nid].Subnodes || d.Parent != entries[nid].Parent {
						t.Errorf("deleted node %v: %v, want %+v", nid, d, entries[nid])
					}
					switch {
					case inL[nid] && !inTail[nid]:
						pages++
						if d.How != DeadPage || d.Offset != lOff || d.PageAlloc != AllocFree || !d.PageSound || d.PageBID != p.Trailer.BID {
							t.Errorf("deleted node %v: %v; want it in the freed page at 0x%X", nid, d, lOff)
						}
					case inL[nid]:
						if d.How != DeadSlot || d.Offset != r {
							t.Errorf("deleted node %v: %v; want it past cEnt in the new copy at 0x%X", nid, d, r)
						}
					}
					if got, err := f.Data(d.Data); err != nil || !slices.EqualFunc(got, want[nid], bytes.Equal) {
						t.Errorf("deleted node %v: data: %v", nid, err)
					}
				}
				if pages == 0 {
					t.Errorf("no deleted node found in the stale page (%d deleted nodes in it)", len(inL))
				}
				if n := len(allNodes(f)); n != len(allNodes(of))-len(nids) {
					t.Errorf("%d live nodes, want %d", n, len(allNodes(of))-len(nids))
				}
				for _, e := range allNodes(f) {
					if e.Offset == lOff {
						t.Errorf("node %v taken from the stale page", e.NID)
					}
				}
				t.Logf("%d deleted (%d in the rewritten leaf), %d found, %d in the stale page; %d nodes from the scan", len(nids), len(inL), len(dead), pages, f.Recovery().NodesFromScan)
			})
		}
	}
}

// TestRecoverVariants rebuilds the small files of every variant (ANSI,
// Unicode, OST 2013 with compressed blocks; each crypt method) with their
// roots zeroed: no allocation maps there, so every page found is a
// candidate, newest first.
func TestRecoverVariants(t *testing.T) {
	for _, vc := range variants {
		t.Run(vc.name, func(t *testing.T) {
			_, b := sampleFile(vc.v, vc.crypt)
			of := openBytes(t, b)
			dam := slices.Clone(b)
			if vc.v == ANSI {
				clear(dam[184:200])
			} else {
				clear(dam[216:248])
			}
			f := openRecovered(t, dam)
			if f.Header().Version != vc.v {
				t.Fatalf("version %v", f.Header().Version)
			}
			on, rn := allNodes(of), allNodes(f)
			if !slices.Equal(on, rn) {
				t.Errorf("nodes: recovered %d, want %d", len(rn), len(on))
			}
			ob, rb := allBlocks(of), allBlocks(f)
			if len(ob) != len(rb) {
				t.Errorf("blocks: recovered %d, want %d", len(rb), len(ob))
			}
			for _, e := range ob {
				g, err := f.Block(e.BID)
				if err != nil || g.Offset != e.Offset || g.Size != e.Size || g.InflatedSize != e.InflatedSize {
					t.Errorf("block %v: %+v %v, want %+v", e.BID, g, err, e)
				}
			}
			for _, e := range on {
				want, werr := of.Data(e.Data)
				got, err := f.Data(e.Data)
				if (werr == nil) != (err == nil) || !slices.EqualFunc(got, want, bytes.Equal) {
					t.Errorf("node %v: data %v, want %v", e.NID, err, werr)
				}
				ws, _ := of.Subnodes(e.Subnodes)
				gs, _ := f.Subnodes(e.Subnodes)
				if len(ws) != len(gs) {
					t.Errorf("node %v: %d subnodes, want %d", e.NID, len(gs), len(ws))
				}
			}
			// and the header gone too: the variant from the structures
			clear(dam[:HeaderSizeUnicode])
			g := openRecovered(t, dam)
			if g.Header().Version != vc.v || len(allNodes(g)) != len(on) || len(allBlocks(g)) != len(ob) {
				t.Errorf("header zeroed: %v, %d nodes, %d blocks", g.Header().Version, len(allNodes(g)), len(allBlocks(g)))
			}
		})
	}
}
