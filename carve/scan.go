package carve

import (
	"bytes"
	"io"
	"math"
	"strconv"
	"strings"

	"github.com/mailsalvage/mailsalvage/formats/mbox"
	"github.com/mailsalvage/mailsalvage/formats/rfc5322"
)

// maxLine is the longest line looked at as one; longer runs without a
// line feed (binary data, HTML without breaks) are walked in pieces.
const maxLine = 64 << 10

// scanner finds carved items in [lo, hi) of an image. A worker has one per
// chunk; the merger has one for the places where chunks disagree. Every
// decision depends only on the bytes, never on where the scan began, so
// that chunks scanned apart agree wherever their scans meet.
type scanner struct {
	v       *view
	lo, hi  int64
	sector  int64
	maxMsg  int64
	noHeads bool // do not record text heads (the merger's rescans)
	// eight is set while the end of a message whose header declares an
	// 8bit or binary body is looked for: its text may be in any charset,
	// so only NUL and control bytes are junk.
	eight bool
	// the last search for a NUL (scanBody): from nulFrom, the first NUL
	// is at nulAt, or (nulAt -1) there is none before nulNone
	nulFrom, nulAt, nulNone int64
	heads                   []int64 // sector-aligned starts of text runs in the gaps: fragment candidates
}

func newScanner(r io.ReaderAt, lo, hi int64, o *Options, capacity int) *scanner {
	return &scanner{v: newView(r, lo, hi, capacity), lo: lo, hi: hi, sector: int64(o.SectorSize), maxMsg: o.MaxMessage, nulFrom: math.MaxInt64}
}

func (s *scanner) alignUp(p int64) int64 {
	if r := p % s.sector; r != 0 {
		return p + s.sector - r
	}
	return p
}

// next finds the first item that starts in [p, to), in the gaps between
// items: it returns the item, or ok false and to.
func (s *scanner) next(p, to int64) (it item, ok bool) {
	from := p
	for p < to {
		if p%s.sector == 0 {
			if it, ok := s.atSector(p); ok {
				return it, true
			}
		}
		segEnd := min(to, p-p%s.sector+s.sector)
		skip := int64(-1)
		for off := int64(0); p+off < segEnd; {
			b := s.v.at(p+off, int(segEnd-p-off))
			n := min(int64(len(b)), segEnd-p-off)
			i := bytes.IndexByte(b[:n], ':')
			if i < 0 {
				break
			}
			c := p + off + int64(i)
			// an item that starts before the gap (an mbox From line or
			// .emlx count line just before it) was judged there already:
			// the scan goes on after this colon
			it, ok, sk := s.atColon(c, p)
			if ok && it.start >= from {
				return it, true
			}
			if !ok && sk > c {
				skip = sk
				break
			}
			off += int64(i) + 1
		}
		if skip > 0 {
			// a run of field lines that is no message: no line inside it
			// starts one either; skip it, keeping the scan linear
			p = max(segEnd, skip)
			if skip < segEnd {
				p = skip
			}
			continue
		}
		p = segEnd
	}
	return item{}, false
}

// nameByte reports whether c may be part of a header field name.
func nameByte(c byte) bool { return c > ' ' && c < 0x7f && c != ':' }

// atColon looks at the colon at c as the end of the name of a field that
// may start a message, with names starting at or after floor. skip, when
// beyond c, is where the gap scan may go on after a rejected block.
func (s *scanner) atColon(c, floor int64) (it item, ok bool, skip int64) {
	if c+1 < s.hi && c-2 >= floor && s.v.byteAt(c+1) == 0 && s.v.byteAt(c-1) == 0 && s.v.byteAt(c-2) != 0 {
		if it, ok := s.atUTF16(c, floor); ok {
			return it, true, 0
		}
		return item{}, false, 0
	}
	back := s.v.behind(c, int(min(64, c-floor)))
	j := len(back)
	for j > 0 && nameByte(back[j-1]) {
		j--
	}
	if j == len(back) {
		return item{}, false, 0
	}
	n0 := c - int64(len(back)-j)
	// the longest name, then the names that start at a sector boundary
	// inside it (the cluster before may end in letters)
	for n := n0; n < c; {
		name := back[len(back)-int(c-n):]
		// (at a sector boundary, where a file starts, any field the
		// rule table knows: some servers write Content-Type first)
		if startFirst[name[0]] && isStartName(name) || n%s.sector == 0 && knownName(name) {
			if it, ok, sk := s.startAt(n, floor); ok || sk > 0 {
				return it, ok, sk
			}
		}
		n = s.alignUp(n + 1)
	}
	return item{}, false, 0
}

