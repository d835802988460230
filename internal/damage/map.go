package damage

import (
	"bytes"
	"errors"
	"fmt"
	"sort"

	"github.com/mailsalvage/mailsalvage/formats/pst/ndb"
)

// Range is a run of bytes of a file: Len bytes from Off.
type Range struct{ Off, Len int64 }

// End returns the offset just past the range.
func (r Range) End() int64 { return r.Off + r.Len }

func (r Range) overlaps(o Range) bool { return r.Off < o.End() && o.Off < r.End() }

func (r Range) String() string { return fmt.Sprintf("0x%X+%d", r.Off, r.Len) }

// Tree names one of the two B-trees of the node database.
type Tree int

// The B-trees.
const (
	NBT Tree = iota + 1 // the node B-tree: NID -> data and subnode BIDs
	BBT                 // the block B-tree: BID -> file offset and size
)

func (t Tree) String() string {
	switch t {
	case NBT:
		return "NBT"
	case BBT:
		return "BBT"
	}
	return fmt.Sprintf("Tree(%d)", int(t))
}

// Page is a B-tree page of the intact file.
type Page struct {
	Tree   Tree
	Level  int // 0 for leaves
	BID    ndb.BID
	Offset int64
	Size   int
	// Parent is the index in Map.Pages of the page pointing at this one,
	// -1 for a root.
	Parent int
	// Entries is cEnt.
	Entries int
}

// Range returns the bytes of the page.
func (p Page) Range() Range { return Range{p.Offset, int64(p.Size)} }

// Block is a block of the intact file, as its BBT entry says.
type Block struct {
	BID      ndb.BID // as the BBT keys it (reserved bit clear)
	Offset   int64
	Size     int // cb: the data bytes, trailer and padding excluded
	Span     int // the bytes the block occupies: data, padding and trailer
	Internal bool
	// Leaf is the index in Map.Pages of the BBT leaf page listing it.
	Leaf int
	// RefCount is the BBT entry's cRef.
	RefCount int
	// InflatedSize is, in OST 2013 files, the size of the data once
	// inflated (Size when the block is stored as is).
	InflatedSize int
}

// Range returns the bytes of the block on disk, trailer included.
func (b Block) Range() Range { return Range{b.Offset, int64(b.Span)} }

// Node is an NBT leaf entry of the intact file.
type Node struct {
	ndb.NodeEntry
	// Leaf is the index in Map.Pages of the NBT leaf page listing it.
	Leaf int
}

// Map is where the structures of an intact PST or OST file are: the
// header's root references, every B-tree page reachable from the roots,
// every block the BBT lists and every node the NBT lists.
type Map struct {
	Header     ndb.Header
	Size       int64
	PageSize   int
	HeaderSize int
	// NBTRootRef and BBTRootRef are the header's BREFs of the root pages.
	NBTRootRef, BBTRootRef Range
	// Vital are the header fields whose damage stops a reader that does
	// not rebuild the B-trees: the magic, the client magic and version,
	// the crypt method and the two root references.
	Vital  []Range
	Pages  []Page  // parents before children, the NBT's first
	Blocks []Block // by BID
	Nodes  []Node  // by NID
	// Warnings are the damage ndb met walking the intact file.
	Warnings []string

	f        *ndb.File
	trailer  int
	align    int
	idSize   int
	pageAt   map[int64]int
	blockOf  map[ndb.BID]int
	nodeOf   map[ndb.NID]int
	itemMemo map[ndb.NID][]int
}

// ErrNotMapped is returned (wrapped) by NewMap for bytes that are not a
// PST or OST file ndb can open and walk.
var ErrNotMapped = errors.New("damage: not a PST/OST file whose structure can be mapped")

