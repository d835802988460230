package dbx

import (
	"encoding/binary"
	"fmt"
	"time"
)

// The indexed info object (Schloh, "OE dbx file format: indexed info"):
// the record behind every tree value, used for message infos and folder
// infos. A 0x0c-byte header (object marker, body length, object length,
// entry count, change count), then count index entries of four bytes (an
// id in the low seven bits of the first byte, a "stored directly" flag in
// its high bit, a 24-bit value), then the data field that non-direct
// entries point into.
const (
	indexedInfoHeader = 0x0c
	// maxIndexedInfo bounds the body length: the objects live in variable
	// segments of 0xc000 bytes, so a real body is smaller.
	maxIndexedInfo = 0x10000
)

// IndexedInfo is an indexed info object as stored.
type IndexedInfo struct {
	Offset       int64
	BodyLength   uint32
	ObjectLength uint16 // not always set
	Changes      uint8
	Entries      []IndexEntry
	// Data is the data field that the entries not stored directly point
	// into.
	Data []byte
}

// IndexEntry is one entry of an indexed info's index field.
type IndexEntry struct {
	ID     uint8
	Direct bool   // Value is the value itself
	Value  uint32 // the value, or its offset in Data
}

// ReadIndexedInfo reads and checks the indexed info object at off.
func (f *File) ReadIndexedInfo(off int64, structure string) (*IndexedInfo, error) {
	if off <= 0 || off+indexedInfoHeader > f.size {
		return nil, formatErr(off, structure, "offset outside the file", nil)
	}
	var h [indexedInfoHeader]byte
	if _, err := f.r.ReadAt(h[:], off); err != nil {
		return nil, &FormatError{Off: off, Structure: structure, Msg: fmt.Sprintf("unreadable: %v", err), Err: ErrFormat}
	}
	if int64(binary.LittleEndian.Uint32(h[:])) != off {
		return nil, formatErr(off, structure, "object marker is not the object's offset", binary.LittleEndian.Uint32(h[:]))
	}
	ii := &IndexedInfo{
		Offset:       off,
		BodyLength:   binary.LittleEndian.Uint32(h[4:]),
		ObjectLength: binary.LittleEndian.Uint16(h[8:]),
		Changes:      h[11],
	}
	count := int(h[10])
	switch {
	case ii.BodyLength > maxIndexedInfo:
		return nil, formatErr(off, structure, "body longer than a variable segment", ii.BodyLength)
	case uint32(4*count) > ii.BodyLength:
		return nil, formatErr(off, structure, "index field longer than the body", count)
	case off+indexedInfoHeader+int64(ii.BodyLength) > f.size:
		return nil, formatErr(off, structure, "body runs past the end of the file", ii.BodyLength)
	}
	body := make([]byte, ii.BodyLength)
	if _, err := f.r.ReadAt(body, off+indexedInfoHeader); err != nil {
		return nil, &FormatError{Off: off, Structure: structure, Msg: fmt.Sprintf("body unreadable: %v", err), Err: ErrFormat}
	}
	ii.Entries = make([]IndexEntry, count)
	for i := range ii.Entries {
		v := binary.LittleEndian.Uint32(body[4*i:])
		ii.Entries[i] = IndexEntry{ID: uint8(v & 0x7f), Direct: v&0x80 != 0, Value: v >> 8}
	}
	ii.Data = body[4*count:]
	return ii, nil
}

func (ii *IndexedInfo) entry(id uint8) (IndexEntry, bool) {
	for _, e := range ii.Entries {
		if e.ID == id {
			return e, true
		}
	}
	return IndexEntry{}, false
}

// Raw returns the bytes of a value kept in the data field, from its
// start to the end of the field (the format stores no length); nil for a
// direct value or one outside the field.
func (ii *IndexedInfo) Raw(id uint8) ([]byte, bool) {
	e, ok := ii.entry(id)
	if !ok || e.Direct || int64(e.Value) >= int64(len(ii.Data)) {
		return nil, false
	}
	return ii.Data[e.Value:], true
}

// Uint32 returns an int4 value, direct or in the data field.
func (ii *IndexedInfo) Uint32(id uint8) (uint32, bool) {
	e, ok := ii.entry(id)
	if !ok {
		return 0, false
	}
	if e.Direct {
		return e.Value, true
	}
	b, ok := ii.Raw(id)
	if !ok || len(b) < 4 {
		return 0, false
	}
	return binary.LittleEndian.Uint32(b), true
}

// String returns a NUL-terminated string value (in the Windows code page
// the store was written in; not converted).
func (ii *IndexedInfo) String(id uint8) (string, bool) {
	b, ok := ii.Raw(id)
	if !ok {
		return "", false
	}
	return cString(b, 0, len(b)), true
}

// Time returns a Win32 FILETIME value (100 ns ticks since 1601, UTC).
func (ii *IndexedInfo) Time(id uint8) (time.Time, bool) {
	b, ok := ii.Raw(id)
	if !ok || len(b) < 8 {
		return time.Time{}, false
	}
	return fileTime(binary.LittleEndian.Uint64(b))
}

// fileTime converts a FILETIME; zero and values outside 1980-2100 are
// not dates.
func fileTime(ft uint64) (time.Time, bool) {
	const ticksTo1970 = 116444736000000000
	if ft < ticksTo1970 {
		return time.Time{}, false
	}
	d := ft - ticksTo1970
	t := time.Unix(int64(d/1e7), int64(d%1e7)*100).UTC()
	if t.Year() < 1980 || t.Year() > 2100 {
		return time.Time{}, false
	}
	return t, true
}