// lineCtx says in which context a field name at n would start a block, or
// ok false when n is not at a line start.
func (s *scanner) lineCtx(n int64) (ctx startCtx, prevLine int64, ok bool) {
	if n == s.lo {
		return ctxRange, -1, true
	}
	prev := s.v.byteAt(n - 1)
	switch {
	case prev == '\n':
	case badByte[prev]:
		return ctxJunk, -1, true
	case n%s.sector == 0 && !s.listCut(n):
		return ctxSector, -1, true
	case prev >= 0x80 && junky(s.v.behind(n, int(min(8, n-s.lo)))):
		return ctxJunk, -1, true
	default:
		return 0, -1, false
	}
	// the line before
	b := s.v.behind(n, int(min(1024, n-s.lo)))
	body := bytes.TrimSuffix(b[:len(b)-1], []byte("\r"))
	line, ls, whole := body, n-int64(len(b)), false
	if i := bytes.LastIndexByte(body, '\n'); i >= 0 {
		line, ls, whole = body[i+1:], n-int64(len(b))+int64(i)+1, true
	}
	// an mbox From line or an .emlx count line may start after junk in
	// the line, or at a sector boundary inside it, where a file starts
	// (after the end of a text file's last cluster, say)
	from := 0
	if j := lastBad(line); j >= 0 || !whole {
		from = j + 1
	}
	if k := (n - 1) - (n-1)%s.sector; k > ls+int64(from) && k < n-1 {
		from = int(k - ls)
	}
	if cut := line[min(from, len(line)):]; from > 0 && len(cut) > 0 && (isFrom(cut) || isCountLine(cut)) {
		line, ls, whole = cut, ls+int64(from), true
	}
	lineStart := whole || ls == s.lo || ls%s.sector == 0 || ls > s.lo && badByte[s.v.byteAt(ls-1)]
	switch {
	case len(line) == 0:
		return ctxBlank, ls, true
	case lineStart && isFrom(line) && len(line) < 1024:
		return ctxFrom, ls, true
	case lineStart && isCountLine(line):
		return ctxCount, ls, true
	case n%s.sector == 0:
		return ctxSector, ls, true
	case firstBad(line) >= 0:
		return ctxJunk, ls, true
	}
	return ctxText, ls, true
}

// isCountLine reports whether line is an .emlx byte count: 1 to 12
// digits, spaces around them allowed.
func isCountLine(line []byte) bool {
	t := bytes.TrimSpace(line)
	if len(t) == 0 || len(t) > 12 {
		return false
	}
	for _, c := range t {
		if !digit(c) {
			return false
		}
	}
	return true
}

// startAt decides whether an item starts with the field name at n.
func (s *scanner) startAt(n, floor int64) (it item, ok bool, skip int64) {
	ctx, prevLine, lineOK := s.lineCtx(n)
	if !lineOK {
		return item{}, false, 0
	}
	h := DetectHeader(s.v.at(n, hdrLimit))
	switch ctx {
	case ctxFrom:
		if h.Accepts(ctxFrom) {
			return s.mboxRun(prevLine), true, 0
		}
	case ctxCount:
		if h.Accepts(ctxCount) {
			if it, ok := s.emlx(prevLine, n); ok {
				return it, true, 0
			}
		}
		ctx = ctxText
	}
	if h.Accepts(ctx) {
		if b, hb, cb, ok := s.backStart(n, floor); ok {
			n, h, ctx = b, hb, cb
		}
		if k := s.laterStart(n, &h, ctx); k > 0 {
			return item{}, false, k
		}
		return s.message(n, &h, ctx), true, 0
	}
	if h.Fields > 1 && h.Len > 0 {
		return item{}, false, n + int64(h.Len)
	}
	return item{}, false, 0
}

// maxBackLines bounds the field lines looked at before an accepted block.
const maxBackLines = 64

