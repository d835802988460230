package tnef

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"strings"
	"testing"
	"testing/iotest"
	"time"

	"github.com/mailsalvage/mailsalvage/formats/mapi"
)

func mustDecode(t *testing.T, b []byte) *mapi.Message {
	t.Helper()
	m, err := Decode(b)
	if err != nil {
		t.Fatalf("Decode: %v", err)
	}
	return m
}

func wantStr(t *testing.T, p *mapi.Properties, id uint16, want string) {
	t.Helper()
	got, ok := p.String(id)
	if !ok || got != want {
		t.Errorf("property 0x%04X = %q (present %v), want %q", id, got, ok, want)
	}
}

func wantInt(t *testing.T, p *mapi.Properties, id uint16, want int64) {
	t.Helper()
	got, ok := p.Int(id)
	if !ok || got != want {
		t.Errorf("property 0x%04X = %d (present %v), want %d", id, got, ok, want)
	}
}

func TestDecodeSample(t *testing.T) {
	m := mustDecode(t, sampleMessage())
	if len(m.Warnings) != 0 {
		t.Errorf("warnings: %q", m.Warnings)
	}
	p := &m.Props
	if p.CodePage != 1252 {
		t.Errorf("CodePage %d", p.CodePage)
	}
	// Encapsulated properties win over the legacy attributes...
	wantStr(t, p, mapi.PidTagSubject, "Quarterly résumé")
	wantStr(t, p, mapi.PidTagBody, "Hello,\r\nthe body.\r\n")
	if _, ok := p.Get(mapi.NewTag(mapi.PidTagSubject, mapi.PtypString8)); ok {
		t.Error("attSubject kept next to the encapsulated PidTagSubject")
	}
	if got, ok := p.Time(mapi.PidTagClientSubmitTime); !ok || got.Year() != 2014 { // not attDateSent's 2024
		t.Errorf("PidTagClientSubmitTime from attMsgProps: %v %v", got, ok)
	}
	// ...and fill in what they lack.
	wantStr(t, p, mapi.PidTagMessageClass, "IPM.Note")
	wantStr(t, p, mapi.PidTagSenderName, "Ann Sender")
	wantStr(t, p, mapi.PidTagSenderAddressType, "SMTP")
	wantStr(t, p, mapi.PidTagSenderEmailAddress, "ann@example.com")
	wantInt(t, p, mapi.PidTagImportance, 2)
	wantInt(t, p, mapi.PidTagMessageFlags, 0x03) // read, unmodified
	if got, ok := p.Time(mapi.PidTagMessageDeliveryTime); !ok || !got.Equal(time.Date(2024, 3, 1, 8, 0, 0, 0, time.UTC)) {
		t.Errorf("PidTagMessageDeliveryTime %v %v", got, ok)
	}
	if k, _ := p.Binary(mapi.PidTagSearchKey); !bytes.Equal(k, []byte{1, 2, 0xA0, 0xFF}) {
		t.Errorf("PidTagSearchKey %x", k)
	}
	wantStr(t, p, mapi.PidTagInternetMessageId, "<abc@example.com>")
	if h, _ := p.Binary(mapi.PidTagHtml); string(h) != "<p>Hello</p>" {
		t.Errorf("PidTagHtml %q", h)
	}
	if r, _ := p.Binary(mapi.PidTagRtfCompressed); string(r) != "fake compressed rtf" {
		t.Errorf("PidTagRtfCompressed %q", r)
	}
	if b, ok := p.Bool(mapi.PidTagRtfInSync); !ok || !b {
		t.Errorf("PidTagRtfInSync %v %v", b, ok)
	}
	wantInt(t, p, 0x3FF5, 7)
	if g, ok := p.Get(mapi.NewTag(0x3FF6, mapi.PtypGuid)); !ok || !bytes.Equal(g.Value, mapi.PSMAPI[:]) {
		t.Errorf("PtypGuid property %v", g)
	}
	if mv, ok := p.Get(mapi.NewTag(0x3FF7, mapi.PtypInteger32|mapi.MultipleFlag)); !ok || len(mv.Values) != 3 || binary.LittleEndian.Uint32(mv.Values[2]) != 3 {
		t.Errorf("multi-valued int32 %v", mv)
	}

	// Named properties get ids of our own, recorded in Named.
	id := p.NamedID(mapi.PSETIDCommon, 0x8506, "")
	if id < 0x8000 {
		t.Fatalf("named property {PSETID_Common}/0x8506 not in Named: %v", p.Named)
	}
	if b, ok := p.Bool(id); !ok || !b {
		t.Errorf("named boolean %v %v", b, ok)
	}
	kw := p.NamedID(mapi.PSPUBLICSTRINGS, 0, "Keywords")
	if got := p.Strings(kw); len(got) != 2 || got[0] != "red" || got[1] != "blue" {
		t.Errorf("Keywords %q", got)
	}

	// Recipients.
	if len(m.Recipients) != 2 {
		t.Fatalf("%d recipients", len(m.Recipients))
	}
	r0, r1 := m.Recipients[0], m.Recipients[1]
	wantInt(t, r0, mapi.PidTagRecipientType, mapi.RecipTo)
	wantStr(t, r0, mapi.PidTagDisplayName, "Bob")
	wantStr(t, r0, mapi.PidTagAddressType, "SMTP")
	wantStr(t, r0, mapi.PidTagEmailAddress, "bob@example.com")
	wantStr(t, r0, mapi.PidTagSmtpAddress, "bob@example.com")
	wantInt(t, r1, mapi.PidTagRecipientType, mapi.RecipCc)
	wantStr(t, r1, mapi.PidTagDisplayName, "Zürich desk") // PtypString8 in code page 1252

	// Attachments.
	if len(m.Attachments) != 2 {
		t.Fatalf("%d attachments", len(m.Attachments))
	}
	a := &m.Attachments[0].Props
	wantStr(t, a, mapi.PidTagAttachLongFilename, "report for 2024.pdf")
	wantStr(t, a, mapi.PidTagAttachFilename, "REPORT~1.PDF")
	wantStr(t, a, mapi.PidTagAttachMimeTag, "application/pdf")
	wantStr(t, a, mapi.PidTagAttachContentId, "part1@example")
	wantInt(t, a, mapi.PidTagAttachMethod, mapi.AttachByValue)
	if d, _ := a.Get(mapi.NewTag(mapi.PidTagAttachDataBinary, mapi.PtypBinary)); d == nil || string(d.Value) != "%PDF-1.4 not really\n" {
		t.Errorf("PidTagAttachDataBinary %v", d)
	}
	if ct, ok := a.Time(mapi.PidTagCreationTime); !ok || !ct.Equal(time.Date(2023, 12, 31, 23, 59, 59, 0, time.UTC)) {
		t.Errorf("PidTagCreationTime %v", ct)
	}
	if m.Attachments[0].Embedded != nil {
		t.Error("file attachment has an embedded message")
	}

	e := m.Attachments[1]
	wantInt(t, &e.Props, mapi.PidTagAttachMethod, mapi.AttachEmbeddedMessage)
	if _, ok := e.Props.Find(mapi.PidTagAttachDataBinary); ok {
		t.Error("embedded message's object kept as a property")
	}
	if e.Embedded == nil {
		t.Fatal("no embedded message")
	}
	wantStr(t, &e.Embedded.Props, mapi.PidTagSubject, "Inner café")
	wantStr(t, &e.Embedded.Props, mapi.PidTagBody, "inner body")
	if len(e.Embedded.Attachments) != 1 {
		t.Fatalf("embedded message has %d attachments", len(e.Embedded.Attachments))
	}
	ia := &e.Embedded.Attachments[0].Props
	wantStr(t, ia, mapi.PidTagAttachFilename, "inner.txt")
	if d, _ := ia.Binary(mapi.PidTagAttachDataBinary); string(d) != "inner attachment\n" {
		t.Errorf("inner attachment data %q", d)
	}
}

