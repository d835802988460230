package ndb

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"sync"

	"github.com/klauspost/compress/zlib"
)

// Block types (MS-PST 2.2.2.8.3.2 and 2.2.2.8.3.3): the first byte of an
// internal block.
const (
	BTypeXBlock  = 0x01 // XBLOCK (cLevel 1) or XXBLOCK (cLevel 2)
	BTypeSLBlock = 0x02 // SLBLOCK (cLevel 0) or SIBLOCK (cLevel 1)
)

// BlockTrailer is the trailer at the end of every block (MS-PST
// 2.2.2.8.1): 12 bytes in ANSI files, 16 in Unicode ones, 24 in OST 2013
// (where it also records the size of the data once inflated).
type BlockTrailer struct {
	Size int    // cb: bytes of data before the padding
	Sig  uint16 // wSig: ComputeSig(ib, bid)
	CRC  uint32 // dwCRC of the cb data bytes
	BID  BID
	// InflatedSize is the OST 2013 trailer's size of the inflated data;
	// Size in the other variants.
	InflatedSize int
}

func parseBlockTrailer(t []byte, lay layout) BlockTrailer {
	le := binary.LittleEndian
	bt := BlockTrailer{Size: int(le.Uint16(t)), Sig: le.Uint16(t[2:])}
	switch {
	case lay.idSize == 4:
		bt.BID = BID(le.Uint32(t[4:]))
		bt.CRC = le.Uint32(t[8:])
	default:
		bt.CRC = le.Uint32(t[4:])
		bt.BID = BID(le.Uint64(t[8:]))
	}
	bt.InflatedSize = bt.Size
	if lay.blockTrailer == 24 {
		bt.InflatedSize = int(le.Uint16(t[18:]))
	}
	return bt
}

// blockSpan returns the bytes a block of cb data bytes occupies on disk:
// data and trailer rounded up to the allocation unit.
func (lay layout) blockSpan(cb int) int {
	n := cb + lay.blockTrailer
	return (n + lay.blockAlign - 1) / lay.blockAlign * lay.blockAlign
}

// ReadBlock reads one block: looked up in the BBT, read, its trailer and
// CRC checked (mismatches are warnings), decoded per the header's crypt
// method when it is a data block (internal blocks never are), and inflated
// when it is a compressed OST 2013 block.
func (f *File) ReadBlock(bid BID) ([]byte, error) {
	e, err := f.Block(bid)
	if err != nil {
		return nil, err
	}
	return f.ReadBlockEntry(e)
}

// ReadBlockEntry reads the block a BBT entry describes, as ReadBlock does;
// it lets a recovery tool read blocks from entries it found itself.
func (f *File) ReadBlockEntry(e BlockEntry) ([]byte, error) {
	structure := func() string { return fmt.Sprintf("block (bid %v)", e.BID) } // for errors only
	span := f.lay.blockSpan(e.Size)
	if e.Size < 0 || span > f.lay.maxBlock {
		return nil, formatErr(e.Offset, structure(), "cb %d is larger than a block can be (%d bytes with the trailer)", e.Size, f.lay.maxBlock)
	}
	buf, err := f.readAt(e.Offset, span, "")
	if err != nil {
		if fe, ok := err.(*FormatError); ok {
			fe.Structure = structure()
		}
		return nil, err
	}
	data, warn, err := decodeBlock(buf, e, f.lay, f.hdr.Crypt)
	for _, w := range warn {
		f.warn(w)
	}
	return data, err
}

// decodeBlock checks the trailer of buf, the bytes a block spans on disk,
// and returns its data decoded and inflated. Only a compressed block that
// does not inflate is an error.
func decodeBlock(buf []byte, e BlockEntry, lay layout, crypt uint8) ([]byte, []string, error) {
	return decodeBlockMode(buf, e, lay, crypt, false)
}

