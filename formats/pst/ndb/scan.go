package ndb

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"runtime"
	"slices"
	"sort"
	"sync"
	"sync/atomic"
)

// Scanning (recovery): every page and block of a file found by its
// trailer alone, whatever the header and the B-trees say. MS-PST makes
// this possible: a page's trailer (PAGETRAILER, 2.2.2.7.1) names its type
// twice, and a B-tree page's wSig is computed from its own file offset
// and BID (5.5); a block's trailer (BLOCKTRAILER, 2.2.2.8.1) sits at the
// end of its 64-byte aligned span (512 in OST 2013) and carries cb, a wSig
// computed from the block's offset and BID, and a CRC of its data. A
// 16-bit signature that must match the offset the structure is found at,
// and a 32-bit CRC, make false finds in random bytes negligible; the
// scanner trusts neither cb nor cEnt before checking them against what
// the layout allows.
//
// The allocation maps tell freed space from space in use (AMap, 2.2.2.7.2:
// one bit per 64 bytes, 512 in OST 2013, whose layout libyal's PFF notes
// give; PMap, 2.2.2.7.3: one bit per 512-byte page, which older files
// still use for pages): a structure in freed space is what Outlook left
// behind when it wrote a new copy or deleted an item.

// ScanOptions tune Scan.
type ScanOptions struct {
	// Version forces the file variant; 0 takes it from the header, or,
	// when the header is unreadable, from the structures the file holds.
	Version Version
	// Workers is how many chunks are scanned at once; 0 means GOMAXPROCS.
	Workers int
	// Progress, when set, is called after each chunk with the bytes
	// scanned so far and the total (from the scanning goroutines, at most
	// one call at a time).
	Progress func(done, total int64)

	// general makes OpenRecovered rebuild the trees of a sound file too
	// (tests compare the two ways)
	general bool
}

// Alloc is what the allocation map says about the bytes of a structure.
type Alloc uint8

// Allocation states.
const (
	// AllocUnknown: no sound AMap page covers the bytes (damaged, missing,
	// or the header says the maps are not valid).
	AllocUnknown Alloc = iota
	// AllocUsed: every bit set; the space is in use.
	AllocUsed
	// AllocFree: every bit clear; the space was freed and not reused.
	AllocFree
	// AllocMixed: some bits set and some clear: freed and partly reused.
	AllocMixed
)

func (a Alloc) String() string {
	switch a {
	case AllocUsed:
		return "allocated"
	case AllocFree:
		return "free"
	case AllocMixed:
		return "partly reused"
	}
	return "allocation unknown"
}

// BlockKind is what a scanned block holds, from its BID and first bytes.
type BlockKind uint8

// Block kinds.
const (
	KindData     BlockKind = iota // a data block (encoded per bCryptMethod)
	KindXBlock                    // XBLOCK: data tree, cLevel 1
	KindXXBlock                   // XXBLOCK: data tree, cLevel 2
	KindSLBlock                   // SLBLOCK: subnode leaf
	KindSIBlock                   // SIBLOCK: subnode branch
	KindInternal                  // internal BID, content not recognized
)

func (k BlockKind) String() string {
	return [...]string{"data block", "XBLOCK", "XXBLOCK", "SLBLOCK", "SIBLOCK", "internal block"}[min(int(k), 5)]
}

// ScannedBlock is a block found by its trailer: the trailer's signature
// matches the offset and the CRC matches the data.
type ScannedBlock struct {
	Offset   int64
	BID      BID
	Size     uint16 // cb, as the trailer says
	Inflated uint16 // OST 2013: the trailer's inflated size; Size otherwise
	Kind     BlockKind
	Alloc    Alloc
}

// span returns the bytes the block occupies on disk.
func (b ScannedBlock) span(lay layout) int64 { return int64(lay.blockSpan(int(b.Size))) }

