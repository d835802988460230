package ndb

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/mailsalvage/mailsalvage/formats/mapi"
	"github.com/mailsalvage/mailsalvage/internal/synth"
)

// Synthetic files for the recovery tests, from internal/synth's PST
// writer, and the surgery the tests do on them: moving B-tree pages among
// the blocks as Outlook lays files out (synth writes them after all the
// blocks), and deleting nodes as Outlook does.

// synthStore returns a store of n notes in three folders (some with
// attachments over several blocks) and del notes left out of the contents
// tables (the nodes the deletion tests delete).
func synthStore(n, del int, ansi bool) synth.PSTStore {
	g := synth.NewGen(uint64(n*1000 + del))
	rng := rand.New(rand.NewPCG(uint64(n), 7))
	notes := func(k int, big bool) []*mapi.Message {
		var out []*mapi.Message
		for i := 0; i < k; i++ {
			note := g.Note()
			if big && i%4 == 0 {
				note.Attachments = append(note.Attachments, synth.File{Name: fmt.Sprintf("scan%d.bin", i), MIMEType: "application/octet-stream", Data: synth.Garbage(rng, 9000+rng.IntN(30000))})
			}
			out = append(out, synth.NoteMessage(note))
		}
		return out
	}
	return synth.PSTStore{
		DisplayName: "Recovery test",
		ANSI:        ansi,
		Folders: []*synth.PSTFolder{
			{Name: "Inbox", Class: "IPF.Note", Messages: notes(n/2, true), Deleted: notes(del, true),
				Folders: []*synth.PSTFolder{{Name: "Projects", Class: "IPF.Note", Messages: notes(n/4, false)}}},
			{Name: "Sent Items", Class: "IPF.Note", Messages: notes(n-n/2-n/4, true)},
		},
	}
}

func buildSynth(t testing.TB, s synth.PSTStore) ([]byte, *synth.PSTMap) {
	t.Helper()
	b, m, err := synth.PSTWithMap(s)
	if err != nil {
		t.Fatal(err)
	}
	return b, m
}

