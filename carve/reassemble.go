package carve

import (
	"bytes"
	"io"
	"slices"

	"github.com/mailsalvage/mailsalvage/formats/rfc5322"
)

// Reassembly of messages broken across clusters that are not next to each
// other. A message cut at a sector boundary (a tail: its multipart body
// has no closing delimiter, or the data changes kind there) may go on at
// the start of some other run of text in the image (a head: a sector
// boundary where text starts after junk, which no message header claims).
// A head continues a tail when it fits: the cut base64 line is completed
// to the part's line length by the head's first line, the line endings
// agree, and the head holds the message's closing delimiter, or, for a
// middle piece, is itself cut at a sector boundary in the same base64
// stream. The joined message must then end properly (closing delimiter
// found) for the reassembly to be kept; otherwise the tail is given as
// partial, as it was found.

const (
	// maxFrags bounds the pieces of one reassembled message.
	maxFrags = 8
	// maxHeadTries bounds the heads tried for one piece.
	maxHeadTries = 512
	// maxJoinDistance bounds how far from a piece its next piece is looked
	// for (Options.joinReach); a tail is joined once the scan is that far
	// past it.
	maxJoinDistance = 256 << 20
)

// joiner keeps what reassembly needs while the scan goes on: the tails
// held back, in image order, and the heads found so far. A tail is joined
// once the scan is joinReach past its end (every head it may continue in
// is known by then); heads and marks no held or later tail can reach are
// dropped. So its memory follows the heads in 2*joinReach of image and
// the tails held at one time, not the size of the image.
type joiner struct {
	c        *Carver
	ms       *scanner
	held     []item
	heads    []int64
	unsorted bool // a head was added below the last one
	used     map[int64]bool
	stats    joinStats
}

// joinStats counts what a joiner kept, for tests: the most heads and
// tails kept at one time, all heads added and the tails joined.
type joinStats struct {
	peakHeads, allHeads, peakHeld, joined int
}

func (c *Carver) newJoiner(ms *scanner) *joiner {
	return &joiner{c: c, ms: ms, used: map[int64]bool{}}
}

// addHead adds a fragment candidate.
func (j *joiner) addHead(h int64) {
	if len(j.heads) >= maxAllHeads {
		return
	}
	if n := len(j.heads); n > 0 && h < j.heads[n-1] {
		j.unsorted = true
	}
	j.heads = append(j.heads, h)
	j.stats.allHeads++
	j.stats.peakHeads = max(j.stats.peakHeads, len(j.heads))
}

// hold keeps a tail back for reassembly, unless MaxHeld are held.
func (j *joiner) hold(it item) bool {
	if len(j.held) >= j.c.opt.MaxHeld {
		return false
	}
	j.held = append(j.held, it)
	j.stats.peakHeld = max(j.stats.peakHeld, len(j.held))
	return true
}

// settle joins the held tails the scan, now at pos, is joinReach past
// (all of them when final) and hands each, joined or as it was, to send;
// false when send refused.
func (j *joiner) settle(pos int64, final bool, send func(item) bool) bool {
	reach := j.c.opt.joinReach
	n := 0
	for ; n < len(j.held) && (final || j.held[n].end+reach <= pos); n++ {
		if j.unsorted {
			slices.Sort(j.heads)
			j.unsorted = false
		}
		t := j.held[n]
		if r, ok := j.c.join(j.ms, t, j.heads, j.used); ok {
			t = r
			j.stats.joined++
		}
		if !send(t) {
			return false
		}
	}
	if n == 0 {
		return true
	}
	j.held = append(j.held[:0], j.held[n:]...)
	// what no tail can reach any more: before the first held tail's end
	// (or the scan's position) by more than the reach
	floor := pos
	if len(j.held) > 0 {
		floor = min(floor, j.held[0].end)
	}
	floor -= reach
	if j.unsorted {
		slices.Sort(j.heads)
		j.unsorted = false
	}
	i, _ := slices.BinarySearch(j.heads, floor)
	if i > 0 && i >= len(j.heads)/2 {
		// drop them when they are half of what is kept, so that each
		// head is copied a few times at most
		j.heads = append(j.heads[:0], j.heads[i:]...)
		for h := range j.used {
			if h < floor {
				delete(j.used, h)
			}
		}
	}
	return true
}