// Entry returns the block as a BBT entry would describe it (RefCount 0:
// unknown; PageOffset -1: no BBT page lists it).
func (b ScannedBlock) Entry() BlockEntry {
	return BlockEntry{BID: b.BID, Offset: b.Offset, Size: int(b.Size), InflatedSize: int(b.Inflated), PageOffset: -1}
}

// ScannedPage is a B-tree page (ptype BBT or NBT) or an allocation-map
// page (AMap, PMap, FMap, FPMap, DList) found by its trailer.
type ScannedPage struct {
	Offset int64
	BID    BID
	PType  uint8
	Level  uint8  // B-tree pages: cLevel
	Count  uint16 // B-tree pages: cEnt
	Max    uint16 // B-tree pages: cEntMax
	// CRCOK and SigOK say whether the trailer's dwCRC and wSig match (for
	// map pages, SigOK says whether the BID is the page's offset, as
	// MS-PST requires of them).
	CRCOK, SigOK bool
	Alloc        Alloc
	// MinKey and MaxKey are the first and last keys of the cEnt entries
	// (NIDs in the NBT, BIDs in the BBT), for B-tree pages.
	MinKey, MaxKey uint64
}

// ScannedNode is an NBT leaf entry found in a scanned page: one of its
// cEnt entries, or a slot past cEnt (Dead) still holding an entry.
type ScannedNode struct {
	NodeEntry       // Offset is the page's
	Page      int32 // index in Index.Pages
	Slot      uint16
	Dead      bool // at or past cEnt: no longer part of the page
}

// Index is what Scan found, each list in file order.
type Index struct {
	Version Version
	Size    int64
	// AMapTrusted is false when the header says the allocation maps are
	// not valid (fAMapValid 0); Alloc is then AllocUnknown throughout.
	AMapTrusted bool
	Pages       []ScannedPage  // B-tree pages
	Maps        []ScannedPage  // AMap, PMap, FMap, FPMap and DList pages
	Blocks      []ScannedBlock // blocks with sound trailers
	Nodes       []ScannedNode  // NBT leaf entries of Pages, dead slots too
	// Shadowed counts page trailers found inside a sound block's data (an
	// attached PST file, say): not pages of this file, left out.
	Shadowed int

	lay    layout
	byBID  []int32 // Blocks indices sorted by BID key, then offset
	byPage map[int64]int32
	found  int // blocks with sound trailers found, in Blocks or not
	// B-tree pages found, in Pages or not
	pagesFound int
}

// Scan walks the whole file once, at every page-aligned offset for pages
// and every block-aligned end for block trailers, and returns what it
// found. It reads through r in chunks (Workers at a time), keeping only
// compact entries. Errors: ErrNotPST when neither the header nor the
// structures say what the file is; read errors other than io.EOF.
func Scan(r io.ReaderAt, size int64, opt ScanOptions) (*Index, error) {
	idx, _, err := scan(r, size, opt, nil)
	return idx, err
}

// scan is Scan, keeping what flt lets through (everything when nil); it
// also returns how many blocks with sound trailers it found, kept or not.
func scan(r io.ReaderAt, size int64, opt ScanOptions, flt *scanFilter) (*Index, int, error) {
	if size < 0 {
		return nil, 0, fmt.Errorf("ndb: negative size %d", size)
	}
	v := opt.Version
	trusted := true
	lim := idLimits{block: 1 << 32, page: 1 << 32}
	if h, err := readHeader(r, size); err == nil {
		if v == 0 {
			v = h.Version
		}
		trusted = h.AMapValid != 0
		if h.CRCPartialOK && h.CRCFullOK {
			// a writer that crashed may have written a little past what
			// its header says
			if h.NextBID > 0 {
				lim.block = max(lim.block, h.NextBID+1<<20)
			}
			if h.NextPage > 0 {
				lim.page = max(lim.page, h.NextPage+1<<20)
			}
		}
	}
	if v == 0 {
		v = detectVersion(r, size)
		if v == 0 {
			return nil, 0, fmt.Errorf("%w: header unreadable and no page or block of any PST/OST variant found", ErrNotPST)
		}
	}
	lay, ok := layouts[v]
	if !ok {
		return nil, 0, fmt.Errorf("ndb: unknown version %d", v)
	}
	idx, err := scanRange(r, size, 0, size, lay, lim, opt, flt)
	if err != nil {
		return nil, 0, err
	}
	idx.Version = v
	idx.AMapTrusted = trusted
	idx.classify(r)
	return idx, idx.found, nil
}

