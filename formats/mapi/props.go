// Package mapi holds Outlook items as MAPI properties and turns them into
// RFC 5322 messages. It is shared by the readers of the containers that
// store MAPI items: .msg files (formats/msg), TNEF streams (formats/tnef)
// and PST/OST files (formats/pst). A reader fills a Message with the
// properties, recipients and attachments it found; Convert writes the
// .eml a mail client opens.
//
// References: MS-OXCDATA (property types), MS-OXPROPS (property ids),
// MS-OXCMSG (message and attachment objects), MS-OXRTFCP (compressed RTF),
// MS-OXRTFEX (HTML in RTF), MS-OXOCAL, MS-OXOCNTC, MS-OXOTASK (item
// classes).
package mapi

import (
	"encoding/binary"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"
	"unicode/utf16"
	"unicode/utf8"
)

// PropType is a property type (MS-OXCDATA section 2.11.1).
type PropType uint16

// Property types.
const (
	PtypInteger16    PropType = 0x0002
	PtypInteger32    PropType = 0x0003
	PtypFloating32   PropType = 0x0004
	PtypFloating64   PropType = 0x0005
	PtypCurrency     PropType = 0x0006
	PtypFloatingTime PropType = 0x0007
	PtypErrorCode    PropType = 0x000A
	PtypBoolean      PropType = 0x000B
	PtypObject       PropType = 0x000D
	PtypInteger64    PropType = 0x0014
	PtypString8      PropType = 0x001E
	PtypString       PropType = 0x001F
	PtypTime         PropType = 0x0040
	PtypGuid         PropType = 0x0048
	PtypServerID     PropType = 0x00FB
	PtypRestriction  PropType = 0x00FD
	PtypRuleAction   PropType = 0x00FE
	PtypBinary       PropType = 0x0102
	// MultipleFlag marks a multi-valued type (PtypMultipleInteger32 is
	// PtypInteger32|MultipleFlag).
	MultipleFlag PropType = 0x1000
)

// Multi reports whether t is multi-valued.
func (t PropType) Multi() bool { return t&MultipleFlag != 0 }

// Base returns the single-valued type of a multi-valued type.
func (t PropType) Base() PropType { return t &^ MultipleFlag }

// FixedSize returns the size in bytes of a value of a fixed-size type, or
// 0 for variable-size types (strings, binary, objects).
func (t PropType) FixedSize() int {
	switch t.Base() {
	case PtypInteger16, PtypBoolean:
		return 2
	case PtypInteger32, PtypFloating32, PtypErrorCode:
		return 4
	case PtypFloating64, PtypCurrency, PtypFloatingTime, PtypInteger64, PtypTime:
		return 8
	case PtypGuid:
		return 16
	}
	return 0
}

// Tag is a property tag: id in the high 16 bits, type in the low 16.
type Tag uint32

// NewTag makes a tag.
func NewTag(id uint16, t PropType) Tag { return Tag(uint32(id)<<16 | uint32(t)) }

// ID returns the property id.
func (t Tag) ID() uint16 { return uint16(t >> 16) }

// Type returns the property type.
func (t Tag) Type() PropType { return PropType(t) }

func (t Tag) String() string { return fmt.Sprintf("0x%08X", uint32(t)) }

// Property is one property value as stored. Value holds the bytes in the
// little-endian form MS-OXCDATA gives them: a fixed-size value in its
// size, a string as its encoded bytes (UTF-16LE for PtypString, the
// item's code page for PtypString8, without terminating NUL), binary as
// is. A multi-valued property has its values in Values instead.
type Property struct {
	Tag    Tag
	Value  []byte
	Values [][]byte
}

// NamedProperty identifies a named property (MS-OXPROPS section 1.3.2):
// a property set GUID and either a numeric id (LID) or a name.
type NamedProperty struct {
	GUID [16]byte
	LID  uint32 // valid when Name == ""
	Name string
}

// Properties is the property set of a message, recipient or attachment.
// The zero value is empty and ready to use.
type Properties struct {
	props map[Tag]*Property
	// CodePage decodes PtypString8 values: the item's
	// PidTagMessageCodepage, PidTagInternetCodepage or the store's default
	// (Windows code page number; 0 means Windows-1252).
	CodePage int
	// Named maps property ids 0x8000 and above to their names, from the
	// container's name-to-id map. Readers share one map among the
	// properties of an item.
	Named map[uint16]NamedProperty

	namedIndex map[NamedProperty]uint16 // Named reversed, built on first lookup
	namedCount int                      // len(Named) when namedIndex was built
}

// Reserve makes room for n properties before they are Set, when the
// reader knows how many are coming (a map grown one by one rehashes as
// it goes). It does nothing once a property is set.
func (p *Properties) Reserve(n int) {
	if p.props == nil && n > 0 {
		p.props = make(map[Tag]*Property, n)
	}
}

// Set adds or replaces a property.
func (p *Properties) Set(prop *Property) {
	if p.props == nil {
		p.props = make(map[Tag]*Property)
	}
	p.props[prop.Tag] = prop
}

