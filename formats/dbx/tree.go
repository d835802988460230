package dbx

import (
	"encoding/binary"
	"fmt"
)

// The tree (Schloh, "OE dbx file format: tree"): a B-tree whose values
// are offsets of indexed info objects (message infos in a message store,
// folder infos in Folders.dbx). Each node is a 0x27c-byte object in a tree
// segment: a 0x18-byte header, then up to 0x33 entries of three int4.
const (
	TreeNodeSize      = 0x27c
	treeNodeHeader    = 0x18
	treeEntrySize     = 12
	MaxTreeEntries    = (TreeNodeSize - treeNodeHeader) / treeEntrySize // 0x33
	maxTreeDepth      = 32                                              // a full tree of 2 GB is 6 levels deep
	treeNodeStructure = "tree node"
)

// TreeNode is one node of a tree as stored.
type TreeNode struct {
	Offset int64
	// Child is the node holding the values that sort before Entries[0]
	// (0 in a leaf), ChildCount how many values its subtree holds.
	Child      uint32
	ChildCount uint32
	Parent     uint32 // 0 for the root
	NodeID     uint8  // position of this node in its parent
	Entries    []TreeEntry
}

// TreeEntry is one value of a node and the subtree of values that sort
// after it.
type TreeEntry struct {
	Value      uint32 // offset of an indexed info object
	Child      uint32
	ChildCount uint32
}

// ReadTreeNode reads and checks the tree node at off: its object marker
// must be its own offset and its entries must fit the node and the file.
func (f *File) ReadTreeNode(off int64) (*TreeNode, error) {
	if off <= 0 || off+treeNodeHeader > f.size {
		return nil, formatErr(off, treeNodeStructure, "node offset outside the file", nil)
	}
	var b [TreeNodeSize]byte
	n, err := f.r.ReadAt(b[:min(int64(TreeNodeSize), f.size-off)], off)
	if n < treeNodeHeader {
		return nil, &FormatError{Off: off, Structure: treeNodeStructure, Msg: fmt.Sprintf("unreadable: %v", err), Err: ErrFormat}
	}
	u := func(i int) uint32 { return binary.LittleEndian.Uint32(b[i:]) }
	if int64(u(0)) != off {
		return nil, formatErr(off, treeNodeStructure, "object marker is not the node's offset", u(0))
	}
	count := int(b[0x11])
	if count > MaxTreeEntries {
		return nil, formatErr(off, treeNodeStructure, "more entries than a node holds", count)
	}
	if treeNodeHeader+count*treeEntrySize > n {
		return nil, formatErr(off, treeNodeStructure, "node cut off by the end of the file", count)
	}
	t := &TreeNode{Offset: off, Child: u(8), Parent: u(0xc), NodeID: b[0x10], ChildCount: u(0x14)}
	t.Entries = make([]TreeEntry, count)
	for i := range t.Entries {
		p := treeNodeHeader + i*treeEntrySize
		t.Entries[i] = TreeEntry{Value: u(p), Child: u(p + 4), ChildCount: u(p + 8)}
	}
	return t, nil
}

// WalkTree calls fn with every value of tree i (0, 1 or 2) in the tree's
// order, and with the node that holds it, until fn returns false. A
// damaged node does not stop the walk: the values of the rest of the
// tree are still visited, and what was wrong is returned, one error per
// damaged node. Loops are cut with a set of visited nodes and the depth is
// bounded, so a hostile file costs at most one visit of each node.
func (f *File) WalkTree(i int, fn func(value uint32, node *TreeNode) bool) []error {
	if i < 0 || i >= Trees || f.Header.TreeRoot[i] == 0 {
		return nil
	}
	w := treeWalk{f: f, fn: fn, seen: map[uint32]bool{}}
	w.walk(int64(f.Header.TreeRoot[i]), 0, 0)
	if w.values != int64(f.Header.TreeCount[i]) && len(w.errs) == 0 && !w.stopped {
		w.errs = append(w.errs, formatErr(hdrTreeCounts+4*int64(i), "file header",
			fmt.Sprintf("tree %d holds %d values, the header says %d", i, w.values, f.Header.TreeCount[i]), nil))
	}
	return w.errs
}

type treeWalk struct {
	f       *File
	fn      func(uint32, *TreeNode) bool
	seen    map[uint32]bool
	errs    []error
	values  int64
	stopped bool
}

func (w *treeWalk) walk(off int64, parent int64, depth int) {
	if w.stopped {
		return
	}
	if depth > maxTreeDepth {
		w.errs = append(w.errs, formatErr(off, treeNodeStructure, "tree deeper than any real one: cut here", depth))
		return
	}
	if w.seen[uint32(off)] {
		w.errs = append(w.errs, formatErr(off, treeNodeStructure, "node reached twice (a loop in the tree): cut here", nil))
		return
	}
	w.seen[uint32(off)] = true
	t, err := w.f.ReadTreeNode(off)
	if err != nil {
		w.errs = append(w.errs, err)
		return
	}
	if parent != 0 && int64(t.Parent) != parent {
		// kept: the node itself is sound, only its back pointer is not
		w.errs = append(w.errs, formatErr(off, treeNodeStructure, fmt.Sprintf("parent pointer is not the node @0x%x that points here", parent), t.Parent))
	}
	if t.Child != 0 {
		w.walk(int64(t.Child), off, depth+1)
	}
	for _, e := range t.Entries {
		if w.stopped {
			return
		}
		w.values++
		if !w.fn(e.Value, t) {
			w.stopped = true
			return
		}
		if e.Child != 0 {
			w.walk(int64(e.Child), off, depth+1)
		}
	}
}
