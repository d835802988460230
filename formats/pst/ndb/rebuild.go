package ndb

import (
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"sort"
)

// Rebuilding the node and block B-trees of a damaged file: the header's
// trees are walked first, and every key range they cannot give (an
// unreadable root, a page that is not where its parent says, a page whose
// CRC fails) is filled from what Scan found: the NBT and BBT leaf pages the
// live trees no longer reach, newest first, and the blocks whose trailers
// are sound. Space the allocation map says is free is never taken for
// live: what is there is old copies and deleted items (deleted.go).

// Origin says where an entry of a recovered File came from.
type Origin string

// Origins.
const (
	// OriginBTree: the header's B-trees lead to it.
	OriginBTree Origin = "btree"
	// OriginScan: found by scanning, in an NBT or BBT page the damaged
	// trees no longer reach or (blocks) by its trailer, and taken as
	// live.
	OriginScan Origin = "scan"
	// OriginDeadEntry: a node entry the live NBT does not have: left past
	// cEnt in a page, or in a page no tree reaches any more (a deleted
	// item, or an older version of one).
	OriginDeadEntry Origin = "dead-entry"
	// OriginFree: a block with a sound trailer that the (rebuilt) BBT
	// does not list: freed space, an old copy.
	OriginFree Origin = "free"
)

// KeyRange is a range of NBT or BBT keys, both ends included.
type KeyRange struct{ Lo, Hi uint64 }

func (k KeyRange) String() string {
	if k.Hi == math.MaxUint64 {
		return fmt.Sprintf("0x%X and above", k.Lo)
	}
	return fmt.Sprintf("0x%X-0x%X", k.Lo, k.Hi)
}

// Recovery reports how OpenRecovered rebuilt a file.
type Recovery struct {
	// HeaderRebuilt: the header could not be read; the variant was told
	// from the structures found and the crypt method from the data
	// blocks.
	HeaderRebuilt bool
	// CryptGuessed: the crypt method used is not the header's (missing,
	// unknown or contradicted by the data blocks).
	CryptGuessed bool
	Crypt        uint8 // the crypt method used
	// LostNBT and LostBBT are the key ranges the header's trees could not
	// give, merged; empty for a sound tree.
	LostNBT, LostBBT []KeyRange
	// What the scan found.
	Pages, MapPages, Blocks, Shadowed int
	// Where the rebuilt trees' entries came from.
	NodesFromBTree, NodesFromScan   int
	BlocksFromBTree, BlocksFromScan int
	// BlocksCorrected counts BBT entries whose offset or size disagreed
	// with every sound trailer of the block, replaced by a sound copy.
	BlocksCorrected int
	// FreeBlocks counts the blocks with sound trailers the BBT does not
	// list (one per BID); DeletedNodes the dead node entries whose data
	// can be read.
	FreeBlocks, DeletedNodes int
	// Notes lists every structure taken from the scan, with its offset
	// (at most MaxRecoveryNotes, then a count).
	Notes []string
}

// MaxRecoveryNotes bounds Recovery.Notes; a few of them also go to
// Warnings (maxRecoveryWarnings), leaving room for the damage met later.
const (
	MaxRecoveryNotes    = 10000
	maxRecoveryWarnings = 50
)

// recNode is an entry of the rebuilt NBT (recBlock, of the BBT, is in
// bbt.go).
type recNode struct {
	NodeEntry
	fromScan bool
}

func (n recNode) origin() Origin {
	if n.fromScan {
		return OriginScan
	}
	return OriginBTree
}

// recovery is what a File opened by OpenRecovered reads its trees from.
type recovery struct {
	idx    *Index
	nodes  []recNode // by NID
	blocks blockTable
	// sound: the header's trees are sound and used as they are (sound.go);
	// nodes and blocks are empty, idx holds only what the trees do not
	// list, inBBT the BBT's BIDs
	sound    bool
	inBBT    bidSet
	liveLeaf map[int64]bool
	deleted  []DeletedNode
	report   Recovery
	notes    int // notes dropped past MaxRecoveryNotes
}

