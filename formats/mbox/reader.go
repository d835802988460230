package mbox

import (
	"bytes"
	"fmt"
	"io"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/mailsalvage/mailsalvage/formats"
	"github.com/mailsalvage/mailsalvage/formats/rfc5322"
)

func init() {
	formats.Register(formats.Format{
		Name:  "mbox",
		Match: Match,
		OpenFile: func(r io.ReaderAt, size int64, p *formats.Probe) (formats.Source, error) {
			rd := NewReader(r, size)
			rd.Folder = FolderName(p.Path)
			return rd, nil
		},
	})
}

// Thunderbird's X-Mozilla-Status flags (nsMsgMessageFlags).
const (
	mozExpunged = 0x0008
	mozPartial  = 0x0200
)

// Reader reads the messages of an mbox as formats.Messages.
type Reader struct {
	// Folder is given to every message; the registry sets it from the file
	// name (Thunderbird names mbox files after their folder).
	Folder []string

	r           io.ReaderAt
	s           *Scanner
	trailerDone bool
}

// NewReader returns a Reader of the size bytes of r. Nothing is read until
// Next is called.
func NewReader(r io.ReaderAt, size int64) *Reader {
	return &Reader{r: r, s: NewScanner(r, size)}
}

// Close releases nothing; the caller owns r.
func (rd *Reader) Close() error { return nil }

// Next returns the next message. Empty messages and bytes after the last
// message are reported as *formats.Problem.
func (rd *Reader) Next() (*formats.Message, error) {
	for {
		sp, err := rd.s.Next()
		if err == io.EOF {
			if !rd.trailerDone {
				rd.trailerDone = true
				if off, n := rd.s.Trailer(); n > 2 || (n > 0 && off == 0) {
					return nil, &formats.Problem{Offset: off, Err: fmt.Errorf("%d bytes after the last message belong to no message", n)}
				}
			}
			return nil, io.EOF
		}
		if err != nil {
			return nil, err
		}
		if sp.Len() == 0 {
			return nil, &formats.Problem{Offset: sp.Start, Err: fmt.Errorf("empty message (separator at 0x%x)", sp.Sep)}
		}
		return rd.message(sp), nil
	}
}

// message turns a span into a formats.Message.
func (rd *Reader) message(sp *Span) *formats.Message {
	unescape := sp.Escaped > 0 && !(sp.ContentLength && sp.RawFrom > 0)
	size := sp.Len()
	if unescape {
		size -= int64(sp.Escaped)
	}
	r, start, end := rd.r, sp.Start, sp.End
	var drops []int64
	if unescape && len(sp.drops) == sp.Escaped {
		drops = sp.drops
	}
	m := &formats.Message{
		Open: func() (io.ReadCloser, error) {
			switch {
			case !unescape:
				return io.NopCloser(io.NewSectionReader(r, start, end-start)), nil
			case drops != nil:
				return io.NopCloser(&dropReader{r: r, pos: start, end: end, drops: drops}), nil
			}
			return io.NopCloser(newUnescaper(io.NewSectionReader(r, start, end-start))), nil
		},
		Size:     size,
		Folder:   append([]string(nil), rd.Folder...),
		State:    formats.Intact,
		Chain:    formats.Chain{formats.Span("mbox", sp.Start, sp.Len(), "message "+strconv.Itoa(sp.Index))},
		Method:   "mbox",
		Warnings: append([]string(nil), sp.Warnings...),
	}
	if sp.Found != FoundSeparator {
		m.Method = "mbox-" + sp.Found
	}
	if sp.Sep < sp.Start {
		m.SetAttr("mbox_separator", rfc5322.Text(sp.SepLine))
		m.SetAttr("mbox_separator_offset", strconv.FormatInt(sp.Sep, 10))
	}
	if unescape {
		m.SetAttr("mbox_unescaped_lines", strconv.Itoa(sp.Escaped))
	}
	if sp.ContentLength {
		m.SetAttr("mbox_delimited_by", "content-length")
	}
	for _, w := range sp.Partial {
		m.Warnings = append(m.Warnings, "partial: "+w)
	}
	if len(sp.Partial) > 0 {
		m.State = formats.Partial
	}

	deleted := false
	if v, ok := sp.Header.Get("X-Mozilla-Status"); ok {
		m.SetAttr("x_mozilla_status", rfc5322.Text(v))
		if f, err := strconv.ParseUint(strings.TrimSpace(string(v)), 16, 32); err == nil {
			if f&mozExpunged != 0 {
				deleted = true
				m.Warnings = append(m.Warnings, "X-Mozilla-Status has the expunged flag (0x0008): deleted in Thunderbird, still in the file")
			}
			if f&mozPartial != 0 {
				m.Warnings = append(m.Warnings, "X-Mozilla-Status has the partial flag (0x0200): only part of the message was downloaded")
				if m.State == formats.Intact {
					m.State = formats.Partial
				}
			}
		}
	}
	for _, name := range []string{"Status", "X-Status"} {
		if v, ok := sp.Header.Get(name); ok {
			m.SetAttr(strings.ToLower(strings.ReplaceAll(name, "-", "_")), rfc5322.Text(v))
			if bytes.ContainsRune(bytes.TrimSpace(v), 'D') {
				deleted = true
				m.Warnings = append(m.Warnings, name+" has the D (deleted) flag")
			}
		}
	}
	if deleted {
		// deletion is what the mailbox itself says; damage is our inference,
		// and stays in the warnings
		m.State = formats.Deleted
	}
	return m
}

