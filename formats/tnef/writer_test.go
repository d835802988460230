package tnef

import (
	"bytes"
	"encoding/binary"

	"github.com/mailsalvage/mailsalvage/formats/mapi"
)

// A small TNEF writer (MS-OXTNEF sections 2.1.3 to 2.1.3.4) for building
// test streams and fuzz seeds. It writes what it is told, damage included.

type streamWriter struct{ b bytes.Buffer }

func newStream(key uint16) *streamWriter {
	w := &streamWriter{}
	w.u32(Signature)
	w.u16(key)
	return w
}

func (w *streamWriter) u16(v uint16) { binary.Write(&w.b, binary.LittleEndian, v) }
func (w *streamWriter) u32(v uint32) { binary.Write(&w.b, binary.LittleEndian, v) }

// attr writes an attribute with a correct checksum.
func (w *streamWriter) attr(level Level, id uint32, data []byte) *streamWriter {
	return w.attrSum(level, id, data, checksum(data))
}

// attrSum writes an attribute with the given checksum.
func (w *streamWriter) attrSum(level Level, id uint32, data []byte, sum uint16) *streamWriter {
	w.b.WriteByte(byte(level))
	w.u32(id)
	w.u32(uint32(len(data)))
	w.b.Write(data)
	w.u16(sum)
	return w
}

func (w *streamWriter) raw(b []byte) *streamWriter { w.b.Write(b); return w }

func (w *streamWriter) bytes() []byte { return bytes.Clone(w.b.Bytes()) }

// Attribute data helpers.

func cstr(s string) []byte { return append([]byte(s), 0) }

func dtr(y, mo, d, h, mi, s, dow uint16) []byte {
	b := make([]byte, 14)
	for i, v := range []uint16{y, mo, d, h, mi, s, dow} {
		binary.LittleEndian.PutUint16(b[2*i:], v)
	}
	return b
}

func u16b(v uint16) []byte { return binary.LittleEndian.AppendUint16(nil, v) }
func u32b(v uint32) []byte { return binary.LittleEndian.AppendUint32(nil, v) }

func renddata(typ uint16) []byte {
	b := u16b(typ)
	b = append(b, u32b(0xFFFFFFFF)...)
	b = append(b, u16b(32)...)
	b = append(b, u16b(32)...)
	return append(b, u32b(0)...)
}

func oemCodepage(cp uint32) []byte { return append(u32b(cp), u32b(0)...) }

// trp builds attFrom data.
func trp(name, addr string) []byte {
	n, a := cstr(name), cstr(addr)
	b := u16b(4)
	b = append(b, u16b(uint16(8+len(n)+len(a)+8))...)
	b = append(b, u16b(uint16(len(n)))...)
	b = append(b, u16b(uint16(len(a)))...)
	b = append(b, n...)
	b = append(b, a...)
	return append(b, make([]byte, 8)...)
}

// propWriter builds a MsgPropertyList.
type propWriter struct {
	n int
	b bytes.Buffer
}

func (p *propWriter) pad(n int) {
	p.b.Write(make([]byte, pad4(n)))
}

func (p *propWriter) tag(t mapi.Tag, named *mapi.NamedProperty) {
	p.n++
	binary.Write(&p.b, binary.LittleEndian, uint32(t))
	if named == nil {
		return
	}
	p.b.Write(named.GUID[:])
	if named.Name == "" {
		binary.Write(&p.b, binary.LittleEndian, uint32(0))
		binary.Write(&p.b, binary.LittleEndian, named.LID)
		return
	}
	binary.Write(&p.b, binary.LittleEndian, uint32(1))
	name := mapi.EncodeUTF16(named.Name + "\x00")
	binary.Write(&p.b, binary.LittleEndian, uint32(len(name)))
	p.b.Write(name)
	p.pad(len(name))
}

// fixed writes a single fixed-size value (2, 4, 8 or 16 bytes).
func (p *propWriter) fixed(t mapi.Tag, v []byte) *propWriter {
	return p.fixedNamed(t, nil, v)
}