// readHeader reads and parses the file header.
func readHeader(r io.ReaderAt, size int64) (Header, error) {
	n := min(int64(HeaderSizeUnicode), size)
	b := make([]byte, n)
	if got, err := r.ReadAt(b, 0); got < len(b) {
		if err == nil {
			err = io.ErrUnexpectedEOF
		}
		return Header{}, err
	}
	h, _, err := ParseHeader(b)
	return h, err
}

// detectSample bounds how much of a file with an unreadable header is
// scanned per variant to tell which it is.
const detectSample = 32 << 20

// detectVersion tells the variant of a file whose header is unreadable by
// the structures each layout finds in its first detectSample bytes: B-tree
// pages with sound signatures and CRCs first, blocks next. 0 when none.
func detectVersion(r io.ReaderAt, size int64) Version {
	best, bestScore := Version(0), 0
	for _, v := range []Version{Unicode, ANSI, OST2013} {
		idx, err := scanRange(r, size, 0, min(size, detectSample), layouts[v], idLimits{1 << 32, 1 << 32}, ScanOptions{}, nil)
		if err != nil {
			continue
		}
		score := 0
		for _, p := range idx.Pages {
			if p.CRCOK && p.SigOK {
				score += 64
			}
		}
		score += len(idx.Blocks)
		if score > bestScore {
			best, bestScore = v, score
		}
	}
	return best
}

// scanChunk is the unit of work: 1 MiB, a multiple of every page size.
const scanChunk = 1 << 20

type chunkResult struct {
	pages, maps []ScannedPage
	blocks      []ScannedBlock
	nodes       []ScannedNode // Page holds the page's offset until merged
	pageOff     []int64
	found       int // blocks with sound trailers, kept or not
	pagesFound  int // B-tree pages, kept or not
	err         error
}

// idLimits bound the BIDs of the blocks and pages a scan accepts. A
// trailer's wSig covers only the low 32 bits of its BID (MS-PST 5.5) and
// its CRC none of it, so a BID whose high bits were damaged would pass
// both checks; real BIDs stay below the header's bidNextB and bidNextP.
type idLimits struct{ block, page BID }

