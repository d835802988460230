package ltp

import (
	"encoding/binary"
	"fmt"

	"github.com/mailsalvage/mailsalvage/formats/mapi"
	"github.com/mailsalvage/mailsalvage/formats/pst/ndb"
)

// Reader gives the LTP layer the subnodes of the node being read: values
// and row matrices too large for the heap are stored in subnodes (MS-PST
// 2.3.3.3, 2.3.4.4). The messaging layer provides it.
type Reader interface {
	// Subnode returns the data blocks of a subnode of the node being read.
	Subnode(nid ndb.NID) ([][]byte, error)
}

// MaxValueSize bounds a value assembled from a subnode's blocks.
const MaxValueSize = 1 << 30

// Where a value was found, for Origin.Kind.
const (
	InHeap    = "heap"    // a heap allocation: Origin.HID
	InSubnode = "subnode" // the data of a subnode: Origin.NID
	Inline    = "inline"  // inside the PC record or the TC row itself
)

// Origin says where a value's bytes were found, so that a forensic user can
// go to them: a heap allocation (HID, with its block index and offset in
// the node's data block), a subnode (NID), or the record or row itself.
// Offsets are into the decoded block data; the NDB layer maps block
// indices to file offsets (ndb.File.DataEntries).
type Origin struct {
	Kind   string
	HNID   uint32 // the stored reference (dwValueHnid or the TC cell)
	HID    HID
	NID    ndb.NID
	Block  int // heap block index (InHeap) or the row matrix block (Inline in a TC)
	Offset int // offset in that block
	Size   int
}

// resolve reads the value an HNID refers to (MS-PST 2.3.3.2): a heap
// allocation when its type is NID_TYPE_HID, else a subnode.
func resolve(h *Heap, r Reader, hnid uint32) ([]byte, Origin, error) {
	o := Origin{HNID: hnid}
	if hnid&0x1F == ndb.NIDTypeHID {
		b, off, err := h.locate(HID(hnid))
		if err != nil {
			return nil, o, err
		}
		o.Kind, o.HID, o.Block, o.Offset, o.Size = InHeap, HID(hnid), HID(hnid).Block(), off, len(b)
		return append([]byte(nil), b...), o, nil
	}
	o.Kind, o.NID = InSubnode, ndb.NID(hnid)
	if r == nil {
		return nil, o, formatErr("subnode "+o.NID.String(), "value stored in a subnode, and no subnodes were given")
	}
	blocks, err := r.Subnode(o.NID)
	if err != nil {
		return nil, o, err
	}
	n := 0
	for _, b := range blocks {
		if b == nil {
			return nil, o, formatErr("subnode "+o.NID.String(), "a data block of the value is unreadable")
		}
		n += len(b)
	}
	if n > MaxValueSize {
		return nil, o, formatErr("subnode "+o.NID.String(), "value of %d bytes exceeds %d", n, MaxValueSize)
	}
	out := make([]byte, 0, n)
	for _, b := range blocks {
		out = append(out, b...)
	}
	o.Size = n
	return out, o, nil
}

// splitMulti splits a multi-valued property's bytes into its values (MS-PST
// 2.3.3.4.2): fixed-size values are a plain array; variable-size ones
// (strings, binaries) start with ulCount and ulCount offsets.
func splitMulti(t mapi.PropType, b []byte) ([][]byte, error) {
	if s := t.FixedSize(); s > 0 {
		if len(b)%s != 0 {
			return nil, fmt.Errorf("%d bytes is not a whole number of %d-byte values", len(b), s)
		}
		out := make([][]byte, 0, len(b)/s)
		for i := 0; i < len(b); i += s {
			out = append(out, b[i:i+s:i+s])
		}
		return out, nil
	}
	if len(b) == 0 {
		return [][]byte{}, nil
	}
	if len(b) < 4 {
		return nil, fmt.Errorf("%d bytes, too short for ulCount", len(b))
	}
	n := binary.LittleEndian.Uint32(b)
	if uint64(n) > uint64(len(b)-4)/4 {
		return nil, fmt.Errorf("ulCount %d does not fit %d bytes", n, len(b))
	}
	out := make([][]byte, n)
	start := 4 + 4*int(n)
	for i := range out {
		off := int(binary.LittleEndian.Uint32(b[4+4*i:]))
		end := len(b)
		if i+1 < len(out) {
			end = int(binary.LittleEndian.Uint32(b[8+4*i:]))
		}
		if off < start || off > end || end > len(b) {
			return nil, fmt.Errorf("value %d spans 0x%X-0x%X, outside 0x%X-0x%X", i, off, end, start, len(b))
		}
		out[i] = b[off:end:end]
	}
	return out, nil
}

// setValue stores raw as the value of tag in p: split for multi-valued
// types (kept whole, with a warning, when it cannot be split).
func setValue(p *mapi.Properties, tag mapi.Tag, raw []byte, warn func(string, ...any)) {
	prop := &mapi.Property{Tag: tag}
	if tag.Type().Multi() {
		vals, err := splitMulti(tag.Type().Base(), raw)
		if err != nil {
			warn("property %v: multi-valued value unreadable (%v); kept whole in Value", tag, err)
			prop.Value = raw
		} else {
			prop.Values = vals
		}
	} else {
		prop.Value = raw
	}
	p.Set(prop)
}
