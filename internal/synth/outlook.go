package synth

import (
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"html"
	"path"
	"strings"
	"time"

	"github.com/mailsalvage/mailsalvage/formats/mapi"
)

// Outlook items built from generated fields, for the demo data and for
// tests that need real-looking .msg files and TNEF streams (MSG, TNEF).

// Address is a person and an SMTP address.
type Address struct{ Name, Email string }

// File is an attachment: its name, MIME type and bytes.
type File struct {
	Name, MIMEType string
	Data           []byte
}

// Note is an e-mail as NoteMessage turns it into an Outlook item.
type Note struct {
	Subject     string
	From        Address
	To, Cc      []Address
	Date        time.Time // the client submit time
	MessageID   string    // with angle brackets
	Text        string    // the plain body, CR LF line ends
	HTML        string    // the HTML body, kept only as compressed RTF; "" for none
	Categories  []string
	Attachments []File
	Forwarded   []*Note // attached as embedded messages
}

var (
	companies    = []string{"Example Corp", "Globex", "Initech", "Umbrella Ltd", "Acme GmbH", "Soylent SA"}
	jobTitles    = []string{"Engineer", "Accountant", "Project Manager", "Director", "Analyst", "Designer"}
	streets      = []string{"12 Market Street", "4 Rue de la Paix", "Hauptstraße 7", "221B Baker Street", "1 Infinite Loop"}
	cities       = []string{"Springfield", "Paris", "Berlin", "London", "Cupertino", "Oslo"}
	countries    = []string{"United States", "France", "Germany", "United Kingdom", "Norway"}
	meetings     = []string{"Project sync", "1:1", "Quarterly planning", "Design review", "Dentist", "Budget meeting", "Team lunch"}
	rooms        = []string{"Room 4.01", "Main boardroom", "Café downstairs", "Teams call", "Building B, 2nd floor"}
	categoryList = []string{"Red category", "Blue category", "Project X", "Personal", "Follow up"}
)

// Note returns a new generated e-mail: a sender, one to three To and up
// to two Cc recipients, a plain body and, for two notes in three, an HTML
// version of it, one or two attachments (a text file, a CSV table or
// random bytes), now and then categories, and for every fourth note a
// forwarded note of its own. Notes, items and the messages of Next are
// numbered by one counter, so they can be mixed and stay deterministic.
func (g *Gen) Note() *Note { return g.note(true) }

func (g *Gen) note(forward bool) *Note {
	g.n++
	n := &Note{}
	fromName, from := g.person()
	n.From = Address{fromName, from}
	for i := 0; i < 1+g.rng.IntN(3); i++ {
		name, addr := g.person()
		n.To = append(n.To, Address{name, addr})
	}
	for i := 0; i < g.rng.IntN(3); i++ {
		name, addr := g.person()
		n.Cc = append(n.Cc, Address{name, addr})
	}
	n.Subject = g.pick(topics)
	if g.rng.IntN(3) == 0 {
		n.Subject = fmt.Sprintf("%s (%d)", n.Subject, g.n)
	}
	n.Date = time.Date(2019, 1, 1, 8, 0, 0, 0, time.UTC).
		Add(time.Duration(g.n)*7*time.Hour + time.Duration(g.rng.IntN(3600))*time.Second)
	n.MessageID = fmt.Sprintf("<%d.%08x@%s>", g.n, g.rng.Uint32(), strings.SplitN(from, "@", 2)[1])
	var paras []string
	for i := 0; i < 1+g.rng.IntN(4); i++ {
		paras = append(paras, strings.TrimSuffix(g.paragraph(), "\n"))
	}
	n.Text = strings.ReplaceAll(strings.Join(paras, "\n\n"), "\n", "\r\n") + "\r\n"
	if g.n%3 != 0 {
		n.HTML = noteHTML(paras)
	}
	if g.rng.IntN(4) == 0 {
		n.Categories = []string{g.pick(categoryList)}
	}
	for i := 0; i < 1+g.rng.IntN(2); i++ {
		n.Attachments = append(n.Attachments, g.file(i))
	}
	if forward && g.n%4 == 0 {
		inner := g.note(false)
		n.Forwarded = []*Note{inner}
		n.Subject = "Fwd: " + inner.Subject
	}
	return n
}

