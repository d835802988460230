package image

import (
	"bytes"
	"encoding/binary"
	"hash/adler32"
	"io"
)

// descriptorSize is the size of a section descriptor (EWF notes, section
// 3.1): the section type (16 bytes, NUL padded), the offset of the next
// section from the start of the segment file (8), the section size (8), 40
// bytes of padding and the Adler-32 of the 72 bytes before it.
const descriptorSize = 76

// sectionTypes are the section types the EWF notes describe (section 3.2).
// Finding one of them is what lets the walk resume after a damaged
// descriptor.
var sectionTypes = []string{
	"header", "header2", "xheader", "volume", "disk", "data", "sectors",
	"table", "table2", "next", "done", "hash", "digest", "xhash", "error2",
	"session", "ltree", "ltypes", "map", "incomplete",
}

// section is one section of a segment file as the walk found it.
type section struct {
	typ string
	off int64 // offset of the section descriptor
	end int64 // offset of the next section (clipped to the end of the file)
	// cut: the section runs past the end of the file.
	cut bool
}

// data is the offset of the section data, after the descriptor.
func (s section) data() int64 { return s.off + descriptorSize }

// descriptor is a parsed section descriptor.
type descriptor struct {
	typ        string
	next, size uint64
	sumOK      bool
}

func parseDescriptor(b []byte) descriptor {
	typ := b[:16]
	if i := bytes.IndexByte(typ, 0); i >= 0 {
		typ = typ[:i]
	}
	return descriptor{
		typ:   string(typ),
		next:  binary.LittleEndian.Uint64(b[16:24]),
		size:  binary.LittleEndian.Uint64(b[24:32]),
		sumOK: adler32.Checksum(b[:72]) == binary.LittleEndian.Uint32(b[72:76]),
	}
}

var sectionSet = func() map[string]bool {
	m := map[string]bool{}
	for _, t := range sectionTypes {
		m[t] = true
	}
	return m
}()

func knownSection(typ string) bool { return sectionSet[typ] }

// walk follows the section chain of a segment file from the file header
// to its "next" or "done" section. A descriptor whose checksum does not
// match is still followed where its type is known and its next offset is
// plausible; otherwise the walk resumes at the next valid descriptor found
// by scanning. A section running past the end of the file ends the walk.
func (s *segment) walk(w *warnings) {
	off := int64(fileHeaderSize)
	var b [descriptorSize]byte
	for off < s.size {
		if off+descriptorSize > s.size {
			w.at(s.name, off, "section descriptor cut short by the end of the file (file size %d): segment truncated", s.size)
			return
		}
		if _, err := s.r.ReadAt(b[:], off); err != nil {
			w.at(s.name, off, "reading section descriptor: %v", err)
			return
		}
		d := parseDescriptor(b[:])
		next := int64(d.next)
		if d.next > 1<<62 {
			next = -1
		}
		plausible := next > off && next <= s.size
		if !d.sumOK {
			if !knownSection(d.typ) || !(plausible || d.typ == "done" || d.typ == "next") {
				w.at(s.name, off, "damaged section descriptor (checksum mismatch, type %q, next offset %d)", printable(d.typ), d.next)
				if off = s.resync(off+1, w); off < 0 {
					return
				}
				continue
			}
			w.at(s.name, off, "section descriptor %q: checksum mismatch (used as it reads)", d.typ)
		}
		if d.typ == "done" || d.typ == "next" {
			s.sections = append(s.sections, section{typ: d.typ, off: off, end: off + descriptorSize})
			s.last = d.typ
			return
		}
		switch {
		case plausible:
			if d.size != 0 && d.size != uint64(next-off) {
				// The "dual image" of the EWF notes (section 6): size and
				// next offset telling two different stories.
				w.at(s.name, off, "section %q: size %d disagrees with next offset %d (next offset followed)", d.typ, d.size, d.next)
			}
			s.sections = append(s.sections, section{typ: d.typ, off: off, end: next})
			off = next
		case next > s.size || (next == -1 && d.size > uint64(s.size-off)):
			w.at(s.name, off, "section %q runs to offset %d, past the end of the file (size %d): segment truncated", d.typ, d.next, s.size)
			s.sections = append(s.sections, section{typ: d.typ, off: off, end: s.size, cut: true})
			return
		case d.size >= descriptorSize && d.size <= uint64(s.size-off):
			// Expert Witness 1.35 sets no size; others may set no next.
			w.at(s.name, off, "section %q: next offset %d is invalid; using its size %d", d.typ, d.next, d.size)
			s.sections = append(s.sections, section{typ: d.typ, off: off, end: off + int64(d.size)})
			off += int64(d.size)
		default:
			w.at(s.name, off, "section %q: next offset %d and size %d are both invalid", d.typ, d.next, d.size)
			if off = s.resync(off+1, w); off < 0 {
				return
			}
		}
	}
	if s.last == "" && off >= s.size && len(s.sections) > 0 {
		// The last section ended exactly at the end of the file, without
		// "next" or "done".
		w.at(s.name, s.size, "segment ends without a \"next\" or \"done\" section: truncated?")
	}
}

// resync scans the segment from off for the next section descriptor whose
// checksum matches and returns its offset, or -1.
func (s *segment) resync(off int64, w *warnings) int64 {
	const block = 1 << 16
	buf := make([]byte, block+descriptorSize)
	for ; off+descriptorSize <= s.size; off += block {
		n, err := s.r.ReadAt(buf, off)
		if err != nil && err != io.EOF {
			w.at(s.name, off, "reading: %v", err)
			return -1
		}
		for i := 0; i+descriptorSize <= n; i++ {
			c := buf[i]
			if c < 'a' || c > 'x' {
				continue
			}
			d := buf[i : i+descriptorSize]
			typ := d[:16]
			if k := bytes.IndexByte(typ, 0); k > 0 {
				typ = typ[:k]
			}
			if !sectionSet[string(typ)] || !zeroAfterString(d[:16]) {
				continue
			}
			if !parseDescriptor(d).sumOK {
				continue
			}
			at := off + int64(i)
			w.at(s.name, at, "section chain resumed at %q found by scanning", cString(d[:16]))
			return at
		}
		if n < len(buf) {
			break
		}
	}
	w.at(s.name, -1, "no further section found; the rest of the segment is skipped")
	return -1
}

func cString(b []byte) string {
	if i := bytes.IndexByte(b, 0); i >= 0 {
		b = b[:i]
	}
	return string(b)
}

// zeroAfterString: the type field is a string padded with NULs.
func zeroAfterString(b []byte) bool {
	i := bytes.IndexByte(b, 0)
	if i < 0 {
		return false
	}
	for _, c := range b[i:] {
		if c != 0 {
			return false
		}
	}
	return true
}

func printable(s string) string {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] > 0x7e {
			return "(binary)"
		}
	}
	return s
}