// scanRange scans [from, to) of the file (from a multiple of scanChunk).
func scanRange(r io.ReaderAt, size, from, to int64, lay layout, lim idLimits, opt ScanOptions, flt *scanFilter) (*Index, error) {
	idx := &Index{Size: size, lay: lay}
	nChunks := int((to - from + scanChunk - 1) / scanChunk)
	results := make([]chunkResult, nChunks)
	workers := opt.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	workers = max(1, min(workers, nChunks))
	var next atomic.Int64
	var done atomic.Int64
	var progMu sync.Mutex
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			buf := make([]byte, scanChunk+lay.maxBlock)
			for {
				i := int(next.Add(1) - 1)
				if i >= nChunks {
					return
				}
				cs := from + int64(i)*scanChunk
				ce := min(cs+scanChunk, to)
				results[i] = scanOne(r, cs, ce, lay, lim, buf, flt)
				if results[i].err != nil {
					// stop handing out work; the others finish theirs
					next.Store(int64(nChunks))
					return
				}
				if opt.Progress != nil {
					d := done.Add(ce - cs)
					progMu.Lock()
					opt.Progress(d, to-from)
					progMu.Unlock()
				}
			}
		}()
	}
	wg.Wait()
	for i := range results {
		if results[i].err != nil {
			return nil, results[i].err
		}
	}
	// the lists are sized first: appending would keep up to twice the
	// entries' memory for a large file
	var nPages, nMaps, nBlocks, nNodes int
	for i := range results {
		res := &results[i]
		nPages, nMaps, nBlocks, nNodes = nPages+len(res.pages), nMaps+len(res.maps), nBlocks+len(res.blocks), nNodes+len(res.nodes)
		idx.found += res.found
		idx.pagesFound += res.pagesFound
	}
	idx.Pages = make([]ScannedPage, 0, nPages)
	idx.Maps = make([]ScannedPage, 0, nMaps)
	idx.Blocks = make([]ScannedBlock, 0, nBlocks)
	idx.Nodes = make([]ScannedNode, 0, nNodes)
	pageOffs := make([]int64, 0, nPages)
	for i := range results {
		res := &results[i]
		idx.Pages = append(idx.Pages, res.pages...)
		idx.Maps = append(idx.Maps, res.maps...)
		idx.Blocks = append(idx.Blocks, res.blocks...)
		idx.Nodes = append(idx.Nodes, res.nodes...)
		pageOffs = append(pageOffs, res.pageOff...)
		results[i] = chunkResult{}
	}
	slices.SortFunc(idx.Blocks, func(a, b ScannedBlock) int {
		if a.Offset != b.Offset {
			return cmpInt(a.Offset, b.Offset)
		}
		return cmpInt(a.BID, b.BID)
	})
	idx.dropShadowed(pageOffs)
	idx.buildIndexes()
	return idx, nil
}

func cmpInt[T ~int64 | ~uint64 | ~uint32 | ~int](a, b T) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// scanOne scans one chunk [cs, ce): pages starting in it, blocks ending in
// it. buf holds up to maxBlock bytes before cs too, for blocks that start
// in the previous chunk.
func scanOne(r io.ReaderAt, cs, ce int64, lay layout, lim idLimits, buf []byte, flt *scanFilter) chunkResult {
	var res chunkResult
	bs := max(0, cs-int64(lay.maxBlock))
	n := ce - bs
	b := buf[:n]
	got, err := r.ReadAt(b, bs)
	if int64(got) < n {
		if err != nil && !errors.Is(err, io.EOF) {
			res.err = &FormatError{Offset: bs + int64(got), Structure: "file", Msg: "read failed while scanning", Err: err}
			return res
		}
		// a file shorter than size says: scan what there is
		b = b[:got]
		ce = bs + int64(got)
	}
	ps := int64(lay.pageSize)
	// pages starting in [cs, ce) that end inside what was read
	for p := (cs + ps - 1) / ps * ps; p+ps <= ce; p += ps {
		scanPage(b[p-bs:p-bs+ps], p, lay, lim, &res, flt)
	}
	// block trailers ending in (cs, ce]
	al := int64(lay.blockAlign)
	tl := int64(lay.blockTrailer)
	for e := (cs/al + 1) * al; e <= ce; e += al {
		if e-tl < bs {
			continue
		}
		scanBlock(b, bs, e, lay, lim, &res, flt)
	}
	return res
}

