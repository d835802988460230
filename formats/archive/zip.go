package archive

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"encoding/binary"
	"errors"
	"fmt"
	"hash"
	"hash/crc32"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/mailsalvage/mailsalvage/formats"
)

func init() {
	formats.Register(formats.Format{Name: "zip", Match: MatchZip, OpenFile: OpenZip})
}

// MatchZip recognizes a zip archive by the local file header at its start
// ("PK\x03\x04"), or an empty one by its end record.
func MatchZip(p *formats.Probe) int {
	if h := p.Head; len(h) >= 4 && (string(h[:4]) == "PK\x03\x04" || string(h[:4]) == "PK\x05\x06") {
		return 80
	}
	return 0
}

// OpenZip lists a zip archive's members from its central directory and
// walks them as a folder. Stored members are read in place; deflated ones
// are inflated as they are read. It fails when the central directory
// does not read.
func OpenZip(r io.ReaderAt, size int64, p *formats.Probe) (formats.Source, error) {
	zr, err := zip.NewReader(r, size)
	if err != nil {
		// a download cut short, a damaged end: the members are found by
		// their local headers instead
		a, problems := scanZip(r, size)
		if len(a.members) <= 1 {
			return nil, fmt.Errorf("zip: the central directory does not read (%w), and no member was found by its local header", err)
		}
		problems = append([]string{fmt.Sprintf("zip: the central directory does not read (%v): the members were found by their local headers", err)}, problems...)
		return a.walk(p, problems)
	}
	a := newArchive("zip", r)
	var problems []string
	skipped := map[string]int{}
	for i, f := range zr.File {
		if i >= maxMembers {
			problems = append(problems, fmt.Sprintf("zip: more than %d members: the rest is not listed", maxMembers))
			break
		}
		name, ok := cleanName(f.Name)
		switch {
		case !ok:
			skipped["names outside the archive"]++
			continue
		case strings.HasSuffix(f.Name, "/"):
			a.dir(name, f.Modified)
			continue
		case !f.Mode().IsRegular():
			skipped["symbolic links and other special members"]++
			continue
		case f.Flags&1 != 0:
			skipped["encrypted members"]++
			continue
		}
		off, err := f.DataOffset()
		if err != nil || off < 0 || off+int64(f.CompressedSize64) > size || f.CompressedSize64 > 1<<62 {
			problems = append(problems, fmt.Sprintf("zip: member %s: its data lies outside the archive (%v): left out", name, err))
			continue
		}
		m := &member{name: name, off: off, stored: int64(f.CompressedSize64), mod: f.Modified}
		switch f.Method {
		case zip.Store:
			m.size = m.stored
		case zip.Deflate:
			limit := formats.InflateLimit(m.stored)
			m.size = int64(min(f.UncompressedSize64, uint64(limit)))
			if f.UncompressedSize64 > uint64(limit) {
				problems = append(problems, fmt.Sprintf("zip: member %s: %d bytes declared from %d compressed: read up to %d (%d times; a zip bomb, or damage)", name, f.UncompressedSize64, m.stored, limit, formats.InflateRatio))
			}
			m.how = fmt.Sprintf("deflate, %d bytes", m.size)
			file, mname, msize := f, name, m.size
			m.open = func() (dataFile, error) {
				rc, err := file.Open() // checks the CRC-32 at the end
				if err != nil {
					return nil, err
				}
				return a.inflate(rc, mname, msize, nil)
			}
		default:
			skipped[fmt.Sprintf("members compressed with method %d", f.Method)]++
			continue
		}
		a.file(m)
	}
	problems = append(problems, leftOut("zip", skipped)...)
	return a.walk(p, problems)
}

// inflated is a deflated member's data, inflated into a temporary file
// as far as it has been read: sniffing a member's first bytes does not
// inflate all of it.
type inflated struct {
	a    *archive
	name string
	mu   sync.Mutex
	rc   io.ReadCloser
	tmp  *formats.Temp
	have int64
	size int64 // what is inflated at most
	done bool
	buf  []byte
	want *uint32     // the CRC-32 to check at the end, if any
	crc  hash.Hash32 // of what was inflated, when want is set
}

// inflate serves the data rc inflates, at most size bytes; with crc set,
// the data is checked against it at its end (archive/zip checks its own).
func (a *archive) inflate(rc io.ReadCloser, name string, size int64, crc *uint32) (dataFile, error) {
	tmp, err := formats.NewTemp("unzip-*")
	if err != nil {
		rc.Close()
		return nil, fmt.Errorf("a temporary file for its data: %w", err)
	}
	z := &inflated{a: a, name: name, rc: rc, tmp: tmp, size: size, want: crc}
	if crc != nil {
		z.crc = crc32.NewIEEE()
	}
	return z, nil
}

