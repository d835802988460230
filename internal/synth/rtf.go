package synth

import (
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"html"
	"strings"
	"unicode/utf16"
)

// The RTF body of an Outlook item: HTML encapsulated in RTF (MS-OXRTFEX)
// and compressed (MS-OXRTFCP), as PidTagRtfCompressed holds it.

// Compression types (MS-OXRTFCP section 2.1.3.1.1, COMPTYPE).
const (
	rtfCompTypeLZFu = 0x75465A4C // "LZFu": compressed
	rtfCompTypeMELA = 0x414C454D // "MELA": stored as is
)

// rtfDictPrefix is the string the LZFu dictionary starts with
// (MS-OXRTFCP section 2.1.2.1); its length, 207, is the first write
// position.
const rtfDictPrefix = `{\rtf1\ansi\mac\deff0\deftab720{\fonttbl;}{\f0\fnil \froman \fswiss \fmodern \fscript \fdecor MS Sans SerifSymbolArialTimes New RomanCourier{\colortbl\red0\green0\blue0` + "\r\n" + `\par \pard\plain\f0\fs20\b\i\u\tab\tx`

const (
	lzfuDictSize  = 4096
	lzfuMaxMatch  = 17 // a 4-bit length, plus 2
	lzfuMinMatch  = 2
	lzfuMaxChain  = 256 // candidates tried per position
	rtfHeaderSize = 16
)

// plainCRC32 is the CRC-32 that MS-OXRTFCP (section 3.1.3.2, over the
// compressed contents) and Outlook's named property hashes (MS-OXMSG
// section 2.2.3.2) use: the IEEE table, started at 0 and not inverted at
// the end, unlike the CRC-32 of zip and PNG.
func plainCRC32(b []byte) uint32 {
	return ^crc32.Update(0xFFFFFFFF, crc32.IEEETable, b)
}

func rtfHeader(contents []byte, rawSize int, compType, crc uint32) []byte {
	out := make([]byte, rtfHeaderSize, rtfHeaderSize+len(contents))
	binary.LittleEndian.PutUint32(out[0:], uint32(len(contents)+12)) // COMPSIZE counts RAWSIZE, COMPTYPE and CRC
	binary.LittleEndian.PutUint32(out[4:], uint32(rawSize))
	binary.LittleEndian.PutUint32(out[8:], compType)
	binary.LittleEndian.PutUint32(out[12:], crc)
	return append(out, contents...)
}

// StoredRTF returns rtf as an uncompressed PidTagRtfCompressed value
// (COMPTYPE "MELA", CRC 0; MS-OXRTFCP section 2.1.3.1.1).
func StoredRTF(rtf []byte) []byte {
	return rtfHeader(rtf, len(rtf), rtfCompTypeMELA, 0)
}

// CompressRTF compresses rtf into a PidTagRtfCompressed value (COMPTYPE
// "LZFu", MS-OXRTFCP section 3.1.3): runs of a control byte and eight
// tokens, each a literal byte or a big-endian reference (12-bit offset
// into the 4096-byte circular dictionary, 4-bit length less 2) to the
// longest earlier match of 2 to 17 bytes, found through hash chains of
// the byte pairs in the dictionary. A reference to the write position
// ends the data.
func CompressRTF(rtf []byte) []byte {
	var dict [lzfuDictSize]byte
	wp := copy(dict[:], rtfDictPrefix)
	wrapped := false // every dictionary position has been written
	// The CR LF of the initial string: some decompressors (jtnef's, and
	// Email::Outlook::Message's, which msgconvert uses) start with LF CR
	// there instead, so no reference reads those two bytes before they
	// are overwritten, and every decompressor gives the same output.
	var avoid [lzfuDictSize]bool
	crlf := strings.Index(rtfDictPrefix, "\r\n")
	avoid[crlf], avoid[crlf+1] = true, true

	head := make([]int32, 1<<16)
	for i := range head {
		head[i] = -1
	}
	var prev [lzfuDictSize]int32
	insert := func(p int) { // the pair at p, p+1 is in place
		k := int(dict[p])<<8 | int(dict[(p+1)%lzfuDictSize])
		prev[p] = head[k]
		head[k] = int32(p)
	}
	for p := 0; p+1 < wp; p++ {
		insert(p)
	}
	put := func(c byte) {
		dict[wp] = c
		avoid[wp] = false
		insert((wp + lzfuDictSize - 1) % lzfuDictSize)
		wp = (wp + 1) % lzfuDictSize
		if wp == 0 {
			wrapped = true
		}
	}

	// matchLen is how many bytes from rtf[i:] a reference to dictionary
	// offset o would reproduce. The decompressor writes each byte it
	// copies into the dictionary before reading the next, so a source
	// that reaches the write position reads bytes of this same match.
	matchLen := func(o, i, limit int) int {
		k := 0
		for ; k < limit; k++ {
			pos := (o + k) % lzfuDictSize
			d := (pos - wp + lzfuDictSize) % lzfuDictSize
			var c byte
			switch {
			case d < k:
				c = rtf[i+d]
			case !wrapped && pos >= wp, avoid[pos]:
				return k // never written, or read differently by some
			default:
				c = dict[pos]
			}
			if c != rtf[i+k] {
				break
			}
		}
		return k
	}

	out := make([]byte, 0, len(rtf)/2+16)
	ctrl, bit := -1, 8
	token := func(ref bool, b ...byte) {
		if bit == 8 {
			out = append(out, 0)
			ctrl, bit = len(out)-1, 0
		}
		if ref {
			out[ctrl] |= 1 << bit
		}
		bit++
		out = append(out, b...)
	}

	for i := 0; i < len(rtf); {
		limit := min(lzfuMaxMatch, len(rtf)-i)
		best, bestOff := 0, 0
		if limit >= lzfuMinMatch {
			try := func(o int) {
				if o == wp {
					return // that reference is the end marker
				}
				if n := matchLen(o, i, limit); n > best {
					best, bestOff = n, o
				}
			}
			// the byte just written, for runs (its pair is not complete yet)
			try((wp + lzfuDictSize - 1) % lzfuDictSize)
			k := int(rtf[i])<<8 | int(rtf[i+1])
			for o, steps := head[k], 0; o >= 0 && steps < lzfuMaxChain && best < limit; o, steps = prev[o], steps+1 {
				try(int(o))
			}
		}
		if best >= lzfuMinMatch {
			ref := uint16(bestOff<<4 | (best - lzfuMinMatch))
			token(true, byte(ref>>8), byte(ref))
			for k := 0; k < best; k++ {
				put(rtf[i+k])
			}
			i += best
			continue
		}
		token(false, rtf[i])
		put(rtf[i])
		i++
	}
	end := uint16(wp << 4)
	token(true, byte(end>>8), byte(end))
	return rtfHeader(out, len(rtf), rtfCompTypeLZFu, plainCRC32(out))
}

