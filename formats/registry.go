package formats

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"slices"
	"sort"
	"sync"
	"sync/atomic"
)

// HeadSize is how much of a file is read for format detection.
const HeadSize = 64 << 10

// Probe is what detection sees of an input: its name and metadata, the first
// HeadSize bytes of a file, or the file system of a folder.
type Probe struct {
	Path string      // as given by the caller
	Info fs.FileInfo // of Path
	Head []byte      // files: the first HeadSize bytes (fewer if the file is shorter)
	FS   fs.FS       // folders: the folder's contents, opened read-only
	// Root and Rel, for a file met while a folder (or an archive) is
	// walked: the walk's file system and the file's path in it, for
	// formats whose items refer to other files (an Outlook for Mac
	// archive's attachments). Nil and "" otherwise.
	Root fs.FS
	Rel  string
}

// Format describes one input format. Exactly one of OpenFile and OpenDir is
// set: a format reads either files or folders.
type Format struct {
	Name string
	// Match looks at the probe's content (never the name alone) and returns
	// 0 if the input is not in this format, or a confidence from 1 to 100.
	// The most confident format wins; ties go to the first registered.
	Match func(p *Probe) int
	// OpenFile opens a file-based format. r is valid until the returned
	// Source is closed.
	OpenFile func(r io.ReaderAt, size int64, p *Probe) (Source, error)
	// OpenDir opens a folder-based format. Messages it returns carry
	// Evidence paths relative to the folder.
	OpenDir func(fsys fs.FS, p *Probe) (Source, error)
}

var (
	regMu    sync.RWMutex
	registry []Format
)

// Register makes a format known to Detect and Open. It is meant to be called
// from the init function of the format's package.
func Register(f Format) {
	if f.Name == "" || f.Match == nil || (f.OpenFile == nil) == (f.OpenDir == nil) {
		panic("formats: Register of incomplete format " + f.Name)
	}
	regMu.Lock()
	defer regMu.Unlock()
	for _, g := range registry {
		if g.Name == f.Name {
			panic("formats: Register called twice for " + f.Name)
		}
	}
	registry = append(registry, f)
}

// Registered returns the names of the registered formats, sorted.
func Registered() []string {
	regMu.RLock()
	defer regMu.RUnlock()
	var names []string
	for _, f := range registry {
		names = append(names, f.Name)
	}
	sort.Strings(names)
	return names
}

// Lookup returns the registered format with the given name.
func Lookup(name string) (Format, bool) {
	regMu.RLock()
	defer regMu.RUnlock()
	for _, f := range registry {
		if f.Name == name {
			return f, true
		}
	}
	return Format{}, false
}

// best returns the most confident matching format of the wanted kind,
// leaving out the formats named in skip.
func best(p *Probe, dir bool, skip ...string) (Format, bool) {
	regMu.RLock()
	defer regMu.RUnlock()
	var found Format
	score := 0
	for _, f := range registry {
		if (f.OpenDir != nil) != dir || slices.Contains(skip, f.Name) {
			continue
		}
		if s := f.Match(p); s > score {
			found, score = f, s
		}
	}
	return found, score > 0
}

// Errors returned (wrapped in *OpenError) by Detect and Open.
var (
	ErrEmpty      = errors.New("empty file")
	ErrUnknown    = errors.New("not a recognized mail format")
	ErrNotRegular = errors.New("not a regular file or folder")
)

// OpenError says which input could not be opened and why.
type OpenError struct {
	Path   string
	Err    error
	Detail string // what the content looked like, for ErrUnknown
}

func (e *OpenError) Error() string {
	s := e.Path + ": " + e.Err.Error()
	if e.Detail != "" {
		s += " (" + e.Detail + ")"
	}
	return s
}

func (e *OpenError) Unwrap() error { return e.Err }

// Detect reports which format path is in, by content.
func Detect(path string) (string, error) {
	p, closer, err := probe(path, nil)
	if err != nil {
		return "", err
	}
	if closer != nil {
		closer.Close()
	}
	f, ok := best(p, p.Info.IsDir())
	if !ok {
		if p.Info.IsDir() {
			return "folder", nil
		}
		return "", &OpenError{Path: path, Err: ErrUnknown, Detail: DescribeContent(p.Head)}
	}
	return f.Name, nil
}