// interleave lays a synth file out again with its B-tree pages among the
// blocks, one page after every `every` blocks, as a file Outlook has been
// writing to for a while looks: so that a truncated file or zeroed sectors
// cost some of each. Trailers, signatures, CRCs, BBT and branch entries,
// AMaps and the header are rewritten to match.
func interleave(t testing.TB, b []byte, m *synth.PSTMap, every int) ([]byte, *synth.PSTMap) {
	t.Helper()
	h, _, err := ParseHeader(b)
	if err != nil {
		t.Fatal(err)
	}
	lay := layouts[h.Version]
	a := synth.NewPSTSpace()
	blockOff := map[uint64]int64{}
	pageOff := map[uint64]int64{}
	// pages in a mixed order, NBT and BBT pages, leaves and branches
	pages := slices.Clone(m.Pages)
	rand.New(rand.NewPCG(1, 2)).Shuffle(len(pages), func(i, j int) { pages[i], pages[j] = pages[j], pages[i] })
	pi := 0
	for i, blk := range m.Blocks {
		blockOff[blk.BID] = a.Alloc(int64(lay.blockSpan(blk.Size)), 64)
		if (i+1)%every == 0 && pi < len(pages) {
			pageOff[pages[pi].BID] = a.Alloc(512, 512)
			pi++
		}
	}
	for ; pi < len(pages); pi++ {
		pageOff[pages[pi].BID] = a.Alloc(512, 512)
	}
	amaps := a.AMaps()
	size := synth.PSTAMapStart(amaps)
	out := make([]byte, size)
	copy(out, b[:synth.PSTFirstAMap])
	used := make([]bool, (size-synth.PSTFirstAMap)/64)
	mark := func(off, n int64) {
		for u := (off - synth.PSTFirstAMap) / 64; u < (off-synth.PSTFirstAMap+n+63)/64; u++ {
			used[u] = true
		}
	}
	le := binary.LittleEndian
	nm := &synth.PSTMap{Folders: m.Folders, Messages: m.Messages, Nodes: m.Nodes}
	for _, blk := range m.Blocks {
		span := int64(lay.blockSpan(blk.Size))
		no := blockOff[blk.BID]
		copy(out[no:no+span], b[blk.Offset:blk.Offset+span])
		le.PutUint16(out[no+span-int64(lay.blockTrailer)+2:], ComputeSig(uint64(no), BID(blk.BID)))
		mark(no, span)
		blk.Offset = no
		nm.Blocks = append(nm.Blocks, blk)
	}
	for _, pg := range m.Pages {
		no := pageOff[pg.BID]
		page := out[no : no+512]
		copy(page, b[pg.Offset:pg.Offset+512])
		p, _, err := parseBTPage(page, no, lay)
		if err != nil {
			t.Fatal(err)
		}
		for i := 0; i < p.Count; i++ {
			e := page[i*p.EntrySize:]
			switch {
			case p.Level > 0:
				putID(e[2*lay.idSize:], lay.idSize, uint64(pageOff[uint64(p.Branch(i).Ref.BID)]))
			case !p.IsNBT():
				putID(e[lay.idSize:], lay.idSize, uint64(blockOff[uint64(p.Block(i).BID)]))
			}
		}
		tr := page[512-lay.pageTrailer:]
		le.PutUint16(tr[2:], ComputeSig(uint64(no), BID(pg.BID)))
		fixPageCRC(out, no, lay)
		mark(no, 512)
		pg.Offset = no
		nm.Pages = append(nm.Pages, pg)
	}
	// AMaps (PMaps all ones, as synth writes them) and the header
	var free int64
	for i := int64(0); i < amaps; i++ {
		mark(synth.PSTAMapStart(i), 512)
		if i%8 == 0 {
			pm := out[synth.PSTAMapStart(i)+512 : synth.PSTAMapStart(i)+1024]
			copy(pm, b[synth.PSTAMapStart(i)+512:synth.PSTAMapStart(i)+1024])
			mark(synth.PSTAMapStart(i)+512, 512)
		}
	}
	for i := int64(0); i < amaps; i++ {
		free += writeAMap(out, i, used, lay)
	}
	putHeaderRoot := func(o int, ref BRef) {
		putID(out[o:], lay.idSize, uint64(ref.BID))
		putID(out[o+lay.idSize:], lay.idSize, uint64(pageOff[uint64(ref.BID)]))
	}
	if lay.idSize == 4 {
		le.PutUint32(out[168:], uint32(size))
		le.PutUint32(out[172:], uint32(synth.PSTAMapStart(amaps-1)))
		le.PutUint32(out[176:], uint32(free))
		putHeaderRoot(184, h.NBTRoot)
		putHeaderRoot(192, h.BBTRoot)
	} else {
		le.PutUint64(out[184:], uint64(size))
		le.PutUint64(out[192:], uint64(synth.PSTAMapStart(amaps-1)))
		le.PutUint64(out[200:], uint64(free))
		putHeaderRoot(216, h.NBTRoot)
		putHeaderRoot(232, h.BBTRoot)
	}
	fixHeaderCRCs(out, lay)
	return out, nm
}

// writeAMap writes AMap page i from used (one flag per 64 bytes) and
// returns the free bytes it maps.
func writeAMap(out []byte, i int64, used []bool, lay layout) int64 {
	am := out[synth.PSTAMapStart(i) : synth.PSTAMapStart(i)+512]
	bits := am[:512-lay.pageTrailer]
	if lay.idSize == 4 {
		bits = bits[4:]
	}
	clear(bits)
	var free int64
	for k := int64(0); k < 496*8; k++ {
		u := i*496*8 + k
		if u < int64(len(used)) && used[u] {
			bits[k/8] |= 0x80 >> (k % 8)
		} else {
			free += 64
		}
	}
	tr := am[512-lay.pageTrailer:]
	tr[0], tr[1] = PTypeAMap, PTypeAMap
	binary.LittleEndian.PutUint16(tr[2:], 0)
	putTrailerBID(tr, lay, uint64(synth.PSTAMapStart(i)))
	fixPageCRC(out, synth.PSTAMapStart(i), lay)
	return free
}

func putTrailerBID(tr []byte, lay layout, bid uint64) {
	if lay.idSize == 4 {
		binary.LittleEndian.PutUint32(tr[4:], uint32(bid))
	} else {
		binary.LittleEndian.PutUint64(tr[8:], bid)
	}
}

// setAMap sets or clears the AMap bits of [off, off+n) and fixes the
// AMap pages' CRCs.
func setAMap(b []byte, off, n int64, set bool, lay layout) {
	_, _, _, bo, _ := lay.amapGeometry()
	for u := (off - synth.PSTFirstAMap) / 64; u < (off-synth.PSTFirstAMap+n+63)/64; u++ {
		i, k := u/(496*8), u%(496*8)
		bits := b[synth.PSTAMapStart(i)+int64(bo):]
		if set {
			bits[k/8] |= 0x80 >> (k % 8)
		} else {
			bits[k/8] &^= 0x80 >> (k % 8)
		}
		fixPageCRC(b, synth.PSTAMapStart(i), lay)
	}
}