// backStart looks at the lines just before a block accepted at n. When
// they are field lines too (fields a message seldom starts with, such as
// Content-Type, or misspelt ones) back to a place where a file or a
// message starts (a sector boundary, an empty line, junk, the start of
// the range), the header section starts there: it returns that start, its
// header and context, when the longer block is accepted there too.
func (s *scanner) backStart(n, floor int64) (int64, Header, startCtx, bool) {
	top := int64(-1)
	p := n
	for i := 0; i < maxBackLines && p > floor && s.v.byteAt(p-1) == '\n'; i++ {
		b := s.v.behind(p, int(min(1024, p-floor)))
		body := b[:len(b)-1]
		j := bytes.LastIndexByte(body, '\n')
		if j < 0 && int64(len(b)) < p-floor {
			break // a line longer than we look back: not a field
		}
		ls := p - int64(len(b)) + int64(j) + 1
		line := bytes.TrimSuffix(body[j+1:], []byte("\r"))
		if len(line) == 0 {
			break
		}
		// where in the line a field could start: its start, or a sector
		// boundary inside it when junk comes before
		at := ls
		if firstBad(line) >= 0 || ls%s.sector != 0 && j < 0 {
			at = -1
			for k := s.alignUp(ls + 1); k < p-1; k += s.sector {
				seg := line[k-ls:]
				if firstBad(seg) < 0 {
					at = k
					break
				}
			}
			if at < 0 {
				break
			}
			line = line[at-ls:]
		}
		if line[0] == ' ' || line[0] == '\t' {
			if at != ls {
				break
			}
			p = ls
			continue
		}
		if _, ok := rfc5322.FieldName(line); !ok {
			break
		}
		top = at
		if at != ls || at%s.sector == 0 {
			break
		}
		p = ls
	}
	if top < 0 {
		return 0, Header{}, 0, false
	}
	ctx, _, ok := s.lineCtx(top)
	if !ok {
		return 0, Header{}, 0, false
	}
	switch ctx {
	case ctxBlank, ctxJunk, ctxSector, ctxRange:
	default:
		return 0, Header{}, 0, false
	}
	h := DetectHeader(s.v.at(top, hdrLimit))
	if h.Len <= int(n-top) || !h.Accepts(ctx) {
		return 0, Header{}, 0, false
	}
	return top, h, ctx, true
}

// laterStart checks the sector boundaries inside an accepted block that
// starts at n: where a line is cut at one and a message header starts
// there, or (for a block found after a line of text) where a header starts
// at a line start and what comes before it is no header on its own, the
// block is the end of some other data followed by a message, which starts
// at that boundary. It returns the boundary, or 0.
func (s *scanner) laterStart(n int64, h *Header, ctx startCtx) int64 {
	end := n + int64(h.Len)
	if h.stop == stopJunk {
		end = n + int64(h.JunkAt)
	}
	for k := s.alignUp(n + 1); k < end; k += s.sector {
		mid := s.v.byteAt(k-1) != '\n'
		if !mid && ctx != ctxText || s.listCut(k) {
			continue
		}
		b := s.v.at(k, 256)
		if len(b) == 0 || !startFirst[b[0]] {
			continue
		}
		line := b
		if i := bytes.IndexByte(b, '\n'); i >= 0 {
			line = b[:i]
		}
		nameLen, ok := rfc5322.FieldName(line)
		if !ok || !isStartName(line[:nameLen]) || mid && s.nameCut(k, line[:nameLen]) {
			continue
		}
		if hk := detectHeader(s.v.at(k, innerLimit), innerLimit); !hk.Accepts(ctxSector) {
			continue
		}
		if !mid {
			if k-n > innerLimit {
				continue // a long block of fields before k: a header on its own
			}
			before := append([]byte(nil), s.v.at(n, int(k-n))[:k-n]...)
			if hb := DetectHeader(append(before, '\n')); hb.Accepts(ctx) {
				continue
			}
		}
		return k
	}
	return 0
}

// atSector checks a sector boundary in a gap for a container signature,
// and notes it as a possible fragment when text starts there.
func (s *scanner) atSector(k int64) (item, bool) {
	b := s.v.at(k, 64)
	if len(b) < 8 {
		return item{}, false
	}
	for i := range containerSigs {
		sig := &containerSigs[i]
		if bytes.HasPrefix(b, sig.Magic) {
			if it, ok := s.container(k, sig); ok {
				return it, true
			}
		}
	}
	if !s.noHeads && len(s.heads) < maxHeads && k > s.lo && texty(b[:min(len(b), 64)]) && s.headAt(k) {
		s.heads = append(s.heads, k)
	}
	return item{}, false
}

