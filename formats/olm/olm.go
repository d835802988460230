// Package olm reads the messages of Outlook for Mac archives (.olm). An
// OLM file is a zip archive (formats/archive lists and walks it); each
// message is an XML file of it, Local/com.microsoft.__Messages/<folder
// path>/message_NNNNN.xml: an <emails> element holding <email> elements
// whose OPF* children are the message's fields (subject, addresses,
// times, Message-ID, plain and HTML bodies, flags) and whose attachments
// are other files of the archive, named by OPFAttachmentURL. The same
// files read from an archive extracted to a folder.
//
// Each <email> is read as an Outlook item: its fields become the MAPI
// properties they stand for and formats/mapi writes the .eml, as it does
// for .msg and PST items; the chain's "olm" hop gives the element's bytes
// in the XML file. The folder path is the archive's own (the folder
// walker leaves out "Local/com.microsoft.__Messages", and the
// com.microsoft.__Attachments folders, whose files are read through
// their messages). Outlook for Mac keeps no transport headers
// in the archive: the header is rebuilt from the fields, and what they
// do not hold (Received lines, the original MIME structure) is not
// there to recover.
//
// A field that does not parse is left out with a warning; an attachment
// whose file is missing is noted in the message; an XML file cut short
// gives the emails before the cut. XML files are read whole, up to
// maxXML.
package olm

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
	"strconv"
	"strings"
	"time"

	"github.com/mailsalvage/mailsalvage/formats"
	"github.com/mailsalvage/mailsalvage/formats/mapi"
)

func init() {
	formats.Register(formats.Format{Name: "olm", Match: Match, OpenFile: OpenFile})
}

// maxXML bounds an XML file read whole (bodies are inline; attachments
// are files of their own).
const maxXML = 64 << 20

// maxAttachment bounds one attachment's file.
const maxAttachment = 256 << 20

// Match recognizes an OLM message file: an <emails> element whose first
// email has OPFMessage fields.
func Match(p *formats.Probe) int {
	h := bytes.TrimLeft(bytes.TrimPrefix(p.Head, formats.UTF8BOM), " \t\r\n")
	if bytes.HasPrefix(h, []byte("<?xml")) {
		if i := bytes.Index(h, []byte("?>")); i >= 0 {
			h = bytes.TrimLeft(h[i+2:], " \t\r\n")
		}
	}
	if bytes.HasPrefix(h, []byte("<emails")) && bytes.Contains(h, []byte("<OPFMessage")) {
		return 95
	}
	return 0
}

// OpenFile reads the emails of one OLM message file.
func OpenFile(r io.ReaderAt, size int64, p *formats.Probe) (formats.Source, error) {
	if size > maxXML {
		return nil, fmt.Errorf("olm: a message file of %d bytes (more than %d): not read", size, maxXML)
	}
	data := make([]byte, size)
	n, rerr := r.ReadAt(data, 0)
	if n == 0 {
		return nil, fmt.Errorf("olm: read 0 of %d bytes: %w", size, rerr)
	}
	// a file or archive member cut short, or a read error: its XML is
	// cut there, and read as far as it goes
	emails, err := parse(data[:n])
	if len(emails) == 0 {
		if err == nil {
			err = errors.New("no <email> element")
		}
		return nil, fmt.Errorf("olm: %w", err)
	}
	s := &source{emails: emails, root: p.Root, rel: p.Rel}
	switch {
	case int64(n) < size:
		s.problem = fmt.Sprintf("olm: the data ends after %d of the %d bytes it was said to hold (%v): %d emails read before it", n, size, rerr, len(emails))
	case err != nil:
		s.problem = fmt.Sprintf("olm: the XML is damaged after %d emails (%v): the rest is not read", len(emails), err)
	}
	return s, nil
}

// email is one <email> element: its fields by element name (the text of
// simple ones), its address lists, its attachments, and where it is.
type email struct {
	off, end    int64
	fields      map[string]string
	addresses   map[string][]address // by list element name
	attachments []attachment
}

type address struct{ name, addr string }

type attachment struct{ name, ext, contentType, contentID, url string }

// parse reads the <email> elements of an OLM message file, as many as
// read before an error.
func parse(data []byte) ([]*email, error) {
	d := xml.NewDecoder(bytes.NewReader(data))
	d.Strict = false
	var out []*email
	var cur *email
	var stack []string
	var text strings.Builder
	for {
		start := d.InputOffset()
		tok, err := d.Token()
		if err == io.EOF {
			if cur != nil {
				return out, errors.New("the last <email> is not closed")
			}
			return out, nil
		}
		if err != nil {
			return out, err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			name := t.Name.Local
			stack = append(stack, name)
			switch {
			case name == "email" && cur == nil:
				cur = &email{off: start, fields: map[string]string{}, addresses: map[string][]address{}}
			case cur == nil:
			case name == "emailAddress" && len(stack) >= 2:
				list := stack[len(stack)-2]
				cur.addresses[list] = append(cur.addresses[list], address{name: attr(t, "OPFContactEmailAddressName"), addr: attr(t, "OPFContactEmailAddressAddress")})
			case name == "messageAttachment":
				cur.attachments = append(cur.attachments, attachment{
					name: attr(t, "OPFAttachmentName"), ext: attr(t, "OPFAttachmentContentExtension"),
					contentType: attr(t, "OPFAttachmentContentType"), contentID: attr(t, "OPFAttachmentContentID"),
					url: attr(t, "OPFAttachmentURL"),
				})
			}
			text.Reset()
		case xml.CharData:
			if cur != nil {
				text.Write(t)
			}
		case xml.EndElement:
			if len(stack) > 0 {
				stack = stack[:len(stack)-1]
			}
			switch {
			case cur == nil:
			case t.Name.Local == "email":
				cur.end = d.InputOffset()
				out = append(out, cur)
				cur = nil
			case strings.HasPrefix(t.Name.Local, "OPF"):
				cur.fields[t.Name.Local] = text.String()
			}
			text.Reset()
		}
	}
}

