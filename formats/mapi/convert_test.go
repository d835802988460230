package mapi

import (
	"bytes"
	"encoding/binary"
	"io"
	"mime"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-message"
	"github.com/emersion/go-message/mail"
)

// builders for test items

func setBool(p *Properties, id uint16, v bool) {
	b := []byte{0, 0}
	if v {
		b[0] = 1
	}
	p.Set(&Property{Tag: NewTag(id, PtypBoolean), Value: b})
}

// nameID gives a named property an id in the message's map.
func nameID(m *Message, set [16]byte, lid uint32) uint16 {
	if m.Props.Named == nil {
		m.Props.Named = map[uint16]NamedProperty{}
	}
	if id := m.Props.NamedID(set, lid, ""); id != 0 {
		return id
	}
	id := uint16(0x8000 + len(m.Props.Named))
	m.Props.Named[id] = NamedProperty{GUID: set, LID: lid}
	return id
}

func recip(typ int32, name, addr, addrType string) *Properties {
	p := &Properties{}
	p.SetInt32(PidTagRecipientType, typ)
	p.SetString(PidTagDisplayName, name)
	p.SetString(PidTagEmailAddress, addr)
	p.SetString(PidTagAddressType, addrType)
	return p
}

var sent = time.Date(2021, 3, 4, 5, 6, 7, 0, time.UTC)

func note(subject string) *Message {
	m := &Message{}
	m.Props.SetString(PidTagMessageClass, "IPM.Note")
	m.Props.SetString(PidTagSubject, subject)
	m.Props.SetString(PidTagSenderName, "Jürgen Müller")
	m.Props.SetString(PidTagSenderEmailAddress, "jm@example.com")
	m.Props.SetString(PidTagSenderAddressType, "SMTP")
	m.Props.SetTime(PidTagClientSubmitTime, sent)
	m.Props.SetString(PidTagInternetMessageId, "<abc@example.com>")
	m.Props.SetString(PidTagBody, "Hello plain\r\n")
	m.Recipients = []*Properties{
		recip(RecipTo, "Bob", "bob@example.com", "SMTP"),
		recip(RecipCc, "Exchange User", "/O=ORG/OU=EXCHANGE/CN=RECIPIENTS/CN=EXUSER", "EX"),
		recip(RecipBcc, "Hidden", "hidden@example.com", "SMTP"),
	}
	return m
}

func convertString(t *testing.T, m *Message) (string, Report) {
	t.Helper()
	var buf bytes.Buffer
	rep, err := Convert(&buf, m, Options{})
	if err != nil {
		t.Fatalf("Convert: %v", err)
	}
	return buf.String(), rep
}

// leaves walks a message and returns its leaf parts' types and bodies.
func leaves(t *testing.T, eml string) (h mail.Header, types []string, bodies map[string]string, names []string) {
	t.Helper()
	e, err := message.Read(strings.NewReader(eml))
	if err != nil {
		t.Fatalf("parse: %v\n%s", err, eml)
	}
	h = mail.Header{Header: e.Header}
	bodies = map[string]string{}
	var walk func(e *message.Entity)
	walk = func(e *message.Entity) {
		mt, params, _ := e.Header.ContentType()
		if mr := e.MultipartReader(); mr != nil {
			types = append(types, mt)
			for {
				p, err := mr.NextPart()
				if err == io.EOF {
					break
				}
				if err != nil {
					t.Fatalf("part: %v", err)
				}
				walk(p)
			}
			return
		}
		types = append(types, mt)
		b, _ := io.ReadAll(e.Body)
		bodies[mt] += string(b)
		if _, dp, err := e.Header.ContentDisposition(); err == nil && dp["filename"] != "" {
			names = append(names, dp["filename"])
		} else if params["name"] != "" {
			names = append(names, params["name"])
		}
	}
	walk(e)
	return
}