// headAt reports whether the text at sector boundary k may be the start
// of a piece of a file other than what comes before it: junk or a line
// end comes before it, the line endings change there, or a base64 stream
// starts there after text that is not base64.
func (s *scanner) headAt(k int64) bool {
	prev := s.v.behind(k, int(min(256, k-s.lo)))
	if len(prev) == 0 {
		return false
	}
	if !texty(prev[len(prev)-1:]) || firstBad(prev[max(0, len(prev)-16):]) >= 0 {
		return true
	}
	pstyle := -1
	var plast []byte // the last whole line before k
	if i := bytes.LastIndexByte(prev, '\n'); i >= 0 {
		pstyle = boolStyle(i > 0 && prev[i-1] == '\r')
		body := bytes.TrimSuffix(prev[:i], []byte("\r"))
		if j := bytes.LastIndexByte(body, '\n'); j >= 0 {
			plast = body[j+1:]
		}
	}
	pb64 := len(plast) > 0 && isBase64Line(plast)
	after := s.v.at(k, 256)
	after = after[:min(len(after), int(min(256, s.hi-k)))]
	i := bytes.IndexByte(after, '\n')
	if i < 0 {
		return false
	}
	if pstyle >= 0 && boolStyle(i > 0 && after[i-1] == '\r') != pstyle {
		return true
	}
	rest := after[i+1:]
	if j := bytes.IndexByte(rest, '\n'); j >= 0 && plast != nil && !pb64 {
		l := bytes.TrimSuffix(rest[:j], []byte("\r"))
		return len(l) >= 40 && isBase64Line(l)
	}
	return false
}

// maxHeads bounds the fragment candidates one scanner keeps.
const maxHeads = 1 << 16

// container checks a container signature at k and makes its item.
func (s *scanner) container(k int64, sig *containerSig) (item, bool) {
	b := append([]byte(nil), s.v.at(k, sig.Need)...)
	if len(b) > sig.Need {
		b = b[:sig.Need]
	}
	read := func(off int64, n int) []byte {
		if off < 0 || k+off >= s.hi {
			return nil
		}
		n = int(min(int64(n), s.hi-k-off))
		out := make([]byte, n)
		s.v.readAt(out, k+off)
		return out
	}
	size, ok := sig.Size(b, s.hi-k, read)
	if !ok {
		return item{}, false
	}
	it := item{kind: kindPST, start: k, end: k + size, ctx: ctxSector, how: endDeclared}
	switch sig.Format {
	case "msg":
		it.kind = kindMsg
	case "dbx":
		it.kind = kindDBX
	}
	return it, true
}

// sectorStart reports whether a message or a container starts at the
// sector boundary k, inside the data of another item. mid says the line
// before was cut at k, which makes a start there plain.
func (s *scanner) sectorStart(k int64, mid bool) bool {
	b := s.v.at(k, 1024)
	if len(b) < 8 {
		return false
	}
	for i := range containerSigs {
		if bytes.HasPrefix(b, containerSigs[i].Magic) {
			if _, ok := s.container(k, &containerSigs[i]); ok {
				return true
			}
		}
	}
	if !startFirst[b[0]] {
		return false
	}
	line := b
	if i := bytes.IndexByte(b, '\n'); i >= 0 {
		line = b[:i]
	}
	if isFrom(line) {
		return mid && len(line) < len(b) && s.isField(k+int64(len(line))+1)
	}
	nameLen, ok := rfc5322.FieldName(line)
	if !ok || !isStartName(line[:nameLen]) {
		return false
	}
	if mid && (s.nameCut(k, line[:nameLen]) || s.listCut(k)) {
		return false
	}
	h := detectHeader(s.v.at(k, innerLimit), innerLimit)
	if mid {
		return h.Accepts(ctxSector)
	}
	return h.Accepts(ctxInBody)
}

// listCut reports whether the sector boundary k cuts a list of field
// names, as a DKIM signature's "h=from:to:subject:date" tag is: a colon
// before k, and names joined by colons after it ("to:subject:...",
// "from:date"), which no header field line looks like.
func (s *scanner) listCut(k int64) bool {
	if k <= s.lo || s.v.byteAt(k-1) != ':' {
		return false
	}
	b := s.v.at(k, 80)
	i := 0
	for i < len(b) && (nameByte(b[i]) && b[i] != ';') {
		i++
	}
	if i == 0 || i >= len(b) || b[i] != ':' {
		return false
	}
	j := i + 1
	for j < len(b) && nameByte(b[j]) && b[j] != ';' {
		j++
	}
	return j > i+1 && (j == len(b) || b[j] == ':' || b[j] == ';' || b[j] == '\r' || b[j] == '\n')
}