// join looks for the pieces that complete t.
func (c *Carver) join(ms *scanner, t item, heads []int64, used map[int64]bool) (item, bool) {
	if t.tail == nil || (t.tail.boundary == "" && t.tail.cte != "base64") {
		return item{}, false
	}
	if t.tail.cte != "base64" && !t.tail.crlf {
		// text with LF line ends: nothing tells its continuation from
		// other text on the disk (logs, documents, source)
		return item{}, false
	}
	frags := []frag{{t.start, t.end - t.start}}
	cur := t.tail
	for len(frags) < maxFrags {
		last := frags[len(frags)-1]
		h, hend, final := c.findHead(ms, cur, last.off+last.n, heads, used)
		if h < 0 {
			return item{}, false
		}
		if final {
			all := append(append([]frag(nil), frags...), frag{h, hend - h})
			if it, ok := c.judge(t, all); ok {
				for _, f := range it.frags[1:] {
					used[f.off] = true
				}
				return it, true
			}
			return item{}, false
		}
		// a middle piece: the same base64 stream, cut again
		frags = append(frags, frag{h, hend - h})
		used[h] = true
		nt := *cur
		nt.frag = int((hend - h) - int64(lastLineStart(ms, h, hend)))
		cur = &nt
	}
	return item{}, false
}

// lastLineStart returns the offset, from h, of the last line start in
// [h, hend).
func lastLineStart(ms *scanner, h, hend int64) int {
	b := ms.v.behind(hend, int(min(hend-h, maxLine)))
	if i := bytes.LastIndexByte(b, '\n'); i >= 0 {
		return int(hend-h) - len(b) + i + 1
	}
	return 0
}

// findHead finds the head that continues the piece ending at after:
// its offset and end, and whether it holds the closing delimiter. -1
// when none fits.
func (c *Carver) findHead(ms *scanner, t *tail, after int64, heads []int64, used map[int64]bool) (int64, int64, bool) {
	i, _ := slices.BinarySearch(heads, after)
	reach := c.opt.joinReach
	// nearest first, forward then backward
	order := make([]int64, 0, maxHeadTries)
	for j := i; j < len(heads) && len(order) < maxHeadTries*3/4 && heads[j]-after < reach; j++ {
		order = append(order, heads[j])
	}
	for j := i - 1; j >= 0 && len(order) < maxHeadTries && after-heads[j] < reach; j-- {
		order = append(order, heads[j])
	}
	closing := []byte("--" + t.boundary + "--")
	for _, h := range order {
		if used[h] || !c.fits(ms, t, h) {
			continue
		}
		hend, _ := ms.runEnd(h, h)
		if hend <= h {
			continue
		}
		if t.cte == "base64" && t.lineLen == 0 && !t.inDelimiter() {
			// learn the line length from the head (fits checked it)
			nt := *t
			nt.lineLen = nextB64Len(ms.v.peek(h, 2048)[min(len(ms.v.peek(h, 2048)), bytes.IndexByte(ms.v.peek(h, 2048), '\n')+1):])
			t = &nt
		}
		if t.cte == "base64" && t.lineLen > 0 && !t.inDelimiter() {
			// the base64 stream must go on whole from h: to its end
			// (then the closing delimiter must be in this piece), or to
			// a cut at a sector boundary (a middle piece)
			ended, cut := b64From(ms, t, h, hend)
			switch {
			case ended && t.boundary != "" && indexIn(ms, h, hend, closing) >= 0:
				return h, hend, true
			case !ended && cut > h:
				return h, cut, false
			}
			continue
		}
		if t.boundary != "" {
			if ci := indexIn(ms, h, hend, closing); ci >= 0 && (!t.crlf || allCRLF(ms, h, ci)) {
				return h, hend, true
			}
		}
	}
	return -1, -1, false
}

// maxB64Piece bounds the bytes of a piece b64From looks at.
const maxB64Piece = 4 << 20

