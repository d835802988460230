package synth

import (
	"cmp"
	"encoding/binary"
	"fmt"
	"slices"
)

// The node database layer of the PST writer (MS-PST section 2.2): data
// blocks and their trailers, data trees (XBLOCK, XXBLOCK), subnode trees
// (SLBLOCK, SIBLOCK), the node and block B-trees, the allocation maps
// (AMap, PMap, DList) and the file header. Blocks are laid out in the
// order they were made, B-tree pages after them; the file ends where the
// last AMap's data section ends, as Outlook grows a file.

// pstFormat holds the sizes that differ between ANSI (wVer 14) and
// Unicode (wVer 23) files.
type pstFormat struct {
	ansi bool
}

func (f pstFormat) idSize() int {
	if f.ansi {
		return 4
	}
	return 8
}

// blockTrailer is the size of a BLOCKTRAILER (2.2.2.8.1), pageTrailer of
// a PAGETRAILER (2.2.2.7.1).
func (f pstFormat) blockTrailer() int { return 8 + f.idSize() }
func (f pstFormat) pageTrailer() int  { return 8 + f.idSize() }

// maxBlockData is the most data a block holds: 8192 bytes less the
// trailer.
func (f pstFormat) maxBlockData() int { return pstMaxBlock - f.blockTrailer() }

// btArea is the size of rgentries in a BTPAGE (2.2.2.7.7.1).
func (f pstFormat) btArea() int {
	if f.ansi {
		return 496
	}
	return 488
}

// pageCRCSize is the number of bytes of a page its dwCRC covers: all
// before the trailer.
func (f pstFormat) pageCRCSize() int { return pstPageSize - f.pageTrailer() }

func (f pstFormat) nbtLeafEntry() int { return 4 * f.idSize() }
func (f pstFormat) bbtLeafEntry() int { return 3 * f.idSize() }
func (f pstFormat) btEntry() int      { return 3 * f.idSize() }

// subnode block header: btype, cLevel, cEnt and, in Unicode files,
// dwPadding (2.2.2.8.3.3.1.2).
func (f pstFormat) slHeader() int {
	if f.ansi {
		return 4
	}
	return 8
}

func (f pstFormat) headerSize() int {
	if f.ansi {
		return 512
	}
	return 564
}

func (f pstFormat) putID(b []byte, v uint64) {
	if f.ansi {
		binary.LittleEndian.PutUint32(b, uint32(v))
	} else {
		binary.LittleEndian.PutUint64(b, v)
	}
}

// File layout constants (MS-PST 2.2.2.7).
const (
	pstPageSize    = 512
	pstMaxBlock    = 8192
	pstBlockAlign  = 64
	pstFirstAMap   = 0x4400
	pstDListOffset = 0x4200
	// pstAMapSpan is the data section an AMap maps: 496 bytes of bits,
	// 64 bytes a bit.
	pstAMapSpan = 496 * 8 * 64
	// pstMaxAMaps bounds the file: beyond 128 AMaps (about 31 MiB) a
	// file needs FMap pages, which this writer does not make.
	pstMaxAMaps = 128

	pstPTypeBBT   = 0x80
	pstPTypeNBT   = 0x81
	pstPTypePMap  = 0x83
	pstPTypeAMap  = 0x84
	pstPTypeDList = 0x86

	pstCryptNone    = 0x00
	pstCryptPermute = 0x01
)