func TestConvertNote(t *testing.T) {
	m := note("Grüße aus Köln")
	m.Props.SetBinary(PidTagHtml, []byte("<html><body><p>Hello <b>html</b></p></body></html>"))
	m.Props.SetInt32(PidTagInternetCodepage, 65001)
	eml, _ := convertString(t, m)
	h, types, bodies, _ := leaves(t, eml)
	if s, _ := h.Subject(); s != "Grüße aus Köln" {
		t.Errorf("subject %q", s)
	}
	from, _ := h.AddressList("From")
	if len(from) != 1 || from[0].Name != "Jürgen Müller" || from[0].Address != "jm@example.com" {
		t.Errorf("from %v", from)
	}
	to, _ := h.AddressList("To")
	if len(to) != 1 || to[0].Address != "bob@example.com" {
		t.Errorf("to %v", to)
	}
	if cc := h.Get("Cc"); !strings.Contains(cc, "Exchange User") || strings.Contains(cc, "/O=ORG") {
		t.Errorf("cc with an Exchange DN only: %q (want the name, no fake address)", cc)
	}
	if !strings.Contains(h.Get("Bcc"), "hidden@example.com") {
		t.Errorf("bcc %q", h.Get("Bcc"))
	}
	if d, _ := h.Date(); !d.Equal(sent) {
		t.Errorf("date %v", d)
	}
	if id, _ := h.MessageID(); id != "abc@example.com" {
		t.Errorf("message-id %q", id)
	}
	if strings.Join(types, ",") != "multipart/alternative,text/plain,text/html" {
		t.Errorf("structure %v", types)
	}
	if bodies["text/plain"] != "Hello plain\r\n" || !strings.Contains(bodies["text/html"], "<b>html</b>") {
		t.Errorf("bodies %q", bodies)
	}
	// deterministic
	again, _ := convertString(t, m)
	if again != eml {
		t.Error("two conversions differ")
	}
}

func TestConvertTransportHeaders(t *testing.T) {
	m := note("ignored")
	m.Props.SetString(PidTagTransportMessageHeaders, "Microsoft Mail Internet Headers Version 2.0\r\n"+
		"Received: from mx.example.com by mail.example.org; Thu, 4 Mar 2021 05:06:00 +0000\r\n"+
		"From: Original Sender <orig@example.com>\r\nTo: bob@example.com\r\nSubject: Original subject\r\n"+
		"Date: Thu, 4 Mar 2021 05:06:07 +0000\r\nMessage-ID: <orig@example.com>\r\nMIME-Version: 1.0\r\n"+
		"Content-Type: multipart/mixed; boundary=\"old\"\r\n\r\n")
	eml, _ := convertString(t, m)
	h, types, _, _ := leaves(t, eml)
	if s, _ := h.Subject(); s != "Original subject" || !strings.Contains(h.Get("From"), "orig@example.com") || h.Get("Received") == "" {
		t.Errorf("transport headers not reused: %v", h.Header.Map())
	}
	if strings.Contains(eml, "Microsoft Mail Internet Headers") || strings.Contains(eml, `boundary="old"`) {
		t.Errorf("Outlook prefix or stale Content-Type kept:\n%s", eml)
	}
	if types[0] != "text/plain" {
		t.Errorf("structure %v", types)
	}
	// malformed transport headers: rebuilt from properties, with a warning
	m.Props.SetString(PidTagTransportMessageHeaders, "garbage without fields\r\nmore garbage\r\nand more\r\n")
	eml, rep := convertString(t, m)
	if h, _, _, _ := leaves(t, eml); h.Get("Subject") != "ignored" || len(rep.Warnings) == 0 {
		t.Errorf("fallback: subject %q warnings %v", h.Get("Subject"), rep.Warnings)
	}
}

func attach(name, mimeType string, data []byte, cid string) *Attachment {
	a := &Attachment{}
	a.Props.SetInt32(PidTagAttachMethod, AttachByValue)
	a.Props.SetString(PidTagAttachLongFilename, name)
	if mimeType != "" {
		a.Props.SetString(PidTagAttachMimeTag, mimeType)
	}
	if cid != "" {
		a.Props.SetString(PidTagAttachContentId, cid)
	}
	a.Props.SetBinary(PidTagAttachDataBinary, data)
	return a
}

