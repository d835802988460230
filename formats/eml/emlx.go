package eml

import (
	"bytes"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/mailsalvage/mailsalvage/formats"
	"github.com/mailsalvage/mailsalvage/formats/rfc5322"
)

// ConfidenceEMLX is what MatchEMLX returns: a byte count line followed by a
// header section is specific to Apple Mail.
const ConfidenceEMLX = 90

// maxPlist bounds how much of the property list is read.
const maxPlist = 1 << 20

// parseCountLine reads the first line of an .emlx file: optional spaces,
// 1 to 12 decimal digits, optional spaces, LF or CRLF. It returns the count
// and the length of the line with its ending.
func parseCountLine(b []byte) (n int64, lineLen int, ok bool) {
	i := 0
	for i < len(b) && (b[i] == ' ' || b[i] == '\t') {
		i++
	}
	j := i
	for j < len(b) && b[j] >= '0' && b[j] <= '9' {
		j++
	}
	if j == i || j-i > 12 {
		return 0, 0, false
	}
	k := j
	for k < len(b) && (b[k] == ' ' || b[k] == '\t') {
		k++
	}
	if k < len(b) && b[k] == '\r' {
		k++
	}
	if k >= len(b) || b[k] != '\n' {
		return 0, 0, false
	}
	n, err := strconv.ParseInt(string(b[i:j]), 10, 64)
	if err != nil {
		return 0, 0, false
	}
	return n, k + 1, true
}

// MatchEMLX reports whether the probed file is an Apple Mail .emlx (or
// .partial.emlx): a byte count line followed by a header section.
func MatchEMLX(p *formats.Probe) int {
	if p == nil {
		return 0
	}
	_, n, ok := parseCountLine(p.Head)
	if !ok {
		return 0
	}
	if !rfc5322.Examine(p.Head[n:], 0).LooksLikeHeader() {
		return 0
	}
	return ConfidenceEMLX
}

// Layout says where the parts of an .emlx file are. Offsets are in the
// file.
type Layout struct {
	// Declared is the byte count on the first line.
	Declared int64
	// Offset is where the message starts, after the count line.
	Offset int64
	// Length is how many message bytes are kept: Declared when the file
	// agrees with it, otherwise what the file actually holds.
	Length int64
	// Plist is the offset of the property list, -1 when none was found.
	Plist int64
	// End is the length of the file without trailing NUL or binary bytes
	// (see Trim); the property list runs from Plist to End.
	End int64
	// Truncated is set when the file holds fewer message bytes than
	// Declared.
	Truncated bool
	// Warnings about the layout, in file order.
	Warnings []string
}

// ReadLayout locates the message and the property list of an .emlx file
// without reading the message. It fails only when the first line is not a
// byte count (ErrFormat) or r cannot be read; a count that disagrees with
// the file is reported in Warnings and Truncated, the message bytes taken
// as the file has them.
func ReadLayout(r io.ReaderAt, size int64) (Layout, error) {
	l := Layout{Plist: -1}
	head := make([]byte, min(size, 64))
	if err := readAt(r, head, 0); err != nil {
		return l, err
	}
	declared, lineLen, ok := parseCountLine(head)
	if !ok {
		return l, fmt.Errorf("%w: the first line is not an .emlx byte count", ErrFormat)
	}
	l.Declared, l.Offset = declared, int64(lineLen)
	keep, warnings, err := Trim(r, size)
	if err != nil {
		return l, err
	}
	l.End, l.Warnings = keep, warnings
	if keep <= l.Offset {
		l.Truncated = declared > 0
		l.Warnings = append(l.Warnings, fmt.Sprintf("the file ends after the byte count line (%d declared message bytes, none present)", declared))
		return l, nil
	}
	declEnd := l.Offset + declared
	plist, err := findPlist(r, l.Offset, keep, declEnd)
	if err != nil {
		return l, err
	}
	l.Plist = plist
	switch {
	case plist < 0 && declEnd <= keep:
		l.Length = declared
		if declEnd < keep {
			l.Warnings = append(l.Warnings, fmt.Sprintf("no property list found after the message: %d bytes at %s are not read", keep-declEnd, at(declEnd)))
		} else {
			l.Warnings = append(l.Warnings, fmt.Sprintf("no property list after the message: the file ends with it at %s", at(keep)))
		}
	case plist < 0:
		l.Length, l.Truncated = keep-l.Offset, true
		l.Warnings = append(l.Warnings, fmt.Sprintf("byte count says %d message bytes but the file holds only %d after the count line (it ends at %s), and no property list", declared, l.Length, at(keep)))
	case plist == declEnd:
		l.Length = declared
	case plist > declEnd:
		between := make([]byte, min(plist-declEnd, 4<<10))
		if err := readAt(r, between, declEnd); err != nil {
			return l, err
		}
		if plist-declEnd <= int64(len(between)) && allSpace(between) {
			l.Length = declared
			break
		}
		l.Length = plist - l.Offset
		l.Warnings = append(l.Warnings, fmt.Sprintf("byte count says %d message bytes but the property list starts %d bytes later, at %s; the bytes between are kept as part of the message (%d bytes)", declared, plist-declEnd, at(plist), l.Length))
	default: // the count runs into or past the property list
		l.Length, l.Truncated = plist-l.Offset, true
		if declEnd > size {
			l.Warnings = append(l.Warnings, fmt.Sprintf("byte count says %d message bytes but the file is %d bytes long and its property list starts at %s, after %d message bytes", declared, size, at(plist), l.Length))
		} else {
			l.Warnings = append(l.Warnings, fmt.Sprintf("byte count says %d message bytes but the property list starts at %s, after %d message bytes", declared, at(plist), l.Length))
		}
	}
	return l, nil
}