// rtfHTMLHeader opens an RTF document that encapsulates HTML
// (MS-OXRTFEX section 2.1.3.1): \fromhtml1 right after \rtf1 and the
// code page, a font table, and the empty {\*\htmltag64} that precedes
// the shared text (section 3.2.1).
const rtfHTMLHeader = `{\rtf1\ansi\ansicpg1252\fromhtml1 \deff0{\fonttbl` + "\r\n" +
	`{\f0\fswiss\fcharset0 Arial;}` + "\r\n" +
	`{\f1\fmodern Courier New;}` + "\r\n" +
	`{\f2\fnil\fcharset2 Symbol;}` + "\r\n" +
	`{\f3\fmodern\fcharset0 Courier New;}}` + "\r\n" +
	`{\colortbl\red0\green0\blue0;\red0\green0\blue255;}` + "\r\n" +
	`\uc1\pard\plain\deftab360 \f0\fs24 {\*\htmltag64}`

// HTMLTagParameter values (MS-OXRTFEX section 2.1.3.1.4): the
// destination in the two low bits, INPAR and CLOSE flags, the tag type
// from bit 4.
const (
	rtfInBody  = 0
	rtfInHead  = 1
	rtfInHTML  = 2
	rtfOutHTML = 3
	rtfInPar   = 0x04
	rtfClose   = 0x08
)

var rtfTagTypes = map[string]int{
	"html": 1, "head": 2, "body": 3, "p": 4, "br": 7, "pre": 8, "font": 9,
	"h1": 10, "h2": 10, "h3": 10, "h4": 10, "h5": 10, "h6": 10, "title": 11,
}

// HTMLToRTF encapsulates html in an RTF document (MS-OXRTFEX section
// 3.2.1), as Outlook stores an HTML body in PidTagRtfCompressed. Tags,
// comments, character references, the head and whitespace between tags
// go into {\*\htmltagN ...} groups; the text of the body is RTF text
// that both an RTF reader and a de-encapsulator see, with the RTF-only
// paragraph breaks and decoded character references marked \htmlrtf.
// De-encapsulating the result (mapi.HTMLFromRTF) gives back html, with
// its line ends as CR LF.
func HTMLToRTF(h string) []byte {
	var b strings.Builder
	b.WriteString(rtfHTMLHeader)
	loc, inPar := rtfOutHTML, false
	raw := "" // a raw text element (style, script, title) being read
	tagGroup := func(param int, content string) {
		fmt.Fprintf(&b, `{\*\htmltag%d `, param)
		rtfEscape(&b, content)
		b.WriteByte('}')
	}
	for i := 0; i < len(h); {
		if h[i] == '<' {
			end := htmlTagEnd(h, i)
			tag := h[i:end]
			name, closing := htmlTagName(tag)
			if raw != "" && !(closing && name == raw) {
				// "<" inside a style or script element: text
				tagGroup(loc, tag)
				i = end
				continue
			}
			raw = ""
			typ, ok := rtfTagTypes[name]
			if !ok {
				typ = 15
			}
			param := typ << 4
			switch {
			case !closing:
				param |= loc
			case name == "head":
				param |= rtfInHead
			case name == "body":
				param |= rtfInHTML
			case name == "html":
				param |= rtfOutHTML
			default:
				param |= loc
			}
			if closing {
				param |= rtfClose
			}
			if inPar && name != "p" {
				param |= rtfInPar
			}
			if strings.HasPrefix(tag, "<!") {
				param = loc // a comment or doctype: no tag type
			}
			tagGroup(param, tag)
			switch {
			case name == "html" && !closing:
				loc = rtfInHTML
			case name == "html":
				loc = rtfOutHTML
			case name == "head" && !closing:
				loc = rtfInHead
			case name == "body" && !closing:
				loc = rtfInBody
			case (name == "head" || name == "body") && closing:
				loc = rtfInHTML
			case name == "p":
				inPar = !closing
			case (name == "style" || name == "script" || name == "title") && !closing && !strings.HasSuffix(tag, "/>"):
				raw = name
			}
			if loc == rtfInBody && closing && (name == "p" || name == "div" || name == "li" || name == "tr" || rtfTagTypes[name] == 10) ||
				loc == rtfInBody && name == "br" {
				b.WriteString(`\htmlrtf \par` + "\r\n" + `\htmlrtf0 `)
			}
			i = end
			continue
		}
		j := strings.IndexByte(h[i:], '<')
		if j < 0 {
			j = len(h) - i
		}
		text := h[i : i+j]
		i += j
		if loc != rtfInBody || raw != "" || strings.TrimSpace(text) == "" {
			tagGroup(loc, text)
			continue
		}
		rtfBodyText(&b, text, loc)
	}
	b.WriteString("}\r\n")
	return []byte(b.String())
}