// FolderName names the folder an mbox file holds: its file name without a
// mailbox extension (Thunderbird's files have none: "Inbox", "Sent").
func FolderName(path string) []string {
	if path == "" {
		return nil
	}
	base := filepath.Base(path)
	switch strings.ToLower(filepath.Ext(base)) {
	case ".mbox", ".mbx", ".mbs", ".mbox_", ".spool":
		base = strings.TrimSuffix(base, filepath.Ext(base))
	}
	if base == "" || base == "." || base == string(filepath.Separator) {
		return nil
	}
	return []string{base}
}

// Match reports how sure it is that head (the start of a file) is an mbox:
// a "From " line first (80), a damaged one (75), or a file with leading
// damage or a lost first separator that has clean separators further on
// (60).
func Match(p *formats.Probe) int {
	// skip a UTF-8 byte order mark and leading empty lines
	head := bytes.TrimPrefix(p.Head, formats.UTF8BOM)
	for len(head) > 0 && (head[0] == '\n' || head[0] == '\r') {
		head = head[1:]
	}
	ln, rest := firstLine(head)
	next, _ := firstLine(rest)
	_, nextIsField := rfc5322.FieldName(next)
	switch {
	case isFrom(ln) && (nextIsField || HasDate(ln[5:])):
		return 80
	case mangledFrom(ln) && nextIsField:
		return 75
	}
	// later separators: an empty line, an asctime From line, a header field
	for i := 0; ; {
		j := bytes.Index(head[i:], []byte("\n\nFrom "))
		crlf := false
		if k := bytes.Index(head[i:], []byte("\n\r\nFrom ")); k >= 0 && (j < 0 || k < j) {
			j, crlf = k, true
		}
		if j < 0 {
			return 0
		}
		at := i + j + 2
		if crlf {
			at++
		}
		ln, rest := firstLine(head[at:])
		next, _ := firstLine(rest)
		if _, ok := rfc5322.FieldName(next); ok && HasDate(ln[5:]) && len(rest) > 0 {
			return 60
		}
		i = at
	}
}

func firstLine(b []byte) (line, rest []byte) {
	i := bytes.IndexByte(b, '\n')
	if i < 0 {
		return b, nil
	}
	line, rest = b[:i], b[i+1:]
	if len(line) > 0 && line[len(line)-1] == '\r' {
		line = line[:len(line)-1]
	}
	return line, rest
}
