package synth

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"

	"github.com/mailsalvage/mailsalvage/formats/mapi"
)

// A TNEF writer (MS-OXTNEF): the winmail.dat that Outlook and Exchange
// attach to carry an item's MAPI properties through Internet mail.

// ErrTNEF is wrapped by the errors TNEF returns for a message it cannot
// encode.
var ErrTNEF = errors.New("synth: cannot write TNEF")

// TNEF stream constants (MS-OXTNEF sections 2.1.3 and 2.1.3.3).
const (
	tnefSignature = 0x223E9F78
	tnefVersion   = 0x00010000

	tnefLevelMessage    = 0x01
	tnefLevelAttachment = 0x02

	attMessageClass   = 0x00078008
	attAttachData     = 0x0006800F
	attAttachTitle    = 0x00018010
	attAttachRenddata = 0x00069002
	attMsgProps       = 0x00069003
	attRecipTable     = 0x00069004
	attAttachment     = 0x00069005
	attTnefVersion    = 0x00089006
	attOemCodepage    = 0x00069007

	// AttachType of attAttachRendData (section 2.1.3.3.15)
	tnefAttachFile = 0x0001
	tnefAttachOLE  = 0x0002

	maxTNEFDepth = 32 // the depth formats/tnef decodes
)

// iidIMessage is IID_IMessage, {00020307-0000-0000-C000-000000000046}, in
// its stored byte order: the interface of an embedded message object
// (section 2.1.3.4.1).
var iidIMessage = [16]byte{0x07, 0x03, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0xC0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x46}

// TNEF encodes m as a TNEF stream (MS-OXTNEF): the signature and a legacy
// key, then attTnefVersion, attOemCodepage, attMessageClass, attMsgProps
// with every property of the message (named properties with their GUID
// and LID or name, section 2.1.3.4), attRecipTable with a row of
// properties per recipient, and for each attachment attAttachRendData
// (which starts it), attAttachTitle, attAttachData and attAttachment with
// the attachment's other properties. The attachment's data goes in
// attAttachData, not in attAttachment; an embedded message goes in
// attAttachment as PidTagAttachDataObject: IID_IMessage and the embedded
// message's own TNEF stream. Every attribute has its checksum, the sum of
// its data bytes modulo 65536.
//
// The code page of attOemCodepage, which readers decode PtypString8
// values and the string attributes with, is Props.CodePage, else
// PidTagMessageCodepage, else 1252. The key is derived from the content,
// so the same message gives the same bytes.
func TNEF(m *mapi.Message) ([]byte, error) {
	if m == nil {
		return nil, fmt.Errorf("%w: nil message", ErrTNEF)
	}
	return tnefStream(m, "", 0)
}

