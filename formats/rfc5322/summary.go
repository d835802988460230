package rfc5322

import (
	"bytes"
	"io"
	"mime"
	"net/mail"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/emersion/go-message/charset"
	"golang.org/x/text/encoding/charmap"
)

// Summary holds the fields a message is listed and logged by, decoded for
// display. Empty strings (and a zero Date) mean the field was absent or
// unreadable.
type Summary struct {
	MessageID string    // as written between angle brackets, brackets kept
	Subject   string    // RFC 2047 decoded
	From      string    // RFC 2047 decoded, as written ("Name <addr>")
	To        string    // RFC 2047 decoded, as written
	Date      time.Time // parsed Date field, in its own zone
	DateRaw   string    // the Date field as written
}

var wordDecoder = mime.WordDecoder{CharsetReader: charset.Reader}

// Summarize extracts the summary fields of a header.
func Summarize(h Header) Summary {
	var s Summary
	if v, ok := h.Get("Message-ID"); ok {
		s.MessageID = MessageID(v)
	}
	if v, ok := h.Get("Subject"); ok {
		s.Subject = DecodeText(v)
	}
	if v, ok := h.Get("From"); ok {
		s.From = DecodeText(v)
	}
	if v, ok := h.Get("To"); ok {
		s.To = DecodeText(v)
	}
	if v, ok := h.Get("Date"); ok {
		s.DateRaw = Text(v)
		s.Date, _ = ParseDate(s.DateRaw)
	}
	return s
}

// ReadSummary reads the header section at the start of r (at most
// MaxHeader bytes) and summarizes it. It returns the parsed header too.
func ReadSummary(r io.Reader) (Summary, Header, error) {
	buf, err := readHeaderBytes(r)
	h, _, _ := Parse(buf)
	return Summarize(h), h, err
}

// readHeaderBytes reads from r up to and including the first empty line, or
// MaxHeader bytes, whichever comes first.
func readHeaderBytes(r io.Reader) ([]byte, error) {
	buf := make([]byte, 0, 16<<10)
	chunk := make([]byte, 16<<10)
	for len(buf) < MaxHeader {
		n, err := r.Read(chunk)
		buf = append(buf, chunk[:n]...)
		if bytes.Contains(buf, []byte("\n\n")) || bytes.Contains(buf, []byte("\n\r\n")) {
			return buf, nil
		}
		if err == io.EOF {
			return buf, nil
		}
		if err != nil {
			return buf, err
		}
	}
	return buf, nil
}

// MessageID returns the first <...> token of a Message-ID style value, or
// the trimmed value when it has none.
func MessageID(v []byte) string {
	if i := bytes.IndexByte(v, '<'); i >= 0 {
		if j := bytes.IndexByte(v[i:], '>'); j > 0 {
			return Text(bytes.TrimSpace(v[i : i+j+1]))
		}
	}
	v = bytes.TrimSpace(v)
	if i := bytes.IndexAny(v, " \t"); i > 0 {
		v = v[:i]
	}
	return Text(v)
}

// DecodeText decodes RFC 2047 encoded words in an unstructured value and
// returns valid UTF-8.
func DecodeText(v []byte) string {
	s := Text(v)
	if strings.Contains(s, "=?") {
		if d, err := wordDecoder.DecodeHeader(s); err == nil {
			s = d
		}
	}
	return strings.ToValidUTF8(s, "\uFFFD")
}

// Text turns raw header bytes into a trimmed UTF-8 string with runs of white
// space collapsed. Bytes that are not UTF-8 are read as Windows-1252, the
// most common undeclared 8-bit header charset.
func Text(v []byte) string {
	var s string
	if utf8.Valid(v) {
		s = string(v)
	} else if d, err := charmap.Windows1252.NewDecoder().Bytes(v); err == nil {
		s = string(d)
	} else {
		s = strings.ToValidUTF8(string(v), "\uFFFD")
	}
	return strings.Join(strings.Fields(s), " ")
}

var dateLayouts = []string{
	"Mon, 2 Jan 2006 15:04:05 -0700",
	"2 Jan 2006 15:04:05 -0700",
	"Mon, 2 Jan 2006 15:04:05 MST",
	"2 Jan 2006 15:04:05 MST",
	"Mon, 2 Jan 2006 15:04 -0700",
	"Mon, 2 Jan 06 15:04:05 -0700",
	"Mon, 2 Jan 06 15:04:05 MST",
	"Mon, 2 January 2006 15:04:05 -0700",
	"Mon, 2-Jan-2006 15:04:05 -0700",
	"Mon, 02 Jan 2006 15:04:05 -0700 MST",
	"Mon Jan 2 15:04:05 2006",
	"Mon Jan 2 15:04:05 MST 2006",
	"Mon Jan 2 15:04:05 -0700 2006",
	"Monday, January 2, 2006 3:04 PM",
	"2006-01-02T15:04:05Z07:00",
	"2006-01-02 15:04:05 -0700",
	"2006-01-02 15:04:05",
	"Mon, 2 Jan 2006 15:04:05",
	"2 Jan 2006 15:04:05",
}

// ParseDate parses a Date field value: RFC 5322 and its obsolete forms
// through net/mail, then a list of layouts seen in the wild, after dropping
// comments and day-name punctuation.
func ParseDate(v string) (time.Time, error) {
	v = strings.TrimSpace(v)
	if t, err := mail.ParseDate(v); err == nil {
		return t, nil
	}
	// drop comments such as "(PST)" and collapse white space
	var b strings.Builder
	depth := 0
	for _, r := range v {
		switch {
		case r == '(':
			depth++
		case r == ')' && depth > 0:
			depth--
		case depth == 0:
			b.WriteRune(r)
		}
	}
	c := strings.Join(strings.Fields(b.String()), " ")
	c = strings.TrimSuffix(c, " GMT+0000")
	if t, err := mail.ParseDate(c); err == nil {
		return t, nil
	}
	var firstErr error
	for _, l := range dateLayouts {
		t, err := time.Parse(l, c)
		if err == nil {
			return t, nil
		}
		if firstErr == nil {
			firstErr = err
		}
	}
	return time.Time{}, firstErr
}
