package carve

import (
	"bytes"
	"encoding/binary"
	"unicode/utf8"
)

// badByte marks bytes that do not occur in mail text: NUL and the C0
// controls other than TAB, LF, VT, FF, CR and ESC (ISO-2022-JP). Disk
// slack, binary files and overwritten clusters are full of them.
var badByte = func() (t [256]bool) {
	for c := 0; c < 0x20; c++ {
		switch c {
		case '\t', '\n', '\v', '\f', '\r', 0x1b:
		default:
			t[c] = true
		}
	}
	t[0x7f] = true
	return
}()

const (
	lo8 = 0x0101010101010101
	hi8 = 0x8080808080808080
)

// firstBad returns the index of the first bad byte in b, or -1. It tests
// eight bytes at a time for a byte below 0x20 or equal to 0x7f and looks
// closer only at words that have one.
func firstBad(b []byte) int {
	i := 0
	for ; i+8 <= len(b); i += 8 {
		x := binary.LittleEndian.Uint64(b[i:])
		y := x ^ (lo8 * 0x7f)
		if ((x-lo8*0x20)&^x|(y-lo8)&^y)&hi8 == 0 {
			continue
		}
		for j, c := range b[i : i+8] {
			if badByte[c] {
				return i + j
			}
		}
	}
	for j, c := range b[i:] {
		if badByte[c] {
			return i + j
		}
	}
	return -1
}

// lastBad returns the index of the last bad byte in b, or -1.
func lastBad(b []byte) int {
	for i := len(b) - 1; i >= 0; i-- {
		if badByte[b[i]] {
			return i
		}
	}
	return -1
}

// countBad counts bad bytes in b.
func countBad(b []byte) int {
	n := 0
	for _, c := range b {
		if badByte[c] {
			n++
		}
	}
	return n
}

// junky reports whether a piece of a line is noise rather than text: it
// holds a bad byte, or is mostly bytes above 0x7f without being UTF-8.
func junky(b []byte) bool {
	if len(b) == 0 {
		return false
	}
	if firstBad(b) >= 0 {
		return true
	}
	high := 0
	for _, c := range b {
		if c >= 0x80 {
			high++
		}
	}
	return high > 0 && high*4 > len(b) && !utf8.Valid(b)
}

// texty reports whether b looks like the start of text: no bad byte and
// mostly printable ASCII or UTF-8.
func texty(b []byte) bool {
	if len(b) == 0 || firstBad(b) >= 0 {
		return false
	}
	high, space := 0, 0
	for _, c := range b {
		if c >= 0x80 {
			high++
		}
		if c == ' ' || c == '\n' || c == '\r' || c == '\t' {
			space++
		}
	}
	if space == len(b) {
		return false
	}
	return high*8 <= len(b) || utf8.Valid(b)
}

var fromPrefix = []byte("From ")

func isFrom(line []byte) bool { return bytes.HasPrefix(line, fromPrefix) }

func digit(c byte) bool { return c >= '0' && c <= '9' }

// lastLine returns the last line of b (b ends just before a line start:
// with a newline, or b is what precedes a position), without its line
// ending, and whether b held a whole line (a newline before it, or b
// begins at a line start as far as we can tell: the caller decides).
func lastLine(b []byte) (line []byte, whole bool) {
	b = bytes.TrimSuffix(b, []byte("\n"))
	b = bytes.TrimSuffix(b, []byte("\r"))
	i := bytes.LastIndexByte(b, '\n')
	if i < 0 {
		return b, false
	}
	return b[i+1:], true
}

// isBase64Line reports whether line (without its line ending) is made
// only of base64 characters.
func isBase64Line(line []byte) bool {
	for _, c := range line {
		if !b64Byte[c] {
			return false
		}
	}
	return true
}

var b64Byte = func() (t [256]bool) {
	for c := 0; c < 256; c++ {
		t[c] = c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '+' || c == '/' || c == '='
	}
	return
}()
