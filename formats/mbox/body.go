package mbox

import (
	"bytes"
	"fmt"
	"io"
	"unicode/utf8"

	"github.com/mailsalvage/mailsalvage/formats/rfc5322"
)

// scanBody walks the body lines of a message from p and returns where the
// message ends (before trimming the mbox blank line), where the next one
// starts (nil at the end of the file), and whether damage directly follows
// the message. Before limit no separator is looked for (the message was
// delimited by its Content-Length).
//
// It looks at each line's first byte and, eight bytes at a time, for
// control bytes; everything else is skipped over.
func (s *Scanner) scanBody(sp *Span, p, limit int64, boundary string, embedded bool) (end int64, next *start, damagedTail bool) {
	body := p
	s.dmgNote = -1
	var closeLine []byte
	if boundary != "" {
		closeLine = []byte("--" + boundary + "--")
	}
	afterBlank := false // previous line was empty
	inPart := false     // in a MIME part header (lines after a --boundary line)
	partMsg := false    // that part header announces an embedded message
	lineStart := true
	for p < s.size {
		ln, np, nl := s.line(p)
		if !lineStart {
			// the rest of a line longer than maxLine
			lineStart = nl
			if damaged(ln) {
				if e, n, d, ok := s.damage(sp, body, p, np, ln, afterBlank); ok {
					return e, n, d
				}
				lineStart = true
				p = s.skip
				continue
			}
			p = np
			continue
		}
		lineStart = nl
		if len(ln) == 0 {
			if inPart {
				inPart, embedded = false, partMsg
			}
			afterBlank = true
			if p >= limit && np < s.size && !embedded {
				if st := s.startAt(np, ctxBlank); st != nil && (st.found != FoundHeaderScan || !s.introduced(p) && !s.partGoesOn(sp, np, boundary)) {
					return np, st, false
				}
			}
			embedded = false
			p = np
			continue
		}
		switch ln[0] {
		case 'F':
			if isFrom(ln) {
				if p >= limit && s.isSeparator(ln, np, afterBlank) {
					return p, &start{sep: p, start: np, line: clip(ln), found: FoundSeparator}, false
				}
				sp.RawFrom++
			}
		case '>':
			i := 1
			for i < len(ln) && ln[i] == '>' {
				i++
			}
			if bytes.HasPrefix(ln[i:], fromPrefix) {
				sp.Escaped++
				if len(sp.drops) < maxDrops {
					sp.drops = append(sp.drops, p)
				}
			}
		case '-':
			if len(ln) > 2 && ln[1] == '-' {
				if closeLine != nil && bytes.Equal(bytes.TrimRight(ln, " \t"), closeLine) {
					sp.closed = true
				}
				inPart, partMsg = true, false
			}
		default:
			if inPart {
				if n, ok := fieldNameIs(ln, "content-type"); ok {
					v := bytes.ToLower(ln[n:])
					partMsg = bytes.Contains(v, []byte("message/")) || bytes.Contains(v, []byte("rfc822"))
				} else if ln[0] != ' ' && ln[0] != '\t' {
					if _, ok := fieldName(ln); !ok {
						inPart = false
					}
				}
			}
		}
		if damaged(ln) {
			if e, n, d, ok := s.damage(sp, body, p, np, ln, afterBlank); ok {
				return e, n, d
			}
			p = s.skip
			afterBlank = false
			continue
		}
		afterBlank = false
		p = np
	}
	return s.size, nil, false
}

// partGoesOn reports whether the multipart body of the message being read
// (its boundary given) is still open at p and its delimiter comes again
// within 64 KiB: a header block there is quoted text inside one of its
// parts (a notice quoting the returned message's header), not a message
// whose separator was lost.
func (s *Scanner) partGoesOn(sp *Span, p int64, boundary string) bool {
	if boundary == "" || sp.closed {
		return false
	}
	b := s.w.at(p, 64<<10)
	b = b[:min(len(b), 64<<10)]
	return bytes.Contains(b, []byte("\n--"+boundary))
}

// damage handles a damaged line at p (ending at np) inside a message. It
// extends the damage over the following damaged lines and decides: if a
// message starts right after the damage (or the file ends), the current
// message ends where the damage began (ok is true); otherwise the damage is
// part of this message, which is marked partial, and scanning resumes at
// s.skip.
func (s *Scanner) damage(sp *Span, body, p, np int64, ln []byte, afterBlank bool) (end int64, next *start, damagedTail, ok bool) {
	first := p
	if b := s.extendBack(p, body); b < p {
		// garbage starts with lines too short to show their damage
		first, afterBlank = b, s.endsBlank(b)
	}
	if s.dmgNote >= 0 && s.dmgNote < len(sp.Partial) && first <= s.dmgStart {
		// this damage run swallows the one noted before: note it once
		sp.Partial = append(sp.Partial[:s.dmgNote], sp.Partial[s.dmgNote+1:]...)
		s.dmgNote = -1
	}
	lastStart, lastLine := p, append([]byte(nil), ln...)
	q := np
	for q < s.size {
		l2, n2, _ := s.line(q)
		// right after damage, even a line with one stray control byte or
		// mostly non-UTF-8 high bytes is more of it
		if !damaged(l2) && !binaryish(l2) {
			break
		}
		lastStart, lastLine = q, append(lastLine[:0], l2...)
		q = n2
	}
	// a message may begin right after the last damaged byte
	if st := s.startInTail(lastStart, lastLine); st != nil {
		s.noteDamage(sp, first, st.sep)
		return first, st, !afterBlank, true
	}
	if q >= s.size {
		s.noteDamage(sp, first, s.size)
		return first, nil, !afterBlank, true
	}
	if st := s.startAt(q, ctxDamage); st != nil {
		s.noteDamage(sp, first, st.sep)
		return first, st, !afterBlank, true
	}
	// the line after the damage may still begin with noise that was too
	// thin to count as damage ("\xa6.,From - Mon Jun ..."): a dated From
	// line with a header after it, right after damage, is a separator
	if ln, _, _ := s.line(q); len(ln) > 0 {
		if j := bytes.Index(ln, fromPrefix); j > 0 && (binaryish(ln[:j]) || HasDate(ln[j:])) {
			if st := s.startAt(q+int64(j), ctxDamage); st != nil && st.found == FoundSeparator {
				s.noteDamage(sp, first, st.sep)
				return first, st, !afterBlank, true
			}
		}
	}
	s.dmgNote, s.dmgStart = len(sp.Partial), first
	// a hole that swallowed a separator and the first header lines leaves
	// the rest of a header behind it, starting mid-field: a few fragment
	// lines, then fields to an empty line
	if st := s.headerRest(q); st != nil {
		s.noteDamage(sp, first, st.sep)
		return first, st, !afterBlank, true
	}
	sp.Partial = append(sp.Partial, fmt.Sprintf("%d bytes of damaged data (NUL or control bytes) at 0x%x inside the message", q-first, first))
	s.skip = q
	return 0, nil, false, false
}