func (p *propWriter) fixedNamed(t mapi.Tag, named *mapi.NamedProperty, v []byte) *propWriter {
	p.tag(t, named)
	p.b.Write(v)
	p.pad(len(v))
	return p
}

func (p *propWriter) int32(id uint16, v uint32) *propWriter {
	return p.fixed(mapi.NewTag(id, mapi.PtypInteger32), u32b(v))
}

// variable writes a value of a variable-size type: a count, then each
// value's size, bytes and padding.
func (p *propWriter) variable(t mapi.Tag, named *mapi.NamedProperty, values ...[]byte) *propWriter {
	p.tag(t, named)
	binary.Write(&p.b, binary.LittleEndian, uint32(len(values)))
	for _, v := range values {
		binary.Write(&p.b, binary.LittleEndian, uint32(len(v)))
		p.b.Write(v)
		p.pad(len(v))
	}
	return p
}

func (p *propWriter) str8(id uint16, s string) *propWriter {
	return p.variable(mapi.NewTag(id, mapi.PtypString8), nil, cstr(s))
}

func (p *propWriter) unicode(id uint16, s string) *propWriter {
	return p.variable(mapi.NewTag(id, mapi.PtypString), nil, mapi.EncodeUTF16(s+"\x00"))
}

func (p *propWriter) binary(id uint16, b []byte) *propWriter {
	return p.variable(mapi.NewTag(id, mapi.PtypBinary), nil, b)
}

func (p *propWriter) object(id uint16, iid [16]byte, data []byte) *propWriter {
	return p.variable(mapi.NewTag(id, mapi.PtypObject), nil, append(iid[:], data...))
}

// multiFixed writes a multi-valued fixed-size property.
func (p *propWriter) multiFixed(t mapi.Tag, values ...[]byte) *propWriter {
	p.tag(t, nil)
	binary.Write(&p.b, binary.LittleEndian, uint32(len(values)))
	for _, v := range values {
		p.b.Write(v)
		p.pad(len(v))
	}
	return p
}

func (p *propWriter) raw(b []byte) *propWriter { p.b.Write(b); return p }

// list returns the MsgPropertyList: the count, then the properties.
func (p *propWriter) list() []byte {
	return append(u32b(uint32(p.n)), p.b.Bytes()...)
}

// recipTable builds attRecipTable data from rows.
func recipTable(rows ...*propWriter) []byte {
	b := u32b(uint32(len(rows)))
	for _, r := range rows {
		b = append(b, r.list()...)
	}
	return b
}