// fill inflates until n bytes are out, the data ends or size is reached.
func (z *inflated) fill(n int64) error {
	if z.buf == nil && !z.done {
		z.buf = make([]byte, 256<<10)
	}
	for !z.done && z.have < n {
		k, err := z.rc.Read(z.buf[:min(int64(len(z.buf)), z.size-z.have)])
		if k > 0 {
			if _, werr := z.tmp.WriteAt(z.buf[:k], z.have); werr != nil {
				z.done = true
				return werr
			}
			if z.crc != nil {
				z.crc.Write(z.buf[:k])
			}
			z.have += int64(k)
		}
		if err == io.EOF && z.want != nil && z.crc.Sum32() != *z.want {
			err = zip.ErrChecksum
		}
		switch {
		case errors.Is(err, zip.ErrChecksum):
			z.a.problem("zip: member %s: its CRC-32 does not match its %d bytes: the data is damaged somewhere in it", z.name, z.have)
			z.done = true
		case err != nil && err != io.EOF:
			z.a.problem("zip: member %s: %v after %d bytes: the rest is not read", z.name, err, z.have)
			z.done = true
		case err == io.EOF || z.have >= z.size:
			z.done = true
		}
	}
	if z.done {
		z.buf = nil
	}
	return nil
}

func (z *inflated) ReadAt(p []byte, off int64) (int, error) {
	if off < 0 {
		return 0, errors.New("zip: negative offset")
	}
	z.mu.Lock()
	err := z.fill(off + int64(len(p)))
	have := z.have
	z.mu.Unlock()
	if err != nil {
		return 0, err
	}
	if off >= have {
		return 0, io.EOF
	}
	n, err := z.tmp.ReadAt(p[:min(int64(len(p)), have-off)], off)
	if err == nil && n < len(p) {
		err = io.EOF
	}
	return n, err
}

func (z *inflated) Close() error {
	z.rc.Close()
	return z.tmp.Close()
}

