package synth

import (
	"bytes"
	"cmp"
	"encoding/binary"
	"fmt"
	"slices"

	"github.com/mailsalvage/mailsalvage/formats/mapi"
)

// The lists, tables and properties layer of the PST writer (MS-PST
// section 2.3): the heap-on-node over a node's data blocks, B-trees on
// the heap, property contexts and table contexts. Values too large for
// the heap go to subnodes of the node being built.

const (
	hnSig        = 0xEC
	hnClientTC   = 0x7C
	hnClientBTH  = 0xB5
	hnClientPC   = 0xBC
	hnMaxAlloc   = 3580 // the largest heap allocation (2.3.3.3)
	hnMaxAllocs  = 0x7FF
	nidTypeLTP   = 0x1F
	nidTypeHID   = 0x00
	tagLtpRowID  = mapi.Tag(0x67F20003)
	tagLtpRowVer = mapi.Tag(0x67F30003)
)

// ltpHeap builds a heap-on-node (2.3.1): allocations packed into blocks
// of at most maxBlockData bytes, each block with its header and page
// map.
type ltpHeap struct {
	f      pstFormat
	client byte
	root   uint32 // hidUserRoot
	blocks [][][]byte
}

func newHeap(f pstFormat, client byte) *ltpHeap {
	return &ltpHeap{f: f, client: client, blocks: [][][]byte{nil}}
}

// heapHeaderSize is the size of block i's header: HNHDR, HNBITMAPHDR for
// block 8 and every 128th after, HNPAGEHDR for the others.
func heapHeaderSize(i int) int {
	switch {
	case i == 0:
		return 12
	case i >= 8 && (i-8)%128 == 0:
		return 66
	}
	return 2
}

// blockSize is the size block i would have with its allocations plus
// extra bytes in one more allocation.
func (h *ltpHeap) blockSize(i, extra, allocs int) int {
	n := heapHeaderSize(i) + extra
	for _, a := range h.blocks[i] {
		n += len(a)
	}
	n += n & 1 // HNPAGEMAP on an even offset
	return n + 4 + 2*(allocs+1)
}

// alloc adds an allocation and returns its HID (2.3.1.1).
func (h *ltpHeap) alloc(b []byte) uint32 {
	i := len(h.blocks) - 1
	if n := len(h.blocks[i]) + 1; n > hnMaxAllocs || h.blockSize(i, len(b), n) > h.f.maxBlockData() {
		h.blocks = append(h.blocks, nil)
		i++
	}
	h.blocks[i] = append(h.blocks[i], b)
	return uint32(i)<<16 | uint32(len(h.blocks[i]))<<5
}

// set replaces an allocation with bytes of the same size.
func (h *ltpHeap) set(hid uint32, b []byte) {
	a := h.blocks[hid>>16][(hid>>5&0x7FF)-1]
	if len(a) != len(b) {
		panic("synth: heap allocation resized")
	}
	copy(a, b)
}

// fillLevel is the 4-bit fill level of a block with free bytes free
// (2.3.1.2).
func fillLevel(free int) byte {
	for i, limit := range []int{3584, 2560, 2048, 1792, 1536, 1280, 1024, 768, 512, 256, 128, 64, 32, 16, 8} {
		if free >= limit {
			return byte(i)
		}
	}
	return 0xF
}

// data returns the heap's blocks.
func (h *ltpHeap) data() [][]byte {
	out := make([][]byte, len(h.blocks))
	fills := make([]byte, len(h.blocks))
	for i, allocs := range h.blocks {
		b := make([]byte, heapHeaderSize(i))
		offs := []uint16{uint16(len(b))}
		for _, a := range allocs {
			b = append(b, a...)
			offs = append(offs, uint16(len(b)))
		}
		if len(b)%2 == 1 {
			b = append(b, 0)
		}
		binary.LittleEndian.PutUint16(b, uint16(len(b))) // ibHnpm
		pm := make([]byte, 4+2*len(offs))
		binary.LittleEndian.PutUint16(pm, uint16(len(allocs)))
		for k, o := range offs {
			binary.LittleEndian.PutUint16(pm[4+2*k:], o)
		}
		out[i] = append(b, pm...)
		fills[i] = fillLevel(h.f.maxBlockData() - len(out[i]))
	}
	// rgbFillLevel: 4 bits a block, the first block in the low nibble;
	// 8 blocks in the HNHDR, 128 in each HNBITMAPHDR
	setFill := func(dst []byte, from, count int) {
		for k := 0; k < count && from+k < len(fills); k++ {
			dst[k/2] |= fills[from+k] << (4 * (k % 2))
		}
	}
	b0 := out[0]
	b0[2], b0[3] = hnSig, h.client
	binary.LittleEndian.PutUint32(b0[4:], h.root)
	setFill(b0[8:12], 0, 8)
	for i := 8; i < len(out); i += 128 {
		setFill(out[i][2:66], i, 128)
	}
	return out
}