func TestDecodeDoesNotAlias(t *testing.T) {
	b := sampleMessage()
	m := mustDecode(t, b)
	for i := range b {
		b[i] = 0xEE
	}
	wantStr(t, &m.Props, mapi.PidTagSubject, "Quarterly résumé")
	if d, _ := m.Attachments[0].Props.Binary(mapi.PidTagAttachDataBinary); string(d) != "%PDF-1.4 not really\n" {
		t.Errorf("attachment data changed with the input: %q", d)
	}
	wantStr(t, &m.Attachments[1].Embedded.Props, mapi.PidTagBody, "inner body")
}

func TestErrors(t *testing.T) {
	if _, err := Decode([]byte("not tnef at all")); err != ErrSignature {
		t.Errorf("bad signature: %v", err)
	}
	if _, err := Decode(nil); err != ErrSignature {
		t.Errorf("empty: %v", err)
	}
	if _, err := Read(bytes.NewReader(sampleMessage()), 100); err != ErrTooLarge {
		t.Errorf("Read over the limit: %v", err)
	}
	m, err := Read(bytes.NewReader(sampleMessage()), 0)
	if err != nil || len(m.Attachments) != 2 {
		t.Errorf("Read: %v", err)
	}
	// A read error part way decodes what was read and reports the error.
	b := sampleMessage()
	m, err = Read(io.MultiReader(bytes.NewReader(b[:200]), iotest.ErrReader(errors.New("disk"))), 0)
	if m == nil || err == nil || !strings.Contains(err.Error(), "disk") {
		t.Errorf("Read with a read error: %v %v", m, err)
	}
	// Only the signature and key: an empty message.
	m, err = Decode(newStream(1).bytes())
	if err != nil || m.Props.Len() != 0 {
		t.Errorf("empty stream: %v %v", m, err)
	}
}

