package mbox

import (
	"bytes"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/mailsalvage/mailsalvage/formats"
	"github.com/mailsalvage/mailsalvage/formats/rfc5322"
)

const (
	// maxLine is the longest line examined as one; longer lines (HTML
	// without breaks, binary junk) are walked in pieces of this size.
	maxLine = 64 << 10
	// headerLookahead bounds the header section parsed at a message start
	// and the block examined when deciding whether a message starts.
	headerLookahead = 256 << 10
	blockLookahead  = 64 << 10
	maxSepLine      = 1 << 10
)

// How a message start was found (Span.Found).
const (
	FoundSeparator        = "separator"         // a "From " line
	FoundMangledSeparator = "mangled-separator" // a From line with damaged bytes in "From "
	FoundHeaderScan       = "header-scan"       // a header block with no From line before it
	FoundAfterDamage      = "after-damage"      // a header block right after NUL or binary damage
	FoundStartOfFile      = "start-of-file"     // the file starts with a header block
)

// Span is one message found in an mbox, with every byte around it accounted
// for: [Begin, Sep) is a gap (the blank line that ends the previous message
// in the mbox format, plus any damage skipped), [Sep, Start) the separator
// line, [Start, End) the message as stored (before >From unescaping).
type Span struct {
	Index   int // 1-based position in the mbox
	Begin   int64
	Sep     int64
	Start   int64
	End     int64
	SepLine []byte // the separator line without its line ending, at most 1 KiB
	Found   string // how the start was found: one of the Found* constants

	Header         rfc5322.Header // the header section (up to 256 KiB)
	HeaderComplete bool           // an empty line ended the header section
	// ContentLength is set when the message was delimited by its own
	// Content-Length field (mboxcl/mboxcl2), which was checked to land on
	// the next separator or the end of the file.
	ContentLength bool
	// Escaped counts lines of the form >From, >>From... which mboxo and
	// mboxrd writers made from body lines; the reader removes one '>'.
	Escaped int
	// RawFrom counts body lines starting with "From " that were not
	// separators: possible in a Content-Length delimited (mboxcl2) message,
	// which is then not unescaped.
	RawFrom int

	// Partial says why the message is incomplete, if it is.
	Partial  []string
	Warnings []string

	closed bool    // the top-level closing boundary was seen
	drops  []int64 // offsets of the '>' bytes unescaping removes (up to maxDrops)
}

// maxDrops bounds the unescaping positions remembered per message; a
// message with more is unescaped by streaming through it.
const maxDrops = 4096

// Len is the length of the stored message.
func (s *Span) Len() int64 { return s.End - s.Start }

// start is where the next message begins.
type start struct {
	sep, start int64
	line       []byte // separator line
	found      string
}

// Scanner splits an mbox into Spans. It reads the file once, front to
// back, holding at most a few megabytes, and never fails on content: what
// it cannot place in a message it reports as a gap.
type Scanner struct {
	w       *window
	size    int64
	next    *start
	began   bool
	prevEnd int64
	index   int
	done    bool
	skip    int64 // where scanning resumes after damage inside a message
	// the last damage noted inside the current message, to merge runs
	dmgNote  int // index in Span.Partial, or -1
	dmgStart int64
}

// NewScanner returns a Scanner over the size bytes of r.
func NewScanner(r io.ReaderAt, size int64) *Scanner {
	return &Scanner{w: newWindow(r, size), size: size}
}

// Trailer returns the bytes after the last message that belong to none:
// normally nothing or the final blank line. Valid once Next returned io.EOF.
func (s *Scanner) Trailer() (off, n int64) { return s.prevEnd, s.size - s.prevEnd }

// Err returns the read error that cut the scan short, if any.
func (s *Scanner) Err() error { return s.w.err }

