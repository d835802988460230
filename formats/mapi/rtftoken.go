package mapi

// This file splits RTF into tokens as the RTF specification (MSFT-RTF
// 1.9.1, "RTF Syntax") defines them: groups, control words with an
// optional signed parameter, control symbols, \'hh escapes and text.
// It never fails: bytes that do not form a valid token are dropped.

type rtfTokKind uint8

const (
	rtfEOF        rtfTokKind = iota
	rtfGroupOpen             // {
	rtfGroupClose            // }
	rtfWord                  // \name or \nameN; name, param, hasParam
	rtfSymbol                // \x for a non-letter x; sym (a \ before CR or LF gives '\n')
	rtfHex                   // \'hh; sym holds the byte
	rtfText                  // a run of text bytes; text
)

type rtfToken struct {
	kind     rtfTokKind
	name     []byte // rtfWord: the letters, a slice of the input
	param    int
	hasParam bool
	sym      byte
	text     []byte // rtfText: a slice of the input
}

// rtfMaxParam bounds numeric parameters; the specification gives them 16
// bits (\bin and a few others 32), more digits are read and ignored.
const rtfMaxParam = 1<<31 - 1

type rtfLexer struct {
	b []byte
	i int
}

func isRTFLetter(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }
func isRTFDigit(c byte) bool  { return c >= '0' && c <= '9' }

func rtfHexVal(c byte) (byte, bool) {
	switch {
	case c >= '0' && c <= '9':
		return c - '0', true
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10, true
	case c >= 'A' && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}

// next returns the next token. Each call consumes at least one byte
// unless it returns rtfEOF, so a loop over next ends.
func (l *rtfLexer) next() rtfToken {
	for l.i < len(l.b) {
		c := l.b[l.i]
		switch c {
		case '{':
			l.i++
			return rtfToken{kind: rtfGroupOpen}
		case '}':
			l.i++
			return rtfToken{kind: rtfGroupClose}
		case '\\':
			if t, ok := l.control(); ok {
				return t
			}
			continue
		case '\r', '\n', 0:
			// Line ends are not text in RTF; NULs are padding or damage.
			l.i++
			continue
		}
		start := l.i
		for l.i < len(l.b) {
			c := l.b[l.i]
			if c == '{' || c == '}' || c == '\\' || c == '\r' || c == '\n' || c == 0 {
				break
			}
			l.i++
		}
		return rtfToken{kind: rtfText, text: l.b[start:l.i]}
	}
	return rtfToken{kind: rtfEOF}
}

// control reads what follows a backslash at l.i. ok is false when the
// bytes made no token (an invalid \' escape); they are consumed.
func (l *rtfLexer) control() (rtfToken, bool) {
	b := l.b
	l.i++ // the backslash
	if l.i >= len(b) {
		return rtfToken{}, false
	}
	c := b[l.i]
	if !isRTFLetter(c) {
		l.i++
		switch c {
		case '\'':
			// \'hh; a cut or invalid escape is dropped, up to its last
			// hex digit.
			if l.i >= len(b) {
				return rtfToken{}, false
			}
			hi, ok := rtfHexVal(b[l.i])
			if !ok {
				return rtfToken{}, false
			}
			l.i++
			if l.i >= len(b) {
				return rtfToken{}, false
			}
			lo, ok := rtfHexVal(b[l.i])
			if !ok {
				return rtfToken{}, false
			}
			l.i++
			return rtfToken{kind: rtfHex, sym: hi<<4 | lo}, true
		case '\r', '\n':
			return rtfToken{kind: rtfSymbol, sym: '\n'}, true
		}
		return rtfToken{kind: rtfSymbol, sym: c}, true
	}
	start := l.i
	for l.i < len(b) && isRTFLetter(b[l.i]) {
		l.i++
	}
	t := rtfToken{kind: rtfWord, name: b[start:l.i]}
	neg := false
	if l.i+1 < len(b) && b[l.i] == '-' && isRTFDigit(b[l.i+1]) {
		neg = true
		l.i++
	}
	if l.i < len(b) && isRTFDigit(b[l.i]) {
		t.hasParam = true
		n := 0
		for l.i < len(b) && isRTFDigit(b[l.i]) {
			if n <= (rtfMaxParam-9)/10 {
				n = n*10 + int(b[l.i]-'0')
			}
			l.i++
		}
		if neg {
			n = -n
		}
		t.param = n
	}
	if l.i < len(b) && b[l.i] == ' ' {
		l.i++ // the delimiting space belongs to the control word
	}
	if string(t.name) == "bin" && t.hasParam && t.param > 0 {
		// \binN: N bytes of binary data follow, never text.
		n := t.param
		if n > len(b)-l.i {
			n = len(b) - l.i
		}
		l.i += n
	}
	return t, true
}
