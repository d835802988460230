package mapi

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"mime"
	"net/mail"
	"path"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/emersion/go-message"

	"github.com/mailsalvage/mailsalvage/formats/rfc5322"
)

// part is one MIME entity of the message being built: a leaf with a body,
// or a multipart with children.
type part struct {
	fields   [][2]string // header fields in order, values already encoded
	body     []byte      // leaf body, not yet transfer-encoded
	children []*part
}

func (p *part) add(name, value string) { p.fields = append(p.fields, [2]string{name, value}) }

// conv holds the state of one conversion.
type conv struct {
	opt   Options
	rep   *Report
	seed  string // makes multipart boundaries unique to the message, deterministic
	nextB int
}

func convert(w io.Writer, m *Message, opt Options) (Report, error) {
	if opt.MaxDepth <= 0 {
		opt.MaxDepth = 32
	}
	var rep Report
	c := &conv{opt: opt, rep: &rep}
	err := c.message(w, m, 0)
	return rep, err
}

func (c *conv) warnf(format string, args ...any) {
	c.rep.Warnings = append(c.rep.Warnings, fmt.Sprintf(format, args...))
}

// boundary returns a multipart boundary that is stable for the same
// message and unlikely to occur in it.
func (c *conv) boundary() string {
	c.nextB++
	return fmt.Sprintf("=_ms_%s_%d", c.seed, c.nextB)
}

// message writes one item (top-level or embedded) as RFC 5322.
func (c *conv) message(w io.Writer, m *Message, depth int) error {
	if m.Props.Len() == 0 {
		return ErrNoContent
	}
	saved := c.seed
	c.seed = seedOf(m)
	defer func() { c.seed = saved }()

	root := c.content(m, depth)
	hdr := c.headers(m)
	// the root's own fields (Content-Type...) follow the message fields
	hdr = append(hdr, root.fields...)
	root.fields = hdr
	return writePart(w, root)
}

// seedOf hashes what identifies the message, for boundaries.
func seedOf(m *Message) string {
	h := sha256.New()
	var buf []byte
	for _, t := range m.Props.Tags() {
		p, _ := m.Props.Get(t)
		// as fmt's "%08x:%d:", without its cost
		buf = append(buf[:0], "00000000"...)
		x := strconv.AppendUint(buf[8:], uint64(t), 16)
		buf = append(buf[:max(0, 8-len(x))], x...)
		buf = append(buf, ':')
		buf = strconv.AppendInt(buf, int64(len(p.Value)), 10)
		buf = append(buf, ':')
		buf = append(buf, p.Value[:min(len(p.Value), 256)]...)
		h.Write(buf)
	}
	return hex.EncodeToString(h.Sum(nil))[:16]
}

// addField adds a header field whose value is kept on one line: a CR or
// LF in a property (a display name, an address, a file name, a damaged
// string) becomes a space, since go-message refuses to write the field
// and the message would be lost.
func addField(h *message.Header, f [2]string) {
	v := f[1]
	if strings.ContainsAny(v, "\r\n") {
		v = strings.Map(func(r rune) rune {
			if r == '\r' || r == '\n' {
				return ' '
			}
			return r
		}, v)
	}
	h.Add(f[0], v)
}

// writePart serializes a part tree with go-message, which applies each
// leaf's Content-Transfer-Encoding.
func writePart(w io.Writer, p *part) error {
	var h message.Header
	// go-message writes fields last-added first
	for i := len(p.fields) - 1; i >= 0; i-- {
		addField(&h, p.fields[i])
	}
	mw, err := message.CreateWriter(w, h)
	if err != nil {
		return err
	}
	if len(p.children) == 0 {
		if _, err := mw.Write(p.body); err != nil {
			return err
		}
		return mw.Close()
	}
	for _, ch := range p.children {
		var ph message.Header
		for i := len(ch.fields) - 1; i >= 0; i-- {
			addField(&ph, ch.fields[i])
		}
		pw, err := mw.CreatePart(ph)
		if err != nil {
			return err
		}
		if len(ch.children) == 0 {
			if _, err := pw.Write(ch.body); err != nil {
				return err
			}
			if err := pw.Close(); err != nil {
				return err
			}
			continue
		}
		// a nested multipart: write its parts through its own writer
		if err := writeChildren(pw, ch); err != nil {
			return err
		}
	}
	return mw.Close()
}

