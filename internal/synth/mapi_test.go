package synth

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math"
	"sort"
	"testing"
	"time"

	"github.com/mailsalvage/mailsalvage/formats/mapi"
)

// Helpers shared by the round-trip tests of MSG and TNEF: a message
// with a property of every type a .msg and a TNEF stream can hold, and a
// comparison of messages that names named properties by their names,
// since readers give them ids of their own.

// propKey identifies a property across containers: its tag, or for a
// named property its name and type.
type propKey struct {
	tag   mapi.Tag
	named mapi.NamedProperty
}

func (k propKey) String() string {
	if k.tag.ID() < 0x8000 {
		return k.tag.String()
	}
	if k.named.Name != "" {
		return fmt.Sprintf("{%s}/%q type 0x%04X", mapi.GUIDString(k.named.GUID), k.named.Name, uint16(k.tag.Type()))
	}
	return fmt.Sprintf("{%s}/0x%04X type 0x%04X", mapi.GUIDString(k.named.GUID), k.named.LID, uint16(k.tag.Type()))
}

func keyOf(t *testing.T, p *mapi.Properties, tag mapi.Tag) propKey {
	t.Helper()
	if tag.ID() < 0x8000 {
		return propKey{tag: tag}
	}
	np, ok := p.Named[tag.ID()]
	if !ok {
		t.Errorf("property %s: no name in Properties.Named", tag)
	}
	return propKey{tag: mapi.NewTag(0x8000, tag.Type()), named: canonicalName(np)}
}

func propsByKey(t *testing.T, p *mapi.Properties) map[propKey]*mapi.Property {
	t.Helper()
	out := make(map[propKey]*mapi.Property)
	for _, tag := range p.Tags() {
		prop, _ := p.Get(tag)
		k := keyOf(t, p, tag)
		if _, dup := out[k]; dup {
			t.Errorf("two properties are %s", k)
		}
		out[k] = prop
	}
	return out
}

func sameValues(a, b [][]byte) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if !bytes.Equal(a[i], b[i]) {
			return false
		}
	}
	return true
}

// compareProps checks that got has every property of want, with its
// value, and that whatever else it has is allowed by extra. It returns
// the number of properties compared.
func compareProps(t *testing.T, where string, want, got *mapi.Properties, extra func(propKey) bool) int {
	t.Helper()
	w, g := propsByKey(t, want), propsByKey(t, got)
	keys := make([]propKey, 0, len(w))
	for k := range w {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return keys[i].String() < keys[j].String() })
	for _, k := range keys {
		wp := w[k]
		gp, ok := g[k]
		switch {
		case !ok:
			t.Errorf("%s: property %s was not read back", where, k)
		case k.tag.Type().Multi() && !sameValues(wp.Values, gp.Values):
			t.Errorf("%s: property %s: read back %q, wrote %q", where, k, gp.Values, wp.Values)
		case !k.tag.Type().Multi() && !bytes.Equal(wp.Value, gp.Value):
			t.Errorf("%s: property %s: read back % x, wrote % x", where, k, clip(gp.Value), clip(wp.Value))
		}
	}
	for k := range g {
		if _, ok := w[k]; !ok && (extra == nil || !extra(k)) {
			gp := g[k]
			t.Errorf("%s: property %s was read but not written (% x)", where, k, clip(gp.Value))
		}
	}
	return len(keys)
}

func clip(b []byte) []byte {
	if len(b) > 48 {
		return b[:48]
	}
	return b
}

// extras says which properties a reader may add, at each kind of
// object.
type extras struct {
	message, recipient, attachment func(propKey) bool
}

