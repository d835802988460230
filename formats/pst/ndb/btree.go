package ndb

import "fmt"

// The node and block B-trees (MS-PST 2.2.2.7.7): the NBT maps NIDs to
// NodeEntry, the BBT maps BIDs to BlockEntry. Both have the same shape:
// intermediate pages of BTENTRY down to leaf pages, at most MaxBTreeDepth
// levels, each child one level below its parent.

func treeName(ptype uint8) string {
	if ptype == PTypeBBT {
		return "BBT"
	}
	return "NBT"
}

// lookup descends the tree from root to the leaf entry whose key is key.
// match compares a leaf entry of page p with the key.
func (f *File) lookup(root BRef, ptype uint8, key uint64, match func(p *BTPage, i int) bool) (*BTPage, int, error) {
	tree := treeName(ptype)
	ref := root
	var path []int64
	parentLevel := -1
	for {
		off := offsetOf(ref.IB)
		for _, a := range path {
			if a == off {
				return nil, 0, formatErr(a, tree+" page", "B-tree loop: the page at 0x%X points back at the page at 0x%X (bid %v), looking up 0x%X", path[len(path)-1], off, ref.BID, key)
			}
		}
		if len(path) >= MaxBTreeDepth {
			return nil, 0, formatErr(off, tree+" page", "B-tree deeper than %d levels looking up 0x%X", MaxBTreeDepth, key)
		}
		p, err := f.readPage(ref, ptype)
		if err != nil {
			return nil, 0, err
		}
		if parentLevel >= 0 && p.Level >= parentLevel {
			return nil, 0, formatErr(off, tree+" page", "level %d page under a level-%d page at 0x%X (bid %v)", p.Level, parentLevel, path[len(path)-1], ref.BID)
		}
		path = append(path, off)
		if p.Level == 0 {
			for i := 0; i < p.Count; i++ {
				if match(p, i) {
					return p, i, nil
				}
			}
			return nil, 0, &FormatError{Offset: off, Structure: tree + " leaf page", Msg: fmt.Sprintf("0x%X is not in the %s", key, tree), Err: ErrNotFound}
		}
		// The child to follow is the one with the greatest key not above
		// key. Scanning them all, rather than stopping at the first
		// greater key, copes with pages whose order was damaged.
		best := -1
		var bestKey uint64
		for i := 0; i < p.Count; i++ {
			k := p.Branch(i).Key
			if ptype == PTypeNBT {
				k &= 0xFFFFFFFF
			}
			if k <= key && (best < 0 || k >= bestKey) {
				best, bestKey = i, k
			}
		}
		if best < 0 {
			return nil, 0, &FormatError{Offset: off, Structure: tree + " page", Msg: fmt.Sprintf("0x%X is below the page's lowest key", key), Err: ErrNotFound}
		}
		ref = p.Branch(best).Ref
		parentLevel = p.Level
	}
}

// Node looks a NID up in the NBT (the rebuilt one in a File from
// OpenRecovered).
func (f *File) Node(nid NID) (NodeEntry, error) {
	if f.rec != nil && !f.rec.sound {
		if e, ok := f.rec.node(nid); ok {
			return e, nil
		}
		return NodeEntry{}, &FormatError{Offset: -1, Structure: "NBT (rebuilt)", Msg: fmt.Sprintf("0x%X is not in the NBT", uint32(nid)), Err: ErrNotFound}
	}
	p, i, err := f.lookup(f.hdr.NBTRoot, PTypeNBT, uint64(nid), func(p *BTPage, i int) bool { return p.Node(i).NID == nid })
	if err != nil {
		return NodeEntry{}, err
	}
	return p.Node(i), nil
}

// Block looks a BID up in the BBT. The reserved bit 0 is ignored. In a
// File from OpenRecovered it looks in the rebuilt BBT, then among the
// blocks with sound trailers the BBT does not list (BlockOrigin tells
// which).
func (f *File) Block(bid BID) (BlockEntry, error) {
	key := bid.Key()
	if f.rec != nil && f.rec.sound && f.rec.inBBT.has(bid) {
		return f.treeBlock(bid)
	}
	if f.rec != nil {
		if e, _, ok := f.rec.block(key); ok {
			return e, nil
		}
		return BlockEntry{}, &FormatError{Offset: -1, Structure: "BBT (rebuilt)", Msg: fmt.Sprintf("0x%X is not in the BBT and no block with a sound trailer has it", uint64(key)), Err: ErrNotFound}
	}
	return f.treeBlock(bid)
}