// line returns the line at p without its line ending, the offset after it,
// and whether it ended with a newline (false for a last line without one
// and for the pieces of a line longer than maxLine).
func (s *Scanner) line(p int64) (ln []byte, next int64, nl bool) {
	b := s.w.at(p, maxLine+1)
	if len(b) == 0 && s.w.size < s.size {
		// the data ended before the size the scanner was given (a read
		// error, a reader of fewer bytes than it said): every loop runs
		// to s.size, and an empty line would not move it
		s.size = s.w.size
	}
	if len(b) > maxLine+1 {
		b = b[:maxLine+1]
	}
	i := bytes.IndexByte(b, '\n')
	if i < 0 {
		n := min(len(b), maxLine)
		return b[:n], p + int64(n), false
	}
	ln = b[:i]
	if i > 0 && ln[i-1] == '\r' {
		ln = ln[:i-1]
	}
	return ln, p + int64(i) + 1, true
}

// isField reports whether the line at p starts a header field.
func (s *Scanner) isField(p int64) bool {
	if p >= s.size {
		return false
	}
	ln, _, _ := s.line(p)
	_, ok := rfc5322.FieldName(ln)
	return ok
}

var weekdays = [][]byte{[]byte("Mon"), []byte("Tue"), []byte("Wed"), []byte("Thu"), []byte("Fri"), []byte("Sat"), []byte("Sun")}

// isSeparator decides whether a line starting with "From " at p separates
// messages. A header field must follow, or the line must carry an asctime
// date with a weekday after a blank line; body text that happens to start
// with "From " (in mboxes whose writer did not escape it) rarely does both.
func (s *Scanner) isSeparator(ln []byte, next int64, afterBlank bool) bool {
	if !isFrom(ln) {
		return false
	}
	if s.isField(next) {
		return true
	}
	if !afterBlank || !HasDate(ln[5:]) {
		return false
	}
	for _, d := range weekdays {
		if bytes.Contains(ln, d) {
			return true
		}
	}
	return false
}

// Where startAt is asked to look for a message start.
const (
	ctxBlank  = iota // after an empty line inside a message: only a convincing header counts
	ctxDamage        // right after damaged bytes
	ctxResync        // looking through data that belongs to no message
	ctxFile          // the first line of the file
)

// startAt reports whether a message starts at p.
func (s *Scanner) startAt(p int64, ctx int) *start {
	if p >= s.size {
		return nil
	}
	ln, next, nl := s.line(p)
	if !nl && next < s.size {
		return nil
	}
	if ctx == ctxFile && bytes.HasPrefix(ln, formats.UTF8BOM) && s.isSeparator(ln[len(formats.UTF8BOM):], next, true) {
		// a byte order mark in front of the first separator (a file
		// saved by a Windows editor): part of the separator line
		return &start{sep: p, start: next, line: clip(ln[len(formats.UTF8BOM):]), found: FoundSeparator}
	}
	if isFrom(ln) && s.isSeparator(ln, next, ctx != ctxBlank) {
		return &start{sep: p, start: next, line: clip(ln), found: FoundSeparator}
	}
	if mangledFrom(ln) && s.isField(next) {
		return &start{sep: p, start: next, line: clip(ln), found: FoundMangledSeparator}
	}
	if _, ok := rfc5322.FieldName(ln); !ok {
		if ctx == ctxBlank || ctx == ctxResync {
			return s.brokenSeparator(p, ln, next)
		}
		return nil
	}
	blk := rfc5322.Examine(s.w.at(p, blockLookahead), blockLookahead)
	switch ctx {
	case ctxFile:
		if blk.LooksLikeHeader() {
			return &start{sep: p, start: p, found: FoundStartOfFile}
		}
	case ctxDamage:
		if blk.Complete && blk.Trace >= 1 && blk.Known >= 2 {
			return &start{sep: p, start: p, found: FoundAfterDamage}
		}
	default:
		if blk.LooksLikeMessage() {
			return &start{sep: p, start: p, found: FoundHeaderScan}
		}
	}
	return nil
}