// hyphenated reports whether part is the start of an extension field's
// name that a hyphen joins to its next word: "X-", then words of letters
// and digits each ended by one hyphen ("X-Apparently-"). Extension names
// are open-ended; the others are known whole (fieldRules).
func hyphenated(part []byte) bool {
	if len(part) < 2 || part[0]|0x20 != 'x' || part[1] != '-' || part[len(part)-1] != '-' {
		return false
	}
	for i := 2; i < len(part); i++ {
		c := part[i]
		switch {
		case c == '-':
			if part[i-1] == '-' {
				return false
			}
		case !(c|0x20 >= 'a' && c|0x20 <= 'z') && !(c >= '0' && c <= '9'):
			return false
		}
	}
	return true
}

// nameCut reports whether the line cut at k began a field name that goes
// on at k: "Return-" before the boundary and "Path: <...>" after it is
// one Return-Path field of the message going on, not a message starting
// with a Path field; so is an extension name cut after a hyphen
// ("X-Apparently-" | "From:"). name is the field name at k.
func (s *scanner) nameCut(k int64, name []byte) bool {
	before := s.v.behind(k, 40)
	i := bytes.LastIndexByte(before, '\n')
	if i < 0 && len(before) == 40 {
		return false // no line start near: not a field name
	}
	part := before[i+1:]
	if len(part) == 0 {
		return false
	}
	if hyphenated(part) {
		// "X-Apparently-" before and "From: ..." after: the words of
		// one extension field's name, joined by a hyphen
		return true
	}
	whole := strings.ToLower(string(part) + string(name))
	_, known := fieldRules[whole]
	return known
}

// isField reports whether the line at p starts a header field.
func (s *scanner) isField(p int64) bool {
	if p >= s.hi {
		return false
	}
	b := s.v.at(p, 256)
	if i := bytes.IndexByte(b, '\n'); i >= 0 {
		b = b[:i]
	}
	_, ok := rfc5322.FieldName(b)
	return ok
}

// newMessageAt reports whether a new message starts at q, the line after
// an empty line inside a message: an mbox From line followed by a field,
// or a convincing header of a transported message.
func (s *scanner) newMessageAt(q int64) (bool, string) {
	if q >= s.hi {
		return false, ""
	}
	b := s.v.at(q, 1024)
	if len(b) == 0 || !startFirst[b[0]] {
		return false, ""
	}
	line := b
	if i := bytes.IndexByte(b, '\n'); i >= 0 {
		line = b[:i]
	}
	if isFrom(line) {
		if len(line) < len(b) && s.isField(q+int64(len(line))+1) && mbox.HasDate(line) {
			return true, endFrom
		}
		return false, ""
	}
	nameLen, ok := rfc5322.FieldName(line)
	if !ok || !isStartName(line[:nameLen]) {
		return false, ""
	}
	h := DetectHeader(s.v.at(q, hdrLimit))
	return h.Complete && h.Accepts(ctxInBody), endNext
}

// introduced reports whether the text before p announces a quoted
// message, as mbox.Introduces says (one list of such words for both).
func (s *scanner) introduced(p int64) bool {
	return mbox.Introduces(s.v.behind(p, int(min(512, p-s.lo))))
}

// mboxRun makes the item of an mbox run starting with the From line at
// from: it goes on to the first junk, or to a sector boundary where other
// data plainly starts.
func (s *scanner) mboxRun(from int64) item {
	end, how := s.runEnd(from, from)
	return item{kind: kindMbox, start: from, end: end, ctx: ctxFrom, how: how}
}

// runEnd finds where a run of text that starts at start ends: at the first
// NUL (less the junk before it), or at a sector boundary where a line is
// cut and a message or a container starts. Used for containers whose
// reader does the splitting.
func (s *scanner) runEnd(start, floor int64) (int64, string) {
	// most runs end within a few KiB: the first look is short, each next
	// one twice as long, up to 1 MiB
	step := 16 << 10
	p := start
	for ; p < s.hi; step = min(2*step, 1<<20) {
		b := s.v.at(p, step)
		n := min(len(b), step)
		lim := n
		nul := bytes.IndexByte(b[:n], 0)
		if nul >= 0 {
			lim = nul
		}
		for k := s.alignUp(p + 1); k < p+int64(lim); k += s.sector {
			c := b[k-p]
			prev := b[k-p-1]
			if prev != '\n' && startFirst[c] || containerFirst[c] {
				if s.sectorStart(k, prev != '\n') {
					return k, endSector
				}
				b = s.v.at(p, step)
			}
		}
		if nul >= 0 {
			f := p + int64(nul)
			return s.junkEnd(s.lineStart(f, floor), f, floor), endJunk
		}
		p += int64(n)
	}
	return s.hi, endData
}