// probe stats path and reads what detection needs. For a file it returns the
// open evidence file as closer; the caller keeps or closes it.
func probe(path string, n *atomic.Int64) (*Probe, *os.File, error) {
	info, err := os.Stat(path)
	if err != nil {
		return nil, nil, &OpenError{Path: path, Err: unwrapPathError(err)}
	}
	p := &Probe{Path: path, Info: info}
	switch {
	case info.IsDir():
		p.FS = CountingEvidenceFS(path, n)
		if n == nil {
			p.FS = EvidenceFS(path)
		}
		return p, nil, nil
	case !info.Mode().IsRegular():
		return nil, nil, &OpenError{Path: path, Err: ErrNotRegular, Detail: describeMode(info.Mode())}
	}
	f, err := OpenEvidence(path)
	if err != nil {
		return nil, nil, &OpenError{Path: path, Err: unwrapPathError(err)}
	}
	if info.Size() == 0 {
		f.Close()
		return nil, nil, &OpenError{Path: path, Err: ErrEmpty}
	}
	head := make([]byte, min(info.Size(), HeadSize))
	got, err := f.ReadAt(head, 0)
	if err != nil && err != io.EOF {
		f.Close()
		return nil, nil, &OpenError{Path: path, Err: unwrapPathError(err)}
	}
	p.Head = head[:got]
	return p, f, nil
}

// Open detects the format of path by content and opens it. A folder that no
// folder format claims is walked: every file and sub-folder in it is
// detected and opened in turn (see Walk). Messages from the returned Source
// have Evidence set to the path of their evidence file (path itself, or a
// file below it).
func Open(path string) (Source, string, error) { return OpenCounting(path, nil) }

// OpenCounting is Open that adds every byte read from the evidence to *n
// as it is read (n may be nil). Random-access formats may read some bytes
// twice, so the count can pass the input's size; it is meant for progress.
func OpenCounting(path string, n *atomic.Int64) (Source, string, error) {
	p, f, err := probe(path, n)
	if err != nil {
		return nil, "", err
	}
	if p.Info.IsDir() {
		if fm, ok := best(p, true); ok {
			src, err := fm.OpenDir(p.FS, p)
			if err != nil {
				return nil, "", &OpenError{Path: path, Err: err}
			}
			return &rooted{Source: src, root: path}, fm.Name, nil
		}
		src, err := Walk(p.FS, path)
		if err != nil {
			return nil, "", err
		}
		return &rooted{Source: src, root: path}, "folder", nil
	}
	var ra io.ReaderAt = f
	if n != nil {
		n.Add(int64(len(p.Head)))
		ra = countingReaderAt{f, n}
	}
	src, name, err := openDetected(ra, p.Info.Size(), p)
	if err != nil {
		f.Close()
		return nil, "", &OpenError{Path: path, Err: err, Detail: unknownDetail(err, p)}
	}
	return &fileSource{Source: src, f: f, path: path}, name, nil
}

// openDetected opens the size bytes behind r with the format whose Match
// likes p (its Head read from them) best, leaving out the formats named in
// skip; a file whose lines end with CR alone is read through CRAsLF. The
// error is ErrUnknown when no format claims the data.
func openDetected(r io.ReaderAt, size int64, p *Probe, skip ...string) (Source, string, error) {
	r, mac := macLineEnds(p, r)
	fm, ok := best(p, false, skip...)
	if !ok {
		return nil, "", ErrUnknown
	}
	src, err := fm.OpenFile(r, size, p)
	if err != nil {
		return nil, fm.Name, err
	}
	if mac {
		src = &macSource{src}
	}
	return src, fm.Name, nil
}

// Claims reports whether a format not named in skip would open data
// whose first bytes are p.Head (read as CRAsLF reads them when its lines
// end with CR alone), without opening it: a container can refuse data it
// would otherwise unpack in full only to find no mail in it. Formats match
// on the head and the name, never the size, so p.Info need not be final.
func Claims(p *Probe, skip ...string) bool {
	q := *p
	if ClassicMac(q.Head) {
		q.Head = bytes.Clone(q.Head)
		lonesToLF(q.Head, func() bool { return false })
	}
	_, ok := best(&q, false, skip...)
	return ok
}

// unknownDetail says what data no format claims looks like.
func unknownDetail(err error, p *Probe) string {
	if err == ErrUnknown {
		return DescribeContent(p.Head)
	}
	return ""
}

