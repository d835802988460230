// Package tar reads tar archives of mail (POSIX ustar, GNU and PAX
// headers): a Maildir or a Thunderbird profile backed up with tar, a
// Zimbra export, a Cyrus spool. Its members are listed once and served as
// a read-only file system, which the folder walker reads as it reads a
// folder on disk: a Maildir inside is read as a Maildir (its flags, its
// folders), an mbox as an mbox, a .pst as a PST. Compressed archives
// (.tgz, .tar.gz) reach here through formats/gzip.
//
// Each message's chain starts with a "tar" hop: the member's data (its
// offset and length in the archive) and its name; the hops after it are
// the member's own format's. Its folder is the archive's name (without
// .tar, .tgz), then the member's folders. Member names are cleaned and kept inside
// the archive's root ("../" and absolute names cannot climb out of it).
//
// A damaged archive is listed up to the first header that does not read
// (the rest is reported, not read). A hard link reads as the member it
// links to; symbolic links, devices and sparse members are left out, and
// said so.
//
// archive/tar serves for the listing: it reads the header formats, and
// is told to read through (not seek over) the data, so that the position
// after each header is the member's data offset.
package tar

import (
	"archive/tar"
	"bufio"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
	"slices"
	"strings"
	"time"

	"github.com/mailsalvage/mailsalvage/formats"
)

func init() {
	formats.Register(formats.Format{Name: "tar", Match: Match, OpenFile: OpenFile})
}

// Match recognizes a ustar header ("ustar" at offset 257, POSIX and GNU)
// whose checksum is right.
func Match(p *formats.Probe) int {
	h := p.Head
	if len(h) < 512 || string(h[257:262]) != "ustar" || !checksumOK(h[:512]) {
		return 0
	}
	return 80
}

// checksumOK reports whether a header block's chksum field (octal, at
// 148) is the sum of its bytes with the field read as spaces.
func checksumOK(b []byte) bool {
	var sum, want int64
	for i, c := range b {
		if i >= 148 && i < 156 {
			c = ' '
		}
		sum += int64(c)
	}
	field := strings.TrimRight(strings.TrimLeft(string(b[148:156]), " "), " \x00")
	if _, err := fmt.Sscanf(field, "%o", &want); err != nil {
		return false
	}
	return sum == want
}

// maxMembers bounds the members listed (a damaged or hostile archive of
// empty members cannot make the listing grow without end).
const maxMembers = 1 << 20

// member is one entry of the archive.
type member struct {
	name    string // cleaned, slash-separated, relative
	dir     bool
	off     int64 // of its data in the archive
	size    int64
	mod     time.Time
	entries []string // a directory's children, names only, sorted
}

// OpenFile lists the archive's members and walks them as a folder. It
// fails only when no member could be listed.
func OpenFile(r io.ReaderAt, size int64, p *formats.Probe) (formats.Source, error) {
	a, problems := list(r, size)
	if len(a.members) <= 1 {
		if len(problems) > 0 {
			return nil, fmt.Errorf("tar: no member could be listed: %s", problems[0])
		}
		return nil, errors.New("tar: the archive has no members")
	}
	w, err := formats.Walk(a, p.Path)
	if err != nil {
		return nil, err
	}
	return &source{Source: w, a: a, problems: problems, top: archiveName(p.Path)}, nil
}

// archiveName is the folder the archive's members go in: its file name
// without .tar, .tgz or .tar.gz (a folder inside it keeps its own name
// apart from one of the same name beside the archive).
func archiveName(p string) string {
	name := path.Base(strings.ReplaceAll(p, "\\", "/"))
	for _, ext := range []string{".tar.gz", ".tgz", ".tar"} {
		if len(name) > len(ext) && strings.EqualFold(name[len(name)-len(ext):], ext) {
			return name[:len(name)-len(ext)]
		}
	}
	if name == "." || name == "/" {
		return "tar"
	}
	return name
}

// archive is the listing: members by name, "." the root.
type archive struct {
	r       io.ReaderAt
	members map[string]*member
}

// counter counts the bytes read through it.
type counter struct {
	r io.Reader
	n int64
}

func (c *counter) Read(b []byte) (int, error) {
	n, err := c.r.Read(b)
	c.n += int64(n)
	return n, err
}