// pstPermute is the first third of mpbbCrypt (MS-PST 5.1): the byte
// substitution NDB_CRYPT_PERMUTE applies to the data of data blocks.
var pstPermute = [256]byte{
	0x41, 0x36, 0x13, 0x62, 0xA8, 0x21, 0x6E, 0xBB, 0xF4, 0x16, 0xCC, 0x04, 0x7F, 0x64, 0xE8, 0x5D,
	0x1E, 0xF2, 0xCB, 0x2A, 0x74, 0xC5, 0x5E, 0x35, 0xD2, 0x95, 0x47, 0x9E, 0x96, 0x2D, 0x9A, 0x88,
	0x4C, 0x7D, 0x84, 0x3F, 0xDB, 0xAC, 0x31, 0xB6, 0x48, 0x5F, 0xF6, 0xC4, 0xD8, 0x39, 0x8B, 0xE7,
	0x23, 0x3B, 0x38, 0x8E, 0xC8, 0xC1, 0xDF, 0x25, 0xB1, 0x20, 0xA5, 0x46, 0x60, 0x4E, 0x9C, 0xFB,
	0xAA, 0xD3, 0x56, 0x51, 0x45, 0x7C, 0x55, 0x00, 0x07, 0xC9, 0x2B, 0x9D, 0x85, 0x9B, 0x09, 0xA0,
	0x8F, 0xAD, 0xB3, 0x0F, 0x63, 0xAB, 0x89, 0x4B, 0xD7, 0xA7, 0x15, 0x5A, 0x71, 0x66, 0x42, 0xBF,
	0x26, 0x4A, 0x6B, 0x98, 0xFA, 0xEA, 0x77, 0x53, 0xB2, 0x70, 0x05, 0x2C, 0xFD, 0x59, 0x3A, 0x86,
	0x7E, 0xCE, 0x06, 0xEB, 0x82, 0x78, 0x57, 0xC7, 0x8D, 0x43, 0xAF, 0xB4, 0x1C, 0xD4, 0x5B, 0xCD,
	0xE2, 0xE9, 0x27, 0x4F, 0xC3, 0x08, 0x72, 0x80, 0xCF, 0xB0, 0xEF, 0xF5, 0x28, 0x6D, 0xBE, 0x30,
	0x4D, 0x34, 0x92, 0xD5, 0x0E, 0x3C, 0x22, 0x32, 0xE5, 0xE4, 0xF9, 0x9F, 0xC2, 0xD1, 0x0A, 0x81,
	0x12, 0xE1, 0xEE, 0x91, 0x83, 0x76, 0xE3, 0x97, 0xE6, 0x61, 0x8A, 0x17, 0x79, 0xA4, 0xB7, 0xDC,
	0x90, 0x7A, 0x5C, 0x8C, 0x02, 0xA6, 0xCA, 0x69, 0xDE, 0x50, 0x1A, 0x11, 0x93, 0xB9, 0x52, 0x87,
	0x58, 0xFC, 0xED, 0x1D, 0x37, 0x49, 0x1B, 0x6A, 0xE0, 0x29, 0x33, 0x99, 0xBD, 0x6C, 0xD9, 0x94,
	0xF3, 0x40, 0x54, 0x6F, 0xF0, 0xC6, 0x73, 0xB8, 0xD6, 0x3E, 0x65, 0x18, 0x44, 0x1F, 0xDD, 0x67,
	0x10, 0xF1, 0x0C, 0x19, 0xEC, 0xAE, 0x03, 0xA1, 0x14, 0x7B, 0xA9, 0x0B, 0xFF, 0xF8, 0xA3, 0xC0,
	0xA2, 0x01, 0xF7, 0x2E, 0xBC, 0x24, 0x68, 0x75, 0x0D, 0xFE, 0xBA, 0x2F, 0xB5, 0xD0, 0xDA, 0x3D,
}

// pstSig is the signature of a block or page trailer (MS-PST 5.5): the
// file offset and the BID, xored and folded to 16 bits.
func pstSig(ib, bid uint64) uint16 {
	x := ib ^ bid
	return uint16(x>>16) ^ uint16(x)
}

// ndbBlock is a block to write: a data block (plain data, encoded when
// the file is written) or an internal one (XBLOCK, XXBLOCK, SLBLOCK,
// SIBLOCK; never encoded).
type ndbBlock struct {
	bid  uint64
	data []byte
	off  int64
}

// ndbNode is an NBT leaf entry (2.2.2.7.7.4).
type ndbNode struct {
	nid       uint32
	data, sub uint64
	parent    uint32
}

// subnodeEntry is an SLENTRY (2.2.2.8.3.3.1.1): a subnode of a node.
type subnodeEntry struct {
	nid       uint32
	data, sub uint64
}

// ndbPage is a B-tree page to write.
type ndbPage struct {
	ptype byte
	level int
	bid   uint64
	off   int64
	body  []byte // rgentries, cEnt... (the page without its trailer)
}

