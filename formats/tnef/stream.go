package tnef

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// Signature is the first field of every TNEF stream, the little-endian
// UINT32 TNEF_SIGNATURE (MS-OXTNEF section 2.1.3): bytes 78 9F 3E 22.
const Signature = 0x223E9F78

// MaxSize is the largest stream Decode and Read accept: 256 MiB. TNEF
// streams travel as mail attachments and are far smaller; a larger input
// is refused with ErrTooLarge rather than held in memory.
const MaxSize = 256 << 20

// headerSize is the signature and the legacy key.
const headerSize = 6

// attrOverhead is the bytes around an attribute's data: level (1), id (4),
// length (4) before it and the checksum (2) after it.
const attrOverhead = 11

var (
	// ErrSignature is returned for input that does not start with the TNEF
	// signature.
	ErrSignature = errors.New("tnef: not a TNEF stream (bad signature)")
	// ErrTooLarge is returned for input larger than MaxSize (or than the
	// limit given to Read).
	ErrTooLarge = errors.New("tnef: stream too large")
)

// FormatError reports a structural error: where in the stream (the byte
// offset from the start of the outermost stream given to Decode) and what
// was wrong. Decode returns it together with the message decoded so far,
// so its Offset is also where the readable part of the stream ends.
type FormatError struct {
	Offset int64
	Msg    string
}

func (e *FormatError) Error() string {
	return fmt.Sprintf("tnef: offset %d (0x%X): %s", e.Offset, e.Offset, e.Msg)
}

// Level says what an attribute applies to (MS-OXTNEF section 2.1.3).
type Level uint8

// Attribute levels.
const (
	LevelMessage    Level = 0x01
	LevelAttachment Level = 0x02
)

// Attribute is one attribute of a TNEF stream as stored (MS-OXTNEF section
// 2.1.3): its level, its id (the attribute type in the high word, the
// attribute number in the low word; see the Att constants), its data and
// the checksum that followed the data.
type Attribute struct {
	Level    Level
	ID       uint32
	Offset   int64  // of the level byte, from the start of the outermost stream
	Data     []byte // aliases the input
	Checksum uint16 // as stored
}

// DataOffset returns the offset of the attribute's data.
func (a Attribute) DataOffset() int64 { return a.Offset + 9 }

// ChecksumOK reports whether the stored checksum is the sum, modulo 65536,
// of the data bytes.
func (a Attribute) ChecksumOK() bool { return checksum(a.Data) == a.Checksum }

func checksum(b []byte) uint16 {
	var s uint32
	for _, c := range b {
		s += uint32(c)
	}
	return uint16(s)
}

// Reader walks the attributes of a TNEF stream held in memory. It is the
// low layer Decode is built on, for callers who want the attributes as
// they are stored: their order, offsets and checksums.
type Reader struct {
	b    []byte
	off  int
	base int64 // offset of b[0] in the outermost stream
	key  uint16
	err  error

	lastData int  // where Resync starts: the data of the last whole attribute
	failAt   int  // where Next failed
	floor    int  // where Resync may start at the earliest: the furthest failure it went past
	budget   *int // data bytes Resync may still sum to test checksums
}

// NewReader checks the signature of the stream in b and returns a reader
// positioned at its first attribute. It returns ErrSignature when b is not
// a TNEF stream.
func NewReader(b []byte) (*Reader, error) {
	return newReader(b, 0, nil)
}

// newReader returns a reader of the stream in b, which starts at offset
// base of the outermost stream. The readers of a stream and of the
// streams embedded in it share one Resync budget.
func newReader(b []byte, base int64, budget *int) (*Reader, error) {
	if !IsTNEF(b) {
		return nil, ErrSignature
	}
	if budget == nil {
		n := 2*len(b) + 1<<20
		budget = &n
	}
	return &Reader{
		b: b, off: headerSize, base: base, key: binary.LittleEndian.Uint16(b[4:]),
		lastData: headerSize, budget: budget,
	}, nil
}

// IsTNEF reports whether b starts with the TNEF signature and the 2-byte
// key that follows it.
func IsTNEF(b []byte) bool {
	return len(b) >= headerSize && binary.LittleEndian.Uint32(b) == Signature
}

// Key returns the stream's legacy key (MS-OXTNEF section 2.1.3), a
// number the writer chose; it carries no content.
func (r *Reader) Key() uint16 { return r.key }

// Offset returns the offset of the next attribute.
func (r *Reader) Offset() int64 { return r.base + int64(r.off) }