// extendBack returns where the damage that was noticed at p really
// begins: lines just before it that hold a bad byte, or that are mostly
// bytes above 0x7f without being UTF-8, belong to it. It looks back at
// most 64 KiB and never before floor.
func (s *Scanner) extendBack(p, floor int64) int64 {
	// read back 1 KiB, and more only while every line in it is noise
	for size := int64(1 << 10); ; size *= 8 {
		n := min(p-floor, size, 64<<10)
		if n <= 0 {
			return p
		}
		b := make([]byte, n)
		if _, err := s.w.r.ReadAt(b, p-n); err != nil && err != io.EOF {
			return p
		}
		// b ends with the newline before p (or p is mid-line after a piece)
		end := len(b)
		for end > 0 {
			i := bytes.LastIndexByte(b[:end-1], '\n') + 1 // start of the line ending at end
			line := b[i:end]
			if !binaryish(bytes.TrimRight(line, "\r\n")) {
				break
			}
			end = i
		}
		if end > 0 || n == p-floor || n == 64<<10 {
			return p - int64(len(b)-end)
		}
	}
}

// binaryish reports whether a short line is more likely noise than text.
func binaryish(line []byte) bool {
	if len(line) == 0 {
		return false
	}
	bad, _ := countBad(line)
	if bad > 0 {
		return true
	}
	high := 0
	for _, c := range line {
		if c >= 0x80 {
			high++
		}
	}
	return high*3 > len(line) && !utf8.Valid(line)
}

// endsBlank reports whether the bytes before p end with an empty line.
func (s *Scanner) endsBlank(p int64) bool {
	n := min(p, 4)
	var b [4]byte
	if _, err := s.w.r.ReadAt(b[:n], p-n); err != nil && err != io.EOF {
		return false
	}
	t := b[:n]
	return bytes.HasSuffix(t, []byte("\n\n")) || bytes.HasSuffix(t, []byte("\n\r\n"))
}

// startInTail looks for a message start in the tail of a damaged line at
// p: right after its last bad byte, or at a "From " in what follows it
// (garbage often ends in printable bytes).
func (s *Scanner) startInTail(p int64, line []byte) *start {
	t := lastBad(line)
	if t == 0 || t >= len(line) {
		return nil
	}
	if st := s.startAt(p+int64(t), ctxDamage); st != nil {
		return st
	}
	if j := bytes.Index(line[t:], fromPrefix); j > 0 {
		if st := s.startAt(p+int64(t+j), ctxDamage); st != nil && st.found == FoundSeparator {
			return st
		}
	}
	return nil
}

// headerRest looks for the surviving part of a header section within the
// first few lines after damage at q: up to maxFragment lines that are not
// field lines (the cut-off end of a field), then a complete block of
// fields with trace fields among them. The fragment lines are left out of
// the message (they belong to a field whose name is lost).
func (s *Scanner) headerRest(q int64) *start {
	const maxFragment = 6
	p := q
	for i := 0; i < maxFragment && p < s.size; i++ {
		ln, next, _ := s.line(p)
		if len(ln) == 0 {
			return nil // an empty line: body text follows, not a header
		}
		if i > 0 {
			if _, ok := rfc5322.FieldName(ln); ok {
				blk := rfc5322.Examine(s.w.at(p, blockLookahead), blockLookahead)
				if blk.Complete && blk.Trace >= 2 && blk.Known >= 3 && blk.Transport {
					return &start{sep: p, start: p, found: FoundAfterDamage}
				}
				return nil
			}
		}
		p = next
	}
	return nil
}

// noteDamage records damage skipped between a message and the next.
func (s *Scanner) noteDamage(sp *Span, from, to int64) {
	sp.Warnings = append(sp.Warnings, fmt.Sprintf("%d bytes of damaged data (NUL or control bytes) at 0x%x after the message skipped", to-from, from))
}

// fieldName returns the length of the field name starting line.
func fieldName(line []byte) (int, bool) {
	i := bytes.IndexByte(line, ':')
	if i <= 0 || i > 76 || bytes.ContainsAny(line[:i], " \t") {
		return 0, false
	}
	return i, true
}

// fieldNameIs reports whether line is a field with the given lower-case
// name, returning the offset of its value.
func fieldNameIs(line []byte, name string) (int, bool) {
	if len(line) <= len(name) || line[len(name)] != ':' {
		return 0, false
	}
	for i := 0; i < len(name); i++ {
		c := line[i]
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != name[i] {
			return 0, false
		}
	}
	return len(name) + 1, true
}
