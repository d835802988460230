package msg

import (
	"unicode"
	"unicode/utf8"
)

// plausibleText reports whether s reads as text a person wrote, for
// checking string values whose bytes were located by a guess (see
// node.guessed): bytes from the wrong sectors, decoded as UTF-16, give
// control characters, private-use and replacement characters, rare CJK
// extension ideographs and a mix of unrelated scripts.
func plausibleText(s string) bool {
	total, bad, rare := 0, 0, 0
	groups := make(map[string]int)
	for _, r := range s {
		total++
		switch {
		case r == utf8.RuneError, r == 0:
			bad++
		case r < 0x20 && r != '\t' && r != '\r' && r != '\n':
			bad++
		case r >= 0x7F && r <= 0x9F:
			bad++
		case r >= 0xE000 && r <= 0xF8FF, r >= 0xFFF0:
			bad++
		case r >= 0x3400 && r <= 0x4DBF: // CJK extension A
			rare++
		case !unicode.IsPrint(r) && !unicode.IsSpace(r):
			bad++
		case r < 0x80 || unicode.In(r, unicode.Common, unicode.Inherited, unicode.Latin):
		case unicode.In(r, unicode.Han, unicode.Hiragana, unicode.Katakana):
			groups["cjk"]++
		case unicode.Is(unicode.Hangul, r):
			groups["hangul"]++
		case unicode.Is(unicode.Cyrillic, r):
			groups["cyrillic"]++
		case unicode.Is(unicode.Greek, r):
			groups["greek"]++
		case unicode.In(r, unicode.Arabic, unicode.Hebrew, unicode.Thai, unicode.Devanagari):
			groups["rtl-or-indic"]++
		default:
			rare++
		}
	}
	if total == 0 {
		return true
	}
	// two scripts that rarely share a subject (Han and Hangul, Cyrillic
	// and Han...) count against it too
	mixed := 0
	if len(groups) > 1 {
		most := 0
		sum := 0
		for _, n := range groups {
			sum += n
			most = max(most, n)
		}
		mixed = sum - most
	}
	return bad*20 <= total && (rare+mixed)*5 <= total
}

// plausibleText8 is plausibleText for 8-bit strings before decoding: no
// control bytes other than tab, CR and LF.
func plausibleText8(b []byte) bool {
	bad := 0
	for _, c := range b {
		if c < 0x20 && c != '\t' && c != '\r' && c != '\n' {
			bad++
		}
	}
	return bad*20 <= len(b)
}
