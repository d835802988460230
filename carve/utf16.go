package carve

import (
	"bytes"
	"io"
	"unicode/utf16"
	"unicode/utf8"

	"golang.org/x/text/encoding/unicode"
)

// maxUTF16 bounds a message carved from UTF-16LE text (memory dumps, the
// transport headers of Unicode PSTs outside any PST): it is decoded in
// memory to be judged.
const maxUTF16 = 4 << 20

// newUTF16Reader decodes UTF-16LE to UTF-8.
func newUTF16Reader(r io.Reader) io.Reader {
	return unicode.UTF16(unicode.LittleEndian, unicode.IgnoreBOM).NewDecoder().Reader(r)
}

// atUTF16 looks at the UTF-16LE colon at c as the end of a field name
// that may start a message.
func (s *scanner) atUTF16(c, floor int64) (item, bool) {
	back := s.v.behind(c, int(min(128, c-floor)))
	j := len(back)
	for j >= 2 && back[j-1] == 0 && nameByte(back[j-2]) {
		j -= 2
	}
	if j == len(back) {
		return item{}, false
	}
	n := c - int64(len(back)-j)
	var name []byte
	for i := j; i < len(back); i += 2 {
		name = append(name, back[i])
	}
	if !isStartName(name) {
		return item{}, false
	}
	ctx := ctxSector
	switch {
	case n == s.lo:
		ctx = ctxRange
	case n%s.sector == 0:
	default:
		u0, u1 := s.v.byteAt(n-2), s.v.byteAt(n-1)
		switch {
		case u1 == 0 && u0 == '\n':
			ctx = ctxBlank // judged as after an empty line or not below
			if !(s.v.byteAt(n-4) == '\n' || s.v.byteAt(n-4) == '\r' && s.v.byteAt(n-6) == '\n') || s.v.byteAt(n-3) != 0 {
				ctx = ctxText
			}
		case u1 == 0 && u0 == 0, u1 != 0:
			ctx = ctxJunk
		default:
			return item{}, false
		}
	}
	// decode the run of text from n
	raw := s.v.at(n, 2*hdrLimit)
	units := 0
	var dec []byte
	for i := 0; i+1 < len(raw) && len(dec) < hdrLimit; {
		u := uint16(raw[i]) | uint16(raw[i+1])<<8
		if u < 0x80 {
			if badByte[u] {
				break
			}
			dec = append(dec, byte(u))
			i += 2
			units++
			continue
		}
		r := rune(u)
		step := 2
		if utf16.IsSurrogate(r) {
			if i+3 >= len(raw) {
				break
			}
			u2 := uint16(raw[i+2]) | uint16(raw[i+3])<<8
			r = utf16.DecodeRune(r, rune(u2))
			if r == utf8.RuneError {
				break
			}
			step = 4
		}
		dec = utf8.AppendRune(dec, r)
		i += step
		units += step / 2
	}
	h := DetectHeader(dec)
	if !h.Accepts(ctx) {
		return item{}, false
	}
	it := item{kind: kindUTF16, start: n, ctx: ctx, score: h.Score}
	end := s.utf16End(n, int64(units))
	// judge the whole decoded message with the same rules as 8-bit ones
	full, err := io.ReadAll(io.LimitReader(newUTF16Reader(io.NewSectionReader(s.v.r, n, end-n)), maxUTF16))
	if err != nil {
		return item{}, false
	}
	sub := newScanner(bytes.NewReader(full), 0, int64(len(full)), &Options{SectorSize: 1 << 40, MaxMessage: maxUTF16}, min(len(full)+2*backKeep+1, hdrLimit+maxLine+4*backKeep))
	sub.noHeads = true
	h2 := DetectHeader(full)
	m := sub.message(0, &h2, ctx)
	it.how, it.partial, it.warnings = m.how, m.partial, m.warnings
	// back to UTF-16 offsets: count the units that make m.end bytes
	it.end = n + 2*unitsFor(full[:m.end])
	if it.end <= n {
		return item{}, false
	}
	return it, true
}

// utf16End returns where the run of UTF-16LE text that starts at n ends:
// at a NUL or control unit, an unpaired surrogate, or maxUTF16 bytes.
func (s *scanner) utf16End(n, known int64) int64 {
	p := n
	for p < s.hi && p-n < maxUTF16 {
		raw := s.v.at(p, 1<<16)
		i := 0
		for ; i+1 < len(raw); i += 2 {
			u := uint16(raw[i]) | uint16(raw[i+1])<<8
			if u < 0x80 && badByte[u] {
				return p + int64(i)
			}
			if utf16.IsSurrogate(rune(u)) {
				if i+3 >= len(raw) {
					break
				}
				u2 := uint16(raw[i+2]) | uint16(raw[i+3])<<8
				if utf16.DecodeRune(rune(u), rune(u2)) == utf8.RuneError {
					return p + int64(i)
				}
				i += 2
			}
		}
		if i == 0 {
			break
		}
		p += int64(i)
	}
	_ = known
	return min(p, n+maxUTF16, s.hi)
}

// unitsFor counts the UTF-16 code units that encode the UTF-8 bytes b.
func unitsFor(b []byte) int64 {
	var n int64
	for len(b) > 0 {
		r, size := utf8.DecodeRune(b)
		if r >= 0x10000 {
			n += 2
		} else {
			n++
		}
		b = b[size:]
	}
	return n
}
