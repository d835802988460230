package eml

import (
	"errors"
	"io"
)

// ErrFormat is returned (wrapped, with the offset and what was wrong) when a
// file cannot be read as the format it was opened as.
var ErrFormat = errors.New("not a readable message file")

// sectionOpener returns an Open function streaming n bytes of r at off.
func sectionOpener(r io.ReaderAt, off, n int64) func() (io.ReadCloser, error) {
	return func() (io.ReadCloser, error) {
		return io.NopCloser(io.NewSectionReader(r, off, n)), nil
	}
}