// checkBlock is decodeBlock for a block whose bytes are not wanted, only
// whether they would come out without a warning: the trailer and CRC are
// checked, the data is neither decrypted nor inflated (the CRC covers the
// stored bytes). It returns the warnings and error decodeBlock would,
// except that a compressed stream's own damage behind a sound CRC goes
// unseen until the block is read.
func checkBlock(buf []byte, e BlockEntry, lay layout, crypt uint8) ([]string, error) {
	_, warn, err := decodeBlockMode(buf, e, lay, crypt, true)
	return warn, err
}

func decodeBlockMode(buf []byte, e BlockEntry, lay layout, crypt uint8, checkOnly bool) ([]byte, []string, error) {
	var warn []string
	where := func() string { return fmt.Sprintf("block at offset 0x%X (bid %v)", e.Offset, e.BID) } // for warnings only
	if len(buf) < lay.blockTrailer || e.Size > len(buf)-lay.blockTrailer || e.Size < 0 {
		return nil, nil, formatErr(e.Offset, fmt.Sprintf("block (bid %v)", e.BID), "cb %d does not fit its %d bytes", e.Size, len(buf))
	}
	t := parseBlockTrailer(buf[len(buf)-lay.blockTrailer:], lay)
	data := buf[:e.Size]
	if t.Size != e.Size {
		warn = append(warn, fmt.Sprintf("%s: trailer cb %d, the BBT says %d", where(), t.Size, e.Size))
	}
	if t.BID.Key() != e.BID.Key() {
		warn = append(warn, fmt.Sprintf("%s: trailer bid %v, the BBT says %v (the block may have been overwritten)", where(), t.BID, e.BID))
	}
	if sig := ComputeSig(uint64(e.Offset), t.BID); sig != t.Sig {
		warn = append(warn, fmt.Sprintf("%s: wSig 0x%04X, want 0x%04X", where(), t.Sig, sig))
	}
	if crc := CRC(data); crc != t.CRC {
		warn = append(warn, fmt.Sprintf("%s: CRC mismatch: trailer says 0x%08X, data has 0x%08X", where(), t.CRC, crc))
	}
	if !e.BID.Internal() {
		known := crypt == CryptNone || crypt == CryptPermute || crypt == CryptCyclic
		if checkOnly && !known || !checkOnly && !Decode(data, crypt, e.BID) {
			warn = append(warn, fmt.Sprintf("%s: unknown crypt method 0x%02X, data left as stored", where(), crypt))
		}
	}
	if lay.blockTrailer == 24 {
		if t.InflatedSize != e.InflatedSize {
			warn = append(warn, fmt.Sprintf("%s: trailer inflated size %d, the BBT says %d", where(), t.InflatedSize, e.InflatedSize))
		}
		if e.InflatedSize != e.Size && !checkOnly {
			out, werr, err := inflate(data, e.InflatedSize)
			if werr != nil {
				// every byte came out: a flipped bit costs a byte or a
				// few, not the block
				warn = append(warn, fmt.Sprintf("%s: compressed data inflated to its %d bytes, but %v: the bytes may be damaged", where(), e.InflatedSize, werr))
			}
			if err != nil {
				return nil, warn, &FormatError{Offset: e.Offset, Structure: fmt.Sprintf("compressed block (bid %v)", e.BID), Msg: fmt.Sprintf("%d bytes do not inflate to %d", e.Size, e.InflatedSize), Err: err}
			}
			return out, warn, nil
		}
	}
	return data, warn, nil
}

// zlibReaders keeps inflaters (each holds a 32 KiB window and its
// tables) for reuse: an OST has one zlib stream per block.
var zlibReaders sync.Pool

// inflate decompresses an OST 2013 block (zlib, RFC 1950) of exactly n
// bytes; n is 16 bits, so nothing more is ever allocated. A stream that
// gives its n bytes but then fails its Adler-32 or goes on is returned
// with warn saying so (damage inside it, a flipped bit in a literal say,
// leaves the rest of the output sound); one that cannot give n bytes is an
// error.
func inflate(b []byte, n int) (out []byte, warn, err error) {
	br := bytes.NewReader(b)
	var zr io.ReadCloser
	if v, ok := zlibReaders.Get().(io.ReadCloser); ok {
		if err := v.(zlib.Resetter).Reset(br, nil); err != nil {
			zlibReaders.Put(v)
			return nil, nil, err
		}
		zr = v
	} else if zr, err = zlib.NewReader(br); err != nil {
		return nil, nil, err
	}
	defer zlibReaders.Put(zr)
	out = make([]byte, n)
	if _, err := io.ReadFull(zr, out); err != nil {
		return nil, nil, err
	}
	// The stream must end here (checking the Adler-32 too).
	var one [1]byte
	if k, err := zr.Read(one[:]); k != 0 || err != io.EOF {
		if err == nil || err == io.EOF {
			err = errors.New("more data than the inflated size")
		}
		return out, err, nil
	}
	return out, nil, nil
}

