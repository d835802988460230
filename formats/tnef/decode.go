package tnef

import (
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/mailsalvage/mailsalvage/formats/mapi"
)

// MaxDepth bounds the nesting of embedded messages: an embedded message
// deeper than this is kept as the bytes of its TNEF stream, with a warning.
const MaxDepth = 32

const (
	maxAttachments = 1 << 14
	maxRecipients  = 1 << 16
	maxWarnings    = 100
)

// Decode decodes the TNEF stream in b into a message: its properties,
// recipients and attachments, embedded messages decoded recursively.
//
// It returns ErrSignature when b is not a TNEF stream and ErrTooLarge when
// b is larger than MaxSize. Damage that leaves the attribute framing
// intact (a checksum mismatch, an undecodable property list, a value
// that does not parse) is recorded in the message's Warnings and decoding
// goes on. Damage to the framing (an attribute running past the end of
// the input, a byte where an attribute should start that cannot be one)
// makes Decode look for the next attribute (see Reader.Resync) and go on
// from there, with a warning; when there is none, decoding stops. Either
// way Decode returns the message it decoded together with a *FormatError:
// the error that stopped decoding, whose Offset is where the readable
// stream ends, or else the first damage it went past. Bytes after the
// last attribute that are too few to be one, or only NUL and white space,
// are a warning, not an error.
//
// The message does not alias b: values are copied.
func Decode(b []byte) (*mapi.Message, error) {
	if len(b) > MaxSize {
		return nil, ErrTooLarge
	}
	return decodeStream(b, 0, 0, 0, nil)
}

// Read reads a TNEF stream of at most limit bytes from r (MaxSize when
// limit is 0 or larger) and decodes it as Decode does. A stream longer
// than the limit gives ErrTooLarge; a read error after some bytes were
// read decodes what was read and returns the read error with the
// message.
func Read(r io.Reader, limit int64) (*mapi.Message, error) {
	if limit <= 0 || limit > MaxSize {
		limit = MaxSize
	}
	b, rerr := io.ReadAll(io.LimitReader(r, limit+1))
	if int64(len(b)) > limit {
		return nil, ErrTooLarge
	}
	m, err := Decode(b)
	if rerr != nil {
		if m == nil {
			return nil, fmt.Errorf("tnef: reading: %w", rerr)
		}
		return m, errors.Join(fmt.Errorf("tnef: reading: %w", rerr), err)
	}
	return m, err
}

// decoder builds one message from one stream (one nesting level).
type decoder struct {
	depth     int
	cp        int // from attOemCodepage
	parentCP  int // the enclosing message's, for an embedded stream without its own
	named     map[uint16]mapi.NamedProperty
	nameIDs   map[mapi.NamedProperty]uint16
	nextNamed int
	items     int

	warnings []string
	dropped  int

	msg    object
	recips []*mapi.Properties
	atts   []*attachment
	cur    *attachment

	attsCapped bool
	budget     *int // Resync's, shared with embedded streams
}

// object gathers the properties of a message or attachment from the two
// places TNEF keeps them: the legacy attributes, mapped to properties, and
// the encapsulated properties. An encapsulated property wins over a
// mapped attribute with the same property id (MS-OXTNEF section 2.1.3).
type object struct {
	attr map[mapi.Tag]*mapi.Property
	enc  []encProp
}

func (o *object) setAttr(tag mapi.Tag, v []byte) {
	if o.attr == nil {
		o.attr = make(map[mapi.Tag]*mapi.Property)
	}
	o.attr[tag] = &mapi.Property{Tag: tag, Value: v}
}

func (o *object) hasEnc(id uint16) bool {
	for _, e := range o.enc {
		if e.prop.Tag.ID() == id {
			return true
		}
	}
	return false
}