// list reads the headers of the archive.
func list(r io.ReaderAt, size int64) (*archive, []string) {
	a := &archive{r: r, members: map[string]*member{".": {name: ".", dir: true}}}
	// a Reader only: archive/tar then reads through each member's data
	// rather than seeking over it, and the count is the data's offset
	c := &counter{r: bufio.NewReaderSize(io.NewSectionReader(r, 0, size), 256<<10)}
	tr := tar.NewReader(struct{ io.Reader }{c})
	var problems []string
	skipped := map[string]int{}
	for n := 0; ; n++ {
		if n >= maxMembers {
			problems = append(problems, fmt.Sprintf("tar: more than %d members: the rest is not listed", maxMembers))
			break
		}
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			problems = append(problems, fmt.Sprintf("tar: the header after %d members, near offset 0x%x, does not read (%v): the rest of the archive is not listed", n, c.n, err))
			break
		}
		// archive/tar reads headers in whole blocks and nothing of the
		// data before it is asked: the data starts where it has read to
		off := c.n
		name, ok := cleanName(h.Name)
		if !ok {
			skipped["names outside the archive"]++
			continue
		}
		switch h.Typeflag {
		case tar.TypeDir:
			a.dir(name, h.ModTime)
		case tar.TypeReg, '\x00': // '0', and old tars' NUL
			if off+h.Size > size {
				problems = append(problems, fmt.Sprintf("tar: member %s: %d bytes declared, the archive ends after %d of them", name, h.Size, max(0, size-off)))
				h.Size = max(0, size-off)
			}
			a.file(name, off, h.Size, h.ModTime)
		case tar.TypeLink:
			// a hard link: the same data as a member before it (a
			// message delivered to two folders, in a spool)
			if target, ok := cleanName(h.Linkname); ok && a.members[target] != nil && !a.members[target].dir {
				t := a.members[target]
				a.file(name, t.off, t.size, h.ModTime)
			} else {
				skipped["hard links to no member listed before them"]++
			}
		case tar.TypeGNUSparse:
			skipped["sparse members"]++
		default:
			skipped["symbolic links, devices and other special members"]++
		}
	}
	for what, k := range skipped {
		problems = append(problems, fmt.Sprintf("tar: %d %s left out", k, what))
	}
	slices.Sort(problems)
	for _, m := range a.members {
		slices.Sort(m.entries)
		m.entries = slices.Compact(m.entries)
	}
	return a, problems
}

// cleanName makes a member name relative and clean; false for one that
// names the root or climbs out of it.
func cleanName(name string) (string, bool) {
	name = strings.TrimLeft(strings.ReplaceAll(name, "\\", "/"), "/")
	if name == "" {
		return "", false
	}
	for _, e := range strings.Split(name, "/") {
		if e == ".." {
			return "", false
		}
	}
	name = path.Clean(name)
	return name, name != "." && fs.ValidPath(name)
}

// dir adds a directory and its parents.
func (a *archive) dir(name string, mod time.Time) *member {
	if m, ok := a.members[name]; ok {
		if !m.dir {
			return nil // a file of that name came first: kept
		}
		if !mod.IsZero() {
			m.mod = mod
		}
		return m
	}
	parent := a.dir(path.Dir(name), time.Time{})
	if parent == nil {
		return nil
	}
	m := &member{name: name, dir: true, mod: mod}
	a.members[name] = m
	parent.entries = append(parent.entries, path.Base(name))
	return m
}

// file adds a regular file (a later member of the same name replaces an
// earlier one, as extracting the archive would).
func (a *archive) file(name string, off, size int64, mod time.Time) {
	if m, ok := a.members[name]; ok {
		if m.dir {
			return
		}
		m.off, m.size, m.mod = off, size, mod
		return
	}
	parent := a.dir(path.Dir(name), time.Time{})
	if parent == nil {
		return
	}
	a.members[name] = &member{name: name, off: off, size: size, mod: mod}
	parent.entries = append(parent.entries, path.Base(name))
}

