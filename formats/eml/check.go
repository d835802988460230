package eml

import (
	"bufio"
	"bytes"
	"fmt"
	"io"

	"github.com/mailsalvage/mailsalvage/formats/rfc5322"
)

// tailSize is how much of the end of a message is searched first for the
// closing delimiter of a multipart body; only when it is not there is the
// whole body read.
const tailSize = 64 << 10

// maxBoundary bounds the boundary parameters that are searched for. RFC
// 2046 allows 70 characters; longer ones are damage or hostile input.
const maxBoundary = 1000

// checkResult is what checkMessage learns about the message in
// [start, end) of a file.
type checkResult struct {
	partial  bool
	warnings []string
	header   rfc5322.Header
	bodyOff  int64 // where the body starts, -1 when the header has no end
}

// checkMessage looks for signs of truncation in the message stored in
// [start, end) of r: a header section that no empty line ends within
// rfc5322.MaxHeader bytes, and a multipart body whose closing delimiter is
// missing. Offsets in warnings are offsets in r.
func checkMessage(r io.ReaderAt, start, end int64) (checkResult, error) {
	res := checkResult{bodyOff: -1}
	hdr, complete, err := readHeader(r, start, end)
	if err != nil {
		return res, err
	}
	blk := rfc5322.Examine(hdr, 0)
	if blk.Fields == 0 {
		res.partial = true
		res.warnings = append(res.warnings, fmt.Sprintf("no header field at the start of the message (%s)", at(start)))
	}
	if !complete {
		res.partial = true
		if end-start > rfc5322.MaxHeader {
			res.warnings = append(res.warnings, fmt.Sprintf("no empty line ends the header section within the first %d bytes (message at %s)", rfc5322.MaxHeader, at(start)))
		} else {
			res.warnings = append(res.warnings, fmt.Sprintf("the message ends inside its header section, at %s: no empty line ends the header", at(end)))
		}
	}
	h, n, parsedToEnd := rfc5322.Parse(hdr)
	res.header = h
	if complete {
		res.bodyOff = start + int64(len(hdr))
		if !parsedToEnd && blk.Fields > 0 {
			empty := res.bodyOff - 1
			if len(hdr) >= 2 && hdr[len(hdr)-2] == '\r' {
				empty--
			}
			res.warnings = append(res.warnings, fmt.Sprintf("line at %s is neither a header field nor a continuation; the header section goes on to the empty line at %s", at(start+int64(n)), at(empty)))
		}
	}
	b := rfc5322.Boundary(h)
	if b == "" || res.bodyOff < 0 {
		return res, nil
	}
	partial, w, err := CheckMultipart(r, res.bodyOff, end, b)
	if err != nil {
		return res, err
	}
	res.partial = res.partial || partial
	if w != "" {
		res.warnings = append(res.warnings, w)
	}
	return res, nil
}

// CheckMultipart looks for the closing delimiter of a multipart body with
// the given boundary, stored in [bodyOff, end) of r, as the only content
// of a file (a .eml file, a Maildir message). Without it the message is
// partial, probably truncated; warning says so, or that only the end of
// the delimiter is missing (which Apple Mail writes), or that the
// boundary is too long to be searched for.
func CheckMultipart(r io.ReaderAt, bodyOff, end int64, boundary string) (partial bool, warning string, err error) {
	b := boundary
	if len(b) > maxBoundary {
		return false, fmt.Sprintf("multipart boundary parameter is %d bytes long; the closing delimiter was not searched for", len(b)), nil
	}
	found, err := hasClosingDelimiter(r, bodyOff, end, b)
	if err != nil || found {
		return false, "", err
	}
	cut, err := endsWithCutDelimiter(r, bodyOff, end, b)
	if err != nil {
		return false, "", err
	}
	if cut {
		// Apple Mail sometimes stores a message whose last bytes are
		// "--boundary-" (the partial-emlx-converter project, issue 5):
		// only the final dash and line ending are missing.
		return false, fmt.Sprintf("the message ends with its multipart closing delimiter cut short (%q instead of %q, before %s); nothing else is missing", "--"+b+"-", "--"+b+"--", at(end)), nil
	}
	return true, fmt.Sprintf("multipart closing delimiter %q not found between %s and %s: the message is probably truncated", "--"+b+"--", at(bodyOff), at(end)), nil
}

// hasClosingDelimiter searches [bodyOff, end) for "--boundary--" at the
// start of a line: first in the last tailSize bytes, then, if need be, the
// whole body.
func hasClosingDelimiter(r io.ReaderAt, bodyOff, end int64, boundary string) (bool, error) {
	// The byte before the body is the LF of the empty line that ends the
	// header, so a delimiter at the very start of the body is found too.
	pat := []byte("\n--" + boundary + "--")
	from := bodyOff - 1
	tail := max(from, end-tailSize)
	i, err := indexAt(r, tail, end, pat)
	if err != nil || i >= 0 || tail == from {
		return i >= 0, err
	}
	i, err = indexAt(r, from, min(end, tail+int64(len(pat))-1), pat)
	return i >= 0, err
}

// endsWithCutDelimiter reports whether the message ends with
// "--boundary-" (and white space) on a line of its own.
func endsWithCutDelimiter(r io.ReaderAt, bodyOff, end int64, boundary string) (bool, error) {
	pat := []byte("\n--" + boundary + "-")
	from := max(bodyOff-1, end-int64(len(pat))-8)
	b := make([]byte, end-from)
	if err := readAt(r, b, from); err != nil {
		return false, err
	}
	return bytes.HasSuffix(bytes.TrimRight(b, " \t\r\n"), pat), nil
}

// readHeader reads the header section of the message at start: up to and
// including the empty line that ends it, or at most rfc5322.MaxHeader bytes
// (and never beyond end). complete reports whether the empty line was found.
func readHeader(r io.ReaderAt, start, end int64) (hdr []byte, complete bool, err error) {
	n := min(end-start, rfc5322.MaxHeader)
	br := bufio.NewReaderSize(io.NewSectionReader(r, start, n), int(min(n, 16<<10)))
	lineStart := true
	for {
		line, err := br.ReadSlice('\n')
		hdr = append(hdr, line...)
		if lineStart && err == nil && (len(line) == 1 || len(line) == 2 && line[0] == '\r') {
			return hdr, true, nil
		}
		lineStart = err == nil
		switch err {
		case nil, bufio.ErrBufferFull:
		case io.EOF:
			return hdr, false, nil
		default:
			return hdr, false, err
		}
	}
}