func (rc *recovery) note(format string, args ...any) {
	if len(rc.report.Notes) >= MaxRecoveryNotes {
		rc.notes++
		return
	}
	rc.report.Notes = append(rc.report.Notes, fmt.Sprintf(format, args...))
}

func (rc *recovery) node(nid NID) (NodeEntry, bool) {
	i := sort.Search(len(rc.nodes), func(i int) bool { return rc.nodes[i].NID >= nid })
	if i < len(rc.nodes) && rc.nodes[i].NID == nid {
		return rc.nodes[i].NodeEntry, true
	}
	return NodeEntry{}, false
}

// block returns the rebuilt BBT's entry for a block or, when it has
// none, the best sound copy the scan found (a freed block).
func (rc *recovery) block(key BID) (BlockEntry, Origin, bool) {
	if b, ok := rc.blocks.find(key); ok {
		return rc.blocks.entry(b), rc.blocks.origin(b), true
	}
	if c := rc.idx.copies(key); len(c) > 0 {
		return rc.idx.Blocks[rc.idx.pickCopy(c)].Entry(), OriginFree, true
	}
	return BlockEntry{}, "", false
}

// OpenRecovered opens a file for recovery: the header (or, when it is
// unreadable, what the structures say), the B-trees as far as they are
// sound, and a scan of the whole file (Scan) that fills in what the trees
// cannot give and finds deleted items. Node, Block, WalkNodes, WalkBlocks,
// Data and Subnodes then read the rebuilt trees; Block also finds blocks
// the BBT no longer lists (freed, old copies) so that DeletedNodes can be
// read. On a sound file the rebuilt trees are the header's. Where each
// entry came from: Origin, BlockOrigin; how: Recovery and Warnings.
func OpenRecovered(r io.ReaderAt, size int64) (*File, error) {
	return OpenRecoveredOptions(r, size, ScanOptions{})
}

// OpenRecoveredOptions is OpenRecovered with scan options.
func OpenRecoveredOptions(r io.ReaderAt, size int64, opt ScanOptions) (*File, error) {
	if size < 0 {
		return nil, fmt.Errorf("ndb: negative size %d", size)
	}
	f, openErr := Open(r, size)
	rc := &recovery{liveLeaf: map[int64]bool{}}
	if openErr == nil && !f.hdr.CRCPartialOK {
		// a damaged header may name the wrong variant: the structures
		// tell
		if v := detectVersion(r, size); v != 0 && v != f.hdr.Version {
			openErr = fmt.Errorf("its CRC fails and its wVer %d (%s) is not the variant of the pages and blocks the file holds", f.hdr.WVer, f.hdr.Version)
			opt.Version = v
		}
	} else if openErr != nil {
		if !errors.Is(openErr, ErrNotPST) && !errors.Is(openErr, ErrVersion) && !errors.Is(openErr, ErrFormat) {
			return nil, openErr
		}
		opt.Version = 0
	}
	if openErr != nil {
		idx, err := Scan(r, size, opt)
		if err != nil {
			if errors.Is(err, ErrNotPST) {
				return nil, openErr
			}
			return nil, err
		}
		if len(idx.Pages) == 0 && len(idx.Blocks) == 0 {
			return nil, openErr
		}
		v := idx.Version
		h := Header{Version: v, WVer: map[Version]uint16{ANSI: 14, Unicode: 23, OST2013: 36}[v], Client: "SM", Sentinel: 0x80, FileSize: uint64(size)}
		if v == OST2013 {
			h.Client = "SO"
		}
		f = &File{r: r, size: size, hdr: h, lay: layouts[v], warnSeen: map[string]bool{}, pages: map[int64]*BTPage{}}
		f.warnf("HEADER at offset 0x0: unreadable (%v); read as %s, the variant whose pages and blocks the file holds (%d pages, %d blocks found), its B-trees rebuilt from them", openErr, v, len(idx.Pages), len(idx.Blocks))
		rc.idx = idx
		rc.report.HeaderRebuilt = true
	} else {
		if ok, err := f.openSound(r, size, opt, rc); ok {
			if err != nil {
				return nil, err
			}
			return f, nil
		}
		opt.Version = f.hdr.Version
		idx, err := Scan(r, size, opt)
		if err != nil {
			return nil, err
		}
		rc.idx = idx
	}
	idx := rc.idx
	rc.blocks.idx = idx
	rc.report.Pages, rc.report.MapPages, rc.report.Blocks, rc.report.Shadowed = len(idx.Pages), len(idx.Maps), len(idx.Blocks), idx.Shadowed
	f.checkCrypt(rc)

	// the trees, as far as the header's roots lead, then the rest
	nbt := f.walkLive(f.hdr.NBTRoot, PTypeNBT, rc)
	bbt := f.walkLive(f.hdr.BBTRoot, PTypeBBT, rc)
	f.rebuildBBT(rc, bbt)
	f.rebuildNBT(rc, nbt)
	rc.report.FreeBlocks = rc.countFree()
	f.rec = rc
	f.findDeleted(rc)

	// report
	rep := &rc.report
	for _, n := range rc.nodes {
		if n.fromScan {
			rep.NodesFromScan++
		} else {
			rep.NodesFromBTree++
		}
	}
	for _, b := range rc.blocks.list {
		if b.fromScan {
			rep.BlocksFromScan++
		} else {
			rep.BlocksFromBTree++
		}
	}
	rep.DeletedNodes = len(rc.deleted)
	if rc.notes > 0 {
		rep.Notes = append(rep.Notes, fmt.Sprintf("... and %d more", rc.notes))
	}
	if len(rep.LostNBT) > 0 || len(rep.LostBBT) > 0 || rep.HeaderRebuilt || rep.BlocksCorrected > 0 {
		f.warnf("recovery: the header's B-trees could not give NBT keys %s and BBT keys %s; rebuilt from a scan of the file: %d nodes and %d blocks taken from the scan (%d pages, %d blocks with sound trailers found), %d BBT entries corrected",
			rangesString(rep.LostNBT), rangesString(rep.LostBBT), rep.NodesFromScan, rep.BlocksFromScan, rep.Pages, rep.Blocks, rep.BlocksCorrected)
		for i, n := range rep.Notes {
			if i >= maxRecoveryWarnings {
				f.warnf("recovery: ... and %d more structures taken from the scan (Recovery().Notes lists them)", len(rep.Notes)-i)
				break
			}
			f.warn("recovery: " + n)
		}
	}
	return f, nil
}