// bth adds a B-tree-on-heap (2.3.2) over records of cbKey+cbEnt bytes,
// sorted here by key, and returns the HID of its BTHHEADER. Leaves and
// index nodes are heap allocations of at most hnMaxAlloc bytes.
func (h *ltpHeap) bth(cbKey, cbEnt int, records [][]byte) uint32 {
	hdr := h.alloc(make([]byte, 8))
	records = slices.Clone(records)
	slices.SortFunc(records, func(a, b []byte) int { return compareLE(a[:cbKey], b[:cbKey]) })
	levels := 0
	var root uint32
	if len(records) > 0 {
		level := records
		size := cbKey + cbEnt
		for {
			per := hnMaxAlloc / size
			var up [][]byte
			for i := 0; i < len(level); i += per {
				j := min(i+per, len(level))
				hid := h.alloc(bytes.Join(level[i:j], nil))
				rec := append(slices.Clone(level[i][:cbKey]), 0, 0, 0, 0)
				binary.LittleEndian.PutUint32(rec[cbKey:], hid)
				up = append(up, rec)
			}
			if len(up) == 1 {
				root = binary.LittleEndian.Uint32(up[0][cbKey:])
				break
			}
			level, size = up, cbKey+4
			levels++
		}
	}
	b := []byte{hnClientBTH, byte(cbKey), byte(cbEnt), byte(levels), 0, 0, 0, 0}
	binary.LittleEndian.PutUint32(b[4:], root)
	h.set(hdr, b)
	return hdr
}

// compareLE compares little-endian unsigned keys of one size.
func compareLE(a, b []byte) int {
	for i := len(a) - 1; i >= 0; i-- {
		if c := cmp.Compare(a[i], b[i]); c != 0 {
			return c
		}
	}
	return 0
}

// ltpNode is a node being built: its heap and its subnodes.
type ltpNode struct {
	w    *pstWriter
	heap *ltpHeap
	subs []subnodeEntry
}

func (w *pstWriter) newLTPNode(client byte) *ltpNode {
	return &ltpNode{w: w, heap: newHeap(w.f, client)}
}

// store puts a value in the heap, or in a subnode when it is larger than
// a heap allocation can be (2.3.3.3), and returns its HNID. An empty
// value has HNID 0.
func (n *ltpNode) store(b []byte) (uint32, error) {
	if len(b) == 0 {
		return 0, nil // as Outlook writes an empty value
	}
	if len(b) <= hnMaxAlloc {
		return n.heap.alloc(b), nil
	}
	bid, err := n.w.ndb.stream(b)
	if err != nil {
		return 0, err
	}
	nid := n.w.newNID(nidTypeLTP)
	n.subs = append(n.subs, subnodeEntry{nid: nid, data: bid})
	return nid, nil
}

// finish stores the node's heap and subnode tree, and returns them and
// the size of the heap.
func (n *ltpNode) finish() (data, sub uint64, size int, err error) {
	blocks := n.heap.data()
	for _, b := range blocks {
		size += len(b)
	}
	if data, err = n.w.ndb.dataTree(blocks); err != nil {
		return 0, 0, 0, err
	}
	sub, err = n.w.ndb.subnodes(n.subs)
	return data, sub, size, err
}

// pcValue is a property to write in a PC: its tag and its value encoded
// as the PST stores it (encodeValue), or, for PtypObject, the subnode
// holding the object.
type pcValue struct {
	tag    mapi.Tag
	value  []byte
	object *subnodeEntry // PtypObject: the subnode, added to the node's
	objLen int           // and the object's size
}