// brokenSeparator recognizes a separator line broken beyond recognition
// (a byte turned into a line break: "Fro" / " - Mon Jan ...") by what
// follows it: one or two short lines that are not text a person wrote,
// then a convincing header block that starts with a field messages
// start with (X-Mozilla-Status, Return-Path, Received, Delivered-To...).
func (s *Scanner) brokenSeparator(p int64, ln []byte, next int64) *start {
	const maxJunk = 2
	q, junk := next, ln
	for i := 0; i < maxJunk; i++ {
		if len(junk) == 0 || len(junk) > 100 || bytes.HasPrefix(junk, []byte("--")) {
			// (a MIME delimiter, of a part whose header is the
			// returned message's own, is not what is left of a
			// separator)
			return nil
		}
		if q >= s.size {
			return nil
		}
		l2, n2, _ := s.line(q)
		if _, ok := rfc5322.FieldName(l2); ok {
			blk := rfc5322.Examine(s.w.at(q, blockLookahead), blockLookahead)
			if !blk.LooksLikeMessage() || !firstFields[blk.FirstName] {
				return nil
			}
			junkLines := s.w.at(p, int(q-p))[:q-p-1]
			for _, l := range bytes.Split(junkLines, []byte("\n")) {
				if introducing(l) {
					return nil // a line that introduces a quoted message
				}
			}
			return &start{sep: p, start: q, line: clip(junkLines), found: FoundMangledSeparator}
		}
		q, junk = n2, l2
	}
	return nil
}

func clip(ln []byte) []byte {
	if len(ln) > maxSepLine {
		ln = ln[:maxSepLine]
	}
	return append([]byte(nil), ln...)
}

// find looks for the first message start at or after p, line by line.
func (s *Scanner) find(p int64, ctx int) *start {
	for p < s.size {
		if st := s.startAt(p, ctx); st != nil {
			return st
		}
		ln, next, _ := s.line(p)
		if damaged(ln) {
			// a start may follow the damage on the same line
			if st := s.startInTail(p, ln); st != nil {
				return st
			}
		} else if _, ok := rfc5322.FieldName(ln); ok {
			// a run of field lines that is no message start: no line
			// inside it starts one either (each would end at the same
			// place with fewer fields), so skip the run, keeping the scan
			// linear on long runs of "Name: value" lines
			if blk := rfc5322.Examine(s.w.at(p, blockLookahead), blockLookahead); blk.Len > 0 {
				next = max(next, p+int64(blk.Len))
			}
		}
		if s.w.err != nil {
			return nil
		}
		p, ctx = next, ctxResync
	}
	return nil
}

// Next returns the next message span, or io.EOF.
func (s *Scanner) Next() (*Span, error) {
	if s.done {
		return nil, io.EOF
	}
	if !s.began {
		s.began = true
		s.next = s.find(0, ctxFile)
	}
	st := s.next
	if st == nil {
		s.done = true
		if s.w.err != nil {
			return nil, s.w.err
		}
		return nil, io.EOF
	}
	s.index++
	sp := &Span{Index: s.index, Begin: s.prevEnd, Sep: st.sep, Start: st.start, SepLine: st.line, Found: st.found}
	if gap := sp.Sep - sp.Begin; gap > 2 && s.index > 1 || gap > 0 && s.index == 1 {
		sp.Warnings = append(sp.Warnings, fmt.Sprintf("%d bytes at 0x%x before this message belong to no message (damaged or unrecognized data)", gap, sp.Begin))
	}
	switch st.found {
	case FoundHeaderScan, FoundAfterDamage:
		sp.Warnings = append(sp.Warnings, fmt.Sprintf("no From line before this message (separator lost); found by its header at 0x%x", st.start))
	}
	if st.found == FoundMangledSeparator {
		sp.Warnings = append(sp.Warnings, fmt.Sprintf("damaged separator line at 0x%x: %q", st.sep, st.line))
	}
	s.scanMessage(sp)
	s.prevEnd = sp.End
	return sp, nil
}