func rangesString(rs []KeyRange) string {
	if len(rs) == 0 {
		return "none"
	}
	var s string
	for i, r := range rs {
		if i == 8 {
			s += fmt.Sprintf(", ... (%d ranges)", len(rs))
			break
		}
		if i > 0 {
			s += ", "
		}
		s += r.String()
	}
	return s
}

// Recovery returns how the file was rebuilt; nil for a File from Open.
func (f *File) Recovery() *Recovery {
	if f.rec == nil {
		return nil
	}
	r := f.rec.report
	r.Notes = slices.Clone(r.Notes)
	return &r
}

// ScanIndex returns what the scan found; nil for a File from Open.
func (f *File) ScanIndex() *Index {
	if f.rec == nil {
		return nil
	}
	return f.rec.idx
}

// Origin says where a node of a recovered file came from: OriginBTree,
// OriginScan, OriginDeadEntry (only dead entries have the NID: see
// DeletedNodes), or "" when the file has no such node. A File from Open
// answers OriginBTree for the nodes its NBT has.
func (f *File) Origin(nid NID) Origin {
	switch {
	case f.rec == nil || f.rec.sound:
		if _, err := f.Node(nid); err == nil {
			return OriginBTree
		}
		if f.rec == nil {
			return ""
		}
	default:
		i := sort.Search(len(f.rec.nodes), func(i int) bool { return f.rec.nodes[i].NID >= nid })
		if i < len(f.rec.nodes) && f.rec.nodes[i].NID == nid {
			return f.rec.nodes[i].origin()
		}
	}
	j := sort.Search(len(f.rec.deleted), func(i int) bool { return f.rec.deleted[i].NID >= nid })
	if j < len(f.rec.deleted) && f.rec.deleted[j].NID == nid {
		return OriginDeadEntry
	}
	return ""
}

