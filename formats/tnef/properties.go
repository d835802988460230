package tnef

import (
	"encoding/binary"
	"fmt"

	"github.com/mailsalvage/mailsalvage/formats/mapi"
)

// Encapsulated properties (MS-OXTNEF section 2.1.3.4): the data of
// attMsgProps, attAttachment and each row of attRecipTable is a
// MsgPropertyList:
//
//	MsgPropertyList  = MsgPropertyCount *MsgPropertyValue    ; count: UINT32
//	MsgPropertyValue = MsgPropertyType MsgPropertyId [NamedPropSpec] MsgPropertyData
//	NamedPropSpec    = GUID (UINT32 0 LID / UINT32 1 UINT32-length UTF-16-name pad)
//
// A single fixed-size value is stored padded to 4 bytes. Strings, binary
// and objects, and every multi-valued property, are a UINT32 count of
// values followed by the values; a variable-size value is a UINT32 size,
// the bytes and padding to 4 bytes (not counted in the size); an object
// value starts with the 16-byte IID of its interface, counted in the size.

// Limits that keep a hostile count from allocating: counts are checked
// against the bytes left before anything is allocated, and these bound
// what a stream can make the decoder hold beyond its own bytes.
const (
	// maxItems bounds the property values one decode (one nesting level)
	// keeps: properties plus the values of multi-valued ones.
	maxItems = 1 << 22
	// maxValues bounds the values of one multi-valued property.
	maxValues = 1 << 16
)

// iidMessage is IID_IMessage, {00020307-0000-0000-C000-000000000046}, in
// its stored byte order: the interface of an embedded message object.
var iidMessage = [16]byte{0x07, 0x03, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0xC0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x46}

// encProp is one decoded encapsulated property. For a PtypObject value,
// prop.Value is the object's data after its IID, not yet copied (it may be
// a nested TNEF stream decoded in place), and iid is that IID.
type encProp struct {
	prop    *mapi.Property
	iid     [16]byte
	dataOff int64 // offset of an object's data
}

// tnefFixedSize returns how many bytes a fixed-size value of type t takes
// in a TNEF stream before padding, or 0 for variable-size types and -1 for
// types TNEF does not encode.
func tnefFixedSize(t mapi.PropType) int {
	switch t.Base() {
	case mapi.PtypInteger16, mapi.PtypBoolean:
		return 2
	case mapi.PtypInteger32, mapi.PtypFloating32, mapi.PtypErrorCode:
		return 4
	case mapi.PtypFloating64, mapi.PtypCurrency, mapi.PtypFloatingTime, mapi.PtypInteger64, mapi.PtypTime:
		return 8
	case mapi.PtypGuid:
		return 16
	case mapi.PtypString8, mapi.PtypString, mapi.PtypBinary, mapi.PtypObject:
		return 0
	}
	return -1
}

func pad4(n int) int { return (4 - n&3) & 3 }

// listReader reads the fields of one property list. Every read is checked
// against what is left of b; a failed read records the error and returns
// zero values.
type listReader struct {
	b    []byte
	off  int
	base int64 // offset of b[0] in the outermost stream
	err  *FormatError
}

func (r *listReader) left() int { return len(r.b) - r.off }

func (r *listReader) fail(format string, args ...any) {
	if r.err == nil {
		r.err = &FormatError{r.base + int64(r.off), fmt.Sprintf(format, args...)}
	}
}

func (r *listReader) u16() uint16 {
	if r.err != nil || r.left() < 2 {
		r.fail("property list ends inside a 2-byte field")
		return 0
	}
	v := binary.LittleEndian.Uint16(r.b[r.off:])
	r.off += 2
	return v
}

func (r *listReader) u32() uint32 {
	if r.err != nil || r.left() < 4 {
		r.fail("property list ends inside a 4-byte field")
		return 0
	}
	v := binary.LittleEndian.Uint32(r.b[r.off:])
	r.off += 4
	return v
}

func (r *listReader) bytes(n int) []byte {
	if r.err != nil || n < 0 || r.left() < n {
		r.fail("property list ends inside a %d-byte value", n)
		return nil
	}
	v := r.b[r.off : r.off+n : r.off+n]
	r.off += n
	return v
}

// skipPad skips the padding after a value of n bytes. A stream that ends
// right after the last value without its padding is accepted.
func (r *listReader) skipPad(n int) {
	r.off += min(pad4(n), r.left())
}

// count reads a UINT32 count of items that each take at least minSize
// bytes, and checks that they can fit in what is left.
func (r *listReader) count(what string, minSize int) int {
	n := r.u32()
	if r.err != nil {
		return 0
	}
	if uint64(n)*uint64(minSize) > uint64(r.left()) {
		r.off -= 4
		r.fail("%s count %d cannot fit in the %d bytes left", what, n, r.left()-4)
		return 0
	}
	return int(n)
}

// readList decodes one MsgPropertyList starting at r.off. It returns the
// properties decoded before any error; r.err says what stopped it.
func (d *decoder) readList(r *listReader) []encProp {
	n := r.count("property", 8)
	var out []encProp
	for i := 0; i < n && r.err == nil; i++ {
		p, ok := d.readProp(r)
		if r.err != nil {
			break
		}
		if !ok {
			continue
		}
		if d.items >= maxItems {
			r.fail("more than %d property values in the stream; the rest is not kept", maxItems)
			break
		}
		d.items += 1 + len(p.prop.Values)
		out = append(out, p)
	}
	return out
}

