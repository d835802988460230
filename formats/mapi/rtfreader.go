package mapi

import (
	"bytes"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// This file is the RTF reader shared by HTMLFromRTF, TextFromRTF and
// PlainFromRTF: it follows groups, destinations, fonts and code pages
// (MSFT-RTF 1.9.1) and emits the text of the document as UTF-8. The mode
// decides which text counts: the encapsulated HTML (MS-OXRTFEX) or the
// visible text.

// rtfMaxDepth bounds group nesting. Deeper groups are read as part of
// the group at the limit: their text still counts, their state changes
// last until that group ends.
const rtfMaxDepth = 1000

type rtfMode uint8

const (
	rtfModeText rtfMode = iota // visible text: \fromtext de-encapsulation and plain rendering
	rtfModeHTML                // MS-OXRTFEX HTML de-encapsulation
)

type rtfDest uint8

const (
	rtfDestBody    rtfDest = iota // document text
	rtfDestSkip                   // a destination whose text is not output
	rtfDestFontTbl                // \fonttbl: read for code pages, not output
	rtfDestHTMLTag                // {\*\htmltag}: HTML in the encapsulation
	rtfDestFldInst                // {\*\fldinst}: read for HYPERLINK targets
)

// rtfFontDoc marks the font state of an HTMLTAG group: its text is in
// the document's code page until it selects a font itself.
const rtfFontDoc = -2

// rtfGroup is the state that a group inherits and restores on exit.
type rtfGroup struct {
	dest    rtfDest
	htmlrtf bool // MS-OXRTFEX \htmlrtf: text is RTF-only, not HTML
	uc      int  // \ucN: bytes of fallback after \uN
	font    int  // \fN, -1 for the default font
}

type rtfFont struct {
	charset, cp int // cp from \cpgN, 0 when absent
	hasCharset  bool
}

// rtfField is an open \field group (MSFT-RTF 1.9.1, "Fields"): its
// instruction, and where its result starts in the output.
type rtfField struct {
	depth  int // len(stack) inside the field's group
	inst   []byte
	result int // offset in out of the result, -1 before \fldrslt
}

// Bounds of the field bookkeeping; fields beyond them are read as plain
// groups.
const (
	rtfMaxFields    = 64
	rtfMaxFieldInst = 4096
)

type rtfReader struct {
	mode  rtfMode
	lex   rtfLexer
	stack []rtfGroup
	over  int // groups opened beyond rtfMaxDepth and not yet closed
	st    rtfGroup

	docCP   int // \ansicpgN and friends; 0 until set
	deff    int // \deffN, -1 when absent
	fonts   map[int]rtfFont
	fontDef int // the font being defined in \fonttbl

	sawHTMLTag bool // an HTMLTAG group was read

	starred   bool // the last token was \*
	skipChars int  // fallback characters still to skip after \uN
	hiSurr    rune // a high surrogate from \uN waiting for its pair

	fields []rtfField // open \field groups, innermost last

	pending   []byte // text bytes not yet decoded
	pendingCP int
	dec       rtfDecoders
	out       []byte
}

func newRTFReader(rtf []byte, mode rtfMode) *rtfReader {
	return &rtfReader{
		mode:  mode,
		lex:   rtfLexer{b: rtf},
		st:    rtfGroup{uc: 1, font: -1},
		deff:  -1,
		fonts: make(map[int]rtfFont),
		out:   make([]byte, 0, len(rtf)/2),
	}
}

// run reads the whole document and returns the output. A brace that
// closes the outermost group early (a writer's bug seen in Aspose's
// encapsulated HTML) does not end the reading: what follows is read in
// the state outside all groups.
func (r *rtfReader) run() []byte {
	for {
		t := r.lex.next()
		switch t.kind {
		case rtfEOF:
			r.flush()
			return r.out
		case rtfGroupOpen:
			r.skipChars = 0
			r.starred = false
			if len(r.stack) >= rtfMaxDepth {
				r.over++
				continue
			}
			r.stack = append(r.stack, r.st)
		case rtfGroupClose:
			r.skipChars = 0
			r.starred = false
			if r.over > 0 {
				r.over--
				continue
			}
			if len(r.stack) == 0 {
				continue
			}
			r.st = r.stack[len(r.stack)-1]
			r.stack = r.stack[:len(r.stack)-1]
			if n := len(r.fields); n > 0 && r.fields[n-1].depth > len(r.stack) {
				r.endField()
			}
		case rtfWord:
			starred := r.starred
			r.starred = false
			if r.skipChars > 0 {
				r.skipChars--
				continue
			}
			r.word(t, starred)
		case rtfSymbol:
			if t.sym == '*' {
				r.starred = true
				continue
			}
			r.starred = false
			if r.skipChars > 0 {
				r.skipChars--
				continue
			}
			r.symbol(t.sym)
		case rtfHex:
			r.starred = false
			if r.skipChars > 0 {
				r.skipChars--
				continue
			}
			r.textBytes([]byte{t.sym})
		case rtfText:
			r.starred = false
			b := t.text
			if r.skipChars > 0 {
				n := r.skipChars
				if n > len(b) {
					n = len(b)
				}
				r.skipChars -= n
				b = b[n:]
			}
			r.textBytes(b)
		}
	}
}

// emitting reports whether text in the current state is output.
func (r *rtfReader) emitting() bool {
	switch r.st.dest {
	case rtfDestSkip, rtfDestFontTbl, rtfDestFldInst:
		return false
	}
	if r.mode == rtfModeHTML {
		// HTMLTAG groups inherit \htmlrtf like any other state
		// (MS-OXRTFEX, HTMLRTF): suppressed text stays suppressed.
		return !r.st.htmlrtf
	}
	return true
}

// codePage returns the code page of text in the current state: that of
// the selected font (its \cpg, else its \fcharset), else the document's.
func (r *rtfReader) codePage() int {
	doc := r.docCP
	if doc == 0 {
		doc = 1252
	}
	f := r.st.font
	if f == rtfFontDoc {
		return doc
	}
	if f < 0 {
		f = r.deff
	}
	if font, ok := r.fonts[f]; ok && f >= 0 {
		if font.cp > 0 {
			return font.cp
		}
		if font.hasCharset {
			if cp := rtfCharsetCodePage(font.charset); cp != 0 {
				return cp
			}
		}
	}
	return doc
}

func (r *rtfReader) textBytes(b []byte) {
	if r.st.dest == rtfDestFldInst {
		if n := len(r.fields); n > 0 && len(r.fields[n-1].inst)+len(b) <= rtfMaxFieldInst {
			r.fields[n-1].inst = append(r.fields[n-1].inst, b...)
		}
		return
	}
	if len(b) == 0 || !r.emitting() {
		return
	}
	cp := r.codePage()
	if len(r.pending) > 0 && cp != r.pendingCP {
		r.flush()
	}
	if r.hiSurr != 0 {
		r.flush()
	}
	r.pendingCP = cp
	r.pending = append(r.pending, b...)
}

// flush decodes pending text bytes into the output. Consecutive bytes
// of a code page are decoded together, so that the two bytes of a
// double-byte character written as two \'hh escapes make one character.
func (r *rtfReader) flush() {
	if r.hiSurr != 0 {
		r.out = utf8.AppendRune(r.out, utf8.RuneError)
		r.hiSurr = 0
	}
	if len(r.pending) == 0 {
		return
	}
	ascii := true
	for _, c := range r.pending {
		if c >= 0x80 {
			ascii = false
			break
		}
	}
	if ascii && r.pendingCP != rtfSymbolCP {
		r.out = append(r.out, r.pending...)
	} else {
		r.out = r.dec.decode(r.out, r.pending, r.pendingCP)
	}
	r.pending = r.pending[:0]
}

func (r *rtfReader) emitString(s string) {
	if !r.emitting() {
		return
	}
	r.flush()
	r.out = append(r.out, s...)
}

// emitUnicode outputs the character of \uN (N a signed 16-bit value),
// joining UTF-16 surrogate pairs written as two \u. A writer that put a
// code point above U+FFFF in one \u is taken at its word.
func (r *rtfReader) emitUnicode(n int) {
	if !r.emitting() {
		return
	}
	if n < 0 {
		n += 0x10000
	}
	if n < 0 || n > utf8.MaxRune {
		n = utf8.RuneError
	}
	c := rune(n)
	hi := r.hiSurr
	r.hiSurr = 0
	r.flush()
	switch {
	case hi != 0 && c >= 0xDC00 && c <= 0xDFFF:
		r.out = utf8.AppendRune(r.out, utf16.DecodeRune(hi, c))
		return
	case hi != 0:
		r.out = utf8.AppendRune(r.out, utf8.RuneError)
	}
	switch {
	case c == 0:
	case c >= 0xD800 && c <= 0xDBFF:
		r.hiSurr = c
	case c >= 0xDC00 && c <= 0xDFFF:
		r.out = utf8.AppendRune(r.out, utf8.RuneError)
	default:
		r.out = utf8.AppendRune(r.out, c)
	}
}

// rtfSkipDests are the destinations whose text is not part of the
// document's text (MSFT-RTF 1.9.1: header tables, document information,
// picture and object data, shape properties, headers and footers).
var rtfSkipDests = map[string]bool{
	"colortbl": true, "stylesheet": true, "info": true, "pict": true,
	"objdata": true, "objclass": true, "objname": true,
	"listtable": true, "listoverridetable": true, "revtbl": true,
	"rsidtbl": true, "filetbl": true, "xmlnstbl": true, "themedata": true,
	"colorschememapping": true, "latentstyles": true, "datastore": true,
	"generator": true, "pgdsctbl": true, "sp": true, "sn": true, "sv": true,
	"nonshppict": true, "header": true, "headerl": true, "headerr": true,
	"headerf": true, "footer": true, "footerl": true, "footerr": true,
	"footerf": true, "ftnsep": true, "ftnsepc": true, "aftnsep": true,
	"aftnsepc": true, "template": true, "docvar": true, "userprops": true,
	"bkmkstart": true, "bkmkend": true, "datafield": true, "mmathPr": true,
	"wgrffmtfilter": true, "protusertbl": true, "passwordhash": true,
}

// rtfChars are control words that stand for a character.
var rtfChars = map[string]string{
	"tab": "\t", "cell": "\t", "par": "\r\n", "line": "\r\n", "sect": "\r\n",
	"page": "\r\n", "row": "\r\n",
	"lquote": "\u2018", "rquote": "\u2019", "ldblquote": "\u201C", "rdblquote": "\u201D",
	"bullet": "\u2022", "endash": "\u2013", "emdash": "\u2014",
	"enspace": "\u2002", "emspace": "\u2003", "qmspace": "\u2005",
	"zwj": "\u200D", "zwnj": "\u200C", "ltrmark": "\u200E", "rtlmark": "\u200F",
	"zwbo": "\u200B", "zwnbo": "\uFEFF",
}

func (r *rtfReader) word(t rtfToken, starred bool) {
	name := string(t.name) // no allocation for the lookups below
	if starred {
		// {\*\dest ...}: a destination this reader may not know.
		if name == "htmltag" && r.mode == rtfModeHTML && r.st.dest != rtfDestSkip {
			r.st.dest = rtfDestHTMLTag
			r.st.font = rtfFontDoc
			r.sawHTMLTag = true
			return
		}
		if name == "fldinst" {
			r.fldInst()
			return
		}
		r.st.dest = rtfDestSkip
		return
	}
	if name == "fldinst" {
		r.fldInst()
		return
	}
	if rtfSkipDests[name] {
		r.st.dest = rtfDestSkip
		return
	}
	if s, ok := rtfChars[name]; ok {
		r.emitString(s)
		return
	}
	switch name {
	case "fonttbl":
		if r.st.dest != rtfDestSkip {
			r.st.dest = rtfDestFontTbl
		}
	case "f":
		if !t.hasParam {
			return
		}
		if r.st.dest == rtfDestFontTbl {
			r.fontDef = t.param
			if _, ok := r.fonts[t.param]; !ok {
				r.fonts[t.param] = rtfFont{}
			}
		} else {
			r.st.font = t.param
		}
	case "fcharset":
		if r.st.dest == rtfDestFontTbl && t.hasParam {
			f := r.fonts[r.fontDef]
			f.charset, f.hasCharset = t.param, true
			r.fonts[r.fontDef] = f
		}
	case "cpg":
		if r.st.dest == rtfDestFontTbl && t.hasParam && t.param > 0 {
			f := r.fonts[r.fontDef]
			f.cp = t.param
			r.fonts[r.fontDef] = f
		}
	case "ansicpg":
		if t.hasParam && t.param > 0 {
			r.docCP = t.param
		}
	case "ansi":
		r.setDocCP(1252)
	case "mac":
		r.setDocCP(10000)
	case "pc":
		r.setDocCP(437)
	case "pca":
		r.setDocCP(850)
	case "deff":
		if t.hasParam {
			r.deff = t.param
		}
	case "plain":
		if r.st.font != rtfFontDoc {
			r.st.font = -1
		}
	case "uc":
		if t.hasParam {
			r.st.uc = min(max(t.param, 0), 8)
		}
	case "u":
		if t.hasParam {
			r.emitUnicode(t.param)
			r.skipChars = r.st.uc
		}
	case "field":
		if r.mode == rtfModeText && len(r.fields) < rtfMaxFields && len(r.stack) > 0 {
			r.fields = append(r.fields, rtfField{depth: len(r.stack), result: -1})
		}
	case "fldrslt":
		if n := len(r.fields); n > 0 && r.fields[n-1].result < 0 {
			r.flush()
			r.fields[n-1].result = len(r.out)
		}
	case "htmlrtf":
		r.st.htmlrtf = !t.hasParam || t.param != 0
	}
}

func (r *rtfReader) setDocCP(cp int) {
	if r.docCP == 0 {
		r.docCP = cp
	}
}

func (r *rtfReader) symbol(c byte) {
	switch c {
	case '\\', '{', '}':
		r.textBytes([]byte{c})
	case '~':
		r.emitString("\u00A0")
	case '_':
		r.emitString("\u2011")
	case '\n':
		r.emitString("\r\n") // \ before a line end is \par
	case '\t':
		r.emitString("\t")
	}
	// \- (optional hyphen), \: and \| (index and formula marks) have no text.
}

// fldInst starts a field instruction. In text mode the instruction of
// the innermost open field is kept, to show the targets of hyperlinks.
func (r *rtfReader) fldInst() {
	if r.mode == rtfModeText && len(r.fields) > 0 && r.st.dest != rtfDestSkip {
		r.st.dest = rtfDestFldInst
		return
	}
	r.st.dest = rtfDestSkip
}

// endField closes the innermost field. A HYPERLINK whose target is not
// its visible text is followed by " <target>", as Outlook writes links
// in plain text bodies.
func (r *rtfReader) endField() {
	f := r.fields[len(r.fields)-1]
	r.fields = r.fields[:len(r.fields)-1]
	url := rtfHyperlinkTarget(f.inst)
	if url == "" || f.result < 0 || !r.emitting() {
		return
	}
	r.flush()
	if f.result > len(r.out) {
		return
	}
	if string(bytes.TrimSpace(r.out[f.result:])) == url {
		return
	}
	r.out = append(r.out, " <"...)
	r.out = append(r.out, url...)
	r.out = append(r.out, '>')
}

// rtfHyperlinkTarget returns the target of a HYPERLINK field instruction
// (HYPERLINK "url", or HYPERLINK url), "" for other fields and for
// links to bookmarks (HYPERLINK \l "name").
func rtfHyperlinkTarget(inst []byte) string {
	s := strings.TrimSpace(string(inst))
	rest, ok := strings.CutPrefix(s, "HYPERLINK")
	if !ok {
		return ""
	}
	rest = strings.TrimSpace(rest)
	var url string
	if strings.HasPrefix(rest, `"`) {
		end := strings.IndexByte(rest[1:], '"')
		if end < 0 {
			return ""
		}
		url = rest[1 : 1+end]
	} else {
		url, _, _ = strings.Cut(rest, " ")
	}
	if strings.HasPrefix(url, `\`) || !utf8.ValidString(url) {
		return ""
	}
	return strings.TrimSpace(url)
}