// BlockOrigin says where the block Block returns for bid came from:
// OriginBTree, OriginScan, OriginFree, or "" when there is none.
func (f *File) BlockOrigin(bid BID) Origin {
	if f.rec == nil {
		if _, err := f.Block(bid); err == nil {
			return OriginBTree
		}
		return ""
	}
	if f.rec.sound && f.rec.inBBT.has(bid) {
		if _, err := f.treeBlock(bid); err == nil {
			return OriginBTree
		}
	}
	_, o, _ := f.rec.block(bid.Key())
	return o
}

// BlockCopies returns every copy of a block the scan found with a sound
// trailer, by offset: the one Block returns and any old ones. Nil for a
// File from Open.
func (f *File) BlockCopies(bid BID) []ScannedBlock {
	if f.rec == nil {
		return nil
	}
	return f.rec.idx.BlocksOf(bid)
}

// checkCrypt guesses the crypt method from the data blocks when the
// header cannot be trusted for it: rebuilt, an unknown method, or a
// header CRC mismatch with blocks that clearly say otherwise.
func (f *File) checkCrypt(rc *recovery) {
	h := &f.hdr
	known := h.Crypt == CryptNone || h.Crypt == CryptPermute || h.Crypt == CryptCyclic
	if known && h.CRCPartialOK && h.CRCFullOK && !rc.report.HeaderRebuilt {
		rc.report.Crypt = h.Crypt
		return
	}
	guess, hits, samples := guessCrypt(f.r, rc.idx)
	switch {
	case rc.report.HeaderRebuilt || !known:
		if hits[guess] > 0 {
			f.warnf("HEADER: crypt method taken as %d from the data blocks (%d of %d sampled heap blocks decode to a heap header with it)", guess, hits[guess], samples)
			h.Crypt = guess
			rc.report.CryptGuessed = true
		} else if !known {
			f.warnf("HEADER: crypt method 0x%02X unknown and not told by the data blocks; read as stored", h.Crypt)
		}
	case guess != h.Crypt && hits[guess] >= 4 && hits[guess] > 2*hits[h.Crypt]:
		f.warnf("HEADER: the header's CRC fails and its crypt method %d decodes %d of %d sampled heap blocks, method %d decodes %d: %d used", h.Crypt, hits[h.Crypt], samples, guess, hits[guess], guess)
		h.Crypt = guess
		rc.report.CryptGuessed = true
	}
	rc.report.Crypt = h.Crypt
}

// guessCrypt decodes the first bytes of up to 256 data blocks with each
// method and counts the heap-on-node headers (HNHDR: bSig 0xEC and a
// known bClientSig, MS-PST 2.3.1.2) each gives.
func guessCrypt(r io.ReaderAt, idx *Index) (best uint8, hits [3]int, samples int) {
	var cand []ScannedBlock
	for _, b := range idx.Blocks {
		if b.Kind == KindData && b.Size >= 4 && b.Size == b.Inflated {
			cand = append(cand, b)
		}
	}
	step := max(1, len(cand)/256)
	var buf [4]byte
	for i := 0; i < len(cand); i += step {
		b := cand[i]
		if n, _ := r.ReadAt(buf[:], b.Offset); n < 4 {
			continue
		}
		samples++
		for m := uint8(0); m < 3; m++ {
			d := buf
			Decode(d[:], m, b.BID)
			if d[2] == 0xEC {
				switch d[3] {
				case 0x6C, 0x7C, 0x8C, 0x9C, 0xA5, 0xAC, 0xB5, 0xBC, 0xCC:
					hits[m]++
				}
			}
		}
	}
	for m := uint8(1); m < 3; m++ {
		if hits[m] > hits[best] {
			best = m
		}
	}
	return best, hits, samples
}

// liveTree is what walking a tree from the header's root gave.
type liveTree struct {
	ptype uint8
	lost  []KeyRange // key ranges that could not be read, or only from damaged pages
	sound []KeyRange // [first, last] key of each sound leaf page reached
	nodes []recNode
	blks  []recBlock
	// count mode (a sound file's check): entries counted, not kept; the
	// BBT's BIDs set in rc.inBBT
	count      bool
	entries    int
	disordered bool // a branch page's keys out of order
	tooMany    bool // a BID past what rc.inBBT may hold
}