// fixHeaderCRCs recomputes dwCRCPartial and (Unicode) dwCRCFull.
func fixHeaderCRCs(b []byte, lay layout) {
	le := binary.LittleEndian
	if lay.idSize == 8 {
		le.PutUint32(b[524:], CRC(b[8:8+516]))
	}
	le.PutUint32(b[4:], CRC(b[8:8+471]))
}

// leafOf maps every key of a tree's leaf pages to the offset of the page
// holding it.
func leafOf(t testing.TB, f *File, ptype uint8) map[uint64]int64 {
	out := map[uint64]int64{}
	if err := f.WalkPages(ptype, func(p *BTPage) bool {
		if p.Level == 0 {
			for i := 0; i < p.Count; i++ {
				out[p.key(i)] = p.Offset
			}
		}
		return true
	}); err != nil {
		t.Fatal(err)
	}
	return out
}

// treeBIDs returns every block of a node: its data tree, its subnode tree
// and the subnodes' data and subnode trees, as read through f.
func treeBIDs(t testing.TB, f *File, data, sub BID) []BID {
	var out []BID
	var dataTree func(bid BID, depth int)
	dataTree = func(bid BID, depth int) {
		if bid == 0 || depth > 3 {
			return
		}
		out = append(out, bid)
		if bid.Internal() {
			b, err := f.ReadBlock(bid)
			if err != nil {
				t.Fatal(err)
			}
			x, err := ParseXBlock(b, f.lay.idSize)
			if err != nil {
				t.Fatal(err)
			}
			for _, c := range x.BIDs {
				dataTree(c, depth+1)
			}
		}
	}
	var subTree func(bid BID, depth int)
	subTree = func(bid BID, depth int) {
		if bid == 0 || depth > 4 {
			return
		}
		out = append(out, bid)
		b, err := f.ReadBlock(bid)
		if err != nil {
			t.Fatal(err)
		}
		s, err := ParseSubnodeBlock(b, f.lay.idSize)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range s.Children {
			subTree(c.BID, depth+1)
		}
		for _, e := range s.Entries {
			dataTree(e.Data, 0)
			subTree(e.Subnodes, depth+1)
		}
	}
	dataTree(data, 0)
	subTree(sub, 0)
	return out
}

// removeEntries takes the entries whose keys are in drop out of the leaf
// pages of a tree as Outlook does: the entries kept move up, cEnt goes
// down, and the slots past cEnt keep what they held; here the removed
// entries are put right after the kept ones, so that each survives past
// cEnt. The pages' CRCs are fixed.
func removeEntries(t testing.TB, b []byte, f *File, ptype uint8, drop map[uint64]bool) {
	lay := f.lay
	var leaves []int64
	f.WalkPages(ptype, func(p *BTPage) bool {
		if p.Level == 0 {
			leaves = append(leaves, p.Offset)
		}
		return true
	})
	for _, off := range leaves {
		page := b[off : off+int64(lay.pageSize)]
		p, _, err := parseBTPage(page, off, lay)
		if err != nil {
			t.Fatal(err)
		}
		var kept, gone [][]byte
		for i := 0; i < p.Count; i++ {
			e := slices.Clone(page[i*p.EntrySize : (i+1)*p.EntrySize])
			if drop[p.key(i)] {
				gone = append(gone, e)
			} else {
				kept = append(kept, e)
			}
		}
		if len(gone) == 0 {
			continue
		}
		o := 0
		for _, e := range append(kept, gone...) {
			copy(page[o:], e)
			o += len(e)
		}
		page[lay.btMeta] = byte(len(kept))
		fixPageCRC(b, off, lay)
	}
}