func TestChecksumMismatchIsAWarning(t *testing.T) {
	b := newStream(1).
		attrSum(LevelMessage, AttSubject, cstr("subject"), 1).
		bytes()
	m := mustDecode(t, b)
	wantStr(t, &m.Props, mapi.PidTagSubject, "subject")
	if len(m.Warnings) != 1 || !strings.Contains(m.Warnings[0], "checksum") || !strings.Contains(m.Warnings[0], "offset 6 ") {
		t.Errorf("warnings %q", m.Warnings)
	}
}

func TestTrailingBytes(t *testing.T) {
	for _, tail := range []string{"\r\n", "\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00", "ab"} {
		b := newStream(1).attr(LevelMessage, AttSubject, cstr("s")).raw([]byte(tail)).bytes()
		m := mustDecode(t, b)
		if len(m.Warnings) != 1 || !strings.Contains(m.Warnings[0], "after the last attribute") {
			t.Errorf("tail %q: warnings %q", tail, m.Warnings)
		}
	}
	// Garbage that is long enough to be an attribute and is not one
	// stops decoding with a FormatError at its offset.
	b := newStream(1).attr(LevelMessage, AttSubject, cstr("s")).raw([]byte("this is not an attribute")).bytes()
	m, err := Decode(b)
	var fe *FormatError
	if !errors.As(err, &fe) || fe.Offset != 19 || m == nil {
		t.Fatalf("garbage: %v", err)
	}
	wantStr(t, &m.Props, mapi.PidTagSubject, "s")
}