// compareMessages compares want and got recursively and returns the
// deepest level of embedded messages compared and the properties
// compared.
func compareMessages(t *testing.T, where string, want, got *mapi.Message, ex extras) (depth, props int) {
	t.Helper()
	if got == nil {
		t.Errorf("%s: no message read", where)
		return 0, 0
	}
	for _, w := range got.Warnings {
		t.Errorf("%s: reader warning: %s", where, w)
	}
	props += compareProps(t, where, &want.Props, &got.Props, ex.message)
	if len(got.Recipients) != len(want.Recipients) {
		t.Errorf("%s: %d recipients read, %d written", where, len(got.Recipients), len(want.Recipients))
	} else {
		for i := range want.Recipients {
			props += compareProps(t, fmt.Sprintf("%s/recipient %d", where, i), want.Recipients[i], got.Recipients[i], ex.recipient)
		}
	}
	if len(got.Attachments) != len(want.Attachments) {
		t.Errorf("%s: %d attachments read, %d written", where, len(got.Attachments), len(want.Attachments))
		return 0, props
	}
	for i, wa := range want.Attachments {
		ga := got.Attachments[i]
		aw := fmt.Sprintf("%s/attachment %d", where, i)
		props += compareProps(t, aw, &wa.Props, &ga.Props, ex.attachment)
		switch {
		case wa.Embedded == nil && ga.Embedded != nil:
			t.Errorf("%s: an embedded message was read, none written", aw)
		case wa.Embedded != nil && ga.Embedded == nil:
			t.Errorf("%s: the embedded message was not read", aw)
		case wa.Embedded != nil:
			d, n := compareMessages(t, aw+"/embedded", wa.Embedded, ga.Embedded, ex)
			depth = max(depth, d+1)
			props += n
		}
	}
	return depth, props
}

// Values of each type.

func le16(v uint16) []byte                    { return binary.LittleEndian.AppendUint16(nil, v) }
func le32(v uint32) []byte                    { return binary.LittleEndian.AppendUint32(nil, v) }
func le64(v uint64) []byte                    { return binary.LittleEndian.AppendUint64(nil, v) }
func f64(v float64) []byte                    { return le64(math.Float64bits(v)) }
func f32(v float32) []byte                    { return le32(math.Float32bits(v)) }
func ft(y int) []byte                         { return fileTime(time.Date(y, 3, 4, 5, 6, 7, 800, time.UTC)) }
func u16s(s string) []byte                    { return mapi.EncodeUTF16(s) }
func tag(id uint16, t mapi.PropType) mapi.Tag { return mapi.NewTag(id, t) }

// kitchenSink returns a message with a property of every type, single and
// multi-valued, named properties by LID and by name under ids that are
// not the ones a writer would give (sparse, and in an order of their
// own), recipients, an attachment by value of more than the mini stream
// cutoff, and embedded messages nested depth levels deep, each with
// recipients, an attachment and named properties of its own.
func kitchenSink(depth int) *mapi.Message {
	named := map[uint16]mapi.NamedProperty{
		0x8005: {GUID: mapi.PSETIDCommon, LID: mapi.PidLidReminderSet},
		0x8001: {GUID: mapi.PSPUBLICSTRINGS, Name: "Keywords"},
		0x8100: {GUID: mapi.PSINTERNETHEADERS, Name: "X-Mailer"},
		0x8003: {GUID: mapi.PSETIDAppointment, LID: mapi.PidLidLocation},
		0x80A0: {GUID: mapi.PSMAPI, LID: 0x0E1A},
		0x9000: {GUID: mapi.PSETIDAddress, Name: "Ünïcödé name"},
	}
	return sinkLevel(depth, named, 0)
}

