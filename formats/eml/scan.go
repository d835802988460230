package eml

import (
	"bytes"
	"fmt"
	"io"
)

// chunkSize is how much is read at a time when a file is searched; no
// search holds more than about this much of a file in memory.
const chunkSize = 64 << 10

// readAt fills b from r at off. A reader that ends early (a file shorter
// than the size it was opened with) is an error.
func readAt(r io.ReaderAt, b []byte, off int64) error {
	n, err := r.ReadAt(b, off)
	if n == len(b) {
		return nil
	}
	if err == nil || err == io.EOF {
		err = io.ErrUnexpectedEOF
	}
	return fmt.Errorf("reading %d bytes at offset %d: %w", len(b), off, err)
}

// indexAt returns the offset of the first occurrence of pat in r within
// [from, to), or -1.
func indexAt(r io.ReaderAt, from, to int64, pat []byte) (int64, error) {
	if len(pat) == 0 || from < 0 || to-from < int64(len(pat)) {
		return -1, nil
	}
	buf := make([]byte, min(int64(chunkSize+len(pat)-1), to-from))
	for off := from; off+int64(len(pat)) <= to; off += chunkSize {
		b := buf[:min(int64(len(buf)), to-off)]
		if err := readAt(r, b, off); err != nil {
			return -1, err
		}
		if i := bytes.Index(b, pat); i >= 0 {
			return off + int64(i), nil
		}
	}
	return -1, nil
}

// lastIndexAt returns the offset of the last occurrence of pat in r within
// [from, to), or -1, reading backwards from to.
func lastIndexAt(r io.ReaderAt, from, to int64, pat []byte) (int64, error) {
	if len(pat) == 0 || from < 0 || to-from < int64(len(pat)) {
		return -1, nil
	}
	buf := make([]byte, min(int64(chunkSize+len(pat)-1), to-from))
	for end := to; end-from >= int64(len(pat)); end -= chunkSize {
		start := max(from, end-int64(len(buf)))
		b := buf[:end-start]
		if err := readAt(r, b, start); err != nil {
			return -1, err
		}
		if i := bytes.LastIndex(b, pat); i >= 0 {
			return start + int64(i), nil
		}
		if start == from {
			break
		}
	}
	return -1, nil
}

// isBinary reports bytes that do not occur in text mail: NUL and the C0
// controls other than tab, line feed, carriage return, form feed and
// escape (ISO-2022-JP uses ESC).
func isBinary(c byte) bool {
	return c < 0x20 && c != '\t' && c != '\n' && c != '\r' && c != '\f' && c != 0x1b
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\r' || c == '\n' }

func allSpace(b []byte) bool {
	for _, c := range b {
		if !isSpace(c) {
			return false
		}
	}
	return true
}

// at formats a byte offset for warnings.
func at(off int64) string { return fmt.Sprintf("offset %d (0x%x)", off, off) }
