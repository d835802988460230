package mapi

import (
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/japanese"
	"golang.org/x/text/encoding/korean"
	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/encoding/traditionalchinese"
	"golang.org/x/text/encoding/unicode"
)

// codePages maps Windows code page numbers (PidTagMessageCodepage,
// PidTagInternetCodepage, a PST's default) to decoders.
var codePages = map[int]encoding.Encoding{
	037: charmap.CodePage037, 437: charmap.CodePage437, 850: charmap.CodePage850, 852: charmap.CodePage852,
	855: charmap.CodePage855, 858: charmap.CodePage858, 860: charmap.CodePage860, 862: charmap.CodePage862,
	863: charmap.CodePage863, 865: charmap.CodePage865, 866: charmap.CodePage866, 1047: charmap.CodePage1047,
	874: charmap.Windows874, 1250: charmap.Windows1250, 1251: charmap.Windows1251, 1252: charmap.Windows1252,
	1253: charmap.Windows1253, 1254: charmap.Windows1254, 1255: charmap.Windows1255, 1256: charmap.Windows1256,
	1257: charmap.Windows1257, 1258: charmap.Windows1258,
	932: japanese.ShiftJIS, 50220: japanese.ISO2022JP, 50221: japanese.ISO2022JP, 50222: japanese.ISO2022JP,
	51932: japanese.EUCJP, 20932: japanese.EUCJP,
	936: simplifiedchinese.GBK, 54936: simplifiedchinese.GB18030, 52936: simplifiedchinese.HZGB2312, 20936: simplifiedchinese.GBK,
	949: korean.EUCKR, 51949: korean.EUCKR, 950: traditionalchinese.Big5,
	10000: charmap.Macintosh, 10007: charmap.MacintoshCyrillic,
	20866: charmap.KOI8R, 21866: charmap.KOI8U,
	28591: charmap.ISO8859_1, 28592: charmap.ISO8859_2, 28593: charmap.ISO8859_3, 28594: charmap.ISO8859_4,
	28595: charmap.ISO8859_5, 28596: charmap.ISO8859_6, 28597: charmap.ISO8859_7, 28598: charmap.ISO8859_8,
	28599: charmap.ISO8859_9, 28603: charmap.ISO8859_13, 28605: charmap.ISO8859_15, 38598: charmap.ISO8859_8I,
	1200: unicode.UTF16(unicode.LittleEndian, unicode.IgnoreBOM), 1201: unicode.UTF16(unicode.BigEndian, unicode.IgnoreBOM),
}

// CodePageEncoding returns the decoder of a Windows code page number, or
// nil for UTF-8, US-ASCII and unknown code pages.
func CodePageEncoding(cp int) encoding.Encoding {
	return codePages[cp]
}

// CodePageCharset returns the MIME charset name of a code page, for
// labelling bytes kept in it ("" if unknown).
func CodePageCharset(cp int) string {
	switch cp {
	case 65001:
		return "utf-8"
	case 20127:
		return "us-ascii"
	case 932:
		return "shift_jis"
	case 50220, 50221, 50222:
		return "iso-2022-jp"
	case 51932, 20932:
		return "euc-jp"
	case 936, 20936:
		return "gbk"
	case 54936:
		return "gb18030"
	case 949, 51949:
		return "euc-kr"
	case 950:
		return "big5"
	case 20866:
		return "koi8-r"
	case 21866:
		return "koi8-u"
	case 1200:
		return "utf-16le"
	}
	if cp >= 1250 && cp <= 1258 || cp == 874 {
		return "windows-" + itoa(cp)
	}
	if cp >= 28591 && cp <= 28605 {
		return "iso-8859-" + itoa(cp-28590)
	}
	return ""
}

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	var b [12]byte
	i := len(b)
	for n > 0 {
		i--
		b[i] = byte('0' + n%10)
		n /= 10
	}
	return string(b[i:])
}

// DecodeString8 decodes PtypString8 bytes in a code page. A trailing NUL
// is dropped. Code page 0 (unset) reads UTF-8 when the bytes are valid
// UTF-8 and Windows-1252 otherwise; an unknown code page reads the same
// way.
func DecodeString8(b []byte, cp int) string {
	for len(b) > 0 && b[len(b)-1] == 0 {
		b = b[:len(b)-1]
	}
	if cp == 65001 || cp == 20127 {
		return strings.ToValidUTF8(string(b), "\uFFFD")
	}
	enc := codePages[cp]
	if enc == nil {
		if utf8.Valid(b) {
			return string(b)
		}
		enc = charmap.Windows1252
	}
	out, err := enc.NewDecoder().Bytes(b)
	if err != nil {
		return strings.ToValidUTF8(string(b), "\uFFFD")
	}
	return string(out)
}
