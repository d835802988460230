package formats

import (
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
)

// OpenEvidence opens an evidence file read-only. Where the system allows it
// the file's access time is left alone too (O_NOATIME on Linux, for files
// the caller owns or when running as root), so reading evidence changes
// nothing about it.
func OpenEvidence(path string) (*os.File, error) {
	if f, err := os.OpenFile(path, os.O_RDONLY|oNoATime, 0); err == nil {
		return f, nil
	}
	return os.Open(path)
}

// EvidenceFS returns a read-only file system rooted at dir whose files are
// opened with OpenEvidence. Symbolic links are reported by ReadDir but never
// opened by the walkers in this module.
func EvidenceFS(dir string) fs.FS { return evidenceFS{root: dir} }

// CountingEvidenceFS is EvidenceFS that adds every byte read from its
// files to *n (for progress reporting).
func CountingEvidenceFS(dir string, n *atomic.Int64) fs.FS {
	return evidenceFS{root: dir, n: n}
}

type evidenceFS struct {
	root string
	n    *atomic.Int64 // bytes read, or nil
}

func (e evidenceFS) Open(name string) (fs.File, error) {
	if !validPath(name) {
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrInvalid}
	}
	f, err := OpenEvidence(filepath.Join(e.root, filepath.FromSlash(name)))
	if err != nil {
		return nil, err
	}
	if e.n != nil {
		return &countingFile{File: f, n: e.n}, nil
	}
	return f, nil
}

// countingFile counts what is read from an evidence file, through Read
// and ReadAt alike.
type countingFile struct {
	*os.File
	n *atomic.Int64
}

func (c *countingFile) Read(p []byte) (int, error) {
	n, err := c.File.Read(p)
	c.n.Add(int64(n))
	return n, err
}

func (c *countingFile) ReadAt(p []byte, off int64) (int, error) {
	n, err := c.File.ReadAt(p, off)
	c.n.Add(int64(n))
	return n, err
}

// countingReaderAt counts what is read through ReadAt.
type countingReaderAt struct {
	r io.ReaderAt
	n *atomic.Int64
}

func (c countingReaderAt) ReadAt(p []byte, off int64) (int, error) {
	n, err := c.r.ReadAt(p, off)
	c.n.Add(int64(n))
	return n, err
}

func (e evidenceFS) ReadDir(name string) ([]fs.DirEntry, error) {
	if !validPath(name) {
		return nil, &fs.PathError{Op: "readdir", Path: name, Err: fs.ErrInvalid}
	}
	return os.ReadDir(filepath.Join(e.root, filepath.FromSlash(name)))
}

func (e evidenceFS) Stat(name string) (fs.FileInfo, error) {
	if !validPath(name) {
		return nil, &fs.PathError{Op: "stat", Path: name, Err: fs.ErrInvalid}
	}
	return os.Lstat(filepath.Join(e.root, filepath.FromSlash(name)))
}

// validPath is fs.ValidPath without its rule that names be UTF-8: file
// names on Linux are bytes, and evidence from old disks and foreign
// systems holds Latin-1 or Shift-JIS names that must be read like any
// other (fs.ValidPath would refuse them with fs.ErrInvalid and their mail
// would be lost). Empty, "." and ".." elements are still refused.
func validPath(name string) bool {
	if name == "." {
		return true
	}
	for {
		elem, rest, more := strings.Cut(name, "/")
		if elem == "" || elem == "." || elem == ".." {
			return false
		}
		if !more {
			return true
		}
		name = rest
	}
}

// Sub returns the evidence file system rooted at dir, for names that
// fs.Sub (which checks fs.ValidPath) would refuse; see SubFS.
func (e evidenceFS) Sub(dir string) (fs.FS, error) {
	if !validPath(dir) {
		return nil, &fs.PathError{Op: "sub", Path: dir, Err: fs.ErrInvalid}
	}
	if dir == "." {
		return e, nil
	}
	return evidenceFS{root: filepath.Join(e.root, filepath.FromSlash(dir)), n: e.n}, nil
}

// SubFS is fs.Sub that asks fsys's own Sub method first, so that an
// evidence folder whose name is not UTF-8 can still be entered.
func SubFS(fsys fs.FS, dir string) (fs.FS, error) {
	if s, ok := fsys.(fs.SubFS); ok {
		return s.Sub(dir)
	}
	return fs.Sub(fsys, dir)
}

// joinPath joins a root given on the command line and a slash-separated
// path below it.
func joinPath(root, rel string) string {
	if rel == "" || rel == "." {
		return root
	}
	return filepath.Join(root, filepath.FromSlash(rel))
}

// ReadableSize returns how many of the size bytes behind r can be read:
// size, or fewer when r ends early (a read error, a file cut while it was
// read, an archive member whose declared size lies). It reads one byte
// at a time, at most about log2(size) of them.
func ReadableSize(r io.ReaderAt, size int64) int64 {
	var b [1]byte
	readable := func(n int64) bool { // can byte n-1 be read?
		k, _ := r.ReadAt(b[:], n-1)
		return k == 1
	}
	if size <= 0 || readable(size) {
		return max(size, 0)
	}
	lo, hi := int64(0), size // readable(lo) holds (or lo is 0), readable(hi) does not
	for hi-lo > 1 {
		mid := lo + (hi-lo)/2
		if readable(mid) {
			lo = mid
		} else {
			hi = mid
		}
	}
	return lo
}