// ndbWriter collects blocks and nodes and lays out the file.
type ndbWriter struct {
	f      pstFormat
	crypt  byte
	nextB  uint64 // bidIndex of the next block
	nextP  uint64 // BID of the next page
	blocks []*ndbBlock
	nodes  []ndbNode
	seen   map[uint32]bool
	large  bool // PSTStore.Large
}

func newNDBWriter(f pstFormat, crypt byte, large bool) *ndbWriter {
	return &ndbWriter{f: f, crypt: crypt, nextB: 1, nextP: 1, seen: map[uint32]bool{}, large: large}
}

// block adds a block and returns its BID: bidIndex from the bidNextB
// counter, bit 1 set for internal blocks (2.2.2.2).
func (w *ndbWriter) block(data []byte, internal bool) uint64 {
	bid := w.nextB << 2
	w.nextB++
	if internal {
		bid |= 2
	}
	w.blocks = append(w.blocks, &ndbBlock{bid: bid, data: data})
	return bid
}

// dataTree stores node data made of the given blocks (each at most
// maxBlockData bytes): one data block, or an XBLOCK over up to
// (maxBlockData-8)/idSize of them, or an XXBLOCK over XBLOCKs
// (2.2.2.8.3.2). No blocks give BID 0 (a node without data).
func (w *ndbWriter) dataTree(chunks [][]byte) (uint64, error) {
	switch len(chunks) {
	case 0:
		return 0, nil
	case 1:
		return w.block(chunks[0], false), nil
	}
	per := (w.f.maxBlockData() - 8) / w.f.idSize()
	if len(chunks) > per*per {
		return 0, fmt.Errorf("%w: %d data blocks, more than an XXBLOCK holds (%d)", ErrPST, len(chunks), per*per)
	}
	var bids []uint64
	var sizes []int
	for _, c := range chunks {
		bids = append(bids, w.block(c, false))
		sizes = append(sizes, len(c))
	}
	xblock := func(level int, bids []uint64, total int) uint64 {
		b := make([]byte, 8+len(bids)*w.f.idSize())
		b[0], b[1] = 0x01, byte(level)
		binary.LittleEndian.PutUint16(b[2:], uint16(len(bids)))
		binary.LittleEndian.PutUint32(b[4:], uint32(total))
		for i, id := range bids {
			w.f.putID(b[8+i*w.f.idSize():], id)
		}
		return w.block(b, true)
	}
	sum := func(s []int) int {
		n := 0
		for _, v := range s {
			n += v
		}
		return n
	}
	if len(bids) <= per {
		return xblock(1, bids, sum(sizes)), nil
	}
	var xs []uint64
	for i := 0; i < len(bids); i += per {
		j := min(i+per, len(bids))
		xs = append(xs, xblock(1, bids[i:j], sum(sizes[i:j])))
	}
	return xblock(2, xs, sum(sizes)), nil
}

// stream stores b as node data cut into full blocks (the last shorter).
func (w *ndbWriter) stream(b []byte) (uint64, error) {
	var chunks [][]byte
	for n := w.f.maxBlockData(); len(b) > n; b = b[n:] {
		chunks = append(chunks, b[:n])
	}
	return w.dataTree(append(chunks, b))
}

// subnodes stores a subnode tree: an SLBLOCK, or an SIBLOCK over
// SLBLOCKs when the entries do not fit one (2.2.2.8.3.3). Entries are
// sorted by NID; none give BID 0.
func (w *ndbWriter) subnodes(entries []subnodeEntry) (uint64, error) {
	if len(entries) == 0 {
		return 0, nil
	}
	entries = slices.Clone(entries)
	slices.SortFunc(entries, func(a, b subnodeEntry) int { return cmp.Compare(a.nid, b.nid) })
	for i := 1; i < len(entries); i++ {
		if entries[i].nid == entries[i-1].nid {
			return 0, fmt.Errorf("%w: two subnodes 0x%X of one node", ErrPST, entries[i].nid)
		}
	}
	n := w.f.idSize()
	hdr := w.f.slHeader()
	perSL := (w.f.maxBlockData() - hdr) / (3 * n)
	perSI := (w.f.maxBlockData() - hdr) / (2 * n)
	if len(entries) > perSL*perSI {
		return 0, fmt.Errorf("%w: %d subnodes in one node, more than an SIBLOCK holds", ErrPST, len(entries))
	}
	sl := func(es []subnodeEntry) uint64 {
		b := make([]byte, hdr+len(es)*3*n)
		b[0], b[1] = 0x02, 0
		binary.LittleEndian.PutUint16(b[2:], uint16(len(es)))
		for i, e := range es {
			o := b[hdr+i*3*n:]
			w.f.putID(o, uint64(e.nid))
			w.f.putID(o[n:], e.data)
			w.f.putID(o[2*n:], e.sub)
		}
		return w.block(b, true)
	}
	if len(entries) <= perSL {
		return sl(entries), nil
	}
	var si []byte
	count := 0
	for i := 0; i < len(entries); i += perSL {
		j := min(i+perSL, len(entries))
		e := make([]byte, 2*n)
		w.f.putID(e, uint64(entries[i].nid))
		w.f.putID(e[n:], sl(entries[i:j]))
		si = append(si, e...)
		count++
	}
	b := make([]byte, hdr, hdr+len(si))
	b[0], b[1] = 0x02, 1
	binary.LittleEndian.PutUint16(b[2:], uint16(count))
	return w.block(append(b, si...), true), nil
}

