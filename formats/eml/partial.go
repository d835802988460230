package eml

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"io/fs"
	"mime"
	"mime/quotedprintable"
	"os"
	"path"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/mailsalvage/mailsalvage/formats"
	"github.com/mailsalvage/mailsalvage/formats/rfc5322"
	"golang.org/x/text/unicode/norm"
)

// A .partial.emlx is an .emlx whose larger MIME parts Apple Mail keeps out
// of the message: such a part keeps its header, with an added
// X-Apple-Content-Length field giving the size of its encoded data, and has
// an empty body. The data is stored decoded in
//
//	<mailbox>/Attachments/<message number>/<part number>/<file name>
//
// beside <mailbox>/Messages/<message number>.partial.emlx, the part number
// being the part's IMAP section number (see part).

var parseMediaType = mime.ParseMediaType

// attachFile is an attachment file that fills an elided part.
type attachFile struct {
	part    part
	path    string // on this system
	rel     string // slash-separated, relative to the .emlx file's folder
	size    int64
	sha256  string
	cte     string // the part's Content-Transfer-Encoding, lower case
	eol     []byte // line ending for base64 lines
	encSize int64  // length once encoded
}

// reassemble finds the parts of m's message that Apple Mail stored apart
// and, when every one of their files is found, makes m open the rebuilt
// message. It returns 1 when the message was rebuilt, 0 when no part is
// elided, -1 when data is missing (m keeps the stored bytes and says why).
func reassemble(m *formats.Message, r io.ReaderAt, l Layout, h rfc5322.Header, p *formats.Probe) (int, error) {
	if _, apple := h.Get("X-Apple-Content-Length"); !apple && rfc5322.Boundary(h) == "" {
		return 0, nil // a single part, stored whole
	}
	parts, warnings, err := elidedParts(r, l.Offset, l.Length)
	m.Warnings = append(m.Warnings, warnings...)
	if err != nil {
		return 0, err
	}
	if len(parts) == 0 {
		return 0, nil
	}
	nums := make([]string, len(parts))
	for i, pt := range parts {
		nums[i] = pt.number
	}
	m.SetAttr("emlx_elided_parts", strings.Join(nums, ","))
	lead := fmt.Sprintf("MIME part(s) %s have their data stored outside the .emlx (X-Apple-Content-Length, empty body)", strings.Join(nums, ", "))
	dir, rel, why := attachmentsDir(p)
	if why != "" {
		m.Warnf("%s and %s: the message is exported as stored, without that data", lead, why)
		return -1, nil
	}
	eol, err := lineEnding(r, l.Offset, l.Length)
	if err != nil {
		return 0, err
	}
	var files []*attachFile
	var missing []string
	for _, pt := range parts {
		af, reason := findAttachment(dir, rel, pt, eol)
		if af == nil {
			missing = append(missing, pt.number+" ("+reason+")")
			continue
		}
		files = append(files, af)
	}
	if len(missing) > 0 {
		m.Warnf("%s; not found for part(s) %s: the message is exported as stored, without that data", lead, strings.Join(missing, "; "))
		return -1, nil
	}

	var segs []segment
	total := int64(0)
	cur := l.Offset
	for _, af := range files {
		segs = append(segs, segment{off: cur, n: af.part.bodyOff - cur}, segment{att: af})
		total += af.part.bodyOff - cur + af.encSize
		cur = af.part.bodyEnd
		// The delimiter after the data must start a line. When the part was
		// stored with a single empty line, the line ending before the
		// delimiter is the one that ended the header, now before the data.
		if end := l.Offset + l.Length; cur < end {
			next := make([]byte, 1)
			if err := readAt(r, next, cur); err != nil {
				return 0, err
			}
			if next[0] != '\n' && next[0] != '\r' {
				segs = append(segs, segment{lit: eol})
				total += int64(len(eol))
			}
		}
	}
	segs = append(segs, segment{off: cur, n: l.Offset + l.Length - cur})
	total += l.Offset + l.Length - cur

	m.Open = func() (io.ReadCloser, error) { return &rebuiltReader{r: r, segs: segs}, nil }
	m.Size = total
	m.Method = "emlx-reassembled"
	// The first hop still names the stored message in the .emlx; this one
	// says its bytes were then rebuilt, so no byte range of the evidence
	// holds them.
	m.Chain = append(m.Chain, formats.Hop{
		Format:  "emlx-reassembled",
		Locator: fmt.Sprintf("parts %s filled from %s", strings.Join(nums, ","), rel),
	})
	for _, af := range files {
		num := af.part.number
		m.SetAttr("emlx_attachment_"+num, af.rel)
		m.SetAttr("emlx_attachment_"+num+"_sha256", af.sha256)
		v, _ := af.part.header.Get("X-Apple-Content-Length")
		declared, err := strconv.ParseInt(rfc5322.Text(v), 10, 64)
		if err == nil && !closeEnough(declared, af.encSize) {
			m.Warnf("part %s: X-Apple-Content-Length is %d but %s (%d bytes) encodes to %d bytes: the file may not hold this part's data", num, declared, af.rel, af.size, af.encSize)
		}
	}
	return 1, nil
}