func TestConvertAttachmentsAndEmbedded(t *testing.T) {
	m := note("with attachments")
	m.Props.SetBinary(PidTagHtml, []byte(`<html><body><img src="cid:img1@x"></body></html>`))
	m.Attachments = append(m.Attachments,
		attach("Bericht über Ärger.pdf", "application/pdf", []byte("%PDF-1.4 data"), ""),
		attach("image001.png", "image/png", []byte("\x89PNG data"), "img1@x"),
	)
	// three levels of embedded messages
	inner := note("level 3")
	mid := note("level 2")
	mid.Attachments = []*Attachment{{Embedded: inner}}
	mid.Attachments[0].Props.SetInt32(PidTagAttachMethod, AttachEmbeddedMessage)
	top := note("level 1")
	top.Attachments = []*Attachment{{Embedded: mid}}
	top.Attachments[0].Props.SetInt32(PidTagAttachMethod, AttachEmbeddedMessage)
	m.Attachments = append(m.Attachments, &Attachment{Embedded: top})
	m.Attachments[2].Props.SetInt32(PidTagAttachMethod, AttachEmbeddedMessage)

	eml, _ := convertString(t, m)
	_, types, bodies, names := leaves(t, eml)
	want := "multipart/mixed,multipart/related,multipart/alternative,text/plain,text/html,image/png,application/pdf,message/rfc822"
	if strings.Join(types, ",") != want {
		t.Errorf("structure\n got %v\nwant %s", strings.Join(types, ","), want)
	}
	if bodies["application/pdf"] != "%PDF-1.4 data" || bodies["image/png"] != "\x89PNG data" {
		t.Errorf("attachment bytes changed")
	}
	found := strings.Join(names, "|")
	if !strings.Contains(found, "Bericht über Ärger.pdf") || !strings.Contains(found, "level 1.eml") {
		t.Errorf("attachment names %q", found)
	}
	// the nested chain survives: level 1 holds level 2 holds level 3
	level := bodies["message/rfc822"]
	for _, s := range []string{"level 1", "level 2", "level 3"} {
		if !strings.Contains(level, "Subject: "+s) {
			t.Errorf("embedded %q missing", s)
		}
	}
}

func TestConvertDepthLimit(t *testing.T) {
	m := note("0")
	cur := m
	for i := 1; i <= 100; i++ {
		next := note("n")
		a := &Attachment{Embedded: next}
		a.Props.SetInt32(PidTagAttachMethod, AttachEmbeddedMessage)
		cur.Attachments = []*Attachment{a}
		cur = next
	}
	var buf bytes.Buffer
	rep, err := Convert(&buf, m, Options{MaxDepth: 10})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Count(buf.String(), "Subject: n") > 11 || len(rep.Warnings) == 0 {
		t.Errorf("depth not bounded: %d levels, warnings %v", strings.Count(buf.String(), "Subject: n"), rep.Warnings)
	}
}

func TestConvertAppointment(t *testing.T) {
	m := note("Team meeting")
	m.Props.SetString(PidTagMessageClass, "IPM.Schedule.Meeting.Request")
	start := time.Date(2023, 5, 6, 9, 0, 0, 0, time.UTC)
	m.Props.SetTime(nameID(m, PSETIDAppointment, PidLidAppointmentStartWhole), start)
	m.Props.SetTime(nameID(m, PSETIDAppointment, PidLidAppointmentEndWhole), start.Add(time.Hour))
	m.Props.SetString(nameID(m, PSETIDAppointment, PidLidLocation), "Room 1, floor 2")
	m.Props.SetBinary(nameID(m, PSETIDMeeting, PidLidGlobalObjectId), []byte{0x04, 0x00, 0x00, 0x00, 0x82, 0x00})
	eml, _ := convertString(t, m)
	_, types, bodies, _ := leaves(t, eml)
	if !strings.Contains(strings.Join(types, ","), "text/calendar") {
		t.Fatalf("no calendar part: %v", types)
	}
	ics := bodies["text/calendar"]
	for _, want := range []string{"METHOD:REQUEST", "DTSTART:20230506T090000Z", "DTEND:20230506T100000Z", `LOCATION:Room 1\, floor 2`, "SUMMARY:Team meeting", "UID:040000008200", "ATTENDEE;CN=Bob;ROLE=REQ-PARTICIPANT:mailto:bob@example.com", "ORGANIZER;CN=Jürgen Müller:mailto:jm@example.com"} {
		if !strings.Contains(strings.ReplaceAll(ics, "\r\n ", ""), want) {
			t.Errorf("calendar lacks %q:\n%s", want, ics)
		}
	}
}

func TestConvertContact(t *testing.T) {
	m := &Message{}
	m.Props.SetString(PidTagMessageClass, "IPM.Contact")
	m.Props.SetString(PidTagDisplayName, "Ada Lovelace")
	m.Props.SetString(PidTagGivenName, "Ada")
	m.Props.SetString(PidTagSurname, "Lovelace")
	m.Props.SetString(PidTagCompanyName, "Analytical Engines; Ltd")
	m.Props.SetString(PidTagMobileTelephoneNumber, "+44 20 0000")
	m.Props.SetString(nameID(m, PSETIDAddress, PidLidEmail1EmailAddress), "ada@example.org")
	eml, _ := convertString(t, m)
	_, _, bodies, names := leaves(t, eml)
	card := bodies["text/vcard"]
	for _, want := range []string{"FN:Ada Lovelace", "N:Lovelace;Ada;;;", `ORG:Analytical Engines\; Ltd;`, "EMAIL;TYPE=INTERNET:ada@example.org", "TEL;TYPE=CELL,VOICE:+44 20 0000"} {
		if !strings.Contains(card, want) {
			t.Errorf("vCard lacks %q:\n%s", want, card)
		}
	}
	if len(names) == 0 || names[0] != "Ada Lovelace.vcf" || !strings.Contains(bodies["text/plain"], "ada@example.org") {
		t.Errorf("names %v plain %q", names, bodies["text/plain"])
	}
}

