package eml

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/mailsalvage/mailsalvage/formats/rfc5322"
)

// Bounds on the MIME structure walked for elided parts.
const (
	maxDepth = 32
	maxParts = 10000
)

// part is one leaf MIME entity of a stored message, numbered as IMAP
// numbers body sections (RFC 3501 section 6.4.5): the parts of a
// multipart are 1, 2, 3..., those of a multipart nested as part 2 are 2.1,
// 2.2..., and the body of a message that is not multipart is 1. This is
// how Apple Mail names the folders of Attachments/<id>/.
type part struct {
	number  string
	bodyOff int64 // offsets in the file
	bodyEnd int64 // excluding the line ending that belongs to the next delimiter
	header  rfc5322.Header
	hasBody bool // the body has bytes other than white space
	apple   bool // the part has an X-Apple-Content-Length field
}

// elided reports a part whose data Apple Mail stored in a separate file:
// an X-Apple-Content-Length field and an empty body.
func (p *part) elided() bool { return p.apple && !p.hasBody }

type mimeCtx struct {
	boundary []byte
	number   string
	children int
}

// elidedParts walks the MIME structure of the message in [off, off+n) of
// r, line by line, and returns the leaf parts whose bodies are elided.
// Structures deeper than maxDepth or with more than maxParts parts are
// walked only that far, with a warning.
func elidedParts(r io.ReaderAt, off, n int64) ([]part, []string, error) {
	var (
		out       []part
		warnings  []string
		ctxs      []mimeCtx
		leaf      *part
		hdr       []byte
		number    string
		inHeader  = true
		lineStart = true
		prevEOL   int64
		pos       = off
		nparts    int
	)
	finish := func(end int64) {
		if leaf == nil {
			return
		}
		leaf.bodyEnd = max(end, leaf.bodyOff)
		if leaf.elided() {
			out = append(out, *leaf)
		}
		leaf = nil
	}
	br := bufio.NewReaderSize(io.NewSectionReader(r, off, n), int(min(n, 64<<10)))
	for {
		line, rerr := br.ReadSlice('\n')
		if rerr != nil && rerr != io.EOF && rerr != bufio.ErrBufferFull {
			return out, warnings, rerr
		}
		lineOff := pos
		pos += int64(len(line))
		started := lineStart
		lineStart = rerr == nil
		if len(line) == 0 {
			break
		}
		content := line
		if rerr == nil {
			content = bytes.TrimSuffix(bytes.TrimSuffix(line, []byte("\n")), []byte("\r"))
		}
		eol := int64(len(line) - len(content))
		whole := started && rerr != bufio.ErrBufferFull
		if whole && len(ctxs) > 0 && bytes.HasPrefix(content, []byte("--")) {
			if i, closing := matchBoundary(ctxs, content); i >= 0 {
				finish(lineOff - prevEOL)
				ctxs = ctxs[:i+1]
				if closing {
					ctxs = ctxs[:i]
					inHeader = false // the epilogue belongs to no leaf
				} else {
					ctxs[i].children++
					nparts++
					if nparts > maxParts {
						warnings = append(warnings, fmt.Sprintf("more than %d MIME parts; parts after %s not examined for elided bodies", maxParts, at(lineOff)))
						return out, warnings, nil
					}
					number = joinNumber(ctxs[i].number, ctxs[i].children)
					inHeader, hdr = true, hdr[:0]
				}
				prevEOL = eol
				if rerr == io.EOF {
					break
				}
				continue
			}
		}
		switch {
		case inHeader && whole && len(content) == 0:
			h, _, _ := rfc5322.Parse(hdr)
			inHeader, hdr = false, hdr[:0]
			if b := rfc5322.Boundary(h); b != "" && len(b) <= maxBoundary {
				if len(ctxs) >= maxDepth {
					warnings = append(warnings, fmt.Sprintf("MIME parts nested more than %d deep at %s not examined for elided bodies", maxDepth, at(lineOff)))
					return out, warnings, nil
				}
				ctxs = append(ctxs, mimeCtx{boundary: []byte(b), number: number})
				break
			}
			num := number
			if num == "" {
				num = "1"
			}
			leaf = &part{number: num, bodyOff: pos, header: h}
			_, leaf.apple = h.Get("X-Apple-Content-Length")
		case inHeader:
			if len(hdr)+len(line) > rfc5322.MaxHeader {
				warnings = append(warnings, fmt.Sprintf("MIME part header at %s longer than %d bytes; the rest of the message not examined for elided bodies", at(lineOff), rfc5322.MaxHeader))
				return out, warnings, nil
			}
			hdr = append(hdr, line...)
		case leaf != nil && !leaf.hasBody && !allSpace(line):
			leaf.hasBody = true
		}
		if rerr == bufio.ErrBufferFull {
			prevEOL = 0
			continue
		}
		prevEOL = eol
		if rerr == io.EOF {
			break
		}
	}
	finish(off + n)
	return out, warnings, nil
}

// matchBoundary finds the innermost multipart whose delimiter line is
// content: "--boundary" or, closing, "--boundary--", either followed only
// by white space (RFC 2046 section 5.1.1).
func matchBoundary(ctxs []mimeCtx, content []byte) (int, bool) {
	for i := len(ctxs) - 1; i >= 0; i-- {
		b := ctxs[i].boundary
		if !bytes.HasPrefix(content[2:], b) {
			continue
		}
		rest := content[2+len(b):]
		if bytes.HasPrefix(rest, []byte("--")) && allSpace(rest[2:]) {
			return i, true
		}
		if allSpace(rest) {
			return i, false
		}
	}
	return -1, false
}

func joinNumber(prefix string, n int) string {
	if prefix == "" {
		return strconv.Itoa(n)
	}
	return prefix + "." + strconv.Itoa(n)
}

// partFilename returns the file name a part's header gives its data:
// Content-Disposition's filename, else Content-Type's name, RFC 2231
// continuations and encodings decoded.
func partFilename(h rfc5322.Header) string {
	for _, f := range []struct{ field, param string }{
		{"Content-Disposition", "filename"},
		{"Content-Type", "name"},
	} {
		v, ok := h.Get(f.field)
		if !ok {
			continue
		}
		if _, params, err := parseMediaType(rfc5322.Text(v)); err == nil && params[f.param] != "" {
			return params[f.param]
		}
	}
	return ""
}

// transferEncoding returns the part's Content-Transfer-Encoding, lower
// case, "" when absent.
func transferEncoding(h rfc5322.Header) string {
	v, _ := h.Get("Content-Transfer-Encoding")
	return strings.ToLower(rfc5322.Text(v))
}
