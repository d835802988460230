package ltp

import (
	"encoding/binary"
	"fmt"
	"sort"

	"github.com/mailsalvage/mailsalvage/formats/mapi"
	"github.com/mailsalvage/mailsalvage/formats/pst/ndb"
)

// heapBuilder builds the data blocks of a heap-on-node for tests and fuzz
// seeds.
type heapBuilder struct {
	sig    byte
	root   HID
	blocks [][][]byte // allocations of each block
}

func newHeapBuilder(sig byte) *heapBuilder { return &heapBuilder{sig: sig, blocks: [][][]byte{nil}} }

// alloc adds an allocation to block i (created as needed).
func (hb *heapBuilder) alloc(i int, data []byte) HID {
	for len(hb.blocks) <= i {
		hb.blocks = append(hb.blocks, nil)
	}
	hb.blocks[i] = append(hb.blocks[i], data)
	return MakeHID(i, len(hb.blocks[i]))
}

func (hb *heapBuilder) build() [][]byte {
	var out [][]byte
	for i, allocs := range hb.blocks {
		b := make([]byte, blockHeaderSize(i))
		offs := []uint16{uint16(len(b))}
		for _, a := range allocs {
			b = append(b, a...)
			offs = append(offs, uint16(len(b)))
		}
		if len(b)%2 == 1 {
			b = append(b, 0)
		}
		binary.LittleEndian.PutUint16(b, uint16(len(b)))
		pm := make([]byte, 4+2*len(offs))
		binary.LittleEndian.PutUint16(pm, uint16(len(allocs)))
		for k, o := range offs {
			binary.LittleEndian.PutUint16(pm[4+2*k:], o)
		}
		b = append(b, pm...)
		if i == 0 {
			b[2], b[3] = hnSig, hb.sig
			binary.LittleEndian.PutUint32(b[4:], uint32(hb.root))
		}
		out = append(out, b)
	}
	return out
}

// bth adds a BTH of records (key+data, sorted here) with perNode records
// per node (0: one leaf) and returns its header's HID.
func (hb *heapBuilder) bth(block, cbKey, cbEnt int, records [][]byte, perNode int) HID {
	sort.Slice(records, func(i, j int) bool { return compareKeys(records[i][:cbKey], records[j][:cbKey]) < 0 })
	levels := 0
	var root HID
	if len(records) > 0 {
		if perNode <= 0 {
			perNode = len(records)
		}
		level := records
		for {
			var up [][]byte
			for i := 0; i < len(level); i += perNode {
				j := min(i+perNode, len(level))
				var node []byte
				for _, r := range level[i:j] {
					node = append(node, r...)
				}
				hid := hb.alloc(block, node)
				rec := append(append([]byte(nil), level[i][:cbKey]...), 0, 0, 0, 0)
				binary.LittleEndian.PutUint32(rec[cbKey:], uint32(hid))
				up = append(up, rec)
			}
			if len(up) == 1 {
				root = HID(binary.LittleEndian.Uint32(up[0][cbKey:]))
				break
			}
			level = up
			levels++
		}
	}
	h := []byte{SigBTH, byte(cbKey), byte(cbEnt), byte(levels), 0, 0, 0, 0}
	binary.LittleEndian.PutUint32(h[4:], uint32(root))
	return hb.alloc(block, h)
}

// testReader is an ltp.Reader over a map of subnodes.
type testReader map[ndb.NID][][]byte

func (r testReader) Subnode(nid ndb.NID) ([][]byte, error) {
	b, ok := r[nid]
	if !ok {
		return nil, fmt.Errorf("subnode %v not found", nid)
	}
	return b, nil
}

// pcProp is a property for buildPC: its value stored inline, in the heap
// (at block), or in a subnode (sub != 0).
type pcProp struct {
	tag   mapi.Tag
	value []byte
	block int
	sub   ndb.NID
	hnid  *uint32 // a raw HNID, overriding the value
}

// buildPC builds a property context with its BTH split into nodes of
// perNode records.
func buildPC(props []pcProp, perNode int, subs testReader) [][]byte {
	hb := newHeapBuilder(SigPC)
	var recs [][]byte
	for _, p := range props {
		rec := make([]byte, 8)
		binary.LittleEndian.PutUint16(rec, p.tag.ID())
		binary.LittleEndian.PutUint16(rec[2:], uint16(p.tag.Type()))
		s := p.tag.Type().FixedSize()
		switch {
		case p.hnid != nil:
			binary.LittleEndian.PutUint32(rec[4:], *p.hnid)
		case !p.tag.Type().Multi() && s > 0 && s <= 4:
			copy(rec[4:], p.value)
		case p.sub != 0:
			binary.LittleEndian.PutUint32(rec[4:], uint32(p.sub))
			subs[p.sub] = [][]byte{p.value}
		case len(p.value) == 0:
		default:
			binary.LittleEndian.PutUint32(rec[4:], uint32(hb.alloc(p.block, p.value)))
		}
		recs = append(recs, rec)
	}
	hb.root = hb.bth(0, 2, 6, recs, perNode)
	return hb.build()
}