func TestConvertNDR(t *testing.T) {
	m := note("Undeliverable: hello")
	m.Props.SetString(PidTagMessageClass, "REPORT.IPM.Note.NDR")
	m.Props.SetString(PidTagOriginalSubject, "hello")
	m.Props.SetString(PidTagReportingMessageTransferAgent, "mx.example.com")
	r := recip(RecipTo, "Nobody", "nobody@example.net", "SMTP")
	r.SetString(PidTagSupplementaryInfo, "Remote server returned '550 5.1.1 User unknown'")
	m.Recipients = []*Properties{r}
	eml, _ := convertString(t, m)
	h, types, bodies, _ := leaves(t, eml)
	if ct, params, _ := mime.ParseMediaType(h.Get("Content-Type")); ct != "multipart/report" || params["report-type"] != "delivery-status" {
		t.Errorf("content type %q", h.Get("Content-Type"))
	}
	ds := bodies["message/delivery-status"]
	for _, want := range []string{"Reporting-MTA: dns; mx.example.com", "Final-Recipient: rfc822; nobody@example.net", "Action: failed", "Status: 5.1.1", "Diagnostic-Code: smtp; Remote server returned '550 5.1.1 User unknown'"} {
		if !strings.Contains(ds, want) {
			t.Errorf("delivery status lacks %q:\n%s", want, ds)
		}
	}
	if !strings.Contains(bodies["text/rfc822-headers"], "Subject: hello") || len(types) < 4 {
		t.Errorf("original headers part: %v %q", types, bodies["text/rfc822-headers"])
	}
}

func TestConvertEmpty(t *testing.T) {
	if _, err := Convert(io.Discard, &Message{}, Options{}); err != ErrNoContent {
		t.Errorf("empty message: %v", err)
	}
}

func TestCodePages(t *testing.T) {
	cases := []struct {
		in   []byte
		cp   int
		want string
	}{
		{[]byte("\x93\xfa\x96\x7b\x8c\xea"), 932, "日本語"},
		{[]byte("\x1b$BF|K\\8l\x1b(B"), 50220, "日本語"},
		{[]byte("\xcf\xf0\xe8\xe2\xe5\xf2"), 1251, "Привет"},
		{[]byte("caf\xe9\x00"), 1252, "café"},
		{[]byte("caf\xc3\xa9"), 0, "café"},
		{[]byte("caf\xe9"), 0, "café"},
	}
	for _, c := range cases {
		if got := DecodeString8(c.in, c.cp); got != c.want {
			t.Errorf("DecodeString8(%q, %d) = %q, want %q", c.in, c.cp, got, c.want)
		}
	}
}

func TestFileTime(t *testing.T) {
	if tm, ok := FileTime(132588095670000000); !ok || tm.Format(time.RFC3339) != "2021-02-26T10:39:27Z" {
		t.Errorf("FileTime = %v %v", tm, ok)
	}
	for _, ft := range []uint64{0, 0x7FFFFFFFFFFFFFFF, 0xFFFFFFFFFFFFFFFF} {
		if _, ok := FileTime(ft); ok {
			t.Errorf("FileTime(%x) should be none", ft)
		}
	}
	if tm, ok := FileTime(1); !ok || tm.Year() != 1601 {
		t.Errorf("FileTime(1) = %v", tm)
	}
}

// stored wraps RTF in an uncompressed ("MELA") PidTagRtfCompressed value.
func stored(rtf string) []byte {
	b := make([]byte, 16, 16+len(rtf))
	binary.LittleEndian.PutUint32(b[0:], uint32(len(rtf)+12))
	binary.LittleEndian.PutUint32(b[4:], uint32(len(rtf)))
	binary.LittleEndian.PutUint32(b[8:], 0x414C454D)
	return append(b, rtf...)
}