// closeEnough compares the encoded length Apple Mail recorded with the
// length of the file as encoded here. They differ by a few bytes when the
// sending mail client broke lines differently (X-Apple-Content-Length is
// the part as it came from the server) or used another quoted-printable
// encoder, so only differences above 2% are reported.
func closeEnough(declared, encoded int64) bool {
	d := declared - encoded
	if d < 0 {
		d = -d
	}
	return d <= 4 || d*50 <= declared
}

// attachmentsDir returns the Attachments/<message number> folder of a
// .partial.emlx, on this system and relative to the .emlx's folder, or why
// it cannot be used.
func attachmentsDir(p *formats.Probe) (dir, rel, why string) {
	if p == nil || p.Path == "" {
		return "", "", "the path of the .emlx is not known, so its Attachments folder cannot be looked for"
	}
	base := filepath.Base(p.Path)
	i := 0
	for i < len(base) && base[i] >= '0' && base[i] <= '9' {
		i++
	}
	if i == 0 {
		return "", "", fmt.Sprintf("the file name %q does not start with the message number that names its Attachments folder", base)
	}
	id := base[:i]
	dir = filepath.Join(filepath.Dir(filepath.Dir(p.Path)), "Attachments", id)
	rel = path.Join("..", "Attachments", id)
	info, err := os.Stat(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return "", "", fmt.Sprintf("there is no folder %s", rel)
	case err != nil:
		return "", "", fmt.Sprintf("folder %s cannot be read: %v", rel, unwrapPath(err))
	case !info.IsDir():
		return "", "", fmt.Sprintf("%s is not a folder", rel)
	}
	return dir, rel, ""
}