// node adds an NBT entry.
func (w *ndbWriter) node(nid uint32, data, sub uint64, parent uint32) error {
	if w.seen[nid] {
		return fmt.Errorf("%w: node 0x%X written twice", ErrPST, nid)
	}
	w.seen[nid] = true
	w.nodes = append(w.nodes, ndbNode{nid, data, sub, parent})
	return nil
}

// ndbHeader holds the header fields the messaging layer decides.
type ndbHeader struct {
	rgnid  [32]uint32
	unique uint32
}

// pstAllocator hands out file space in the data sections of the AMaps,
// skipping the AMap page at the start of each and the PMap page after
// every eighth (2.2.2.7.2, 2.2.2.7.3).
type pstAllocator struct{ pos int64 }

func amapStart(i int64) int64 { return pstFirstAMap + i*pstAMapSpan }

// reservedEnd is where allocations may start in AMap i's data section.
func reservedEnd(i int64) int64 {
	end := amapStart(i) + pstPageSize
	if i%8 == 0 {
		end += pstPageSize // the PMap
	}
	return end
}

func (a *pstAllocator) alloc(n, align int64) int64 {
	for {
		p := (a.pos + align - 1) / align * align
		i := (p - pstFirstAMap) / pstAMapSpan
		switch {
		case p < reservedEnd(i):
			a.pos = reservedEnd(i)
		case p+n > amapStart(i+1):
			a.pos = amapStart(i + 1)
		default:
			a.pos = p + n
			return p
		}
	}
}

// PSTBlock is a block of a written PST: its BID, file offset and data
// size (cb, without trailer and padding).
type PSTBlock struct {
	BID      uint64
	Offset   int64
	Size     int
	Internal bool // XBLOCK, XXBLOCK, SLBLOCK or SIBLOCK
}

// PSTPage is a B-tree page of a written PST.
type PSTPage struct {
	NBT    bool // node B-tree page, else block B-tree
	Level  int  // 0 for leaves
	BID    uint64
	Offset int64
}

// PSTNode is a node (an NBT leaf entry) of a written PST.
type PSTNode struct {
	NID      uint32
	Data     uint64 // bidData
	Subnodes uint64 // bidSub
	Parent   uint32 // nidParent
}

