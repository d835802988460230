package formats

import (
	"io/fs"
	"os"
	"path"
	"time"
)

// InflateRatio bounds what a reader unpacks from compressed data (a gzip
// file, a zip member): at most this many times its compressed size, and
// never more than MaxInflated. Text compresses 3 to 10 times, a bomb a
// thousand times and more; a bomb is cut there, and the reader says so.
// Tests lower it.
var InflateRatio int64 = 1024

// MaxInflated bounds unpacked data whatever its ratio.
const MaxInflated = 1 << 40

// InflateLimit is the most a reader unpacks from compressed bytes.
func InflateLimit(compressed int64) int64 {
	return min(MaxInflated, max(compressed, 1)*InflateRatio)
}

// Temp is a file a reader unpacks data into (a gzip file's data, a zip
// member's), in TempDir. It is unlinked at once where the system allows
// (the open file stays readable until Close), and removed at Close where
// it does not.
type Temp struct {
	*os.File
	unlinked bool
}

// NewTemp creates a Temp named after pattern, as os.CreateTemp does.
func NewTemp(pattern string) (*Temp, error) {
	f, err := os.CreateTemp(TempDir, pattern)
	if err != nil {
		return nil, err
	}
	return &Temp{File: f, unlinked: os.Remove(f.Name()) == nil}, nil
}

// Close closes the file and removes it if it was not unlinked.
func (t *Temp) Close() error {
	err := t.File.Close()
	if !t.unlinked {
		os.Remove(t.Name())
	}
	return err
}

// FileInfo describes data that is not a file of its own (decompressed
// data, an archive's member) to the format that reads it.
type FileInfo struct {
	Path string // its name is the last element
	Len  int64
	Mod  time.Time
	Dir  bool
}

func (f FileInfo) Name() string { return path.Base(f.Path) }
func (f FileInfo) Size() int64  { return f.Len }
func (f FileInfo) Mode() fs.FileMode {
	if f.Dir {
		return fs.ModeDir | 0o555
	}
	return 0o444
}
func (f FileInfo) ModTime() time.Time { return f.Mod }
func (f FileInfo) IsDir() bool        { return f.Dir }
func (f FileInfo) Sys() any           { return nil }
