// Package gzip reads gzip-compressed mail files (RFC 1952): a mailing
// list's archive.mbox.gz, a saved message.eml.gz, a rotated mail spool.
// The data is decompressed once, into a temporary file (formats.TempDir;
// the recover command puts it inside OUT), and read there by the format
// its content shows, as if the file had been given uncompressed. Every
// message's provenance chain starts with a "gzip" hop covering the whole
// compressed file; the hops after it give offsets in the decompressed
// data.
//
// A damaged stream is decompressed as far as it goes: a bad CRC, a
// stream cut short or bytes after the last member are reported, and the
// messages of the data that came out are read (the last may be partial).
// Data of no mail format is refused, saying what it looks like, from its
// first formats.HeadSize bytes, before the rest is unpacked (a folder of
// compressed logs is not decompressed to disk in full; tar archives have
// their reader, formats/archive), unless the caller set
// formats.CarveUnknown (recover does) and the file is an input, not one
// met in a walked folder or an archive: then it is carved as a raw image,
// as the uncompressed file would be (a disk.dd.gz), the carved messages'
// chains starting with the gzip hop. The decompressed size is bounded by
// formats.InflateLimit (1024 times the compressed size: a decompression
// bomb is cut there, and said so; a nearly empty disk image can compress
// better than that). A gzip file inside a gzip file is not unpacked again.
//
// compress/gzip serves as it is: it reads concatenated members, checks
// each member's CRC-32 and size, and gives every byte it decompressed
// before an error, which is what recovery needs.
package gzip

import (
	"bufio"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"time"

	"github.com/mailsalvage/mailsalvage/formats"
)

func init() {
	formats.Register(formats.Format{Name: "gzip", Match: Match, OpenFile: OpenFile})
}

// Match recognizes the gzip magic and the deflate method (ID1 0x1f, ID2
// 0x8b, CM 8) and a flags byte without reserved bits.
func Match(p *formats.Probe) int {
	if len(p.Head) >= 4 && p.Head[0] == 0x1f && p.Head[1] == 0x8b && p.Head[2] == 8 && p.Head[3]&0xe0 == 0 {
		return 90
	}
	return 0
}

// Errors (wrapped in what OpenFile returns).
var (
	ErrNested = errors.New("a gzip file inside a gzip file is not unpacked again")
	ErrEmpty  = errors.New("no data could be decompressed")
)

// OpenFile decompresses the size bytes behind r and opens what they hold.
// It fails when nothing could be decompressed, when the data is gzip again
// or of no mail format, or when the temporary file cannot be written.
func OpenFile(r io.ReaderAt, size int64, p *formats.Probe) (formats.Source, error) {
	name := strings.TrimSuffix(p.Path, ".gz")
	name = strings.TrimSuffix(name, ".gzip")
	name = strings.TrimSuffix(name, ".GZ")
	var mod time.Time
	if p.Info != nil {
		mod = p.Info.ModTime()
	}
	zr, err := gzip.NewReader(bufio.NewReaderSize(io.NewSectionReader(r, 0, size), 256<<10))
	if err != nil {
		return nil, fmt.Errorf("gzip: %w", err)
	}
	defer zr.Close()
	limit := formats.InflateLimit(size)
	// the head first: data no format claims is not unpacked in full (a
	// folder of compressed logs), unless it is to be carved
	head, ended, herr := readUpTo(zr, min(formats.HeadSize, limit))
	if len(head) > 0 {
		inner := &formats.Probe{Path: name, Info: formats.FileInfo{Path: filepath.ToSlash(name), Len: int64(len(head)), Mod: mod}, Head: head}
		switch {
		case formats.Claims(inner, "gzip"):
		case Match(inner) > 0:
			return nil, ErrNested
		case formats.CarveUnknown != nil && p.Root == nil:
			// a compressed disk image given as an input: carved below
		default:
			// said as a failure of this file, not as ErrUnknown: recover
			// would carve the compressed bytes, which hold nothing to find
			return nil, fmt.Errorf("gzip: the decompressed data is not a recognized mail format (%s); not unpacked further", formats.DescribeContent(head))
		}
	}
	tmp, err := formats.NewTemp("gunzip-*")
	if err != nil {
		return nil, fmt.Errorf("gzip: a temporary file for the decompressed data: %w", err)
	}
	s := &source{tmp: tmp}
	n, problems, err := decompress(tmp, zr, head, ended, herr, limit)
	if err != nil {
		s.Close()
		return nil, err
	}
	s.problems = problems
	inner := &formats.Probe{Path: name, Info: formats.FileInfo{Path: filepath.ToSlash(name), Len: n, Mod: mod}}
	src, format, err := formats.OpenData(tmp, n, inner, "gzip")
	var oe *formats.OpenError
	switch {
	case err == nil:
	case errors.As(err, &oe) && errors.Is(oe.Err, formats.ErrUnknown) && formats.CarveUnknown != nil && p.Root == nil:
		// a compressed disk image given as an input: carved, as the image
		// would be (not one met in a walked folder or an archive, whose
		// files are not carved)
		src, format, err = formats.CarveUnknown(tmp, n), "carve", nil
	case errors.As(err, &oe) && errors.Is(oe.Err, formats.ErrUnknown):
		// said as a failure of this file, not as ErrUnknown: recover
		// would carve the compressed bytes, which hold nothing to find
		s.Close()
		return nil, fmt.Errorf("gzip: the %d bytes decompressed are not a recognized mail format (%s)", n, oe.Detail)
	case errors.As(err, &oe):
		s.Close()
		return nil, fmt.Errorf("gzip: the %d bytes decompressed: %w", n, oe.Err)
	default:
		s.Close()
		return nil, err
	}
	s.Source = src
	s.hop = formats.Span("gzip", 0, size, fmt.Sprintf("decompressed: %d bytes of %s", n, format))
	return s, nil
}