func TestTruncated(t *testing.T) {
	full := newStream(1).
		attr(LevelMessage, AttSubject, cstr("cut")).
		attr(LevelAttachment, AttAttachRenddata, renddata(1)).
		attr(LevelAttachment, AttAttachTitle, cstr("a.bin")).
		attr(LevelAttachment, AttAttachData, bytes.Repeat([]byte("0123456789"), 10)).
		bytes()
	// Every prefix decodes without panic; a cut inside the attachment
	// data keeps what is there.
	for n := 0; n <= len(full); n++ {
		m, err := Decode(full[:n])
		if n < headerSize {
			if err != ErrSignature {
				t.Fatalf("prefix %d: %v", n, err)
			}
			continue
		}
		if m == nil {
			t.Fatalf("prefix %d: no message (%v)", n, err)
		}
		if n == len(full)-40 {
			var fe *FormatError
			if !errors.As(err, &fe) {
				t.Fatalf("cut data: %v", err)
			}
			d, _ := m.Attachments[0].Props.Binary(mapi.PidTagAttachDataBinary)
			if len(d) != 100-38 || !strings.HasPrefix(string(d), "0123456789") {
				t.Errorf("cut data kept %d bytes: %q", len(d), d)
			}
			if !strings.Contains(strings.Join(m.Warnings, "\n"), "cut short") {
				t.Errorf("warnings %q", m.Warnings)
			}
		}
	}
}

func TestResync(t *testing.T) {
	// The subject's length field says 4 bytes more than there are (as
	// when a copy dropped the CR of CR LF pairs): decoding finds the
	// attachment after it and goes on.
	good := newStream(1).
		attr(LevelMessage, AttSubject, cstr("line1\nline2")).
		attr(LevelAttachment, AttAttachRenddata, renddata(1)).
		attr(LevelAttachment, AttAttachTitle, cstr("kept.txt")).
		attr(LevelAttachment, AttAttachData, []byte("data")).
		bytes()
	bad := bytes.Clone(good)
	binary.LittleEndian.PutUint32(bad[11:], 16)
	m, err := Decode(bad)
	var fe *FormatError
	if !errors.As(err, &fe) {
		t.Fatalf("error %v", err)
	}
	if len(m.Attachments) != 1 {
		t.Fatalf("%d attachments; warnings %q", len(m.Attachments), m.Warnings)
	}
	wantStr(t, &m.Attachments[0].Props, mapi.PidTagAttachFilename, "kept.txt")
	if !strings.Contains(strings.Join(m.Warnings, "\n"), "decoding goes on at the next attribute found, at offset 29") {
		t.Errorf("warnings %q", m.Warnings)
	}

	// Resync never crosses into an embedded message's stream.
	inner := newStream(2).attr(LevelMessage, AttSubject, cstr("inner")).bytes()
	s := newStream(1).
		attr(LevelMessage, AttSubject, cstr("outer")).
		attr(LevelAttachment, AttAttachRenddata, renddata(1)).
		attr(LevelAttachment, AttAttachment, (&propWriter{}).object(mapi.PidTagAttachDataBinary, iidMessage, inner).list()).
		bytes()
	att := bytes.Index(s, []byte{2, 0x05, 0x90, 0x06, 0x00})
	binary.LittleEndian.PutUint32(s[att+5:], 0x7FFFFFFF) // attAttachment's length
	m, err = Decode(s)
	if err == nil {
		t.Fatal("no error")
	}
	wantStr(t, &m.Props, mapi.PidTagSubject, "outer")
	if len(m.Attachments) != 1 || m.Attachments[0].Embedded != nil {
		t.Errorf("attachments %v", m.Attachments)
	}
}

func TestPropertyListDamage(t *testing.T) {
	list := (&propWriter{}).
		unicode(mapi.PidTagSubject, "before").
		raw(u32b(uint32(mapi.NewTag(0x0E1D, 0x00FD)))). // PtypRestriction: not in TNEF
		unicode(mapi.PidTagBody, "after").
		list()
	binary.LittleEndian.PutUint32(list, 3)
	b := newStream(1).
		attr(LevelMessage, AttMsgProps, list).
		attr(LevelMessage, AttBody, cstr("legacy body")).
		bytes()
	m := mustDecode(t, b)
	wantStr(t, &m.Props, mapi.PidTagSubject, "before")
	wantStr(t, &m.Props, mapi.PidTagBody, "legacy body")
	if len(m.Warnings) != 1 || !strings.Contains(m.Warnings[0], "0x0E1D00FD") {
		t.Errorf("warnings %q", m.Warnings)
	}
}