// rtfBodyText writes text of the HTML body: plain characters as RTF text,
// character references and line ends in HTMLTAG groups with what an RTF
// reader should show instead in \htmlrtf.
func rtfBodyText(b *strings.Builder, text string, loc int) {
	for len(text) > 0 {
		k := strings.IndexAny(text, "&\r\n")
		if k < 0 {
			rtfEscape(b, text)
			return
		}
		rtfEscape(b, text[:k])
		text = text[k:]
		var markup, shown string
		switch text[0] {
		case '&':
			end := strings.IndexByte(text, ';')
			if end < 0 || end > 32 || strings.ContainsAny(text[1:end], " <&") {
				rtfEscape(b, "&")
				text = text[1:]
				continue
			}
			markup = text[:end+1]
			shown = html.UnescapeString(markup)
		default:
			n := 1
			if strings.HasPrefix(text, "\r\n") {
				n = 2
			}
			markup, shown = text[:n], " "
		}
		text = text[len(markup):]
		fmt.Fprintf(b, `{\*\htmltag%d `, loc)
		rtfEscape(b, markup)
		b.WriteString(`}\htmlrtf `)
		rtfEscape(b, shown)
		b.WriteString(`\htmlrtf0 `)
	}
}

// rtfEscape writes s as RTF text: \ { } escaped, CR LF as \par, a lone
// CR or LF and other control characters as \'hh, TAB as \tab, and
// everything beyond ASCII as \uN with a '?' for readers without Unicode.
func rtfEscape(b *strings.Builder, s string) {
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '\\' || c == '{' || c == '}':
			b.WriteByte('\\')
			b.WriteByte(c)
		case c == '\r' && i+1 < len(s) && s[i+1] == '\n':
			b.WriteString(`\par` + "\r\n")
			i++
		case c == '\t':
			b.WriteString(`\tab `)
		case c < 0x20 || c == 0x7F:
			fmt.Fprintf(b, `\'%02x`, c)
		case c < 0x80:
			b.WriteByte(c)
		default:
			r, size := decodeRune(s[i:])
			for _, u := range utf16.Encode([]rune{r}) {
				fmt.Fprintf(b, `\u%d?`, int16(u))
			}
			i += size - 1
		}
	}
}

func decodeRune(s string) (rune, int) {
	for _, r := range s {
		return r, len(string(r))
	}
	return 0xFFFD, 1
}

// htmlTagEnd returns the end of the tag or comment starting at i: after
// its '>' (quoted attribute values may hold '>'), or the end of h.
func htmlTagEnd(h string, i int) int {
	if strings.HasPrefix(h[i:], "<!--") {
		if k := strings.Index(h[i+4:], "-->"); k >= 0 {
			return i + 4 + k + 3
		}
		return len(h)
	}
	var quote byte
	for j := i + 1; j < len(h); j++ {
		c := h[j]
		switch {
		case quote != 0:
			if c == quote {
				quote = 0
			}
		case c == '"' || c == '\'':
			quote = c
		case c == '>':
			return j + 1
		}
	}
	return len(h)
}

// htmlTagName returns the lower-case name of a tag and whether it closes.
func htmlTagName(tag string) (string, bool) {
	s := strings.TrimPrefix(tag, "<")
	closing := strings.HasPrefix(s, "/")
	s = strings.TrimPrefix(s, "/")
	n := 0
	for n < len(s) && (s[n] >= 'a' && s[n] <= 'z' || s[n] >= 'A' && s[n] <= 'Z' || s[n] >= '0' && s[n] <= '9' || s[n] == ':') {
		n++
	}
	return strings.ToLower(s[:n]), closing
}