// walkLive walks a tree from its root, keeping every leaf entry it reaches
// and the key ranges it cannot give.
func (f *File) walkLive(root BRef, ptype uint8, rc *recovery) *liveTree {
	return f.walkTree(root, ptype, rc, false)
}

// walkTree is walkLive; with count set it keeps no entries but counts
// them and sets the BBT's in rc.inBBT.
func (f *File) walkTree(root BRef, ptype uint8, rc *recovery, count bool) *liveTree {
	lt := &liveTree{ptype: ptype, count: count}
	if ptype == PTypeBBT && !count {
		// about one entry a scanned block: sized at once, since growing
		// it by appending would take twice its memory for a large file
		lt.blks = make([]recBlock, 0, len(rc.idx.Blocks))
	}
	tree := treeName(ptype)
	visited := map[int64]bool{}
	fail := func(lo, hi uint64, format string, args ...any) {
		lt.lost = append(lt.lost, KeyRange{lo, hi})
		f.warnf("%s; keys %s recovered by scanning", fmt.Sprintf(format, args...), KeyRange{lo, hi})
	}
	var visit func(ref BRef, lo, hi uint64, parent *BTPage, depth int)
	visit = func(ref BRef, lo, hi uint64, parent *BTPage, depth int) {
		off := offsetOf(ref.IB)
		where := "the header's root"
		if parent != nil {
			where = fmt.Sprintf("the page at 0x%X", parent.Offset)
		}
		if visited[off] {
			fail(lo, hi, "%s page at offset 0x%X (bid %v): reached twice (B-tree loop) from %s", tree, off, ref.BID, where)
			return
		}
		visited[off] = true
		if depth >= MaxBTreeDepth {
			fail(lo, hi, "%s page at offset 0x%X (bid %v): deeper than %d levels, from %s", tree, off, ref.BID, MaxBTreeDepth, where)
			return
		}
		p, err := f.readPage(ref, ptype)
		if err != nil {
			fail(lo, hi, "%v (from %s)", err, where)
			return
		}
		if p.Trailer.BID != ref.BID {
			fail(lo, hi, "%s page at offset 0x%X: trailer bid %v, %s says %v: not the page it names", tree, off, p.Trailer.BID, where, ref.BID)
			return
		}
		if parent != nil && p.Level >= parent.Level {
			fail(lo, hi, "%s page at offset 0x%X (bid %v): level %d under the level-%d page at 0x%X", tree, off, ref.BID, p.Level, parent.Level, parent.Offset)
			return
		}
		damaged := !p.CRCOK || !p.SigOK
		if p.Level == 0 {
			rc.liveLeaf[off] = true
			for i := 0; i < p.Count && lt.count; i++ {
				lt.entries++
				if ptype == PTypeBBT && !rc.inBBT.set(p.Block(i).BID) {
					lt.tooMany = true
				}
			}
			for i := 0; i < p.Count && !lt.count; i++ {
				if ptype == PTypeNBT {
					lt.nodes = append(lt.nodes, recNode{NodeEntry: p.Node(i)})
				} else {
					lt.blks = append(lt.blks, rc.blocks.fromEntry(p.Block(i), false))
				}
			}
			if damaged {
				// its entries are kept; what it lacks may be found
				lt.lost = append(lt.lost, KeyRange{lo, hi})
			} else if p.Count > 0 {
				lt.sound = append(lt.sound, KeyRange{p.key(0), p.key(p.Count - 1)})
			}
			return
		}
		// child i holds keys from its btkey up to the next one's; keys
		// out of order (damage) give every child the whole range
		ordered := true
		for i := 1; i < p.Count; i++ {
			if p.key(i) <= p.key(i-1) {
				ordered = false
				lt.disordered = true
			}
		}
		for i := 0; i < p.Count; i++ {
			clo, chi := lo, hi
			if ordered {
				if i > 0 {
					clo = max(lo, p.key(i))
				}
				if i+1 < p.Count && p.key(i+1) > 0 {
					chi = min(hi, p.key(i+1)-1)
				}
				if clo > chi {
					continue
				}
			}
			visit(p.Branch(i).Ref, clo, chi, p, depth+1)
		}
	}
	visit(root, 0, math.MaxUint64, nil, 0)
	if cap(lt.blks) > len(lt.blks)+len(lt.blks)/4+1024 {
		lt.blks = slices.Clone(lt.blks)
	}
	lt.lost = mergeRanges(lt.lost)
	lt.sound = mergeRanges(lt.sound)
	return lt
}