// Remaining returns the bytes not yet read.
func (r *Reader) Remaining() []byte { return r.b[r.off:] }

// Next returns the next attribute. It returns io.EOF at the end of the
// stream. A level other than message or attachment, or fewer bytes left
// than an attribute header needs, is a *FormatError, after which Next
// keeps returning it. An attribute whose length runs past the end of the
// input is returned with the data that is there and a *FormatError.
func (r *Reader) Next() (Attribute, error) {
	if r.err != nil {
		return Attribute{}, r.err
	}
	rest := len(r.b) - r.off
	if rest == 0 {
		r.err = io.EOF
		return Attribute{}, io.EOF
	}
	start := r.off
	r.failAt = start
	pos := r.base + int64(start)
	if rest < attrOverhead {
		r.err = &FormatError{pos, fmt.Sprintf("%d bytes left, too few for an attribute", rest)}
		return Attribute{}, r.err
	}
	a := Attribute{
		Level:  Level(r.b[start]),
		ID:     binary.LittleEndian.Uint32(r.b[start+1:]),
		Offset: pos,
	}
	if a.Level != LevelMessage && a.Level != LevelAttachment {
		r.err = &FormatError{pos, fmt.Sprintf("attribute level 0x%02X is neither message (1) nor attachment (2)", r.b[start])}
		return Attribute{}, r.err
	}
	n := binary.LittleEndian.Uint32(r.b[start+5:])
	data := start + 9
	if uint64(n)+2 > uint64(len(r.b)-data) {
		a.Data = r.b[data:min(len(r.b), data+int(min(n, uint32(rest))))]
		r.err = &FormatError{pos, fmt.Sprintf("attribute %s declares %d bytes of data, only %d left", AttName(a.ID), n, len(r.b)-data)}
		r.off = len(r.b)
		return a, r.err
	}
	end := data + int(n)
	a.Data = r.b[data:end]
	a.Checksum = binary.LittleEndian.Uint16(r.b[end:])
	r.off = end + 2
	r.lastData = data
	return a, nil
}

// Resync recovers from a *FormatError returned by Next: it looks for the
// next place an attribute starts, from the data of the last attribute
// read whole (the damage may be a wrong length in that attribute) but
// not before the place of an earlier error it recovered from, and
// positions the reader there; no byte is read more than twice. A place qualifies when it holds an
// attribute with a known id, a length that fits, a matching checksum,
// and is followed by the end of the input or by what looks like another
// attribute header. The search gives up at a TNEF signature, the start of
// an embedded message whose attributes must not be taken for this
// stream's. It returns the offset found, or false when there is none (the
// reader then stays in error). The search is linear in the input, and the
// checksums it computes are bounded by a budget of twice the input's size
// (shared, inside Decode, with the streams of embedded messages), so no
// input makes it slow.
func (r *Reader) Resync() (int64, bool) {
	if r.err == nil || r.err == io.EOF {
		return 0, false
	}
	// Going back before an earlier failure would read bytes a third
	// time and more: nested attributes made to fail one after the other
	// would make decoding quadratic.
	for p := max(r.lastData, r.floor); p+attrOverhead <= len(r.b) && *r.budget > 0; p++ {
		if binary.LittleEndian.Uint32(r.b[p:]) == Signature {
			// An embedded message's stream: attributes past here may
			// be its own, and taking them as this stream's would put
			// them in the wrong message.
			return 0, false
		}
		if r.plausible(p) {
			r.off, r.err = p, nil
			r.floor = max(r.floor, r.failAt)
			return r.base + int64(p), true
		}
	}
	return 0, false
}

// header reports whether an attribute header with a known id starts at p,
// and the length it declares.
func (r *Reader) header(p int) (uint32, bool) {
	if p+9 > len(r.b) || (r.b[p] != byte(LevelMessage) && r.b[p] != byte(LevelAttachment)) {
		return 0, false
	}
	if _, ok := attNames[binary.LittleEndian.Uint32(r.b[p+1:])]; !ok {
		return 0, false
	}
	return binary.LittleEndian.Uint32(r.b[p+5:]), true
}

func (r *Reader) plausible(p int) bool {
	n, ok := r.header(p)
	if !ok || uint64(n)+attrOverhead > uint64(len(r.b)-p) {
		return false
	}
	data, end := p+9, p+9+int(n)
	*r.budget -= int(n)
	if checksum(r.b[data:end]) != binary.LittleEndian.Uint16(r.b[end:]) {
		return false
	}
	next := end + 2
	if next == len(r.b) {
		return true
	}
	_, ok = r.header(next)
	return ok
}