// file returns a generated attachment.
func (g *Gen) file(i int) File {
	switch (g.n + i) % 3 {
	case 0:
		return File{Name: fmt.Sprintf("notes %d.txt", g.n), MIMEType: "text/plain",
			Data: []byte(strings.ReplaceAll(g.paragraph(), "\n", "\r\n"))}
	case 1:
		var b strings.Builder
		b.WriteString("date;item;amount\r\n")
		for j := 0; j < 3+g.rng.IntN(20); j++ {
			fmt.Fprintf(&b, "2019-%02d-%02d;%s;%d.%02d\r\n", 1+g.rng.IntN(12), 1+g.rng.IntN(28), g.pick(words), g.rng.IntN(5000), g.rng.IntN(100))
		}
		return File{Name: fmt.Sprintf("Quarterly figures %d.csv", g.n), MIMEType: "text/csv", Data: []byte(b.String())}
	}
	data := make([]byte, 200+g.rng.IntN(6000))
	for j := range data {
		data[j] = byte(g.rng.IntN(256))
	}
	return File{Name: fmt.Sprintf("data-%d.bin", g.n), MIMEType: "application/octet-stream", Data: data}
}

// noteHTML is the HTML Outlook would send for the paragraphs.
func noteHTML(paras []string) string {
	var b strings.Builder
	b.WriteString("<html>\r\n<head>\r\n<meta http-equiv=\"Content-Type\" content=\"text/html; charset=utf-8\">\r\n")
	b.WriteString("<style type=\"text/css\"><!--\r\np {margin: 0 0 1em 0; font-family: \"Calibri\", sans-serif;}\r\n--></style>\r\n</head>\r\n<body lang=\"en-US\">\r\n")
	for _, p := range paras {
		b.WriteString("<p>")
		for i, line := range strings.Split(p, "\n") {
			if i > 0 {
				b.WriteString("<br>\r\n")
			}
			b.WriteString(html.EscapeString(line))
		}
		b.WriteString("</p>\r\n")
	}
	b.WriteString("</body>\r\n</html>\r\n")
	return b.String()
}

// OutlookNote returns a generated e-mail (Gen.Note) as an Outlook item
// (NoteMessage).
func OutlookNote(g *Gen) *mapi.Message { return NoteMessage(g.Note()) }

// NoteMessage turns n into an IPM.Note item with the properties Outlook
// gives a received message: subject (with its prefix split off, as
// PidTagSubjectPrefix and PidTagNormalizedSubject), sender and
// sent-representing names and SMTP addresses, display lists, the client
// submit and delivery times, PidTagInternetMessageId, a conversation
// index, the plain body in PidTagBody and the HTML body only as compressed
// RTF with \fromhtml1 (PidTagRtfCompressed, MS-OXRTFEX and MS-OXRTFCP),
// categories as the named property "Keywords", a recipient table,
// attachments by value and each forwarded note as an embedded message.
// Named property ids are given from 0x8000 on, one map for the item and
// everything in it.
func NoteMessage(n *Note) *mapi.Message {
	b := &itemBuilder{}
	return b.note(n)
}

// itemBuilder holds the named property map shared by an item's
// properties, its recipients, attachments and embedded messages.
type itemBuilder struct {
	named map[uint16]mapi.NamedProperty
	ids   map[mapi.NamedProperty]uint16
}

func (b *itemBuilder) props() *propSet {
	if b.named == nil {
		b.named = make(map[uint16]mapi.NamedProperty)
		b.ids = make(map[mapi.NamedProperty]uint16)
	}
	ps := &propSet{b: b}
	ps.p.Named = b.named
	return ps
}

// namedID returns the id of a named property, giving it the next free
// one the first time.
func (b *itemBuilder) namedID(guid [16]byte, lid uint32, name string) uint16 {
	np := mapi.NamedProperty{GUID: guid, LID: lid, Name: name}
	if name != "" {
		np.LID = 0
	}
	if id, ok := b.ids[np]; ok {
		return id
	}
	id := uint16(0x8000 + len(b.ids))
	b.ids[np] = id
	b.named[id] = np
	return id
}

