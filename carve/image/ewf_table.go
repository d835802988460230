package image

import (
	"encoding/binary"
	"hash/adler32"
	"io"
	"sort"
)

// The table and table2 sections (EWF notes, sections 3.12 and 3.13): a
// 24-byte table header (number of entries, 4 bytes of padding, the table
// base offset, 4 bytes of padding, the Adler-32 of the 20 bytes before
// it), then one 32-bit entry per chunk: the offset of the chunk from the
// base offset, its most significant bit set when the chunk is compressed.
// Since EnCase 2 a table2 section mirrors each table section, the entries
// are followed by their Adler-32 (the table footer), and the chunks are in
// the sectors section before the table. In the original EWF and SMART
// layout the chunks follow the entries in the table section itself, with
// no footer. The base offset is padding (zero) before EnCase 6.
const tableHeaderSize = 24

// Bits of an entry, and of a loaded chunk location.
const (
	entryCompressed = 1 << 31
	entryOffsetMask = entryCompressed - 1
	locCompressed   = 1 << 63
	locInvalid      = ^uint64(0)
)

// maxTableEntries bounds one table. EnCase 6 and later write at most 65534
// entries per table, older ones 16375; a larger count is damage.
const maxTableEntries = 1 << 22

// tableCopy is one of the two copies of a table: the table section or its
// table2 mirror.
type tableCopy struct {
	off      int64 // offset of the section descriptor
	end      int64 // end of the section
	entries  int64 // offset of the first entry
	count    int   // number of entries the header gives, bounded by the section
	base     int64 // base offset of the chunk offsets
	headerOK bool  // the header checksum matches
}

// table is a run of chunks of the medium held by one segment: from a table
// section (and its table2 mirror), or rebuilt by decoding the sectors
// section when the table is lost.
type table struct {
	seg     int // index in ewf.segs
	primary tableCopy
	mirror  *tableCopy
	count   int   // chunks in the run
	first   int64 // media chunk index of the first
	rebuilt *loadedTable
}

// loadedTable is the chunk locations of a table: absolute offsets in the
// segment file, locCompressed set for compressed chunks, locInvalid where
// the entry could not be used.
type loadedTable struct {
	locs []uint64
}

// readTableCopy reads the header of a table or table2 section.
func readTableCopy(s *segment, sec section, w *warnings) (tableCopy, bool) {
	var b [tableHeaderSize]byte
	if sec.end-sec.data() < tableHeaderSize {
		w.at(s.name, sec.off, "%s section too small for its header", sec.typ)
		return tableCopy{}, false
	}
	if n, err := s.r.ReadAt(b[:], sec.data()); n < len(b) {
		w.at(s.name, sec.data(), "reading %s header: %v", sec.typ, err)
		return tableCopy{}, false
	}
	t := tableCopy{
		off:      sec.off,
		end:      sec.end,
		entries:  sec.data() + tableHeaderSize,
		headerOK: adler32.Checksum(b[:20]) == binary.LittleEndian.Uint32(b[20:24]),
	}
	count := uint64(binary.LittleEndian.Uint32(b[0:4]))
	base := binary.LittleEndian.Uint64(b[8:16])
	if !t.headerOK {
		w.at(s.name, sec.data(), "%s header checksum mismatch (%d entries, base offset %d)", sec.typ, count, base)
	}
	if base >= uint64(s.size) {
		w.at(s.name, sec.data()+8, "%s base offset %d is past the end of the segment (size %d); taken as 0", sec.typ, base, s.size)
		base = 0
	}
	t.base = int64(base)
	room := uint64(sec.end-t.entries) / 4
	if count > room || count > maxTableEntries {
		c := min(room, maxTableEntries)
		w.at(s.name, sec.data(), "%s claims %d entries, its section has room for %d", sec.typ, count, c)
		count = c
	}
	t.count = int(count)
	return t, true
}

// readEntries reads the entries of a table copy and tells whether their
// checksum (the table footer) matches; a table without footer (chunks
// right after the entries) counts as matching. Entries that could not be
// read are locInvalid-bound: returned as 0xffffffff.
func readEntries(s *segment, t tableCopy) ([]uint32, bool, error) {
	raw := make([]byte, t.count*4+4)
	n, err := s.r.ReadAt(raw, t.entries)
	if err != nil && err != io.EOF {
		return nil, false, err
	}
	out := make([]uint32, t.count)
	for i := range out {
		if (i+1)*4 <= n {
			out[i] = binary.LittleEndian.Uint32(raw[i*4:])
		} else {
			out[i] = 0xffffffff
		}
	}
	if n < t.count*4 {
		return out, false, nil
	}
	if n == len(raw) && t.entries+int64(len(raw)) <= t.end &&
		adler32.Checksum(raw[:t.count*4]) == binary.LittleEndian.Uint32(raw[t.count*4:]) {
		return out, true, nil
	}
	// No footer: the first chunk starts right after the entries (EWF,
	// SMART).
	if t.count > 0 && t.base+int64(out[0]&entryOffsetMask) == t.entries+int64(t.count*4) {
		return out, true, nil
	}
	return out, false, nil
}

