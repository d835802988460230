package carve

import (
	"bytes"
	"fmt"
	"strings"

	"github.com/mailsalvage/mailsalvage/formats/mbox"
	"github.com/mailsalvage/mailsalvage/formats/rfc5322"
)

// maxBounds bounds the multipart boundaries followed in one message.
const maxBounds = 16

// body follows the MIME structure of a message body line by line, as far
// as the end finder needs it.
type body struct {
	bounds    []string // [0] is the top-level boundary, "" when not multipart
	closedAt  int64    // after the top-level closing delimiter line, -1 before
	inPartHdr bool     // in the header of a part
	partCT    []byte   // that header's Content-Type value
	partCTE   string
	lastField string // the field a continuation line continues
	cte       string // transfer encoding of the part the lines are in
	embedded  bool   // in the body of a message/* or text/rfc822-headers part: headers there are not new messages
	attached  bool   // in the header of the message such a part holds (up to its empty line)
	b64Len    int    // the usual line length of that base64 part
	b64Bad    bool   // that part has had a line that is not base64: it is not really base64
	style     int    // line ending of the previous line: -1 unknown, 0 LF, 1 CRLF
	warnedB64 bool
}

func newBody(h *Header) *body {
	b := &body{closedAt: -1, style: -1}
	if h.Boundary != "" {
		b.bounds = []string{h.Boundary}
	} else {
		b.cte = h.CTE
		b.embedded = strings.HasPrefix(h.ContentType, "message/")
	}
	return b
}

// delimiter handles a line starting with "--" (rest is what follows).
func (b *body) delimiter(rest []byte, le int64) {
	for i, bd := range b.bounds {
		if bd == "" || !bytes.HasPrefix(rest, []byte(bd)) {
			continue
		}
		after := rest[len(bd):]
		switch {
		case bytes.HasPrefix(after, []byte("--")) && len(bytes.TrimSpace(after[2:])) == 0:
			if i == 0 {
				b.closedAt = le
				b.bounds = b.bounds[:1]
			} else {
				b.bounds = b.bounds[:i]
			}
			b.inPartHdr, b.embedded, b.cte, b.b64Len, b.b64Bad = false, false, "", 0, false
			return
		case len(bytes.TrimSpace(after)) == 0:
			b.bounds = b.bounds[:i+1]
			b.inPartHdr, b.embedded, b.cte, b.b64Len, b.b64Bad = true, false, "", 0, false
			b.partCT, b.partCTE, b.lastField = b.partCT[:0], "", ""
			return
		}
	}
}

// isFieldLine reports whether line starts a header field.
func isFieldLine(line []byte) bool {
	_, ok := rfc5322.FieldName(line)
	return ok
}

// open reports whether the body is inside a multipart that has not been
// closed: a header block after an empty line there is an attached or
// quoted message, not the next one.
func (b *body) open() bool { return len(b.bounds) > 0 && b.bounds[0] != "" && b.closedAt < 0 }

// partHeaderLine takes one line of a part header.
func (b *body) partHeaderLine(line []byte) {
	if line[0] == ' ' || line[0] == '\t' {
		if b.lastField == "content-type" && len(b.partCT) < 1024 {
			b.partCT = append(b.partCT, line...)
		}
		return
	}
	n, ok := rfc5322.FieldName(line)
	if !ok {
		// not a header after all: body text
		b.endPartHeader()
		return
	}
	v := line[n+1:]
	switch {
	case equalFold(line[:n], "content-type"):
		b.lastField = "content-type"
		b.partCT = append(b.partCT[:0], v[:min(len(v), 1024)]...)
	case equalFold(line[:n], "content-transfer-encoding"):
		b.lastField = ""
		b.partCTE = strings.ToLower(strings.TrimSpace(string(v)))
	default:
		b.lastField = ""
	}
}

// endPartHeader is the empty line after a part header.
func (b *body) endPartHeader() {
	b.inPartHdr = false
	ct := strings.ToLower(strings.TrimSpace(string(b.partCT)))
	if strings.HasPrefix(ct, "multipart/") && len(b.bounds) < maxBounds {
		if bd := rfc5322.BoundaryOf(strings.TrimSpace(string(b.partCT))); bd != "" && len(bd) <= 200 {
			b.bounds = append(b.bounds, bd)
		}
	}
	b.embedded = strings.HasPrefix(ct, "message/") || strings.HasPrefix(ct, "text/rfc822-headers")
	b.attached = b.embedded
	b.cte = b.partCTE
}