// finish lays the file out and returns its bytes, filling in m's
// blocks, pages and nodes.
func (w *ndbWriter) finish(h ndbHeader, m *PSTMap) ([]byte, error) {
	f := w.f
	a := &pstAllocator{pos: pstFirstAMap}
	for _, b := range w.blocks {
		span := int64((len(b.data) + f.blockTrailer() + pstBlockAlign - 1) / pstBlockAlign * pstBlockAlign)
		b.off = a.alloc(span, pstBlockAlign)
	}

	// the BBT
	bbt := slices.Clone(w.blocks)
	slices.SortFunc(bbt, func(x, y *ndbBlock) int { return cmp.Compare(x.bid, y.bid) })
	var leaves [][]byte
	var keys []uint64
	n := f.idSize()
	for _, b := range bbt {
		e := make([]byte, f.bbtLeafEntry())
		f.putID(e, b.bid)
		f.putID(e[n:], uint64(b.off))
		binary.LittleEndian.PutUint16(e[2*n:], uint16(len(b.data)))
		// one reference from the BBT entry, one from the node, tree or
		// subnode entry that uses the block (2.2.2.7.7.3.1)
		binary.LittleEndian.PutUint16(e[2*n+2:], 2)
		leaves = append(leaves, e)
		keys = append(keys, b.bid)
	}
	var pages []*ndbPage
	bbtRoot := w.btree(a, &pages, pstPTypeBBT, leaves, keys)

	// the NBT
	nodes := slices.Clone(w.nodes)
	slices.SortFunc(nodes, func(x, y ndbNode) int { return cmp.Compare(x.nid, y.nid) })
	leaves, keys = nil, nil
	for _, nd := range nodes {
		e := make([]byte, f.nbtLeafEntry())
		f.putID(e, uint64(nd.nid))
		f.putID(e[n:], nd.data)
		f.putID(e[2*n:], nd.sub)
		binary.LittleEndian.PutUint32(e[3*n:], nd.parent)
		leaves = append(leaves, e)
		keys = append(keys, uint64(nd.nid))
	}
	nbtRoot := w.btree(a, &pages, pstPTypeNBT, leaves, keys)

	amaps := (a.pos - pstFirstAMap + pstAMapSpan - 1) / pstAMapSpan
	if amaps > pstMaxAMaps && !w.large {
		return nil, fmt.Errorf("%w: the file would need %d AMaps (%d bytes); this writer makes at most %d (no FMap pages)", ErrPST, amaps, amapStart(amaps), pstMaxAMaps)
	}
	size := amapStart(amaps)
	out := make([]byte, size)
	used := make([]bool, (size-pstFirstAMap)/pstBlockAlign)
	mark := func(off, n int64) {
		for i := (off - pstFirstAMap) / pstBlockAlign; i < (off-pstFirstAMap+n+pstBlockAlign-1)/pstBlockAlign; i++ {
			used[i] = true
		}
	}

	// blocks
	for _, b := range w.blocks {
		span := (len(b.data) + f.blockTrailer() + pstBlockAlign - 1) / pstBlockAlign * pstBlockAlign
		blk := out[b.off : b.off+int64(span)]
		copy(blk, b.data)
		if b.bid&2 == 0 && w.crypt == pstCryptPermute {
			for i, c := range blk[:len(b.data)] {
				blk[i] = pstPermute[c]
			}
		}
		t := blk[span-f.blockTrailer():]
		binary.LittleEndian.PutUint16(t, uint16(len(b.data)))
		binary.LittleEndian.PutUint16(t[2:], pstSig(uint64(b.off), b.bid))
		crc := plainCRC32(blk[:len(b.data)])
		if f.ansi {
			binary.LittleEndian.PutUint32(t[4:], uint32(b.bid))
			binary.LittleEndian.PutUint32(t[8:], crc)
		} else {
			binary.LittleEndian.PutUint32(t[4:], crc)
			binary.LittleEndian.PutUint64(t[8:], b.bid)
		}
		mark(b.off, int64(span))
		if m != nil {
			m.Blocks = append(m.Blocks, PSTBlock{BID: b.bid, Offset: b.off, Size: len(b.data), Internal: b.bid&2 != 0})
		}
	}
	// B-tree pages
	for _, p := range pages {
		page := out[p.off : p.off+pstPageSize]
		copy(page, p.body)
		w.pageTrailer(page, p.ptype, pstSig(uint64(p.off), p.bid), p.bid)
		mark(p.off, pstPageSize)
		if m != nil {
			m.Pages = append(m.Pages, PSTPage{NBT: p.ptype == pstPTypeNBT, Level: p.level, BID: p.bid, Offset: p.off})
		}
	}
	// AMaps and PMaps: a PMap's bits are all set (no free page: the
	// PMap is deprecated, cbPMapFree is 0)
	var free int64
	type dlEntry struct {
		page int
		free int
	}
	var dlist []dlEntry
	for i := int64(0); i < amaps; i++ {
		mark(amapStart(i), pstPageSize)
		if i%8 == 0 {
			pm := out[amapStart(i)+pstPageSize : amapStart(i)+2*pstPageSize]
			bits := pm[:pstPageSize-f.pageTrailer()]
			if f.ansi {
				bits = bits[4:]
			}
			for k := range bits {
				bits[k] = 0xFF
			}
			w.pageTrailer(pm, pstPTypePMap, 0, uint64(amapStart(i)+pstPageSize))
			mark(amapStart(i)+pstPageSize, pstPageSize)
		}
	}
	for i := int64(0); i < amaps; i++ {
		am := out[amapStart(i) : amapStart(i)+pstPageSize]
		bits := am[:pstPageSize-f.pageTrailer()]
		if f.ansi {
			bits = bits[4:]
		}
		nfree := 0
		for k := 0; k < 496*8; k++ {
			if used[i*496*8+int64(k)] {
				bits[k/8] |= 0x80 >> (k % 8)
			} else {
				nfree++
			}
		}
		free += int64(nfree) * pstBlockAlign
		dlist = append(dlist, dlEntry{int(i), nfree})
		w.pageTrailer(am, pstPTypeAMap, 0, uint64(amapStart(i)))
	}
	// the DList (2.2.2.7.4): the AMaps by descending free space
	slices.SortStableFunc(dlist, func(x, y dlEntry) int { return cmp.Compare(y.free, x.free) })
	dl := out[pstDListOffset : pstDListOffset+pstPageSize]
	maxEnt := 476 / 4
	if f.ansi {
		maxEnt = 480 / 4
	}
	dlist = dlist[:min(len(dlist), maxEnt)]
	dl[0] = 0x01 // DFL_BACKFILL_COMPLETE
	dl[1] = byte(len(dlist))
	binary.LittleEndian.PutUint32(dl[4:], uint32(dlist[0].page))
	for i, e := range dlist {
		binary.LittleEndian.PutUint32(dl[8+4*i:], uint32(e.page)|uint32(min(e.free, 0xFFF))<<20)
	}
	dlBID := w.nextP
	w.nextP++
	w.pageTrailer(dl, pstPTypeDList, pstSig(pstDListOffset, dlBID), dlBID)

	if m != nil {
		for _, nd := range nodes {
			m.Nodes = append(m.Nodes, PSTNode{NID: nd.nid, Data: nd.data, Subnodes: nd.sub, Parent: nd.parent})
		}
	}
	w.header(out, h, size, amapStart(amaps-1), free, nbtRoot, bbtRoot)
	return out, nil
}

