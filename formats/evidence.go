package formats

import (
	"io"
	"io/fs"
	"os"
	"path/filepath"
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
	if !fs.ValidPath(name) {
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
	if !fs.ValidPath(name) {
		return nil, &fs.PathError{Op: "readdir", Path: name, Err: fs.ErrInvalid}
	}
	return os.ReadDir(filepath.Join(e.root, filepath.FromSlash(name)))
}

func (e evidenceFS) Stat(name string) (fs.FileInfo, error) {
	if !fs.ValidPath(name) {
		return nil, &fs.PathError{Op: "stat", Path: name, Err: fs.ErrInvalid}
	}
	return os.Lstat(filepath.Join(e.root, filepath.FromSlash(name)))
}

// joinPath joins a root given on the command line and a slash-separated
// path below it.
func joinPath(root, rel string) string {
	if rel == "" || rel == "." {
		return root
	}
	return filepath.Join(root, filepath.FromSlash(rel))
}
