package ndb

import (
	"encoding/binary"
	"fmt"
	"math"
)

// Page types (MS-PST 2.2.2.7.1, PAGETRAILER.ptype).
const (
	PTypeBBT   = 0x80 // block B-tree page
	PTypeNBT   = 0x81 // node B-tree page
	PTypeFMap  = 0x82
	PTypePMap  = 0x83
	PTypeAMap  = 0x84
	PTypeFPMap = 0x85
	PTypeDL    = 0x86
)

// PageTrailer is the trailer at the end of every page (MS-PST 2.2.2.7.1):
// 12 bytes in ANSI files, 16 in Unicode ones, 24 in OST 2013 4 KiB pages
// (the last 8 of which are not described anywhere and kept unread).
type PageTrailer struct {
	PType       uint8
	PTypeRepeat uint8
	Sig         uint16 // wSig: ComputeSig(ib, bid) for B-tree pages, 0 for the others
	CRC         uint32 // dwCRC of the page bytes before the trailer
	BID         BID
}

// parsePageTrailer decodes the trailer at the end of page b.
func parsePageTrailer(b []byte, lay layout) PageTrailer {
	le := binary.LittleEndian
	t := b[lay.pageSize-lay.pageTrailer:]
	pt := PageTrailer{PType: t[0], PTypeRepeat: t[1], Sig: le.Uint16(t[2:])}
	if lay.idSize == 4 {
		pt.BID = BID(le.Uint32(t[4:]))
		pt.CRC = le.Uint32(t[8:])
	} else {
		pt.CRC = le.Uint32(t[4:])
		pt.BID = BID(le.Uint64(t[8:]))
	}
	return pt
}

// BTPage is a page of the NBT or the BBT (MS-PST 2.2.2.7.7.1): cEnt entries
// of cbEnt bytes, at level cLevel (0 for leaves). Entries are BTENTRY
// (2.2.2.7.7.2) at the upper levels, NBTENTRY (2.2.2.7.7.4) or BBTENTRY
// (2.2.2.7.7.3) in leaves.
type BTPage struct {
	Offset    int64 // absolute file offset of the page
	Trailer   PageTrailer
	Count     int // cEnt
	Max       int // cEntMax
	EntrySize int // cbEnt
	Level     int // cLevel
	CRCOK     bool
	SigOK     bool
	entries   []byte
	lay       layout
}

// ParseBTPage decodes one B-tree page of a file of version v; off is its
// file offset (for the signature check and for messages). Structural
// damage (not a B-tree page, entry sizes or counts that do not fit) is an
// error; CRC and signature mismatches are returned as warnings.
func ParseBTPage(b []byte, off int64, v Version) (*BTPage, []string, error) {
	lay, ok := layouts[v]
	if !ok {
		return nil, nil, fmt.Errorf("ndb: unknown version %d", v)
	}
	return parseBTPage(b, off, lay)
}

func parseBTPage(b []byte, off int64, lay layout) (*BTPage, []string, error) {
	const structure = "BTPAGE"
	if len(b) != lay.pageSize {
		return nil, nil, formatErr(off, structure, "page is %d bytes, want %d", len(b), lay.pageSize)
	}
	pt := parsePageTrailer(b, lay)
	if pt.PType != PTypeBBT && pt.PType != PTypeNBT || pt.PTypeRepeat != pt.PType {
		return nil, nil, formatErr(off, structure, "not a B-tree page: ptype 0x%02X, ptypeRepeat 0x%02X (want 0x80 BBT or 0x81 NBT, twice)", pt.PType, pt.PTypeRepeat)
	}
	name := "NBT page"
	if pt.PType == PTypeBBT {
		name = "BBT page"
	}
	p := &BTPage{Offset: off, Trailer: pt, lay: lay}
	m := b[lay.btMeta:]
	if lay.pageSize == 4096 {
		p.Count = int(binary.LittleEndian.Uint16(m))
		p.Max = int(binary.LittleEndian.Uint16(m[2:]))
		p.EntrySize = int(m[4])
		p.Level = int(m[5])
	} else {
		p.Count, p.Max, p.EntrySize, p.Level = int(m[0]), int(m[1]), int(m[2]), int(m[3])
	}
	if p.Level >= MaxBTreeDepth {
		return nil, nil, formatErr(off, name, "cLevel %d exceeds %d (bid %v)", p.Level, MaxBTreeDepth-1, pt.BID)
	}
	want := lay.branchEntry
	if p.Level == 0 {
		want = lay.bbtLeafEntry
		if pt.PType == PTypeNBT {
			want = lay.nbtLeafEntry
		}
	}
	if p.EntrySize != want {
		return nil, nil, formatErr(off, name, "cbEnt is %d, a level-%d entry is %d bytes (bid %v)", p.EntrySize, p.Level, want, pt.BID)
	}
	if p.Count*p.EntrySize > lay.btMeta {
		return nil, nil, formatErr(off, name, "cEnt %d entries of %d bytes overflow the %d-byte entry area (bid %v)", p.Count, p.EntrySize, lay.btMeta, pt.BID)
	}
	p.entries = b[:p.Count*p.EntrySize]
	var warn []string
	if p.Count > p.Max {
		warn = append(warn, fmt.Sprintf("%s at offset 0x%X (bid %v): cEnt %d exceeds cEntMax %d", name, off, pt.BID, p.Count, p.Max))
	}
	crc := CRC(b[:lay.pageCRCLen])
	p.CRCOK = crc == pt.CRC
	if !p.CRCOK {
		warn = append(warn, fmt.Sprintf("%s at offset 0x%X (bid %v): CRC mismatch: trailer says 0x%08X, page has 0x%08X", name, off, pt.BID, pt.CRC, crc))
	}
	p.SigOK = ComputeSig(uint64(off), pt.BID) == pt.Sig
	if !p.SigOK {
		warn = append(warn, fmt.Sprintf("%s at offset 0x%X (bid %v): wSig 0x%04X, want 0x%04X", name, off, pt.BID, pt.Sig, ComputeSig(uint64(off), pt.BID)))
	}
	return p, warn, nil
}

