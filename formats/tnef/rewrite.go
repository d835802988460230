package tnef

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"io"
	"mime"
	"mime/quotedprintable"
	"strings"

	"github.com/mailsalvage/mailsalvage/formats/mapi"
	"github.com/mailsalvage/mailsalvage/formats/rfc5322"
)

// Rewrite finds the TNEF parts of an RFC 5322 message (Content-Type
// application/ms-tnef or application/vnd.ms-tnef, or a part named
// winmail.dat) and replaces each with what it holds, converted through
// mapi: its real body (the RTF or HTML Outlook wrote) and its attachments.
// With keep, the original TNEF part stays beside the decoded one. Every
// other byte of the message is kept as it was.
//
// It returns the new message, notes saying what was done (part number,
// byte range, what came out) and whether anything changed. Parts that do
// not decode are left alone, with a note.
func Rewrite(msg []byte, keep bool) (out []byte, notes []string, changed bool) {
	if !containsFold(msg, "ms-tnef") && !containsFold(msg, "winmail.dat") {
		return msg, nil, false
	}
	var found []rfc5322.Entity
	rfc5322.Entities(msg, func(e rfc5322.Entity) bool {
		if isTNEFPart(e.Header) {
			found = append(found, e)
		}
		return true
	})
	if len(found) == 0 {
		return msg, nil, false
	}
	crlf := bytes.Contains(msg[:min(len(msg), 4096)], []byte("\r\n"))
	out = msg
	// last first, so earlier offsets stay valid
	for i := len(found) - 1; i >= 0; i-- {
		e := found[i]
		where := fmt.Sprintf("TNEF part %s (bytes %d-%d of the message)", partName(e), e.Start, e.End)
		data, err := transferDecode(e.Header, msg[e.BodyStart:e.End])
		if err != nil {
			notes = append(notes, where+": not decoded: "+err.Error())
			continue
		}
		m, derr := Decode(data)
		if m == nil {
			notes = append(notes, where+": not decoded: "+derr.Error())
			continue
		}
		var conv bytes.Buffer
		rep, cerr := mapi.Convert(&conv, m, mapi.Options{})
		if cerr != nil {
			notes = append(notes, where+": not converted: "+cerr.Error())
			continue
		}
		repl := entityOf(conv.Bytes())
		if !crlf {
			repl = bytes.ReplaceAll(repl, []byte("\r\n"), []byte("\n"))
		}
		if keep {
			repl = wrapWithOriginal(repl, msg[e.Start:e.End], crlf, fmt.Sprintf("=_tnef_%d_%d", e.Start, e.End))
		}
		if e.Depth == 0 {
			// the whole message is TNEF: keep its other header fields
			repl = append(nonContentFields(msg[e.Start:e.BodyStart], crlf), repl...)
		}
		n := make([]byte, 0, len(out)-(e.End-e.Start)+len(repl))
		n = append(n, out[:e.Start]...)
		n = append(n, repl...)
		out = append(n, out[e.End:]...)
		note := fmt.Sprintf("%s decoded: %s, %d attachment(s)", where, m.Class(), len(m.Attachments))
		if keep {
			note += "; original part kept"
		}
		if derr != nil {
			note += "; stream damaged: " + derr.Error()
		}
		notes = append(notes, note)
		for _, w := range append(m.Warnings, rep.Warnings...) {
			notes = append(notes, "TNEF: "+w)
		}
		changed = true
	}
	return out, notes, changed
}

// containsFold reports whether b contains s, ASCII case ignored (s is
// lower-case ASCII). It allocates nothing: it runs on every message the
// exporter writes.
//
// It jumps from one occurrence of the first byte of s that is not a
// letter ('-' of "ms-tnef", '.' of "winmail.dat") to the next with
// bytes.IndexByte: base64, most of a large message's bytes, has neither.
func containsFold(b []byte, s string) bool {
	pivot := strings.IndexFunc(s, func(r rune) bool { return r < 'a' || r > 'z' })
	if pivot < 0 {
		for i := 0; i+len(s) <= len(b); i++ {
			if asciiEqualFold(b[i:i+len(s)], s) {
				return true
			}
		}
		return false
	}
	c := s[pivot]
	for i := pivot; i < len(b); {
		j := bytes.IndexByte(b[i:], c)
		if j < 0 {
			return false
		}
		k := i + j - pivot // where s would start
		if k >= 0 && k+len(s) <= len(b) && asciiEqualFold(b[k:k+len(s)], s) {
			return true
		}
		i += j + 1
	}
	return false
}

