package mapi

import (
	"unicode/utf8"
)

// The code page of PtypString8 values in .msg and PST items. MS-OXCMSG section 2.2.1.4 makes
// PidTagMessageCodepage the code page of a message's 8-bit strings, but
// many .msg files lack it. PidTagInternetCodepage (the MIME charset the
// body had) is often all there is, and it names what the client decoded
// from, not what it stored: a Japanese Outlook keeps Shift_JIS (932) in
// ANSI .msg files of ISO-2022-JP mail, a Western one Windows-1252 for
// ISO-8859-1 mail. So an Internet code page is mapped to the Windows code
// page of its script, and where it says nothing of the script (US-ASCII,
// or UTF-8 that the strings are not valid in) the locale
// (PidTagMessageLocaleId) decides.

// CodePageChoice is the code page chosen for an item's 8-bit strings and
// where it came from.
type CodePageChoice struct {
	CodePage int
	Source   string // "message", "parent", "internet", "locale", "default"
}

// ChooseCodePage picks the code page for a message's PtypString8 values.
// parent is the code page of the message an embedded message is in (0 at
// the top level); str8 are the message's 8-bit string values, for the
// UTF-8 test.
func ChooseCodePage(p *Properties, parent int, str8 [][]byte) CodePageChoice {
	if cp, ok := p.Int(PidTagMessageCodepage); ok && usableCodePage(int(cp)) {
		if int(cp) != 65001 || allUTF8(str8) {
			return CodePageChoice{int(cp), "message"}
		}
	}
	if parent != 0 {
		return CodePageChoice{parent, "parent"}
	}
	if cp, ok := p.Int(PidTagInternetCodepage); ok {
		switch w := WindowsCodePage(int(cp)); {
		case w == 65001 && allUTF8(str8):
			return CodePageChoice{65001, "internet"}
		case w != 0 && w != 65001:
			return CodePageChoice{w, "internet"}
		}
	}
	if lcid, ok := p.Int(PidTagMessageLocaleId); ok {
		if cp := LocaleCodePage(uint32(lcid)); cp != 0 {
			return CodePageChoice{cp, "locale"}
		}
	}
	return CodePageChoice{1252, "default"}
}

// usable reports whether mapi can decode strings in code page cp.
func usableCodePage(cp int) bool {
	return cp == 65001 || cp == 20127 || CodePageEncoding(cp) != nil
}

func allUTF8(vals [][]byte) bool {
	for _, v := range vals {
		if !utf8.Valid(v) {
			return false
		}
	}
	return true
}

// WindowsCodePage maps an Internet code page to the Windows ANSI code
// page of the same script; 0 when it says nothing of the script.
func WindowsCodePage(cp int) int {
	switch cp {
	case 50220, 50221, 50222, 51932, 20932, 932:
		return 932
	case 936, 20936, 52936, 54936:
		return 936
	case 949, 51949:
		return 949
	case 950:
		return 950
	case 28591, 28605, 1252:
		return 1252
	case 28592, 1250:
		return 1250
	case 28595, 20866, 21866, 1251:
		return 1251
	case 28597, 1253:
		return 1253
	case 28599, 1254:
		return 1254
	case 28598, 38598, 1255:
		return 1255
	case 28596, 1256:
		return 1256
	case 28594, 28603, 1257:
		return 1257
	case 1258:
		return 1258
	case 874:
		return 874
	case 65001:
		return 65001
	}
	return 0
}

// LocaleCodePage gives the Windows ANSI code page of a locale id (the
// primary language in the low 10 bits, the sublanguage above them).
func LocaleCodePage(lcid uint32) int {
	lang := lcid & 0x3FF
	sub := (lcid >> 10) & 0x3F
	switch lang {
	case 0x11: // Japanese
		return 932
	case 0x04: // Chinese
		if sub == 0x02 || sub == 0x04 { // PRC, Singapore
			return 936
		}
		return 950
	case 0x12:
		return 949
	case 0x19, 0x22, 0x23, 0x02, 0x2F, 0x3F, 0x40, 0x43, 0x44, 0x50, 0x6D, 0x85: // Russian, Ukrainian, Belarusian, Bulgarian...
		return 1251
	case 0x05, 0x0E, 0x15, 0x18, 0x1B, 0x24, 0x1C: // Czech, Hungarian, Polish, Romanian, Slovak, Slovenian, Albanian
		return 1250
	case 0x1A: // Croatian, Serbian, Bosnian
		if sub == 0x03 || sub == 0x07 || sub == 0x0C {
			return 1251 // the Cyrillic variants
		}
		return 1250
	case 0x08:
		return 1253
	case 0x1F:
		return 1254
	case 0x0D:
		return 1255
	case 0x01, 0x29, 0x20:
		return 1256
	case 0x25, 0x26, 0x27:
		return 1257
	case 0x2A:
		return 1258
	case 0x1E:
		return 874
	case 0:
		return 0
	}
	return 1252
}