// HTML mail stored only as RTF comes out as the HTML the sender wrote;
// plain RTF gives a plain text body.
func TestConvertRTFBodies(t *testing.T) {
	m := note("rtf html")
	m.Props = Properties{}
	m.Props.SetString(PidTagSubject, "rtf html")
	m.Props.SetBinary(PidTagRtfCompressed, stored(`{\rtf1\ansi\ansicpg1252\fromhtml1 \deff0{\fonttbl{\f0\fswiss Arial;}}`+
		`{\*\htmltag19 <html>}{\*\htmltag34 <head><meta http-equiv="Content-Type" content="text/html; charset=iso-8859-1"></head>}{\*\htmltag50 <body>}\htmlrtf {\htmlrtf0 `+
		`{\*\htmltag64 <p>}Gr\'fc\'dfe {\*\htmltag84 <b>}bold{\*\htmltag92 </b>}{\*\htmltag72 </p>}\htmlrtf }\htmlrtf0 {\*\htmltag58 </body>}{\*\htmltag27 </html>}}`))
	eml, _ := convertString(t, m)
	_, types, bodies, _ := leaves(t, eml)
	if !strings.Contains(strings.Join(types, ","), "text/html") || !strings.Contains(bodies["text/html"], "<p>Grüße <b>bold</b></p>") {
		t.Errorf("HTML from RTF: %v %q", types, bodies["text/html"])
	}
	if strings.Contains(bodies["text/html"], "iso-8859-1") {
		t.Errorf("meta charset not updated to utf-8: %q", bodies["text/html"])
	}

	m2 := &Message{}
	m2.Props.SetString(PidTagSubject, "rtf plain")
	m2.Props.SetBinary(PidTagRtfCompressed, stored(`{\rtf1\ansi{\fonttbl{\f0 Arial;}}\f0 First line\par Second \b bold\b0  line\par}`))
	eml, _ = convertString(t, m2)
	_, _, bodies, names := leaves(t, eml)
	if !strings.Contains(bodies["text/plain"], "First line\r\nSecond bold line") || len(names) != 0 {
		t.Errorf("plain from RTF: %q, attachments %v", bodies["text/plain"], names)
	}
}

// S/MIME items come out as sent: the signed entity byte for byte, or the
// opaque PKCS #7 object.
func TestConvertSMIME(t *testing.T) {
	signed := "Content-Type: multipart/signed; micalg=sha-256;\r\n\tprotocol=\"application/pkcs7-signature\"; boundary=\"S\"\r\n\r\n" +
		"--S\r\nContent-Type: text/plain\r\n\r\nsigned  text \r\n--S\r\nContent-Type: application/pkcs7-signature\r\n\r\nSIG\r\n--S--\r\n"
	m := note("signed")
	m.Props.SetString(PidTagMessageClass, "IPM.Note.SMIME.MultipartSigned")
	m.Attachments = []*Attachment{attach("smime.p7m", "multipart/signed", []byte(signed), "")}
	eml, _ := convertString(t, m)
	if !strings.Contains(eml, "--S\r\nContent-Type: text/plain\r\n\r\nsigned  text \r\n--S\r\n") {
		t.Errorf("signed part changed:\n%s", eml)
	}
	if h, _, _, _ := leaves(t, eml); !strings.HasPrefix(h.Get("Content-Type"), "multipart/signed") {
		t.Errorf("content type %q", h.Get("Content-Type"))
	}
	enc := note("encrypted")
	enc.Props.SetString(PidTagMessageClass, "IPM.Note.SMIME")
	p7 := append([]byte{0x30, 0x80, 0x06, 0x09, 0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x07, 0x03}, bytes.Repeat([]byte{7}, 100)...)
	enc.Attachments = []*Attachment{attach("smime.p7m", "application/pkcs7-mime", p7, "")}
	eml, _ = convertString(t, enc)
	h, _, bodies, _ := leaves(t, eml)
	if ct := h.Get("Content-Type"); !strings.Contains(ct, "smime-type=enveloped-data") || bodies["application/pkcs7-mime"] != string(p7) {
		t.Errorf("opaque S/MIME: %q", ct)
	}
}

func TestSubjectMarker(t *testing.T) {
	var p Properties
	p.SetString(PidTagSubject, "\x01\x04RE: lunch")
	if s := p.Subject(); s != "RE: lunch" {
		t.Errorf("Subject() = %q", s)
	}
	p.SetString(PidTagSubject, "plain")
	if s := p.Subject(); s != "plain" {
		t.Errorf("Subject() = %q", s)
	}
}