// NewMap opens b, an intact PST or OST file, and records where its
// structures are. Damage in b is tolerated as ndb tolerates it (the
// Warnings say what was skipped); only a header ndb cannot read, or a
// B-tree whose root cannot be read, is an error.
func NewMap(b []byte) (*Map, error) {
	f, err := ndb.Open(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrNotMapped, err)
	}
	h := f.Header()
	m := &Map{Header: h, Size: int64(len(b)), PageSize: f.PageSize(), f: f,
		pageAt: map[int64]int{}, blockOf: map[ndb.BID]int{}, nodeOf: map[ndb.NID]int{}, itemMemo: map[ndb.NID][]int{}}
	switch h.Version {
	case ndb.ANSI:
		m.HeaderSize, m.trailer, m.align, m.idSize = ndb.HeaderSizeANSI, 12, 64, 4
		m.NBTRootRef, m.BBTRootRef = Range{184, 8}, Range{192, 8}
		m.Vital = []Range{{0, 4}, {8, 6}, {184, 16}, {461, 1}}
	case ndb.Unicode:
		m.HeaderSize, m.trailer, m.align, m.idSize = ndb.HeaderSizeUnicode, 16, 64, 8
		m.NBTRootRef, m.BBTRootRef = Range{216, 16}, Range{232, 16}
		m.Vital = []Range{{0, 4}, {8, 6}, {216, 32}, {513, 1}}
	case ndb.OST2013:
		m.HeaderSize, m.trailer, m.align, m.idSize = ndb.HeaderSizeUnicode, 24, 512, 8
		m.NBTRootRef, m.BBTRootRef = Range{216, 16}, Range{232, 16}
		m.Vital = []Range{{0, 4}, {8, 6}, {216, 32}, {513, 1}}
	default:
		return nil, fmt.Errorf("%w: version %v", ErrNotMapped, h.Version)
	}
	if err := m.walk(NBT, h.NBTRoot); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrNotMapped, err)
	}
	if err := m.walk(BBT, h.BBTRoot); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrNotMapped, err)
	}
	sort.Slice(m.Blocks, func(i, j int) bool { return m.Blocks[i].BID < m.Blocks[j].BID })
	for i, bl := range m.Blocks {
		m.blockOf[bl.BID] = i
	}
	sort.Slice(m.Nodes, func(i, j int) bool { return m.Nodes[i].NID < m.Nodes[j].NID })
	for i, n := range m.Nodes {
		m.nodeOf[n.NID] = i
	}
	m.Warnings = append(m.Warnings, f.Warnings()...)
	return m, nil
}

// walk records the pages of one tree, parents before children, and its
// leaf entries. A page that cannot be read costs its subtree (a
// warning); an unreadable root is an error.
func (m *Map) walk(tree Tree, root ndb.BRef) error {
	want := uint8(ndb.PTypeNBT)
	if tree == BBT {
		want = ndb.PTypeBBT
	}
	var visit func(ref ndb.BRef, parent, depth int) error
	visit = func(ref ndb.BRef, parent, depth int) error {
		off := int64(ref.IB)
		if ref.IB > uint64(m.Size) {
			return fmt.Errorf("%v page %v lies outside the file", tree, ref)
		}
		if _, seen := m.pageAt[off]; seen {
			return fmt.Errorf("%v page at 0x%X reached twice", tree, off)
		}
		if depth >= ndb.MaxBTreeDepth {
			return fmt.Errorf("%v deeper than %d levels at 0x%X", tree, ndb.MaxBTreeDepth, off)
		}
		p, err := m.f.ReadPage(off)
		if err != nil {
			return err
		}
		if p.Trailer.PType != want {
			return fmt.Errorf("page at 0x%X has ptype 0x%02X, not a %v page", off, p.Trailer.PType, tree)
		}
		idx := len(m.Pages)
		m.Pages = append(m.Pages, Page{Tree: tree, Level: p.Level, BID: p.Trailer.BID, Offset: off, Size: m.PageSize, Parent: parent, Entries: p.Count})
		m.pageAt[off] = idx
		if p.Level == 0 {
			for i := 0; i < p.Count; i++ {
				if tree == NBT {
					m.Nodes = append(m.Nodes, Node{NodeEntry: p.Node(i), Leaf: idx})
					continue
				}
				e := p.Block(i)
				m.Blocks = append(m.Blocks, Block{BID: e.BID.Key(), Offset: e.Offset, Size: e.Size, Span: m.span(e.Size),
					Internal: e.BID.Internal(), Leaf: idx, RefCount: e.RefCount, InflatedSize: e.InflatedSize})
			}
			return nil
		}
		for i := 0; i < p.Count; i++ {
			e := p.Branch(i)
			if err := visit(e.Ref, idx, depth+1); err != nil {
				m.Warnings = append(m.Warnings, fmt.Sprintf("%v page at 0x%X, entry %d: %v (subtree skipped)", tree, off, i, err))
			}
		}
		return nil
	}
	return visit(root, -1, 0)
}

// span is the bytes a block of cb data bytes occupies on disk.
func (m *Map) span(cb int) int {
	n := cb + m.trailer
	return (n + m.align - 1) / m.align * m.align
}

// File returns the ndb view of the intact file the map was made from.
func (m *Map) File() *ndb.File { return m.f }

// Root returns the index in Pages of a tree's root page, -1 if it has
// none.
func (m *Map) Root(t Tree) int {
	for i, p := range m.Pages {
		if p.Tree == t && p.Parent < 0 {
			return i
		}
	}
	return -1
}

