package mapi

import (
	"fmt"
	"strings"
	"testing"
	"unicode/utf8"
)

// An Outlook-style header for encapsulated HTML, of the shape Outlook
// writes.
const rtfHTMLHead = `{\rtf1\ansi\ansicpg1252\fromhtml1 \deff0{\fonttbl
{\f0\fswiss\fcharset0 Arial;}
{\f1\fmodern Courier New;}
{\f2\fnil\fcharset2 Symbol;}
{\f3\fswiss\fcharset204 Arial Cyr;}
{\f4\fnil\fcharset128 MS PGothic;}
{\f5\fnil\fcharset134 SimSun;}}
{\colortbl\red0\green0\blue0;\red0\green0\blue255;}
\uc1\pard\plain\deftab360 \f0\fs20 `

func TestHTMLFromRTF(t *testing.T) {
	tests := []struct {
		name string
		body string // appended to rtfHTMLHead, then "}"
		want string
	}{
		{"tags and text",
			`{\*\htmltag19 <html>}{\*\htmltag50 <body>}\htmlrtf \lang2057 \htmlrtf0 Hello{\*\htmltag58 </body>}{\*\htmltag27 </html>}`,
			"<html><body>Hello</body></html>"},
		{"htmlrtf suppresses RTF-only text and words",
			`{\*\htmltag64 <p>}\htmlrtf {\htmlrtf0 one\htmlrtf\par}\htmlrtf0 {\*\htmltag72 </p>}`,
			"<p>one</p>"},
		{"htmlrtf state restored when a group ends",
			`\htmlrtf {\htmlrtf0 in} out\htmlrtf0 back`,
			"inback"}, // the space after \htmlrtf0 delimits it
		{"htmlrtf1 and htmlrtf0",
			`a\htmlrtf1 b\htmlrtf0 c`,
			"ac"},
		{"par and tab in a tag",
			`{\*\htmltag241 <style>\par p \{\tab margin:0;\}\par </style>}`,
			"<style>\r\np {\tmargin:0;}\r\n</style>"},
		{"tag parameter omitted",
			`{\*\htmltag <br>}`,
			"<br>"},
		{"nbsp as Outlook writes it",
			`{\*\htmltag84 &nbsp;}\htmlrtf \'a0\htmlrtf0 x`,
			"&nbsp;x"},
		{"escaped braces and backslash",
			`a\{b\}c\\d`,
			`a{b}c\d`},
		{"hex in the document code page",
			`caf\'e9 \'93q\'94`,
			"café “q”"},
		{"hex in a font's charset",
			`{\f3 \'cf\'f0\'e8\'e2\'e5\'f2} {\*\htmltag84 \'e9}`,
			"Привет é"},
		{"double-byte code page joins two escapes",
			`{\f4 \'93\'fa\'96\'7b\'8c\'ea}`,
			"日本語"},
		{"double-byte with a literal trail byte",
			`{\f4 \'83A}`,
			"ア"},
		{"GBK",
			`{\f5 \'d6\'d0\'ce\'c4}`,
			"中文"},
		{"unicode with one fallback byte",
			`\u8220\'93quoted\u8221?`,
			"“quoted”"},
		{"unicode with uc2 and uc0",
			`{\uc2\u26085\'93\'fa}{\uc0\u26412 }x`,
			"日本x"},
		{"negative unicode",
			`\u-3913 ?`,
			"\uF0B7"},
		{"surrogate pair",
			`\u-10179?\u-8704?`,
			"😀"},
		{"lone surrogate",
			`\u-10179?x`,
			"\uFFFDx"},
		{"fallback skip ends at a group",
			`\uc3\u8364{A}BC`,
			"€ABC"},
		{"character words",
			`\lquote a\rquote \ldblquote b\rdblquote \bullet \endash \emdash \~`,
			"‘a’“b”•–—\u00a0"},
		{"mhtmltag skipped, htmltag kept",
			`{\*\mhtmltag84 <img src="{\htmlbase x.png}">}{\*\htmltag84 <img src="cid:x">}`,
			`<img src="cid:x">`},
		{"unknown destinations skipped",
			`{\*\bkmkstart BM}{\pict\pngblip 89504e47}{\*\generator Foo;}x`,
			"x"},
		{"htmltag in the document code page, not the font's",
			`{\f3 {\*\htmltag84 <p title="\'e9">}\'e9}`,
			`<p title="é">й`},
		{"htmltag inside htmlrtf stays suppressed",
			`\htmlrtf {\*\htmltag84 <b>}\htmlrtf0 x`,
			"x"},
		{"symbol font bullet",
			`{\f2 \'b7}`,
			"•"},
		{"binary data skipped",
			`a\bin3 }{\b`,
			"ab"},
		{"line ends are not text",
			"a\r\nb\n\\par\r\nc",
			"ab\r\nc"},
		{"escaped line end is a paragraph",
			"a\\\nb",
			"a\r\nb"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			html, ok := HTMLFromRTF([]byte(rtfHTMLHead + `{\*\htmltag64}` + tc.body + "}"))
			if !ok {
				t.Fatal("not recognized as encapsulated HTML")
			}
			if string(html) != tc.want {
				t.Errorf("got  %q\nwant %q", html, tc.want)
			}
		})
	}
}