// build sets the gathered properties into p.
func (o *object) build(p *mapi.Properties) {
	ids := make(map[uint16]bool, len(o.enc))
	for _, e := range o.enc {
		ids[e.prop.Tag.ID()] = true
	}
	for tag, prop := range o.attr {
		if !ids[tag.ID()] {
			p.Set(prop)
		}
	}
	for _, e := range o.enc {
		if e.prop.Tag.Type() == mapi.PtypObject {
			e.prop.Value = clone(e.prop.Value)
		}
		p.Set(e.prop)
	}
}

type attachment struct {
	object
	offset    int64  // of the attribute that started it
	data      []byte // attAttachData, not copied
	truncated bool
	ole       bool // attAttachRendData says an OLE object
}

// decodeStream decodes the stream in b, found at offset base of the
// outermost stream, depth embedded messages deep. budget is shared by
// the Resync of every stream of one Decode.
func decodeStream(b []byte, base int64, depth, parentCP int, budget *int) (*mapi.Message, error) {
	rd, err := newReader(b, base, budget)
	if err != nil {
		return nil, err
	}
	d := &decoder{depth: depth, parentCP: parentCP, nextNamed: 0x8000, budget: rd.budget}
	var ferr, firstErr error // the error that stopped decoding; the first one decoding went past
	for {
		a, err := rd.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			var fe *FormatError
			errors.As(err, &fe)
			rest := rd.Remaining()
			if a.Level == 0 && junk(rest) {
				d.warnf(rd.Offset(), "%s after the last attribute, not an attribute; ignored", nbytes(len(rest)))
				break
			}
			if at, ok := rd.Resync(); ok {
				d.warnf(fe.Offset, "%s; decoding goes on at the next attribute found, at offset %d (0x%X)", fe.Msg, at, at)
				if firstErr == nil {
					firstErr = err
				}
				continue
			}
			ferr = err
			if a.Level != 0 && a.ID == AttAttachData && len(a.Data) > 0 {
				// The stream ends inside an attachment's data: keep
				// what there is.
				d.attachmentAttr(a, true)
			}
			break
		}
		if !a.ChecksumOK() {
			d.warnf(a.Offset, "attribute %s: checksum 0x%04X, data sums to 0x%04X", AttName(a.ID), a.Checksum, checksum(a.Data))
		}
		d.attribute(a)
	}
	if ferr == nil {
		ferr = firstErr
	}
	return d.finish(), ferr
}

// junk reports whether what is left after the last attribute is too short
// to be one (and does not start like one) or is only NUL and white space:
// the CRLF or slack some copies add.
func junk(rest []byte) bool {
	if len(rest) == 0 {
		return true
	}
	if len(rest) < attrOverhead && rest[0] != byte(LevelMessage) && rest[0] != byte(LevelAttachment) {
		return true
	}
	for _, c := range rest {
		if c != 0 && c != '\r' && c != '\n' && c != ' ' && c != '\t' {
			return false
		}
	}
	return true
}

func (d *decoder) warnf(off int64, format string, args ...any) {
	if len(d.warnings) >= maxWarnings {
		d.dropped++
		return
	}
	d.warnings = append(d.warnings, fmt.Sprintf("tnef: offset %d (0x%X): ", off, off)+fmt.Sprintf(format, args...))
}

// isAttachmentAttr reports whether id is an attribute that only
// attachments have.
func isAttachmentAttr(id uint32) bool {
	switch id {
	case AttAttachData, AttAttachTitle, AttAttachMetaFile, AttAttachCreateDate, AttAttachModifyDate,
		AttAttachTransportFilename, AttAttachRenddata, AttAttachment:
		return true
	}
	return false
}

func (d *decoder) attribute(a Attribute) {
	switch {
	case isAttachmentAttr(a.ID):
		if a.Level != LevelAttachment {
			d.warnf(a.Offset, "attachment attribute %s at message level; taken as an attachment attribute", AttName(a.ID))
		}
		d.attachmentAttr(a, false)
	case a.Level == LevelMessage:
		d.messageAttr(a)
	default:
		// Unknown attachment attributes are passed over, as unknown
		// message attributes are; a known message attribute here is
		// out of place.
		if _, known := attNames[a.ID]; known {
			d.warnf(a.Offset, "message attribute %s at attachment level; ignored", AttName(a.ID))
		}
	}
}

