package mapi

// This file implements MS-OXRTFEX: HTML and plain text that Outlook and
// Exchange keep inside an RTF body (PidTagRtfCompressed, after
// DecompressRTF) and how to get them back.

// rtfHeaderWords bounds how many control words of the RTF header are
// examined for \fromhtml and \fromtext. Outlook writes them fourth; they
// belong to the RTF header (MS-OXRTFEX 2.2.3.1), before the document's
// text.
const rtfHeaderWords = 100

type rtfEncapsulated uint8

const (
	rtfNotEncapsulated rtfEncapsulated = iota
	rtfFromHTML
	rtfFromText
)

// rtfEncapsulation recognizes encapsulated content (MS-OXRTFEX 2.2.3.1):
// the document starts with {\rtf and its header, before any text,
// carries \fromhtml1 (HTML) or \fromtext (plain text).
func rtfEncapsulation(rtf []byte) rtfEncapsulated {
	l := rtfLexer{b: rtf}
	// {\rtf1, after nothing but white space.
	for {
		t := l.next()
		if t.kind == rtfText && isRTFSpace(t.text) {
			continue
		}
		if t.kind != rtfGroupOpen {
			return rtfNotEncapsulated
		}
		break
	}
	if t := l.next(); t.kind != rtfWord || string(t.name) != "rtf" {
		return rtfNotEncapsulated
	}
	depth, words := 1, 0
	for {
		t := l.next()
		switch t.kind {
		case rtfEOF:
			return rtfNotEncapsulated
		case rtfGroupOpen:
			depth++
		case rtfGroupClose:
			depth--
			if depth == 0 {
				return rtfNotEncapsulated
			}
		case rtfText, rtfHex:
			if depth == 1 && (t.kind == rtfHex || !isRTFSpace(t.text)) {
				return rtfNotEncapsulated // document text: the header is over
			}
		case rtfWord:
			if depth != 1 {
				continue
			}
			switch string(t.name) {
			case "fromhtml":
				if !t.hasParam || t.param != 0 {
					return rtfFromHTML
				}
			case "fromtext":
				return rtfFromText
			case "pard", "par", "sectd", "u":
				return rtfNotEncapsulated // document content starts
			}
			if words++; words > rtfHeaderWords {
				return rtfNotEncapsulated
			}
		}
	}
}

func isRTFSpace(b []byte) bool {
	for _, c := range b {
		if c != ' ' && c != '\t' {
			return false
		}
	}
	return true
}

// HTMLFromRTF de-encapsulates the HTML that an RTF body carries
// (MS-OXRTFEX, de-encapsulating HTML from RTF). ok is false when the
// RTF is not encapsulated HTML (no \fromhtml1 in its header, 2.2.3.1)
// or holds no HTMLTAG group at all; use PlainFromRTF then.
//
// The HTML is rebuilt from the content of the {\*\htmltagN ...} groups
// (2.1.3.1.4; the HTMLTagParameter N is ignored) and from the document
// text outside them, except text between \htmlrtf and \htmlrtf0, which
// the HTML-to-RTF conversion added (groups inherit that state, so an
// HTMLTAG group inside such a span is left out too). In both, \par
// becomes CRLF and \tab a TAB; \{ \} \\, \'hh, \uN (with the \ucN
// fallback skipped) and the character control words (\lquote,
// \emdash, \~ ...) become their characters. \'hh bytes are decoded in
// the code page of the current font (its \fcharset or \cpg in the font
// table), else in the document's \ansicpg; consecutive bytes are decoded
// together, so double-byte code pages (932, 936, 949, 950) work; inside
// an HTMLTAG group the document's code page applies unless the group
// selects a font. {\*\mhtmltag} groups, copies of the HTMLTAG groups
// with links rewritten for MHTML, are skipped.
//
// The HTML is returned in UTF-8, whatever charset its <meta> element
// names. Damaged RTF (cut, unbalanced braces, nesting deeper than 1000
// groups) gives what could be read; the work is linear in len(rtf).
func HTMLFromRTF(rtf []byte) (html []byte, ok bool) {
	if rtfEncapsulation(rtf) != rtfFromHTML {
		return nil, false
	}
	r := newRTFReader(rtf, rtfModeHTML)
	out := r.run()
	if !r.sawHTMLTag {
		return nil, false
	}
	return out, true
}

// TextFromRTF de-encapsulates the plain text that an RTF body carries
// (MS-OXRTFEX, de-encapsulating plain text from RTF). ok is false when
// the header has no \fromtext (2.2.3.1).
//
// The text is the document's text outside the header tables and other
// destinations, with the control words that stand for characters
// translated as in HTMLFromRTF: \par and \line become CRLF, \tab a TAB.
func TextFromRTF(rtf []byte) (text string, ok bool) {
	if rtfEncapsulation(rtf) != rtfFromText {
		return "", false
	}
	return string(newRTFReader(rtf, rtfModeText).run()), true
}