// propSet adds typed values to a property set.
type propSet struct {
	b *itemBuilder
	p mapi.Properties
}

func (s *propSet) set(id uint16, t mapi.PropType, v []byte) {
	s.p.Set(&mapi.Property{Tag: mapi.NewTag(id, t), Value: v})
}

func (s *propSet) str(id uint16, v string) { s.p.SetString(id, v) }
func (s *propSet) bin(id uint16, v []byte) { s.p.SetBinary(id, v) }
func (s *propSet) i32(id uint16, v int32)  { s.p.SetInt32(id, v) }
func (s *propSet) boolean(id uint16, v bool) {
	b := []byte{0, 0}
	if v {
		b[0] = 1
	}
	s.set(id, mapi.PtypBoolean, b)
}
func (s *propSet) time(id uint16, t time.Time) { s.p.SetTime(id, t) }
func (s *propSet) strs(id uint16, v []string) {
	p := &mapi.Property{Tag: mapi.NewTag(id, mapi.PtypString|mapi.MultipleFlag)}
	for _, x := range v {
		p.Values = append(p.Values, mapi.EncodeUTF16(x))
	}
	s.p.Set(p)
}

// named returns the id of a named property with a LID.
func (s *propSet) named(guid [16]byte, lid uint32) uint16 { return s.b.namedID(guid, lid, "") }

// fileTime encodes t as a FILETIME: 100 ns ticks since 1601-01-01 UTC.
func fileTime(t time.Time) []byte {
	ft, _ := mapi.FileTimeOf(t)
	return binary.LittleEndian.AppendUint64(nil, ft)
}

// Named property LIDs the builders use that formats/mapi has no constant
// for (MS-OXPROPS).
const (
	pidLidReminderDelta          = 0x8501 // PSETID_Common
	pidLidInternetAccountName    = 0x8580 // PSETID_Common
	pidLidAppointmentDuration    = 0x8213 // PSETID_Appointment
	pidLidEmail1OriginalDispName = 0x8084 // PSETID_Address
	pidTagDisplayType            = 0x3900
	pidTagObjectType             = 0x0FFE
	pidTagTransmittableDispName  = 0x3A20
	objectTypeMessage            = 5
	objectTypeMailUser           = 6
	objectTypeAttach             = 7
)

// subjectPrefix splits "Re: " and "Fwd: " prefixes off a subject
// (MS-OXCMSG section 2.2.1.9).
func subjectPrefix(s string) (prefix, normalized string) {
	for _, p := range []string{"Re: ", "RE: ", "Fwd: ", "FW: ", "Fw: "} {
		if strings.HasPrefix(s, p) {
			return p, s[len(p):]
		}
	}
	return "", s
}

func displayList(as []Address) string {
	names := make([]string, len(as))
	for i, a := range as {
		names[i] = a.Name
	}
	return strings.Join(names, "; ")
}