func attr(t xml.StartElement, name string) string {
	for _, a := range t.Attr {
		if a.Name.Local == name {
			return a.Value
		}
	}
	return ""
}

type source struct {
	emails  []*email
	root    fs.FS
	rel     string
	problem string
	i       int
}

func (s *source) Close() error { return nil }

func (s *source) Next() (*formats.Message, error) {
	if s.i >= len(s.emails) {
		if s.problem != "" {
			p := s.problem
			s.problem = ""
			return nil, &formats.Problem{Offset: -1, Err: errors.New(p)}
		}
		return nil, io.EOF
	}
	e := s.emails[s.i]
	s.i++
	item, warnings := s.item(e)
	var buf bytes.Buffer
	rep, err := mapi.Convert(&buf, item, mapi.Options{})
	if err != nil {
		return nil, &formats.Problem{Offset: e.off, Err: fmt.Errorf("olm: email %d: %w", s.i, err)}
	}
	m := &formats.Message{
		State:  formats.Intact,
		Method: "olm",
		Chain:  formats.Chain{formats.Span("olm", e.off, e.end-e.off, fmt.Sprintf("email %d", s.i))},
	}
	m.Warnings = append(append(m.Warnings, warnings...), rep.Warnings...)
	data := buf.Bytes()
	m.Size = int64(len(data))
	m.Open = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(data)), nil }
	if len(warnings) > 0 {
		// something of the email itself is missing (an attachment's
		// file, a field that did not parse); the conversion's own notes
		// are not damage
		m.State = formats.Partial
	}
	if e.fields["OPFMessageGetIsRead"] != "" {
		m.SetAttr("olm_read", strconv.FormatBool(number(e.fields["OPFMessageGetIsRead"]) != 0))
	}
	return m, nil
}

// item makes the MAPI item of an email: the fields as the properties they
// stand for.
func (s *source) item(e *email) (*mapi.Message, []string) {
	var warnings []string
	m := &mapi.Message{}
	p := &m.Props
	p.SetString(mapi.PidTagMessageClass, "IPM.Note")
	f := e.fields
	if v, ok := f["OPFMessageCopySubject"]; ok {
		p.SetString(mapi.PidTagSubject, v)
	}
	if v := strings.TrimSpace(f["OPFMessageCopyMessageID"]); v != "" {
		if !strings.HasPrefix(v, "<") {
			v = "<" + v + ">"
		}
		p.SetString(mapi.PidTagInternetMessageId, v)
	}
	for _, t := range []struct {
		field string
		id    uint16
	}{
		{"OPFMessageCopySentTime", mapi.PidTagClientSubmitTime},
		{"OPFMessageCopyReceivedTime", mapi.PidTagMessageDeliveryTime},
		{"OPFMessageCopyModDate", mapi.PidTagLastModificationTime},
	} {
		field, id := t.field, t.id
		if v := strings.TrimSpace(f[field]); v != "" {
			if t, err := parseTime(v); err == nil {
				p.SetTime(id, t)
			} else {
				warnings = append(warnings, fmt.Sprintf("olm: %s %q is not a time: left out", field, v))
			}
		}
	}
	// Outlook for Mac writes the message's one body into both fields:
	// HTML, or text (its OPFMessageGetHasHTML says 1 for both; the body
	// itself tells)
	body, html := f["OPFMessageCopyBody"], f["OPFMessageCopyHTMLBody"]
	if html == "" {
		html = body
	}
	if body == "" {
		body = html
	}
	switch {
	case looksHTML(html):
		p.SetBinary(mapi.PidTagHtml, []byte(html))
		p.SetInt32(mapi.PidTagInternetCodepage, 65001) // the XML's text: UTF-8
		if body != html && !looksHTML(body) {
			p.SetString(mapi.PidTagBody, body)
		}
	case body != "":
		p.SetString(mapi.PidTagBody, body)
	}
	if v := f["OPFMessageGetPriority"]; v != "" {
		// Outlook for Mac: 1 highest .. 3 normal .. 5 lowest
		switch n := number(v); {
		case n >= 1 && n < 3:
			p.SetInt32(mapi.PidTagImportance, 2)
		case n > 3:
			p.SetInt32(mapi.PidTagImportance, 0)
		}
	}
	from := e.addresses["OPFMessageCopyFromAddresses"]
	sender := e.addresses["OPFMessageCopySenderAddress"]
	if len(from) > 0 {
		setAddress(p, from[0], mapi.PidTagSentRepresentingName, mapi.PidTagSentRepresentingEmailAddress, mapi.PidTagSentRepresentingAddressType, mapi.PidTagSentRepresentingSmtpAddress)
		if len(sender) == 0 {
			sender = from
		}
	}
	if len(sender) > 0 {
		setAddress(p, sender[0], mapi.PidTagSenderName, mapi.PidTagSenderEmailAddress, mapi.PidTagSenderAddressType, mapi.PidTagSenderSmtpAddress)
	}
	for _, l := range []struct {
		list string
		kind int32 // PidTagRecipientType: To, Cc, Bcc
	}{
		{"OPFMessageCopyToAddresses", mapi.RecipTo},
		{"OPFMessageCopyCCAddresses", mapi.RecipCc}, {"OPFMessageCopyCcAddresses", mapi.RecipCc},
		{"OPFMessageCopyBCCAddresses", mapi.RecipBcc}, {"OPFMessageCopyBccAddresses", mapi.RecipBcc},
	} {
		for _, a := range e.addresses[l.list] {
			r := &mapi.Properties{}
			r.SetInt32(mapi.PidTagRecipientType, l.kind)
			setAddress(r, a, mapi.PidTagDisplayName, mapi.PidTagEmailAddress, mapi.PidTagAddressType, mapi.PidTagSmtpAddress)
			m.Recipients = append(m.Recipients, r)
		}
	}
	for i, a := range e.attachments {
		att, warn := s.attachment(a, i)
		if warn != "" {
			warnings = append(warnings, warn)
		}
		m.Attachments = append(m.Attachments, att)
	}
	return m, warnings
}