// Depth returns the number of levels of a tree (1 when the root is a
// leaf), 0 when it has no pages.
func (m *Map) Depth(t Tree) int {
	if r := m.Root(t); r >= 0 {
		return m.Pages[r].Level + 1
	}
	return 0
}

// Block returns the block a BID names (its reserved bit ignored).
func (m *Map) Block(bid ndb.BID) (Block, bool) {
	i, ok := m.blockOf[bid.Key()]
	if !ok {
		return Block{}, false
	}
	return m.Blocks[i], true
}

// Node returns the NBT entry of a NID.
func (m *Map) Node(nid ndb.NID) (Node, bool) {
	i, ok := m.nodeOf[nid]
	if !ok {
		return Node{}, false
	}
	return m.Nodes[i], true
}

// Messages returns the NIDs of the NBT's message nodes (normal
// messages: NID type 0x04), in NID order: every item of the store, in a
// folder or orphaned, that a reader should recover.
func (m *Map) Messages() []ndb.NID {
	var out []ndb.NID
	for _, n := range m.Nodes {
		if n.NID.Type() == ndb.NIDTypeNormalMessage {
			out = append(out, n.NID)
		}
	}
	return out
}

// ItemBlocks returns the indices in Blocks of every block a node uses:
// its data tree (XBLOCKs and data blocks), its subnode tree (SLBLOCKs,
// SIBLOCKs) and, recursively, the data and subnode trees of its subnodes
// (recipient and attachment tables, attachments, embedded messages).
// Blocks the BBT does not list are left out.
func (m *Map) ItemBlocks(nid ndb.NID) []int {
	if out, ok := m.itemMemo[nid]; ok {
		return out
	}
	n, ok := m.Node(nid)
	if !ok {
		return nil
	}
	seen := map[ndb.BID]bool{}
	var out []int
	add := func(bid ndb.BID) (Block, bool) {
		if bid == 0 || seen[bid.Key()] {
			return Block{}, false
		}
		seen[bid.Key()] = true
		i, ok := m.blockOf[bid.Key()]
		if !ok {
			return Block{}, false
		}
		out = append(out, i)
		return m.Blocks[i], true
	}
	var data func(bid ndb.BID, depth int)
	data = func(bid ndb.BID, depth int) {
		bl, ok := add(bid)
		if !ok || !bl.Internal || depth > ndb.MaxDataTreeDepth {
			return
		}
		b, err := m.read(bl)
		if err != nil {
			return
		}
		x, err := ndb.ParseXBlock(b, m.idSize)
		if err != nil {
			return
		}
		for _, c := range x.BIDs {
			data(c, depth+1)
		}
	}
	var sub func(bid ndb.BID, depth int)
	sub = func(bid ndb.BID, depth int) {
		bl, ok := add(bid)
		if !ok || !bl.Internal || depth > 2*ndb.MaxSubnodeDepth {
			return
		}
		b, err := m.read(bl)
		if err != nil {
			return
		}
		s, err := ndb.ParseSubnodeBlock(b, m.idSize)
		if err != nil {
			return
		}
		for _, c := range s.Children {
			sub(c.BID, depth+1)
		}
		for _, e := range s.Entries {
			data(e.Data, 0)
			sub(e.Subnodes, depth+1)
		}
	}
	data(n.Data, 0)
	sub(n.Subnodes, 0)
	sort.Ints(out)
	m.itemMemo[nid] = out
	return out
}

func (m *Map) read(bl Block) ([]byte, error) {
	return m.f.ReadBlockEntry(ndb.BlockEntry{BID: bl.BID, Offset: bl.Offset, Size: bl.Size, InflatedSize: bl.InflatedSize})
}

// Hits is what a damage hit in the intact file's structure.
type Hits struct {
	// Header is set when a vital header field changed (Map.Vital).
	Header bool
	Pages  []int // indices in Map.Pages of the pages changed
	Blocks []int // indices in Map.Blocks of the blocks changed
}

// Structural reports whether the damage hit the header's vital fields or
// a B-tree page: damage a reader can only get around by rebuilding the
// B-trees.
func (h Hits) Structural() bool { return h.Header || len(h.Pages) > 0 }

// Hit returns what the changed byte ranges touch.
func (m *Map) Hit(changed []Range) Hits {
	var h Hits
	for _, r := range changed {
		for _, v := range m.Vital {
			if r.overlaps(v) {
				h.Header = true
			}
		}
	}
	for i, p := range m.Pages {
		for _, r := range changed {
			if r.overlaps(p.Range()) {
				h.Pages = append(h.Pages, i)
				break
			}
		}
	}
	for i, bl := range m.Blocks {
		for _, r := range changed {
			if r.overlaps(bl.Range()) {
				h.Blocks = append(h.Blocks, i)
				break
			}
		}
	}
	return h
}