// sampleMessage is a complete message: legacy attributes, encapsulated
// properties with named ones, two recipients, a file attachment and an
// attachment carrying an embedded message (itself with one attachment).
func sampleMessage() []byte {
	inner := newStream(0x0101).
		attr(LevelMessage, AttTnefVersion, u32b(0x00010000)).
		attr(LevelMessage, AttOemCodepage, oemCodepage(1252)).
		attr(LevelMessage, AttMessageClass, cstr("IPM.Note")).
		attr(LevelMessage, AttSubject, cstr("Inner caf\xe9")).
		attr(LevelMessage, AttMsgProps, (&propWriter{}).
			unicode(mapi.PidTagBody, "inner body").
			list()).
		attr(LevelAttachment, AttAttachRenddata, renddata(1)).
		attr(LevelAttachment, AttAttachTitle, cstr("inner.txt")).
		attr(LevelAttachment, AttAttachData, []byte("inner attachment\n")).
		bytes()

	named := &mapi.NamedProperty{GUID: mapi.PSETIDCommon, LID: 0x8506}
	keywords := &mapi.NamedProperty{GUID: mapi.PSPUBLICSTRINGS, Name: "Keywords"}
	props := (&propWriter{}).
		unicode(mapi.PidTagSubject, "Quarterly r\u00e9sum\u00e9").
		unicode(mapi.PidTagInternetMessageId, "<abc@example.com>").
		unicode(mapi.PidTagBody, "Hello,\r\nthe body.\r\n").
		binary(mapi.PidTagHtml, []byte("<p>Hello</p>")).
		binary(mapi.PidTagRtfCompressed, []byte("fake compressed rtf")).
		fixed(mapi.NewTag(mapi.PidTagRtfInSync, mapi.PtypBoolean), []byte{1, 0}).
		fixed(mapi.NewTag(mapi.PidTagClientSubmitTime, mapi.PtypTime), binary.LittleEndian.AppendUint64(nil, 0x01D0000000000000)).
		fixed(mapi.NewTag(0x3FF5, mapi.PtypInteger16), u16b(7)).
		fixed(mapi.NewTag(0x3FF6, mapi.PtypGuid), mapi.PSMAPI[:]).
		fixedNamed(mapi.NewTag(0x8000, mapi.PtypBoolean), named, []byte{1, 0}).
		variable(mapi.NewTag(0x8001, mapi.PtypString|mapi.MultipleFlag), keywords, mapi.EncodeUTF16("red\x00"), mapi.EncodeUTF16("blue\x00")).
		multiFixed(mapi.NewTag(0x3FF7, mapi.PtypInteger32|mapi.MultipleFlag), u32b(1), u32b(2), u32b(3)).
		list()

	att1 := (&propWriter{}).
		unicode(mapi.PidTagAttachLongFilename, "report for 2024.pdf").
		unicode(mapi.PidTagAttachMimeTag, "application/pdf").
		unicode(mapi.PidTagAttachContentId, "part1@example").
		int32(mapi.PidTagAttachMethod, mapi.AttachByValue).
		list()
	att2 := (&propWriter{}).
		unicode(mapi.PidTagDisplayName, "Forwarded").
		int32(mapi.PidTagAttachMethod, mapi.AttachEmbeddedMessage).
		object(mapi.PidTagAttachDataBinary, iidMessage, inner).
		list()

	return newStream(0x2A2A).
		attr(LevelMessage, AttTnefVersion, u32b(0x00010000)).
		attr(LevelMessage, AttOemCodepage, oemCodepage(1252)).
		attr(LevelMessage, AttMessageClass, cstr("IPM.Microsoft Mail.Note")).
		attr(LevelMessage, AttFrom, trp("Ann Sender", "SMTP:ann@example.com")).
		attr(LevelMessage, AttSubject, cstr("legacy subject")).
		attr(LevelMessage, AttDateSent, dtr(2024, 2, 29, 13, 14, 15, 4)).
		attr(LevelMessage, AttDateRecd, dtr(2024, 3, 1, 8, 0, 0, 5)).
		attr(LevelMessage, AttPriority, u16b(1)).
		attr(LevelMessage, AttMessageStatus, []byte{0x20}).
		attr(LevelMessage, AttMessageID, cstr("0102A0FF")).
		attr(LevelMessage, AttBody, cstr("legacy body")).
		attr(LevelMessage, AttRecipTable, recipTable(
			(&propWriter{}).int32(mapi.PidTagRecipientType, mapi.RecipTo).
				unicode(mapi.PidTagDisplayName, "Bob").
				unicode(mapi.PidTagAddressType, "SMTP").
				unicode(mapi.PidTagEmailAddress, "bob@example.com").
				unicode(mapi.PidTagSmtpAddress, "bob@example.com"),
			(&propWriter{}).int32(mapi.PidTagRecipientType, mapi.RecipCc).
				str8(mapi.PidTagDisplayName, "Z\xfcrich desk").
				str8(mapi.PidTagEmailAddress, "zurich@example.com"),
		)).
		attr(LevelMessage, AttMsgProps, props).
		attr(LevelAttachment, AttAttachRenddata, renddata(1)).
		attr(LevelAttachment, AttAttachTitle, cstr("REPORT~1.PDF")).
		attr(LevelAttachment, AttAttachCreateDate, dtr(2023, 12, 31, 23, 59, 59, 0)).
		attr(LevelAttachment, AttAttachData, []byte("%PDF-1.4 not really\n")).
		attr(LevelAttachment, AttAttachment, att1).
		attr(LevelAttachment, AttAttachRenddata, renddata(1)).
		attr(LevelAttachment, AttAttachTitle, cstr("Forwarded")).
		attr(LevelAttachment, AttAttachment, att2).
		bytes()
}