// deleteNodes deletes nodes from a synth file as Outlook does: their NBT
// entries and their blocks' BBT entries leave the trees (surviving past
// cEnt), and their blocks' space is marked free in the AMap. It returns
// the deleted nodes' entries and their blocks.
func deleteNodes(t testing.TB, b []byte, nids []NID) ([]NodeEntry, map[BID]BlockEntry) {
	f := openBytes(t, b)
	var gone []NodeEntry
	blocks := map[BID]BlockEntry{}
	dropN, dropB := map[uint64]bool{}, map[uint64]bool{}
	for _, nid := range nids {
		e, err := f.Node(nid)
		if err != nil {
			t.Fatal(err)
		}
		gone = append(gone, e)
		dropN[uint64(nid)] = true
		for _, bid := range treeBIDs(t, f, e.Data, e.Subnodes) {
			be, err := f.Block(bid)
			if err != nil {
				t.Fatal(err)
			}
			blocks[bid] = be
			dropB[uint64(bid.Key())] = true
		}
	}
	removeEntries(t, b, f, PTypeNBT, dropN)
	removeEntries(t, b, f, PTypeBBT, dropB)
	for _, be := range blocks {
		setAMap(b, be.Offset, int64(f.lay.blockSpan(be.Size)), false, f.lay)
	}
	return gone, blocks
}

func TestInterleave(t *testing.T) {
	for _, ansi := range []bool{false, true} {
		b, m := buildSynth(t, synthStore(60, 0, ansi))
		ib, im := interleave(t, b, m, spread(m))
		f, g := openBytes(t, b), openBytes(t, ib)
		on, in := allNodes(f), allNodes(g)
		if len(on) != len(in) {
			t.Fatalf("%d nodes, %d after interleaving", len(on), len(in))
		}
		for i := range on {
			d1, err1 := f.Data(on[i].Data)
			d2, err2 := g.Data(in[i].Data)
			if err1 != nil || err2 != nil || !slices.EqualFunc(d1, d2, bytes.Equal) {
				t.Fatalf("node %v: data differs after interleaving: %v %v", on[i].NID, err1, err2)
			}
		}
		if w := g.Warnings(); len(w) > 0 {
			t.Fatalf("warnings: %q", w)
		}
		// pages are now among the blocks
		last := im.Blocks[len(im.Blocks)-1].Offset
		before := 0
		for _, p := range im.Pages {
			if p.Offset < last {
				before++
			}
		}
		if before < len(im.Pages)/2 {
			t.Errorf("only %d of %d pages before the last block", before, len(im.Pages))
		}
		rf, err := OpenRecovered(bytes.NewReader(ib), int64(len(ib)))
		if err != nil {
			t.Fatal(err)
		}
		if w := rf.Warnings(); len(w) > 0 || len(rf.DeletedNodes()) > 0 {
			t.Fatalf("recovered: warnings %q, %d deleted", w, len(rf.DeletedNodes()))
		}
	}
}

// scanSeeds are FuzzScan's seeds: the small files of every variant, whole,
// with their roots zeroed and with their header zeroed; and the start of
// a synthetic PST (header, AMap, blocks and pages among them) with a
// deleted node, sound and with its roots zeroed.
func scanSeeds(t testing.TB) []seed {
	var out []seed
	for _, vc := range variants {
		tf, b := sampleFile(vc.v, vc.crypt)
		out = append(out, seed{b})
		roots := slices.Clone(b)
		if tf.v == ANSI {
			clear(roots[184:200])
		} else {
			clear(roots[216:248])
		}
		out = append(out, seed{roots})
		noHeader := slices.Clone(b)
		clear(noHeader[:HeaderSizeUnicode])
		out = append(out, seed{noHeader})
	}
	g := synth.NewGen(5)
	b, m := buildSynth(t, synth.PSTStore{Folders: []*synth.PSTFolder{{
		Name: "Inbox", Class: "IPF.Note",
		Messages: []*mapi.Message{synth.OutlookNote(g), synth.OutlookNote(g), synth.OutlookNote(g)},
		Deleted:  []*mapi.Message{synth.OutlookNote(g), synth.OutlookNote(g)},
	}}})
	b, m = interleave(t, b, m, spread(m))
	var nids []NID
	for _, msg := range m.Messages {
		if msg.Deleted {
			nids = append(nids, NID(msg.NID))
		}
	}
	deleteNodes(t, b, nids)
	// the end of the last page or block, rounded to 4 KiB
	end := int64(0)
	for _, p := range m.Pages {
		end = max(end, p.Offset+512)
	}
	for _, blk := range m.Blocks {
		end = max(end, blk.Offset+int64(layouts[Unicode].blockSpan(blk.Size)))
	}
	end = (end + 4095) / 4096 * 4096
	out = append(out, seed{slices.Clone(b[:end])})
	out = append(out, seed{damages[0].do(slices.Clone(b[:end]), m, nil)})
	return out
}