func TestHostileCounts(t *testing.T) {
	huge := func(prefix []byte) []byte {
		return newStream(1).attr(LevelMessage, AttMsgProps, prefix).bytes()
	}
	cases := map[string][]byte{
		"property count": huge(u32b(0xFFFFFFFF)),
		"value count": huge(append(append(u32b(1), u32b(uint32(mapi.NewTag(0x1000, mapi.PtypBinary|mapi.MultipleFlag)))...),
			u32b(0x7FFFFFFF)...)),
		"value size": huge(append(append(append(u32b(1), u32b(uint32(mapi.NewTag(0x1000, mapi.PtypBinary)))...),
			u32b(1)...), u32b(0xFFFFFFF0)...)),
		"name length": huge(append(append(append(u32b(1), u32b(uint32(mapi.NewTag(0x8000, mapi.PtypInteger32)))...),
			make([]byte, 16)...), append(u32b(1), u32b(0xFFFFFFFF)...)...)),
		"recipient rows": newStream(1).attr(LevelMessage, AttRecipTable, u32b(0x80000000)).bytes(),
		"many values": huge(append(append(append(u32b(1), u32b(uint32(mapi.NewTag(0x1000, mapi.PtypInteger32|mapi.MultipleFlag)))...),
			u32b(maxValues+1)...), make([]byte, 4*(maxValues+1))...)),
	}
	for name, b := range cases {
		m, err := Decode(b)
		if err != nil || m == nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if len(m.Warnings) == 0 {
			t.Errorf("%s: no warning", name)
		}
	}
}

func TestNestingDepth(t *testing.T) {
	s := newStream(1).attr(LevelMessage, AttSubject, cstr("level 0")).bytes()
	for range MaxDepth + 3 {
		s = newStream(1).
			attr(LevelMessage, AttSubject, cstr("outer")).
			attr(LevelAttachment, AttAttachRenddata, renddata(1)).
			attr(LevelAttachment, AttAttachment, (&propWriter{}).object(mapi.PidTagAttachDataBinary, iidMessage, s).list()).
			bytes()
	}
	m := mustDecode(t, s)
	depth := 0
	for len(m.Attachments) == 1 && m.Attachments[0].Embedded != nil {
		m = m.Attachments[0].Embedded
		depth++
	}
	if depth != MaxDepth {
		t.Fatalf("decoded %d levels, want %d", depth, MaxDepth)
	}
	if !strings.Contains(strings.Join(m.Warnings, "\n"), "deeper than") {
		t.Errorf("warnings at the deepest level: %q", m.Warnings)
	}
	if d, ok := m.Attachments[0].Props.Binary(mapi.PidTagAttachDataBinary); !ok || !IsTNEF(d) {
		t.Error("the stream too deep to decode is not kept as bytes")
	}
}

func TestNamedPropertyIDs(t *testing.T) {
	a := &mapi.NamedProperty{GUID: mapi.PSETIDAddress, LID: 0x8083}
	b := &mapi.NamedProperty{GUID: mapi.PSINTERNETHEADERS, Name: "x-custom"}
	list := (&propWriter{}).
		variable(mapi.NewTag(0x9000, mapi.PtypString), a, mapi.EncodeUTF16("a@example.com\x00")).
		variable(mapi.NewTag(0x9001, mapi.PtypString), b, mapi.EncodeUTF16("custom\x00")).
		list()
	att := (&propWriter{}).
		variable(mapi.NewTag(0x9050, mapi.PtypString), b, mapi.EncodeUTF16("on the attachment\x00")).
		list()
	m := mustDecode(t, newStream(1).
		attr(LevelMessage, AttMsgProps, list).
		attr(LevelAttachment, AttAttachRenddata, renddata(1)).
		attr(LevelAttachment, AttAttachment, att).
		bytes())
	if len(m.Props.Named) != 2 || m.Props.Named[0x8000] != *a || m.Props.Named[0x8001] != *b {
		t.Fatalf("Named %v", m.Props.Named)
	}
	wantStr(t, &m.Props, 0x8000, "a@example.com")
	wantStr(t, &m.Props, 0x8001, "custom")
	ap := &m.Attachments[0].Props
	wantStr(t, ap, ap.NamedID(b.GUID, 0, b.Name), "on the attachment")
	if ap.NamedID(b.GUID, 0, b.Name) != 0x8001 {
		t.Error("the same name got two ids")
	}
}

