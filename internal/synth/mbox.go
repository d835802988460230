package synth

import (
	"bytes"
	"fmt"
	"strings"
	"time"
)

// MboxStyle is the flavour of mbox written.
type MboxStyle int

const (
	// Thunderbird: "From - <date>" separators and X-Mozilla-Status,
	// X-Mozilla-Status2 and X-Mozilla-Keys fields added at the top of each
	// message; deleted messages carry the expunged flag (0x0008). Body
	// lines are quoted the mboxrd way so that unquoting restores them.
	Thunderbird MboxStyle = iota
	// MboxRD: "From sender date" separators, >*From quoted with one more '>'.
	MboxRD
	// MboxO: only "From " quoted (to ">From "); existing >From lines are
	// left alone, so reading them back is ambiguous.
	MboxO
	// MboxCL2: a Content-Length field delimits the body; nothing is quoted.
	MboxCL2
)

// MboxOptions shape a generated mbox.
type MboxOptions struct {
	Style MboxStyle
	CRLF  bool
	// Deleted marks messages as deleted: X-Mozilla-Status 0009 for
	// Thunderbird, "Status: RO" + "X-Status: D" otherwise.
	Deleted func(i int) bool
}

// Placed says where a message went in a generated mbox and what a correct
// reader must give back for it.
type Placed struct {
	Sep, Start, End int64  // separator line offset; message bytes [Start, End) as stored
	Want            []byte // the message as a reader should return it (unquoted)
	ID              string
	Deleted         bool
}

// Mbox writes msgs as one mbox and returns the file with where each
// message is.
func Mbox(msgs []Message, opt MboxOptions) ([]byte, []Placed) {
	var out bytes.Buffer
	var placed []Placed
	nl := "\n"
	if opt.CRLF {
		nl = "\r\n"
	}
	for i, m := range msgs {
		deleted := opt.Deleted != nil && opt.Deleted(i)
		want := m.Bytes
		var extra string
		switch {
		case opt.Style == Thunderbird && deleted:
			extra = "X-Mozilla-Status: 0009\nX-Mozilla-Status2: 00000000\nX-Mozilla-Keys: " + strings.Repeat(" ", 80) + "\n"
		case opt.Style == Thunderbird:
			extra = "X-Mozilla-Status: 0001\nX-Mozilla-Status2: 00000000\nX-Mozilla-Keys: " + strings.Repeat(" ", 80) + "\n"
		case deleted:
			extra = "Status: RO\nX-Status: D\n"
		}
		want = append([]byte(extra), want...)
		if opt.CRLF {
			want = toCRLF(want)
		}
		if !bytes.HasSuffix(want, []byte(nl)) {
			// stored with a line end added: mbox cannot keep a missing one
			want = append(want, nl...)
		}
		stored := want
		switch opt.Style {
		case Thunderbird, MboxRD:
			stored = quoteRD(want)
		case MboxO:
			stored = quoteO(want)
			// a reader unquotes every >From line, including those the
			// writer did not make: that is what mboxo loses
			want = unquoteAll(stored)
		case MboxCL2:
			h, b, _ := bytes.Cut(stored, []byte(nl+nl))
			stored = append(append(append(h, []byte(nl)...), fmt.Sprintf("Content-Length: %d", len(b))...), []byte(nl+nl)...)
			stored = append(stored, b...)
			// nothing tells mboxcl2 (unquoted) from mboxcl (quoted) but a
			// raw "From " body line; without one, readers unquote
			want = stored
			if !bytes.Contains(stored, []byte("\nFrom ")) {
				want = unquoteAll(stored)
			}
		}
		sep := int64(out.Len())
		switch opt.Style {
		case Thunderbird:
			fmt.Fprintf(&out, "From - %s%s", m.Date.UTC().Format(time.ANSIC), nl)
		default:
			fmt.Fprintf(&out, "From sender@%s %s%s", "example.com", m.Date.UTC().Format(time.ANSIC), nl)
		}
		start := int64(out.Len())
		out.Write(stored)
		end := int64(out.Len())
		if !bytes.HasSuffix(stored, []byte(nl)) {
			out.WriteString(nl)
		}
		out.WriteString(nl)
		placed = append(placed, Placed{Sep: sep, Start: start, End: end, Want: want, ID: m.ID, Deleted: deleted})
	}
	return out.Bytes(), placed
}

func toCRLF(b []byte) []byte {
	b = bytes.ReplaceAll(b, []byte("\r\n"), []byte("\n"))
	return bytes.ReplaceAll(b, []byte("\n"), []byte("\r\n"))
}

// forEachLine calls f for every line start of b (after a newline or at 0).
func mapLines(b []byte, f func(line []byte) []byte) []byte {
	var out bytes.Buffer
	for len(b) > 0 {
		i := bytes.IndexByte(b, '\n')
		line := b
		if i >= 0 {
			line = b[:i+1]
		}
		out.Write(f(line))
		b = b[len(line):]
	}
	return out.Bytes()
}

func isQuotedFrom(line []byte) bool {
	i := 0
	for i < len(line) && line[i] == '>' {
		i++
	}
	return bytes.HasPrefix(line[i:], []byte("From "))
}

func quoteRD(b []byte) []byte {
	return mapLines(b, func(l []byte) []byte {
		if isQuotedFrom(l) {
			return append([]byte{'>'}, l...)
		}
		return l
	})
}

func quoteO(b []byte) []byte {
	return mapLines(b, func(l []byte) []byte {
		if bytes.HasPrefix(l, []byte("From ")) {
			return append([]byte{'>'}, l...)
		}
		return l
	})
}

func unquoteAll(b []byte) []byte {
	return mapLines(b, func(l []byte) []byte {
		if len(l) > 0 && l[0] == '>' && isQuotedFrom(l) {
			return l[1:]
		}
		return l
	})
}