func (b *itemBuilder) note(n *Note) *mapi.Message {
	m := &mapi.Message{}
	s := b.props()
	s.str(mapi.PidTagMessageClass, "IPM.Note")
	s.str(mapi.PidTagSubject, n.Subject)
	prefix, norm := subjectPrefix(n.Subject)
	if prefix != "" {
		s.str(mapi.PidTagSubjectPrefix, prefix)
	}
	s.str(mapi.PidTagNormalizedSubject, norm)
	s.str(mapi.PidTagConversationTopic, norm)
	s.bin(mapi.PidTagConversationIndex, conversationIndex(norm, n.Date))
	s.time(mapi.PidTagClientSubmitTime, n.Date)
	delivered := n.Date.Add(3 * time.Second)
	s.time(mapi.PidTagMessageDeliveryTime, delivered)
	s.time(mapi.PidTagCreationTime, delivered)
	s.time(mapi.PidTagLastModificationTime, delivered)
	if n.MessageID != "" {
		s.str(mapi.PidTagInternetMessageId, n.MessageID)
	}
	for _, f := range []struct {
		name, addr, typ, smtp uint16
	}{
		{mapi.PidTagSenderName, mapi.PidTagSenderEmailAddress, mapi.PidTagSenderAddressType, mapi.PidTagSenderSmtpAddress},
		{mapi.PidTagSentRepresentingName, mapi.PidTagSentRepresentingEmailAddress, mapi.PidTagSentRepresentingAddressType, mapi.PidTagSentRepresentingSmtpAddress},
	} {
		s.str(f.name, n.From.Name)
		s.str(f.addr, n.From.Email)
		s.str(f.typ, "SMTP")
		s.str(f.smtp, n.From.Email)
	}
	s.str(mapi.PidTagDisplayTo, displayList(n.To))
	s.str(mapi.PidTagDisplayCc, displayList(n.Cc))
	s.str(mapi.PidTagDisplayBcc, "")
	s.str(mapi.PidTagBody, n.Text)
	if n.HTML != "" {
		s.bin(mapi.PidTagRtfCompressed, CompressRTF(HTMLToRTF(n.HTML)))
		s.boolean(mapi.PidTagRtfInSync, true)
	}
	s.i32(mapi.PidTagInternetCodepage, 65001)
	s.i32(mapi.PidTagMessageLocaleId, 1033)
	flags := int32(0x01) // mfRead
	if len(n.Attachments)+len(n.Forwarded) > 0 {
		flags |= 0x10 // mfHasAttach
	}
	s.i32(mapi.PidTagMessageFlags, flags)
	s.i32(mapi.PidTagImportance, 1)
	s.i32(mapi.PidTagPriority, 0)
	s.i32(mapi.PidTagSensitivity, 0)
	s.i32(mapi.PidTagStoreSupportMask, 0x00040E79) // STORE_UNICODE_OK and the usual others
	s.i32(pidTagObjectType, objectTypeMessage)
	s.boolean(s.named(mapi.PSETIDCommon, mapi.PidLidReminderSet), false)
	s.str(s.named(mapi.PSETIDCommon, pidLidInternetAccountName), n.From.Email)
	if len(n.Categories) > 0 {
		s.strs(s.b.namedID(mapi.PSPUBLICSTRINGS, 0, "Keywords"), n.Categories)
	}
	m.Props = s.p

	row := 0
	for _, list := range []struct {
		typ int32
		as  []Address
	}{{mapi.RecipTo, n.To}, {mapi.RecipCc, n.Cc}} {
		for _, a := range list.as {
			r := b.props()
			r.i32(mapi.PidTagRecipientType, list.typ)
			r.str(mapi.PidTagDisplayName, a.Name)
			r.str(mapi.PidTagRecipientDisplayName, a.Name)
			r.str(pidTagTransmittableDispName, a.Name)
			r.str(mapi.PidTagEmailAddress, a.Email)
			r.str(mapi.PidTagAddressType, "SMTP")
			r.str(mapi.PidTagSmtpAddress, a.Email)
			r.i32(mapi.PidTagRowid, int32(row))
			r.i32(mapi.PidTagRecipientFlags, 1) // recipSendable
			r.i32(pidTagDisplayType, 0)         // DT_MAILUSER
			r.i32(pidTagObjectType, objectTypeMailUser)
			p := r.p
			m.Recipients = append(m.Recipients, &p)
			row++
		}
	}

	for i, f := range n.Attachments {
		a := b.props()
		a.i32(mapi.PidTagAttachNumber, int32(i))
		a.i32(mapi.PidTagAttachMethod, mapi.AttachByValue)
		a.str(mapi.PidTagDisplayName, f.Name)
		a.str(mapi.PidTagAttachLongFilename, f.Name)
		a.str(mapi.PidTagAttachFilename, shortName(f.Name))
		if ext := path.Ext(f.Name); ext != "" {
			a.str(mapi.PidTagAttachExtension, ext)
		}
		if f.MIMEType != "" {
			a.str(mapi.PidTagAttachMimeTag, f.MIMEType)
		}
		a.bin(mapi.PidTagAttachDataBinary, f.Data)
		a.i32(mapi.PidTagAttachSize, int32(len(f.Data)+300))
		a.i32(mapi.PidTagRenderingPosition, -1)
		a.i32(mapi.PidTagAttachFlags, 0)
		a.boolean(mapi.PidTagAttachmentHidden, false)
		a.i32(pidTagObjectType, objectTypeAttach)
		a.time(mapi.PidTagCreationTime, n.Date)
		a.time(mapi.PidTagLastModificationTime, n.Date)
		m.Attachments = append(m.Attachments, &mapi.Attachment{Props: a.p})
	}
	for i, fw := range n.Forwarded {
		inner := b.note(fw)
		a := b.props()
		a.i32(mapi.PidTagAttachNumber, int32(len(n.Attachments)+i))
		a.i32(mapi.PidTagAttachMethod, mapi.AttachEmbeddedMessage)
		a.str(mapi.PidTagDisplayName, fw.Subject)
		a.i32(mapi.PidTagAttachSize, int32(len(fw.Text)+len(fw.HTML)+2000))
		a.i32(mapi.PidTagRenderingPosition, -1)
		a.i32(mapi.PidTagAttachFlags, 0)
		a.boolean(mapi.PidTagAttachmentHidden, false)
		a.i32(pidTagObjectType, objectTypeAttach)
		a.time(mapi.PidTagCreationTime, n.Date)
		a.time(mapi.PidTagLastModificationTime, n.Date)
		m.Attachments = append(m.Attachments, &mapi.Attachment{Props: a.p, Embedded: inner})
	}
	return m
}

