package mapi

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"regexp"
	"strings"
	"time"
	"unicode/utf16"
)

// itemExtra is what an item class adds to the plain message: alternatives
// (a meeting request's text/calendar), parts after the body (an
// appointment's .ics, a contact's .vcf) or the machine parts of a
// delivery report.
type itemExtra struct {
	alt        []*part
	attached   []*part
	report     []*part
	reportType string
}

// itemParts renders what the item's class needs beyond its bodies
// (MS-OXOCAL, MS-OXOCNTC, MS-OXOTASK, MS-OXONOTE, MS-OXOMSG reports).
func (c *conv) itemParts(m *Message, plain *string) itemExtra {
	class := strings.ToUpper(m.Class())
	var x itemExtra
	switch {
	case strings.HasPrefix(class, "IPM.SCHEDULE.MEETING"):
		method := "REQUEST"
		switch {
		case strings.Contains(class, ".CANCELED"):
			method = "CANCEL"
		case strings.Contains(class, ".RESP."):
			method = "REPLY"
		}
		if ics := c.vcalendar(m, method, "VEVENT"); ics != "" {
			p := textLeaf("text/calendar", ics)
			p.fields[0][1] = "text/calendar; charset=utf-8; method=" + method
			x.alt = append(x.alt, p)
		}
	case strings.HasPrefix(class, "IPM.APPOINTMENT"):
		if ics := c.vcalendar(m, "PUBLISH", "VEVENT"); ics != "" {
			x.attached = append(x.attached, leaf("text/calendar", "quoted-printable", []byte(ics), "attachment", "appointment.ics", ""))
			if strings.TrimSpace(*plain) == "" {
				*plain = c.eventSummary(m)
			}
		}
	case strings.HasPrefix(class, "IPM.TASK"):
		if ics := c.vcalendar(m, "PUBLISH", "VTODO"); ics != "" {
			x.attached = append(x.attached, leaf("text/calendar", "quoted-printable", []byte(ics), "attachment", "task.ics", ""))
		}
		if strings.TrimSpace(*plain) == "" {
			*plain = taskSummary(m)
		}
	case strings.HasPrefix(class, "IPM.CONTACT"):
		card, summary := c.vcard(m)
		name := m.Props.Str(PidTagDisplayName)
		if name == "" {
			name = "contact"
		}
		x.attached = append(x.attached, leaf("text/vcard", "quoted-printable", []byte(card), "attachment", name+".vcf", ""))
		if strings.TrimSpace(*plain) == "" {
			*plain = summary
		}
	case strings.HasPrefix(class, "IPM.DISTLIST"):
		members := c.distList(m)
		if len(members) > 0 {
			list := "Members of " + m.Props.Subject() + ":\r\n" + strings.Join(members, "\r\n") + "\r\n"
			if strings.TrimSpace(*plain) == "" {
				*plain = list
			} else {
				*plain += "\r\n" + list
			}
		}
	case strings.HasPrefix(class, "REPORT."):
		c.report(m, class, plain, &x)
	}
	return x
}

// named returns the id the item's name-to-id map gives a named property.
func named(m *Message, set [16]byte, lid uint32) uint16 {
	return m.Props.NamedID(set, lid, "")
}

func namedTime(m *Message, set [16]byte, lid uint32) (time.Time, bool) {
	if id := named(m, set, lid); id != 0 {
		return m.Props.Time(id)
	}
	return time.Time{}, false
}

func namedString(m *Message, set [16]byte, lid uint32) string {
	if id := named(m, set, lid); id != 0 {
		return m.Props.Str(id)
	}
	return ""
}

