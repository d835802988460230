package ltp

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// Errors; test with errors.Is.
var (
	// ErrFormat is matched by every *FormatError.
	ErrFormat = errors.New("ltp: malformed structure")
	// ErrNotFound means a key is not in a BTH.
	ErrNotFound = errors.New("ltp: not found")
)

// FormatError reports an LTP structure that cannot be read: which one
// (with the HID or NID that led there) and what is wrong. LTP structures
// live in node data, so they have no file offset of their own: the node
// that was being read gives that.
type FormatError struct {
	Structure string
	Msg       string
	Err       error
}

func (e *FormatError) Error() string {
	s := "ltp: " + e.Structure + ": " + e.Msg
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

// Unwrap returns the cause.
func (e *FormatError) Unwrap() error { return e.Err }

// Is makes errors.Is(err, ErrFormat) true.
func (e *FormatError) Is(target error) bool { return target == ErrFormat }

func formatErr(structure, format string, args ...any) *FormatError {
	return &FormatError{Structure: structure, Msg: fmt.Sprintf(format, args...)}
}

// HID is a heap identifier (MS-PST 2.3.1.1): hidType (always 0,
// NID_TYPE_HID) in the low 5 bits, hidIndex (the 1-based allocation in the
// page map) in the next 11, hidBlockIndex (the data block of the node) in
// the upper 16.
type HID uint32

// Type returns hidType; 0 for a heap item. An HNID whose type is not 0 is
// a subnode NID.
func (h HID) Type() uint8 { return uint8(h & 0x1F) }

// Index returns hidIndex, 1-based.
func (h HID) Index() int { return int(h>>5) & 0x7FF }

// Block returns hidBlockIndex: which block of the node's data holds it.
func (h HID) Block() int { return int(h >> 16) }

func (h HID) String() string { return fmt.Sprintf("0x%X", uint32(h)) }

// MakeHID builds a HID from a block index and a 1-based allocation index.
func MakeHID(block, index int) HID { return HID(uint32(block)<<16 | uint32(index&0x7FF)<<5) }

// Client signatures (MS-PST 2.3.1.2, HNHDR.bClientSig).
const (
	SigTC  = 0x7C // table context
	SigBTH = 0xB5 // BTH header (also bType of a BTHHEADER)
	SigPC  = 0xBC // property context
	// Reserved signatures seen in files: 0x6C, 0x8C, 0x9C, 0xA5, 0xAC,
	// 0xCC.
	hnSig = 0xEC // HNHDR.bSig
)

// Heap is a heap-on-node (HN, MS-PST 2.3.1): allocations spread over the
// data blocks of one node, found by HID through each block's page map.
type Heap struct {
	blocks    [][]byte
	maps      []pageMap
	clientSig uint8
	userRoot  HID
	fill      [4]byte // HNHDR.rgbFillLevel
}

// pageMap is one block's HNPAGEMAP (MS-PST 2.3.1.5).
type pageMap struct {
	hdr    int      // size of the block's header: 12, 2 or 66
	ibHnpm int      // where the page map starts: allocations end before it
	offs   []uint16 // rgibAlloc: cAlloc+1 offsets
	cFree  int
	err    error // why the block's page map cannot be used
}

// blockHeaderSize returns the size of the header of heap block i: HNHDR
// for the first, HNBITMAPHDR for the 9th and every 128th after it,
// HNPAGEHDR for the others (MS-PST 2.3.1.2 to 2.3.1.4).
func blockHeaderSize(i int) int {
	switch {
	case i == 0:
		return 12
	case i >= 8 && (i-8)%128 == 0:
		return 66
	}
	return 2
}

// NewHeap checks the heap's first block (HNHDR, bSig 0xEC, its page map)
// and decodes the page maps of the others. A later block whose page map is
// damaged (or a nil block, one the NDB layer could not read) costs only
// the allocations in it: Get reports them. The blocks are not copied and
// must not change while the heap is used.
func NewHeap(blocks [][]byte) (*Heap, error) {
	if len(blocks) == 0 || len(blocks[0]) == 0 {
		return nil, formatErr("HNHDR", "node has no data")
	}
	b := blocks[0]
	if len(b) < 12 {
		return nil, formatErr("HNHDR", "first block is %d bytes, shorter than the 12-byte HNHDR", len(b))
	}
	if b[2] != hnSig {
		return nil, formatErr("HNHDR", "bSig is 0x%02X, not 0xEC: not a heap (or the block was not decoded)", b[2])
	}
	h := &Heap{blocks: blocks, maps: make([]pageMap, len(blocks)), clientSig: b[3], userRoot: HID(binary.LittleEndian.Uint32(b[4:]))}
	copy(h.fill[:], b[8:12])
	for i, blk := range blocks {
		h.maps[i] = parsePageMap(blk, i)
	}
	if err := h.maps[0].err; err != nil {
		return nil, err
	}
	return h, nil
}

func parsePageMap(b []byte, i int) pageMap {
	pm := pageMap{hdr: blockHeaderSize(i)}
	structure := fmt.Sprintf("HNPAGEMAP of heap block %d", i)
	if b == nil {
		pm.err = formatErr(structure, "block unreadable")
		return pm
	}
	if len(b) < pm.hdr {
		pm.err = formatErr(structure, "block is %d bytes, shorter than its %d-byte header", len(b), pm.hdr)
		return pm
	}
	pm.ibHnpm = int(binary.LittleEndian.Uint16(b))
	if pm.ibHnpm < pm.hdr || pm.ibHnpm+4 > len(b) {
		pm.err = formatErr(structure, "ibHnpm 0x%X lies outside the %d-byte block", pm.ibHnpm, len(b))
		return pm
	}
	cAlloc := int(binary.LittleEndian.Uint16(b[pm.ibHnpm:]))
	pm.cFree = int(binary.LittleEndian.Uint16(b[pm.ibHnpm+2:]))
	if pm.ibHnpm+4+2*(cAlloc+1) > len(b) {
		pm.err = formatErr(structure, "cAlloc %d does not fit the block (page map at 0x%X, block %d bytes)", cAlloc, pm.ibHnpm, len(b))
		return pm
	}
	pm.offs = make([]uint16, cAlloc+1)
	for k := range pm.offs {
		pm.offs[k] = binary.LittleEndian.Uint16(b[pm.ibHnpm+4+2*k:])
	}
	return pm
}

// ClientSig returns bClientSig: SigPC, SigTC, SigBTH or a reserved value.
func (h *Heap) ClientSig() uint8 { return h.clientSig }

// UserRoot returns hidUserRoot: the client's root structure (the BTH header
// of a PC, the TCINFO of a TC).
func (h *Heap) UserRoot() HID { return h.userRoot }

// FillLevels returns rgbFillLevel of the HNHDR (free space in the first
// eight blocks, 4 bits each).
func (h *Heap) FillLevels() [4]byte { return h.fill }

// Blocks returns the number of data blocks the heap spans.
func (h *Heap) Blocks() int { return len(h.blocks) }

// Allocations returns cAlloc of block i, or -1 when its page map is
// damaged.
func (h *Heap) Allocations(i int) int {
	if i < 0 || i >= len(h.maps) || h.maps[i].err != nil {
		return -1
	}
	return len(h.maps[i].offs) - 1
}

// Get returns the bytes of an allocation. HID 0 (no allocation) gives nil.
// The bytes are the block's own: callers must not change them.
func (h *Heap) Get(hid HID) ([]byte, error) {
	b, _, err := h.locate(hid)
	return b, err
}

// locate returns an allocation and its offset in its block.
func (h *Heap) locate(hid HID) ([]byte, int, error) {
	if hid == 0 {
		return nil, 0, nil
	}
	structure := func() string { return "HID " + hid.String() } // for errors only
	if hid.Type() != 0 {
		return nil, 0, formatErr(structure(), "hidType %d: not a heap ID", hid.Type())
	}
	bi, k := hid.Block(), hid.Index()
	if bi >= len(h.blocks) {
		return nil, 0, formatErr(structure(), "block %d, the heap has %d", bi, len(h.blocks))
	}
	pm := &h.maps[bi]
	if pm.err != nil {
		return nil, 0, pm.err
	}
	if k < 1 || k >= len(pm.offs) {
		return nil, 0, formatErr(structure(), "allocation %d, block %d has %d", k, bi, len(pm.offs)-1)
	}
	start, end := int(pm.offs[k-1]), int(pm.offs[k])
	if start < pm.hdr || start > end || end > pm.ibHnpm {
		return nil, 0, formatErr(structure(), "allocation %d of block %d spans 0x%X-0x%X, outside 0x%X-0x%X", k, bi, start, end, pm.hdr, pm.ibHnpm)
	}
	return h.blocks[bi][start:end], start, nil
}