// scanMessage finds where the message of sp ends and where the next one
// starts.
func (s *Scanner) scanMessage(sp *Span) {
	hb := s.w.at(sp.Start, headerLookahead)
	if len(hb) > headerLookahead {
		hb = hb[:headerLookahead]
	}
	h, hn, complete := rfc5322.Parse(hb)
	if cut := firstDamagedLine(hb[:hn]); cut >= 0 {
		// a hole or garbage inside the header: the header ends there and
		// the body scan deals with the damage (what follows may be the
		// rest of another message's header)
		h, _, _ = rfc5322.Parse(hb[:cut])
		hn, complete = cut, false
	}
	sp.Header, sp.HeaderComplete = h, complete
	body := sp.Start + int64(hn)

	limit := body // no separator is looked for before limit
	cl, ok := contentLength(h)
	if ok && complete {
		if e := body + cl; e <= s.size && s.landsOnSeparator(e) {
			sp.ContentLength = true
			limit = e
		} else if e > s.size {
			sp.Warnings = append(sp.Warnings, fmt.Sprintf("Content-Length %d runs past the end of the file", cl))
		}
	}
	boundary := rfc5322.Boundary(h)
	ct, _ := h.Get("Content-Type")
	embedded := bytes.Contains(bytes.ToLower(ct), []byte("message/rfc822"))

	end, next, damagedTail := s.scanBody(sp, body, limit, boundary, embedded)
	if sp.ContentLength && next != nil && next.sep < limit {
		// damage inside the announced length, and a message starting
		// after it: the length swallowed that message, so it is not used
		sp.ContentLength = false
		sp.Warnings = append(sp.Warnings, fmt.Sprintf("Content-Length %d not used: damage inside it is followed by another message at 0x%x", cl, next.start))
	}
	if sp.ContentLength {
		end = limit
	} else {
		end = s.trimBlank(sp.Start, end)
	}
	sp.End = end
	s.next = next

	if !complete {
		sp.Partial = append(sp.Partial, "header section cut short")
	}
	if sp.Found == FoundAfterDamage && !firstFields[h.First()] {
		sp.Partial = append(sp.Partial, fmt.Sprintf("found right after damage at 0x%x; the start of its header may be lost", sp.Start))
	}
	truncated := next == nil || damagedTail // nothing sound follows the message
	if !sp.closed && boundary != "" {
		msg := fmt.Sprintf("multipart body has no closing boundary %q", "--"+boundary+"--")
		if truncated {
			sp.Partial = append(sp.Partial, msg)
		} else {
			sp.Warnings = append(sp.Warnings, msg)
		}
	}
	if damagedTail {
		sp.Partial = append(sp.Partial, "damaged data follows the message directly; its end may be lost")
	}
	if next == nil && end == s.size && end > sp.Start && s.byteAt(end-1) != '\n' {
		sp.Partial = append(sp.Partial, "file ends in the middle of a line")
	}
}

// firstDamagedLine returns the offset of the first damaged line in b, or -1.
func firstDamagedLine(b []byte) int {
	if bad, _ := countBad(b); bad == 0 {
		return -1
	}
	for off := 0; off < len(b); {
		ln, n := b[off:], len(b)-off
		if i := bytes.IndexByte(ln, '\n'); i >= 0 {
			ln, n = ln[:i], i+1
		}
		if damaged(ln) {
			return off
		}
		off += n
	}
	return -1
}

// byteAt returns the file byte at p (0 on error).
func (s *Scanner) byteAt(p int64) byte {
	var b [1]byte
	if _, err := s.w.r.ReadAt(b[:], p); err != nil {
		return 0
	}
	return b[0]
}

