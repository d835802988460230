package formats

import (
	"bufio"
	"bytes"
	"io"
)

// Classic Mac OS (before OS X) ended text lines with CR alone: Eudora,
// Claris Emailer and Netscape kept their mailboxes and saved messages that
// way, and no mail format reads such a file as it is. Replacing a lone CR
// with LF changes one byte for one, so every offset stays the file's: such
// a file is detected and read through crAsLF, and each of its messages is
// written with LF line endings and a warning that says so.

// UTF8BOM is the UTF-8 byte order mark some Windows editors write at the
// start of a text file.
var UTF8BOM = []byte("\xef\xbb\xbf")

// MacLineEndsWarning is the warning on a message read through CRAsLF.
const MacLineEndsWarning = "the file's lines end with CR alone (classic Mac OS): read, and written, with LF in their place; offsets are the file's"

// ClassicMac reports whether head is text whose lines end with CR alone:
// no LF in it, CRs, and hardly any other control bytes.
func ClassicMac(head []byte) bool {
	if bytes.IndexByte(head, '\n') >= 0 || bytes.Count(head, []byte{'\r'}) < 2 {
		return false
	}
	ctl := 0
	for _, c := range head {
		if c < 0x20 && c != '\r' && c != '\t' && c != '\f' && c != 0x1b {
			ctl++
		}
	}
	return ctl*100 <= len(head)
}

// CRAsLF reads r with every CR that no LF follows read as LF (a CRLF
// further on, in a file that mixes them, stays as it is).
func CRAsLF(r io.ReaderAt) io.ReaderAt { return crAsLF{r} }

type crAsLF struct{ r io.ReaderAt }

func (c crAsLF) ReadAt(b []byte, off int64) (int, error) {
	n, err := c.r.ReadAt(b, off)
	lonesToLF(b[:n], func() bool {
		var next [1]byte
		m, _ := c.r.ReadAt(next[:], off+int64(n))
		return m == 1 && next[0] == '\n'
	})
	return n, err
}

// lonesToLF turns each CR of b that no LF follows into LF; lfAfter says
// whether the byte after b is an LF.
func lonesToLF(b []byte, lfAfter func() bool) {
	for i := range b {
		if b[i] != '\r' {
			continue
		}
		if i+1 < len(b) {
			if b[i+1] != '\n' {
				b[i] = '\n'
			}
			continue
		}
		if !lfAfter() {
			b[i] = '\n'
		}
	}
}

// macLineEnds prepares a probed file whose lines end with CR alone to be
// detected and read: it returns the reader to open it through, with
// p.Head read the same way, and whether it did anything.
func macLineEnds(p *Probe, r io.ReaderAt) (io.ReaderAt, bool) {
	if !ClassicMac(p.Head) {
		return r, false
	}
	// the head as CRAsLF reads it, without reading it again (the byte
	// after it says what a CR at its end is)
	head := bytes.Clone(p.Head)
	lonesToLF(head, func() bool {
		var next [1]byte
		n, _ := r.ReadAt(next[:], int64(len(head)))
		return n == 1 && next[0] == '\n'
	})
	p.Head = head
	return crAsLF{r}, true
}

// macSource notes on each message that its line endings were changed.
type macSource struct{ Source }

func (s *macSource) Next() (*Message, error) {
	m, err := s.Source.Next()
	if m != nil {
		m.Warnf("%s", MacLineEndsWarning)
	}
	return m, err
}

func (s *macSource) Expected() []FolderCount { return ExpectedOf(s.Source) }

func (s *macSource) ListHeaders() { ListHeaders(s.Source) }

// CRAsLFStream is CRAsLF for a reader read from start to end.
func CRAsLFStream(r io.Reader) io.Reader { return crStream{bufio.NewReader(r)} }

type crStream struct{ r *bufio.Reader }

func (c crStream) Read(b []byte) (int, error) {
	n, err := c.r.Read(b)
	lonesToLF(b[:n], func() bool {
		// the byte after what was read, looked at without taking it
		next, perr := c.r.Peek(1)
		return perr == nil && next[0] == '\n'
	})
	return n, err
}
