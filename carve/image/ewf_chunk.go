package image

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/adler32"
	"io"

	"github.com/klauspost/compress/zlib"
)

// Chunks of the sectors section (EWF notes, section 3.11 "Sectors
// section", "Data chunk", and chapter 5 "Compression"): a chunk is
// sectors-per-chunk times bytes-per-sector bytes of the medium (the last
// one may be shorter), stored either as a zlib stream (RFC 1950, its own
// Adler-32 at the end) or as is followed by the Adler-32 of the data.

// compressedBound is the most bytes a zlib stream of n bytes can take:
// deflate's stored blocks add 5 bytes per 64 KiB, zlib 6 bytes; the rest
// is slack for encoders that do worse.
func compressedBound(n int64) int64 { return n + n/64 + 1024 }

// inflateResult tells how a zlib stream decoded.
type inflateResult int

const (
	inflateOK       inflateResult = iota
	inflateHeader                 // not a zlib stream
	inflateChecksum               // decoded whole, Adler-32 mismatch
	inflateCorrupt                // broken stream: out holds what came before the break
	inflateLonger                 // more than limit bytes
)

// decoder is what decoding one chunk needs; each goroutine reading the
// image takes its own from the ewf's pool, so chunks decode in parallel.
type decoder struct {
	br      bytes.Reader
	zr      io.ReadCloser
	scratch []byte // stored chunk bytes
	spare   []byte // output buffer of the open-time walks
}

func (e *ewf) getDecoder() *decoder {
	if d, ok := e.decoders.Get().(*decoder); ok {
		return d
	}
	return &decoder{}
}

func (e *ewf) putDecoder(d *decoder) { e.decoders.Put(d) }

// inflate decodes the zlib stream in src into out[:limit] (out is grown
// when too small) and returns the bytes decoded, the number of bytes of
// src the stream took, and how it went.
func (d *decoder) inflate(src []byte, out []byte, limit int) ([]byte, int, inflateResult, error) {
	d.br.Reset(src)
	if d.zr == nil {
		zr, err := zlib.NewReader(&d.br)
		if err != nil {
			return out[:0], 0, inflateHeader, err
		}
		d.zr = zr
	} else if err := d.zr.(zlib.Resetter).Reset(&d.br, nil); err != nil {
		return out[:0], 0, inflateHeader, err
	}
	// The output grows as it is decoded: a forged chunk size must not
	// cost its memory unless the stream really holds that much.
	if cap(out) < min(limit, 256<<10) {
		out = make([]byte, min(limit, 256<<10))
	}
	out = out[:cap(out)]
	n := 0
	var err error
	for n < limit {
		if n == len(out) {
			out = append(out, make([]byte, min(len(out), limit-len(out)))...)
			out = out[:cap(out)]
		}
		var k int
		k, err = d.zr.Read(out[n:min(len(out), limit)])
		n += k
		if err != nil {
			break
		}
	}
	out = out[:n]
	if err == nil {
		// Full: the stream must end here.
		var one [1]byte
		var k int
		k, err = d.zr.Read(one[:])
		if k > 0 {
			return out, len(src) - d.br.Len(), inflateLonger, nil
		}
	}
	used := len(src) - d.br.Len()
	switch {
	case err == io.EOF:
		return out, used, inflateOK, nil
	case errors.Is(err, zlib.ErrChecksum):
		return out, used, inflateChecksum, err
	default:
		return out, used, inflateCorrupt, err
	}
}

// zlibHeader: the two first bytes of a zlib stream (RFC 1950, 2.2):
// deflate, a window of at most 32 KiB, the check bits, no dictionary.
func zlibHeader(b []byte) bool {
	return len(b) >= 2 && b[0]&0x0f == 8 && b[0]>>4 <= 7 && (uint16(b[0])<<8|uint16(b[1]))%31 == 0 && b[1]&0x20 == 0
}

// chunkLoc is where a chunk's bytes are stored.
type chunkLoc struct {
	s          *segment
	start      int64
	stored     int64 // bytes to read
	compressed bool
}

// locate finds where chunk ci is stored, through its table (loaded into
// the table cache when not there); ok false when it reads as zeros (in
// no table, or its entry is bad: reported). The caller holds e.mu.
func (e *ewf) locate(ci int64) (loc chunkLoc, ok bool, err error) {
	t := e.tableOf(ci)
	if t == nil {
		return loc, false, nil // in no table: reported when the image was opened
	}
	lt, cached := e.tcache.get(t)
	if !cached {
		if lt, err = e.loadTable(t); err != nil {
			return loc, false, err
		}
		if t.rebuilt == nil {
			e.tcache.add(t, lt, len(lt.locs)+1)
		}
	}
	j := int(ci - t.first)
	s := e.segs[t.seg]
	if j >= len(lt.locs) || lt.locs[j] == locInvalid {
		where := t.primary.entries + int64(j)*4
		if t.rebuilt != nil {
			where = -1
		}
		e.chunkWarn(ci, s.name, where, "its table entry points outside the segment (size %d) or could not be read: chunk read as zeros", s.size)
		return loc, false, nil
	}
	loc = chunkLoc{s: s, start: int64(lt.locs[j] &^ locCompressed), compressed: lt.locs[j]&locCompressed != 0}
	loc.stored = chunkEnd(s, lt, j) - loc.start
	if loc.compressed {
		loc.stored = min(loc.stored, compressedBound(e.chunkSize))
	} else {
		loc.stored = min(loc.stored, e.chunkSize+4)
	}
	return loc, true, nil
}

