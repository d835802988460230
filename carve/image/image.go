package image

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"

	"github.com/mailsalvage/mailsalvage/formats"
)

// Format names returned by Image.Format.
const (
	FormatRaw      = "raw"
	FormatSplitRaw = "split-raw"
	FormatEWF      = "ewf"
)

// Sentinel errors; the errors returned by Open wrap one of them where it
// applies, so callers can tell with errors.Is.
var (
	// ErrFormat: the container is too damaged to be read at all.
	ErrFormat = errors.New("malformed image")
	// ErrUnsupported: a container this package recognizes but cannot read.
	ErrUnsupported = errors.New("unsupported image format")
	// ErrMissingSegment: a split raw set has a gap.
	ErrMissingSegment = errors.New("segment missing")
)

// FormatError tells where in which file an image is malformed.
type FormatError struct {
	File   string // the file (segment) concerned
	Offset int64  // byte offset in File, or -1 when there is none
	Msg    string // what is wrong
	Err    error  // ErrFormat, ErrUnsupported or ErrMissingSegment
}

func (e *FormatError) Error() string {
	if e.Offset >= 0 {
		return fmt.Sprintf("%s: offset %d (0x%x): %s", e.File, e.Offset, e.Offset, e.Msg)
	}
	return fmt.Sprintf("%s: %s", e.File, e.Msg)
}

func (e *FormatError) Unwrap() error { return e.Err }

// Image is an opened disk image: the bytes of the acquired medium, from
// offset 0 to Size(), whatever the container. It is safe for concurrent
// use.
type Image struct {
	format   string
	size     int64
	segments []string
	r        io.ReaderAt // the container's reader, never asked past size
	closers  []io.Closer
	warn     *warnings
	md5      string
	sha1     string
	closed   atomic.Bool
}