// pc fills the node with a property context (2.3.3): a BTH from property
// id to type and value, fixed-size values of up to 4 bytes inline, the
// others in the heap or in subnodes.
func (n *ltpNode) pc(props []pcValue) error {
	var recs [][]byte
	for _, p := range props {
		rec := make([]byte, 8)
		binary.LittleEndian.PutUint16(rec, p.tag.ID())
		binary.LittleEndian.PutUint16(rec[2:], uint16(p.tag.Type()))
		t := p.tag.Type()
		switch {
		case p.object != nil:
			n.subs = append(n.subs, *p.object)
			ref := binary.LittleEndian.AppendUint32(nil, p.object.nid)
			ref = binary.LittleEndian.AppendUint32(ref, uint32(p.objLen))
			binary.LittleEndian.PutUint32(rec[4:], n.heap.alloc(ref))
		case !t.Multi() && inlineInPC(t):
			copy(rec[4:], p.value)
		default:
			hnid, err := n.store(p.value)
			if err != nil {
				return err
			}
			binary.LittleEndian.PutUint32(rec[4:], hnid)
		}
		recs = append(recs, rec)
	}
	n.heap.root = n.heap.bth(2, 6, recs)
	return nil
}

// inlineInPC reports whether a single value of type t is kept in the PC
// record itself: fixed-size values of at most 4 bytes (and PtypNull).
func inlineInPC(t mapi.PropType) bool {
	s := t.FixedSize()
	return s > 0 && s <= 4 || t == 0x0001
}

// tcCell returns the size of a TC cell of type t (2.3.4.4.1): fixed-size
// values of up to 8 bytes in the row (a boolean in one byte), the
// others as a 4-byte HNID.
func tcCell(t mapi.PropType) int {
	switch s := t.FixedSize(); {
	case t.Multi() || s == 0 || s > 8:
		return 4
	case t == mapi.PtypBoolean:
		return 1
	default:
		return s
	}
}

// tcRow is a row to write in a TC: its dwRowID and the values of its
// cells, encoded as encodeValue encodes them.
type tcRow struct {
	id     uint32
	values map[mapi.Tag][]byte
}

// tc fills the node with a table context (2.3.4): TCINFO with the
// columns (PidTagLtpRowId and PidTagLtpRowVer are added), the row index
// (a BTH from dwRowID to row number) and the row matrix, in the heap
// when it fits an allocation, else in a subnode, rows never across
// blocks.
func (n *ltpNode) tc(columns []mapi.Tag, rows []tcRow) error {
	cols := []mapi.Tag{tagLtpRowID, tagLtpRowVer}
	for _, c := range columns {
		if c != tagLtpRowID && c != tagLtpRowVer && !slices.Contains(cols, c) {
			cols = append(cols, c)
		}
	}
	if len(cols) > 255 {
		return fmt.Errorf("%w: a table of %d columns; at most 255", ErrPST, len(cols))
	}
	slices.Sort(cols[2:])
	// the row layout: dwRowID, RowVer, then 8-byte, 4-byte, 2-byte and
	// 1-byte cells, then the cell existence block
	type colDesc struct {
		tag       mapi.Tag
		off, size int
		bit       int
	}
	descs := []colDesc{{tagLtpRowID, 0, 4, 0}, {tagLtpRowVer, 4, 4, 1}}
	for i, c := range cols[2:] {
		descs = append(descs, colDesc{tag: c, size: tcCell(c.Type()), bit: 2 + i})
	}
	end := 8
	var rgib [4]int
	for g, sizes := range [][]int{{8, 4}, {2}, {1}} {
		for _, want := range sizes {
			for i := 2; i < len(descs); i++ {
				if descs[i].size == want {
					descs[i].off = end
					end += want
				}
			}
		}
		rgib[g] = end
	}
	rgib[3] = end + (len(descs)+7)/8
	rowSize := rgib[3]

	info := n.heap.alloc(make([]byte, 22+8*len(descs)))
	var matrix []byte
	var index [][]byte
	for r, row := range rows {
		b := make([]byte, rowSize)
		set := func(d colDesc, v []byte) error {
			b[rgib[2]+d.bit/8] |= 0x80 >> (d.bit % 8)
			t := d.tag.Type()
			if d.size == 4 && (t.Multi() || t.FixedSize() == 0 || t.FixedSize() > 8) {
				hnid, err := n.store(v)
				if err != nil {
					return err
				}
				binary.LittleEndian.PutUint32(b[d.off:], hnid)
				return nil
			}
			copy(b[d.off:d.off+d.size], v)
			return nil
		}
		set(descs[0], binary.LittleEndian.AppendUint32(nil, row.id))
		set(descs[1], binary.LittleEndian.AppendUint32(nil, 1))
		for _, d := range descs[2:] {
			if v, ok := row.values[d.tag]; ok {
				if err := set(d, v); err != nil {
					return err
				}
			}
		}
		matrix = append(matrix, b...)
		rec := binary.LittleEndian.AppendUint32(nil, row.id)
		if n.w.f.ansi {
			if r > 0xFFFF {
				return fmt.Errorf("%w: %d rows in a table of an ANSI file; at most 65536", ErrPST, len(rows))
			}
			rec = binary.LittleEndian.AppendUint16(rec, uint16(r))
		} else {
			rec = binary.LittleEndian.AppendUint32(rec, uint32(r))
		}
		index = append(index, rec)
	}
	ids := map[uint32]bool{}
	for _, r := range rows {
		if ids[r.id] {
			return fmt.Errorf("%w: two rows with dwRowID 0x%X in one table", ErrPST, r.id)
		}
		ids[r.id] = true
	}
	cbEnt := 4
	if n.w.f.ansi {
		cbEnt = 2
	}
	rowIndex := n.heap.bth(4, cbEnt, index)

	var hnidRows uint32
	switch {
	case len(matrix) == 0:
	case len(matrix) <= hnMaxAlloc:
		hnidRows = n.heap.alloc(matrix)
	default:
		// each block but the last is a full block, with as many whole
		// rows as fit (2.3.4.4)
		max := n.w.f.maxBlockData()
		per := max / rowSize
		var chunks [][]byte
		for i := 0; i < len(matrix); i += per * rowSize {
			j := min(i+per*rowSize, len(matrix))
			c := matrix[i:j]
			if j < len(matrix) {
				c = append(slices.Clone(c), make([]byte, max-len(c))...)
			}
			chunks = append(chunks, c)
		}
		bid, err := n.w.ndb.dataTree(chunks)
		if err != nil {
			return err
		}
		hnidRows = n.w.newNID(nidTypeLTP)
		n.subs = append(n.subs, subnodeEntry{nid: hnidRows, data: bid})
	}

	b := make([]byte, 22+8*len(descs))
	b[0], b[1] = hnClientTC, byte(len(descs))
	for i, v := range rgib {
		binary.LittleEndian.PutUint16(b[2+2*i:], uint16(v))
	}
	binary.LittleEndian.PutUint32(b[10:], rowIndex)
	binary.LittleEndian.PutUint32(b[14:], hnidRows)
	// hidIndex (deprecated) stays 0; the descriptors sorted by tag
	sorted := slices.Clone(descs)
	slices.SortFunc(sorted, func(x, y colDesc) int { return cmp.Compare(x.tag, y.tag) })
	for i, d := range sorted {
		o := b[22+8*i:]
		binary.LittleEndian.PutUint32(o, uint32(d.tag))
		binary.LittleEndian.PutUint16(o[4:], uint16(d.off))
		o[6], o[7] = byte(d.size), byte(d.bit)
	}
	n.heap.set(info, b)
	n.heap.root = info
	return nil
}