// XBlock is an XBLOCK (cLevel 1) or XXBLOCK (cLevel 2) of a data tree
// (MS-PST 2.2.2.8.3.2.1, 2.2.2.8.3.2.2): the BIDs of the data blocks, or
// of the XBLOCKs, that hold a node's data in order.
type XBlock struct {
	Level int
	Total uint32 // lcbTotal: bytes of data below
	BIDs  []BID
}

// ParseXBlock decodes an XBLOCK or XXBLOCK; idSize is 4 in ANSI files, 8
// otherwise.
func ParseXBlock(b []byte, idSize int) (XBlock, error) {
	var x XBlock
	if len(b) < 8 {
		return x, fmt.Errorf("XBLOCK of %d bytes, shorter than its 8-byte header", len(b))
	}
	if b[0] != BTypeXBlock {
		return x, fmt.Errorf("btype 0x%02X, not an XBLOCK (0x01)", b[0])
	}
	x.Level = int(b[1])
	if x.Level != 1 && x.Level != 2 {
		return x, fmt.Errorf("XBLOCK cLevel %d, want 1 or 2", x.Level)
	}
	n := int(binary.LittleEndian.Uint16(b[2:]))
	x.Total = binary.LittleEndian.Uint32(b[4:])
	if 8+n*idSize > len(b) {
		return x, fmt.Errorf("XBLOCK cEnt %d does not fit its %d bytes", n, len(b))
	}
	x.BIDs = make([]BID, n)
	for i := range x.BIDs {
		x.BIDs[i] = readID(b[8+i*idSize:], idSize)
	}
	return x, nil
}

func readID(b []byte, idSize int) BID {
	if idSize == 4 {
		return BID(binary.LittleEndian.Uint32(b))
	}
	return BID(binary.LittleEndian.Uint64(b))
}

// Data returns a node's data: the data block bid names, or the data blocks
// of the XBLOCK/XXBLOCK tree it names, in order. The heap layer needs the
// blocks apart, because heap IDs count them. bid 0 gives no blocks.
//
// When part of a tree is damaged, Data returns an error for the first
// damage and still the whole list, with a nil entry for each block that
// could not be read (when the tree says where they are), so that block
// indices stay right for what survives.
func (f *File) Data(bid BID) ([][]byte, error) {
	if bid == 0 {
		return nil, nil
	}
	d := dataWalk{f: f, visited: map[BID]bool{}, max: f.maxBlocks(), read: true}
	d.walk(bid, MaxDataTreeDepth, -1, "the node")
	return d.out, d.err
}

// DataEntries returns the BBT entries of the data blocks of a node's data,
// in the order Data returns them, without reading the data blocks: where
// each block of the node is in the file (for provenance: a heap value in
// block i at offset o starts at entries[i].Offset+o when the block is not
// compressed). An entry that could not be found has BID 0.
func (f *File) DataEntries(bid BID) ([]BlockEntry, error) {
	if bid == 0 {
		return nil, nil
	}
	d := dataWalk{f: f, visited: map[BID]bool{}, max: f.maxBlocks()}
	d.walk(bid, MaxDataTreeDepth, -1, "the node")
	return d.entries, d.err
}

// maxBlocks is the most blocks the file can hold: a bound for one node's
// data.
func (f *File) maxBlocks() int {
	n := f.size / 64
	if n > 1<<30 {
		n = 1 << 30
	}
	return int(n) + 1
}