// scanZip lists a zip archive by its local file headers, in file order,
// for one whose central directory does not read. A member whose sizes
// follow its data (a data descriptor, as streaming writers leave them)
// ends at the descriptor whose compressed size is its distance from the
// data (a deflated one is measured by inflating it when no such descriptor
// is found, and checked against the descriptor's CRC-32 when it is);
// zip64 sizes, in the local header's zip64 field or a descriptor's 64-bit
// fields, are read too; a member cut short by the end of the file is
// read as far as it goes.
func scanZip(r io.ReaderAt, size int64) (*archive, []string) {
	a := newArchive("zip", r)
	var problems []string
	skipped := map[string]int{}
	sigless := false // a data descriptor without its signature was met
	for pos, n := int64(0), 0; pos+30 <= size; n++ {
		if n >= maxMembers {
			problems = append(problems, fmt.Sprintf("zip: more than %d members: the rest is not listed", maxMembers))
			break
		}
		var h [30]byte
		if k, _ := r.ReadAt(h[:], pos); k < len(h) || string(h[:4]) != "PK\x03\x04" {
			break // the central directory, or the end of what is left
		}
		flags, method := binary.LittleEndian.Uint16(h[6:]), binary.LittleEndian.Uint16(h[8:])
		crc := binary.LittleEndian.Uint32(h[14:])
		csize, usize := int64(binary.LittleEndian.Uint32(h[18:])), int64(binary.LittleEndian.Uint32(h[22:]))
		nameLen, extraLen := int64(binary.LittleEndian.Uint16(h[26:])), int64(binary.LittleEndian.Uint16(h[28:]))
		raw := make([]byte, min(nameLen, max(0, size-pos-30)))
		r.ReadAt(raw, pos+30)
		dataOff := pos + 30 + nameLen + extraLen
		if dataOff > size {
			problems = append(problems, fmt.Sprintf("zip: the local header at 0x%x is cut short by the end of the file", pos))
			break
		}
		extra := make([]byte, extraLen)
		r.ReadAt(extra, pos+30+nameLen)
		z64, isZip64 := zip64Field(extra)
		if isZip64 {
			// sizes too large for the header's 32 bits are in the zip64
			// field, in this order, each only when its header field is
			// all ones; a data descriptor's sizes are 64-bit (APPNOTE
			// 4.3.9, 4.5.3)
			for _, f := range []*int64{&usize, &csize} {
				if *f == 0xFFFFFFFF && len(z64) >= 8 {
					*f = int64(binary.LittleEndian.Uint64(z64) & (1<<62 - 1))
					z64 = z64[8:]
				}
			}
		}
		descriptor := flags&8 != 0
		descriptorCRC := false // crc is the data descriptor's
		switch {
		case descriptor && method == zip.Deflate:
			// the sizes are after the data: the descriptor that gives the
			// data's length is found without inflating it (a member whose
			// deflate data is damaged does not hide the ones after it),
			// failing that inflating the data measures it; once a
			// descriptor comes without its signature, the search (which
			// would read to the end each time) is not tried again
			var d dataDescriptor
			var ok bool
			if !sigless {
				d, ok = findDescriptor(r, dataOff, size, isZip64)
			}
			if ok {
				csize, crc, usize, isZip64 = d.dist, d.crc, d.usize, d.zip64
				descriptorCRC = true
			}
			if !ok || usize == 0 && csize > 2 {
				csize, usize = deflatedLength(r, dataOff, size, formats.InflateLimit(size-dataOff))
				sigless = sigless || !hasDescriptorSig(r, dataOff+csize)
				descriptorCRC = false
			}
		case descriptor && method == zip.Store:
			// stored data ends where a descriptor gives its length
			if d, ok := findDescriptor(r, dataOff, size, isZip64); ok {
				csize, isZip64 = d.dist, d.zip64
			} else {
				problems = append(problems, fmt.Sprintf("zip: the stored member at 0x%x has no data descriptor after it (cut short?): read to the end of the file", pos))
				csize, descriptor = size-dataOff, false
			}
			usize = csize
		case csize == 0xFFFFFFFF:
			problems = append(problems, fmt.Sprintf("zip: the member at 0x%x gives no sizes (all ones, and no zip64 field with them): it and the members after it are not listed", pos))
		}
		if csize == 0xFFFFFFFF {
			break
		}
		name, ok := cleanName(string(raw))
		mod := msDosTime(binary.LittleEndian.Uint16(h[12:]), binary.LittleEndian.Uint16(h[10:]))
		if dataOff+csize > size {
			problems = append(problems, fmt.Sprintf("zip: member %s: %d bytes stored, the file ends after %d of them: read as far as it goes", name, csize, size-dataOff))
			csize = size - dataOff
		}
		switch {
		case !ok:
			skipped["names outside the archive"]++
		case strings.HasSuffix(string(raw), "/"):
			a.dir(name, mod)
		case flags&1 != 0:
			skipped["encrypted members"]++
		case method == zip.Store:
			a.file(&member{name: name, off: dataOff, stored: csize, size: csize, mod: mod})
		case method == zip.Deflate:
			limit := formats.InflateLimit(csize)
			m := &member{name: name, off: dataOff, stored: csize, size: min(usize, limit), mod: mod}
			if usize > limit {
				problems = append(problems, fmt.Sprintf("zip: member %s: %d bytes from %d compressed: read up to %d (%d times; a zip bomb, or damage)", name, usize, csize, limit, formats.InflateRatio))
			}
			m.how = fmt.Sprintf("deflate, %d bytes", m.size)
			want := crc
			mname, msize, off, stored, check := name, m.size, dataOff, csize, !descriptor || descriptorCRC
			m.open = func() (dataFile, error) {
				rc := flate.NewReader(io.NewSectionReader(r, off, stored))
				if !check {
					return a.inflate(rc, mname, msize, nil) // its CRC is after the data, unread
				}
				return a.inflate(rc, mname, msize, &want)
			}
			a.file(m)
		default:
			skipped[fmt.Sprintf("members compressed with method %d", method)]++
		}
		pos = dataOff + csize
		if descriptor {
			pos += descriptorLen(r, pos, isZip64)
		}
	}
	problems = append(problems, leftOut("zip", skipped)...)
	return a, problems
}

// deflatedLength inflates the deflate stream at off to its end (or limit
// bytes), and returns its compressed and inflated lengths: the compressed
// one to the end of the file when the stream does not end there.
func deflatedLength(r io.ReaderAt, off, size, limit int64) (int64, int64) {
	br := &countingByteReader{r: r, pos: off, end: size}
	n, _ := io.Copy(io.Discard, io.LimitReader(flate.NewReader(br), limit))
	return br.pos - off, n
}

// dataDescriptor is what a data descriptor with its signature says of the
// data before it.
type dataDescriptor struct {
	dist  int64  // from the data's start to the descriptor: the data's length
	crc   uint32 // the data's CRC-32
	usize int64  // its uncompressed size
	zip64 bool   // its sizes are 64-bit
}