// encodeValue returns a property's value as a PC or TC stores it
// (2.3.3.4): a single value as is, checked against its type's size;
// multi-valued fixed-size values one after the other; multi-valued
// variable-size values as a count, offsets and the values.
func encodeValue(p *mapi.Property) ([]byte, error) {
	t := p.Tag.Type()
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%w: property %v: %s", ErrPST, p.Tag, fmt.Sprintf(format, args...))
	}
	if t.Multi() {
		if !msgMultiType(t.Base()) {
			return nil, bad("type 0x%04X cannot be multi-valued", uint16(t))
		}
		if s := t.Base().FixedSize(); s > 0 {
			var v []byte
			for i, x := range p.Values {
				if len(x) != s {
					return nil, bad("value %d is %d bytes, not %d", i, len(x), s)
				}
				v = append(v, x...)
			}
			return v, nil
		}
		v := binary.LittleEndian.AppendUint32(nil, uint32(len(p.Values)))
		off := 4 + 4*len(p.Values)
		for _, x := range p.Values {
			v = binary.LittleEndian.AppendUint32(v, uint32(off))
			off += len(x)
		}
		for _, x := range p.Values {
			v = append(v, x...)
		}
		return v, nil
	}
	switch s := t.FixedSize(); {
	case t == 0x0001: // PtypNull
		return nil, nil
	case t == mapi.PtypBoolean:
		if len(p.Value) != 1 && len(p.Value) != 2 {
			return nil, bad("a boolean of %d bytes", len(p.Value))
		}
		return []byte{p.Value[0]}, nil
	case s > 0:
		if len(p.Value) != s {
			return nil, bad("%d bytes for a %d-byte type", len(p.Value), s)
		}
		return p.Value, nil
	case msgInStream(t) || t == mapi.PtypObject:
		return p.Value, nil
	}
	return nil, bad("unknown property type 0x%04X", uint16(t))
}