// messageAttr maps a message-level attribute (MS-OXTNEF section 2.1.3.3).
func (d *decoder) messageAttr(a Attribute) {
	o := &d.msg
	data := a.Data
	switch a.ID {
	case AttTnefVersion:
		// 0x00010000 in every known writer; nothing depends on it.
	case AttOemCodepage:
		if len(data) < 4 {
			d.warnf(a.Offset, "attOemCodepage of %d bytes; ignored", len(data))
			return
		}
		d.cp = int(binary.LittleEndian.Uint32(data))
	case AttMessageClass, AttOriginalMessageClass:
		s := trimString(mapi.PtypString8, data)
		if c, ok := legacyClasses[strings.TrimSpace(string(s))]; ok {
			s = []byte(c)
		}
		id := uint16(mapi.PidTagMessageClass)
		if a.ID == AttOriginalMessageClass {
			id = pidTagOriginalMessageClass
		}
		o.setAttr(mapi.NewTag(id, mapi.PtypString8), clone(s))
	case AttSubject:
		o.setAttr(mapi.NewTag(mapi.PidTagSubject, mapi.PtypString8), clone(trimString(mapi.PtypString8, data)))
	case AttBody:
		o.setAttr(mapi.NewTag(mapi.PidTagBody, mapi.PtypString8), clone(trimString(mapi.PtypString8, data)))
	case AttFrom:
		d.from(a)
	case AttDateSent:
		d.date(o, a, mapi.PidTagClientSubmitTime)
	case AttDateRecd:
		d.date(o, a, mapi.PidTagMessageDeliveryTime)
	case AttDateModified:
		d.date(o, a, mapi.PidTagLastModificationTime)
	case AttDateStart:
		d.date(o, a, pidTagStartDate)
	case AttDateEnd:
		d.date(o, a, pidTagEndDate)
	case AttMessageStatus:
		if len(data) < 1 {
			return
		}
		o.setAttr(mapi.NewTag(mapi.PidTagMessageFlags, mapi.PtypInteger32), le32(messageFlags(data[0])))
	case AttPriority:
		if len(data) < 2 {
			return
		}
		// attPriority 1 high, 2 normal, 3 low -> PidTagImportance 2, 1, 0.
		var imp uint32
		switch binary.LittleEndian.Uint16(data) {
		case 1:
			imp = 2
		case 2:
			imp = 1
		case 3:
			imp = 0
		default:
			d.warnf(a.Offset, "attPriority %d is not 1, 2 or 3; ignored", binary.LittleEndian.Uint16(data))
			return
		}
		o.setAttr(mapi.NewTag(mapi.PidTagImportance, mapi.PtypInteger32), le32(imp))
	case AttMessageID, AttParentID, AttConversationID:
		// A search key written as hexadecimal digits.
		k, err := hex.DecodeString(string(trimString(mapi.PtypString8, data)))
		if err != nil {
			return
		}
		id := map[uint32]uint16{AttMessageID: mapi.PidTagSearchKey, AttParentID: pidTagParentKey, AttConversationID: pidTagConversationKey}[a.ID]
		o.setAttr(mapi.NewTag(id, mapi.PtypBinary), k)
	case AttAidOwner:
		if len(data) >= 4 {
			o.setAttr(mapi.NewTag(pidTagOwnerAppointmentID, mapi.PtypInteger32), clone(data[:4]))
		}
	case AttRequestRes:
		if len(data) >= 2 {
			o.setAttr(mapi.NewTag(pidTagResponseRequested, mapi.PtypBoolean), []byte{b2u8(data[0] != 0 || data[1] != 0), 0})
		}
	case AttMsgProps:
		r := &listReader{b: data, base: a.DataOffset()}
		o.enc = append(o.enc, d.readList(r)...)
		d.listDone(r, a)
	case AttRecipTable:
		d.recipTable(a)
	}
}