func writeChildren(mw *message.Writer, p *part) error {
	for _, ch := range p.children {
		var ph message.Header
		for i := len(ch.fields) - 1; i >= 0; i-- {
			addField(&ph, ch.fields[i])
		}
		pw, err := mw.CreatePart(ph)
		if err != nil {
			return err
		}
		if len(ch.children) > 0 {
			if err := writeChildren(pw, ch); err != nil {
				return err
			}
			continue
		}
		if _, err := pw.Write(ch.body); err != nil {
			return err
		}
		if err := pw.Close(); err != nil {
			return err
		}
	}
	return mw.Close()
}

// --- headers ---

// Headers returns the header block Convert would write for m (the fields
// and the blank line that ends them), without reading or converting its
// bodies and attachments: for listings. A message read without its
// recipient table gets its To from PidTagDisplayTo.
func Headers(m *Message) []byte {
	c := &conv{rep: &Report{}}
	var b bytes.Buffer
	for _, f := range c.headers(m) {
		b.WriteString(f[0])
		b.WriteString(": ")
		b.WriteString(f[1])
		b.WriteString("\r\n")
	}
	b.WriteString("\r\n")
	return b.Bytes()
}

// headers returns the message's header fields: the transport headers
// Outlook kept, when they are sound, else fields built from properties.
func (c *conv) headers(m *Message) [][2]string {
	var out [][2]string
	have := map[string]bool{}
	if raw, ok := m.Props.String(PidTagTransportMessageHeaders); ok {
		if fields := transportFields(raw); len(fields) > 0 {
			for _, f := range fields {
				out = append(out, f)
				have[strings.ToLower(f[0])] = true
			}
		} else if strings.Count(strings.TrimSpace(raw), "\n") >= 2 {
			// (a line or two, such as Outlook's own "Received: from The
			// Microsoft Outlook Team", is no header to regret)
			c.warnf("transport headers present but not well formed; headers rebuilt from properties")
		}
	}
	add := func(name, value string) {
		if value == "" || have[strings.ToLower(name)] {
			return
		}
		out = append(out, [2]string{name, value})
		have[strings.ToLower(name)] = true
	}
	from, sender := c.originators(m)
	add("From", from)
	if sender != "" && sender != from {
		add("Sender", sender)
	}
	var to, cc, bcc []string
	for _, r := range m.Recipients {
		a := c.recipient(r)
		if a == "" {
			continue
		}
		t, _ := r.Int(PidTagRecipientType)
		switch t &^ 0x10000000 { // P1 (resend) flag
		case RecipCc:
			cc = append(cc, a)
		case RecipBcc:
			bcc = append(bcc, a)
		case RecipOriginator:
		default:
			to = append(to, a)
		}
	}
	if len(to) == 0 && !have["to"] {
		// no recipient table (a draft, a damaged item): the display list
		if d := m.Props.Str(PidTagDisplayTo); d != "" {
			to = displayList(d)
		}
	}
	add("To", strings.Join(to, ", "))
	add("Cc", strings.Join(cc, ", "))
	add("Bcc", strings.Join(bcc, ", "))
	add("Subject", encodeText(m.Props.Subject()))
	if d, ok := messageDate(m); ok {
		add("Date", d.Format(time.RFC1123Z))
	}
	add("Message-ID", m.Props.Str(PidTagInternetMessageId))
	add("In-Reply-To", m.Props.Str(PidTagInReplyToId))
	add("References", m.Props.Str(PidTagInternetReferences))
	if v, ok := m.Props.Int(PidTagImportance); ok && v != 1 {
		add("Importance", map[int64]string{0: "low", 2: "high"}[v])
	}
	if v, ok := m.Props.Int(PidTagSensitivity); ok && v > 0 && v <= 3 {
		add("Sensitivity", []string{"", "Personal", "Private", "Company-Confidential"}[v])
	}
	add("MIME-Version", "1.0")
	return out
}