// scanBlock checks for a block whose trailer ends at e.
func scanBlock(b []byte, bs, e int64, lay layout, lim idLimits, res *chunkResult, flt *scanFilter) {
	t := b[e-bs-int64(lay.blockTrailer) : e-bs]
	le := binary.LittleEndian
	cb := int(le.Uint16(t))
	var bid BID
	var crc uint32
	if lay.idSize == 4 {
		bid, crc = BID(le.Uint32(t[4:])), le.Uint32(t[8:])
	} else {
		crc, bid = le.Uint32(t[4:]), BID(le.Uint64(t[8:]))
	}
	if bid == 0 || bid >= lim.block {
		return
	}
	span := int64(lay.blockSpan(cb))
	if span > int64(lay.maxBlock) {
		return
	}
	start := e - span
	if start < bs {
		return
	}
	if ComputeSig(uint64(start), bid) != le.Uint16(t[2:]) {
		return
	}
	data := b[start-bs : start-bs+int64(cb)]
	if CRC(data) != crc {
		return
	}
	res.found++
	if flt != nil && flt.inBBT.has(bid) {
		return // the BBT has it
	}
	sb := ScannedBlock{Offset: start, BID: bid, Size: uint16(cb), Inflated: uint16(cb)}
	if lay.blockTrailer == 24 {
		sb.Inflated = le.Uint16(t[18:])
	}
	if bid.Internal() {
		sb.Kind = KindInternal
		if cb >= 2 {
			switch {
			case data[0] == BTypeXBlock && data[1] == 1:
				sb.Kind = KindXBlock
			case data[0] == BTypeXBlock && data[1] == 2:
				sb.Kind = KindXXBlock
			case data[0] == BTypeSLBlock && data[1] == 0:
				sb.Kind = KindSLBlock
			case data[0] == BTypeSLBlock && data[1] == 1:
				sb.Kind = KindSIBlock
			}
		}
	}
	res.blocks = append(res.blocks, sb)
}

// scanPage checks for a page at off; b is its bytes.
func scanPage(b []byte, off int64, lay layout, lim idLimits, res *chunkResult, flt *scanFilter) {
	pt := parsePageTrailer(b, lay)
	if pt.PType != pt.PTypeRepeat || pt.PType < PTypeBBT || pt.PType > PTypeDL {
		return
	}
	crcOK := CRC(b[:lay.pageCRCLen]) == pt.CRC
	sp := ScannedPage{Offset: off, BID: pt.BID, PType: pt.PType, CRCOK: crcOK}
	switch pt.PType {
	case PTypeBBT, PTypeNBT:
		p, _, err := parseBTPage(b, off, lay)
		if err != nil {
			return
		}
		sp.Level, sp.Count, sp.Max, sp.SigOK = uint8(p.Level), uint16(p.Count), uint16(p.Max), p.SigOK && pt.BID < lim.page
		if p.Count > 0 {
			sp.MinKey, sp.MaxKey = p.key(0), p.key(p.Count-1)
		}
		res.pagesFound++
		kept := len(res.nodes)
		if pt.PType == PTypeNBT && p.Level == 0 {
			es := p.EntrySize
			for i := 0; (i+1)*es <= lay.btMeta; i++ {
				e := decodeNode(b[i*es:(i+1)*es], lay, off)
				dead := i >= p.Count
				if dead && (e.NID == 0 || e.Data == 0) || !dead && flt != nil && flt.liveLeaf[off] {
					continue
				}
				res.nodes = append(res.nodes, ScannedNode{NodeEntry: e, Page: -1, Slot: uint16(i), Dead: dead})
			}
		}
		if flt != nil && len(res.nodes) == kept {
			return // a sound file's: only pages holding entries it keeps
		}
		res.pages = append(res.pages, sp)
		res.pageOff = append(res.pageOff, off)
	case PTypeDL:
		sp.SigOK = ComputeSig(uint64(off), pt.BID) == pt.Sig
		res.maps = append(res.maps, sp)
	default:
		sp.SigOK = uint64(pt.BID) == uint64(off)
		res.maps = append(res.maps, sp)
	}
}

// key returns the key of entry i: the NID (NBT, low 32 bits) or the BID
// (BBT, reserved bit cleared) of a leaf entry, the btkey of a branch.
func (p *BTPage) key(i int) uint64 {
	switch {
	case p.Level > 0:
		k := p.Branch(i).Key
		if p.IsNBT() {
			k &= 0xFFFFFFFF
		}
		return k
	case p.IsNBT():
		return uint64(p.Node(i).NID)
	}
	return uint64(p.Block(i).BID.Key())
}