func TestHTMLFromRTFNotEncapsulated(t *testing.T) {
	tests := []struct{ name, rtf string }{
		{"empty", ""},
		{"plain RTF", `{\rtf1\ansi\deff0{\fonttbl{\f0 Arial;}}\pard Hello\par}`},
		{"fromtext", `{\rtf1\ansi\ansicpg1252\fromtext \deff0 Hello}`},
		{"fromhtml0", `{\rtf1\ansi\fromhtml0 {\*\htmltag64 <p>}}`},
		{"fromhtml after the text", `{\rtf1\ansi Hello \fromhtml1 {\*\htmltag64 <p>}}`},
		{"fromhtml in a group", `{\rtf1\ansi{\fromhtml1}{\*\htmltag64 <p>}}`},
		{"not RTF", `<html>\fromhtml1</html>`},
		{"no htmltag at all", `{\rtf1\ansi\fromhtml1 Hello}`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if html, ok := HTMLFromRTF([]byte(tc.rtf)); ok {
				t.Errorf("ok, html %q", html)
			}
		})
	}
}

func TestTextFromRTF(t *testing.T) {
	tests := []struct {
		name, rtf, want string
		ok              bool
	}{
		{"outlook",
			`{\rtf1\ansi\ansicpg1252\fromtext \fbidis \deff0{\fonttbl
{\f0\fswiss Arial;}
{\f2\fnil\fcharset2 Symbol;}}
{\colortbl\red0\green0\blue0;\red0\green0\blue255;}
\uc1\pard\plain\deftab360 \f0\fs20 Hi,\par
\par
Caf\'e9 \{x\}\tab y\par
}`, "Hi,\r\n\r\nCafé {x}\ty\r\n", true},
		{"cyrillic", `{\rtf1\ansi\ansicpg1251\fromtext \deff0{\fonttbl{\f0\fswiss\fcharset204 Arial;}}\f0 \'c2\'e0\'f8\'e5\par}`, "Ваше\r\n", true},
		{"fromtext after ansicpg and deff", `{\rtf1\ansi\fbidis\ansicpg1252\deff0\deftab720\fromtext{\fonttbl{\f0 Times;}}\pard x}`, "x", true},
		{"html is not text", `{\rtf1\ansi\fromhtml1 {\*\htmltag64 <p>}x}`, "", false},
		{"plain RTF is not text", `{\rtf1\ansi x}`, "", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			text, ok := TextFromRTF([]byte(tc.rtf))
			if ok != tc.ok || text != tc.want {
				t.Errorf("got %q, %v; want %q, %v", text, ok, tc.want, tc.ok)
			}
		})
	}
}

func TestPlainFromRTF(t *testing.T) {
	tests := []struct{ name, rtf, want string }{
		{"header tables skipped",
			`{\rtf1\ansi\ansicpg1252\deff0{\fonttbl{\f0\fswiss\fcharset0 Arial;}{\f1 Symbol;}}{\colortbl ;\red255\green0\blue0;}{\stylesheet{\s0 Normal;}}{\info{\title T}{\author A}}{\*\generator Riched20;}\viewkind4\uc1\pard\f0\fs20 Hello\par World\par}`,
			"Hello\r\nWorld\r\n"},
		{"pictures and objects",
			`{\rtf1 a{\pict\wmetafile8 0102ff}b{\object{\*\objdata 0102}{\result c}}d}`,
			"abcd"},
		{"line, tab, cell, row",
			`{\rtf1 a\line b\tab c\cell d\row}`,
			"a\r\nb\tc\td\r\n"},
		{"hyperlink target after the text",
			`{\rtf1 see {\field{\*\fldinst {HYPERLINK "http://x.example/a"}}{\fldrslt {\ul here}}} now}`,
			"see here <http://x.example/a> now"},
		{"hyperlink whose text is the target",
			`{\rtf1 {\field{\*\fldinst HYPERLINK "http://x.example/"}{\fldrslt http://x.example/}}}`,
			"http://x.example/"},
		{"other fields keep their result only",
			`{\rtf1 p.{\field{\*\fldinst PAGE}{\fldrslt 3}}}`,
			"p.3"},
		{"bookmark link",
			`{\rtf1 {\field{\*\fldinst HYPERLINK \\l "top"}{\fldrslt up}}}`,
			"up"},
		{"encapsulated html gives the RTF rendering",
			`{\rtf1\ansi\fromhtml1 {\*\htmltag64 <p>}\htmlrtf {\htmlrtf0 Hi{\*\htmltag84 &nbsp;}\htmlrtf \'a0\htmlrtf0 \htmlrtf\par}\htmlrtf0}`,
			"Hi\u00a0\r\n"},
		{"list bullet", `{\rtf1{\pntext\f1\'b7\tab}Item}`, "·\tItem"},
		{"hidden header and footer", `{\rtf1{\header H}{\footer F}Body}`, "Body"},
		{"not RTF at all", "caf\xe9", "café"},
		{"early closing brace keeps going", `{\rtf1 a}b}c`, "abc"},
		{"unicode", `{\rtf1\uc1 \u1055?\u1088?\u1080?}`, "При"},
		{"cut in a hex escape", `{\rtf1 ab\'e`, "ab"},
		{"cut in a control word", `{\rtf1 ab\pa`, "ab"},
		{"invalid hex escape", `{\rtf1 a\'zzb}`, "azzb"},
		{"japanese document", `{\rtf1\ansi\ansicpg932\uc2\deff0{\fonttbl{\f0\fnil\fcharset128 MS Mincho;}}\f0 \'93\'fa\u26412\'96\'7b}`, "日本"},
		{"utf-8 code page", "{\\rtf1\\ansi\\ansicpg65001 \\'e6\\'97\\'a5}", "日"},
		{"cpg in the font table", `{\rtf1{\fonttbl{\f0\cpg1253 Greek;}}\f0 \'e1}`, "α"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := PlainFromRTF([]byte(tc.rtf)); got != tc.want {
				t.Errorf("got  %q\nwant %q", got, tc.want)
			}
		})
	}
}

