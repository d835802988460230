package eml

import (
	"errors"
	"io"

	"github.com/mailsalvage/mailsalvage/formats"
)

// ErrFormat is returned (wrapped, with the offset and what was wrong) when a
// file cannot be read as the format it was opened as.
var ErrFormat = errors.New("not a readable message file")

// single is a Source of exactly one message.
type single struct {
	m *formats.Message
}

func (s *single) Next() (*formats.Message, error) {
	if s.m == nil {
		return nil, io.EOF
	}
	m := s.m
	s.m = nil
	return m, nil
}

func (s *single) Close() error {
	s.m = nil
	return nil
}

// sectionOpener returns an Open function streaming n bytes of r at off.
func sectionOpener(r io.ReaderAt, off, n int64) func() (io.ReadCloser, error) {
	return func() (io.ReadCloser, error) {
		return io.NopCloser(io.NewSectionReader(r, off, n)), nil
	}
}