// conversationIndex builds a PidTagConversationIndex header block
// (MS-OXOMSG section 2.2.1.3): a reserved byte 1, the five high bytes of
// the time's FILETIME, and a GUID, here derived from the topic.
func conversationIndex(topic string, t time.Time) []byte {
	ft := binary.LittleEndian.Uint64(fileTime(t))
	b := []byte{0x01}
	for shift := 56; shift >= 24; shift -= 8 {
		b = append(b, byte(ft>>shift))
	}
	sum := sha256.Sum256([]byte(topic))
	return append(b, sum[:16]...)
}

// shortName makes the 8.3 name Outlook gives an attachment
// (PidTagAttachFilename): "Quarterly figures 12.csv" -> "QUARTE~1.CSV".
func shortName(name string) string {
	ext := path.Ext(name)
	base := strings.TrimSuffix(name, ext)
	clean := func(s string, n int) (string, bool) {
		var b strings.Builder
		cut := false
		for _, r := range strings.ToUpper(s) {
			if r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' || r == '-' {
				if b.Len() < n {
					b.WriteRune(r)
				} else {
					cut = true
				}
			} else {
				cut = true
			}
		}
		return b.String(), cut
	}
	e, _ := clean(strings.TrimPrefix(ext, "."), 3)
	b, cut := clean(base, 8)
	if cut {
		if len(b) > 6 {
			b = b[:6]
		}
		b += "~1"
	}
	if e != "" {
		return b + "." + e
	}
	return b
}