// scanDescriptor finds the first descriptor signature after off whose
// compressed size (64-bit in a zip64 member's descriptor) is its distance
// from off.
func scanDescriptor(r io.ReaderAt, off, size int64, zip64 bool) (dataDescriptor, bool) {
	const keep = 24 // a signature and the sizes after it, read whole
	buf := make([]byte, 64<<10)
	for pos := off; pos < size; pos += int64(len(buf)) - keep + 1 {
		n, _ := r.ReadAt(buf, pos)
		if n < 16 {
			break
		}
		for i := 0; i+16 <= n; {
			j := bytes.Index(buf[i:n], []byte("PK\x07\x08"))
			if j < 0 || i+j+16 > n || zip64 && i+j+keep > n {
				break
			}
			q, b := pos+int64(i+j), buf[i+j:]
			switch {
			case !zip64 && int64(binary.LittleEndian.Uint32(b[8:])) == q-off:
				return dataDescriptor{q - off, binary.LittleEndian.Uint32(b[4:]), int64(binary.LittleEndian.Uint32(b[12:])), false}, true
			case zip64 && binary.LittleEndian.Uint64(b[8:]) == uint64(q-off):
				return dataDescriptor{q - off, binary.LittleEndian.Uint32(b[4:]), int64(binary.LittleEndian.Uint64(b[16:]) & (1<<62 - 1)), true}, true
			}
			i += j + 1
		}
		if n < len(buf) {
			break
		}
	}
	return dataDescriptor{}, false
}

// findDescriptor is scanDescriptor for a descriptor of the width a
// member's header says (64-bit sizes when it has a zip64 field), else of
// the other width (writers do not all follow the rule).
func findDescriptor(r io.ReaderAt, off, size int64, zip64 bool) (dataDescriptor, bool) {
	if d, ok := scanDescriptor(r, off, size, zip64); ok {
		return d, true
	}
	return scanDescriptor(r, off, size, !zip64)
}

// zip64Field returns the data of a local header's zip64 extended
// information field (tag 0x0001) among its extra fields, and whether
// there is one.
func zip64Field(extra []byte) ([]byte, bool) {
	for len(extra) >= 4 {
		tag, n := binary.LittleEndian.Uint16(extra), int(binary.LittleEndian.Uint16(extra[2:]))
		extra = extra[4:]
		if n > len(extra) {
			n = len(extra)
		}
		if tag == 1 {
			return extra[:n], true
		}
		extra = extra[n:]
	}
	return nil, false
}

// hasDescriptorSig reports whether a data descriptor at pos starts with
// its (optional) signature.
func hasDescriptorSig(r io.ReaderAt, pos int64) bool {
	var sig [4]byte
	k, _ := r.ReadAt(sig[:], pos)
	return k == 4 && string(sig[:]) == "PK\x07\x08"
}

// descriptorLen is the length of the data descriptor at pos: 12 bytes
// (20 with zip64 sizes), 4 more with its signature.
func descriptorLen(r io.ReaderAt, pos int64, zip64 bool) int64 {
	n := int64(12)
	if zip64 {
		n = 20
	}
	if hasDescriptorSig(r, pos) {
		n += 4
	}
	return n
}

// countingByteReader reads r from pos a byte at a time (through a small
// buffer) and knows how many bytes were taken: flate reads exactly the
// stream through an io.ByteReader.
type countingByteReader struct {
	r        io.ReaderAt
	pos, end int64
	buf      [4096]byte
	bufOff   int64
	bufLen   int
}

func (c *countingByteReader) ReadByte() (byte, error) {
	if c.pos >= c.end {
		return 0, io.EOF
	}
	if c.pos < c.bufOff || c.pos >= c.bufOff+int64(c.bufLen) {
		n, _ := c.r.ReadAt(c.buf[:min(int64(len(c.buf)), c.end-c.pos)], c.pos)
		if n == 0 {
			return 0, io.ErrUnexpectedEOF
		}
		c.bufOff, c.bufLen = c.pos, n
	}
	b := c.buf[c.pos-c.bufOff]
	c.pos++
	return b, nil
}

func (c *countingByteReader) Read(p []byte) (int, error) {
	for i := range p {
		b, err := c.ReadByte()
		if err != nil {
			return i, err
		}
		p[i] = b
	}
	return len(p), nil
}

// msDosTime reads an MS-DOS date and time (local time, as zip keeps them;
// read as UTC).
func msDosTime(date, tm uint16) time.Time {
	return time.Date(int(date>>9)+1980, time.Month(date>>5&0xf), int(date&0x1f), int(tm>>11), int(tm>>5&0x3f), int(tm&0x1f)*2, 0, time.UTC)
}