// tcCol is a column for buildTC.
type tcCol struct {
	tag    mapi.Tag
	size   int
	offset int
	bit    int
}

// buildTC builds a table context. rows[i][c] is the value of column c in
// row i (nil: absent); cells of 4-byte HNID columns are stored in the heap.
// With rowsPerBlock > 0 the row matrix is put in subnode 0x3F in blocks of
// that many rows, else in the heap.
func buildTC(cols []tcCol, rows [][][]byte, rowsPerBlock int, subs testReader) [][]byte {
	hb := newHeapBuilder(SigTC)
	// the layout: dwRowID first, then 8/4-byte, 2-byte, 1-byte, CEB
	rgib := [4]int{}
	end := 0
	for _, c := range cols {
		end = max(end, c.offset+c.size)
	}
	rgib[0], rgib[1], rgib[2] = end, end, end
	rgib[3] = end + (len(cols)+7)/8
	rowSize := rgib[3]
	var matrix []byte
	var index [][]byte
	for i, r := range rows {
		row := make([]byte, rowSize)
		for c, col := range cols {
			v := r[c]
			if v == nil {
				continue
			}
			row[rgib[2]+col.bit/8] |= 0x80 >> (col.bit % 8)
			t := col.tag.Type()
			if s := t.FixedSize(); !t.Multi() && s > 0 && s <= 8 {
				copy(row[col.offset:col.offset+col.size], v)
			} else if len(v) > 0 {
				binary.LittleEndian.PutUint32(row[col.offset:], uint32(hb.alloc(0, v)))
			}
		}
		matrix = append(matrix, row...)
		rec := make([]byte, 8)
		copy(rec, row[:4])
		binary.LittleEndian.PutUint32(rec[4:], uint32(i))
		index = append(index, rec)
	}
	idx := hb.bth(0, 4, 4, index, 0)
	var hnidRows uint32
	if len(matrix) > 0 {
		if rowsPerBlock > 0 {
			var blocks [][]byte
			per := rowsPerBlock * rowSize
			for i := 0; i < len(matrix); i += per {
				blocks = append(blocks, matrix[i:min(i+per, len(matrix))])
			}
			subs[0x3F] = blocks
			hnidRows = 0x3F
		} else {
			hnidRows = uint32(hb.alloc(0, matrix))
		}
	}
	info := make([]byte, 22+8*len(cols))
	info[0], info[1] = SigTC, byte(len(cols))
	for i, v := range rgib {
		binary.LittleEndian.PutUint16(info[2+2*i:], uint16(v))
	}
	binary.LittleEndian.PutUint32(info[10:], uint32(idx))
	binary.LittleEndian.PutUint32(info[14:], hnidRows)
	for i, c := range cols {
		d := info[22+8*i:]
		binary.LittleEndian.PutUint32(d, uint32(c.tag))
		binary.LittleEndian.PutUint16(d[4:], uint16(c.offset))
		d[6], d[7] = byte(c.size), byte(c.bit)
	}
	hb.root = hb.alloc(0, info)
	return hb.build()
}

func le32(v uint32) []byte { return binary.LittleEndian.AppendUint32(nil, v) }
func le16(v uint16) []byte { return binary.LittleEndian.AppendUint16(nil, v) }
func le64(v uint64) []byte { return binary.LittleEndian.AppendUint64(nil, v) }

// multiVar encodes a variable-size multi-valued value (MS-PST 2.3.3.4.2).
func multiVar(vals ...[]byte) []byte {
	b := le32(uint32(len(vals)))
	off := 4 + 4*len(vals)
	for _, v := range vals {
		b = append(b, le32(uint32(off))...)
		off += len(v)
	}
	for _, v := range vals {
		b = append(b, v...)
	}
	return b
}

// joinBlocks and splitBlocks pack a list of blocks into one fuzz input:
// each block preceded by its 16-bit length; what is left is a last block.
func joinBlocks(blocks [][]byte) []byte {
	var b []byte
	for _, blk := range blocks {
		b = append(b, le16(uint16(len(blk)))...)
		b = append(b, blk...)
	}
	return b
}

func splitBlocks(b []byte) [][]byte {
	var out [][]byte
	for len(b) >= 2 && len(out) < 300 {
		n := int(binary.LittleEndian.Uint16(b))
		b = b[2:]
		if n > len(b) {
			break
		}
		out = append(out, b[:n])
		b = b[n:]
	}
	if len(b) > 0 {
		out = append(out, b)
	}
	return out
}