// OutlookAppointment returns a generated calendar item (IPM.Appointment):
// an organizer as sender and attendees as recipients, a subject and
// location, start and end as PidLidAppointmentStartWhole and
// PidLidAppointmentEndWhole (PSETID_Appointment) and PidLidCommonStart and
// PidLidCommonEnd (PSETID_Common), a busy status, a reminder, and the
// global object ids of a meeting (PSETID_Meeting).
func OutlookAppointment(g *Gen) *mapi.Message {
	g.n++
	b := &itemBuilder{}
	s := b.props()
	orgName, org := g.person()
	subject := g.pick(meetings)
	start := time.Date(2019, 1, 7, 9, 0, 0, 0, time.UTC).
		Add(time.Duration(g.n)*24*time.Hour + time.Duration(g.rng.IntN(16))*30*time.Minute)
	dur := time.Duration(30*(1+g.rng.IntN(4))) * time.Minute
	end := start.Add(dur)
	created := start.Add(-time.Duration(24+g.rng.IntN(240)) * time.Hour)

	s.str(mapi.PidTagMessageClass, "IPM.Appointment")
	s.str(mapi.PidTagSubject, subject)
	s.str(mapi.PidTagNormalizedSubject, subject)
	s.str(mapi.PidTagConversationTopic, subject)
	s.str(mapi.PidTagBody, strings.ReplaceAll(g.paragraph(), "\n", "\r\n"))
	s.time(mapi.PidTagClientSubmitTime, created)
	s.time(mapi.PidTagCreationTime, created)
	s.time(mapi.PidTagLastModificationTime, created)
	s.str(mapi.PidTagSenderName, orgName)
	s.str(mapi.PidTagSenderEmailAddress, org)
	s.str(mapi.PidTagSenderAddressType, "SMTP")
	s.str(mapi.PidTagSenderSmtpAddress, org)
	s.str(mapi.PidTagSentRepresentingName, orgName)
	s.str(mapi.PidTagSentRepresentingEmailAddress, org)
	s.str(mapi.PidTagSentRepresentingSmtpAddress, org)
	s.i32(mapi.PidTagInternetCodepage, 65001)
	s.i32(mapi.PidTagImportance, 1)
	s.i32(mapi.PidTagMessageFlags, 0x01)
	s.i32(pidTagObjectType, objectTypeMessage)
	s.time(s.named(mapi.PSETIDAppointment, mapi.PidLidAppointmentStartWhole), start)
	s.time(s.named(mapi.PSETIDAppointment, mapi.PidLidAppointmentEndWhole), end)
	s.i32(s.named(mapi.PSETIDAppointment, pidLidAppointmentDuration), int32(dur/time.Minute))
	s.str(s.named(mapi.PSETIDAppointment, mapi.PidLidLocation), g.pick(rooms))
	s.i32(s.named(mapi.PSETIDAppointment, mapi.PidLidBusyStatus), 2) // olBusy
	s.boolean(s.named(mapi.PSETIDAppointment, mapi.PidLidAppointmentSubType), false)
	s.boolean(s.named(mapi.PSETIDAppointment, mapi.PidLidRecurring), false)
	s.time(s.named(mapi.PSETIDCommon, mapi.PidLidCommonStart), start)
	s.time(s.named(mapi.PSETIDCommon, mapi.PidLidCommonEnd), end)
	s.boolean(s.named(mapi.PSETIDCommon, mapi.PidLidReminderSet), true)
	s.i32(s.named(mapi.PSETIDCommon, pidLidReminderDelta), 15)
	goid := globalObjectID(fmt.Sprintf("%d.%08x@%s", g.n, g.rng.Uint32(), org), created)
	s.bin(s.named(mapi.PSETIDMeeting, mapi.PidLidGlobalObjectId), goid)
	s.bin(s.named(mapi.PSETIDMeeting, mapi.PidLidCleanGlobalObjectId), goid)
	m := &mapi.Message{Props: s.p}

	attendees := []Address{{orgName, org}}
	for i := 0; i < 1+g.rng.IntN(3); i++ {
		name, addr := g.person()
		attendees = append(attendees, Address{name, addr})
	}
	var names []string
	for i, a := range attendees {
		r := b.props()
		r.i32(mapi.PidTagRecipientType, mapi.RecipTo)
		r.str(mapi.PidTagDisplayName, a.Name)
		r.str(mapi.PidTagEmailAddress, a.Email)
		r.str(mapi.PidTagAddressType, "SMTP")
		r.str(mapi.PidTagSmtpAddress, a.Email)
		r.i32(mapi.PidTagRowid, int32(i))
		flags := int32(1) // recipSendable
		if i == 0 {
			flags |= 2 // recipOrganizer
		}
		r.i32(mapi.PidTagRecipientFlags, flags)
		p := r.p
		m.Recipients = append(m.Recipients, &p)
		names = append(names, a.Name)
	}
	m.Props.SetString(mapi.PidTagDisplayTo, strings.Join(names, "; "))
	return m
}