// dataWalk expands a data tree (MS-PST 2.2.2.8.3.2), at most
// MaxDataTreeDepth levels, each XBLOCK visited once.
type dataWalk struct {
	f       *File
	visited map[BID]bool
	max     int
	read    bool // read the data blocks (Data) or only list them (DataEntries)
	out     [][]byte
	entries []BlockEntry
	err     error
}

// walk appends the data blocks below bid and reports whether it appended
// anything. level is the highest XBLOCK level allowed here; want is the
// level the parent expects (-1 at the root, 0 for a data block).
func (d *dataWalk) walk(bid BID, level, want int, parent string) bool {
	if len(d.entries) >= d.max {
		d.fail(formatErr(-1, "data tree", "more than %d blocks, more than the file can hold", d.max))
		return false
	}
	e, err := d.f.Block(bid)
	if err != nil {
		d.fail(fmt.Errorf("ndb: %s names block %v: %w", parent, bid, err))
		return false
	}
	if want == 0 && e.BID.Internal() {
		d.fail(formatErr(e.Offset, "XBLOCK entry", "%s lists internal block %v where a data block belongs", parent, bid))
		return false
	}
	if !e.BID.Internal() {
		if want > 0 {
			d.fail(formatErr(e.Offset, "XXBLOCK entry", "%s lists data block %v where an XBLOCK belongs", parent, bid))
			return false
		}
		d.entries = append(d.entries, e)
		if d.read {
			b, err := d.f.ReadBlockEntry(e)
			d.out = append(d.out, b)
			if err != nil {
				d.fail(err)
			}
		}
		return true
	}
	key := e.BID.Key()
	if d.visited[key] {
		d.fail(formatErr(e.Offset, "data tree", "XBLOCK %v reached twice (loop) from %s", bid, parent))
		return false
	}
	d.visited[key] = true
	b, err := d.f.ReadBlockEntry(e)
	if err != nil {
		d.fail(err)
		return false
	}
	x, err := ParseXBlock(b, d.f.lay.idSize)
	if err != nil {
		d.fail(&FormatError{Offset: e.Offset, Structure: fmt.Sprintf("XBLOCK (bid %v)", bid), Msg: err.Error()})
		return false
	}
	if x.Level > level || want > 0 && x.Level != want {
		d.fail(formatErr(e.Offset, fmt.Sprintf("XBLOCK (bid %v)", bid), "cLevel %d where at most %d fits under %s (data trees have 2 levels at most)", x.Level, level, parent))
		return false
	}
	name := fmt.Sprintf("the XBLOCK at 0x%X (bid %v)", e.Offset, bid)
	if x.Level == 2 {
		name = fmt.Sprintf("the XXBLOCK at 0x%X (bid %v)", e.Offset, bid)
	}
	start := len(d.entries)
	for _, c := range x.BIDs {
		if !d.walk(c, x.Level-1, x.Level-1, name) && x.Level == 1 && len(d.entries) < d.max {
			// keep block indices right for what follows
			d.entries = append(d.entries, BlockEntry{Offset: -1})
			if d.read {
				d.out = append(d.out, nil)
			}
		}
		if len(d.entries) >= d.max {
			break
		}
	}
	if d.read && d.err == nil {
		var sum uint64
		for _, blk := range d.out[start:] {
			sum += uint64(len(blk))
		}
		if sum != uint64(x.Total) {
			d.f.warnf("%s: lcbTotal %d, its blocks hold %d bytes", name, x.Total, sum)
		}
	}
	return len(d.entries) > start
}

func (d *dataWalk) fail(err error) {
	if d.err == nil {
		d.err = err
	}
}

// SubnodeEntry is a leaf entry of a subnode tree (SLENTRY, MS-PST
// 2.2.2.8.3.3.1.1): a subnode's NID, local to its node, with its data and
// own subnode tree.
type SubnodeEntry struct {
	NID      NID
	Data     BID
	Subnodes BID
}

// SubnodeBlock is an SLBLOCK (Level 0, Entries set) or an SIBLOCK (Level
// 1, Children set) (MS-PST 2.2.2.8.3.3.1, 2.2.2.8.3.3.2).
type SubnodeBlock struct {
	Level    int
	Entries  []SubnodeEntry
	Children []SIEntry
}