// Nesting far beyond rtfMaxDepth neither crashes nor loses the text, and
// the state of the groups beyond the limit does not leak out of them
// once the limit's group closes.
func TestRTFDeepNesting(t *testing.T) {
	const n = 100000
	rtf := `{\rtf1\ansi\fromhtml1 {\*\htmltag64}` + strings.Repeat("{", n) + "deep" + strings.Repeat("}", n) + `{\*\htmltag84 <br>}end}`
	html, ok := HTMLFromRTF([]byte(rtf))
	if !ok || string(html) != "deep<br>end" {
		t.Errorf("html %q, %v", html, ok)
	}
	plain := PlainFromRTF([]byte(strings.Repeat(`{\htmlrtf\f1 x`, n)))
	if plain != strings.Repeat("x", n) {
		t.Errorf("plain: %d bytes", len(plain))
	}
	// A destination opened beyond the limit lasts until the group at the
	// limit closes, then the text counts again.
	deep := strings.Repeat("{", rtfMaxDepth+5) + `{\*\foo hidden}shown` + strings.Repeat("}", rtfMaxDepth+5) + "after"
	if got := PlainFromRTF([]byte(deep)); !strings.HasSuffix(got, "after") {
		t.Errorf("after deep groups: %q", got)
	}
}

// Every output is valid UTF-8 whatever the input.
func TestRTFOutputIsUTF8(t *testing.T) {
	inputs := []string{
		"\xff\xfe{\\rtf1 \xc3\x28}",
		`{\rtf1\ansicpg932 \'81}`,
		`{\rtf1\ansicpg936 \'81\'30}`,
		`{\rtf1\ansicpg65001 \'ff\'c3}`,
		`{\rtf1\ansicpg1200 \'00\'d8}`,
		`{\rtf1\ansi\fromhtml1 {\*\htmltag64 \'ff\u55296 }}`,
	}
	for _, in := range inputs {
		if s := PlainFromRTF([]byte(in)); !utf8.ValidString(s) {
			t.Errorf("%q: plain %q", in, s)
		}
		if h, _ := HTMLFromRTF([]byte(in)); !utf8.Valid(h) {
			t.Errorf("%q: html %q", in, h)
		}
	}
}

// Each \fcharset of the font table decodes \'hh in its code page.
func TestRTFFontCharsets(t *testing.T) {
	tests := []struct {
		charset int
		hex     string
		want    string
	}{
		{0, `\'e9`, "é"},
		{1, `\'e9`, "й"}, // default: the document's \ansicpg1251
		{77, `\'8e`, "é"},
		{128, `\'82\'a0`, "あ"},
		{129, `\'b0\'a1`, "가"},
		{134, `\'d6\'d0`, "中"},
		{136, `\'a4\'a4`, "中"},
		{161, `\'e1`, "α"},
		{162, `\'fd`, "ı"},
		{163, `\'e0`, "à"},
		{177, `\'e0`, "א"},
		{178, `\'c7`, "ا"},
		{186, `\'e0`, "ą"},
		{204, `\'e9`, "й"},
		{222, `\'a1`, "ก"},
		{238, `\'b9`, "ą"},
		{254, `\'82`, "é"},
		{255, `\'82`, "é"},
		{999, `\'e9`, "й"}, // unknown: the document's
	}
	for _, tc := range tests {
		rtf := fmt.Sprintf(`{\rtf1\ansi\ansicpg1251{\fonttbl{\f7\fcharset%d F;}}\f7 %s}`, tc.charset, tc.hex)
		if got := PlainFromRTF([]byte(rtf)); got != tc.want {
			t.Errorf("fcharset%d %s: got %q, want %q", tc.charset, tc.hex, got, tc.want)
		}
	}
}