func TestCodePages(t *testing.T) {
	// attOemCodepage decodes 8-bit strings; without it,
	// PidTagMessageCodepage does.
	m := mustDecode(t, newStream(1).
		attr(LevelMessage, AttOemCodepage, oemCodepage(1251)).
		attr(LevelMessage, AttSubject, cstr("\xcf\xf0\xe8\xe2\xe5\xf2")).
		bytes())
	wantStr(t, &m.Props, mapi.PidTagSubject, "Привет")
	m = mustDecode(t, newStream(1).
		attr(LevelMessage, AttSubject, cstr("\xcf\xf0\xe8\xe2\xe5\xf2")).
		attr(LevelMessage, AttMsgProps, (&propWriter{}).int32(mapi.PidTagMessageCodepage, 1251).list()).
		bytes())
	wantStr(t, &m.Props, mapi.PidTagSubject, "Привет")
}

func TestLegacyAttachment(t *testing.T) {
	// An attachment with legacy attributes only, an OLE object, and
	// attachment attributes before any attAttachRendData.
	m := mustDecode(t, newStream(1).
		attr(LevelAttachment, AttAttachTitle, cstr("orphan.txt")).
		attr(LevelAttachment, AttAttachData, []byte("orphan")).
		attr(LevelAttachment, AttAttachRenddata, renddata(2)).
		attr(LevelAttachment, AttAttachData, []byte("\xd0\xcf\x11\xe0 ole")).
		attr(LevelAttachment, AttAttachMetaFile, []byte("wmf")).
		attr(LevelAttachment, AttAttachModifyDate, dtr(2001, 2, 30, 0, 0, 0, 0)). // no such date
		bytes())
	if len(m.Attachments) != 2 {
		t.Fatalf("%d attachments", len(m.Attachments))
	}
	a0, a1 := &m.Attachments[0].Props, &m.Attachments[1].Props
	wantStr(t, a0, mapi.PidTagAttachFilename, "orphan.txt")
	if d, _ := a0.Get(mapi.NewTag(mapi.PidTagAttachDataBinary, mapi.PtypBinary)); d == nil || string(d.Value) != "orphan" {
		t.Errorf("orphan data %v", d)
	}
	wantInt(t, a1, mapi.PidTagAttachMethod, mapi.AttachOLE)
	if d, _ := a1.Get(mapi.NewTag(mapi.PidTagAttachDataBinary, mapi.PtypObject)); d == nil || string(d.Value) != "\xd0\xcf\x11\xe0 ole" {
		t.Errorf("OLE data %v", d)
	}
	if d, _ := a1.Binary(mapi.PidTagAttachRendering); string(d) != "wmf" {
		t.Errorf("PidTagAttachRendering %q", d)
	}
	if _, ok := a1.Time(mapi.PidTagLastModificationTime); ok {
		t.Error("invalid date kept")
	}
	w := strings.Join(m.Warnings, "\n")
	if !strings.Contains(w, "before any attAttachRendData") || !strings.Contains(w, "not a valid date") {
		t.Errorf("warnings %q", m.Warnings)
	}
}