// trimBlank removes the empty line that the mbox format puts after each
// message (RFC 4155): one LF or CRLF when the message ends with an empty
// line.
func (s *Scanner) trimBlank(start, end int64) int64 {
	n := min(end-start, 4)
	if n < 2 {
		return end
	}
	var b [4]byte
	tail := b[:n]
	if _, err := s.w.r.ReadAt(tail, end-n); err != nil && err != io.EOF {
		return end
	}
	switch {
	case bytes.HasSuffix(tail, []byte("\r\n\r\n")), bytes.HasSuffix(tail, []byte("\n\r\n")):
		return end - 2
	case bytes.HasSuffix(tail, []byte("\n\n")):
		return end - 1
	}
	return end
}

// landsOnSeparator reports whether a Content-Length computed end e is
// where the next message starts: the end of the file, a separator, or an
// empty line and then a separator.
func (s *Scanner) landsOnSeparator(e int64) bool {
	for i := 0; i < 2; i++ {
		if e >= s.size {
			return true
		}
		ln, next, _ := s.line(e)
		if len(ln) == 0 {
			e = next
			continue
		}
		return s.isSeparator(ln, next, true)
	}
	return false
}

func contentLength(h rfc5322.Header) (int64, bool) {
	v, ok := h.Get("Content-Length")
	if !ok {
		return 0, false
	}
	n, err := strconv.ParseInt(strings.TrimSpace(string(v)), 10, 64)
	return n, err == nil && n >= 0
}

// firstFields are the fields a stored message normally starts with: what
// delivery agents and mail clients put at the top.
var firstFields = map[string]bool{
	"return-path": true, "received": true, "delivered-to": true, "x-mozilla-status": true,
	"x-original-to": true, "envelope-to": true, "x-gm-thrid": true, "x-apparently-to": true,
}

var introPhrases = []string{
	"original message", "copy of the message", "message follows", "returned message",
	"forwarded message", "unsent message", "below this line", "undelivered message",
	"headers of the message", "original text", "message header", "rfc822",
	"mail follows", "returned mail", "message reads", "copy of your message",
}

// introduced reports whether the text before p introduces a quoted
// message (see Introduces).
func (s *Scanner) introduced(p int64) bool {
	n := min(p, 512)
	b := make([]byte, n)
	if _, err := s.w.r.ReadAt(b, p-n); err != nil && err != io.EOF {
		return false
	}
	return Introduces(b)
}

// Introduces reports whether text (what comes before an empty line and a
// header block) ends with a line that introduces a quoted message, as
// non-MIME bounces do ("--- Below this line is a copy of the message."),
// or with such a line and one more (the same words in a second language),
// or with a delivery status field (RFC 3464: the returned message's
// header follows a report whose MIME delimiters were lost). The header
// block is then the quoted message's, not another message. The carver
// asks this too.
func Introduces(text []byte) bool {
	b := text
	for range 2 {
		b = bytes.TrimRight(b, "\r\n")
		i := bytes.LastIndexByte(b, '\n')
		if introducing(b[i+1:]) || dsnField(b[i+1:]) {
			return true
		}
		if i < 0 {
			return false
		}
		b = b[:i]
	}
	return false
}

// dsnField reports whether a line is a per-recipient field of a delivery
// status notification (RFC 3464 section 2.3).
func dsnField(line []byte) bool {
	n, ok := fieldName(line)
	if !ok {
		return false
	}
	switch strings.ToLower(string(line[:n])) {
	case "status":
		// a status code, not a mail client's "Status: RO" header field
		v := bytes.TrimSpace(line[n+1:])
		return len(v) >= 5 && (v[0] == '2' || v[0] == '4' || v[0] == '5') && v[1] == '.'
	case "action", "final-recipient", "original-recipient", "remote-mta", "diagnostic-code",
		"last-attempt-date", "will-retry-until", "final-log-id", "x-actual-recipient":
		return true
	}
	return false
}

// introducing reports whether a line announces a quoted message.
func introducing(line []byte) bool {
	l := strings.ToLower(string(line))
	for _, ph := range introPhrases {
		if strings.Contains(l, ph) {
			return true
		}
	}
	return false
}