// globalObjectID builds a PidLidGlobalObjectId (MS-OXOCAL section
// 2.2.1.27): the fixed class id, no instance date, the creation time, 8
// reserved bytes and the data, here an identifier in the vCal form
// Outlook uses for meetings from outside.
func globalObjectID(uid string, created time.Time) []byte {
	b := []byte{0x04, 0x00, 0x00, 0x00, 0x82, 0x00, 0xE0, 0x00, 0x74, 0xC5, 0xB7, 0x10, 0x1A, 0x82, 0xE0, 0x08}
	b = append(b, 0, 0, 0, 0) // year, month, day of an instance
	b = append(b, fileTime(created)...)
	b = append(b, make([]byte, 8)...)
	data := append([]byte("vCal-Uid\x01\x00\x00\x00"), uid...)
	data = append(data, 0)
	b = binary.LittleEndian.AppendUint32(b, uint32(len(data)))
	return append(b, data...)
}

// OutlookContact returns a generated contact (IPM.Contact): names,
// company, job title, phone numbers and postal address as PidTag
// properties, the e-mail address, file-as name and work address as the
// named properties of PSETID_Address.
func OutlookContact(g *Gen) *mapi.Message {
	g.n++
	b := &itemBuilder{}
	s := b.props()
	given, surname := g.pick(firstNames), g.pick(lastNames)
	name := given + " " + surname
	_, email := g.person()
	email = strings.ToLower(strings.NewReplacer("ü", "ue", "é", "e", "'", "", "í", "i", "ö", "oe", "ç", "c", "á", "a").Replace(given+"."+surname)) + "@" + strings.SplitN(email, "@", 2)[1]
	phone := func() string {
		return fmt.Sprintf("+1 555 %03d %04d", g.rng.IntN(1000), g.rng.IntN(10000))
	}
	created := time.Date(2018, 6, 1, 12, 0, 0, 0, time.UTC).Add(time.Duration(g.n) * 37 * time.Hour)
	street, city, country := g.pick(streets), g.pick(cities), g.pick(countries)
	postal := fmt.Sprintf("%05d", g.rng.IntN(100000))

	s.str(mapi.PidTagMessageClass, "IPM.Contact")
	s.str(mapi.PidTagSubject, name)
	s.str(mapi.PidTagNormalizedSubject, name)
	s.str(mapi.PidTagDisplayName, name)
	s.str(mapi.PidTagGivenName, given)
	s.str(mapi.PidTagSurname, surname)
	s.str(mapi.PidTagInitials, given[:1]+"."+surname[:1]+".")
	s.str(mapi.PidTagCompanyName, g.pick(companies))
	s.str(mapi.PidTagTitle, g.pick(jobTitles))
	s.str(mapi.PidTagBusinessTelephoneNumber, phone())
	s.str(mapi.PidTagMobileTelephoneNumber, phone())
	s.str(mapi.PidTagStreetAddress, street)
	s.str(mapi.PidTagLocality, city)
	s.str(mapi.PidTagPostalCode, postal)
	s.str(mapi.PidTagCountry, country)
	s.str(mapi.PidTagBody, "Met at the "+g.pick(meetings)+".\r\n")
	s.time(mapi.PidTagCreationTime, created)
	s.time(mapi.PidTagLastModificationTime, created)
	s.i32(mapi.PidTagInternetCodepage, 65001)
	s.i32(pidTagObjectType, objectTypeMessage)
	s.str(s.named(mapi.PSETIDAddress, mapi.PidLidFileUnder), surname+", "+given)
	s.str(s.named(mapi.PSETIDAddress, mapi.PidLidEmail1DisplayName), name+" ("+email+")")
	s.str(s.named(mapi.PSETIDAddress, mapi.PidLidEmail1AddressType), "SMTP")
	s.str(s.named(mapi.PSETIDAddress, mapi.PidLidEmail1EmailAddress), email)
	s.str(s.named(mapi.PSETIDAddress, pidLidEmail1OriginalDispName), email)
	s.str(s.named(mapi.PSETIDAddress, mapi.PidLidWorkAddressStreet), street)
	s.str(s.named(mapi.PSETIDAddress, mapi.PidLidWorkAddressCity), city)
	s.str(s.named(mapi.PSETIDAddress, mapi.PidLidWorkAddressPostalCode), postal)
	s.str(s.named(mapi.PSETIDAddress, mapi.PidLidWorkAddressCountry), country)
	return &mapi.Message{Props: s.p}
}