// message finds the extent of a message whose header, examined as h,
// starts at start, and says whether it is whole.
func (s *scanner) message(start int64, h *Header, ctx startCtx) item {
	it := item{kind: kindMessage, start: start, ctx: ctx, score: h.Score}
	hend := start + int64(h.Len)
	switch h.stop {
	case stopJunk:
		f := start + int64(h.JunkAt)
		it.end, it.how = s.junkEnd(hend, f, start), endJunk
		it.partial = append(it.partial, fmt.Sprintf("the header section is cut short by NUL or binary bytes at 0x%x", f))
		return it
	case stopEnd:
		it.end, it.how = s.hi, endData
		it.partial = append(it.partial, "the data ends inside the header section")
		return it
	case stopNonField, stopLimit:
		// text where a field or the empty line should be: when it begins
		// at or crosses a sector boundary, the header was cut there
		b := s.v.at(hend, maxLine)
		le := hend + int64(len(b))
		if i := bytes.IndexByte(b, '\n'); i >= 0 {
			le = hend + int64(i) + 1
		}
		if k := s.alignUp(hend); k < le && k > start {
			it.end, it.how = k, endBreak
			it.partial = append(it.partial, fmt.Sprintf("the header section is cut at sector boundary 0x%x by other data", k))
			return it
		}
		it.warnings = append(it.warnings, fmt.Sprintf("no empty line ends the header section: the line at 0x%x is not a header field; the body is taken to start there", hend))
	}
	st := newBody(h)
	s.eight = h.CTE == "8bit" || h.CTE == "binary"
	s.scanBody(&it, st, h, hend)
	s.eight = false
	s.finish(&it, st, h, hend)
	return it
}

// scanBody walks the body lines from p and sets it.end and it.how.
func (s *scanner) scanBody(it *item, st *body, h *Header, p int64) {
	const nulWindow = 1 << 20
	hend := p
	limit := it.start + s.maxMsg
	afterBlank := h.Complete
	nulAt := int64(-1) // the next NUL, when known
	if h.Complete {
		st.style = boolStyle(h.CRLF)
	}
	for p < s.hi {
		if p >= limit {
			it.end, it.how = p, endLimit
			return
		}
		// where the next NUL is: known from an earlier search (of this
		// message or one before it) when that began at or before p
		if !(p >= s.nulFrom && (s.nulAt >= p || s.nulAt < 0 && p < s.nulNone)) {
			w := s.v.at(p, nulWindow)
			s.nulFrom = p
			if i := bytes.IndexByte(w, 0); i >= 0 {
				s.nulAt = p + int64(i)
			} else {
				s.nulAt, s.nulNone = -1, p+int64(len(w))
			}
		}
		nulAt = s.nulAt
		b := s.v.at(p, maxLine+1)
		le, nl := p+int64(len(b)), false
		if i := bytes.IndexByte(b[:min(len(b), maxLine+1)], '\n'); i >= 0 {
			le, nl = p+int64(i)+1, true
		} else if len(b) > maxLine {
			le = p + maxLine
		}
		if st.closedAt >= 0 && le-p > 2 {
			// something after the closing delimiter: an epilogue only if
			// the file ends (zeros) before the sector does
			kk := s.alignUp(st.closedAt)
			if nulAt != p && (kk == st.closedAt || !(nulAt >= p && nulAt <= kk)) {
				if !(b[0] == '\n' || b[0] == '\r' && len(b) > 1 && b[1] == '\n') {
					it.end, it.how = p, endClose
					return
				}
			}
		}
		if nulAt >= p && nulAt < le {
			it.end, it.how = s.junkEnd(p, nulAt, hend), endJunk
			return
		}
		line := b[:le-p]
		crlf := false
		if nl {
			line = line[:len(line)-1]
			if len(line) > 0 && line[len(line)-1] == '\r' {
				line, crlf = line[:len(line)-1], true
			}
		}
		// sector boundaries: another file may start there (but not at a
		// line of an attached message's header, which goes on as
		// field lines from the start of its part)
		k := s.alignUp(p)
		if st.attached && (len(line) == 0 || line[0] != ' ' && line[0] != '\t' && !isFieldLine(line)) {
			st.attached = false
		}
		if k == p && p > hend && !st.attached || k > p && k < le {
			mid := k > p
			off := k - p
			c := b[off]
			if startFirst[c] || containerFirst[c] {
				if s.sectorStart(k, mid) {
					it.end, it.how = k, endSector
					return
				}
				b = s.v.at(p, int(le-p))
				line = b[:len(line)]
			}
			if st.breaks(line, crlf, nl, mid, b[le-p:]) {
				it.end, it.how = k, endBreak
				return
			}
		}
		if len(line) == 0 {
			if st.inPartHdr {
				st.endPartHeader()
			} else if st.closedAt < 0 && !st.embedded && nl && le < s.hi && !st.open() {
				if ok, how := s.newMessageAt(le); ok && (how == endFrom || !s.introduced(p)) {
					it.end, it.how = le, how
					return
				}
			}
			afterBlank = true
			st.style = boolStyle(crlf)
			p = le
			continue
		}
		switch line[0] {
		case '-':
			if len(line) > 2 && line[1] == '-' && len(st.bounds) > 0 {
				st.delimiter(line[2:], le)
			}
		case 'F':
			if afterBlank && !st.embedded && isFrom(line) && nl && mbox.HasDate(line) && s.isField(le) {
				it.end, it.how = p, endFrom
				return
			}
		}
		if st.inPartHdr && line[0] != '-' {
			st.partHeaderLine(line)
		} else if st.cte == "base64" && st.b64Len == 0 && isBase64Line(line) {
			st.b64Len = len(line)
		} else if st.cte == "base64" && line[0] != '-' && !isBase64Line(line) {
			st.b64Bad = true
		}
		st.style = boolStyle(crlf)
		afterBlank = false
		p = le
	}
	it.end, it.how = s.hi, endData
}

