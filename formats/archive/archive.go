// Package archive reads archives of mail: tar (POSIX ustar, GNU and PAX
// headers) and zip. A Maildir or a Thunderbird profile backed up with
// tar, a Google Takeout export (.zip or .tgz), a Zimbra export, a Cyrus
// spool. Their members are listed once and served as a read-only file
// system, which the folder walker reads as it reads a folder on disk: a
// Maildir inside is read as a Maildir (its flags, its folders), an mbox
// as an mbox, a .pst as a PST. Compressed tar archives (.tgz, .tar.gz)
// reach here through formats/gzip.
//
// Each message's chain starts with a "tar" or "zip" hop: the member's
// data as stored in the archive (its offset and length) and its name;
// the hops after it are the member's own format's, with offsets in the
// member's data (decompressed, for a compressed zip member). Its folder
// is the archive's name (without .tar, .tgz, .zip), then the member's
// folders. Member names are cleaned and kept inside the archive's root
// ("../" and absolute names cannot climb out of it).
//
// Members of the same name are all read (the later ones as "NAME (2)"...,
// said so). Damage: a tar archive is listed up to the first header that does not
// read (the rest is reported, not read); a zip archive whose central
// directory does not read is refused. A hard link reads as the member it
// links to; symbolic links, devices and sparse members are left out, and
// said so. A compressed zip member is inflated as it is read, into a
// temporary file (formats.TempDir), never past 1024 times its compressed
// size; a CRC that does not match is reported.
//
// archive/tar and archive/zip serve for the listings: archive/tar is told
// to read through (not seek over) the data, so that the position after
// each header is the member's data offset; archive/zip gives each
// member's data offset and a reader of its data.
package archive

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/mailsalvage/mailsalvage/formats"
)

// maxMembers bounds the members listed (a damaged or hostile archive of
// empty members cannot make the listing grow without end).
const maxMembers = 1 << 20

// member is one entry of an archive.
type member struct {
	name    string // cleaned, slash-separated, relative
	dir     bool
	off     int64 // its data as stored in the archive: offset
	stored  int64 // and length
	size    int64 // its data's size (stored, or once decompressed)
	mod     time.Time
	entries []string // a directory's children, names only, sorted
	// open, when set, reads the member's data (a compressed zip member);
	// otherwise it is the stored bytes at off
	open func() (dataFile, error)
	how  string // for the chain: "deflate, N bytes" or ""
}

// dataFile is a member's data opened for reading.
type dataFile interface {
	io.ReaderAt
	io.Closer
}

// archive is the listing: members by name, "." the root.
type archive struct {
	format  string // "tar" or "zip": the hop's
	r       io.ReaderAt
	members map[string]*member

	renamed int // members named as an earlier one, read as "NAME (2)"

	mu       sync.Mutex
	problems []string // met while reading members (a zip member's CRC)
}

func newArchive(format string, r io.ReaderAt) *archive {
	return &archive{format: format, r: r, members: map[string]*member{".": {name: ".", dir: true}}}
}

// problem records a problem met while a member is read.
func (a *archive) problem(format string, args ...any) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if len(a.problems) < 1000 {
		a.problems = append(a.problems, fmt.Sprintf(format, args...))
	}
}

// leftOut says what a listing left out, by kind, in a fixed order.
func leftOut(format string, skipped map[string]int) []string {
	var out []string
	for what, k := range skipped {
		out = append(out, fmt.Sprintf("%s: %d %s left out", format, k, what))
	}
	slices.Sort(out)
	return out
}

// walk walks the archive once its listing is done (problems: the
// listing's, in order).
func (a *archive) walk(p *formats.Probe, problems []string) (formats.Source, error) {
	if len(a.members) <= 1 {
		if len(problems) > 0 {
			return nil, fmt.Errorf("%s: no member could be listed: %s", a.format, problems[0])
		}
		return nil, fmt.Errorf("%s: the archive has no members", a.format)
	}
	for _, m := range a.members {
		slices.Sort(m.entries)
	}
	if a.renamed > 0 {
		problems = append(problems, fmt.Sprintf("%s: %d members have the name of an earlier one: read too, as NAME (2), NAME (3)...", a.format, a.renamed))
	}
	w, err := formats.Walk(a, p.Path)
	if err != nil {
		return nil, err
	}
	return &source{Source: w, a: a, problems: problems, top: archiveName(p.Path)}, nil
}

// archiveName is the folder the archive's members go in: its file name
// without .tar, .tgz, .tar.gz or .zip (a folder inside it keeps its own
// name apart from one of the same name beside the archive).
func archiveName(p string) string {
	name := path.Base(strings.ReplaceAll(p, "\\", "/"))
	for _, ext := range []string{".tar.gz", ".tgz", ".tar", ".zip", ".olm"} {
		if len(name) > len(ext) && strings.EqualFold(name[len(name)-len(ext):], ext) {
			return name[:len(name)-len(ext)]
		}
	}
	if name == "." || name == "/" {
		return "archive"
	}
	return name
}

