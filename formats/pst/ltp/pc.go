package ltp

import (
	"encoding/binary"
	"fmt"

	"github.com/mailsalvage/mailsalvage/formats/mapi"
)

// PC is a property context (MS-PST 2.3.3) as read, with where every value
// came from and what could not be read.
type PC struct {
	Props   *mapi.Properties
	Origins map[mapi.Tag]Origin
	// Warnings lists the properties that were dropped or kept raw, each
	// naming the property tag and the HID or subnode.
	Warnings []string
}

// ReadPC reads a property context from a node's data blocks; r gives the
// node's subnodes, for values stored there (it may be nil for nodes
// without any). A value that cannot be read is left out; ReadPCDetailed
// says which. The error is for a PC that cannot be read at all.
//
// Values are as stored: fixed-size values of 4 bytes or less were inline
// in the record and keep their type's size (2 bytes for PtypBoolean and
// PtypInteger16), larger ones and variable-size ones come from the heap or
// a subnode; multi-valued values are split into Property.Values;
// PtypObject values are the 8-byte (NID, size) reference to the subnode
// holding the object, raw.
func ReadPC(blocks [][]byte, r Reader) (*mapi.Properties, error) {
	pc, err := ReadPCWarnings(blocks, r)
	if err != nil {
		return nil, err
	}
	return pc.Props, nil
}

// ReadPCWarnings is ReadPCDetailed without the origins (Origins is nil),
// which cost a map entry per value: for readers that only want the
// properties and the warnings.
func ReadPCWarnings(blocks [][]byte, r Reader) (*PC, error) {
	return readPCBlocks(blocks, r, false)
}

// ReadPCDetailed is ReadPC with the origin of every value and the
// warnings.
func ReadPCDetailed(blocks [][]byte, r Reader) (*PC, error) {
	return readPCBlocks(blocks, r, true)
}

// ReadPCExcept is ReadPCWarnings that leaves out the properties skip
// names, without reading them: a listing skips the bodies, which are the
// large values kept in subnodes.
func ReadPCExcept(blocks [][]byte, r Reader, skip func(mapi.Tag) bool) (*PC, error) {
	return readPCBlocksExcept(blocks, r, false, skip)
}

func readPCBlocks(blocks [][]byte, r Reader, origins bool) (*PC, error) {
	return readPCBlocksExcept(blocks, r, origins, nil)
}

func readPCBlocksExcept(blocks [][]byte, r Reader, origins bool, skip func(mapi.Tag) bool) (*PC, error) {
	h, err := NewHeap(blocks)
	if err != nil {
		return nil, err
	}
	if h.ClientSig() != SigPC {
		return nil, formatErr("HNHDR", "bClientSig 0x%02X: not a property context (0xBC)", h.ClientSig())
	}
	return readPC(h, r, origins, skip)
}

func readPC(h *Heap, r Reader, origins bool, skip func(mapi.Tag) bool) (*PC, error) {
	t, err := h.BTH(h.UserRoot())
	if err != nil {
		return nil, fmt.Errorf("ltp: property context: %w", err)
	}
	if t.KeySize != 2 || t.DataSize != 6 {
		return nil, formatErr("PC BTH "+t.HID.String(), "cbKey %d, cbEnt %d: a PC has 2 and 6", t.KeySize, t.DataSize)
	}
	pc := &PC{Props: &mapi.Properties{}}
	records := t.leafRecords()
	pc.Props.Reserve(records)
	if origins {
		pc.Origins = make(map[mapi.Tag]Origin, records)
	}
	warn := func(format string, args ...any) {
		if len(pc.Warnings) < 1000 {
			pc.Warnings = append(pc.Warnings, fmt.Sprintf(format, args...))
		}
	}
	n := 0
	werr := t.Walk(func(key, data []byte) bool {
		n++
		id := binary.LittleEndian.Uint16(key)
		typ := mapi.PropType(binary.LittleEndian.Uint16(data))
		hnid := binary.LittleEndian.Uint32(data[2:])
		tag := mapi.NewTag(id, typ)
		if skip != nil && skip(tag) {
			return true
		}
		raw, o, err := pcValue(h, r, typ, hnid, data[2:6])
		if err != nil {
			warn("property %v (HNID 0x%X): %v", tag, hnid, err)
			return true
		}
		if s := typ.FixedSize(); !typ.Multi() && s > 0 && len(raw) != s {
			warn("property %v (HNID 0x%X): %d bytes for a %d-byte type; kept as stored", tag, hnid, len(raw), s)
		}
		if origins {
			pc.Origins[tag] = o
		}
		setValue(pc.Props, tag, raw, warn)
		return true
	})
	if werr != nil {
		if n == 0 {
			return nil, fmt.Errorf("ltp: property context: %w", werr)
		}
		warn("PC BTH damaged, properties may be missing: %v", werr)
	}
	return pc, nil
}

// pcValue decodes the value of one PC record (MS-PST 2.3.3.3).
func pcValue(h *Heap, r Reader, typ mapi.PropType, hnid uint32, inline []byte) ([]byte, Origin, error) {
	if s := typ.FixedSize(); !typ.Multi() && s > 0 && s <= 4 {
		return append([]byte(nil), inline[:s]...), Origin{Kind: Inline, HNID: hnid, Size: s}, nil
	}
	if typ == 0x0001 { // PtypNull
		return []byte{}, Origin{Kind: Inline, HNID: hnid}, nil
	}
	if hnid == 0 {
		// No allocation: an empty value.
		return []byte{}, Origin{Kind: InHeap, HNID: hnid}, nil
	}
	return resolve(h, r, hnid)
}