func TestReader(t *testing.T) {
	r, err := NewReader(sampleMessage())
	if err != nil {
		t.Fatal(err)
	}
	if r.Key() != 0x2A2A {
		t.Errorf("key %#x", r.Key())
	}
	var ids []string
	for {
		a, err := r.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if !a.ChecksumOK() {
			t.Errorf("%s: checksum", AttName(a.ID))
		}
		ids = append(ids, AttName(a.ID))
	}
	if ids[0] != "attTnefVersion" || ids[len(ids)-1] != "attAttachment" || len(ids) != 21 {
		t.Errorf("attributes %v", ids)
	}
	if _, err := r.Next(); err != io.EOF {
		t.Errorf("after the end: %v", err)
	}
}

func BenchmarkDecode(b *testing.B) {
	s := newStream(1).attr(LevelMessage, AttMsgProps, (&propWriter{}).unicode(mapi.PidTagSubject, "bench").list())
	for i := range 50 {
		s.attr(LevelAttachment, AttAttachRenddata, renddata(1)).
			attr(LevelAttachment, AttAttachData, bytes.Repeat([]byte{byte(i)}, 64<<10)).
			attr(LevelAttachment, AttAttachment, (&propWriter{}).unicode(mapi.PidTagAttachLongFilename, "file.bin").list())
	}
	data := s.bytes()
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if _, err := Decode(data); err != nil {
			b.Fatal(err)
		}
	}
}

func TestResyncIsBounded(t *testing.T) {
	// Every offset of the damaged region starts an attribute header with
	// a known id whose length reaches nearly to the end and whose
	// checksum is wrong: without a bound on the checksums Resync
	// computes, this takes time quadratic in the size.
	const n = 4 << 20
	garbage := make([]byte, n)
	for i := 0; i+9 <= n; i += 9 {
		garbage[i] = byte(LevelMessage)
		binary.LittleEndian.PutUint32(garbage[i+1:], AttSubject)
		binary.LittleEndian.PutUint32(garbage[i+5:], uint32(n-i-13))
	}
	b := newStream(1).attr(LevelMessage, AttSubject, cstr("s")).raw([]byte{7}).raw(garbage).bytes()
	r, err := NewReader(b)
	if err != nil {
		t.Fatal(err)
	}
	r.Next()
	if _, err := r.Next(); err == nil {
		t.Fatal("no error at the damage")
	}
	if _, ok := r.Resync(); ok {
		t.Error("resynchronised on garbage")
	}
	if *r.budget > 0 {
		t.Errorf("Resync stopped with budget %d left", *r.budget)
	}
	if m, err := Decode(b); err == nil || m.Props.Str(mapi.PidTagSubject) != "s" {
		t.Errorf("Decode: %v", err)
	}
}

func TestResyncReadsBytesAtMostTwice(t *testing.T) {
	// Attributes nested in each other's data, each followed by garbage:
	// were Resync allowed back into the data of the attribute it just
	// resynchronised on, each would be read once per level, quadratic
	// in time and memory.
	garbage := bytes.Repeat([]byte{7}, attrOverhead)
	g := newStream(0).attr(LevelAttachment, AttAttachData, bytes.Repeat([]byte("x"), 1000)).bytes()[headerSize:]
	for range 300 {
		data := append(newStream(0).attr(LevelAttachment, AttAttachRenddata, renddata(1)).bytes()[headerSize:], g...)
		data = append(data, garbage...)
		g = newStream(0).attr(LevelAttachment, AttAttachData, data).bytes()[headerSize:]
	}
	b := append(append(newStream(1).bytes(), g...), garbage...)
	m, err := Decode(b)
	if err == nil {
		t.Fatal("no error")
	}
	total := 0
	for _, a := range m.Attachments {
		d, _ := a.Props.Binary(mapi.PidTagAttachDataBinary)
		total += len(d)
	}
	if total > 2*len(b) {
		t.Errorf("%d bytes of attachment data from %d bytes of input", total, len(b))
	}
}
