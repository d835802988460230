package ndb

import (
	"io"
	"slices"
)

// Recovery of a sound file with bounded memory. When the header's CRCs
// match, its crypt method is known and both B-trees can be walked from the
// header's roots with every page sound (no key range lost), the trees are
// the file's own: Node and Block look keys up in them as Open does (a
// bounded cache of pages), and the rebuilt trees are not made. The scan
// still reads the whole file, for what the trees no longer list: it keeps
// only the blocks whose BID the BBT does not have (one bit a BID tells,
// set while the BBT is walked) and, of the NBT leaf pages, the slots past
// cEnt of the live ones and every entry of those no tree reaches. So the
// memory kept grows with the file's freed space and deleted entries, not
// with its blocks: a file of 1 GB of live items keeps a few hundred KB
// where the rebuilt trees would take about 60 bytes a block.
//
// What a sound file does not get: BlockCopies lists only copies of blocks
// the BBT does not list, and the BBT's entries are not checked against
// the blocks' trailers (a page whose CRC matches is taken at its word; a
// block whose data is damaged is reported when it is read).

// bidSet is a set of BIDs by index, one bit each: BIDs count up from
// the header's bidNextB, so the set's size is the number of BIDs the file
// ever gave out.
type bidSet struct{ w []uint64 }

// maxBIDSetWords bounds the set (128 MiB: 2^30 BIDs); a BBT whose BIDs
// go past it is recovered the general way.
const maxBIDSetWords = 1 << 24

// bidBit is the bit a BID takes: its key without the reserved bit.
func bidBit(b BID) uint64 { return uint64(b.Key()) >> 1 }

// set adds b; false when it is past what the set may hold.
func (s *bidSet) set(b BID) bool {
	i := bidBit(b)
	w := i / 64
	if w >= maxBIDSetWords {
		return false
	}
	if w >= uint64(len(s.w)) {
		n := max(w+1, uint64(2*len(s.w)), 1024)
		s.w = slices.Grow(s.w, int(min(n, maxBIDSetWords))-len(s.w))[:min(n, maxBIDSetWords)]
	}
	s.w[w] |= 1 << (i % 64)
	return true
}

func (s *bidSet) has(b BID) bool {
	i := bidBit(b)
	return i/64 < uint64(len(s.w)) && s.w[i/64]&(1<<(i%64)) != 0
}

// scanFilter tells a scan what to keep of a sound file: blocks the BBT
// does not list, and of the live NBT leaf pages only the dead slots.
type scanFilter struct {
	inBBT    *bidSet
	liveLeaf map[int64]bool
}

// openSound is OpenRecovered for a file whose header and B-trees are
// sound; false (and rc as it was) when they are not, or when the BBT's
// BIDs are too many for the bit set.
func (f *File) openSound(r io.ReaderAt, size int64, opt ScanOptions, rc *recovery) (bool, error) {
	h := f.hdr
	known := h.Crypt == CryptNone || h.Crypt == CryptPermute || h.Crypt == CryptCyclic
	if !h.CRCPartialOK || !h.CRCFullOK || !known || opt.general {
		return false, nil
	}
	mark := f.WarningMark()
	nbt := f.walkTree(h.NBTRoot, PTypeNBT, rc, true)
	bbt := f.walkTree(h.BBTRoot, PTypeBBT, rc, true)
	if len(nbt.lost) > 0 || len(bbt.lost) > 0 || nbt.disordered || bbt.disordered || bbt.tooMany || len(f.WarningsSince(mark)) > 0 {
		// not sound: the general way (its walk raises the same warnings,
		// kept once)
		rc.liveLeaf = map[int64]bool{}
		rc.inBBT = bidSet{}
		return false, nil
	}
	opt.Version = h.Version
	idx, found, err := scan(r, size, opt, &scanFilter{inBBT: &rc.inBBT, liveLeaf: rc.liveLeaf})
	if err != nil {
		return true, err
	}
	rc.idx = idx
	rc.sound = true
	rc.blocks.idx = idx
	droppedPages := f.dropShadowedSound(rc)
	rep := &rc.report
	rep.Pages, rep.MapPages, rep.Blocks, rep.Shadowed = idx.pagesFound-droppedPages, len(idx.Maps), found, idx.Shadowed
	rep.Crypt = h.Crypt
	rep.NodesFromBTree, rep.BlocksFromBTree = nbt.entries, bbt.entries
	rep.FreeBlocks = rc.countFree()
	f.rec = rc
	f.findDeleted(rc)
	rep.DeletedNodes = len(rc.deleted)
	rc.liveLeaf = nil // used up
	return true, nil
}

// dropShadowedSound drops the NBT pages no tree reaches and the map pages
// that lie inside a block's data (an attached PST file, say), like
// dropShadowed, which cannot be used here: the index lacks the blocks the
// BBT lists. Each such page is checked by looking for a block around it.
// It returns how many B-tree pages it dropped. (The B-tree pages the scan
// does not keep are not checked: Recovery.Pages may count a few pages
// inside blocks that the general way leaves out.)
func (f *File) dropShadowedSound(rc *recovery) int {
	idx := rc.idx
	drop := map[int64]bool{}
	for _, p := range idx.Pages {
		if p.PType == PTypeNBT && p.Level == 0 && !rc.liveLeaf[p.Offset] && f.insideBlock(p.Offset) {
			drop[p.Offset] = true
		}
	}
	for _, m := range idx.Maps {
		if f.insideBlock(m.Offset) {
			drop[m.Offset] = true
		}
	}
	if len(drop) == 0 {
		return 0
	}
	idx.Shadowed += len(drop)
	n := len(idx.Pages)
	idx.Pages = slices.DeleteFunc(idx.Pages, func(p ScannedPage) bool { return drop[p.Offset] })
	n -= len(idx.Pages)
	idx.Maps = slices.DeleteFunc(idx.Maps, func(p ScannedPage) bool { return drop[p.Offset] })
	idx.Nodes = slices.DeleteFunc(idx.Nodes, func(n ScannedNode) bool { return drop[n.Offset] })
	idx.buildIndexes()
	return n
}

// insideBlock reports whether a sound block's data holds the page at off:
// a block that starts at or before it and ends at or after its end.
func (f *File) insideBlock(off int64) bool {
	lay := f.lay
	ps := int64(lay.pageSize)
	lo := max(0, off+ps-int64(lay.maxBlock))
	hi := min(f.size, off+int64(lay.maxBlock))
	if hi <= lo {
		return false
	}
	b := make([]byte, hi-lo)
	n, _ := f.r.ReadAt(b, lo)
	b = b[:n]
	var res chunkResult
	al := int64(lay.blockAlign)
	for e := (off + ps + al - 1) / al * al; e <= lo+int64(n); e += al {
		if e-int64(lay.blockTrailer) < lo {
			continue
		}
		res.blocks = res.blocks[:0]
		scanBlock(b, lo, e, lay, idLimits{block: 1 << 62, page: 1 << 62}, &res, nil)
		for _, sb := range res.blocks {
			if sb.Offset <= off && off+ps <= sb.Offset+int64(sb.Size) {
				return true
			}
		}
	}
	return false
}