// treeBlock looks a BID up in the header's BBT.
func (f *File) treeBlock(bid BID) (BlockEntry, error) {
	key := bid.Key()
	p, i, err := f.lookup(f.hdr.BBTRoot, PTypeBBT, uint64(key), func(p *BTPage, i int) bool { return p.Block(i).BID.Key() == key })
	if err != nil {
		return BlockEntry{}, err
	}
	return p.Block(i), nil
}

// walk visits every leaf entry of a tree in stored (key) order. A page
// that cannot be read is skipped with a warning, so that one damaged page
// costs only the entries below it; only an unreadable root is an error.
func (f *File) walk(root BRef, ptype uint8, pageFn func(*BTPage) bool, fn func(p *BTPage, i int) bool) error {
	tree := treeName(ptype)
	visited := map[int64]bool{}
	stopped := false
	var visit func(ref BRef, parent *BTPage, depth int) error
	visit = func(ref BRef, parent *BTPage, depth int) error {
		off := offsetOf(ref.IB)
		where := "the header"
		if parent != nil {
			where = fmt.Sprintf("the page at 0x%X", parent.Offset)
		}
		if visited[off] {
			return formatErr(off, tree+" page", "page reached twice (B-tree loop), from %s (bid %v)", where, ref.BID)
		}
		visited[off] = true
		if depth >= MaxBTreeDepth {
			return formatErr(off, tree+" page", "B-tree deeper than %d levels, from %s", MaxBTreeDepth, where)
		}
		p, err := f.readPage(ref, ptype)
		if err != nil {
			return err
		}
		if parent != nil {
			if p.Level >= parent.Level {
				return formatErr(off, tree+" page", "level %d page under the level-%d page at 0x%X (bid %v)", p.Level, parent.Level, parent.Offset, ref.BID)
			}
			if p.Level != parent.Level-1 {
				f.warnf("%s page at offset 0x%X (bid %v): level %d under the level-%d page at 0x%X", tree, off, ref.BID, p.Level, parent.Level, parent.Offset)
			}
		}
		if pageFn != nil && !pageFn(p) {
			stopped = true
			return nil
		}
		if p.Level == 0 {
			for i := 0; i < p.Count && !stopped; i++ {
				if !fn(p, i) {
					stopped = true
				}
			}
			return nil
		}
		for i := 0; i < p.Count && !stopped; i++ {
			e := p.Branch(i)
			if err := visit(e.Ref, p, depth+1); err != nil {
				f.warnf("%v; skipped with the entries below it (entry %d of the %s page at 0x%X, key 0x%X)", err, i, tree, off, e.Key)
			}
		}
		return nil
	}
	return visit(root, nil, 0)
}

// WalkNodes calls fn for every NBT leaf entry in key order until fn
// returns false. Damaged pages are skipped with a warning; the error is
// for an unreadable root page. A File from OpenRecovered walks its
// rebuilt NBT.
func (f *File) WalkNodes(fn func(NodeEntry) bool) error {
	if f.rec != nil && !f.rec.sound {
		for _, n := range f.rec.nodes {
			if !fn(n.NodeEntry) {
				break
			}
		}
		return nil
	}
	return f.walk(f.hdr.NBTRoot, PTypeNBT, nil, func(p *BTPage, i int) bool { return fn(p.Node(i)) })
}

// WalkBlocks calls fn for every BBT leaf entry in key order until fn
// returns false, like WalkNodes. A File from OpenRecovered walks its
// rebuilt BBT (not the freed blocks Block also finds).
func (f *File) WalkBlocks(fn func(BlockEntry) bool) error {
	if f.rec != nil && !f.rec.sound {
		t := &f.rec.blocks
		for _, b := range t.list {
			if !fn(t.entry(b)) {
				break
			}
		}
		return nil
	}
	return f.walk(f.hdr.BBTRoot, PTypeBBT, nil, func(p *BTPage, i int) bool { return fn(p.Block(i)) })
}

// WalkPages calls fn for every page of the NBT (ptype PTypeNBT) or the BBT
// (PTypeBBT), parents before children, for forensic users who want the
// tree itself.
func (f *File) WalkPages(ptype uint8, fn func(*BTPage) bool) error {
	root := f.hdr.NBTRoot
	if ptype == PTypeBBT {
		root = f.hdr.BBTRoot
	}
	return f.walk(root, ptype, fn, func(*BTPage, int) bool { return true })
}

// ReadPage reads and decodes the B-tree page at a file offset, whatever
// tree it belongs to (for scanning a file for orphaned pages).
func (f *File) ReadPage(off int64) (*BTPage, error) {
	b, err := f.readAt(off, f.lay.pageSize, "BTPAGE")
	if err != nil {
		return nil, err
	}
	p, warn, err := parseBTPage(b, off, f.lay)
	if err != nil {
		return nil, err
	}
	for _, w := range warn {
		f.warn(w)
	}
	return p, nil
}