// IsNBT reports whether the page belongs to the node B-tree.
func (p *BTPage) IsNBT() bool { return p.Trailer.PType == PTypeNBT }

// BTEntry is an entry of an intermediate B-tree page (MS-PST 2.2.2.7.7.2):
// the lowest key below the child page and a reference to it.
type BTEntry struct {
	Key uint64 // btkey: a NID in the NBT, a BID in the BBT
	Ref BRef
}

// Branch returns entry i of an intermediate page.
func (p *BTPage) Branch(i int) BTEntry {
	e := p.entries[i*p.EntrySize:]
	le := binary.LittleEndian
	if p.lay.idSize == 4 {
		return BTEntry{uint64(le.Uint32(e)), BRef{BID(le.Uint32(e[4:])), uint64(le.Uint32(e[8:]))}}
	}
	return BTEntry{le.Uint64(e), BRef{BID(le.Uint64(e[8:])), le.Uint64(e[16:])}}
}

// NodeEntry is a leaf entry of the NBT (MS-PST 2.2.2.7.7.4).
type NodeEntry struct {
	NID      NID
	Data     BID // bidData: the node's data block or data tree
	Subnodes BID // bidSub: its subnode tree, 0 for none
	Parent   NID // nidParent: the parent folder, for folders and messages
	Offset   int64
}

// Node returns entry i of an NBT leaf page.
func (p *BTPage) Node(i int) NodeEntry {
	e := p.entries[i*p.EntrySize:]
	le := binary.LittleEndian
	if p.lay.idSize == 4 {
		return NodeEntry{NID(le.Uint32(e)), BID(le.Uint32(e[4:])), BID(le.Uint32(e[8:])), NID(le.Uint32(e[12:])), p.Offset}
	}
	return NodeEntry{NID(le.Uint32(e)), BID(le.Uint64(e[8:])), BID(le.Uint64(e[16:])), NID(le.Uint32(e[24:])), p.Offset}
}

// BlockEntry is a leaf entry of the BBT (MS-PST 2.2.2.7.7.3).
type BlockEntry struct {
	BID BID
	// Offset is the block's absolute file offset (BREF.ib).
	Offset int64
	// Size is cb: the bytes of data stored in the block, trailer and
	// padding excluded (compressed bytes when the block is compressed).
	Size int
	// RefCount is cRef: how many nodes and trees use the block.
	RefCount int
	// InflatedSize is, in OST 2013 files, the size of the data once
	// decompressed (equal to Size when the block is stored as is); Size in
	// the other variants.
	InflatedSize int
	// PageOffset is the file offset of the BBT page holding the entry.
	PageOffset int64
}

// Block returns entry i of a BBT leaf page.
func (p *BTPage) Block(i int) BlockEntry {
	e := p.entries[i*p.EntrySize:]
	le := binary.LittleEndian
	var be BlockEntry
	var ib uint64
	if p.lay.idSize == 4 {
		be.BID, ib = BID(le.Uint32(e)), uint64(le.Uint32(e[4:]))
		be.Size, be.RefCount = int(le.Uint16(e[8:])), int(le.Uint16(e[10:]))
		be.InflatedSize = be.Size
	} else {
		be.BID, ib = BID(le.Uint64(e)), le.Uint64(e[8:])
		be.Size = int(le.Uint16(e[16:]))
		if p.lay.pageSize == 4096 {
			// OST 2013: cb, cbInflated, cRef, padding.
			be.InflatedSize, be.RefCount = int(le.Uint16(e[18:])), int(le.Uint16(e[20:]))
		} else {
			be.RefCount = int(le.Uint16(e[18:]))
			be.InflatedSize = be.Size
		}
	}
	be.Offset = offsetOf(ib)
	be.PageOffset = p.Offset
	return be
}

// offsetOf converts a stored ib to an int64; values past math.MaxInt64
// become -1, which every bounds check rejects.
func offsetOf(ib uint64) int64 {
	if ib > math.MaxInt64 {
		return -1
	}
	return int64(ib)
}

// readPage reads and decodes the B-tree page ref points at, from the cache
// when it was read before. ptype is the tree it must belong to.
func (f *File) readPage(ref BRef, ptype uint8) (*BTPage, error) {
	off := offsetOf(ref.IB)
	tree := "NBT page"
	if ptype == PTypeBBT {
		tree = "BBT page"
	}
	f.mu.Lock()
	p := f.pages[off]
	f.mu.Unlock()
	if p == nil {
		b, err := f.readAt(off, f.lay.pageSize, tree+" (bid "+ref.BID.String()+")")
		if err != nil {
			return nil, err
		}
		var warn []string
		p, warn, err = parseBTPage(b, off, f.lay)
		if err != nil {
			return nil, err
		}
		for _, w := range warn {
			f.warn(w)
		}
		f.mu.Lock()
		if len(f.pages) >= pageCacheSize {
			clear(f.pages)
		}
		f.pages[off] = p
		f.mu.Unlock()
	}
	if p.Trailer.PType != ptype {
		return nil, formatErr(off, tree, "page has ptype 0x%02X, the tree needs 0x%02X (bid %v)", p.Trailer.PType, ptype, ref.BID)
	}
	if p.Trailer.BID != ref.BID {
		f.warnf("%s at offset 0x%X: trailer bid %v, the reference says %v", tree, off, p.Trailer.BID, ref.BID)
	}
	return p, nil
}
