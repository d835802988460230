package formats

import (
	"io/fs"
	"os"
	"path/filepath"
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
func EvidenceFS(dir string) fs.FS { return evidenceFS(dir) }

type evidenceFS string

func (root evidenceFS) Open(name string) (fs.File, error) {
	if !fs.ValidPath(name) {
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrInvalid}
	}
	f, err := OpenEvidence(filepath.Join(string(root), filepath.FromSlash(name)))
	if err != nil {
		return nil, err
	}
	return f, nil
}

func (root evidenceFS) ReadDir(name string) ([]fs.DirEntry, error) {
	if !fs.ValidPath(name) {
		return nil, &fs.PathError{Op: "readdir", Path: name, Err: fs.ErrInvalid}
	}
	return os.ReadDir(filepath.Join(string(root), filepath.FromSlash(name)))
}

func (root evidenceFS) Stat(name string) (fs.FileInfo, error) {
	if !fs.ValidPath(name) {
		return nil, &fs.PathError{Op: "stat", Path: name, Err: fs.ErrInvalid}
	}
	return os.Lstat(filepath.Join(string(root), filepath.FromSlash(name)))
}

// joinPath joins a root given on the command line and a slash-separated
// path below it.
func joinPath(root, rel string) string {
	if rel == "" || rel == "." {
		return root
	}
	return filepath.Join(root, filepath.FromSlash(rel))
}
