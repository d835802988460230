package archive

import (
	"archive/zip"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"

	"github.com/mailsalvage/mailsalvage/formats"
)

func init() {
	formats.Register(formats.Format{Name: "zip", Match: MatchZip, OpenFile: OpenZip})
}

// MatchZip recognizes a zip archive by the local file header at its start
// ("PK\x03\x04"), or an empty one by its end record.
func MatchZip(p *formats.Probe) int {
	if h := p.Head; len(h) >= 4 && (string(h[:4]) == "PK\x03\x04" || string(h[:4]) == "PK\x05\x06") {
		return 80
	}
	return 0
}

// MaxRatio bounds a compressed member's data at this many times its
// compressed size (a zip bomb is cut there, and said so).
const MaxRatio = 1024

// ratio is MaxRatio (tests lower it).
var ratio int64 = MaxRatio

// OpenZip lists a zip archive's members from its central directory and
// walks them as a folder. Stored members are read in place; deflated ones
// are inflated as they are read. It fails when the central directory
// does not read.
func OpenZip(r io.ReaderAt, size int64, p *formats.Probe) (formats.Source, error) {
	zr, err := zip.NewReader(r, size)
	if err != nil {
		return nil, fmt.Errorf("zip: the central directory does not read: %w", err)
	}
	a := newArchive("zip", r)
	var problems []string
	skipped := map[string]int{}
	for i, f := range zr.File {
		if i >= maxMembers {
			problems = append(problems, fmt.Sprintf("zip: more than %d members: the rest is not listed", maxMembers))
			break
		}
		name, ok := cleanName(f.Name)
		switch {
		case !ok:
			skipped["names outside the archive"]++
			continue
		case strings.HasSuffix(f.Name, "/"):
			a.dir(name, f.Modified)
			continue
		case !f.Mode().IsRegular():
			skipped["symbolic links and other special members"]++
			continue
		case f.Flags&1 != 0:
			skipped["encrypted members"]++
			continue
		}
		off, err := f.DataOffset()
		if err != nil || off < 0 || off+int64(f.CompressedSize64) > size || f.CompressedSize64 > 1<<62 {
			problems = append(problems, fmt.Sprintf("zip: member %s: its data lies outside the archive (%v): left out", name, err))
			continue
		}
		m := &member{name: name, off: off, stored: int64(f.CompressedSize64), mod: f.Modified}
		switch f.Method {
		case zip.Store:
			m.size = m.stored
		case zip.Deflate:
			limit := min(maxSize, max(m.stored, 1)*ratio)
			m.size = int64(min(f.UncompressedSize64, uint64(limit)))
			if f.UncompressedSize64 > uint64(limit) {
				problems = append(problems, fmt.Sprintf("zip: member %s: %d bytes declared from %d compressed: read up to %d (%d times; a zip bomb, or damage)", name, f.UncompressedSize64, m.stored, limit, ratio))
			}
			m.how = fmt.Sprintf("deflate, %d bytes", m.size)
			file, mname, msize := f, name, m.size
			m.open = func() (dataFile, error) { return a.inflate(file, mname, msize) }
		default:
			skipped[fmt.Sprintf("members compressed with method %d", f.Method)]++
			continue
		}
		a.file(m)
	}
	for what, k := range skipped {
		problems = append(problems, fmt.Sprintf("zip: %d %s left out", k, what))
	}
	return a.walk(p, problems)
}

// maxSize bounds a member's data whatever the ratio.
const maxSize = 1 << 40

// inflated is a deflated member's data, inflated into a temporary file
// as far as it has been read: sniffing a member's first bytes does not
// inflate all of it.
type inflated struct {
	a    *archive
	name string
	mu   sync.Mutex
	rc   io.ReadCloser
	tmp  *os.File
	have int64
	size int64 // what is inflated at most
	done bool
	buf  []byte
}

func (a *archive) inflate(f *zip.File, name string, size int64) (dataFile, error) {
	rc, err := f.Open()
	if err != nil {
		return nil, err
	}
	tmp, err := os.CreateTemp(formats.TempDir, "unzip-*")
	if err != nil {
		rc.Close()
		return nil, fmt.Errorf("a temporary file for its data: %w", err)
	}
	os.Remove(tmp.Name()) // the open file stays readable (where the system allows)
	return &inflated{a: a, name: name, rc: rc, tmp: tmp, size: size}, nil
}

// fill inflates until n bytes are out, the data ends or size is reached.
func (z *inflated) fill(n int64) error {
	if z.buf == nil && !z.done {
		z.buf = make([]byte, 256<<10)
	}
	for !z.done && z.have < n {
		k, err := z.rc.Read(z.buf[:min(int64(len(z.buf)), z.size-z.have)])
		if k > 0 {
			if _, werr := z.tmp.WriteAt(z.buf[:k], z.have); werr != nil {
				z.done = true
				return werr
			}
			z.have += int64(k)
		}
		switch {
		case errors.Is(err, zip.ErrChecksum):
			z.a.problem("zip: member %s: its CRC-32 does not match its %d bytes: the data is damaged somewhere in it", z.name, z.have)
			z.done = true
		case err != nil && err != io.EOF:
			z.a.problem("zip: member %s: %v after %d bytes: the rest is not read", z.name, err, z.have)
			z.done = true
		case err == io.EOF || z.have >= z.size:
			z.done = true
		}
	}
	if z.done {
		z.buf = nil
	}
	return nil
}

func (z *inflated) ReadAt(p []byte, off int64) (int, error) {
	if off < 0 {
		return 0, errors.New("zip: negative offset")
	}
	z.mu.Lock()
	err := z.fill(off + int64(len(p)))
	have := z.have
	z.mu.Unlock()
	if err != nil {
		return 0, err
	}
	if off >= have {
		return 0, io.EOF
	}
	n, err := z.tmp.ReadAt(p[:min(int64(len(p)), have-off)], off)
	if err == nil && n < len(p) {
		err = io.EOF
	}
	return n, err
}

func (z *inflated) Close() error {
	z.rc.Close()
	return z.tmp.Close()
}