// mergeRanges sorts and merges overlapping or adjacent ranges.
func mergeRanges(rs []KeyRange) []KeyRange {
	if len(rs) == 0 {
		return nil
	}
	rs = slices.Clone(rs)
	slices.SortFunc(rs, func(a, b KeyRange) int { return cmpInt(a.Lo, b.Lo) })
	out := rs[:1]
	for _, r := range rs[1:] {
		last := &out[len(out)-1]
		if r.Lo <= last.Hi || last.Hi != math.MaxUint64 && r.Lo == last.Hi+1 {
			last.Hi = max(last.Hi, r.Hi)
			continue
		}
		out = append(out, r)
	}
	return out
}

// inRanges reports whether k lies in one of the merged ranges rs.
func inRanges(rs []KeyRange, k uint64) bool {
	i := sort.Search(len(rs), func(i int) bool { return rs[i].Hi >= k })
	return i < len(rs) && rs[i].Lo <= k
}

// overlaps reports whether [lo, hi] meets one of the merged ranges rs.
func overlaps(rs []KeyRange, lo, hi uint64) bool {
	i := sort.Search(len(rs), func(i int) bool { return rs[i].Hi >= lo })
	return i < len(rs) && rs[i].Lo <= hi
}

// allocRank orders scanned structures for taking as live: allocated
// first, then unknown; freed space never.
func allocRank(a Alloc) int {
	switch a {
	case AllocUsed:
		return 0
	case AllocUnknown:
		return 1
	}
	return 2
}

// candidatePages returns the scanned leaf pages of a tree that no live
// walk reached, that are not in freed space and whose keys meet the lost
// ranges: sound CRCs first, allocated first, newest (highest BID) first.
func (rc *recovery) candidatePages(ptype uint8, lost []KeyRange) []ScannedPage {
	var out []ScannedPage
	for _, p := range rc.idx.Pages {
		if p.PType != ptype || p.Level != 0 || p.Count == 0 || !p.SigOK || rc.liveLeaf[p.Offset] || allocRank(p.Alloc) > 1 {
			continue
		}
		if !overlaps(lost, p.MinKey, max(p.MinKey, p.MaxKey)) {
			continue
		}
		out = append(out, p)
	}
	slices.SortStableFunc(out, func(a, b ScannedPage) int {
		if a.CRCOK != b.CRCOK {
			if a.CRCOK {
				return -1
			}
			return 1
		}
		if c := cmpInt(allocRank(a.Alloc), allocRank(b.Alloc)); c != 0 {
			return c
		}
		return cmpInt(b.BID, a.BID)
	})
	return out
}

// keyed is what the rebuilt trees hold: entries with a key.
type keyed interface{ key() uint64 }

func (n recNode) key() uint64 { return uint64(n.NID) }

// treeSet collects the entries of a rebuilt tree: the live ones sorted,
// then the ones added from the scan, kept apart until done so that a
// lookup needs no map over the whole tree.
type treeSet[T keyed] struct {
	live  []T
	added map[uint64]T
}

// newTreeSet sorts the live entries by key, the first of duplicates kept
// (dup is called for the others).
func newTreeSet[T keyed](live []T, dup func(T)) *treeSet[T] {
	slices.SortStableFunc(live, func(a, b T) int { return cmpInt(a.key(), b.key()) })
	out := live[:0]
	for i, e := range live {
		if i > 0 && e.key() == live[i-1].key() {
			dup(e)
			continue
		}
		out = append(out, e)
	}
	return &treeSet[T]{live: out, added: map[uint64]T{}}
}

