package ltp

import (
	"encoding/binary"
	"fmt"
)

// MaxBTHLevels bounds bIdxLevels of a BTH (real heaps have 0 to 2).
const MaxBTHLevels = 8

// BTH is a B-tree-on-heap (MS-PST 2.3.2): fixed-size keys and data in heap
// allocations, intermediate levels pointing at lower ones by HID.
type BTH struct {
	h        *Heap
	HID      HID // the BTHHEADER's allocation
	KeySize  int // cbKey: 2, 4, 8 or 16
	DataSize int // cbEnt
	Levels   int // bIdxLevels: 0 when the root is a leaf
	Root     HID // hidRoot: 0 for an empty tree
}

// BTH reads the BTHHEADER (MS-PST 2.3.2.1) at hid.
func (h *Heap) BTH(hid HID) (*BTH, error) {
	structure := "BTHHEADER " + hid.String()
	b, err := h.Get(hid)
	if err != nil {
		return nil, err
	}
	if len(b) < 8 {
		return nil, formatErr(structure, "%d bytes, shorter than 8", len(b))
	}
	t := &BTH{h: h, HID: hid, KeySize: int(b[1]), DataSize: int(b[2]), Levels: int(b[3]), Root: HID(binary.LittleEndian.Uint32(b[4:]))}
	if b[0] != SigBTH {
		return nil, formatErr(structure, "bType 0x%02X, not 0xB5", b[0])
	}
	switch t.KeySize {
	case 2, 4, 8, 16:
	default:
		return nil, formatErr(structure, "cbKey %d (2, 4, 8 or 16 allowed)", t.KeySize)
	}
	if t.DataSize < 1 || t.DataSize > 32 {
		return nil, formatErr(structure, "cbEnt %d (1 to 32 allowed)", t.DataSize)
	}
	if t.Levels > MaxBTHLevels {
		return nil, formatErr(structure, "bIdxLevels %d exceeds %d", t.Levels, MaxBTHLevels)
	}
	return t, nil
}

// Walk calls fn with the key and data of every leaf record, in stored
// order, until fn returns false. A damaged part (an allocation that cannot
// be read, a record area of the wrong size) is skipped and the rest
// visited; the first such damage is returned at the end. key and data are
// the heap's bytes: do not change them.
func (t *BTH) Walk(fn func(key, data []byte) bool) error {
	if t.Root == 0 {
		return nil
	}
	var first error
	stopped := false
	visited := map[HID]bool{}
	var walk func(hid HID, level int)
	walk = func(hid HID, level int) {
		if stopped {
			return
		}
		// for errors only: formatting it for every node cost more than
		// walking a small one
		structure := func() string { return fmt.Sprintf("BTH %v level-%d records %v", t.HID, level, hid) }
		if visited[hid] {
			if first == nil {
				first = formatErr(structure(), "reached twice (loop)")
			}
			return
		}
		visited[hid] = true
		b, err := t.h.Get(hid)
		if err != nil {
			if first == nil {
				first = err
			}
			return
		}
		size := t.KeySize + t.DataSize
		if level > 0 {
			size = t.KeySize + 4
		}
		if len(b)%size != 0 && first == nil {
			first = formatErr(structure(), "%d bytes is not a whole number of %d-byte records", len(b), size)
		}
		for i := 0; i+size <= len(b) && !stopped; i += size {
			if level > 0 {
				walk(HID(binary.LittleEndian.Uint32(b[i+t.KeySize:])), level-1)
			} else if !fn(b[i:i+t.KeySize], b[i+t.KeySize:i+size]) {
				stopped = true
			}
		}
	}
	walk(t.Root, t.Levels)
	return first
}

// leafRecords returns how many records a one-level tree holds, 0 for a
// deeper or unreadable one: a size hint, never a bound.
func (t *BTH) leafRecords() int {
	if t.Root == 0 || t.Levels != 0 {
		return 0
	}
	b, err := t.h.Get(t.Root)
	if err != nil {
		return 0
	}
	return len(b) / (t.KeySize + t.DataSize)
}

// Lookup returns the data of the record whose key is key (cbKey bytes,
// little-endian as stored).
func (t *BTH) Lookup(key []byte) ([]byte, error) {
	if len(key) != t.KeySize {
		return nil, fmt.Errorf("ltp: BTH %v: key of %d bytes, cbKey is %d", t.HID, len(key), t.KeySize)
	}
	hid := t.Root
	for level := t.Levels; ; level-- {
		if hid == 0 {
			return nil, &FormatError{Structure: "BTH " + t.HID.String(), Msg: fmt.Sprintf("key %x not found", key), Err: ErrNotFound}
		}
		b, err := t.h.Get(hid)
		if err != nil {
			return nil, err
		}
		if level == 0 {
			size := t.KeySize + t.DataSize
			for i := 0; i+size <= len(b); i += size {
				if compareKeys(b[i:i+t.KeySize], key) == 0 {
					return b[i+t.KeySize : i+size], nil
				}
			}
			return nil, &FormatError{Structure: "BTH " + t.HID.String(), Msg: fmt.Sprintf("key %x not found", key), Err: ErrNotFound}
		}
		// The greatest key not above key; all are scanned, in case the
		// order was damaged. Levels only go down, so this ends.
		size := t.KeySize + 4
		next, found := HID(0), false
		var best []byte
		for i := 0; i+size <= len(b); i += size {
			k := b[i : i+t.KeySize]
			if compareKeys(k, key) <= 0 && (!found || compareKeys(k, best) >= 0) {
				best, found = k, true
				next = HID(binary.LittleEndian.Uint32(b[i+t.KeySize:]))
			}
		}
		hid = next
	}
}

// compareKeys compares two little-endian unsigned keys of equal size.
func compareKeys(a, b []byte) int {
	for i := len(a) - 1; i >= 0; i-- {
		if a[i] != b[i] {
			if a[i] < b[i] {
				return -1
			}
			return 1
		}
	}
	return 0
}