// decodeNode decodes an NBTENTRY.
func decodeNode(e []byte, lay layout, pageOff int64) NodeEntry {
	le := binary.LittleEndian
	if lay.idSize == 4 {
		return NodeEntry{NID(le.Uint32(e)), BID(le.Uint32(e[4:])), BID(le.Uint32(e[8:])), NID(le.Uint32(e[12:])), pageOff}
	}
	return NodeEntry{NID(le.Uint32(e)), BID(le.Uint64(e[8:])), BID(le.Uint64(e[16:])), NID(le.Uint32(e[24:])), pageOff}
}

// dropShadowed removes the pages (and their node entries) found inside the
// data of a sound block: they belong to something the block holds.
func (idx *Index) dropShadowed(pageOffs []int64) {
	inside := func(off int64) bool {
		ps := int64(idx.lay.pageSize)
		// blocks starting at most maxBlock before the page
		i := sort.Search(len(idx.Blocks), func(i int) bool { return idx.Blocks[i].Offset > off-int64(idx.lay.maxBlock) })
		for ; i < len(idx.Blocks) && idx.Blocks[i].Offset <= off; i++ {
			b := idx.Blocks[i]
			if b.Offset <= off && off+ps <= b.Offset+int64(b.Size) {
				return true
			}
		}
		return false
	}
	drop := map[int64]bool{}
	for _, off := range pageOffs {
		if inside(off) {
			drop[off] = true
		}
	}
	for _, m := range idx.Maps {
		if inside(m.Offset) {
			drop[m.Offset] = true
		}
	}
	if len(drop) == 0 {
		return
	}
	idx.Shadowed = len(drop)
	idx.Pages = slices.DeleteFunc(idx.Pages, func(p ScannedPage) bool { return drop[p.Offset] })
	idx.Maps = slices.DeleteFunc(idx.Maps, func(p ScannedPage) bool { return drop[p.Offset] })
	idx.Nodes = slices.DeleteFunc(idx.Nodes, func(n ScannedNode) bool { return drop[n.Offset] })
}

// buildIndexes links node entries to their pages and sorts blocks by BID.
func (idx *Index) buildIndexes() {
	idx.byPage = make(map[int64]int32, len(idx.Pages))
	for i, p := range idx.Pages {
		idx.byPage[p.Offset] = int32(i)
	}
	for i := range idx.Nodes {
		idx.Nodes[i].Page = idx.byPage[idx.Nodes[i].Offset]
	}
	idx.byBID = make([]int32, len(idx.Blocks))
	for i := range idx.byBID {
		idx.byBID[i] = int32(i)
	}
	slices.SortFunc(idx.byBID, func(a, b int32) int {
		x, y := idx.Blocks[a], idx.Blocks[b]
		if c := cmpInt(x.BID.Key(), y.BID.Key()); c != 0 {
			return c
		}
		return cmpInt(x.Offset, y.Offset)
	})
}

// BlocksOf returns every scanned copy of a block, by offset.
func (idx *Index) BlocksOf(bid BID) []ScannedBlock {
	var out []ScannedBlock
	for _, i := range idx.copies(bid) {
		out = append(out, idx.Blocks[i])
	}
	return out
}

// PageAt returns the scanned B-tree page at a file offset.
func (idx *Index) PageAt(off int64) (ScannedPage, bool) {
	i, ok := idx.byPage[off]
	if !ok {
		return ScannedPage{}, false
	}
	return idx.Pages[i], true
}

// amapGeometry returns where the first AMap page is, how many bytes each
// AMap maps (its page included) and how many bytes each bit stands for.
func (lay layout) amapGeometry() (first, span, unit int64, bitsOff, bitsLen int) {
	if lay.pageSize == 4096 {
		return 0x22000, 4072 * 8 * 512, 512, 0, 4072
	}
	if lay.idSize == 4 {
		return 0x4400, 496 * 8 * 64, 64, 4, 496
	}
	return 0x4400, 496 * 8 * 64, 64, 0, 496
}