// cleanName makes a member name relative and clean; false for one that
// names the root or climbs out of it.
func cleanName(name string) (string, bool) {
	// names in a legacy code page are kept, their bad bytes marked
	name = strings.ToValidUTF8(name, "\uFFFD")
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

// file adds a regular file. A member of the name of an earlier one (an
// archive appended to, or built so) is kept too, named "NAME (2)" and so
// on: extracting the archive would keep only the last, but each is
// evidence.
func (a *archive) file(f *member) {
	if m, ok := a.members[f.name]; ok {
		if m.dir {
			return
		}
		for k := 2; ; k++ {
			if _, taken := a.members[fmt.Sprintf("%s (%d)", f.name, k)]; !taken {
				f.name = fmt.Sprintf("%s (%d)", f.name, k)
				break
			}
		}
		a.renamed++
	}
	parent := a.dir(path.Dir(f.name), time.Time{})
	if parent == nil {
		return
	}
	a.members[f.name] = f
	parent.entries = append(parent.entries, path.Base(f.name))
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
	if m.open == nil {
		return &file{m: m, data: io.NewSectionReader(a.r, m.off, m.size)}, nil
	}
	d, err := m.open()
	if err != nil {
		return nil, &fs.PathError{Op: "open", Path: name, Err: err}
	}
	return &file{m: m, data: d, closer: d}, nil
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
		out = append(out, fs.FileInfoToDirEntry(info(a.members[path.Join(m.name, e)])))
	}
	return out, nil
}

func (a *archive) Stat(name string) (fs.FileInfo, error) {
	m, err := a.lookup("stat", name)
	if err != nil {
		return nil, err
	}
	return info(m), nil
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

// file is an open member: ReadAt, and Read from its start.
type file struct {
	m      *member
	data   io.ReaderAt
	closer io.Closer
	pos    int64
}

func (f *file) ReadAt(b []byte, off int64) (int, error) { return f.data.ReadAt(b, off) }

func (f *file) Read(b []byte) (int, error) {
	if f.pos >= f.m.size {
		return 0, io.EOF
	}
	n, err := f.data.ReadAt(b[:min(int64(len(b)), f.m.size-f.pos)], f.pos)
	f.pos += int64(n)
	if err == io.EOF && n > 0 {
		err = nil
	}
	return n, err
}

func (f *file) Stat() (fs.FileInfo, error) { return info(f.m), nil }

func (f *file) Close() error {
	if f.closer != nil {
		return f.closer.Close()
	}
	return nil
}

type dirFile struct {
	a    *archive
	m    *member
	read int
}

func (d *dirFile) Stat() (fs.FileInfo, error) { return info(d.m), nil }
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

// info describes a member to the walk.
func info(m *member) fs.FileInfo {
	return formats.FileInfo{Path: m.name, Len: m.size, Mod: m.mod, Dir: m.dir}
}

// source walks the members, each message's chain behind the archive's hop.
type source struct {
	formats.Source
	a        *archive
	problems formats.Pending
	top      string // the archive's folder
	// members of no mail format so far, and the first few names
	unknown  int
	examples []string
}

func (s *source) Next() (*formats.Message, error) {
	for {
		m, err := s.next()
		var p *formats.Problem
		if m == nil && errors.As(err, &p) && p.Path != "" && (errors.Is(p.Err, formats.ErrUnknown) || errors.Is(p.Err, formats.ErrEmpty)) {
			// members of no mail format (an archive holds all sorts):
			// counted, said once at the end
			s.unknown++
			if len(s.examples) < 3 {
				s.examples = append(s.examples, p.Path)
			}
			continue
		}
		err = s.inArchive(err)
		if err == io.EOF && s.unknown > 0 {
			n, more := s.unknown, ""
			if n > len(s.examples) {
				more = ", ..."
			}
			s.unknown = 0
			return nil, &formats.Problem{Offset: -1, Err: fmt.Errorf("%s: %d members hold no mail format (%s%s)", s.a.format, n, strings.Join(s.examples, ", "), more)}
		}
		return m, err
	}
}

func (s *source) next() (*formats.Message, error) {
	s.a.mu.Lock()
	s.problems = append(s.problems, s.a.problems...)
	s.a.problems = nil
	s.a.mu.Unlock()
	if err := s.problems.Pop(); err != nil {
		return nil, err
	}
	m, err := s.Source.Next()
	if m != nil {
		hop := formats.Hop{Format: s.a.format, Locator: m.Evidence}
		if mem, ok := s.a.members[m.Evidence]; ok && !mem.dir {
			loc := "member " + mem.name
			if mem.how != "" {
				loc += " (" + mem.how + ")"
			}
			hop = formats.Span(s.a.format, mem.off, mem.stored, loc)
		}
		m.Chain = append(formats.Chain{hop}, m.Chain...)
		m.Evidence = "" // the archive itself
		m.Folder = append([]string{s.top}, m.Folder...)
	}
	return m, err
}

// inArchive turns a member's problem into one of the archive: the
// member's name in the text, offsets of stored members in the archive's.
func (s *source) inArchive(err error) error {
	var p *formats.Problem
	if errors.As(err, &p) && p.Path != "" {
		q := *p
		q.Err = fmt.Errorf("member %s: %w", q.Path, q.Err)
		q.Path = ""
		if mem, ok := s.a.members[p.Path]; ok && q.Offset >= 0 && !mem.dir && mem.open == nil {
			q.Offset += mem.off // a stored member's offsets are the archive's
		} else if q.Offset >= 0 {
			q.Err = fmt.Errorf("at 0x%x of its data: %w", q.Offset, q.Err)
			q.Offset = -1
		}
		return &q
	}
	return err
}

func (s *source) Expected() []formats.FolderCount { return formats.ExpectedOf(s.Source) }

func (s *source) ListHeaders() { formats.ListHeaders(s.Source) }