// icsText escapes a TEXT value (RFC 5545 3.3.11; RFC 6350 3.4).
func icsText(s string) string {
	return strings.NewReplacer(`\`, `\\`, ";", `\;`, ",", `\,`, "\r\n", `\n`, "\n", `\n`, "\r", `\n`).Replace(s)
}

// foldLine folds a content line at 75 octets, never inside a UTF-8
// sequence (RFC 5545 3.1).
func foldLine(line string) string {
	if len(line) <= 75 {
		return line + "\r\n"
	}
	var b strings.Builder
	n := 0
	for _, r := range line {
		l := len(string(r))
		if n+l > 75 {
			b.WriteString("\r\n ")
			n = 1
		}
		b.WriteRune(r)
		n += l
	}
	b.WriteString("\r\n")
	return b.String()
}

func icsTime(t time.Time) string { return t.UTC().Format("20060102T150405Z") }

// vcalendar renders an appointment, meeting or task as iCalendar.
func (c *conv) vcalendar(m *Message, method, component string) string {
	var lines []string
	add := func(l string) { lines = append(lines, l) }
	add("BEGIN:VCALENDAR")
	add("PRODID:-//mailsalvage//MAPI to iCalendar//EN")
	add("VERSION:2.0")
	add("METHOD:" + method)
	add("BEGIN:" + component)
	add("UID:" + c.uid(m))
	stamp, ok := m.Props.Time(PidTagCreationTime)
	if !ok {
		stamp, _ = messageDate(m)
	}
	if !stamp.IsZero() {
		add("DTSTAMP:" + icsTime(stamp))
	}
	if s := m.Props.Subject(); s != "" {
		add("SUMMARY:" + icsText(s))
	}
	if body := m.Props.Str(PidTagBody); strings.TrimSpace(body) != "" {
		add("DESCRIPTION:" + icsText(strings.TrimSpace(body)))
	}
	switch component {
	case "VEVENT":
		start, okS := namedTime(m, PSETIDAppointment, PidLidAppointmentStartWhole)
		end, okE := namedTime(m, PSETIDAppointment, PidLidAppointmentEndWhole)
		if !okS {
			start, okS = namedTime(m, PSETIDCommon, PidLidCommonStart)
			end, okE = namedTime(m, PSETIDCommon, PidLidCommonEnd)
		}
		allDay := false
		if id := named(m, PSETIDAppointment, PidLidAppointmentSubType); id != 0 {
			allDay, _ = m.Props.Bool(id)
		}
		if okS {
			if allDay {
				add("DTSTART;VALUE=DATE:" + start.Format("20060102"))
			} else {
				add("DTSTART:" + icsTime(start))
			}
		} else {
			c.warnf("%s has no start time", m.Class())
		}
		if okE {
			if allDay {
				add("DTEND;VALUE=DATE:" + end.Format("20060102"))
			} else {
				add("DTEND:" + icsTime(end))
			}
		}
		if loc := namedString(m, PSETIDAppointment, PidLidLocation); loc != "" {
			add("LOCATION:" + icsText(loc))
		}
		if id := named(m, PSETIDAppointment, PidLidRecurring); id != 0 {
			if rec, _ := m.Props.Bool(id); rec {
				c.warnf("recurring %s: the recurrence pattern is not converted; DTSTART/DTEND give the series start", m.Class())
			}
		}
		if strings.Contains(strings.ToUpper(m.Class()), "CANCELED") {
			add("STATUS:CANCELLED")
		} else {
			add("STATUS:CONFIRMED")
		}
		if from, _ := c.originators(m); from != "" {
			if name, addr := splitAddr(m, true); addr != "" {
				add(paramLine("ORGANIZER", name) + ":mailto:" + addr)
			}
		}
		for _, r := range m.Recipients {
			name := r.Str(PidTagDisplayName)
			addr := smtpOf(r, PidTagSmtpAddress, PidTagEmailAddress, PidTagAddressType)
			if addr == "" {
				continue
			}
			role := "REQ-PARTICIPANT"
			if t, _ := r.Int(PidTagRecipientType); t&^0x10000000 == RecipCc {
				role = "OPT-PARTICIPANT"
			}
			if t, _ := r.Int(PidTagRecipientType); t&^0x10000000 == RecipOriginator {
				continue
			}
			add(paramLine("ATTENDEE", name) + ";ROLE=" + role + ":mailto:" + addr)
		}
	case "VTODO":
		if t, ok := namedTime(m, PSETIDTask, PidLidTaskStartDate); ok {
			add("DTSTART;VALUE=DATE:" + t.Format("20060102"))
		}
		if t, ok := namedTime(m, PSETIDTask, PidLidTaskDueDate); ok {
			add("DUE;VALUE=DATE:" + t.Format("20060102"))
		}
		if id := named(m, PSETIDTask, PidLidTaskStatus); id != 0 {
			if v, ok := m.Props.Int(id); ok && v >= 0 && v <= 4 {
				add("STATUS:" + []string{"NEEDS-ACTION", "IN-PROCESS", "COMPLETED", "NEEDS-ACTION", "CANCELLED"}[v])
			}
		}
		if id := named(m, PSETIDTask, PidLidPercentComplete); id != 0 {
			if f, ok := m.Props.Float(id); ok {
				add(fmt.Sprintf("PERCENT-COMPLETE:%d", int(f*100+0.5)))
			}
		}
		if t, ok := namedTime(m, PSETIDTask, PidLidTaskDateCompleted); ok {
			add("COMPLETED:" + icsTime(t))
		}
	}
	add("END:" + component)
	add("END:VCALENDAR")
	var b strings.Builder
	for _, l := range lines {
		b.WriteString(foldLine(l))
	}
	return b.String()
}

// paramLine is "NAME;CN=..." with the common name quoted when needed.
func paramLine(prop, cn string) string {
	if cn == "" {
		return prop
	}
	cn = strings.NewReplacer(`"`, "'", "\r", " ", "\n", " ").Replace(cn)
	if strings.ContainsAny(cn, ";:,") {
		cn = `"` + cn + `"`
	}
	return prop + ";CN=" + cn
}

// splitAddr returns the organizer's (sender's) name and SMTP address.
func splitAddr(m *Message, representing bool) (string, string) {
	if representing {
		if a := smtpOf(&m.Props, PidTagSentRepresentingSmtpAddress, PidTagSentRepresentingEmailAddress, PidTagSentRepresentingAddressType); a != "" {
			return m.Props.Str(PidTagSentRepresentingName), a
		}
	}
	return m.Props.Str(PidTagSenderName), smtpOf(&m.Props, PidTagSenderSmtpAddress, PidTagSenderEmailAddress, PidTagSenderAddressType)
}

// uid is the iCalendar UID: the meeting's global object id, else a hash
// of what identifies the item.
func (c *conv) uid(m *Message) string {
	for _, lid := range []uint32{PidLidCleanGlobalObjectId, PidLidGlobalObjectId} {
		if id := named(m, PSETIDMeeting, lid); id != 0 {
			if b, ok := m.Props.Binary(id); ok && len(b) > 0 {
				return strings.ToUpper(hex.EncodeToString(b))
			}
		}
	}
	if s := m.Props.Str(PidTagInternetMessageId); s != "" {
		return strings.Trim(s, "<>")
	}
	return c.seed + "@mailsalvage"
}

// eventSummary is a plain-text rendering of an appointment for mail
// clients that do not show calendar parts.
func (c *conv) eventSummary(m *Message) string {
	var b strings.Builder
	if s := m.Props.Subject(); s != "" {
		b.WriteString(s + "\r\n")
	}
	if t, ok := namedTime(m, PSETIDAppointment, PidLidAppointmentStartWhole); ok {
		b.WriteString("Start: " + t.Format(time.RFC1123Z) + "\r\n")
	}
	if t, ok := namedTime(m, PSETIDAppointment, PidLidAppointmentEndWhole); ok {
		b.WriteString("End: " + t.Format(time.RFC1123Z) + "\r\n")
	}
	if l := namedString(m, PSETIDAppointment, PidLidLocation); l != "" {
		b.WriteString("Location: " + l + "\r\n")
	}
	return b.String()
}

// taskSummary is a plain-text rendering of a task.
func taskSummary(m *Message) string {
	var b strings.Builder
	b.WriteString("Task: " + m.Props.Subject() + "\r\n")
	if id := named(m, PSETIDTask, PidLidTaskStatus); id != 0 {
		if v, ok := m.Props.Int(id); ok && v >= 0 && v <= 4 {
			b.WriteString("Status: " + []string{"not started", "in progress", "completed", "waiting on someone else", "deferred"}[v] + "\r\n")
		}
	}
	if id := named(m, PSETIDTask, PidLidPercentComplete); id != 0 {
		if f, ok := m.Props.Float(id); ok {
			b.WriteString(fmt.Sprintf("Complete: %d%%\r\n", int(f*100+0.5)))
		}
	}
	if t, ok := namedTime(m, PSETIDTask, PidLidTaskStartDate); ok {
		b.WriteString("Start: " + t.Format("2006-01-02") + "\r\n")
	}
	if t, ok := namedTime(m, PSETIDTask, PidLidTaskDueDate); ok {
		b.WriteString("Due: " + t.Format("2006-01-02") + "\r\n")
	}
	return b.String()
}

// vcard renders a contact as vCard 3.0 (RFC 2426) and as plain text.
func (c *conv) vcard(m *Message) (card, summary string) {
	p := &m.Props
	var lines, text []string
	add := func(l string) { lines = append(lines, l) }
	show := func(label, v string) {
		if v != "" {
			text = append(text, label+v)
		}
	}
	add("BEGIN:VCARD")
	add("VERSION:3.0")
	fn := p.Str(PidTagDisplayName)
	if fn == "" {
		fn = namedString(m, PSETIDAddress, PidLidFileUnder)
	}
	if fn == "" {
		fn = p.Subject()
	}
	add("FN:" + icsText(fn))
	show("", fn)
	add("N:" + strings.Join([]string{icsText(p.Str(PidTagSurname)), icsText(p.Str(PidTagGivenName)), icsText(p.Str(PidTagMiddleName)), icsText(p.Str(PidTagDisplayNamePrefix)), icsText(p.Str(PidTagGeneration))}, ";"))
	if s := p.Str(PidTagNickname); s != "" {
		add("NICKNAME:" + icsText(s))
	}
	if org := p.Str(PidTagCompanyName); org != "" || p.Str(PidTagDepartmentName) != "" {
		add("ORG:" + icsText(org) + ";" + icsText(p.Str(PidTagDepartmentName)))
		show("Company: ", org)
	}
	if s := p.Str(PidTagTitle); s != "" {
		add("TITLE:" + icsText(s))
		show("Title: ", s)
	}
	for _, e := range []uint32{PidLidEmail1EmailAddress, PidLidEmail2EmailAddress, PidLidEmail3EmailAddress} {
		if a := namedString(m, PSETIDAddress, e); a != "" {
			add("EMAIL;TYPE=INTERNET:" + icsText(a))
			show("Email: ", a)
		}
	}
	for _, t := range []struct {
		id   uint16
		typ  string
		text string
	}{
		{PidTagBusinessTelephoneNumber, "WORK,VOICE", "Business phone: "}, {PidTagBusiness2TelephoneNumber, "WORK,VOICE", "Business phone 2: "},
		{PidTagHomeTelephoneNumber, "HOME,VOICE", "Home phone: "}, {PidTagMobileTelephoneNumber, "CELL,VOICE", "Mobile: "},
		{PidTagBusinessFaxNumber, "WORK,FAX", "Business fax: "}, {PidTagHomeFaxNumber, "HOME,FAX", "Home fax: "},
		{PidTagPagerTelephoneNumber, "PAGER", "Pager: "},
	} {
		if s := p.Str(t.id); s != "" {
			add("TEL;TYPE=" + t.typ + ":" + icsText(s))
			show(t.text, s)
		}
	}
	work := []string{namedString(m, PSETIDAddress, PidLidWorkAddressStreet), namedString(m, PSETIDAddress, PidLidWorkAddressCity),
		namedString(m, PSETIDAddress, PidLidWorkAddressState), namedString(m, PSETIDAddress, PidLidWorkAddressPostalCode), namedString(m, PSETIDAddress, PidLidWorkAddressCountry)}
	if strings.Join(work, "") == "" {
		work = []string{p.Str(PidTagStreetAddress), p.Str(PidTagLocality), p.Str(PidTagStateOrProvince), p.Str(PidTagPostalCode), p.Str(PidTagCountry)}
	}
	if strings.Join(work, "") != "" {
		add("ADR;TYPE=WORK:;;" + icsJoin(work))
		show("Business address: ", strings.Join(nonEmpty(work), ", "))
	}
	home := []string{p.Str(PidTagHomeAddressStreet), p.Str(PidTagHomeAddressCity), p.Str(PidTagHomeAddressStateOrProvince), p.Str(PidTagHomeAddressPostalCode), p.Str(PidTagHomeAddressCountry)}
	if strings.Join(home, "") != "" {
		add("ADR;TYPE=HOME:;;" + icsJoin(home))
		show("Home address: ", strings.Join(nonEmpty(home), ", "))
	}
	for _, id := range []uint16{PidTagBusinessHomePage, PidTagPersonalHomePage} {
		if s := p.Str(id); s != "" {
			add("URL:" + icsText(s))
			show("Web: ", s)
		}
	}
	if t, ok := p.Time(PidTagBirthday); ok {
		add("BDAY:" + t.Format("2006-01-02"))
		show("Birthday: ", t.Format("2006-01-02"))
	}
	if body := strings.TrimSpace(p.Str(PidTagBody)); body != "" {
		add("NOTE:" + icsText(body))
	}
	add("END:VCARD")
	var b strings.Builder
	for _, l := range lines {
		b.WriteString(foldLine(l))
	}
	return b.String(), strings.Join(text, "\r\n") + "\r\n"
}

func icsJoin(fields []string) string {
	out := make([]string, len(fields))
	for i, f := range fields {
		out[i] = icsText(f)
	}
	return strings.Join(out, ";")
}

func nonEmpty(ss []string) []string {
	var out []string
	for _, s := range ss {
		if s != "" {
			out = append(out, s)
		}
	}
	return out
}

// oneOffUID is the provider UID of a one-off entry id (MS-OXCDATA
// 2.2.5.1).
var oneOffUID = []byte{0x81, 0x2B, 0x1F, 0xA4, 0xBE, 0xA3, 0x10, 0x19, 0x9D, 0x6E, 0x00, 0xDD, 0x01, 0x0F, 0x54, 0x02}

// distList lists a distribution list's members from its one-off entry ids.
func (c *conv) distList(m *Message) []string {
	id := named(m, PSETIDAddress, PidLidDistributionListOneOffMembers)
	if id == 0 {
		return nil
	}
	prop, ok := m.Props.Get(NewTag(id, PtypBinary|MultipleFlag))
	if !ok {
		return nil
	}
	var out []string
	for _, v := range prop.Values {
		if name, addr, ok := parseOneOff(v); ok {
			out = append(out, formatAddr(name, addr))
		}
	}
	return out
}

// parseOneOff reads a one-off entry id: flags, provider UID, version,
// flags (0x8000 = Unicode), then display name, address type and address,
// each NUL-terminated.
func parseOneOff(b []byte) (name, addr string, ok bool) {
	if len(b) < 24 || string(b[4:20]) != string(oneOffUID) {
		return "", "", false
	}
	flags := binary.LittleEndian.Uint16(b[22:24])
	rest := b[24:]
	var fields []string
	for i := 0; i < 3; i++ {
		var s string
		if flags&0x8000 != 0 {
			j := 0
			for j+1 < len(rest) && (rest[j] != 0 || rest[j+1] != 0) {
				j += 2
			}
			u := make([]uint16, j/2)
			for k := range u {
				u[k] = binary.LittleEndian.Uint16(rest[2*k:])
			}
			s = string(utf16.Decode(u))
			rest = rest[min(len(rest), j+2):]
		} else {
			j := 0
			for j < len(rest) && rest[j] != 0 {
				j++
			}
			s = DecodeString8(rest[:j], 0)
			rest = rest[min(len(rest), j+1):]
		}
		fields = append(fields, s)
	}
	if strings.EqualFold(fields[1], "SMTP") || strings.Contains(fields[2], "@") {
		return fields[0], fields[2], true
	}
	return fields[0], "", true
}

var enhancedStatus = regexp.MustCompile(`\b([245]\.\d{1,3}\.\d{1,3})\b`)

// report renders a delivery, non-delivery or read report (REPORT.*) as
// multipart/report (RFC 3462) with a message/delivery-status (RFC 3464) or
// message/disposition-notification (RFC 3798) part built from the report's
// per-recipient properties.
func (c *conv) report(m *Message, class string, plain *string, x *itemExtra) {
	p := &m.Props
	switch {
	case strings.HasSuffix(class, ".IPNRN") || strings.HasSuffix(class, ".IPNNRN"):
		x.reportType = "disposition-notification"
		disp := "manual-action/MDN-sent-manually; displayed"
		if strings.HasSuffix(class, ".IPNNRN") {
			disp = "manual-action/MDN-sent-manually; deleted"
		}
		var b strings.Builder
		b.WriteString("Reporting-UA: mailsalvage; rebuilt from an Outlook read receipt\r\n")
		if len(m.Recipients) > 0 {
			if a := smtpOf(m.Recipients[0], PidTagSmtpAddress, PidTagEmailAddress, PidTagAddressType); a != "" {
				b.WriteString("Final-Recipient: rfc822; " + a + "\r\n")
			}
		}
		if id := p.Str(PidTagInternetMessageId); id != "" {
			b.WriteString("Original-Message-ID: " + id + "\r\n")
		}
		b.WriteString("Disposition: " + disp + "\r\n")
		x.report = append(x.report, leaf("message/disposition-notification", "7bit", []byte(b.String()), "", "", ""))
	default:
		x.reportType = "delivery-status"
		failed := strings.Contains(class, ".NDR") || strings.Contains(class, ".NONDELIVERY")
		var b strings.Builder
		mta := p.Str(PidTagReportingMessageTransferAgent)
		if mta == "" {
			mta = "unknown"
		}
		b.WriteString("Reporting-MTA: dns; " + strings.TrimSpace(mta) + "\r\n")
		if t, ok := p.Time(PidTagReportTime); ok {
			b.WriteString("Arrival-Date: " + t.Format(time.RFC1123Z) + "\r\n")
		}
		for _, r := range m.Recipients {
			addr := smtpOf(r, PidTagSmtpAddress, PidTagEmailAddress, PidTagAddressType)
			if addr == "" {
				addr = r.Str(PidTagEmailAddress)
			}
			if addr == "" {
				continue
			}
			b.WriteString("\r\nFinal-Recipient: rfc822; " + addr + "\r\n")
			info := strings.TrimSpace(r.Str(PidTagSupplementaryInfo))
			status := ""
			if mm := enhancedStatus.FindStringSubmatch(info); mm != nil {
				status = mm[1]
			}
			action := "delivered"
			if failed {
				action = "failed"
				if status == "" {
					status = "5.0.0"
				}
			} else if status == "" {
				status = "2.0.0"
			}
			b.WriteString("Action: " + action + "\r\nStatus: " + status + "\r\n")
			if rm := strings.TrimSpace(r.Str(PidTagRemoteMessageTransferAgent)); rm != "" {
				b.WriteString("Remote-MTA: dns; " + rm + "\r\n")
			}
			if info != "" {
				b.WriteString("Diagnostic-Code: smtp; " + strings.Join(strings.Fields(info), " ") + "\r\n")
			}
			if code, ok := r.Int(PidTagNonDeliveryReportDiagCode); ok {
				b.WriteString(fmt.Sprintf("X-MAPI-NDR-Diag-Code: %d\r\n", code))
			}
			if code, ok := r.Int(PidTagNonDeliveryReportReasonCode); ok {
				b.WriteString(fmt.Sprintf("X-MAPI-NDR-Reason-Code: %d\r\n", code))
			}
		}
		x.report = append(x.report, leaf("message/delivery-status", "7bit", []byte(b.String()), "", "", ""))
	}
	// what is known of the original message
	var h strings.Builder
	if s := p.Str(PidTagOriginalSubject); s != "" {
		h.WriteString("Subject: " + encodeText(s) + "\r\n")
	} else if s := p.Subject(); s != "" {
		h.WriteString("Subject: " + encodeText(s) + "\r\n")
	}
	if t, ok := p.Time(PidTagOriginalSubmitTime); ok {
		h.WriteString("Date: " + t.Format(time.RFC1123Z) + "\r\n")
	}
	if d := p.Str(PidTagOriginalDisplayTo); d != "" {
		h.WriteString("To: " + strings.Join(displayList(d), ", ") + "\r\n")
	}
	if h.Len() > 0 {
		x.report = append(x.report, leaf("text/rfc822-headers", "7bit", []byte(h.String()), "", "", ""))
	}
	if strings.TrimSpace(*plain) == "" {
		if t := p.Str(PidTagReportText); t != "" {
			*plain = t
		}
	}
}

// contentHash is a short stable hash of bytes, for names and ids.
func contentHash(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:8])
}