// pageTrailer writes the PAGETRAILER of page (2.2.2.7.1).
func (w *ndbWriter) pageTrailer(page []byte, ptype byte, sig uint16, bid uint64) {
	f := w.f
	t := page[pstPageSize-f.pageTrailer():]
	t[0], t[1] = ptype, ptype
	binary.LittleEndian.PutUint16(t[2:], sig)
	crc := plainCRC32(page[:f.pageCRCSize()])
	if f.ansi {
		binary.LittleEndian.PutUint32(t[4:], uint32(bid))
		binary.LittleEndian.PutUint32(t[8:], crc)
	} else {
		binary.LittleEndian.PutUint32(t[4:], crc)
		binary.LittleEndian.PutUint64(t[8:], bid)
	}
}

// bref is a BREF (2.2.2.4).
type bref struct {
	bid uint64
	ib  int64
}

// btree makes the pages of a B-tree over sorted leaf entries, leaves
// first, as many entries a page as fit, and returns the root.
func (w *ndbWriter) btree(a *pstAllocator, pages *[]*ndbPage, ptype byte, entries [][]byte, keys []uint64) bref {
	f := w.f
	level := 0
	for {
		size := f.btEntry()
		if level == 0 {
			size = f.bbtLeafEntry()
			if ptype == pstPTypeNBT {
				size = f.nbtLeafEntry()
			}
		}
		per := f.btArea() / size
		var up [][]byte
		var upKeys []uint64
		var last bref
		for i := 0; i < len(entries) || i == 0; i += per {
			j := min(i+per, len(entries))
			body := make([]byte, f.btArea()+4)
			for k := i; k < j; k++ {
				copy(body[(k-i)*size:], entries[k])
			}
			m := body[f.btArea():]
			m[0], m[1], m[2], m[3] = byte(j-i), byte(per), byte(size), byte(level)
			p := &ndbPage{ptype: ptype, level: level, bid: w.nextP, off: a.alloc(pstPageSize, pstPageSize), body: body}
			w.nextP++
			*pages = append(*pages, p)
			last = bref{p.bid, p.off}
			var k0 uint64
			if i < len(keys) {
				k0 = keys[i]
			}
			e := make([]byte, f.btEntry())
			f.putID(e, k0)
			f.putID(e[f.idSize():], p.bid)
			f.putID(e[2*f.idSize():], uint64(p.off))
			up = append(up, e)
			upKeys = append(upKeys, k0)
			if j >= len(entries) {
				break
			}
		}
		if len(up) == 1 {
			return last
		}
		entries, keys = up, upKeys
		level++
	}
}