// Open opens the disk image at path, detecting its container by content
// (an EWF signature) and, for split raw sets, by name (path.001, path.aa,
// …). Every file is opened read-only. Damage that still leaves something
// readable is reported by Warnings, not as an error.
func Open(path string) (*Image, error) {
	f, err := formats.OpenEvidence(path)
	if err != nil {
		return nil, err
	}
	size, err := evidenceSize(f, path)
	if err != nil {
		f.Close()
		return nil, err
	}
	var sig [16]byte
	n, err := f.ReadAt(sig[:], 0)
	if err != nil && err != io.EOF {
		f.Close()
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	switch kind := sniff(sig[:n]); kind {
	case kindEWF:
		f.Close()
		return openEWFSet(path)
	case kindRaw:
	default:
		f.Close()
		return nil, &FormatError{File: path, Offset: 0, Msg: kind + " is not supported", Err: ErrUnsupported}
	}
	names, err := splitSet(path)
	if err != nil {
		f.Close()
		return nil, err
	}
	if len(names) <= 1 {
		w := &warnings{}
		return &Image{
			format: FormatRaw, size: size, segments: []string{path},
			r:       &concat{parts: []rawPart{{name: path, r: f, size: size}}, size: size},
			closers: []io.Closer{f}, warn: w,
		}, nil
	}
	f.Close()
	return openSplit(names)
}

// NewReader reads an image held in r (size bytes), such as one found inside
// another image: an EWF image when r starts with the EWF signature (one
// segment only; name is used in warnings), raw otherwise. Closing the Image
// does not close r.
func NewReader(r io.ReaderAt, size int64, name string) (*Image, error) {
	if size < 0 {
		return nil, &FormatError{File: name, Offset: -1, Msg: "negative size", Err: ErrFormat}
	}
	var sig [16]byte
	n, err := r.ReadAt(sig[:], 0)
	if err != nil && err != io.EOF {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if n > int(size) {
		n = int(size)
	}
	switch kind := sniff(sig[:n]); kind {
	case kindEWF:
		return newEWF([]segmentSource{{name: name, r: r, size: size}}, nil, nil)
	case kindRaw:
		return &Image{
			format: FormatRaw, size: size, segments: []string{name},
			r:    &concat{parts: []rawPart{{name: name, r: r, size: size}}, size: size},
			warn: &warnings{},
		}, nil
	default:
		return nil, &FormatError{File: name, Offset: 0, Msg: kind + " is not supported", Err: ErrUnsupported}
	}
}

// ReadAt reads len(p) bytes of the medium at off. It returns io.EOF when
// fewer bytes are left. Damage inside an EWF image does not make it fail
// (see Warnings); a failing read of the underlying file does.
func (img *Image) ReadAt(p []byte, off int64) (int, error) {
	if img.closed.Load() {
		return 0, os.ErrClosed
	}
	if off < 0 {
		return 0, errors.New("image: negative offset")
	}
	if off >= img.size {
		return 0, io.EOF
	}
	want := len(p)
	if rest := img.size - off; int64(want) > rest {
		want = int(rest)
	}
	n, err := img.r.ReadAt(p[:want], off)
	if err == nil && n < len(p) {
		err = io.EOF
	}
	return n, err
}

// Size is the size of the medium in bytes.
func (img *Image) Size() int64 { return img.size }

// Format is "raw", "split-raw" or "ewf".
func (img *Image) Format() string { return img.format }

// Segments lists the files the image was read from, in order.
func (img *Image) Segments() []string { return append([]string(nil), img.segments...) }

// Warnings lists the damage found so far, each naming the file and the
// offset. Reading more of the image may add to it.
func (img *Image) Warnings() []string { return img.warn.list() }

// StoredHashes returns the MD5 and SHA-1 of the medium as the EWF hash,
// digest or xhash sections record them (lower-case hex), or "" for a hash
// the image does not hold. Raw images hold none.
func (img *Image) StoredHashes() (md5, sha1 string) { return img.md5, img.sha1 }

// Close closes the files of the image.
func (img *Image) Close() error {
	if img.closed.Swap(true) {
		return nil
	}
	var first error
	for _, c := range img.closers {
		if err := c.Close(); err != nil && first == nil {
			first = err
		}
	}
	return first
}

// Section returns a reader of length bytes of img from offset, for the
// --offset and --length options: a negative length means up to the end,
// and the window is clipped to the image (an offset past the end gives an
// empty reader).
func Section(img *Image, offset, length int64) *io.SectionReader {
	size := img.Size()
	if offset < 0 {
		offset = 0
	}
	if offset > size {
		offset = size
	}
	if length < 0 || length > size-offset {
		length = size - offset
	}
	return io.NewSectionReader(img, offset, length)
}

// Container kinds found by sniff.
const (
	kindRaw = "raw"
	kindEWF = "ewf"
)

// sniff tells the container from its first bytes: the EWF file header
// signatures (EWF notes, section 2.1) and those of EWF2 (the Ex01 notes,
// section 2.1), which is recognized so that it is refused clearly rather
// than read as raw.
func sniff(b []byte) string {
	switch {
	case hasPrefix(b, evfSignature):
		return kindEWF
	case hasPrefix(b, lvfSignature):
		return "EWF logical evidence file (L01)"
	case hasPrefix(b, evf2Signature):
		return "EWF2 (Ex01, EnCase 7 version 2 format)"
	case hasPrefix(b, lef2Signature):
		return "EWF2 logical evidence file (Lx01)"
	case hasPrefix(b, adcryptSignature):
		return "FTK encrypted image (ADCRYPT)"
	}
	return kindRaw
}

func hasPrefix(b []byte, sig string) bool {
	return len(b) >= len(sig) && string(b[:len(sig)]) == sig
}

// evidenceSize is the size of an opened evidence file: from Stat for a
// regular file, by seeking to the end for a block or character device.
func evidenceSize(f *os.File, path string) (int64, error) {
	st, err := f.Stat()
	if err != nil {
		return 0, err
	}
	if st.IsDir() {
		return 0, &FormatError{File: path, Offset: -1, Msg: "is a directory, not a disk image", Err: ErrFormat}
	}
	if st.Mode().IsRegular() {
		return st.Size(), nil
	}
	end, err := f.Seek(0, io.SeekEnd)
	if err != nil {
		return 0, fmt.Errorf("%s: finding the size of the device: %w", path, err)
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return 0, fmt.Errorf("%s: %w", path, err)
	}
	return end, nil
}

// maxWarnings bounds the warnings kept: a badly damaged image could
// otherwise yield one per chunk.
const maxWarnings = 1000

// warnings collects warnings; it is safe for concurrent use.
type warnings struct {
	mu      sync.Mutex
	items   []string
	dropped int
}

func (w *warnings) add(s string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if len(w.items) >= maxWarnings {
		w.dropped++
		return
	}
	w.items = append(w.items, s)
}

// at adds a warning about file at offset off (-1: none).
func (w *warnings) at(file string, off int64, format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	if off >= 0 {
		w.add(fmt.Sprintf("%s: offset %d (0x%x): %s", file, off, off, msg))
		return
	}
	w.add(fmt.Sprintf("%s: %s", file, msg))
}

func (w *warnings) list() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	out := append([]string(nil), w.items...)
	if w.dropped > 0 {
		out = append(out, fmt.Sprintf("%d more warnings not kept", w.dropped))
	}
	return out
}

// base is the file name used in messages about a path.
func base(path string) string { return filepath.Base(path) }