// decode returns the bytes of chunk ci stored at loc: nil for all zeros,
// and when shorter than the chunk, the rest is zeros. Damage is reported
// as warnings; only a failing read of a segment file is an error. It
// needs no lock: dc and dst, a buffer it may decode into, are the
// caller's.
func (e *ewf) decode(dc *decoder, ci int64, loc chunkLoc, dst []byte) ([]byte, error) {
	if cap(dc.scratch) < int(loc.stored) {
		dc.scratch = make([]byte, loc.stored)
	}
	raw := dc.scratch[:loc.stored]
	n, err := loc.s.r.ReadAt(raw, loc.start)
	if err != nil && err != io.EOF {
		return nil, fmt.Errorf("%s: reading chunk %d at offset %d: %w", loc.s.name, ci, loc.start, err)
	}
	raw = raw[:n]
	L := e.chunkLen(ci)
	if loc.compressed {
		return e.compressedChunk(dc, ci, loc.s.name, loc.start, raw, dst, L), nil
	}
	return e.storedChunk(dc, ci, loc.s.name, loc.start, raw, dst, L, int64(n) < loc.stored), nil
}

// compressedChunk decodes a chunk whose table entry says compressed.
func (e *ewf) compressedChunk(dc *decoder, ci int64, name string, start int64, raw, dst []byte, L int64) []byte {
	out, _, res, err := dc.inflate(raw, dst, int(e.chunkSize))
	switch res {
	case inflateOK:
	case inflateHeader:
		// A lost or flipped compression bit: a stored chunk reads right.
		if d, ok := storedMatches(raw, L); ok {
			e.chunkWarn(ci, name, start, "marked compressed but holds a stored chunk whose Adler-32 matches; read as stored")
			return append(dst[:0], d...)
		}
		e.chunkWarn(ci, name, start, "not a zlib stream (%v): chunk read as zeros", err)
		return nil
	case inflateChecksum:
		e.chunkWarn(ci, name, start, "zlib Adler-32 mismatch: data kept as decoded")
	case inflateCorrupt:
		e.chunkWarn(ci, name, start, "zlib stream broken after %d of %d bytes (%v): the rest of the chunk reads as zeros", len(out), L, err)
	case inflateLonger:
		e.chunkWarn(ci, name, start, "decompresses to more than the chunk size %d: cut there", e.chunkSize)
	}
	return e.fitChunk(ci, name, start, out, L, res == inflateOK || res == inflateChecksum)
}

// storedChunk checks a chunk stored as is, followed by its Adler-32.
func (e *ewf) storedChunk(dc *decoder, ci int64, name string, start int64, raw, dst []byte, L int64, cut bool) []byte {
	if len(raw) < 4 {
		e.chunkWarn(ci, name, start, "stored chunk of %d bytes, too short to hold data and checksum: chunk read as zeros", len(raw))
		return nil
	}
	data := raw[:len(raw)-4]
	if adler32.Checksum(data) != binary.LittleEndian.Uint32(raw[len(raw)-4:]) {
		if d, ok := storedMatches(raw, L); ok {
			data = d
		} else if zlibHeader(raw) {
			// A lost compression bit: a zlib stream with a good checksum
			// reads right.
			if out, _, res, _ := dc.inflate(raw, dst, int(e.chunkSize)); res == inflateOK {
				e.chunkWarn(ci, name, start, "marked stored but holds a zlib stream that decodes with a good checksum; read as compressed")
				return e.fitChunk(ci, name, start, out, L, true)
			}
			e.chunkWarn(ci, name, start, "stored chunk Adler-32 mismatch: data kept as stored")
		} else if cut {
			e.chunkWarn(ci, name, start, "stored chunk cut short by the end of the file after %d bytes: the rest reads as zeros", len(raw))
			data = raw
		} else {
			e.chunkWarn(ci, name, start, "stored chunk Adler-32 mismatch: data kept as stored")
		}
	}
	return e.fitChunk(ci, name, start, append(dst[:0], data...), L, !cut)
}

// storedMatches: raw starts with L bytes followed by their Adler-32.
func storedMatches(raw []byte, L int64) ([]byte, bool) {
	if int64(len(raw)) < L+4 {
		return nil, false
	}
	d := raw[:L]
	return d, adler32.Checksum(d) == binary.LittleEndian.Uint32(raw[L:L+4])
}