// header writes the HEADER (2.2.2.6) with its ROOT (2.2.2.5) at the
// start of out.
func (w *ndbWriter) header(out []byte, h ndbHeader, size, amapLast, free int64, nbt, bbt bref) {
	le := binary.LittleEndian
	copy(out, "!BDN")
	copy(out[8:], "SM")
	le.PutUint16(out[12:], 19) // wVerClient
	out[14], out[15] = 1, 1    // bPlatformCreate, bPlatformAccess
	if w.f.ansi {
		le.PutUint16(out[10:], 14)
		le.PutUint32(out[24:], uint32(w.nextB<<2))
		le.PutUint32(out[28:], uint32(w.nextP))
		le.PutUint32(out[32:], h.unique)
		for i, v := range h.rgnid {
			le.PutUint32(out[36+4*i:], v)
		}
		le.PutUint32(out[168:], uint32(size))
		le.PutUint32(out[172:], uint32(amapLast))
		le.PutUint32(out[176:], uint32(free))
		le.PutUint32(out[184:], uint32(nbt.bid))
		le.PutUint32(out[188:], uint32(nbt.ib))
		le.PutUint32(out[192:], uint32(bbt.bid))
		le.PutUint32(out[196:], uint32(bbt.ib))
		out[200] = 0x02 // VALID_AMAP2
		for i := 204; i < 460; i++ {
			out[i] = 0xFF // rgbFM, rgbFP
		}
		out[460], out[461] = 0x80, w.crypt
	} else {
		le.PutUint16(out[10:], 23)
		le.PutUint64(out[32:], w.nextP)
		le.PutUint32(out[40:], h.unique)
		for i, v := range h.rgnid {
			le.PutUint32(out[44+4*i:], v)
		}
		le.PutUint64(out[184:], uint64(size))
		le.PutUint64(out[192:], uint64(amapLast))
		le.PutUint64(out[200:], uint64(free))
		le.PutUint64(out[216:], nbt.bid)
		le.PutUint64(out[224:], uint64(nbt.ib))
		le.PutUint64(out[232:], bbt.bid)
		le.PutUint64(out[240:], uint64(bbt.ib))
		out[248] = 0x02 // VALID_AMAP2
		for i := 256; i < 512; i++ {
			out[i] = 0xFF // rgbFM, rgbFP
		}
		out[512], out[513] = 0x80, w.crypt
		le.PutUint64(out[516:], w.nextB<<2)
		le.PutUint32(out[524:], plainCRC32(out[8:8+516]))
	}
	le.PutUint32(out[4:], plainCRC32(out[8:8+471]))
}

// PSTFirstAMap is the offset of a PST file's first AMap page.
const PSTFirstAMap = pstFirstAMap

// PSTAMapStart returns the offset of AMap page i; its data section
// follows it (and the PMap, every eighth one).
func PSTAMapStart(i int64) int64 { return amapStart(i) }

// PSTSpace hands out the space of a PST file's data sections as the
// writer does, for tests that lay a written file out again.
type PSTSpace struct{ a pstAllocator }

// NewPSTSpace starts at the first AMap's data section.
func NewPSTSpace() *PSTSpace { return &PSTSpace{pstAllocator{pos: pstFirstAMap}} }

// Alloc returns the offset of n bytes aligned to align.
func (s *PSTSpace) Alloc(n, align int64) int64 { return s.a.alloc(n, align) }

// AMaps returns how many AMap pages the space handed out needs.
func (s *PSTSpace) AMaps() int64 { return (s.a.pos - pstFirstAMap + pstAMapSpan - 1) / pstAMapSpan }