func (s *treeSet[T]) has(k uint64) bool {
	if _, ok := s.added[k]; ok {
		return true
	}
	i := sort.Search(len(s.live), func(i int) bool { return s.live[i].key() >= k })
	return i < len(s.live) && s.live[i].key() == k
}

// add adds an entry unless its key is there.
func (s *treeSet[T]) add(e T) bool {
	if s.has(e.key()) {
		return false
	}
	s.added[e.key()] = e
	return true
}

// all returns every entry by key.
func (s *treeSet[T]) all() []T {
	out := s.live
	for _, e := range s.added {
		out = append(out, e)
	}
	slices.SortFunc(out, func(a, b T) int { return cmpInt(a.key(), b.key()) })
	return out
}

// rebuildBBT makes the block index: the live BBT's entries, checked
// against the blocks' own trailers; for the lost key ranges, the entries
// of the BBT pages found by scanning, then the blocks found by scanning.
func (f *File) rebuildBBT(rc *recovery, lt *liveTree) {
	idx := rc.idx
	t := &rc.blocks
	rc.report.LostBBT = lt.lost
	t.list = t.sortDedupe(lt.blks, func(b recBlock) {
		e := t.entry(b)
		f.warnf("BBT page at offset 0x%X: block %v listed twice; the first kept", e.PageOffset, e.BID)
	})
	lt.blks = nil
	added := map[BID]recBlock{}
	has := func(k BID) bool {
		if _, ok := added[k]; ok {
			return true
		}
		_, ok := t.find(k)
		return ok
	}
	add := func(b recBlock) bool {
		k := t.bid(b).Key()
		if has(k) {
			return false
		}
		added[k] = b
		return true
	}
	if len(lt.lost) > 0 {
		covered := lt.sound
		for _, p := range rc.candidatePages(PTypeBBT, lt.lost) {
			b, err := f.readAt(p.Offset, f.lay.pageSize, "BBT page")
			if err != nil {
				continue
			}
			bp, _, err := parseBTPage(b, p.Offset, f.lay)
			if err != nil {
				continue
			}
			over := overlaps(covered, p.MinKey, max(p.MinKey, p.MaxKey))
			n := 0
			for i := 0; i < bp.Count; i++ {
				e := bp.Block(i)
				k := uint64(e.BID.Key())
				if !inRanges(lt.lost, k) || over && inRanges(covered, k) || has(e.BID.Key()) {
					continue
				}
				if add(t.fromEntry(e, true)) {
					n++
				}
			}
			if n > 0 {
				rc.liveLeaf[p.Offset] = true
				rc.note("BBT leaf page at offset 0x%X (bid %v, %s%s): %d block entries, keys 0x%X-0x%X", p.Offset, p.BID, p.Alloc, crcNote(p), n, p.MinKey, p.MaxKey)
			}
			if !over {
				covered = mergeRanges(append(covered, KeyRange{p.MinKey, max(p.MinKey, p.MaxKey)}))
			}
		}
		// blocks no BBT page found lists: from their trailers
		for _, i := range idx.byBID {
			sb := idx.Blocks[i]
			k := uint64(sb.BID.Key())
			if !inRanges(lt.lost, k) || inRanges(lt.sound, k) || allocRank(sb.Alloc) > 1 || has(sb.BID.Key()) {
				continue
			}
			ci := idx.pickCopy(idx.copies(sb.BID))
			c := idx.Blocks[ci]
			if allocRank(c.Alloc) > 1 {
				continue
			}
			add(fromScanned(ci))
			rc.note("%s at offset 0x%X (bid %v, cb %d, %s): from its trailer", c.Kind, c.Offset, c.BID, c.Size, c.Alloc)
		}
	}
	if len(added) > 0 {
		list := slices.Grow(t.list, len(added))
		for _, b := range added {
			list = append(list, b)
		}
		slices.SortFunc(list, func(a, b recBlock) int { return cmpInt(t.key(a), t.key(b)) })
		t.list = list
	}
	// every entry checked against the trailers found: an entry whose
	// offset holds no sound copy of its block, when one exists elsewhere,
	// is damaged (the compact entries are sound copies)
	for i := range t.list {
		b := &t.list[i]
		if b.ref >= 0 {
			continue
		}
		x := &t.ext[-1-b.ref]
		copies := idx.copies(x.bid)
		if len(copies) == 0 {
			continue
		}
		at := int32(-1)
		for _, c := range copies {
			if idx.Blocks[c].Offset == x.off {
				at = c
			}
		}
		switch {
		case at < 0:
			c := idx.Blocks[idx.pickCopy(copies)]
			f.warnf("BBT entry of block %v (page at 0x%X): offset 0x%X holds no sound copy of it; the copy at 0x%X (cb %d, %s) used", x.bid, x.pageOff, x.off, c.Offset, c.Size, c.Alloc)
			rc.note("block %v at offset 0x%X: from its trailer, in place of the BBT's offset 0x%X", x.bid, c.Offset, x.off)
			x.off, x.size, x.inflate, b.fromScan = c.Offset, c.Size, c.Inflated, true
			rc.report.BlocksCorrected++
		case idx.Blocks[at].Size != x.size || f.lay.blockTrailer == 24 && idx.Blocks[at].Inflated != x.inflate:
			c := idx.Blocks[at]
			f.warnf("BBT entry of block %v (page at 0x%X): cb %d, the block's trailer at 0x%X says %d; the trailer's used", x.bid, x.pageOff, x.size, x.off, c.Size)
			x.size, x.inflate, b.fromScan = c.Size, c.Inflated, true
			rc.report.BlocksCorrected++
		}
	}
}