// mapReader reads AMap and PMap pages on demand, keeping the last of
// each.
type mapReader struct {
	r       io.ReaderAt
	size    int64
	lay     layout
	trusted bool
	amap    mapCache
	pmap    mapCache
}

type mapCache struct {
	cur  int64 // index of the page held, -1 for none
	bits []byte
}

// mapBits returns the bits of map page i of type ptype, nil when the page
// is missing, damaged or not to be trusted.
func (m *mapReader) mapBits(c *mapCache, ptype uint8, i int64) []byte {
	if i == c.cur {
		return c.bits
	}
	c.cur, c.bits = i, nil
	first, span, _, bo, bl := m.lay.amapGeometry()
	off := first + i*span
	if ptype == PTypePMap {
		// a PMap follows every eighth AMap and maps 512-byte pages from
		// that AMap on (MS-PST 2.2.2.7.3)
		off = first + int64(m.lay.pageSize) + i*8*span
	}
	ps := int64(m.lay.pageSize)
	if !m.trusted || off < 0 || off+ps > m.size {
		return nil
	}
	page := make([]byte, ps)
	if n, _ := m.r.ReadAt(page, off); int64(n) < ps {
		return nil
	}
	pt := parsePageTrailer(page, m.lay)
	if pt.PType != ptype || pt.PTypeRepeat != ptype || uint64(pt.BID) != uint64(off) || CRC(page[:m.lay.pageCRCLen]) != pt.CRC {
		return nil
	}
	c.bits = page[bo : bo+bl]
	return c.bits
}

// alloc returns what the AMaps say about [off, off+n).
func (m *mapReader) alloc(off, n int64) Alloc {
	first, span, unit, _, _ := m.lay.amapGeometry()
	if off < first || n <= 0 {
		return AllocUnknown
	}
	set, clear := false, false
	for u := (off - first) / unit; u < (off-first+n+unit-1)/unit; u++ {
		bits := m.mapBits(&m.amap, PTypeAMap, u*unit/span)
		if bits == nil {
			return AllocUnknown
		}
		k := (u * unit % span) / unit
		if bits[k/8]&(0x80>>(k%8)) != 0 {
			set = true
		} else {
			clear = true
		}
	}
	switch {
	case set && clear:
		return AllocMixed
	case set:
		return AllocUsed
	}
	return AllocFree
}

// pageAlloc returns the allocation state of the page at off: the AMaps'
// unless a PMap says the page is free. Files that allocated pages from
// the PMaps (ANSI files, fAMapValid 1) leave freed pages set in the AMap
// and clear in the PMap; newer files fill the PMaps with ones, which says
// nothing. OST 2013 files have no PMap.
func (m *mapReader) pageAlloc(off int64) Alloc {
	a := m.alloc(off, int64(m.lay.pageSize))
	first, span, _, _, _ := m.lay.amapGeometry()
	if m.lay.pageSize == 4096 || off < first {
		return a
	}
	pspan := 8 * span
	bits := m.mapBits(&m.pmap, PTypePMap, (off-first)/pspan)
	if bits == nil {
		return a
	}
	k := (off - first) % pspan / 512
	if bits[k/8]&(0x80>>(k%8)) == 0 {
		return AllocFree
	}
	return a
}

// classify fills in Alloc for every page and block, reading the AMap
// pages in file order.
func (idx *Index) classify(r io.ReaderAt) {
	a := &mapReader{r: r, size: idx.Size, lay: idx.lay, trusted: idx.AMapTrusted, amap: mapCache{cur: -1}, pmap: mapCache{cur: -1}}
	for i := range idx.Pages {
		idx.Pages[i].Alloc = a.pageAlloc(idx.Pages[i].Offset)
	}
	for i := range idx.Blocks {
		b := &idx.Blocks[i]
		b.Alloc = a.alloc(b.Offset, b.span(idx.lay))
	}
}