// Open serves the archive as an fs.FS (read-only; files give ReadAt).
func (a *archive) Open(name string) (fs.File, error) {
	m, err := a.lookup("open", name)
	if err != nil {
		return nil, err
	}
	if m.dir {
		return &dirFile{a: a, m: m}, nil
	}
	return &file{m: m, SectionReader: io.NewSectionReader(a.r, m.off, m.size)}, nil
}

func (a *archive) ReadDir(name string) ([]fs.DirEntry, error) {
	m, err := a.lookup("readdir", name)
	if err != nil {
		return nil, err
	}
	if !m.dir {
		return nil, &fs.PathError{Op: "readdir", Path: name, Err: errors.New("not a directory")}
	}
	out := make([]fs.DirEntry, 0, len(m.entries))
	for _, e := range m.entries {
		out = append(out, fs.FileInfoToDirEntry(info{a.members[path.Join(m.name, e)]}))
	}
	return out, nil
}

func (a *archive) Stat(name string) (fs.FileInfo, error) {
	m, err := a.lookup("stat", name)
	if err != nil {
		return nil, err
	}
	return info{m}, nil
}

func (a *archive) lookup(op, name string) (*member, error) {
	if !fs.ValidPath(name) {
		return nil, &fs.PathError{Op: op, Path: name, Err: fs.ErrInvalid}
	}
	m, ok := a.members[name]
	if !ok {
		return nil, &fs.PathError{Op: op, Path: name, Err: fs.ErrNotExist}
	}
	return m, nil
}

type file struct {
	*io.SectionReader
	m *member
}

func (f *file) Stat() (fs.FileInfo, error) { return info{f.m}, nil }
func (f *file) Close() error               { return nil }

type dirFile struct {
	a    *archive
	m    *member
	read int
}

func (d *dirFile) Stat() (fs.FileInfo, error) { return info{d.m}, nil }
func (d *dirFile) Close() error               { return nil }
func (d *dirFile) Read([]byte) (int, error) {
	return 0, &fs.PathError{Op: "read", Path: d.m.name, Err: errors.New("is a directory")}
}

func (d *dirFile) ReadDir(n int) ([]fs.DirEntry, error) {
	all, _ := d.a.ReadDir(d.m.name)
	rest := all[d.read:]
	if n > 0 && len(rest) == 0 {
		return nil, io.EOF
	}
	if n > 0 && len(rest) > n {
		rest = rest[:n]
	}
	d.read += len(rest)
	return rest, nil
}

type info struct{ m *member }

func (i info) Name() string { return path.Base(i.m.name) }
func (i info) Size() int64  { return i.m.size }
func (i info) Mode() fs.FileMode {
	if i.m.dir {
		return fs.ModeDir | 0o555
	}
	return 0o444
}
func (i info) ModTime() time.Time { return i.m.mod }
func (i info) IsDir() bool        { return i.m.dir }
func (i info) Sys() any           { return nil }

// source walks the members, each message's chain behind a tar hop.
type source struct {
	formats.Source
	a        *archive
	problems []string
	top      string // the archive's folder
}

func (s *source) Next() (*formats.Message, error) {
	if len(s.problems) > 0 {
		p := s.problems[0]
		s.problems = s.problems[1:]
		return nil, &formats.Problem{Offset: -1, Err: errors.New(p)}
	}
	m, err := s.Source.Next()
	if m != nil {
		hop := formats.Hop{Format: "tar", Locator: m.Evidence}
		if mem, ok := s.a.members[m.Evidence]; ok && !mem.dir {
			hop = formats.Span("tar", mem.off, mem.size, "member "+mem.name)
		}
		m.Chain = append(formats.Chain{hop}, m.Chain...)
		m.Evidence = "" // the archive itself
		m.Folder = append([]string{s.top}, m.Folder...)
	}
	var p *formats.Problem
	if errors.As(err, &p) && p.Path != "" {
		q := *p
		q.Err = fmt.Errorf("member %s: %w", q.Path, q.Err)
		q.Path = ""
		if mem, ok := s.a.members[p.Path]; ok && q.Offset >= 0 && !mem.dir {
			q.Offset += mem.off
		}
		err = &q
	}
	return m, err
}

func (s *source) Expected() []formats.FolderCount { return formats.ExpectedOf(s.Source) }

func (s *source) ListHeaders() { formats.ListHeaders(s.Source) }