// droppedTransport are the fields of Outlook's stored transport headers
// that describe the body as it was sent; the rebuilt body has its own.
var droppedTransport = map[string]bool{
	"content-type": true, "content-transfer-encoding": true, "mime-version": true,
	"content-disposition": true, "content-id": true, "content-description": true,
	"content-length": true, "lines": true, "content-class": false,
}

// transportFields parses PidTagTransportMessageHeaders: it drops the
// "Microsoft Mail Internet Headers Version 2.0" line Outlook puts first
// and the body-describing fields, and returns nothing when what is left
// does not look like a message header.
func transportFields(raw string) [][2]string {
	raw = strings.TrimLeft(raw, "\r\n ")
	if strings.HasPrefix(raw, "Microsoft Mail Internet Headers") {
		if i := strings.IndexByte(raw, '\n'); i >= 0 {
			raw = raw[i+1:]
		}
	}
	raw = strings.ReplaceAll(raw, "\r\n", "\n")
	if !strings.HasSuffix(raw, "\n\n") {
		raw = strings.TrimRight(raw, "\n") + "\n\n"
	}
	blk := rfc5322.Examine([]byte(raw), 0)
	if !blk.Complete || blk.Known < 2 || !(blk.HasFrom || blk.HasDate || blk.HasMsgID || blk.Trace >= 2) {
		return nil
	}
	h, _, _ := rfc5322.Parse([]byte(raw))
	var out [][2]string
	for _, f := range h {
		if droppedTransport[strings.ToLower(f.Name)] {
			continue
		}
		v := string(f.Value)
		if !utf8.ValidString(v) {
			v = rfc5322.Text(f.Value)
		}
		out = append(out, [2]string{f.Name, strings.TrimSpace(v)})
	}
	return out
}

// originators returns the From and Sender fields: the person the message
// is from (PidTagSentRepresenting*) and who sent it (PidTagSender*).
func (c *conv) originators(m *Message) (from, sender string) {
	sender = formatAddr(m.Props.Str(PidTagSenderName), smtpOf(&m.Props, PidTagSenderSmtpAddress, PidTagSenderEmailAddress, PidTagSenderAddressType))
	from = formatAddr(m.Props.Str(PidTagSentRepresentingName), smtpOf(&m.Props, PidTagSentRepresentingSmtpAddress, PidTagSentRepresentingEmailAddress, PidTagSentRepresentingAddressType))
	if from == "" {
		from, sender = sender, ""
	}
	return from, sender
}

// smtpOf picks the SMTP address among a smtp-address property and an
// email-address property of some address type: EX (Exchange) DNs are not
// mail addresses.
func smtpOf(p *Properties, smtpID, emailID, typeID uint16) string {
	if s := strings.TrimSpace(p.Str(smtpID)); s != "" {
		return s
	}
	e := strings.TrimSpace(p.Str(emailID))
	t := strings.ToUpper(p.Str(typeID))
	if t == "SMTP" || (t == "" && strings.Contains(e, "@")) || (t != "EX" && strings.Contains(e, "@") && !strings.HasPrefix(e, "/")) {
		return e
	}
	return ""
}

// recipient formats one recipient row.
func (c *conv) recipient(r *Properties) string {
	name := r.Str(PidTagDisplayName)
	if name == "" {
		name = r.Str(PidTagRecipientDisplayName)
	}
	addr := smtpOf(r, PidTagSmtpAddress, PidTagEmailAddress, PidTagAddressType)
	if addr == "" {
		if dn := r.Str(PidTagEmailAddress); dn != "" && name == "" {
			name = dn
		}
	}
	return formatAddr(name, addr)
}