// listDone warns about a property list that stopped early or left bytes
// over.
func (d *decoder) listDone(r *listReader, a Attribute) {
	switch {
	case r.err != nil:
		d.warnf(r.err.Offset, "%s: %s; properties before it kept", AttName(a.ID), r.err.Msg)
	case r.left() > 0:
		d.warnf(r.base+int64(r.off), "%s: %d bytes after the property list; ignored", AttName(a.ID), r.left())
	}
}

// recipTable decodes attRecipTable: a UINT32 row count, then one property
// list per recipient (MS-OXTNEF section 2.1.3.4).
func (d *decoder) recipTable(a Attribute) {
	r := &listReader{b: a.Data, base: a.DataOffset()}
	n := r.count("recipient row", 4)
	for i := 0; i < n && r.err == nil; i++ {
		props := d.readList(r)
		if len(props) == 0 && r.err != nil {
			break
		}
		if len(d.recips) >= maxRecipients {
			d.warnf(a.Offset, "more than %d recipients; the rest are not kept", maxRecipients)
			return
		}
		p := &mapi.Properties{}
		for _, e := range props {
			if e.prop.Tag.Type() == mapi.PtypObject {
				e.prop.Value = clone(e.prop.Value)
			}
			p.Set(e.prop)
		}
		d.recips = append(d.recips, p)
	}
	d.listDone(r, a)
}

// from maps attFrom (MS-OXTNEF section 2.1.3.3.3), a TRP structure: id
// (trpidOneOff, 4), structure length, name length and address length
// (UINT16 each), the sender's name and "TYPE:address", each NUL
// terminated, then 8 zero bytes.
func (d *decoder) from(a Attribute) {
	b := a.Data
	if len(b) < 8 {
		d.warnf(a.Offset, "attFrom of %d bytes is shorter than its header; ignored", len(b))
		return
	}
	cch := int(binary.LittleEndian.Uint16(b[4:]))
	cb := int(binary.LittleEndian.Uint16(b[6:]))
	rest := b[8:]
	if cch+cb > len(rest) {
		d.warnf(a.Offset, "attFrom declares %d+%d bytes of name and address, holds %d; what is there is kept", cch, cb, len(rest))
	}
	name := rest[:min(cch, len(rest))]
	addr := rest[len(name):min(len(name)+cb, len(rest))]
	name = trimString(mapi.PtypString8, name)
	addr = trimString(mapi.PtypString8, addr)
	o := &d.msg
	if len(name) > 0 {
		o.setAttr(mapi.NewTag(mapi.PidTagSenderName, mapi.PtypString8), clone(name))
	}
	if len(addr) > 0 {
		typ, email := []byte(nil), addr
		if i := strings.IndexByte(string(addr), ':'); i > 0 {
			typ, email = addr[:i], addr[i+1:]
		}
		if len(typ) > 0 {
			o.setAttr(mapi.NewTag(mapi.PidTagSenderAddressType, mapi.PtypString8), clone(typ))
		}
		o.setAttr(mapi.NewTag(mapi.PidTagSenderEmailAddress, mapi.PtypString8), clone(email))
	}
}

// date maps a DTR structure (year, month, day, hour, minute, second, day
// of week; UINT16 each) to a PtypTime property. TNEF writers store UTC.
func (d *decoder) date(o *object, a Attribute, id uint16) {
	b := a.Data
	if len(b) < 12 {
		d.warnf(a.Offset, "%s of %d bytes is too short for a date; ignored", AttName(a.ID), len(b))
		return
	}
	var f [6]int
	for i := range f {
		f[i] = int(binary.LittleEndian.Uint16(b[2*i:]))
	}
	y, mo, dd, h, mi, s := f[0], f[1], f[2], f[3], f[4], f[5]
	t := time.Date(y, time.Month(mo), dd, h, mi, s, 0, time.UTC)
	if y < 1601 || mo < 1 || mo > 12 || dd < 1 || h > 23 || mi > 59 || s > 59 || t.Day() != dd {
		d.warnf(a.Offset, "%s %04d-%02d-%02d %02d:%02d:%02d is not a valid date; ignored", AttName(a.ID), y, mo, dd, h, mi, s)
		return
	}
	ft, _ := mapi.FileTimeOf(t) // y >= 1601: it holds it
	o.setAttr(mapi.NewTag(id, mapi.PtypTime), binary.LittleEndian.AppendUint64(nil, ft))
}