// fitChunk brings decoded data to the chunk length L: bytes past the end of
// the medium are dropped, a short chunk is zero-filled (both with a
// warning when the chunk otherwise decoded well).
func (e *ewf) fitChunk(ci int64, name string, start int64, data []byte, L int64, whole bool) []byte {
	switch n := int64(len(data)); {
	case n > L:
		if whole && ci == e.nchunks-1 {
			e.chunkWarn(ci, name, start, "the last chunk holds %d bytes past the end of the medium (%d sectors of %d bytes); they are not part of the image (ewfacquire stores a partial last sector and hashes it)", n-L, e.vol.sectors, e.vol.bytesPerSector)
		} else if whole {
			e.chunkWarn(ci, name, start, "chunk holds %d bytes, more than its %d: cut", n, L)
		}
		return data[:L]
	case n < L && whole:
		e.chunkWarn(ci, name, start, "chunk holds %d bytes, fewer than its %d: the rest reads as zeros", n, L)
	}
	return data
}

// chunkWarn reports damage in chunk ci, once per chunk (chunks decode in
// parallel: warnMu guards the set).
func (e *ewf) chunkWarn(ci int64, name string, off int64, format string, args ...any) {
	e.warnMu.Lock()
	seen := e.warned[ci]
	if !seen && len(e.warned) < 4*maxWarnings {
		e.warned[ci] = true
	}
	e.warnMu.Unlock()
	if seen {
		return
	}
	msg := fmt.Sprintf(format, args...)
	e.w.at(name, off, "chunk %d (media offset %d): %s", ci, ci*e.chunkSize, msg)
}

// rebuild finds the chunks of a sectors section whose table is lost, by
// decoding them one after the other from the start of its data: a zlib
// stream that decodes with a good checksum, or a chunk's bytes followed by
// their Adler-32. A damaged stored chunk is stepped over when the chunk
// after it is valid (stored chunks all have the same length); a damaged
// compressed chunk ends the rebuild, since its length, and so the place of
// every chunk after it, is unknown. When the section is cut by the end of
// the file, the partial chunk at its end is kept (it reads with a
// warning). It reports whether the rebuild reached the end of the section.
func (e *ewf) rebuild(s *segment, from, to int64, cut bool) ([]uint64, bool) {
	cs := e.chunkSize
	var locs []uint64
	buf := make([]byte, min(compressedBound(cs), to-from))
	p := from
	for p < to {
		next, compressed, ok, err := e.validChunk(s, p, to, buf, false)
		if err != nil {
			e.w.at(s.name, p, "reading: %v", err)
			break
		}
		if ok {
			loc := uint64(p)
			if compressed {
				loc |= locCompressed
			}
			locs = append(locs, loc)
			p = next
			continue
		}
		if after := p + cs + 4; after < to {
			if _, _, ok, _ := e.validChunk(s, after, to, buf, true); ok {
				e.w.at(s.name, p, "rebuilding the lost table: the chunk here is damaged; taken as a stored chunk since a valid chunk follows it")
				locs = append(locs, uint64(p))
				p = after
				continue
			}
		}
		if cut && to-p <= compressedBound(cs) {
			e.w.at(s.name, p, "rebuilding the lost table: the last chunk is cut by the end of the file; kept for what can be read of it")
			loc := uint64(p)
			n, _ := s.r.ReadAt(buf[:2], p)
			if zlibHeader(buf[:n]) {
				loc |= locCompressed
			}
			locs = append(locs, loc)
			return locs, false
		}
		break
	}
	if p < to {
		e.w.at(s.name, p, "rebuilding the lost table: no valid chunk here; %d chunks found before it, the rest of the section (%d bytes) is lost", len(locs), to-p)
		return locs, false
	}
	return locs, !cut
}

// validChunk tells whether a valid chunk starts at p: a zlib stream that
// decodes with a good checksum to at most a chunk (a whole one if strict),
// or a chunk of data followed by its Adler-32 (the last chunk of the medium
// may be shorter, unless strict). It returns where the chunk ends.
func (e *ewf) validChunk(s *segment, p, to int64, buf []byte, strict bool) (next int64, compressed, ok bool, err error) {
	cs := e.chunkSize
	n, err := s.r.ReadAt(buf[:min(int64(len(buf)), to-p)], p)
	if err != nil && err != io.EOF {
		return 0, false, false, err
	}
	raw := buf[:n]
	if zlibHeader(raw) {
		dc := e.getDecoder()
		out, used, res, _ := dc.inflate(raw, dc.spare, int(cs))
		dc.spare = out[:0]
		e.putDecoder(dc)
		if res == inflateOK && used > 0 && len(out) > 0 && (!strict || int64(len(out)) == cs) {
			return p + int64(used), true, true, nil
		}
	}
	if _, ok := storedMatches(raw, cs); ok {
		return p + cs + 4, false, true, nil
	}
	if L := int64(n) - 4; !strict && L > 0 && L < cs {
		if _, ok := storedMatches(raw, L); ok {
			return p + L + 4, false, true, nil
		}
	}
	return 0, false, false, nil
}