// attachment makes an attachment from its element and its file.
func (s *source) attachment(a attachment, i int) (*mapi.Attachment, string) {
	att := &mapi.Attachment{}
	p := &att.Props
	p.SetInt32(mapi.PidTagAttachMethod, mapi.AttachByValue)
	name := a.name
	if name == "" {
		name = fmt.Sprintf("attachment-%d", i+1)
		if a.ext != "" {
			name += "." + a.ext
		}
	}
	p.SetString(mapi.PidTagAttachLongFilename, name)
	if a.contentType != "" {
		p.SetString(mapi.PidTagAttachMimeTag, a.contentType)
	}
	if a.contentID != "" {
		p.SetString(mapi.PidTagAttachContentId, a.contentID)
	}
	data, err := s.attachmentData(a.url)
	if err != nil {
		p.SetBinary(mapi.PidTagAttachDataBinary, nil)
		return att, fmt.Sprintf("olm: attachment %q: its file %q could not be read (%v): the attachment is empty", name, a.url, err)
	}
	p.SetBinary(mapi.PidTagAttachDataBinary, data)
	return att, ""
}

// attachmentData reads an attachment's file. Its URL is a path from the
// archive's root; the message file's own path says where that root is in
// the walked file system (an archive, or a folder it was extracted to).
func (s *source) attachmentData(url string) ([]byte, error) {
	if s.root == nil || url == "" {
		return nil, errors.New("no archive to read it from")
	}
	url = strings.TrimLeft(strings.ReplaceAll(url, "\\", "/"), "/")
	name := url
	first, _, _ := strings.Cut(url, "/")
	if i := strings.Index("/"+s.rel, "/"+first+"/"); i >= 0 {
		name = path.Join(s.rel[:i], url)
	}
	if !fs.ValidPath(name) {
		return nil, errors.New("not a path inside the archive")
	}
	f, err := s.root.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxAttachment+1))
	if err != nil {
		return nil, err
	}
	if len(data) > maxAttachment {
		return nil, fmt.Errorf("more than %d bytes", maxAttachment)
	}
	return data, nil
}

func setAddress(p *mapi.Properties, a address, nameID, addrID, typeID, smtpID uint16) {
	if a.name != "" {
		p.SetString(nameID, a.name)
	} else if a.addr != "" {
		p.SetString(nameID, a.addr)
	}
	if a.addr != "" {
		p.SetString(addrID, a.addr)
		p.SetString(typeID, "SMTP")
		p.SetString(smtpID, a.addr)
	}
}

// parseTime reads the archive's times: ISO 8601, UTC unless they say.
func parseTime(v string) (time.Time, error) {
	for _, layout := range []string{"2006-01-02T15:04:05", time.RFC3339, "2006-01-02 15:04:05"} {
		if t, err := time.Parse(layout, v); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("not a time: %q", v)
}

// looksHTML reports whether a body is an HTML document.
func looksHTML(s string) bool {
	head := strings.ToLower(s[:min(len(s), 1024)])
	return strings.Contains(head, "<html") || strings.Contains(head, "<body") || strings.Contains(head, "<!doctype html")
}

// number reads the archive's numbers ("1E0", "3", "-1").
func number(v string) float64 {
	n, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
	if err != nil {
		return 0
	}
	return n
}
