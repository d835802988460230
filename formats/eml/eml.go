package eml

import (
	"bytes"
	"errors"
	"fmt"
	"io"

	"github.com/mailsalvage/mailsalvage/formats"
	"github.com/mailsalvage/mailsalvage/formats/rfc5322"
)

// ConfidenceEML is what MatchEML returns for a file that starts with a
// header section. It is below the mbox format's, whose "From " line is a
// stronger sign, and below ConfidenceEMLX.
const ConfidenceEML = 50

// maxLeadLines bounds the blank lines read past in front of a header.
const maxLeadLines = 16

// leadingBlank returns the length of the blank lines (empty, or spaces and
// tabs only, at most maxLeadLines of them) and of the spaces and tabs
// before a header field at the start of b: a file saved with a line or
// two, or an indent, before its header. It is 0 when no header field
// follows them.
func leadingBlank(b []byte) int {
	n := 0
	for range maxLeadLines {
		i := bytes.IndexByte(b[n:], '\n')
		if i < 0 || len(bytes.TrimLeft(b[n:n+i], " \t\r")) > 0 {
			break
		}
		n += i + 1
	}
	rest := bytes.TrimLeft(b[n:], " \t")
	if _, ok := rfc5322.FieldName(firstLine(rest)); !ok {
		return 0
	}
	return len(b) - len(rest)
}

func firstLine(b []byte) []byte {
	if i := bytes.IndexByte(b, '\n'); i >= 0 {
		return b[:i]
	}
	return b
}

// Lead says what comes before the header of a message file: Start is
// where the message starts (past blank lines or an indent, which a reader
// of the file would take for the end of an empty header or for a
// continuation, and which are left out of the message), Header where its
// header starts (past a UTF-8 byte order mark too, which is kept when
// nothing else comes before the header). Warning says what was found, ""
// when the file starts with its header.
type Lead struct {
	Start, Header int64
	Warning       string
}

// FileLead reads the Lead of a message file from its first bytes.
func FileLead(head []byte) Lead {
	h := bytes.TrimPrefix(head, formats.UTF8BOM)
	if n := leadingBlank(h); n > 0 {
		start := int64(len(head) - len(h) + n)
		return Lead{start, start, fmt.Sprintf("%d bytes before the header (blank lines or white space, after a byte order mark if any) left out; the message starts at %s", start, at(start))}
	}
	if len(h) < len(head) {
		return Lead{0, int64(len(formats.UTF8BOM)), fmt.Sprintf("the file starts with a UTF-8 byte order mark (3 bytes, kept); the header starts at %s", at(int64(len(formats.UTF8BOM))))}
	}
	return Lead{}
}

// MatchEML reports whether the probed file is a single RFC 5322 message:
// after an optional UTF-8 byte order mark and blank lines, its first line
// is a header field and the lines from there look like a header section.
// Files that start with an mbox "From " line or an .emlx byte count are
// left to those formats.
func MatchEML(p *formats.Probe) int {
	if p == nil {
		return 0
	}
	h := bytes.TrimPrefix(p.Head, formats.UTF8BOM)
	h = h[leadingBlank(h):]
	line := firstLine(h)
	if bytes.HasPrefix(line, []byte("From ")) {
		return 0
	}
	if _, _, ok := parseCountLine(h); ok {
		return 0
	}
	if _, ok := rfc5322.FieldName(line); !ok {
		return 0
	}
	if !rfc5322.Examine(h, 0).LooksLikeHeader() {
		return 0
	}
	return ConfidenceEML
}

// OpenEML opens a single message file. The Source yields one message: the
// file without the trailing binary bytes Trim finds, byte for byte, with the
// state and warnings described in the package documentation. p may be nil.
func OpenEML(r io.ReaderAt, size int64, p *formats.Probe) (formats.Source, error) {
	return orShort(r, size, func(size int64) (formats.Source, error) { return openEML(r, size) })
}

func openEML(r io.ReaderAt, size int64) (formats.Source, error) {
	keep, warnings, err := Trim(r, size)
	if err != nil {
		return nil, err
	}
	if keep == 0 {
		return nil, fmt.Errorf("%w: no text in the file (%d bytes, all NUL or binary)", ErrFormat, size)
	}
	m := &formats.Message{
		Open:     sectionOpener(r, 0, keep),
		Size:     keep,
		State:    formats.Intact,
		Chain:    formats.Chain{formats.Span("eml", 0, keep, "")},
		Method:   "eml",
		Warnings: warnings,
	}
	head := make([]byte, min(keep, formats.HeadSize))
	if err := readAt(r, head, 0); err != nil {
		return nil, err
	}
	lead := FileLead(head)
	if lead.Start > 0 {
		m.Open = sectionOpener(r, lead.Start, keep-lead.Start)
		m.Size = keep - lead.Start
		m.Chain = formats.Chain{formats.Span("eml", lead.Start, keep-lead.Start, "")}
	}
	if lead.Warning != "" {
		m.Warnf("%s", lead.Warning)
	}
	start := lead.Header
	res, err := checkMessage(r, start, keep)
	if err != nil {
		return nil, err
	}
	m.Warnings = append(m.Warnings, res.warnings...)
	if res.partial {
		m.State = formats.Partial
	}
	if off, err := applePlistTail(r, start, keep); err != nil {
		return nil, err
	} else if off >= 0 {
		m.Warnf("the file ends with an Apple Mail property list at %s, kept as part of the message: probably an .emlx file without its byte count line", at(off))
	}
	return formats.One(m), nil
}

// applePlistTail returns the offset of an Apple property list that ends
// the data in [start, end), or -1.
func applePlistTail(r io.ReaderAt, start, end int64) (int64, error) {
	const look = 4 << 10
	from := max(start, end-look)
	b := make([]byte, end-from)
	if err := readAt(r, b, from); err != nil {
		return -1, err
	}
	if !bytes.HasSuffix(bytes.TrimRight(b, " \t\r\n"), []byte("</plist>")) {
		return -1, nil
	}
	i := bytes.LastIndex(b, []byte("<!DOCTYPE plist PUBLIC \"-//Apple"))
	if i < 0 {
		return -1, nil
	}
	if j := bytes.LastIndex(b[:i], []byte("<?xml")); j >= 0 && i-j < 128 {
		i = j
	}
	return from + int64(i), nil
}

// orShort runs open on the size bytes behind r. If that fails because the
// data ends before size (a read error, a file cut while it was read, an
// archive member whose declared size lies), it runs open again on the
// bytes there are, and the message is partial, saying so. Finding where
// the data ends costs reads only then.
func orShort(r io.ReaderAt, size int64, open func(size int64) (formats.Source, error)) (formats.Source, error) {
	src, err := open(size)
	if err == nil || !errors.Is(err, io.ErrUnexpectedEOF) {
		return src, err
	}
	n := formats.ReadableSize(r, size)
	if n >= size {
		return nil, err
	}
	src, err2 := open(n)
	if err2 != nil {
		return nil, err
	}
	return &shortSource{Source: src, note: fmt.Sprintf("the data ends after %d of the %d bytes it was said to hold (a read error, or a file or archive member cut short): read as far as it goes", n, size)}, nil
}

// shortSource notes on its message that the data ended early.
type shortSource struct {
	formats.Source
	note string
}

func (s *shortSource) Next() (*formats.Message, error) {
	m, err := s.Source.Next()
	if m != nil {
		m.Warnings = append(m.Warnings, s.note)
		if m.State == formats.Intact {
			m.State = formats.Partial
		}
	}
	return m, err
}