func boolStyle(crlf bool) int {
	if crlf {
		return 1
	}
	return 0
}

// breaks reports whether a line that begins at a sector boundary (mid
// false) or crosses one (mid true) shows that what follows the boundary
// is not this message: a change of line endings, or text that is not
// base64 in a base64 part. next is what follows the line.
func (b *body) breaks(line []byte, crlf, nl, mid bool, next []byte) bool {
	if nl && b.style >= 0 && boolStyle(crlf) != b.style && len(line) > 0 {
		return true
	}
	if b.cte != "base64" || b.inPartHdr || len(line) == 0 || line[0] == '-' {
		return false
	}
	if b.b64Bad {
		// the part declared base64 holds text: text here says nothing
		return false
	}
	if !isBase64Line(line) {
		return true
	}
	if mid && b.b64Len > 0 && len(line) != b.b64Len {
		if len(line) > b.b64Len {
			return true
		}
		// a short line is the part's last only if a delimiter or an
		// empty line follows
		return len(next) > 0 && next[0] != '\n' && next[0] != '\r' && next[0] != '-'
	}
	return false
}

// finish decides whether a message is whole and notes why not.
func (s *scanner) finish(it *item, st *body, h *Header, hend int64) {
	end := it.end
	if end < hend {
		end = hend
		it.end = end
	}
	last := s.v.byteAt(end - 1)
	atSector := end%s.sector == 0
	cut := false
	switch it.how {
	case endBreak:
		cut = true
		it.partial = append(it.partial, fmt.Sprintf("the data changes at sector boundary 0x%x (line endings or encoding): the rest of the message is elsewhere or lost", end))
	case endSector:
		if last != '\n' {
			cut = true
			it.partial = append(it.partial, fmt.Sprintf("cut in the middle of a line at sector boundary 0x%x, where other data starts", end))
		}
	case endJunk:
		closed := len(st.bounds) > 0 && st.bounds[0] != "" && st.closedAt >= 0
		if atSector && (last != '\n' || s.v.byteAt(end) != 0 && !closed) {
			cut = true
			it.partial = append(it.partial, fmt.Sprintf("cut at sector boundary 0x%x, where junk follows", end))
		}
	case endData:
		if last != '\n' {
			it.partial = append(it.partial, "the data ends in the middle of a line")
		}
	case endLimit:
		it.partial = append(it.partial, fmt.Sprintf("larger than the %d-byte limit for one message; cut there", s.maxMsg))
	}
	if len(st.bounds) > 0 && st.bounds[0] != "" && st.closedAt < 0 {
		it.partial = append(it.partial, fmt.Sprintf("multipart body has no closing delimiter %q", "--"+st.bounds[0]+"--"))
		if atSector && (it.how == endJunk || it.how == endData) {
			cut = true
		}
	}
	if h.ContentLength >= 0 && h.Complete {
		if got := end - hend; h.ContentLength > got+2 {
			it.warnings = append(it.warnings, fmt.Sprintf("Content-Length says %d body bytes; %d are here", h.ContentLength, got))
		}
	}
	if cut && len(it.partial) > 0 && atSector {
		frag := 0
		if last != '\n' {
			frag = int(end - s.lineStart(end, hend))
		}
		t := &tail{cte: st.cte, frag: frag, lineLen: st.b64Len, crlf: st.style == 1}
		if st.inPartHdr {
			t.cte, t.lineLen, t.inHeader = "", 0, true
		}
		if frag > 0 && frag <= maxCutLine {
			t.cut = append([]byte(nil), s.v.behind(end, frag)...)
		}
		if len(st.bounds) > 0 {
			t.boundary = st.bounds[0]
			t.bounds = append([]string(nil), st.bounds...)
		}
		it.tail = t
	}
}