// decodeEntries turns entries into chunk locations in a segment of size
// bytes; entries pointing outside it are marked invalid. Past 2 GiB the
// entries of EnCase 6.7.1 use all 32 bits for the offset (EWF notes,
// "Table entries offset overflow"); as in libewf, once the 31-bit offset
// wraps where the 32-bit one goes on inside the file, the rest of the
// table is read as uncompressed chunks at 32-bit offsets.
func decodeEntries(entries []uint32, base, size int64) []uint64 {
	locs := make([]uint64, len(entries))
	overflow := false
	var prev int64 = -1
	for i, e := range entries {
		if e == 0xffffffff && !overflow {
			locs[i] = locInvalid
			continue
		}
		off := base + int64(e&entryOffsetMask)
		compressed := e&entryCompressed != 0
		if !overflow && prev >= 0 && off < prev && base+int64(e) > prev && base+int64(e) < size {
			overflow = true
		}
		if overflow {
			off, compressed = base+int64(e), false
		}
		if off < fileHeaderSize || off >= size {
			locs[i] = locInvalid
			continue
		}
		prev = off
		locs[i] = uint64(off)
		if compressed {
			locs[i] |= locCompressed
		}
	}
	return locs
}

// loadTable reads the chunk locations of a table, from its table section,
// else from its table2 mirror, else from both entry by entry.
func (e *ewf) loadTable(t *table) (*loadedTable, error) {
	if t.rebuilt != nil {
		return t.rebuilt, nil
	}
	s := e.segs[t.seg]
	p, pOK, err := readEntries(s, t.primary)
	if err != nil {
		return nil, err
	}
	pl := decodeEntries(fit(p, t.count), t.primary.base, s.size)
	if pOK || t.mirror == nil {
		if !pOK {
			e.w.at(s.name, t.primary.entries, "table entries: checksum mismatch or cut short (no table2 to compare); used as they read")
		}
		return &loadedTable{locs: pl}, nil
	}
	m, mOK, err := readEntries(s, *t.mirror)
	if err != nil {
		return nil, err
	}
	ml := decodeEntries(fit(m, t.count), t.mirror.base, s.size)
	if mOK {
		e.w.at(s.name, t.primary.entries, "table entries: checksum mismatch; using the table2 copy at offset %d", t.mirror.off)
		return &loadedTable{locs: ml}, nil
	}
	e.w.at(s.name, t.primary.entries, "table entries and their table2 copy at offset %d both fail their checksum; each entry taken from the copy where it points inside the segment", t.mirror.off)
	for i := range pl {
		if pl[i] == locInvalid || (ml[i] != locInvalid && !fitsBetween(pl[i], pl, i) && fitsBetween(ml[i], pl, i)) {
			pl[i] = ml[i]
		}
	}
	return &loadedTable{locs: pl}, nil
}

// fitsBetween: location v, put at i, keeps the chunks of locs in
// ascending order, as every writer stores them.
func fitsBetween(v uint64, locs []uint64, i int) bool {
	v &^= locCompressed
	for k := i - 1; k >= 0; k-- {
		if locs[k] != locInvalid {
			if locs[k]&^locCompressed >= v {
				return false
			}
			break
		}
	}
	for k := i + 1; k < len(locs); k++ {
		if locs[k] != locInvalid {
			return locs[k]&^locCompressed > v
		}
	}
	return true
}

// fit makes entries count long, padding with unreadable entries.
func fit(entries []uint32, count int) []uint32 {
	for len(entries) < count {
		entries = append(entries, 0xffffffff)
	}
	return entries[:count]
}

// chunkEnd is where the stored data of chunk j of a loaded table can end:
// at the next chunk, and at the latest at the end of the section that
// holds it.
func chunkEnd(s *segment, lt *loadedTable, j int) int64 {
	start := int64(lt.locs[j] &^ locCompressed)
	end := s.size
	if k := sort.Search(len(s.sections), func(k int) bool { return s.sections[k].off > start }); k > 0 {
		if sec := s.sections[k-1]; start < sec.end {
			end = sec.end
		} else if k < len(s.sections) {
			end = s.sections[k].off
		}
	}
	for i := j + 1; i < len(lt.locs); i++ {
		if lt.locs[i] == locInvalid {
			continue
		}
		if next := int64(lt.locs[i] &^ locCompressed); next > start && next < end {
			end = next
		}
		break
	}
	return end
}