// Get returns the property with exactly this tag.
func (p *Properties) Get(tag Tag) (*Property, bool) {
	prop, ok := p.props[tag]
	return prop, ok
}

// Find returns the property with the given id, whatever its type.
func (p *Properties) Find(id uint16) (*Property, bool) {
	for _, t := range []PropType{PtypString, PtypString8, PtypBinary, PtypInteger32, PtypBoolean, PtypTime, PtypInteger64, PtypInteger16, PtypFloating64, PtypGuid, PtypObject} {
		if prop, ok := p.props[NewTag(id, t)]; ok {
			return prop, true
		}
	}
	for tag, prop := range p.props {
		if tag.ID() == id {
			return prop, true
		}
	}
	return nil, false
}

// Len returns the number of properties.
func (p *Properties) Len() int { return len(p.props) }

// Tags returns every tag, sorted.
func (p *Properties) Tags() []Tag {
	tags := make([]Tag, 0, len(p.props))
	for t := range p.props {
		tags = append(tags, t)
	}
	slices.Sort(tags)
	return tags
}

// String returns the property id as text: PtypString decoded from
// UTF-16LE, or PtypString8 decoded with the code page.
func (p *Properties) String(id uint16) (string, bool) {
	if prop, ok := p.props[NewTag(id, PtypString)]; ok {
		return DecodeUTF16(prop.Value), true
	}
	if prop, ok := p.props[NewTag(id, PtypString8)]; ok {
		return DecodeString8(prop.Value, p.CodePage), true
	}
	return "", false
}

// Str is String without the ok: "" when absent.
func (p *Properties) Str(id uint16) string {
	s, _ := p.String(id)
	return s
}

// Strings returns a multi-valued string property.
func (p *Properties) Strings(id uint16) []string {
	var out []string
	if prop, ok := p.props[NewTag(id, PtypString|MultipleFlag)]; ok {
		for _, v := range prop.Values {
			out = append(out, DecodeUTF16(v))
		}
	} else if prop, ok := p.props[NewTag(id, PtypString8|MultipleFlag)]; ok {
		for _, v := range prop.Values {
			out = append(out, DecodeString8(v, p.CodePage))
		}
	}
	return out
}

// Int returns an integer property (16, 32 or 64 bits).
func (p *Properties) Int(id uint16) (int64, bool) {
	if prop, ok := p.props[NewTag(id, PtypInteger32)]; ok && len(prop.Value) >= 4 {
		return int64(int32(binary.LittleEndian.Uint32(prop.Value))), true
	}
	if prop, ok := p.props[NewTag(id, PtypInteger64)]; ok && len(prop.Value) >= 8 {
		return int64(binary.LittleEndian.Uint64(prop.Value)), true
	}
	if prop, ok := p.props[NewTag(id, PtypInteger16)]; ok && len(prop.Value) >= 2 {
		return int64(int16(binary.LittleEndian.Uint16(prop.Value))), true
	}
	return 0, false
}

// Bool returns a boolean property.
func (p *Properties) Bool(id uint16) (bool, bool) {
	if prop, ok := p.props[NewTag(id, PtypBoolean)]; ok && len(prop.Value) >= 1 {
		return prop.Value[0] != 0, true
	}
	return false, false
}

// Time returns a PtypTime property (a FILETIME) in UTC.
func (p *Properties) Time(id uint16) (time.Time, bool) {
	if prop, ok := p.props[NewTag(id, PtypTime)]; ok && len(prop.Value) >= 8 {
		return FileTime(binary.LittleEndian.Uint64(prop.Value))
	}
	return time.Time{}, false
}

// Float returns a PtypFloating64 property.
func (p *Properties) Float(id uint16) (float64, bool) {
	if prop, ok := p.props[NewTag(id, PtypFloating64)]; ok && len(prop.Value) >= 8 {
		return math.Float64frombits(binary.LittleEndian.Uint64(prop.Value)), true
	}
	return 0, false
}

// Binary returns a PtypBinary (or PtypObject) property's bytes.
func (p *Properties) Binary(id uint16) ([]byte, bool) {
	if prop, ok := p.props[NewTag(id, PtypBinary)]; ok {
		return prop.Value, true
	}
	if prop, ok := p.props[NewTag(id, PtypObject)]; ok {
		return prop.Value, true
	}
	return nil, false
}

// NamedID returns the property id that the name-to-id map gives a named
// property, or 0.
func (p *Properties) NamedID(guid [16]byte, lid uint32, name string) uint16 {
	if len(p.Named) == 0 {
		return 0
	}
	if p.namedIndex == nil || p.namedCount != len(p.Named) {
		// an item looks up many names; index the shared map once per item
		// (and again if it grew)
		p.namedCount = len(p.Named)
		p.namedIndex = IndexNamed(p.Named)
	}
	key := NamedProperty{GUID: guid, Name: name}
	if name == "" {
		key.LID = lid
	}
	return p.namedIndex[key]
}

