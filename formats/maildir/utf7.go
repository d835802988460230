package maildir

import (
	"strings"
	"unicode/utf16"
)

// decodeMUTF7 decodes a mailbox name in IMAP's modified UTF-7 (RFC 3501
// section 5.1.3): printable US-ASCII stands for itself, "&-" for "&", and
// "&...-" encloses UTF-16BE in base64 with ',' for '/' and no padding. It
// reports false when s is not valid modified UTF-7 (non-ASCII bytes, an
// unterminated or malformed shift, nonzero padding bits, a lone surrogate,
// or a printable ASCII character encoded), so that the caller can keep the
// name as it is on disk.
func decodeMUTF7(s string) (string, bool) {
	if strings.IndexByte(s, '&') < 0 {
		for i := 0; i < len(s); i++ {
			if s[i] < 0x20 || s[i] > 0x7e {
				return "", false
			}
		}
		return s, true
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		c := s[i]
		if c < 0x20 || c > 0x7e {
			return "", false
		}
		if c != '&' {
			b.WriteByte(c)
			i++
			continue
		}
		end := strings.IndexByte(s[i+1:], '-')
		if end < 0 {
			return "", false
		}
		enc := s[i+1 : i+1+end]
		i += end + 2
		if enc == "" {
			b.WriteByte('&')
			continue
		}
		units, ok := decodeBase64UTF16(enc)
		if !ok {
			return "", false
		}
		for j := 0; j < len(units); j++ {
			u := units[j]
			switch {
			case u >= 0x20 && u <= 0x7e:
				return "", false // must have been written as itself
			case utf16.IsSurrogate(rune(u)):
				if u >= 0xdc00 || j+1 >= len(units) || units[j+1] < 0xdc00 || units[j+1] > 0xdfff {
					return "", false
				}
				b.WriteRune(utf16.DecodeRune(rune(u), rune(units[j+1])))
				j++
			default:
				b.WriteRune(rune(u))
			}
		}
	}
	return b.String(), true
}

// decodeBase64UTF16 decodes modified base64 into UTF-16 code units. The bits
// left over after the last whole unit must be fewer than six and zero.
func decodeBase64UTF16(enc string) ([]uint16, bool) {
	var units []uint16
	var acc uint32
	nbits := 0
	for i := 0; i < len(enc); i++ {
		v, ok := base64Value(enc[i])
		if !ok {
			return nil, false
		}
		acc = acc<<6 | uint32(v)
		nbits += 6
		if nbits >= 16 {
			nbits -= 16
			units = append(units, uint16(acc>>nbits))
			acc &= 1<<nbits - 1
		}
	}
	if nbits >= 6 || acc != 0 || len(units) == 0 {
		return nil, false
	}
	return units, true
}

func base64Value(c byte) (byte, bool) {
	switch {
	case c >= 'A' && c <= 'Z':
		return c - 'A', true
	case c >= 'a' && c <= 'z':
		return c - 'a' + 26, true
	case c >= '0' && c <= '9':
		return c - '0' + 52, true
	case c == '+':
		return 62, true
	case c == ',':
		return 63, true
	}
	return 0, false
}

// folderPath turns the name of a Maildir++ folder directory (".Sub.Folder",
// leading dot included) into its folder path. Each element is decoded from
// modified UTF-7 when the whole name is valid; otherwise the elements are
// kept as on disk. A name with an empty element (".A..B", ".A.") is not a
// Maildir++ hierarchy anyone wrote; it is kept whole as one element.
func folderPath(dir string) []string {
	name := strings.TrimPrefix(dir, ".")
	parts := strings.Split(name, ".")
	for _, p := range parts {
		if p == "" {
			return []string{decodeOrRaw(name)}
		}
	}
	decoded := make([]string, len(parts))
	for i, p := range parts {
		d, ok := decodeMUTF7(p)
		if !ok {
			return parts
		}
		decoded[i] = d
	}
	return decoded
}

// decodeOrRaw decodes one folder name element, or returns it as on disk.
func decodeOrRaw(s string) string {
	if d, ok := decodeMUTF7(s); ok {
		return d
	}
	return s
}