// findAttachment finds and examines the file of an elided part: the file
// named as the part's header names it, or else the only file in the part's
// folder (Apple Mail names unnamed parts in the user's language, e.g.
// "Mail-Anhang.png"). Names starting with a dot (.DS_Store) are ignored,
// and only regular files are used, never symbolic links.
func findAttachment(dir, rel string, pt part, eol []byte) (*attachFile, string) {
	partDir := filepath.Join(dir, pt.number)
	partRel := path.Join(rel, pt.number)
	entries, err := os.ReadDir(partDir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, "no folder " + partRel
	}
	if err != nil {
		return nil, fmt.Sprintf("folder %s cannot be read: %v", partRel, unwrapPath(err))
	}
	var names []string
	for _, e := range entries {
		if e.Type().IsRegular() && !strings.HasPrefix(e.Name(), ".") {
			names = append(names, e.Name())
		}
	}
	// Compared in Unicode normal form C: the header may spell a name
	// decomposed ("Tu\u0308bingen.pdf") that the file system stores
	// composed, or the other way round.
	want := partFilename(pt.header)
	name := ""
	for _, n := range names {
		if want != "" && norm.NFC.String(n) == norm.NFC.String(want) {
			name = n
		}
	}
	if name == "" {
		switch len(names) {
		case 0:
			return nil, "folder " + partRel + " holds no file"
		case 1:
			name = names[0]
		default:
			return nil, fmt.Sprintf("folder %s holds %d files, none named %q", partRel, len(names), want)
		}
	}
	af := &attachFile{
		part: pt,
		path: filepath.Join(partDir, name),
		rel:  path.Join(partRel, name),
		cte:  transferEncoding(pt.header),
		eol:  eol,
	}
	f, err := formats.OpenEvidence(af.path)
	if err != nil {
		return nil, fmt.Sprintf("%s cannot be opened: %v", af.rel, unwrapPath(err))
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil || !info.Mode().IsRegular() {
		return nil, af.rel + " is not a regular file"
	}
	h := sha256.New()
	src := &countReader{r: f, h: h}
	n, err := io.Copy(io.Discard, newEncoder(src, af.cte, eol))
	if err != nil {
		return nil, fmt.Sprintf("%s cannot be read: %v", af.rel, unwrapPath(err))
	}
	af.size, af.encSize, af.sha256 = src.n, n, hex.EncodeToString(h.Sum(nil))
	return af, ""
}

func unwrapPath(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// lineEnding returns the line ending of the message's first line.
func lineEnding(r io.ReaderAt, off, n int64) ([]byte, error) {
	b := make([]byte, min(n, 4<<10))
	if err := readAt(r, b, off); err != nil {
		return nil, err
	}
	if i := bytes.IndexByte(b, '\n'); i > 0 && b[i-1] == '\r' {
		return []byte("\r\n"), nil
	}
	return []byte("\n"), nil
}

// segment is a run of the rebuilt message: stored bytes of the .emlx, or an
// attachment file encoded.
type segment struct {
	off, n int64
	att    *attachFile
	lit    []byte // bytes added by the rebuild (a line ending)
}

// rebuiltReader streams the rebuilt message, opening one attachment file
// at a time. Each file is checked against the size and SHA-256 it had when
// the message was opened; a file changed since is an error, not silently
// different output.
type rebuiltReader struct {
	r    io.ReaderAt
	segs []segment
	i    int
	cur  io.Reader
	f    *os.File
	src  *countReader
}

func (rr *rebuiltReader) Read(p []byte) (int, error) {
	for {
		if rr.cur == nil {
			if rr.i >= len(rr.segs) {
				return 0, io.EOF
			}
			s := rr.segs[rr.i]
			rr.i++
			switch {
			case s.lit != nil:
				rr.cur = bytes.NewReader(s.lit)
				continue
			case s.att == nil:
				rr.cur = io.NewSectionReader(rr.r, s.off, s.n)
				continue
			}
			f, err := formats.OpenEvidence(s.att.path)
			if err != nil {
				return 0, err
			}
			rr.f = f
			// one byte more than expected, to notice a file that grew
			rr.src = &countReader{r: io.LimitReader(f, s.att.size+1), h: sha256.New(), want: s.att}
			rr.cur = newEncoder(rr.src, s.att.cte, s.att.eol)
		}
		n, err := rr.cur.Read(p)
		if err == io.EOF {
			rr.cur = nil
			if rr.src != nil {
				verr := rr.src.verify()
				rr.f.Close()
				rr.f, rr.src = nil, nil
				if verr != nil {
					return n, verr
				}
			}
			if n > 0 {
				return n, nil
			}
			continue
		}
		return n, err
	}
}

func (rr *rebuiltReader) Close() error {
	rr.cur, rr.src, rr.i = nil, nil, len(rr.segs)
	if rr.f != nil {
		err := rr.f.Close()
		rr.f = nil
		return err
	}
	return nil
}

// countReader counts and hashes what is read through it.
type countReader struct {
	r    io.Reader
	h    hash.Hash
	n    int64
	want *attachFile
}

func (c *countReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	c.h.Write(p[:n])
	return n, err
}

func (c *countReader) verify() error {
	if c.n != c.want.size || hex.EncodeToString(c.h.Sum(nil)) != c.want.sha256 {
		return fmt.Errorf("%s changed since the message was opened (now %d+ bytes, was %d with SHA-256 %s)", c.want.path, c.n, c.want.size, c.want.sha256)
	}
	return nil
}

// newEncoder encodes src for a part body with the given
// Content-Transfer-Encoding: base64 in 76-character lines separated by eol
// (no line ending after the last line: the one before the next delimiter
// belongs to the delimiter, RFC 2046 section 5.1.1), quoted-printable with
// mime/quotedprintable, its line breaks made eol, or else unchanged.
func newEncoder(src io.Reader, cte string, eol []byte) io.Reader {
	switch cte {
	case "base64":
		return &b64Reader{src: bufio.NewReaderSize(src, 32<<10), eol: eol}
	case "quoted-printable":
		q := &qpReader{src: src, in: make([]byte, 32<<10)}
		var dst io.Writer = &q.out
		if len(eol) == 1 {
			dst = crDropper{&q.out}
		}
		q.w = quotedprintable.NewWriter(dst)
		return q
	}
	return src
}

// b64Reader encodes in lines of 76 characters (57 input bytes).
type b64Reader struct {
	src     io.Reader
	eol     []byte
	in      [57 * 64]byte
	out     []byte
	pending []byte
	started bool
	eof     bool
}

func (b *b64Reader) Read(p []byte) (int, error) {
	for len(b.pending) == 0 {
		if b.eof {
			return 0, io.EOF
		}
		n, err := io.ReadFull(b.src, b.in[:])
		b.out = b.out[:0]
		for i := 0; i < n; i += 57 {
			if b.started {
				b.out = append(b.out, b.eol...)
			}
			b.out = base64.StdEncoding.AppendEncode(b.out, b.in[i:min(i+57, n)])
			b.started = true
		}
		b.pending = b.out
		if err == io.EOF || err == io.ErrUnexpectedEOF {
			b.eof = true
		} else if err != nil {
			return 0, err
		}
	}
	n := copy(p, b.pending)
	b.pending = b.pending[n:]
	return n, nil
}

// qpReader encodes quoted-printable through mime/quotedprintable.
type qpReader struct {
	src  io.Reader
	in   []byte
	out  bytes.Buffer
	w    *quotedprintable.Writer
	done bool
}

func (q *qpReader) Read(p []byte) (int, error) {
	for q.out.Len() == 0 && !q.done {
		n, err := q.src.Read(q.in)
		if n > 0 {
			q.w.Write(q.in[:n]) // writes to a bytes.Buffer do not fail
		}
		if err == io.EOF {
			q.w.Close()
			q.done = true
		} else if err != nil {
			return 0, err
		}
	}
	if q.out.Len() == 0 {
		return 0, io.EOF
	}
	return q.out.Read(p)
}

// crDropper turns the CRLF line breaks of quoted-printable output into LF.
// The encoder writes CR only as part of CRLF (a CR in the data is either a
// line break or encoded as =0D), so dropping every CR is exact.
type crDropper struct{ w *bytes.Buffer }

func (c crDropper) Write(p []byte) (int, error) {
	for _, b := range p {
		if b != '\r' {
			c.w.WriteByte(b)
		}
	}
	return len(p), nil
}
