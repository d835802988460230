package rfc5322

import (
	"bytes"
	"encoding/base64"
	"io"
	"mime"
	"mime/quotedprintable"
	"strings"
)

// Boundary returns the boundary parameter of a multipart Content-Type
// (RFC 2046 section 5.1.1), or "" when the header is not multipart or the
// parameter is missing. Malformed parameter lists that mime.ParseMediaType
// refuses are searched for a boundary by hand, as mail clients do.
func Boundary(h Header) string {
	v, ok := h.Get("Content-Type")
	if !ok {
		return ""
	}
	return BoundaryOf(Text(v))
}

// BoundaryOf is Boundary for a Content-Type value.
func BoundaryOf(ct string) string {
	mt, params, err := mime.ParseMediaType(ct)
	if err == nil {
		if !strings.HasPrefix(mt, "multipart/") {
			return ""
		}
		return params["boundary"]
	}
	lc := strings.ToLower(ct)
	if !strings.HasPrefix(strings.TrimSpace(lc), "multipart/") {
		return ""
	}
	i := strings.Index(lc, "boundary=")
	if i < 0 {
		return ""
	}
	b := ct[i+len("boundary="):]
	if strings.HasPrefix(b, `"`) {
		b = b[1:]
		if j := strings.IndexByte(b, '"'); j >= 0 {
			return b[:j]
		}
		return ""
	}
	if j := strings.IndexAny(b, "; \t"); j >= 0 {
		b = b[:j]
	}
	return b
}

// Entity is one MIME entity of a message (RFC 2045, 2046) located by byte
// offsets: [Start, BodyStart) is its header section, [BodyStart, End) its
// body. The line break before a multipart delimiter belongs to the
// delimiter, not to the entity before it.
type Entity struct {
	Start, BodyStart, End int
	Header                Header
	Depth                 int   // 0 for the message itself
	Path                  []int // part numbers from the top, 1-based (IMAP style)
}

// maxEntityDepth bounds multipart nesting followed by Entities.
const maxEntityDepth = 64

// Entities walks the MIME tree of msg and calls fn for every entity,
// parents before children, in order. It never fails: a multipart whose
// delimiters are missing yields its children as far as they are found
// (and its last child runs to the end of the data). Embedded
// message/rfc822 entities are not entered. fn returning false stops the
// walk.
func Entities(msg []byte, fn func(e Entity) bool) {
	walkEntity(msg, 0, len(msg), 0, nil, fn)
}

func walkEntity(msg []byte, start, end, depth int, path []int, fn func(Entity) bool) bool {
	h, n, _ := Parse(msg[start:end])
	e := Entity{Start: start, BodyStart: start + n, End: end, Header: h, Depth: depth, Path: path}
	if !fn(e) {
		return false
	}
	b := Boundary(h)
	if b == "" || depth >= maxEntityDepth {
		return true
	}
	delim := []byte("--" + b)
	// find delimiter lines within the body
	type mark struct{ lineStart, after int }
	var marks []mark
	closed := false
	for p := e.BodyStart; p < end; {
		i := bytes.Index(msg[p:end], delim)
		if i < 0 {
			break
		}
		at := p + i
		if at != e.BodyStart && msg[at-1] != '\n' {
			p = at + len(delim)
			continue
		}
		after := at + len(delim)
		isClose := after+2 <= end && msg[after] == '-' && msg[after+1] == '-'
		// the rest of the line must be white space (RFC 2046 5.1.1)
		eol := bytes.IndexByte(msg[after:end], '\n')
		lineEnd := end
		if eol >= 0 {
			lineEnd = after + eol + 1
		}
		rest := msg[after:lineEnd]
		if isClose {
			rest = rest[2:]
		}
		if len(bytes.TrimSpace(rest)) != 0 {
			p = after
			continue
		}
		// the line break before the delimiter belongs to it
		ls := at
		if ls > e.BodyStart && msg[ls-1] == '\n' {
			ls--
			if ls > e.BodyStart && msg[ls-1] == '\r' {
				ls--
			}
		}
		marks = append(marks, mark{lineStart: ls, after: lineEnd})
		if isClose {
			closed = true
			break
		}
		p = lineEnd
	}
	for i := 0; i < len(marks); i++ {
		if closed && i == len(marks)-1 {
			break
		}
		ps := marks[i].after
		pe := end
		if i+1 < len(marks) {
			pe = marks[i+1].lineStart
		}
		if pe < ps {
			pe = ps
		}
		child := append(append([]int(nil), path...), i+1)
		if !walkEntity(msg, ps, pe, depth+1, child, fn) {
			return false
		}
	}
	return true
}

// DecodeTransfer undoes a Content-Transfer-Encoding (RFC 2045 section 6),
// leniently, as a reader of damaged mail must: base64 skips characters
// outside its alphabet, ends at padding and drops a lone last character;
// quoted-printable keeps an "=" that starts no escape as written, and
// what decoded before an error. Other
// encodings (7bit, 8bit, binary, none) give body as it is. ok is false
// when nothing could be decoded from a non-empty body.
func DecodeTransfer(cte string, body []byte) (out []byte, ok bool) {
	cte = strings.ToLower(strings.TrimSpace(cte))
	switch {
	case strings.Contains(cte, "base64"):
		clean := make([]byte, 0, len(body))
	scan:
		for _, c := range body {
			switch {
			case c >= 'A' && c <= 'Z', c >= 'a' && c <= 'z', c >= '0' && c <= '9', c == '+', c == '/':
				clean = append(clean, c)
			case c == '=':
				break scan // padding: the data ends here
			}
		}
		if len(clean)%4 == 1 {
			clean = clean[:len(clean)-1]
		}
		out = make([]byte, base64.RawStdEncoding.DecodedLen(len(clean)))
		n, _ := base64.RawStdEncoding.Decode(out, clean)
		return out[:n], n > 0 || len(body) == 0
	case strings.Contains(cte, "quoted-printable"):
		out, err := io.ReadAll(quotedprintable.NewReader(bytes.NewReader(body)))
		return out, err == nil || len(out) > 0
	}
	return body, true
}