// readProp decodes one MsgPropertyValue. ok is false for a property that
// was read but is not kept (a named property beyond the id space).
func (d *decoder) readProp(r *listReader) (p encProp, ok bool) {
	start := r.off
	typ := mapi.PropType(r.u16())
	id := r.u16()
	if r.err != nil {
		return p, false
	}
	var named *mapi.NamedProperty
	if id >= 0x8000 {
		var np mapi.NamedProperty
		copy(np.GUID[:], r.bytes(16))
		switch kind := r.u32(); kind {
		case 0:
			np.LID = r.u32()
		case 1:
			n := r.u32()
			if r.err == nil && uint64(n) > uint64(r.left()) {
				r.off -= 4
				r.fail("named property name of %d bytes, only %d left", n, r.left()-4)
			}
			name := r.bytes(int(n))
			r.skipPad(int(n))
			np.Name = mapi.DecodeUTF16(name)
		default:
			if r.err == nil {
				r.off -= 4
				r.fail("named property kind %d is neither 0 (LID) nor 1 (name)", kind)
			}
		}
		if r.err != nil {
			return p, false
		}
		named = &np
	}
	p = d.readValue(r, mapi.NewTag(id, typ), start)
	if r.err != nil {
		return p, false
	}
	if named != nil {
		// Only a property read whole gets an id.
		nid, ok := d.namedID(*named)
		if !ok {
			d.warnf(r.base+int64(start), "more than %d distinct named properties; %s not kept", 0x7FFF, describeNamed(*named))
			return p, false
		}
		p.prop.Tag = mapi.NewTag(nid, typ)
	}
	return p, true
}

// readValue decodes the MsgPropertyData of a property with the given tag,
// whose MsgPropertyValue starts at start.
func (d *decoder) readValue(r *listReader, tag mapi.Tag, start int) (p encProp) {
	typ := tag.Type()
	prop := &mapi.Property{Tag: tag}
	p.prop = prop
	fixed := tnefFixedSize(typ)
	switch {
	case fixed < 0:
		r.off = start
		r.fail("property %s has type 0x%04X, which TNEF does not encode", tag, uint16(typ))
		return p
	case fixed > 0 && !typ.Multi():
		v := r.bytes(fixed)
		r.skipPad(fixed)
		prop.Value = clone(v)
		return p
	}
	minSize := 4 // a size field, or a padded fixed-size value
	if fixed > 4 {
		minSize = fixed
	}
	n := r.count("property "+tag.String()+" value", minSize)
	if n > maxValues {
		r.fail("property %s has %d values, more than the %d kept", tag, n, maxValues)
	}
	if r.err != nil {
		return p
	}
	values := make([][]byte, 0, min(n, 64))
	for range n {
		var v []byte
		if fixed > 0 {
			v = clone(r.bytes(fixed))
			r.skipPad(fixed)
		} else {
			size := r.u32()
			if r.err == nil && uint64(size) > uint64(r.left()) {
				r.off -= 4
				r.fail("property %s value of %d bytes, only %d left", tag, size, r.left()-4)
			}
			dataOff := r.base + int64(r.off)
			v = r.bytes(int(size))
			r.skipPad(int(size))
			if typ == mapi.PtypObject {
				// Keep the object uncopied: it may be an embedded
				// message, decoded in place.
				if len(v) >= 16 {
					copy(p.iid[:], v)
					v = v[16:]
					dataOff += 16
				}
				p.dataOff = dataOff
			} else {
				v = clone(trimString(typ.Base(), v))
			}
		}
		if r.err != nil {
			return p
		}
		values = append(values, v)
	}
	if typ.Multi() {
		prop.Values = values
		return p
	}
	switch len(values) {
	case 0:
		prop.Value = []byte{}
	case 1:
		prop.Value = values[0]
	default:
		d.warnf(r.base+int64(start), "single-valued property %s has %d values; the first is kept", tag, len(values))
		prop.Value = values[0]
	}
	return p
}

// namedID returns the property id this decode gives a named property,
// allocating the next one from 0x8000 for a name not seen before.
func (d *decoder) namedID(np mapi.NamedProperty) (uint16, bool) {
	if id, ok := d.nameIDs[np]; ok {
		return id, true
	}
	if d.nextNamed > 0xFFFE {
		return 0, false
	}
	id := uint16(d.nextNamed)
	d.nextNamed++
	if d.named == nil {
		d.named = make(map[uint16]mapi.NamedProperty)
		d.nameIDs = make(map[mapi.NamedProperty]uint16)
	}
	d.named[id] = np
	d.nameIDs[np] = id
	return id, true
}

func describeNamed(np mapi.NamedProperty) string {
	if np.Name != "" {
		return fmt.Sprintf("{%s}/%q", mapi.GUIDString(np.GUID), np.Name)
	}
	return fmt.Sprintf("{%s}/0x%04X", mapi.GUIDString(np.GUID), np.LID)
}

// trimString drops the terminating NUL that TNEF stores with string
// values: NUL bytes for PtypString8, NUL code units for PtypString.
func trimString(t mapi.PropType, v []byte) []byte {
	switch t {
	case mapi.PtypString8:
		for len(v) > 0 && v[len(v)-1] == 0 {
			v = v[:len(v)-1]
		}
	case mapi.PtypString:
		v = v[:len(v)&^1]
		for len(v) >= 2 && v[len(v)-1] == 0 && v[len(v)-2] == 0 {
			v = v[:len(v)-2]
		}
	}
	return v
}

func clone(b []byte) []byte {
	if b == nil {
		return nil
	}
	return append(make([]byte, 0, len(b)), b...)
}