// findPlist returns the offset of the property list after the message in
// [from, to), or -1. Where the byte count points is tried first; otherwise
// the last "<plist" in the final maxPlist bytes is taken, with the XML
// declaration or DOCTYPE just before it.
func findPlist(r io.ReaderAt, from, to, hint int64) (int64, error) {
	if hint >= from && hint < to {
		b := make([]byte, min(to-hint, 64))
		if err := readAt(r, b, hint); err != nil {
			return -1, err
		}
		t := bytes.TrimLeft(b, " \t\r\n")
		for _, p := range []string{"<?xml", "<!DOCTYPE", "<plist"} {
			if bytes.HasPrefix(t, []byte(p)) {
				return hint + int64(len(b)-len(t)), nil
			}
		}
	}
	q, err := lastIndexAt(r, max(from, to-maxPlist), to, []byte("<plist"))
	if err != nil || q < 0 {
		return -1, err
	}
	start := max(from, q-512)
	b := make([]byte, q-start)
	if err := readAt(r, b, start); err != nil {
		return -1, err
	}
	for _, p := range []string{"<?xml", "<!DOCTYPE"} {
		if i := bytes.LastIndex(b, []byte(p)); i >= 0 {
			return start + int64(i), nil
		}
	}
	return q, nil
}

// OpenEMLX opens an Apple Mail .emlx or .partial.emlx file. The Source
// yields one message: the bytes the count line declares (or what the file
// holds of them), with the property list's metadata in Attrs. For a
// .partial.emlx whose attachment files are found next to its Messages
// folder (p.Path is used to find them), the message is rebuilt with them.
// p may be nil.
func OpenEMLX(r io.ReaderAt, size int64, p *formats.Probe) (formats.Source, error) {
	return orShort(r, size, func(size int64) (formats.Source, error) { return openEMLX(r, size, p) })
}