func tnefStream(m *mapi.Message, path string, depth int) ([]byte, error) {
	if depth > maxTNEFDepth {
		return nil, fmt.Errorf("%w: %s: embedded messages nested deeper than %d", ErrTNEF, pathOr(path), maxTNEFDepth)
	}
	cp := m.Props.CodePage
	if cp == 0 {
		if v, ok := m.Props.Int(mapi.PidTagMessageCodepage); ok && v > 0 {
			cp = int(v)
		}
	}
	if cp == 0 {
		cp = 1252
	}

	var body bytes.Buffer
	attr := func(level byte, id uint32, data []byte) {
		body.WriteByte(level)
		body.Write(binary.LittleEndian.AppendUint32(nil, id))
		body.Write(binary.LittleEndian.AppendUint32(nil, uint32(len(data))))
		body.Write(data)
		body.Write(binary.LittleEndian.AppendUint16(nil, tnefChecksum(data)))
	}
	attr(tnefLevelMessage, attTnefVersion, binary.LittleEndian.AppendUint32(nil, tnefVersion))
	attr(tnefLevelMessage, attOemCodepage, binary.LittleEndian.AppendUint64(nil, uint64(cp))) // primary, then secondary 0
	attr(tnefLevelMessage, attMessageClass, cString(encode8(m.Class(), cp)))

	props, err := tnefPropList(&m.Props, pathOr(path), nil)
	if err != nil {
		return nil, err
	}
	attr(tnefLevelMessage, attMsgProps, props)
	if len(m.Recipients) > 0 {
		rows := binary.LittleEndian.AppendUint32(nil, uint32(len(m.Recipients)))
		for i, r := range m.Recipients {
			if r == nil {
				return nil, fmt.Errorf("%w: %s: recipient %d is nil", ErrTNEF, pathOr(path), i)
			}
			row, err := tnefPropList(r, fmt.Sprintf("%s: recipient %d", pathOr(path), i), nil)
			if err != nil {
				return nil, err
			}
			rows = append(rows, row...)
		}
		attr(tnefLevelMessage, attRecipTable, rows)
	}

	for i, a := range m.Attachments {
		where := fmt.Sprintf("%s: attachment %d", pathOr(path), i)
		if a == nil {
			return nil, fmt.Errorf("%w: %s is nil", ErrTNEF, where)
		}
		method, _ := a.Props.Int(mapi.PidTagAttachMethod)
		data, hasData := a.Props.Get(mapi.NewTag(mapi.PidTagAttachDataBinary, mapi.PtypBinary))
		obj, hasObj := a.Props.Get(tagAttachDataObject)
		if a.Embedded != nil && hasData {
			return nil, fmt.Errorf("%w: %s has both an embedded message and PidTagAttachDataBinary", ErrTNEF, where)
		}
		if hasData && hasObj && a.Embedded == nil {
			return nil, fmt.Errorf("%w: %s has PidTagAttachDataBinary as both PtypBinary and PtypObject", ErrTNEF, where)
		}

		// attAttachRendData (section 2.1.3.3.15): AttachType, AttachPosition,
		// RenderWidth, RenderHeight, DataFlags
		rend := make([]byte, 14)
		typ := uint16(tnefAttachFile)
		if method == mapi.AttachOLE && a.Embedded == nil {
			typ = tnefAttachOLE
		}
		binary.LittleEndian.PutUint16(rend[0:], typ)
		pos := uint32(0xFFFFFFFF)
		if v, ok := a.Props.Int(mapi.PidTagRenderingPosition); ok {
			pos = uint32(v)
		}
		binary.LittleEndian.PutUint32(rend[2:], pos)
		binary.LittleEndian.PutUint16(rend[6:], 32)
		binary.LittleEndian.PutUint16(rend[8:], 32)
		attr(tnefLevelAttachment, attAttachRenddata, rend)

		title := ""
		for _, id := range []uint16{mapi.PidTagAttachFilename, mapi.PidTagAttachLongFilename, mapi.PidTagDisplayName} {
			if s, ok := a.Props.String(id); ok && s != "" {
				title = s
				break
			}
		}
		if title == "" && a.Embedded != nil {
			title = a.Embedded.Props.Str(mapi.PidTagSubject)
		}
		if title != "" {
			attr(tnefLevelAttachment, attAttachTitle, cString(encode8(title, cp)))
		}

		var skip []mapi.Tag
		var embedded *tnefObject
		switch {
		case a.Embedded != nil:
			nested, err := tnefStream(a.Embedded, where+": embedded message", depth+1)
			if err != nil {
				return nil, err
			}
			embedded = &tnefObject{iid: iidIMessage, data: nested}
			skip = append(skip, tagAttachDataObject)
		case hasData:
			attr(tnefLevelAttachment, attAttachData, data.Value)
			skip = append(skip, data.Tag)
		case hasObj:
			// an OLE object: its bytes in attAttachData (AttachType OLE)
			attr(tnefLevelAttachment, attAttachData, obj.Value)
			skip = append(skip, obj.Tag)
		}
		list, err := tnefPropList(&a.Props, where, func(tag mapi.Tag) bool {
			for _, s := range skip {
				if tag == s {
					return true
				}
			}
			return false
		})
		if err != nil {
			return nil, err
		}
		if embedded != nil {
			list = appendTNEFObject(list, embedded)
		}
		attr(tnefLevelAttachment, attAttachment, list)
	}

	out := binary.LittleEndian.AppendUint32(nil, tnefSignature)
	// the legacy key: any number; this one comes from the content
	key := uint16(crc32.ChecksumIEEE(body.Bytes())) | 1
	out = binary.LittleEndian.AppendUint16(out, key)
	return append(out, body.Bytes()...), nil
}

func tnefChecksum(b []byte) uint16 {
	var s uint32
	for _, c := range b {
		s += uint32(c)
	}
	return uint16(s)
}

type tnefObject struct {
	iid  [16]byte
	data []byte
}

// appendTNEFObject adds PidTagAttachDataObject holding obj to a property
// list, and counts it.
func appendTNEFObject(list []byte, obj *tnefObject) []byte {
	n := binary.LittleEndian.Uint32(list)
	binary.LittleEndian.PutUint32(list, n+1)
	list = binary.LittleEndian.AppendUint32(list, uint32(tagAttachDataObject))
	list = binary.LittleEndian.AppendUint32(list, 1) // one value
	v := append(obj.iid[:], obj.data...)
	list = binary.LittleEndian.AppendUint32(list, uint32(len(v)))
	list = append(list, v...)
	return pad4(list)
}