func crcNote(p ScannedPage) string {
	if p.CRCOK {
		return ""
	}
	return ", CRC mismatch"
}

// rebuildNBT makes the node index: the live NBT's entries, and for the
// lost key ranges those of the NBT leaf pages found by scanning.
func (f *File) rebuildNBT(rc *recovery, lt *liveTree) {
	idx := rc.idx
	rc.report.LostNBT = lt.lost
	set := newTreeSet(lt.nodes, func(n recNode) {
		f.warnf("NBT page at offset 0x%X: node %v listed twice; the first kept", n.Offset, n.NID)
	})
	lt.nodes = nil
	if len(lt.lost) > 0 {
		covered := lt.sound
		for _, p := range rc.candidatePages(PTypeNBT, lt.lost) {
			over := overlaps(covered, p.MinKey, max(p.MinKey, p.MaxKey))
			n := 0
			i := sort.Search(len(idx.Nodes), func(i int) bool { return idx.Nodes[i].Offset >= p.Offset })
			for ; i < len(idx.Nodes) && idx.Nodes[i].Offset == p.Offset; i++ {
				sn := idx.Nodes[i]
				k := uint64(sn.NID)
				if sn.Dead || !inRanges(lt.lost, k) || over && inRanges(covered, k) {
					continue
				}
				if set.add(recNode{sn.NodeEntry, true}) {
					n++
				}
			}
			if n > 0 {
				rc.liveLeaf[p.Offset] = true
				rc.note("NBT leaf page at offset 0x%X (bid %v, %s%s): %d node entries, NIDs 0x%X-0x%X", p.Offset, p.BID, p.Alloc, crcNote(p), n, p.MinKey, p.MaxKey)
			}
			if !over {
				covered = mergeRanges(append(covered, KeyRange{p.MinKey, max(p.MinKey, p.MaxKey)}))
			}
		}
	}
	rc.nodes = set.all()
}

// countFree counts the BIDs the rebuilt BBT does not list of which the
// scan found a sound copy: the blocks Block finds in freed space. Both
// lists are in key order.
func (rc *recovery) countFree() int {
	idx, t := rc.idx, &rc.blocks
	n, j := 0, 0
	for i := 0; i < len(idx.byBID); {
		key := idx.Blocks[idx.byBID[i]].BID.Key()
		for i < len(idx.byBID) && idx.Blocks[idx.byBID[i]].BID.Key() == key {
			i++
		}
		for j < len(t.list) && t.bid(t.list[j]).Key() < key {
			j++
		}
		if j == len(t.list) || t.bid(t.list[j]).Key() != key {
			n++
		}
	}
	return n
}