// Describe says what the hits are: "header roots, 1 NBT page (leaf),
// 2 BBT pages, 7 blocks".
func (m *Map) Describe(h Hits) string {
	var parts []string
	if h.Header {
		parts = append(parts, "header")
	}
	for _, t := range []Tree{NBT, BBT} {
		n, leaves, roots := 0, 0, 0
		for _, i := range h.Pages {
			if p := m.Pages[i]; p.Tree == t {
				n++
				if p.Level == 0 {
					leaves++
				}
				if p.Parent < 0 {
					roots++
				}
			}
		}
		if n > 0 {
			s := fmt.Sprintf("%d %v page%s", n, t, plural(n))
			var what []string
			if roots > 0 {
				what = append(what, "root")
			}
			if leaves > 0 {
				what = append(what, fmt.Sprintf("%d leaf", leaves))
			}
			if len(what) > 0 {
				s += " (" + join(what, ", ") + ")"
			}
			parts = append(parts, s)
		}
	}
	if n := len(h.Blocks); n > 0 {
		parts = append(parts, fmt.Sprintf("%d block%s", n, plural(n)))
	}
	if len(parts) == 0 {
		return "no structure hit"
	}
	return "hit " + join(parts, ", ")
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

func join(s []string, sep string) string {
	var b bytes.Buffer
	for i, x := range s {
		if i > 0 {
			b.WriteString(sep)
		}
		b.WriteString(x)
	}
	return b.String()
}

// Expect is how many of a set of items should come back from a damaged
// copy, by what a reader must be able to do to get them.
type Expect struct {
	Items int // the items asked about
	// Untouched are the items whose every block (ItemBlocks) is
	// unchanged: what a reader that rebuilds everything from the blocks
	// can get.
	Untouched map[ndb.NID]bool
	// Findable are the untouched items that can be told apart from the
	// blocks alone: their NBT leaf page is unchanged, or no other item
	// has their data block (some writers give many nodes one data
	// block; with their NBT entries lost, nothing tells which node had
	// it).
	Findable map[ndb.NID]bool
	// Scannable are the untouched items whose NBT entry and BBT entries
	// are in unchanged leaf pages: what a reader that rebuilds the
	// B-trees from the leaf pages it finds can get.
	Scannable map[ndb.NID]bool
	// Reachable are the scannable items reached from the header through
	// unchanged root references and pages: what a reader that only skips
	// damaged pages gets.
	Reachable map[ndb.NID]bool
}

// Expect says which of items (NIDs of the intact file's nodes; others
// are counted in Items only) are untouched, scannable and reachable
// after a damage that hit h.
func (m *Map) Expect(h Hits, items []ndb.NID) Expect {
	e := Expect{Items: len(items), Untouched: map[ndb.NID]bool{}, Findable: map[ndb.NID]bool{}, Scannable: map[ndb.NID]bool{}, Reachable: map[ndb.NID]bool{}}
	dataUse := map[ndb.BID]int{}
	for _, nid := range items {
		if n, ok := m.Node(nid); ok {
			dataUse[n.Data.Key()]++
		}
	}
	hitBlock := map[int]bool{}
	for _, i := range h.Blocks {
		hitBlock[i] = true
	}
	hitPage := map[int]bool{}
	for _, i := range h.Pages {
		hitPage[i] = true
	}
	pathOK := func(page int) bool {
		for p := page; p >= 0; p = m.Pages[p].Parent {
			if hitPage[p] {
				return false
			}
		}
		return true
	}
	for _, nid := range items {
		n, ok := m.Node(nid)
		if !ok {
			continue
		}
		blocks := m.ItemBlocks(nid)
		untouched, leaves, paths := true, !hitPage[n.Leaf], pathOK(n.Leaf)
		for _, i := range blocks {
			if hitBlock[i] {
				untouched = false
			}
			leaf := m.Blocks[i].Leaf
			leaves = leaves && !hitPage[leaf]
			paths = paths && pathOK(leaf)
		}
		if !untouched {
			continue
		}
		e.Untouched[nid] = true
		if !hitPage[n.Leaf] || dataUse[n.Data.Key()] == 1 {
			e.Findable[nid] = true
		}
		if leaves {
			e.Scannable[nid] = true
			if paths && !h.Header {
				e.Reachable[nid] = true
			}
		}
	}
	return e
}