// tnefPropList encodes a MsgPropertyList (MS-OXTNEF section 2.1.3.4): a
// count, then each property's type and id, for a named property its GUID
// and LID or name, and its value: a fixed-size value padded to 4 bytes;
// a string, binary or object value, or each value of a multi-valued
// property, after a count, as a size and the bytes padded to 4 (strings
// with their terminators).
func tnefPropList(p *mapi.Properties, where string, skip func(mapi.Tag) bool) ([]byte, error) {
	out := make([]byte, 4)
	n := 0
	for _, tag := range p.Tags() {
		if skip != nil && skip(tag) {
			continue
		}
		prop, _ := p.Get(tag)
		t := tag.Type()
		bad := func(format string, args ...any) error {
			return fmt.Errorf("%w: %s: property %s: %s", ErrTNEF, where, tag, fmt.Sprintf(format, args...))
		}
		size := tnefValueSize(t.Base())
		if size < 0 || t.Multi() && !msgMultiType(t.Base()) {
			return nil, bad("type 0x%04X cannot be encoded in TNEF", uint16(t))
		}
		if t == mapi.PtypObject {
			return nil, bad("a PtypObject value can only be an attachment's embedded message or OLE data")
		}
		out = binary.LittleEndian.AppendUint32(out, uint32(tag))
		if tag.ID() >= 0x8000 {
			np, ok := p.Named[tag.ID()]
			if !ok {
				return nil, bad("an id of a named property but no name in Properties.Named")
			}
			out = append(out, np.GUID[:]...)
			if np.Name == "" {
				out = binary.LittleEndian.AppendUint32(out, 0)
				out = binary.LittleEndian.AppendUint32(out, np.LID)
			} else {
				name := mapi.EncodeUTF16(np.Name + "\x00")
				out = binary.LittleEndian.AppendUint32(out, 1)
				out = binary.LittleEndian.AppendUint32(out, uint32(len(name)))
				out = pad4(append(out, name...))
			}
		}
		value := func(v []byte) {
			if size > 0 {
				out = pad4(append(out, v...))
				return
			}
			switch t.Base() {
			case mapi.PtypString:
				v = append(v[:len(v):len(v)], 0, 0)
			case mapi.PtypString8:
				v = append(v[:len(v):len(v)], 0)
			}
			out = binary.LittleEndian.AppendUint32(out, uint32(len(v)))
			out = pad4(append(out, v...))
		}
		switch {
		case t.Multi():
			out = binary.LittleEndian.AppendUint32(out, uint32(len(prop.Values)))
			for i, v := range prop.Values {
				if size > 0 && len(v) != size {
					return nil, bad("value %d is %d bytes, not %d", i, len(v), size)
				}
				value(v)
			}
		case size > 0:
			if len(prop.Value) != size {
				return nil, bad("a value of %d bytes, not %d", len(prop.Value), size)
			}
			value(prop.Value)
		default:
			out = binary.LittleEndian.AppendUint32(out, 1) // one value
			value(prop.Value)
		}
		n++
	}
	binary.LittleEndian.PutUint32(out, uint32(n))
	return out, nil
}

// tnefValueSize is the size of a fixed-size value in TNEF before its
// padding, 0 for the variable-size types, -1 for the types TNEF cannot
// encode.
func tnefValueSize(t mapi.PropType) int {
	switch t {
	case mapi.PtypString, mapi.PtypString8, mapi.PtypBinary, mapi.PtypObject:
		return 0
	case mapi.PtypInteger16, mapi.PtypBoolean, mapi.PtypInteger32, mapi.PtypFloating32, mapi.PtypErrorCode,
		mapi.PtypFloating64, mapi.PtypCurrency, mapi.PtypFloatingTime, mapi.PtypInteger64, mapi.PtypTime, mapi.PtypGuid:
		return t.FixedSize()
	}
	return -1
}

func pad4(b []byte) []byte {
	for len(b)%4 != 0 {
		b = append(b, 0)
	}
	return b
}

func cString(b []byte) []byte { return append(b[:len(b):len(b)], 0) }

// encode8 encodes s in a Windows code page for an 8-bit string, with '?'
// for what the code page cannot hold. UTF-8 (65001) and code pages this
// package does not know keep s's bytes.
func encode8(s string, cp int) []byte {
	enc := mapi.CodePageEncoding(cp)
	if enc == nil {
		return []byte(s)
	}
	var out []byte
	e := enc.NewEncoder()
	for _, r := range s {
		b, err := e.Bytes([]byte(string(r)))
		if err != nil {
			b = []byte("?")
		}
		out = append(out, b...)
	}
	return bytes.ReplaceAll(out, []byte{0}, nil) // a NUL would end the string early
}