// messageFlags maps attMessageStatus bits (fmsModified 0x01, fmsLocal
// 0x02, fmsSubmitted 0x04, fmsRead 0x20, fmsHasAttach 0x80) to
// PidTagMessageFlags bits.
func messageFlags(s byte) uint32 {
	var f uint32
	if s&0x20 != 0 {
		f |= 0x01 // mfRead
	}
	if s&0x01 == 0 {
		f |= 0x02 // mfUnmodified
	}
	if s&0x04 != 0 {
		f |= 0x04 // mfSubmit
	}
	if s&0x02 != 0 {
		f |= 0x08 // mfUnsent
	}
	if s&0x80 != 0 {
		f |= 0x10 // mfHasAttach
	}
	return f
}

// attachmentAttr maps an attachment attribute. attAttachRendData starts a
// new attachment (MS-OXTNEF section 2.1.3.3.15).
func (d *decoder) attachmentAttr(a Attribute, truncated bool) {
	if a.ID == AttAttachRenddata || d.cur == nil {
		if len(d.atts) >= maxAttachments {
			if !d.attsCapped {
				d.warnf(a.Offset, "more than %d attachments; the rest are not kept", maxAttachments)
				d.attsCapped = true
			}
			d.cur = nil
			return
		}
		if a.ID != AttAttachRenddata {
			d.warnf(a.Offset, "attachment attribute %s before any attAttachRendData; it starts an attachment", AttName(a.ID))
		}
		d.cur = &attachment{offset: a.Offset}
		d.atts = append(d.atts, d.cur)
	}
	at := d.cur
	o := &at.object
	data := a.Data
	switch a.ID {
	case AttAttachRenddata:
		// AttachType (UINT16: 1 file, 2 OLE object), AttachPosition
		// (UINT32), RenderWidth, RenderHeight (UINT16), DataFlags (UINT32).
		if len(data) < 6 {
			d.warnf(a.Offset, "attAttachRendData of %d bytes; ignored", len(data))
			return
		}
		method := uint32(mapi.AttachByValue)
		if binary.LittleEndian.Uint16(data) == 2 {
			method = mapi.AttachOLE
			at.ole = true
		}
		o.setAttr(mapi.NewTag(mapi.PidTagAttachMethod, mapi.PtypInteger32), le32(method))
		o.setAttr(mapi.NewTag(mapi.PidTagRenderingPosition, mapi.PtypInteger32), clone(data[2:6]))
	case AttAttachData:
		at.data = data
		at.truncated = truncated
	case AttAttachTitle:
		o.setAttr(mapi.NewTag(mapi.PidTagAttachFilename, mapi.PtypString8), clone(trimString(mapi.PtypString8, data)))
	case AttAttachMetaFile:
		o.setAttr(mapi.NewTag(mapi.PidTagAttachRendering, mapi.PtypBinary), clone(data))
	case AttAttachCreateDate:
		d.date(o, a, mapi.PidTagCreationTime)
	case AttAttachModifyDate:
		d.date(o, a, mapi.PidTagLastModificationTime)
	case AttAttachTransportFilename:
		o.setAttr(mapi.NewTag(pidTagAttachTransportName, mapi.PtypString8), clone(trimString(mapi.PtypString8, data)))
	case AttAttachment:
		r := &listReader{b: data, base: a.DataOffset()}
		o.enc = append(o.enc, d.readList(r)...)
		d.listDone(r, a)
	}
}