// b64From follows the base64 lines of t's part from the line after the
// first at h (fits checked the first): ended when they end properly (a
// short last line, an empty line or a delimiter follows), else cut, the
// sector boundary at which the stream is cut inside a line (what follows
// is other data), or -1 when it breaks otherwise.
func b64From(ms *scanner, t *tail, h, hend int64) (ended bool, cut int64) {
	b := ms.v.peek(h, int(min(hend-h, maxB64Piece)))
	i := bytes.IndexByte(b, '\n')
	if i < 0 {
		return false, -1
	}
	p := i + 1
	for p < len(b) {
		ls := h + int64(p)
		j := bytes.IndexByte(b[p:], '\n')
		if j < 0 {
			j = len(b) - p
		}
		raw := b[p : p+j]
		line := bytes.TrimSuffix(raw, []byte("\r"))
		switch {
		case len(line) == 0 || line[0] == '-':
			return true, -1
		case isBase64Line(line) && len(line) == t.lineLen:
		case isBase64Line(line) && len(line) < t.lineLen && p+j+1 < len(b) && isLastB64(b[p+j+1:]):
			return true, -1
		default:
			// cut at a sector boundary inside this line, base64 before it
			k := ms.alignUp(ls)
			if k == ls {
				return false, -1
			}
			if k > ls+int64(len(raw)) || k-ls >= int64(t.lineLen) || !isBase64Line(b[p:p+int(k-ls)]) {
				return false, -1
			}
			return false, k
		}
		p += j + 1
	}
	return false, -1
}

// allCRLF reports whether every line end in [from, to) is CRLF.
func allCRLF(ms *scanner, from, to int64) bool {
	b := ms.v.peek(from, int(min(to-from, maxB64Piece)))
	for i := bytes.IndexByte(b, '\n'); i >= 0; {
		if i == 0 || b[i-1] != '\r' {
			return false
		}
		j := bytes.IndexByte(b[i+1:], '\n')
		if j < 0 {
			break
		}
		i += j + 1
	}
	return true
}

// headPeek is how many bytes of a head fits may look at: its first two
// lines and a byte, or its first headText bytes, whichever is more;
// headCache bounds the heads whose first bytes are kept (about 2 MiB,
// 8 MiB at worst): the tails are tried in image order against their
// nearest heads, so neighbouring tails try mostly the same heads.
const (
	headPeek  = 1024
	headText  = 256
	headCache = 8192
)

// headBytes returns the first headPeek bytes at head h, from the cache
// when they were read for an earlier tail.
func (c *Carver) headBytes(ms *scanner, h int64) []byte {
	if b, ok := c.heads[h]; ok {
		return b
	}
	// through the window, which reads a little around h: candidates lie
	// close together, and those tried next are often in what it holds
	w := ms.v.at(h, headPeek)
	w = w[:min(len(w), headPeek)]
	// fits reads the first two lines and the byte after them, or the
	// first headText bytes
	if i := bytes.IndexByte(w, '\n'); i >= 0 {
		if j := bytes.IndexByte(w[i+1:], '\n'); j >= 0 {
			w = w[:min(len(w), max(i+1+j+2, headText))]
		}
	}
	b := append([]byte(nil), w...)
	if len(c.headOrder) >= headCache {
		delete(c.heads, c.headOrder[0])
		c.headOrder = c.headOrder[1:]
	}
	if c.heads == nil {
		c.heads = map[int64][]byte{}
	}
	c.heads[h] = b
	c.headOrder = append(c.headOrder, h)
	return b
}

// fits checks the first line at h against the cut line of t.
func (c *Carver) fits(ms *scanner, t *tail, h int64) bool {
	b := c.headBytes(ms, h)
	i := bytes.IndexByte(b, '\n')
	if i < 0 {
		return false
	}
	line := b[:i]
	crlf := len(line) > 0 && line[len(line)-1] == '\r'
	if crlf {
		line = line[:len(line)-1]
	}
	if crlf != t.crlf {
		return false
	}
	if t.inHeader && t.frag > 0 {
		// the first line completes the header field line that was cut
		if t.cut == nil {
			return false
		}
		if _, ok := rfc5322.FieldName(append(append([]byte(nil), t.cut...), line...)); !ok {
			return false
		}
		// and the part header goes on: a field, a folded line or the
		// empty line that ends it
		next := b[i+1:]
		if j := bytes.IndexByte(next, '\n'); j >= 0 {
			next = bytes.TrimSuffix(next[:j], []byte("\r"))
		} else {
			return false
		}
		if len(next) == 0 || next[0] == ' ' || next[0] == '\t' {
			return true
		}
		_, ok := rfc5322.FieldName(next)
		return ok
	}
	if t.inDelimiter() {
		// the first line completes the delimiter line that was cut
		whole := string(t.cut) + string(line)
		for _, bd := range t.bounds {
			if whole == "--"+bd || whole == "--"+bd+"--" {
				return true
			}
		}
		return false
	}
	if t.cte == "base64" {
		if !isBase64Line(line) {
			// the base64 part may have ended exactly at the cut
			return t.frag == 0 && len(line) > 2 && line[0] == '-' && line[1] == '-'
		}
		if t.lineLen > 0 {
			// a full line, or the part's short last line: base64 comes in
			// groups of 4, so a last line holds a multiple of 4 (which
			// turns away 3 in 4 of the pieces that only happen to fit)
			return t.frag+len(line) == t.lineLen || t.frag+len(line) < t.lineLen && (t.frag+len(line))%4 == 0 && isLastB64(b[i+1:])
		}
		// the line length is not known yet (the piece was cut in the
		// part's first line): the next line gives it
		n := nextB64Len(b[i+1:])
		return n >= 40 && t.frag+len(line) == n
	}
	// text: what the piece starts with, up to where its data ends
	seg := b[:min(len(b), headText)]
	if j := firstBad(seg); j >= 0 {
		seg = seg[:j]
	}
	return len(seg) > i && texty(seg)
}