// readUpTo reads from the decompressing zr until max bytes came out or
// the stream ended (ended), with the error that ended it (nil at its end).
func readUpTo(zr io.Reader, max int64) (b []byte, ended bool, err error) {
	b = make([]byte, max)
	n := 0
	for n < len(b) {
		k, err := zr.Read(b[n:])
		n += k
		if err == io.EOF {
			return b[:n], true, nil
		}
		if err != nil {
			return b[:n], true, err
		}
	}
	return b, false, nil
}

// decompress writes the data of the gzip stream zr to w, head (already
// read, with ended and err as readUpTo gave them) first, up to limit
// bytes: how much, and what went wrong past it (as problems), or an error
// when nothing came out.
func decompress(w io.Writer, zr io.Reader, head []byte, ended bool, err error, limit int64) (int64, []string, error) {
	n := int64(len(head))
	if n > 0 {
		if _, werr := w.Write(head); werr != nil {
			return 0, nil, fmt.Errorf("gzip: writing the decompressed data: %w", werr)
		}
	}
	buf := make([]byte, 256<<10)
	for !ended && n < limit {
		k, rerr := zr.Read(buf[:min(int64(len(buf)), limit-n)])
		if k > 0 {
			if _, werr := w.Write(buf[:k]); werr != nil {
				return n, nil, fmt.Errorf("gzip: writing the decompressed data: %w", werr)
			}
			n += int64(k)
		}
		if rerr != nil {
			if rerr != io.EOF {
				err = rerr
			}
			break
		}
	}
	var problems []string
	switch {
	case err != nil && n == 0:
		return 0, nil, fmt.Errorf("gzip: %w: %w", ErrEmpty, err)
	case err != nil:
		problems = append(problems, damage(err, n))
	case n == limit:
		// more to come? one byte says
		var b [1]byte
		if k, _ := zr.Read(b[:]); k > 0 {
			problems = append(problems, fmt.Sprintf("gzip: decompressed past %d bytes (%d times the file's size): the rest is not read (a decompression bomb, or a file too large to unpack here)", n, formats.InflateRatio))
		}
	}
	if n == 0 {
		return 0, nil, fmt.Errorf("gzip: %w", ErrEmpty)
	}
	return n, problems, nil
}

// damage describes a stream error met after n bytes came out.
func damage(err error, n int64) string {
	switch {
	case errors.Is(err, gzip.ErrChecksum):
		return fmt.Sprintf("gzip: the CRC-32 or size in a member's trailer does not match the %d bytes decompressed: the data is damaged somewhere in that member; its messages are read as they came out", n)
	case errors.Is(err, gzip.ErrHeader):
		return fmt.Sprintf("gzip: bytes after the last whole member are not a gzip member (%d bytes decompressed before them): left unread", n)
	case errors.Is(err, io.ErrUnexpectedEOF):
		return fmt.Sprintf("gzip: the stream is cut short after %d decompressed bytes (a truncated file): the last message may be partial", n)
	}
	return fmt.Sprintf("gzip: %v after %d decompressed bytes: the rest is not read", err, n)
}

// source reads the messages of the decompressed data, each with the gzip
// hop in front of its chain.
type source struct {
	formats.Source
	tmp      *formats.Temp
	hop      formats.Hop
	problems formats.Pending
}

func (s *source) Next() (*formats.Message, error) {
	if err := s.problems.Pop(); err != nil {
		return nil, err
	}
	m, err := s.Source.Next()
	if m != nil {
		m.Chain = append(formats.Chain{s.hop}, m.Chain...)
	}
	var p *formats.Problem
	if errors.As(err, &p) {
		// its offsets are in the decompressed data, not in the file
		q := *p
		if q.Offset >= 0 {
			q.Err = fmt.Errorf("at 0x%x of the decompressed data: %w", q.Offset, q.Err)
			q.Offset = -1
		} else {
			q.Err = fmt.Errorf("in the decompressed data: %w", q.Err)
		}
		err = &q
	}
	return m, err
}

func (s *source) Expected() []formats.FolderCount { return formats.ExpectedOf(s.Source) }

func (s *source) ListHeaders() { formats.ListHeaders(s.Source) }

func (s *source) Close() error {
	var err error
	if s.Source != nil {
		err = s.Source.Close()
	}
	s.tmp.Close()
	return err
}