// finish builds the message from what the attributes gave.
func (d *decoder) finish() *mapi.Message {
	m := &mapi.Message{}
	cp := d.cp
	if cp == 0 {
		for _, e := range d.msg.enc {
			if e.prop.Tag == mapi.NewTag(mapi.PidTagMessageCodepage, mapi.PtypInteger32) && len(e.prop.Value) == 4 {
				cp = int(binary.LittleEndian.Uint32(e.prop.Value))
			}
		}
	}
	if cp == 0 {
		cp = d.parentCP
	}
	d.msg.build(&m.Props)
	m.Props.CodePage, m.Props.Named = cp, d.named
	for _, p := range d.recips {
		p.CodePage, p.Named = cp, d.named
		m.Recipients = append(m.Recipients, p)
	}
	for i, at := range d.atts {
		m.Attachments = append(m.Attachments, d.finishAttachment(i, at, cp))
	}
	m.Warnings = d.warnings
	if d.dropped > 0 {
		m.Warnings = append(m.Warnings, fmt.Sprintf("tnef: %d more warnings not listed", d.dropped))
	}
	return m
}

var tagAttachObject = mapi.NewTag(mapi.PidTagAttachDataBinary, mapi.PtypObject)

func (d *decoder) finishAttachment(i int, at *attachment, cp int) *mapi.Attachment {
	ma := &mapi.Attachment{}
	// An embedded message is a PtypObject PidTagAttachDataObject whose IID
	// is IID_IMessage and whose data is a TNEF stream of its own.
	kept := at.enc[:0:0]
	for _, e := range at.enc {
		if e.prop.Tag != tagAttachObject || (e.iid != iidMessage && !IsTNEF(e.prop.Value)) {
			kept = append(kept, e)
			continue
		}
		if d.depth >= MaxDepth {
			d.warnf(e.dataOff, "attachment %d: embedded message nested deeper than %d levels; kept as its TNEF bytes", i+1, MaxDepth)
			kept = append(kept, e)
			continue
		}
		em, err := decodeStream(e.prop.Value, e.dataOff, d.depth+1, cp, d.budget)
		if em == nil {
			d.warnf(e.dataOff, "attachment %d: embedded message object is not a TNEF stream (%v); kept as bytes", i+1, err)
			kept = append(kept, e)
			continue
		}
		if err != nil {
			d.warnf(e.dataOff, "attachment %d: embedded message is damaged: %v", i+1, err)
			em.Warnings = append(em.Warnings, err.Error())
		}
		ma.Embedded = em
	}
	at.enc = kept
	o := &at.object
	if ma.Embedded != nil && !o.hasEnc(mapi.PidTagAttachMethod) {
		o.setAttr(mapi.NewTag(mapi.PidTagAttachMethod, mapi.PtypInteger32), le32(mapi.AttachEmbeddedMessage))
	}
	if at.data != nil && ma.Embedded == nil && !o.hasEnc(mapi.PidTagAttachDataBinary) {
		typ := mapi.PtypBinary
		if at.ole {
			typ = mapi.PtypObject
		}
		o.setAttr(mapi.NewTag(mapi.PidTagAttachDataBinary, typ), clone(at.data))
	}
	if at.truncated {
		d.warnf(at.offset, "attachment %d: attAttachData cut short by the end of the stream; %d bytes kept", i+1, len(at.data))
	}
	o.build(&ma.Props)
	ma.Props.CodePage, ma.Props.Named = cp, d.named
	return ma
}

func nbytes(n int) string {
	if n == 1 {
		return "1 byte"
	}
	return fmt.Sprintf("%d bytes", n)
}

func le32(v uint32) []byte {
	b := make([]byte, 4)
	binary.LittleEndian.PutUint32(b, v)
	return b
}

func b2u8(b bool) byte {
	if b {
		return 1
	}
	return 0
}
