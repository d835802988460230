package mapi

import (
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
)

// rtfSymbolCP stands for the code page of a symbol font (\fcharset2):
// its bytes are glyph numbers, not characters of a code page.
const rtfSymbolCP = -2

// rtfCharsetCodePage maps an RTF \fcharsetN (MSFT-RTF 1.9.1, "Font
// Table") to a Windows code page. 1 (default) and unknown values give 0:
// the document's \ansicpg applies.
func rtfCharsetCodePage(charset int) int {
	switch charset {
	case 0:
		return 1252
	case 2:
		return rtfSymbolCP
	case 77:
		return 10000
	case 128:
		return 932
	case 129:
		return 949
	case 134:
		return 936
	case 136:
		return 950
	case 161:
		return 1253
	case 162:
		return 1254
	case 163:
		return 1258
	case 177:
		return 1255
	case 178:
		return 1256
	case 186:
		return 1257
	case 204:
		return 1251
	case 222:
		return 874
	case 238:
		return 1250
	case 254:
		return 437
	case 255:
		return 850
	}
	return 0
}

// rtfDecoders decodes the bytes of RTF text (\'hh escapes and 8-bit text)
// in a code page, keeping one decoder per code page.
type rtfDecoders struct {
	dec map[int]*encoding.Decoder
}

// decode appends the UTF-8 of b, bytes in code page cp, to out.
func (d *rtfDecoders) decode(out, b []byte, cp int) []byte {
	switch cp {
	case 65001:
		return append(out, strings.ToValidUTF8(string(b), "\uFFFD")...)
	case rtfSymbolCP:
		// Symbol and Wingdings fonts: bullets are what e-mail uses them
		// for; other glyphs read as Windows-1252.
		for _, c := range b {
			if c == 0xB7 {
				out = utf8.AppendRune(out, '\u2022')
			} else {
				out = utf8.AppendRune(out, charmap.Windows1252.DecodeByte(c))
			}
		}
		return out
	}
	enc := CodePageEncoding(cp)
	switch cp {
	case 37, 1047, 1200, 1201:
		// Not supersets of ASCII: they cannot be the code page of RTF,
		// whose syntax is ASCII.
		enc = nil
	}
	if enc == nil {
		enc = charmap.Windows1252
		cp = 1252
	}
	if cm, ok := enc.(*charmap.Charmap); ok {
		for _, c := range b {
			out = utf8.AppendRune(out, cm.DecodeByte(c))
		}
		return out
	}
	if d.dec == nil {
		d.dec = make(map[int]*encoding.Decoder)
	}
	dec := d.dec[cp]
	if dec == nil {
		dec = enc.NewDecoder()
		d.dec[cp] = dec
	}
	s, err := dec.Bytes(b)
	if err != nil {
		return append(out, strings.ToValidUTF8(string(b), "\uFFFD")...)
	}
	return append(out, s...)
}