func openEMLX(r io.ReaderAt, size int64, p *formats.Probe) (formats.Source, error) {
	l, err := ReadLayout(r, size)
	if err != nil {
		return nil, err
	}
	if l.Length <= 0 {
		return nil, fmt.Errorf("%w: no message bytes after the .emlx byte count line (%s)", ErrFormat, strings.Join(l.Warnings, "; "))
	}
	m := &formats.Message{
		Open:     sectionOpener(r, l.Offset, l.Length),
		Size:     l.Length,
		State:    formats.Intact,
		Chain:    formats.Chain{formats.Span("emlx", l.Offset, l.Length, "")},
		Method:   "emlx",
		Warnings: l.Warnings,
	}
	partial := l.Truncated
	m.SetAttr("emlx_byte_count", strconv.FormatInt(l.Declared, 10))

	res, err := checkMessage(r, l.Offset, l.Offset+l.Length)
	if err != nil {
		return nil, err
	}
	m.Warnings = append(m.Warnings, res.warnings...)
	partial = partial || res.partial

	var flags Flags
	haveFlags := false
	if l.Plist >= 0 {
		entries, err := ReadPlist(io.NewSectionReader(r, l.Plist, min(l.End-l.Plist, maxPlist)))
		if err != nil {
			m.Warnf("property list at %s: %v", at(l.Plist), err)
		}
		flags, haveFlags = plistAttrs(m, entries)
	}

	if res.bodyOff >= 0 {
		rebuilt, err := reassemble(m, r, l, res.header, p)
		if err != nil {
			return nil, err
		}
		if rebuilt < 0 {
			partial = true
		}
	}

	switch {
	case haveFlags && flags&FlagDeleted != 0:
		// formats.Deleted wins over Partial; the damage stays in the warnings
		m.State = formats.Deleted
		if partial {
			m.Warnf("also incomplete (see above); state is deleted, as Apple Mail flagged it")
		}
	case partial:
		m.State = formats.Partial
	}
	return formats.One(m), nil
}

// plistAttrs copies the property list's scalar values to m.Attrs as
// "emlx_<key>" (key lower-cased, characters other than letters and digits
// made "_"), dates as RFC 3339, and decodes the flags.
func plistAttrs(m *formats.Message, entries []PlistEntry) (Flags, bool) {
	var flags Flags
	have := false
	for _, e := range entries {
		name := "emlx_" + attrKey(e.Key)
		switch e.Kind {
		case "dict", "array":
			continue
		case "true", "false":
			m.SetAttr(name, e.Kind)
			continue
		}
		v := e.Text
		if strings.HasPrefix(e.Key, "date-") {
			if t, ok := plistTime(e.Kind, e.Text); ok {
				v = t
			}
		}
		m.SetAttr(name, v)
		if e.Key == "flags" {
			f, err := strconv.ParseUint(e.Text, 10, 64)
			if err != nil || e.Kind != "integer" {
				m.Warnf("property list flags %q is not a non-negative integer; flags not decoded", e.Text)
				continue
			}
			flags, have = Flags(f), true
		}
	}
	if have {
		m.SetAttr("emlx_flag_names", flags.String())
		m.SetAttr("emlx_attachment_count", strconv.Itoa(flags.AttachmentCount()))
		m.SetAttr("emlx_priority", strconv.Itoa(flags.Priority()))
		if d := flags.FontSizeDelta(); d != 0 {
			m.SetAttr("emlx_font_size_delta", strconv.Itoa(d))
		}
	}
	return flags, have
}

// maxUnix is 9999-12-31T23:59:59Z, the last time RFC 3339 can write.
const maxUnix = 253402300799

// plistTime renders a property list date as RFC 3339 in UTC: a <date>
// element, or an integer or real count of seconds since 1970 (what Apple
// Mail writes for date-received and date-last-viewed).
func plistTime(kind, text string) (string, bool) {
	switch kind {
	case "integer":
		// 0 is what Apple Mail writes for "never" (date-last-viewed of an
		// unread message), not 1970.
		n, err := strconv.ParseInt(text, 10, 64)
		if err != nil || n <= 0 || n > maxUnix {
			return "", false
		}
		return time.Unix(n, 0).UTC().Format(time.RFC3339), true
	case "real":
		f, err := strconv.ParseFloat(text, 64)
		if err != nil || math.IsNaN(f) || f <= 0 || f > maxUnix {
			return "", false
		}
		sec, frac := math.Modf(f)
		return time.Unix(int64(sec), int64(frac*1e9)).UTC().Format(time.RFC3339Nano), true
	case "date":
		t, err := time.Parse(time.RFC3339, text)
		if err != nil {
			return "", false
		}
		return t.UTC().Format(time.RFC3339), true
	}
	return "", false
}

func attrKey(k string) string {
	b := []byte(strings.ToLower(k))
	for i, c := range b {
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9') {
			b[i] = '_'
		}
	}
	if len(b) > 64 {
		b = b[:64]
	}
	return string(b)
}