func asciiEqualFold(b []byte, s string) bool {
	for k := range len(s) {
		c := b[k]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != s[k] {
			return false
		}
	}
	return true
}

// isTNEFPart reports whether a MIME entity holds a TNEF stream.
func isTNEFPart(h rfc5322.Header) bool {
	ct, _ := h.Get("Content-Type")
	mt, params, _ := mime.ParseMediaType(rfc5322.Text(ct))
	switch mt {
	case "application/ms-tnef", "application/vnd.ms-tnef":
		return true
	case "application/octet-stream", "":
		name := params["name"]
		if cd, ok := h.Get("Content-Disposition"); ok {
			if _, dp, err := mime.ParseMediaType(rfc5322.Text(cd)); err == nil && dp["filename"] != "" {
				name = dp["filename"]
			}
		}
		return strings.EqualFold(name, "winmail.dat")
	}
	return false
}

func partName(e rfc5322.Entity) string {
	var s []string
	for _, n := range e.Path {
		s = append(s, fmt.Sprint(n))
	}
	if len(s) == 0 {
		return "(the whole message)"
	}
	return strings.Join(s, ".")
}

// transferDecode undoes the part's Content-Transfer-Encoding.
func transferDecode(h rfc5322.Header, body []byte) ([]byte, error) {
	cte, _ := h.Get("Content-Transfer-Encoding")
	switch strings.ToLower(strings.TrimSpace(rfc5322.Text(cte))) {
	case "base64":
		clean := make([]byte, 0, len(body))
		for _, c := range body {
			if c != '\r' && c != '\n' && c != ' ' && c != '\t' {
				clean = append(clean, c)
			}
		}
		clean = bytes.TrimRight(clean, "=")
		return base64.RawStdEncoding.DecodeString(string(clean))
	case "quoted-printable":
		return io.ReadAll(quotedprintable.NewReader(bytes.NewReader(body)))
	}
	return body, nil
}

// entityOf keeps, of a converted message, the entity: its Content-*
// fields and body, without the message fields (From, Subject...) that the
// enclosing message already has.
func entityOf(msg []byte) []byte {
	h, n, _ := rfc5322.Parse(msg)
	var b bytes.Buffer
	for _, f := range h {
		if strings.HasPrefix(strings.ToLower(f.Name), "content-") {
			fmt.Fprintf(&b, "%s: %s\r\n", f.Name, f.Value)
		}
	}
	b.WriteString("\r\n")
	head := b.Len()
	b.Write(msg[n:])
	// trailing line breaks of the body go (the caller ends the part), but
	// never the blank line that ends the header, even when the body is
	// empty
	return b.Bytes()[:max(head, len(bytes.TrimRight(b.Bytes(), "\r\n")))]
}

// nonContentFields returns the header fields of a header section that do
// not describe the body, as they were written.
func nonContentFields(hdr []byte, crlf bool) []byte {
	var out []byte
	for len(hdr) > 0 {
		i := bytes.IndexByte(hdr, '\n')
		line := hdr
		if i >= 0 {
			line = hdr[:i+1]
		}
		hdr = hdr[len(line):]
		if len(bytes.TrimSpace(line)) == 0 {
			break
		}
		out = append(out, line...)
	}
	// drop Content-* fields with their continuation lines
	var keep []byte
	drop := false
	for _, line := range bytes.SplitAfter(out, []byte("\n")) {
		if len(line) == 0 {
			continue
		}
		if line[0] != ' ' && line[0] != '\t' {
			drop = bytes.HasPrefix(bytes.ToLower(line), []byte("content-"))
		}
		if !drop {
			keep = append(keep, line...)
		}
	}
	return keep
}

// wrapWithOriginal puts the decoded entity and the original TNEF entity
// side by side in a multipart/mixed.
func wrapWithOriginal(decoded, original []byte, crlf bool, boundary string) []byte {
	nl := "\n"
	if crlf {
		nl = "\r\n"
	}
	var b bytes.Buffer
	b.WriteString("Content-Type: multipart/mixed; boundary=\"" + boundary + "\"" + nl + nl)
	b.WriteString("--" + boundary + nl)
	b.Write(decoded)
	b.WriteString(nl + "--" + boundary + nl)
	b.Write(bytes.TrimRight(original, "\r\n"))
	b.WriteString(nl + "--" + boundary + "--")
	return b.Bytes()
}