// nextB64Len returns the length of the first line of b when it is a
// base64 line, else 0.
func nextB64Len(b []byte) int {
	i := bytes.IndexByte(b, '\n')
	if i < 0 {
		return 0
	}
	l := bytes.TrimSuffix(b[:i], []byte("\r"))
	if !isBase64Line(l) {
		return 0
	}
	return len(l)
}

// isLastB64 reports whether what follows a short base64 line ends its
// part: an empty line or a delimiter.
func isLastB64(next []byte) bool {
	return len(next) > 0 && (next[0] == '\n' || next[0] == '\r' || next[0] == '-')
}

// indexIn finds pat in [from, to) of the image, reading in windows.
func indexIn(ms *scanner, from, to int64, pat []byte) int64 {
	const step = 1 << 20
	for p := from; p < to; {
		b := ms.v.at(p, int(min(step, to-p)))
		b = b[:min(int64(len(b)), to-p)]
		if i := bytes.Index(b, pat); i >= 0 {
			return p + int64(i)
		}
		if p+int64(len(b)) >= to || len(b) <= len(pat) {
			break
		}
		p += int64(len(b) - len(pat) + 1)
	}
	return -1
}

// judge runs the end finder over the joined pieces and keeps the result
// only if the message now ends properly.
func (c *Carver) judge(t item, frags []frag) (item, bool) {
	fr := &fragsAt{r: c.r, frags: frags}
	var total int64
	for _, f := range frags {
		total += f.n
	}
	fr.size = total
	sub := newScanner(fr, 0, total, &Options{SectorSize: 1 << 40, MaxMessage: c.opt.MaxMessage}, int(min(total+2*backKeep+1, hdrLimit+maxLine+4*backKeep)))
	sub.noHeads = true
	h := DetectHeader(sub.v.at(0, hdrLimit))
	m := sub.message(0, &h, t.ctx)
	if len(m.partial) > 0 || m.how == endBreak {
		return item{}, false
	}
	// keep the pieces up to the end found
	var kept []frag
	left := m.end
	for _, f := range frags {
		if left <= 0 {
			break
		}
		n := min(f.n, left)
		kept = append(kept, frag{f.off, n})
		left -= n
	}
	if len(kept) < 2 {
		return item{}, false
	}
	m.start, m.end = t.start, t.start+m.end
	m.ctx, m.score = t.ctx, t.score
	m.frags = kept
	m.tail = nil
	return m, true
}

// fragsAt reads pieces of r as one run of bytes.
type fragsAt struct {
	r     io.ReaderAt
	frags []frag
	size  int64
}

func (f *fragsAt) ReadAt(p []byte, off int64) (int, error) {
	n := 0
	for _, fr := range f.frags {
		if len(p) == 0 {
			break
		}
		if off >= fr.n {
			off -= fr.n
			continue
		}
		k := int(min(int64(len(p)), fr.n-off))
		m, err := f.r.ReadAt(p[:k], fr.off+off)
		n += m
		if m < k {
			if err == nil {
				err = io.ErrUnexpectedEOF
			}
			return n, err
		}
		p = p[k:]
		off = 0
	}
	if len(p) > 0 {
		return n, io.EOF
	}
	return n, nil
}
