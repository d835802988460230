package ndb

import (
	"math"
	"slices"
	"sort"
)

// The rebuilt BBT of a File from OpenRecovered. It has an entry per
// block, and it is the structure of a recovery that grows with the file:
// a 1 GB PST of small items has about 800,000 blocks. Almost every entry
// names a block the scan found with a sound trailer at the offset the
// entry gives, so such an entry is kept as the index of that scanned
// block (12 bytes) instead of a copy of its fields (32); only entries
// that no sound copy confirms keep their own fields (extBlock). Blocks
// the BBT does not list are not kept at all: Block finds them in the
// scan's list when asked.

// recBlock is an entry of the rebuilt BBT.
type recBlock struct {
	// ref >= 0 is the index in Index.Blocks of the scanned copy the entry
	// names (its BID, offset and sizes are the copy's); ref < 0 names
	// blockTable.ext[-1-ref].
	ref int32
	// page is the index in Index.Pages of the BBT leaf page listing the
	// entry, -1 when none does (taken from a trailer) or the page is not
	// among the scanned ones (then the entry is an extBlock, which keeps
	// the page's offset).
	page     int32
	refs     uint16 // cRef
	fromScan bool
}

// extBlock is an entry of the rebuilt BBT kept with its own fields.
type extBlock struct {
	bid           BID
	off, pageOff  int64
	size, inflate uint16
}

// blockTable is the rebuilt BBT: entries by BID key.
type blockTable struct {
	idx  *Index
	ext  []extBlock
	list []recBlock
}

func (t *blockTable) origin(b recBlock) Origin {
	if b.fromScan {
		return OriginScan
	}
	return OriginBTree
}

// bid returns the entry's BID.
func (t *blockTable) bid(b recBlock) BID {
	if b.ref >= 0 {
		return t.idx.Blocks[b.ref].BID
	}
	return t.ext[-1-b.ref].bid
}

func (t *blockTable) key(b recBlock) uint64 { return uint64(t.bid(b).Key()) }

// entry returns the entry as the BBT would give it.
func (t *blockTable) entry(b recBlock) BlockEntry {
	if b.ref < 0 {
		x := t.ext[-1-b.ref]
		return BlockEntry{BID: x.bid, Offset: x.off, Size: int(x.size), RefCount: int(b.refs), InflatedSize: int(x.inflate), PageOffset: x.pageOff}
	}
	s := t.idx.Blocks[b.ref]
	e := BlockEntry{BID: s.BID, Offset: s.Offset, Size: int(s.Size), RefCount: int(b.refs), InflatedSize: int(s.Inflated), PageOffset: -1}
	if b.page >= 0 {
		e.PageOffset = t.idx.Pages[b.page].Offset
	}
	return e
}

// fromEntry makes an entry from a BBT page's: compact when the scan found
// the block at the entry's offset with the entry's sizes and the page is
// a scanned one.
func (t *blockTable) fromEntry(e BlockEntry, fromScan bool) recBlock {
	b := recBlock{ref: -1, page: -1, refs: uint16(min(e.RefCount, math.MaxUint16)), fromScan: fromScan}
	pi, pageKnown := t.idx.byPage[e.PageOffset]
	if i := t.idx.copyAt(e.BID, e.Offset); i >= 0 && (pageKnown || e.PageOffset < 0) {
		s := t.idx.Blocks[i]
		if s.BID == e.BID && int(s.Size) == e.Size && int(s.Inflated) == e.InflatedSize {
			b.ref = i
			if pageKnown {
				b.page = pi
			}
			return b
		}
	}
	t.ext = append(t.ext, extBlock{bid: e.BID, off: e.Offset, pageOff: e.PageOffset, size: uint16(e.Size), inflate: uint16(e.InflatedSize)})
	b.ref = int32(-len(t.ext))
	return b
}

// fromScanned makes an entry from a scanned block (an index in Index.Blocks).
func fromScanned(i int32) recBlock { return recBlock{ref: i, page: -1, fromScan: true} }

// find returns the entry for a BID key.
func (t *blockTable) find(key BID) (recBlock, bool) {
	i := sort.Search(len(t.list), func(i int) bool { return t.bid(t.list[i]).Key() >= key })
	if i < len(t.list) && t.bid(t.list[i]).Key() == key {
		return t.list[i], true
	}
	return recBlock{}, false
}

// sortDedupe sorts list by key, keeping the first of duplicates (dup is
// called for the others).
func (t *blockTable) sortDedupe(list []recBlock, dup func(recBlock)) []recBlock {
	slices.SortStableFunc(list, func(a, b recBlock) int { return cmpInt(t.key(a), t.key(b)) })
	out := list[:0]
	for i, e := range list {
		if i > 0 && t.key(e) == t.key(list[i-1]) {
			dup(e)
			continue
		}
		out = append(out, e)
	}
	return slices.Clip(out)
}

// copyAt returns the index in Blocks of the scanned copy of a block at
// an offset, -1 when there is none.
func (idx *Index) copyAt(bid BID, off int64) int32 {
	for _, i := range idx.copies(bid) {
		if idx.Blocks[i].Offset == off {
			return i
		}
	}
	return -1
}

// copies returns the indices in Blocks of every scanned copy of a block,
// by offset (a part of byBID).
func (idx *Index) copies(bid BID) []int32 {
	key := bid.Key()
	i := sort.Search(len(idx.byBID), func(i int) bool { return idx.Blocks[idx.byBID[i]].BID.Key() >= key })
	j := i
	for j < len(idx.byBID) && idx.Blocks[idx.byBID[j]].BID.Key() == key {
		j++
	}
	return idx.byBID[i:j]
}

// pickCopy chooses among scanned copies of one block (indices in Blocks):
// allocated space first, then the latest in the file.
func (idx *Index) pickCopy(copies []int32) int32 {
	best := copies[0]
	for _, c := range copies[1:] {
		b, x := idx.Blocks[best], idx.Blocks[c]
		if allocRank(x.Alloc) < allocRank(b.Alloc) || allocRank(x.Alloc) == allocRank(b.Alloc) && x.Offset > b.Offset {
			best = c
		}
	}
	return best
}
