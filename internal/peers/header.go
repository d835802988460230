package peers

import (
	"mime"
	"net/mail"
	"regexp"
	"strings"
	"time"

	"github.com/emersion/go-message"
	"github.com/emersion/go-message/charset"
	gomail "github.com/emersion/go-message/mail"
	"github.com/emersion/go-message/textproto"
)

// header is a parsed header section.
type header struct {
	mail gomail.Header
}

// parseHeader reads a header section tolerantly: folded lines are joined,
// lines that are not fields (Outlook's "Microsoft Mail Internet Headers
// Version 2.0", garbage) are dropped. It stops at the first empty line.
func parseHeader(text string) header {
	var th textproto.Header
	var name, value string
	// textproto.Header.Add puts each field first: collect, then add in
	// reverse, so that Get returns the first occurrence
	type field struct{ k, v string }
	var fields []field
	flushTo := func() {
		if name != "" {
			fields = append(fields, field{name, strings.TrimSpace(value)})
		}
		name, value = "", ""
	}
	for _, line := range strings.Split(text, "\n") {
		line = strings.TrimSuffix(line, "\r")
		if line == "" {
			break
		}
		if line[0] == ' ' || line[0] == '\t' {
			if name != "" {
				value += " " + strings.TrimSpace(line)
			}
			continue
		}
		flushTo()
		i := strings.IndexByte(line, ':')
		if i <= 0 || strings.ContainsAny(line[:i], " \t") {
			continue
		}
		name, value = line[:i], line[i+1:]
	}
	flushTo()
	for i := len(fields) - 1; i >= 0; i-- {
		th.Add(fields[i].k, fields[i].v)
	}
	return header{mail: gomail.Header{Header: message.Header{Header: th}}}
}

func (h header) get(k string) string { return h.mail.Get(k) }

func (h header) subject() string {
	s, err := h.mail.Subject()
	if err != nil {
		return h.mail.Get("Subject")
	}
	return s
}

// messageID returns the Message-ID field's first <...> token, or the
// trimmed field when it has none.
func (h header) messageID() string {
	v := strings.TrimSpace(h.mail.Get("Message-Id"))
	if i := strings.IndexByte(v, '<'); i >= 0 {
		if j := strings.IndexByte(v[i:], '>'); j > 0 {
			return v[i : i+j+1]
		}
	}
	return v
}

func (h header) date() time.Time {
	v := h.mail.Get("Date")
	if v == "" {
		return time.Time{}
	}
	if t, err := mail.ParseDate(v); err == nil {
		return t
	}
	if t, err := h.mail.Date(); err == nil {
		return t
	}
	return time.Time{}
}

var angleAddr = regexp.MustCompile(`<([^<>\s]*)>`)

// addresses parses an address list field. A group's name is kept as an
// address without an address when the group is empty ("Saqib Razzaq:;",
// how mailsalvage writes a name it knows no address for); where the list
// does not parse, it falls back to the <...> parts and the bare words with
// an @.
func (h header) addresses(k string) []Address {
	v := h.mail.Get(k)
	if strings.TrimSpace(v) == "" {
		return nil
	}
	names, rest := groups(v)
	var out []Address
	for _, n := range names {
		out = append(out, Address{Name: decodeWords(strings.Trim(strings.TrimSpace(n), `"`))})
	}
	if strings.TrimSpace(strings.Trim(rest, ", ")) == "" {
		return out
	}
	p := mail.AddressParser{WordDecoder: wordDecoder}
	if list, err := p.ParseList(rest); err == nil {
		for _, a := range list {
			out = append(out, Address{Name: a.Name, Addr: a.Address})
		}
		return out
	}
	// not RFC 5322: "Name <a@b>; Other <c@d>", bare names, Outlook's ';'
	dec := decodeWords(rest)
	for _, part := range splitAddressList(dec) {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		if m := angleAddr.FindStringSubmatchIndex(part); m != nil {
			name := strings.Trim(strings.TrimSpace(part[:m[0]]), `"' `)
			out = append(out, Address{Name: name, Addr: part[m[2]:m[3]]})
		} else if strings.Contains(part, "@") && !strings.ContainsAny(part, " \t") {
			out = append(out, Address{Addr: strings.Trim(part, `"'`)})
		} else {
			out = append(out, Address{Name: strings.Trim(part, `"' `)})
		}
	}
	return out
}

// groups takes the RFC 5322 groups out of an address list: it returns
// the names of the empty groups ("name:;") and the list with every group
// syntax removed (a non-empty group's members stay in the list).
func groups(v string) (empty []string, rest string) {
	var b strings.Builder
	quoted, angle := false, 0
	start := 0 // where the current list element starts in v
	inGroup := false
	groupStart := 0 // where the members of the current group start in b
	for i := 0; i < len(v); i++ {
		c := v[i]
		switch {
		case c == '\\' && quoted && i+1 < len(v):
			b.WriteByte(c)
			i++
			c = v[i]
		case c == '"':
			quoted = !quoted
		case quoted:
		case c == '<':
			angle++
		case c == '>' && angle > 0:
			angle--
		case angle > 0:
		case c == ',':
			start = i + 1
		case c == ':' && !inGroup:
			// the element so far is the group's name
			name := v[start:i]
			s := b.String()
			b.Reset()
			b.WriteString(s[:len(s)-(i-start)])
			inGroup, groupStart = true, b.Len()
			empty = append(empty, name)
			continue
		case c == ';' && inGroup:
			inGroup = false
			if strings.TrimSpace(b.String()[groupStart:]) != "" {
				empty = empty[:len(empty)-1] // it has members
				b.WriteByte(',')
			}
			start = i + 1
			continue
		}
		b.WriteByte(c)
	}
	return empty, b.String()
}

// splitAddressList splits at commas and semicolons outside quotes and
// angle brackets.
func splitAddressList(s string) []string {
	var out []string
	quoted, angle := false, false
	start := 0
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '"':
			quoted = !quoted
		case c == '<' && !quoted:
			angle = true
		case c == '>' && !quoted:
			angle = false
		case (c == ',' || c == ';') && !quoted && !angle:
			out = append(out, s[start:i])
			start = i + 1
		}
	}
	return append(out, s[start:])
}

var wordDecoder = &mime.WordDecoder{CharsetReader: charset.Reader}

// decodeWords decodes the RFC 2047 encoded words of s, leaving s as it is
// when they do not decode.
func decodeWords(s string) string {
	if d, err := wordDecoder.DecodeHeader(s); err == nil {
		return d
	}
	return s
}