// OpenData detects by content the format of the size bytes behind r and
// opens it, for a container format whose payload is another format (a
// gzip file's decompressed data). p says what the data is: Path names it
// (a folder name may be taken from it) and Info gives its size; Head is
// read here. Formats named in skip are not tried (a container does not
// open itself again). Errors are *OpenError.
func OpenData(r io.ReaderAt, size int64, p *Probe, skip ...string) (Source, string, error) {
	if size <= 0 {
		return nil, "", &OpenError{Path: p.Path, Err: ErrEmpty}
	}
	head := make([]byte, min(size, HeadSize))
	n, err := r.ReadAt(head, 0)
	if n == 0 && err != nil {
		return nil, "", &OpenError{Path: p.Path, Err: err}
	}
	p.Head = head[:n]
	src, name, err := openDetected(r, size, p, skip...)
	if err != nil {
		return nil, "", &OpenError{Path: p.Path, Err: err, Detail: unknownDetail(err, p)}
	}
	return src, name, nil
}

// CarveUnknown, when set, opens data that no format claims as a raw image
// to carve: the recover command sets it (to carve.New), so that a
// compressed disk image ("disk.dd.gz") is carved as the image itself would
// be; container readers whose data is one file (gzip) call it. Files in
// walked folders and archives are not carved, as a walked folder's are
// not. Like TempDir it is the process's.
var CarveUnknown func(r io.ReaderAt, size int64) Source

// TempDir is where readers put what they must unpack to read (a gzip
// file's decompressed data): "" for the system's temporary folder. The
// recover command points it into OUT, so that nothing is written outside
// OUT.
var TempDir string

// fileSource closes the evidence file with the source and sets Evidence.
type fileSource struct {
	Source
	f    *os.File
	path string
}

func (s *fileSource) Next() (*Message, error) {
	m, err := s.Source.Next()
	if m != nil && m.Evidence == "" {
		m.Evidence = s.path
	}
	return m, err
}

func (s *fileSource) Expected() []FolderCount { return ExpectedOf(s.Source) }

func (s *fileSource) ListHeaders() { ListHeaders(s.Source) }

func (s *fileSource) Close() error {
	err := s.Source.Close()
	if cerr := s.f.Close(); err == nil {
		err = cerr
	}
	return err
}

// rooted turns Evidence paths relative to a folder into paths under root.
type rooted struct {
	Source
	root string
}

func (s *rooted) Expected() []FolderCount { return ExpectedOf(s.Source) }

func (s *rooted) ListHeaders() { ListHeaders(s.Source) }

func (s *rooted) Next() (*Message, error) {
	m, err := s.Source.Next()
	if m != nil {
		m.Evidence = joinPath(s.root, m.Evidence)
	}
	var p *Problem
	if errors.As(err, &p) {
		p.Path = joinPath(s.root, p.Path)
	}
	return m, err
}

func unwrapPathError(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

func describeMode(m fs.FileMode) string {
	switch {
	case m&fs.ModeDevice != 0 && m&fs.ModeCharDevice != 0:
		return "a character device"
	case m&fs.ModeDevice != 0:
		return "a block device; disk images and devices are read by carving, which this build does not have yet"
	case m&fs.ModeNamedPipe != 0:
		return "a named pipe"
	case m&fs.ModeSocket != 0:
		return "a socket"
	}
	return fmt.Sprintf("mode %v", m)
}

// DescribeContent says in a few words what a head of bytes looks like, for
// error messages about files no format claims.
func DescribeContent(head []byte) string {
	if len(head) == 0 {
		return "no data"
	}
	allZero := true
	ctl := 0
	for _, c := range head {
		if c != 0 {
			allZero = false
		}
		if c < 0x20 && c != '\t' && c != '\n' && c != '\r' && c != '\f' && c != 0x1b {
			ctl++
		}
	}
	n := min(len(head), 8)
	switch {
	case allZero:
		return fmt.Sprintf("the first %d bytes are all zero", len(head))
	case ctl*20 > len(head):
		return fmt.Sprintf("binary data, starting % x", head[:n])
	}
	return "text, but no mail header or mailbox separator in the first " + byteCount(int64(len(head)))
}

func byteCount(n int64) string {
	if n >= 1<<10 && n%(1<<10) == 0 {
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return fmt.Sprintf("%d bytes", n)
}