// IndexNamed reverses a name-to-id map for NamedID (the lowest id of a
// name given twice). A reader that shares one map among many items
// indexes it once and hands both to each item with ShareNamed.
func IndexNamed(named map[uint16]NamedProperty) map[NamedProperty]uint16 {
	index := make(map[NamedProperty]uint16, len(named))
	for id, n := range named {
		if n.Name != "" {
			n.LID = 0
		}
		if old, ok := index[n]; !ok || id < old {
			index[n] = id
		}
	}
	return index
}

// ShareNamed sets Named together with its index, IndexNamed(named), which
// NamedID then uses instead of building its own. Neither may change
// afterwards (they may be shared by properties read concurrently).
func (p *Properties) ShareNamed(named map[uint16]NamedProperty, index map[NamedProperty]uint16) {
	p.Named, p.namedIndex, p.namedCount = named, index, len(named)
}

// FileTime converts a FILETIME (100 ns ticks since 1601-01-01 UTC) to a
// time. Zero and the "never" values (0x7FFF..., 0xFFFF...) give false.
func FileTime(ft uint64) (time.Time, bool) {
	if ft == 0 || ft >= 0x7FFFFFFFFFFFFFFF || ft == 0x0CB34557A3DD4000 /* 4500-08-31, "none" */ {
		return time.Time{}, false
	}
	const unixEpoch = 116444736000000000 // 1970-01-01 in FILETIME ticks
	d := int64(ft) - unixEpoch
	return time.Unix(d/10000000, (d%10000000)*100).UTC(), true
}

// DecodeUTF16 decodes UTF-16LE bytes, dropping a trailing NUL and an odd
// last byte.
//
// It writes UTF-8 straight from the bytes (ASCII, the most of most
// bodies, a byte a unit), one allocation; a lone surrogate becomes
// U+FFFD, as utf16.Decode makes it.
func DecodeUTF16(b []byte) string {
	n := len(b) / 2
	for n > 0 && b[2*n-2] == 0 && b[2*n-1] == 0 {
		n--
	}
	var out strings.Builder
	out.Grow(n + n/4)
	for i := 0; i < n; i++ {
		u := rune(binary.LittleEndian.Uint16(b[2*i:]))
		switch {
		case u < utf8.RuneSelf:
			out.WriteByte(byte(u))
			continue
		case u >= 0xD800 && u < 0xDC00 && i+1 < n:
			if r := utf16.DecodeRune(u, rune(binary.LittleEndian.Uint16(b[2*i+2:]))); r != utf8.RuneError {
				out.WriteRune(r)
				i++
				continue
			}
			u = utf8.RuneError
		case utf16.IsSurrogate(u):
			u = utf8.RuneError
		}
		out.WriteRune(u)
	}
	return out.String()
}

// Subject returns PidTagSubject without the marker some stores put in
// front of it: U+0001 and a character whose code is the length of the
// subject prefix ("RE: "), which PidTagSubjectPrefix holds anyway.
func (p *Properties) Subject() string {
	s := p.Str(PidTagSubject)
	if r := []rune(s); len(r) >= 2 && r[0] == 1 {
		return string(r[2:])
	}
	return s
}

// SetString sets a PtypString property (stored UTF-16LE, as readers give
// them), for readers that build an item from fields of their own (an
// Outlook for Mac archive's XML).
func (p *Properties) SetString(id uint16, s string) {
	p.Set(&Property{Tag: NewTag(id, PtypString), Value: EncodeUTF16(s)})
}

// EncodeUTF16 encodes s as UTF-16LE, without a terminator: the form of
// PtypString values and of compound-file and TNEF names.
func EncodeUTF16(s string) []byte {
	u := utf16.Encode([]rune(s))
	b := make([]byte, 2*len(u))
	for i, c := range u {
		binary.LittleEndian.PutUint16(b[2*i:], c)
	}
	return b
}

// SetBinary sets a PtypBinary property.
func (p *Properties) SetBinary(id uint16, b []byte) {
	p.Set(&Property{Tag: NewTag(id, PtypBinary), Value: b})
}

// SetInt32 sets a PtypInteger32 property.
func (p *Properties) SetInt32(id uint16, v int32) {
	p.Set(&Property{Tag: NewTag(id, PtypInteger32), Value: binary.LittleEndian.AppendUint32(nil, uint32(v))})
}

// SetTime sets a PtypTime property (a FILETIME: 100 ns since 1601); a time
// a FILETIME cannot hold (before 1601) is not set.
func (p *Properties) SetTime(id uint16, t time.Time) {
	if ft, ok := FileTimeOf(t); ok {
		p.Set(&Property{Tag: NewTag(id, PtypTime), Value: binary.LittleEndian.AppendUint64(nil, ft)})
	}
}

// FileTimeOf is FileTime's inverse: t as a FILETIME, or false when t is
// before 1601 or past what FileTime reads (about the year 30828).
func FileTimeOf(t time.Time) (uint64, bool) {
	const secondsTo1970 = 11644473600 // 1601-01-01 to 1970-01-01
	s := t.Unix() + secondsTo1970
	if s < 0 || s >= 0x7FFFFFFFFFFFFFFF/10000000 {
		return 0, false
	}
	return uint64(s)*10000000 + uint64(t.Nanosecond()/100), true
}
