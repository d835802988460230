package mbox

import "encoding/binary"

// badByte marks bytes that do not occur in mail text: NUL and the C0
// controls other than TAB, LF, VT, FF, CR and ESC (ESC starts ISO-2022-JP
// shifts). A run of them is what crashes, disk slack and overwritten
// sectors leave in an mbox.
var badByte = func() (t [256]bool) {
	for c := 0; c < 0x20; c++ {
		switch c {
		case '\t', '\n', '\v', '\f', '\r', 0x1b:
		default:
			t[c] = true
		}
	}
	return
}()

const (
	lo8 = 0x0101010101010101
	hi8 = 0x8080808080808080
)

// countBad counts bad bytes and NUL bytes in b. It tests eight bytes at a
// time for any byte below 0x20 and only looks closer at words that have one,
// so clean text costs about a load and three operations per word.
func countBad(b []byte) (bad, nul int) {
	i := 0
	for ; i+8 <= len(b); i += 8 {
		x := binary.LittleEndian.Uint64(b[i:])
		if (x-lo8*0x20)&^x&hi8 == 0 {
			continue
		}
		for _, c := range b[i : i+8] {
			if badByte[c] {
				bad++
				if c == 0 {
					nul++
				}
			}
		}
	}
	for _, c := range b[i:] {
		if badByte[c] {
			bad++
			if c == 0 {
				nul++
			}
		}
	}
	return bad, nul
}

// damaged reports whether a line is damage rather than text: a few NULs, or
// enough control bytes that no mail client wrote it. A lone stray control
// character, which real messages do contain, is not damage.
func damaged(line []byte) bool {
	bad, nul := countBad(line)
	return nul >= 4 || bad >= 4 || (bad >= 2 && bad*8 >= len(line))
}

// lastBad returns the index just past the last bad byte of b, or 0.
func lastBad(b []byte) int {
	for i := len(b) - 1; i >= 0; i-- {
		if badByte[b[i]] {
			return i + 1
		}
	}
	return 0
}