// formatAddr renders a mailbox: "Name <addr>", the name RFC 2047 encoded
// when not ASCII. Without an address it is a group with no members, the
// one RFC 5322 form that carries just a name.
func formatAddr(name, addr string) string {
	name = strings.TrimSpace(strings.Trim(strings.TrimSpace(name), `'"`))
	switch {
	case addr == "" && name == "":
		return ""
	case addr == "":
		return encodePhrase(name) + ":;"
	case name == "" || strings.EqualFold(name, addr):
		return "<" + addr + ">"
	}
	a := (&mail.Address{Name: name, Address: addr}).String()
	if strings.HasSuffix(a, "<@>") || !strings.Contains(addr, "@") {
		// net/mail quotes odd local parts; keep what Outlook stored
		return encodePhrase(name) + " <" + addr + ">"
	}
	return a
}

func encodePhrase(s string) string {
	if isASCII(s) {
		if strings.ContainsAny(s, `()<>[]:;@\,."`) {
			return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(s) + `"`
		}
		return s
	}
	return mime.QEncoding.Encode("utf-8", s)
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

// encodeText encodes an unstructured header value (RFC 2047 when not
// ASCII), on one line.
func encodeText(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if isASCII(s) {
		return s
	}
	return mime.QEncoding.Encode("utf-8", s)
}

// displayList turns "A; B; C" (PidTagDisplayTo) into group-form names.
func displayList(d string) []string {
	var out []string
	for _, n := range strings.Split(d, ";") {
		if n = strings.TrimSpace(n); n != "" {
			out = append(out, formatAddr(n, ""))
		}
	}
	return out
}

// messageDate is when the message was sent, received, or made.
func messageDate(m *Message) (time.Time, bool) {
	for _, id := range []uint16{PidTagClientSubmitTime, PidTagMessageDeliveryTime, PidTagCreationTime, PidTagLastModificationTime} {
		if t, ok := m.Props.Time(id); ok {
			return t, true
		}
	}
	return time.Time{}, false
}

// --- bodies ---

// bodies returns the message's plain text and HTML (UTF-8), from
// PidTagBody, PidTagHtml and the compressed RTF, and the RTF itself when it
// must be kept as an attachment (no HTML in it, no text derivable).
func (c *conv) bodies(m *Message) (plain, html string, rtfKeep []byte) {
	plain, _ = m.Props.String(PidTagBody)
	if b, ok := m.Props.Binary(PidTagHtml); ok && len(b) > 0 {
		html = decodeHTML(b, htmlCodePage(m))
	} else if s, ok := m.Props.String(PidTagHtml); ok {
		html = s
	}
	comp, ok := m.Props.Binary(PidTagRtfCompressed)
	if !ok || len(comp) == 0 {
		return plain, html, nil
	}
	rtf, err := DecompressRTF(comp)
	if err != nil {
		c.warnf("compressed RTF body: %v", err)
	}
	if len(rtf) == 0 {
		return plain, html, nil
	}
	if html == "" {
		if h, ok := HTMLFromRTF(rtf); ok {
			html = string(h)
		}
	}
	if plain == "" {
		if t, ok := TextFromRTF(rtf); ok {
			plain = t
		}
	}
	if plain == "" && html == "" {
		plain = PlainFromRTF(rtf)
		if strings.TrimSpace(plain) == "" {
			// no text: keep the RTF only when it holds what text cannot
			// (pictures, objects); an empty body is just empty
			if bytes.Contains(rtf, []byte(`\pict`)) || bytes.Contains(rtf, []byte(`\object`)) {
				return "", "", rtf
			}
			return "", "", nil
		}
	}
	return plain, html, nil
}

// htmlCodePage is the code page PidTagHtml's bytes are in.
func htmlCodePage(m *Message) int {
	if cp, ok := m.Props.Int(PidTagInternetCodepage); ok && cp > 0 {
		return int(cp)
	}
	return m.Props.CodePage
}

// decodeHTML turns HTML bytes into UTF-8: a BOM or the code page decides;
// bytes that are valid UTF-8 when the code page is unknown stay as they are.
func decodeHTML(b []byte, cp int) string {
	switch {
	case bytes.HasPrefix(b, []byte{0xEF, 0xBB, 0xBF}):
		return strings.ToValidUTF8(string(b[3:]), "\uFFFD")
	case bytes.HasPrefix(b, []byte{0xFF, 0xFE}):
		return DecodeUTF16(b[2:])
	case cp == 65001 || cp == 20127 || (cp == 0 && utf8.Valid(b)):
		return strings.ToValidUTF8(string(b), "\uFFFD")
	}
	return DecodeString8(b, cp)
}

// metaCharset finds charset declarations in <meta> tags.
var metaCharset = regexp.MustCompile(`(?i)(<meta[^>]*charset\s*=\s*["']?)([-\w.:]+)`)

// utf8Meta makes the HTML's own charset declarations say UTF-8, which is
// what the converted text is in.
//
// Only <meta> tags are given to the expression: run over a whole
// document, it cost more than the rest of the HTML's conversion.
func utf8Meta(html string) string {
	var out strings.Builder
	done := 0 // html[:done] is in out, or out is empty and done is 0
	for i := 0; ; {
		j := strings.IndexByte(html[i:], '<')
		if j < 0 {
			break
		}
		i += j + 1
		if len(html)-i < 4 || !strings.EqualFold(html[i:i+4], "meta") {
			continue
		}
		end := strings.IndexByte(html[i:], '>')
		if end < 0 {
			end = len(html)
		} else {
			end += i
		}
		tag := html[i-1 : end]
		if fixed := metaCharset.ReplaceAllString(tag, "${1}utf-8"); fixed != tag {
			out.WriteString(html[done : i-1])
			out.WriteString(fixed)
			done = end
		}
		i = end
	}
	if done == 0 {
		return html
	}
	out.WriteString(html[done:])
	return out.String()
}

// --- content ---

// content builds the body tree: text and HTML alternatives, the item's
// own parts (calendar, vCard, delivery status), inline images, attachments.
func (c *conv) content(m *Message, depth int) *part {
	if p := c.smime(m); p != nil {
		return p
	}
	plain, html, rtfKeep := c.bodies(m)
	extra := c.itemParts(m, &plain) // may add to the plain text too

	var inline, attached []*part
	for i, a := range m.Attachments {
		p := c.attachment(a, i, depth)
		if p == nil {
			continue
		}
		if cid := a.Props.Str(PidTagAttachContentId); cid != "" && html != "" && strings.Contains(html, strings.Trim(cid, "<>")) {
			inline = append(inline, p)
		} else {
			attached = append(attached, p)
		}
	}
	if rtfKeep != nil {
		attached = append(attached, leaf("application/rtf", "base64", rtfKeep, "attachment", "body.rtf", ""))
		c.warnf("RTF body holds no HTML and no text could be derived; kept as body.rtf")
	}

	var alts []*part
	if plain != "" || (html == "" && len(extra.alt) == 0) {
		alts = append(alts, textLeaf("text/plain", plain))
	}
	if html != "" {
		alts = append(alts, textLeaf("text/html", utf8Meta(html)))
	}
	alts = append(alts, extra.alt...)
	body := c.multi("multipart/alternative", alts)
	if len(inline) > 0 {
		body = c.multi("multipart/related", append([]*part{body}, inline...))
	}
	if extra.report != nil {
		// a delivery report: the human part, then the machine parts
		return c.multiParams("multipart/report", map[string]string{"report-type": extra.reportType}, append([]*part{body}, append(extra.report, attached...)...))
	}
	all := append([]*part{body}, extra.attached...)
	all = append(all, attached...)
	return c.multi("multipart/mixed", all)
}

// smime returns the body of an S/MIME item as it was sent. Outlook keeps
// a signed or encrypted message's MIME body in its one attachment: for
// IPM.Note.SMIME.MultipartSigned the whole multipart/signed entity (its
// signed part must stay byte for byte, or the signature breaks), for
// IPM.Note.SMIME the opaque PKCS #7 object (RFC 5751).
func (c *conv) smime(m *Message) *part {
	class := strings.ToUpper(m.Class())
	if !strings.HasPrefix(class, "IPM.NOTE.SMIME") || len(m.Attachments) != 1 {
		return nil
	}
	data, ok := m.Attachments[0].Props.Binary(PidTagAttachDataBinary)
	if !ok || len(data) == 0 {
		return nil
	}
	if strings.HasSuffix(class, ".MULTIPARTSIGNED") {
		h, n, complete := rfc5322.Parse(data)
		ct, _ := h.Get("Content-Type")
		if !complete || !strings.HasPrefix(strings.ToLower(strings.TrimSpace(string(ct))), "multipart/signed") {
			c.warnf("S/MIME signed item: its attachment is not a multipart/signed entity; kept as an attachment")
			return nil
		}
		p := &part{body: data[n:]}
		for _, f := range h {
			if strings.HasPrefix(strings.ToLower(f.Name), "content-") {
				p.add(f.Name, strings.TrimSpace(string(f.Value)))
			}
		}
		return p
	}
	kind := "enveloped-data"
	if bytes.Contains(data[:min(len(data), 64)], []byte{0x06, 0x09, 0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x07, 0x02}) {
		kind = "signed-data"
	}
	p := leaf("application/pkcs7-mime", "base64", data, "attachment", "smime.p7m", "")
	p.fields[0][1] = "application/pkcs7-mime; smime-type=" + kind + "; name=smime.p7m"
	return p
}

// multi wraps parts in a multipart of the given type; a single part is
// returned as it is.
func (c *conv) multi(mediaType string, parts []*part) *part {
	return c.multiParams(mediaType, nil, parts)
}

func (c *conv) multiParams(mediaType string, params map[string]string, parts []*part) *part {
	if len(parts) == 1 && params == nil {
		return parts[0]
	}
	p := map[string]string{"boundary": c.boundary()}
	for k, v := range params {
		p[k] = v
	}
	mp := &part{children: parts}
	mp.add("Content-Type", mime.FormatMediaType(mediaType, p))
	return mp
}

// textLeaf is a UTF-8 text part, quoted-printable.
func textLeaf(mediaType, text string) *part {
	p := &part{body: []byte(text)}
	p.add("Content-Type", mediaType+"; charset=utf-8")
	p.add("Content-Transfer-Encoding", "quoted-printable")
	return p
}

// leaf is an attachment-like part.
func leaf(mediaType, cte string, body []byte, disposition, filename, cid string) *part {
	p := &part{body: body}
	params := map[string]string{}
	if filename != "" {
		params["name"] = filename
	}
	ct := mime.FormatMediaType(mediaType, params)
	if ct == "" {
		ct = mediaType
	}
	p.add("Content-Type", ct)
	if disposition != "" {
		dp := map[string]string{}
		if filename != "" {
			dp["filename"] = filename
		}
		d := mime.FormatMediaType(disposition, dp)
		if d == "" {
			d = disposition
		}
		p.add("Content-Disposition", d)
	}
	if cid != "" {
		p.add("Content-ID", "<"+strings.Trim(cid, "<> ")+">")
	}
	if cte != "" {
		p.add("Content-Transfer-Encoding", cte)
	}
	return p
}

// attachment converts one attachment object.
func (c *conv) attachment(a *Attachment, i, depth int) *part {
	name := attachmentName(a, i)
	method, _ := a.Props.Int(PidTagAttachMethod)
	cid := a.Props.Str(PidTagAttachContentId)
	disposition := "attachment"
	if cid != "" {
		disposition = "inline"
	}
	if a.Embedded != nil {
		if depth+1 > c.opt.MaxDepth {
			c.warnf("attachment %d: embedded message nested deeper than %d levels not converted", i, c.opt.MaxDepth)
			return leaf("text/plain", "quoted-printable", []byte("(embedded message not converted: nested too deep)"), "attachment", name+".txt", "")
		}
		var buf bytes.Buffer
		if err := c.message(&buf, a.Embedded, depth+1); err != nil {
			c.warnf("attachment %d: embedded message: %v", i, err)
			return nil
		}
		for _, w := range a.Embedded.Warnings {
			c.warnf("attachment %d (embedded message): %s", i, w)
		}
		fn := name
		if !strings.HasSuffix(strings.ToLower(fn), ".eml") && !strings.HasSuffix(strings.ToLower(fn), ".msg") {
			fn += ".eml"
		} else if strings.HasSuffix(strings.ToLower(fn), ".msg") {
			fn = strings.TrimSuffix(fn, fn[len(fn)-4:]) + ".eml"
		}
		return leaf("message/rfc822", "", buf.Bytes(), "attachment", fn, "")
	}
	data, ok := a.Props.Binary(PidTagAttachDataBinary)
	switch {
	case method == AttachByReference || method == AttachByReferenceOnly || method == AttachByWebReference:
		ref := a.Props.Str(PidTagAttachLongPathname)
		if ref == "" {
			ref = a.Props.Str(PidTagAttachPathname)
		}
		c.warnf("attachment %d (%s) is a reference to %q; its data is not in the item", i, name, ref)
		return leaf("text/plain", "quoted-printable", []byte("Attachment stored by reference: "+ref+"\r\n"), "attachment", name+".txt", "")
	case !ok:
		// keep its place and name: an examiner should see it existed
		c.warnf("attachment %d (%s) has no data; written empty", i, name)
	case method == AttachOLE:
		c.warnf("attachment %d (%s) is an OLE object, kept as application/octet-stream", i, name)
	}
	mt := attachmentType(a, name)
	return leaf(mt, "base64", data, disposition, name, cid)
}

// Path separators in attachment names (and NULs in their properties)
// are dropped; built once, as building a Replacer costs more than most
// of its uses.
var (
	nameSeparators    = strings.NewReplacer("/", "_", "\\", "_", "\x00", "")
	subjectSeparators = strings.NewReplacer("/", "_", "\\", "_")
)

// attachmentName is the attachment's file name: long file name, short
// name, display name, or attachment-N.
func attachmentName(a *Attachment, i int) string {
	for _, id := range []uint16{PidTagAttachLongFilename, PidTagAttachFilename, PidTagDisplayName} {
		if s := strings.TrimSpace(a.Props.Str(id)); s != "" {
			// names are kept for the .eml; only path separators are dropped
			return nameSeparators.Replace(s)
		}
	}
	if a.Embedded != nil {
		if s := strings.TrimSpace(a.Embedded.Props.Subject()); s != "" {
			return subjectSeparators.Replace(s)
		}
	}
	return fmt.Sprintf("attachment-%d%s", i+1, a.Props.Str(PidTagAttachExtension))
}

// attachmentType is the MIME type: PidTagAttachMimeTag, else by file
// extension, else application/octet-stream.
func attachmentType(a *Attachment, name string) string {
	if t := strings.TrimSpace(a.Props.Str(PidTagAttachMimeTag)); t != "" {
		if mt, _, err := mime.ParseMediaType(t); err == nil {
			return mt
		}
	}
	if t := mime.TypeByExtension(strings.ToLower(path.Ext(name))); t != "" {
		if mt, _, err := mime.ParseMediaType(t); err == nil {
			return mt
		}
	}
	return "application/octet-stream"
}
