package export

import (
	"slices"
	"strconv"
	"unicode/utf8"

	"github.com/mailsalvage/mailsalvage/formats"
)

// The provenance log and the rows of report.html are written a line per
// message; encoding/json's reflection was a good part of the exporter's
// time per message. The encoders here write the same bytes as
// encoding/json (Encoder with SetEscapeHTML(false) for the log, Marshal
// for the rows), which FuzzRecordJSON and FuzzRowJSON check.

const hexDigits = "0123456789abcdef"

// appendJSONString appends s as encoding/json writes a string: invalid
// UTF-8 as \ufffd, U+2028 and U+2029 escaped, and with html, <, > and &
// escaped too.
func appendJSONString(dst []byte, s string, html bool) []byte {
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		if b := s[i]; b < utf8.RuneSelf {
			if b >= 0x20 && b != '"' && b != '\\' && (!html || b != '<' && b != '>' && b != '&') {
				i++
				continue
			}
			dst = append(dst, s[start:i]...)
			switch b {
			case '\\', '"':
				dst = append(dst, '\\', b)
			case '\b':
				dst = append(dst, '\\', 'b')
			case '\f':
				dst = append(dst, '\\', 'f')
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			default:
				dst = append(dst, '\\', 'u', '0', '0', hexDigits[b>>4], hexDigits[b&0xF])
			}
			i++
			start = i
			continue
		}
		c, size := utf8.DecodeRuneInString(s[i:])
		if c == utf8.RuneError && size == 1 {
			dst = append(dst, s[start:i]...)
			dst = append(dst, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if c == '\u2028' || c == '\u2029' {
			dst = append(dst, s[start:i]...)
			dst = append(dst, '\\', 'u', '2', '0', '2', hexDigits[c&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}

func appendJSONStrings(dst []byte, ss []string, html bool) []byte {
	if ss == nil {
		return append(dst, "null"...)
	}
	dst = append(dst, '[')
	for i, s := range ss {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = appendJSONString(dst, s, html)
	}
	return append(dst, ']')
}

func appendField(dst []byte, name string, first bool) []byte {
	if !first {
		dst = append(dst, ',')
	}
	dst = append(dst, '"')
	dst = append(dst, name...)
	return append(dst, '"', ':')
}

// appendChain appends a chain as encoding/json writes a formats.Chain.
func appendChain(dst []byte, c formats.Chain, html bool) []byte {
	if c == nil {
		return append(dst, "null"...)
	}
	dst = append(dst, '[')
	for i := range c {
		h := &c[i]
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = append(dst, `{"format":`...)
		dst = appendJSONString(dst, h.Format, html)
		if h.Offset != nil {
			dst = append(dst, `,"offset":`...)
			dst = strconv.AppendInt(dst, *h.Offset, 10)
		}
		if h.Length != nil {
			dst = append(dst, `,"length":`...)
			dst = strconv.AppendInt(dst, *h.Length, 10)
		}
		if h.Locator != "" {
			dst = append(dst, `,"locator":`...)
			dst = appendJSONString(dst, h.Locator, html)
		}
		dst = append(dst, '}')
	}
	return append(dst, ']')
}

// appendRecord appends r as a json.Encoder with SetEscapeHTML(false)
// writes it, without the newline.
func appendRecord(dst []byte, r *Record) []byte {
	dst = append(dst, '{')
	dst = appendField(dst, "file", true)
	dst = appendJSONString(dst, r.File, false)
	dst = appendField(dst, "sha256", false)
	dst = appendJSONString(dst, r.SHA256, false)
	dst = appendField(dst, "md5", false)
	dst = appendJSONString(dst, r.MD5, false)
	dst = appendField(dst, "size", false)
	dst = strconv.AppendInt(dst, r.Size, 10)
	dst = appendField(dst, "message_id", false)
	dst = appendJSONString(dst, r.MessageID, false)
	dst = appendField(dst, "subject", false)
	dst = appendJSONString(dst, r.Subject, false)
	dst = appendField(dst, "date", false)
	dst = appendJSONString(dst, r.Date, false)
	dst = appendField(dst, "from", false)
	dst = appendJSONString(dst, r.From, false)
	dst = appendField(dst, "to", false)
	dst = appendJSONString(dst, r.To, false)
	dst = appendField(dst, "folder", false)
	dst = appendJSONString(dst, r.Folder, false)
	dst = appendField(dst, "state", false)
	dst = appendJSONString(dst, string(r.State), false)
	dst = appendField(dst, "method", false)
	dst = appendJSONString(dst, r.Method, false)
	dst = append(dst, `,"source":{"path":`...)
	dst = appendJSONString(dst, r.Source.Path, false)
	dst = append(dst, `,"sha256":`...)
	dst = appendJSONString(dst, r.Source.SHA256, false)
	dst = append(dst, '}')
	dst = appendField(dst, "chain", false)
	dst = appendChain(dst, r.Chain, false)
	dst = appendField(dst, "warnings", false)
	dst = appendJSONStrings(dst, r.Warnings, false)
	if len(r.Attrs) > 0 {
		dst = appendField(dst, "attrs", false)
		keys := make([]string, 0, len(r.Attrs))
		for k := range r.Attrs {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		dst = append(dst, '{')
		for i, k := range keys {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = appendJSONString(dst, k, false)
			dst = append(dst, ':')
			dst = appendJSONString(dst, r.Attrs[k], false)
		}
		dst = append(dst, '}')
	}
	if r.Duplicate {
		dst = append(dst, `,"duplicate":true`...)
	}
	if len(r.Bounce) > 0 {
		dst = append(dst, `,"bounce":[`...)
		for i, b := range r.Bounce {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = append(dst, '{')
			dst = appendField(dst, "recipient", true)
			dst = appendJSONString(dst, b.Recipient, false)
			dst = appendField(dst, "reply_code", false)
			dst = appendJSONString(dst, b.ReplyCode, false)
			dst = appendField(dst, "status", false)
			dst = appendJSONString(dst, b.Status, false)
			dst = appendField(dst, "reason", false)
			dst = appendJSONString(dst, b.Reason, false)
			dst = append(dst, '}')
		}
		dst = append(dst, ']')
	}
	return append(dst, '}')
}