// SIEntry is an entry of an SIBLOCK (MS-PST 2.2.2.8.3.3.2.1): the lowest
// NID below and the SLBLOCK holding it.
type SIEntry struct {
	NID NID
	BID BID
}

// ParseSubnodeBlock decodes an SLBLOCK or SIBLOCK; idSize is 4 in ANSI
// files, 8 otherwise (where the header has 4 bytes of padding).
func ParseSubnodeBlock(b []byte, idSize int) (SubnodeBlock, error) {
	var s SubnodeBlock
	hdr := 4
	if idSize == 8 {
		hdr = 8
	}
	if len(b) < hdr {
		return s, fmt.Errorf("subnode block of %d bytes, shorter than its header", len(b))
	}
	if b[0] != BTypeSLBlock {
		return s, fmt.Errorf("btype 0x%02X, not an SLBLOCK/SIBLOCK (0x02)", b[0])
	}
	s.Level = int(b[1])
	n := int(binary.LittleEndian.Uint16(b[2:]))
	size := 3 * idSize
	if s.Level > 0 {
		size = 2 * idSize
	}
	if hdr+n*size > len(b) {
		return s, fmt.Errorf("cEnt %d entries of %d bytes do not fit the block's %d bytes", n, size, len(b))
	}
	for i := 0; i < n; i++ {
		e := b[hdr+i*size:]
		nid := NID(readID(e, idSize))
		if s.Level == 0 {
			s.Entries = append(s.Entries, SubnodeEntry{nid, readID(e[idSize:], idSize), readID(e[2*idSize:], idSize)})
		} else {
			s.Children = append(s.Children, SIEntry{nid, readID(e[idSize:], idSize)})
		}
	}
	return s, nil
}

// Subnodes reads the subnode tree bid names (SLBLOCK, or SIBLOCKs over
// SLBLOCKs) into a map by subnode NID. bid 0 gives an empty map. A damaged
// branch costs its entries: the map still holds the others and the error
// says what was lost.
func (f *File) Subnodes(bid BID) (map[NID]SubnodeEntry, error) {
	out := map[NID]SubnodeEntry{}
	if bid == 0 {
		return out, nil
	}
	visited := map[BID]bool{}
	var first error
	fail := func(err error) {
		if first == nil {
			first = err
		}
	}
	var walk func(bid BID, depth int, parent string)
	walk = func(bid BID, depth int, parent string) {
		e, err := f.Block(bid)
		if err != nil {
			fail(err)
			return
		}
		structure := fmt.Sprintf("subnode block (bid %v)", bid)
		if !e.BID.Internal() {
			fail(formatErr(e.Offset, structure, "%s names data block %v where an SLBLOCK/SIBLOCK belongs", parent, bid))
			return
		}
		if visited[e.BID.Key()] {
			fail(formatErr(e.Offset, structure, "reached twice (loop) from %s", parent))
			return
		}
		visited[e.BID.Key()] = true
		if depth > MaxSubnodeDepth {
			fail(formatErr(e.Offset, structure, "subnode tree deeper than %d levels", MaxSubnodeDepth))
			return
		}
		b, err := f.ReadBlockEntry(e)
		if err != nil {
			fail(err)
			return
		}
		s, err := ParseSubnodeBlock(b, f.lay.idSize)
		if err != nil {
			fail(&FormatError{Offset: e.Offset, Structure: structure, Msg: err.Error()})
			return
		}
		if s.Level == 0 {
			for _, se := range s.Entries {
				if _, dup := out[se.NID]; dup {
					f.warnf("SLBLOCK at offset 0x%X (bid %v): subnode %v listed twice; the first kept", e.Offset, bid, se.NID)
					continue
				}
				out[se.NID] = se
			}
			return
		}
		name := fmt.Sprintf("the SIBLOCK at 0x%X (bid %v)", e.Offset, bid)
		for _, c := range s.Children {
			walk(c.BID, depth+1, name)
		}
	}
	walk(bid, 0, "the node")
	return out, first
}