// lineStart returns the start of the line holding f, not before floor.
func (s *scanner) lineStart(f, floor int64) int64 {
	for p := f; p > floor; {
		b := s.v.behind(p, int(min(4096, p-floor)))
		if i := bytes.LastIndexByte(b, '\n'); i >= 0 {
			return p - int64(len(b)) + int64(i) + 1
		}
		p -= int64(len(b))
		if f-p > maxLine {
			return p
		}
	}
	return floor
}

// junkEnd finds where text ends before junk whose first NUL is at f, in
// the line starting at ls: the partial line before f is dropped when it
// is noise (keeping what comes before a sector boundary in it when only
// the part after the boundary is noise), and so are noise lines before it.
// The result is never below floor.
func (s *scanner) junkEnd(ls, f, floor int64) int64 {
	e := f
	if f > ls {
		seg := append([]byte(nil), s.v.at(ls, int(f-ls))[:f-ls]...)
		if s.junky(seg) {
			e = ls
			for k := s.alignUp(ls + 1); k < f; k += s.sector {
				if !s.junky(seg[:k-ls]) && s.junky(seg[k-ls:]) {
					e = k
					break
				}
			}
		}
	}
	for i := 0; i < 256 && e > floor && s.v.byteAt(e-1) == '\n'; i++ {
		b := s.v.behind(e, int(min(4096, e-floor)))
		line, whole := lastLine(b)
		if !whole && int64(len(b)) < e-floor {
			break // a line longer than we look back: text
		}
		if len(line) == 0 || !s.junky(line) {
			break
		}
		le := e - 1
		if le > floor && s.v.byteAt(le-1) == '\r' {
			le--
		}
		e = max(floor, le-int64(len(line)))
		if k := s.alignUp(e); k < e+int64(len(line)) && k > e {
			// a boundary inside the junk line: text before it stays
			seg := s.v.at(e, int(k-e))[:k-e]
			if !s.junky(seg) {
				e = k
				break
			}
		}
	}
	// a few bytes of "text" just after a sector boundary, then junk: noise
	// that happens to be printable (a message's own last line is followed
	// by zeros, not by junk)
	if k := e - e%s.sector; k > floor && e-k > 0 && e-k < 8 && (f > e || !s.zeroToSector(f)) {
		e = k
	}
	return max(e, floor)
}

// junky is junky, or for an 8-bit message, whether b holds a bad byte.
func (s *scanner) junky(b []byte) bool {
	if s.eight {
		return firstBad(b) >= 0
	}
	return junky(b)
}

// zeroToSector reports whether the bytes from f to the end of its sector
// are all zero: the slack a system leaves after the end of a file, rather
// than junk that happens to hold a NUL.
func (s *scanner) zeroToSector(f int64) bool {
	end := min(s.hi, f-f%s.sector+s.sector)
	b := s.v.at(f, int(end-f))
	for _, c := range b[:min(int64(len(b)), end-f)] {
		if c != 0 {
			return false
		}
	}
	return true
}

// emlx makes the item of an Apple Mail .emlx whose byte count line starts
// at cl and whose message starts at hs: the count line, the declared
// message and the property list after it.
func (s *scanner) emlx(cl, hs int64) (item, bool) {
	count, err := strconv.ParseInt(string(bytes.TrimSpace(s.v.at(cl, int(hs-cl))[:hs-cl])), 10, 64)
	if err != nil || count <= 0 || count > s.maxMsg {
		return item{}, false
	}
	textEnd, how := s.runEnd(hs, cl)
	it := item{kind: kindEMLX, start: cl, end: textEnd, ctx: ctxCount, how: how}
	if hs+count <= textEnd {
		// the property list follows the message
		const maxPlist = 1 << 20
		lim := min(textEnd, hs+count+maxPlist)
		b := s.v.at(hs+count, int(lim-hs-count))
		b = b[:min(int64(len(b)), lim-hs-count)]
		if i := bytes.Index(b, []byte("</plist>")); i >= 0 {
			e := hs + count + int64(i) + int64(len("</plist>"))
			if e < textEnd && s.v.byteAt(e) == '\n' {
				e++
			}
			it.end, it.how = e, endDeclared
		}
	}
	return it, true
}