func sinkLevel(depth int, named map[uint16]mapi.NamedProperty, level int) *mapi.Message {
	m := &mapi.Message{}
	set := func(p *mapi.Properties, t mapi.Tag, v []byte) { p.Set(&mapi.Property{Tag: t, Value: v}) }
	multi := func(p *mapi.Properties, t mapi.Tag, vs ...[]byte) { p.Set(&mapi.Property{Tag: t, Values: vs}) }
	p := &m.Props
	p.Named = named
	subject := fmt.Sprintf("Kitchen sink, level %d — ünïcödé 日本語 😀", level)
	set(p, tag(mapi.PidTagMessageClass, mapi.PtypString), u16s("IPM.Note"))
	set(p, tag(mapi.PidTagSubject, mapi.PtypString), u16s(subject))
	set(p, tag(mapi.PidTagBody, mapi.PtypString), u16s("Body line one\r\nline two\r\n"))
	set(p, tag(mapi.PidTagDisplayBcc, mapi.PtypString), []byte{}) // an empty string
	set(p, tag(mapi.PidTagSenderName, mapi.PtypString8), []byte("Caf\xe9 owner"))
	set(p, tag(mapi.PidTagMessageCodepage, mapi.PtypInteger32), le32(1252))
	set(p, tag(mapi.PidTagInternetMessageId, mapi.PtypString8), []byte(fmt.Sprintf("<sink.%d@example.com>", level)))
	set(p, tag(mapi.PidTagHtml, mapi.PtypBinary), []byte("<p>html</p>"))
	set(p, tag(mapi.PidTagConversationIndex, mapi.PtypBinary), []byte{}) // empty binary
	set(p, tag(mapi.PidTagRtfCompressed, mapi.PtypBinary), CompressRTF(HTMLToRTF("<html><body><p>x</p></body></html>")))
	set(p, tag(0x6601, mapi.PtypInteger16), le16(0xBEEF))
	set(p, tag(mapi.PidTagImportance, mapi.PtypInteger32), le32(2))
	set(p, tag(0x6602, mapi.PtypFloating32), f32(1.5))
	set(p, tag(0x6603, mapi.PtypFloating64), f64(math.Pi))
	set(p, tag(0x6604, mapi.PtypCurrency), le64(123456789))
	set(p, tag(0x6605, mapi.PtypFloatingTime), f64(43466.25))
	set(p, tag(0x6606, mapi.PtypErrorCode), le32(0x8004010F))
	set(p, tag(mapi.PidTagRtfInSync, mapi.PtypBoolean), []byte{1, 0})
	set(p, tag(0x6607, mapi.PtypInteger64), le64(1<<40+7))
	set(p, tag(mapi.PidTagClientSubmitTime, mapi.PtypTime), ft(2020+level))
	set(p, tag(0x6608, mapi.PtypGuid), mapi.PSETIDMeeting[:])
	multi(p, tag(0x6610, mapi.PtypInteger16|mapi.MultipleFlag), le16(1), le16(2), le16(0xFFFF))
	multi(p, tag(0x6611, mapi.PtypInteger32|mapi.MultipleFlag), le32(1), le32(2))
	multi(p, tag(0x6612, mapi.PtypFloating32|mapi.MultipleFlag), f32(0.25))
	multi(p, tag(0x6613, mapi.PtypFloating64|mapi.MultipleFlag), f64(1), f64(-2))
	multi(p, tag(0x6614, mapi.PtypCurrency|mapi.MultipleFlag), le64(5))
	multi(p, tag(0x6615, mapi.PtypFloatingTime|mapi.MultipleFlag), f64(1.5), f64(2.5))
	multi(p, tag(0x6616, mapi.PtypInteger64|mapi.MultipleFlag), le64(1<<50), le64(3))
	multi(p, tag(0x6617, mapi.PtypTime|mapi.MultipleFlag), ft(2001), ft(2002))
	multi(p, tag(0x6618, mapi.PtypGuid|mapi.MultipleFlag), mapi.PSMAPI[:], mapi.PSETIDTask[:])
	multi(p, tag(0x6619, mapi.PtypString|mapi.MultipleFlag), u16s("one"), u16s(""), u16s("drei ü"))
	multi(p, tag(0x661A, mapi.PtypString8|mapi.MultipleFlag), []byte("alpha"), []byte("b\xeata"))
	multi(p, tag(0x661B, mapi.PtypBinary|mapi.MultipleFlag), []byte{1, 2, 3}, []byte{}, bytes.Repeat([]byte{0xAB}, 5000))
	multi(p, tag(0x661C, mapi.PtypInteger32|mapi.MultipleFlag)) // no values
	set(p, tag(0x8005, mapi.PtypBoolean), []byte{1, 0})
	multi(p, tag(0x8001, mapi.PtypString|mapi.MultipleFlag), u16s("Red category"), u16s("Project X"))
	set(p, tag(0x8100, mapi.PtypString), u16s(fmt.Sprintf("synth %d", level)))
	set(p, tag(0x8003, mapi.PtypString8), []byte("Room 1"))
	set(p, tag(0x80A0, mapi.PtypInteger32), le32(uint32(level)))
	set(p, tag(0x9000, mapi.PtypBinary), []byte("named by an unusual name"))

	for i, who := range []string{"Alice Example", "Bøb Exämple"} {
		r := &mapi.Properties{Named: named}
		set(r, tag(mapi.PidTagRecipientType, mapi.PtypInteger32), le32(uint32(mapi.RecipTo+i)))
		set(r, tag(mapi.PidTagDisplayName, mapi.PtypString), u16s(who))
		set(r, tag(mapi.PidTagEmailAddress, mapi.PtypString), u16s(fmt.Sprintf("r%d.%d@example.org", level, i)))
		set(r, tag(mapi.PidTagAddressType, mapi.PtypString8), []byte("SMTP"))
		set(r, tag(0x8003, mapi.PtypString8), []byte("named in a recipient"))
		m.Recipients = append(m.Recipients, r)
	}

	a := &mapi.Attachment{}
	a.Props.Named = named
	set(&a.Props, tag(mapi.PidTagAttachMethod, mapi.PtypInteger32), le32(mapi.AttachByValue))
	set(&a.Props, tag(mapi.PidTagAttachLongFilename, mapi.PtypString), u16s(fmt.Sprintf("big file %d.bin", level)))
	set(&a.Props, tag(mapi.PidTagAttachFilename, mapi.PtypString), u16s("BIGFIL~1.BIN"))
	set(&a.Props, tag(mapi.PidTagAttachMimeTag, mapi.PtypString), u16s("application/octet-stream"))
	data := make([]byte, 9000+level)
	for i := range data {
		data[i] = byte(i*7 + i/251)
	}
	set(&a.Props, tag(mapi.PidTagAttachDataBinary, mapi.PtypBinary), data)
	set(&a.Props, tag(mapi.PidTagRenderingPosition, mapi.PtypInteger32), le32(0xFFFFFFFF))
	set(&a.Props, tag(0x80A0, mapi.PtypInteger32), le32(99))
	m.Attachments = append(m.Attachments, a)

	if level < depth {
		e := &mapi.Attachment{}
		// an embedded message's own map may give ids to other names
		innerNamed := map[uint16]mapi.NamedProperty{}
		for id, np := range named {
			innerNamed[id] = np
		}
		innerNamed[0x8002] = mapi.NamedProperty{GUID: mapi.PSETIDTask, LID: mapi.PidLidTaskStatus}
		e.Props.Named = innerNamed
		set(&e.Props, tag(mapi.PidTagAttachMethod, mapi.PtypInteger32), le32(mapi.AttachEmbeddedMessage))
		set(&e.Props, tag(mapi.PidTagDisplayName, mapi.PtypString), u16s(fmt.Sprintf("Forwarded, level %d", level+1)))
		set(&e.Props, tag(0x8002, mapi.PtypInteger32), le32(2))
		e.Embedded = sinkLevel(depth, innerNamed, level+1)
		e.Embedded.Props.Set(&mapi.Property{Tag: tag(0x8002, mapi.PtypInteger32), Value: le32(uint32(level))})
		m.Attachments = append(m.Attachments, e)
	}
	return m
}
