package image

import (
	"fmt"
	"io"
	"sort"
	"sync"

	"github.com/mailsalvage/mailsalvage/formats"
)

// segmentSource is one segment file of an EWF set.
type segmentSource struct {
	name string
	r    io.ReaderAt // nil: the file is missing
	size int64
}

// segment is a segment file and the sections found in it.
type segment struct {
	segmentSource
	sections []section
	last     string // "next" or "done" when the walk reached one
}

// Cache budgets: decoded chunks and loaded table entries. The carver
// reads an image from two or more places at once (its workers' chunks,
// the merger behind them, messages read back for export) and a chunk
// missed is decoded again: carving a 1 GiB E01 of 32 KiB chunks took 10.5 s
// with 8 MiB, 9.1 s with 16 and 9.2 s with 32 (peak RSS 83, 101, 137 MiB).
const (
	chunkCacheBytes   = 16 << 20
	tableCacheEntries = 1 << 20
	zeroChunkCost     = 4096 // what a chunk read as zeros costs in the cache
)

// ewf reads the medium of an EWF image.
type ewf struct {
	mu        sync.Mutex
	w         *warnings
	segs      []*segment
	vol       volume
	chunkSize int64
	size      int64 // media size
	nchunks   int64 // chunks of the medium
	tables    []*table
	tcache    *lru[*table, *loadedTable]
	// ccache holds decoded chunks; readers copy out of it under the
	// lock, and the buffers it evicts (spares) are decoded into again
	ccache   *lru[int64, []byte]
	spares   [][]byte
	decoders sync.Pool // *decoder
	warnMu   sync.Mutex
	warned   map[int64]bool
}

// openEWFSet opens the EWF segment files of the set path belongs to.
func openEWFSet(path string) (*Image, error) {
	names, present, nameOf := ewfSetNames(path)
	var srcs []segmentSource
	var closers []io.Closer
	closeAll := func() {
		for _, c := range closers {
			c.Close()
		}
	}
	for i, n := range names {
		if !present[i] {
			srcs = append(srcs, segmentSource{name: n})
			continue
		}
		f, err := formats.OpenEvidence(n)
		if err != nil {
			closeAll()
			return nil, err
		}
		closers = append(closers, f)
		size, err := evidenceSize(f, n)
		if err != nil {
			closeAll()
			return nil, err
		}
		srcs = append(srcs, segmentSource{name: n, r: f, size: size})
	}
	img, err := newEWF(srcs, closers, nameOf)
	if err != nil {
		closeAll()
		return nil, err
	}
	return img, nil
}

// slot is what one segment contributes to the medium: runs of chunks that
// follow each other. uncertain: how many chunks the segment held is not
// known (missing, or truncated or damaged where its table is).
type slot struct {
	tables    []*table
	uncertain bool
	missing   bool
	rebuild   []section // sectors sections whose table is lost
}

// newEWF reads the structure of an EWF set whose segments are srcs, in
// order (segment 1 first), and returns the image of its medium. nameOf, if
// not nil, names the segment files of the set, for warnings.
func newEWF(srcs []segmentSource, closers []io.Closer, nameOf func(int) string) (*Image, error) {
	e := &ewf{w: &warnings{}, warned: map[int64]bool{}}
	img := &Image{format: FormatEWF, warn: e.w, closers: closers, r: e}

	// File headers (EWF notes 2.1). A lone file of a later segment keeps
	// its place: the segments before it are missing.
	for i, src := range srcs {
		s := &segment{segmentSource: src}
		if src.r == nil {
			e.segs = append(e.segs, s)
			continue
		}
		var b [fileHeaderSize]byte
		n, err := src.r.ReadAt(b[:], 0)
		if err != nil && err != io.EOF {
			return nil, fmt.Errorf("%s: %w", src.name, err)
		}
		h, ok := parseFileHeader(b[:n])
		if !ok {
			if i == 0 && len(srcs) == 1 {
				return nil, &FormatError{File: src.name, Offset: 0, Msg: "no EWF file header", Err: ErrFormat}
			}
			e.w.at(src.name, 0, "not an EWF segment file (no EVF signature): taken as missing")
			s.r = nil
			e.segs = append(e.segs, s)
			continue
		}
		if !h.wellFormed {
			e.w.at(src.name, 8, "file header fields not delimited as specified (0x01 … 0x0000)")
		}
		if len(srcs) == 1 && h.segment > 1 {
			for k := 1; k < int(h.segment); k++ {
				e.segs = append(e.segs, &segment{segmentSource: segmentSource{name: fmt.Sprintf("segment %d of the set of %s", k, src.name)}})
			}
		} else if int(h.segment) != i+1 {
			e.w.at(src.name, 9, "file header says segment %d, its place in the set is %d (place kept)", h.segment, i+1)
		}
		e.segs = append(e.segs, s)
		img.segments = append(img.segments, src.name)
		s.walk(e.w)
	}
	if len(img.segments) == 0 {
		return nil, &FormatError{File: srcs[0].name, Offset: -1, Msg: "no readable EWF segment file", Err: ErrFormat}
	}
	for i := 0; i < len(e.segs); i++ {
		if e.segs[i].r != nil {
			continue
		}
		j := i
		for j+1 < len(e.segs) && e.segs[j+1].r == nil {
			j++
		}
		if i == j {
			e.w.at(e.segs[i].name, -1, "segment %d of the set is missing: the chunks it held read as zeros", i+1)
		} else {
			e.w.at(e.segs[i].name, -1, "segments %d to %d of the set (%s to %s) are missing: the chunks they held read as zeros", i+1, j+1, e.segs[i].name, e.segs[j].name)
		}
		i = j
	}
	if last := e.segs[len(e.segs)-1]; last.r != nil && last.last == "next" {
		next := fmt.Sprintf("segment %d", len(e.segs)+1)
		if nameOf != nil {
			next = fmt.Sprintf("segment %d (%s)", len(e.segs)+1, nameOf(len(e.segs)+1))
		}
		e.w.at(last.name, -1, "ends with a \"next\" section, but %s and any after it are missing: the chunks they held read as zeros", next)
	}

	volFound := e.readVolume()
	e.readHashes(img)
	slots := e.collectTables()

	if !volFound {
		if err := e.guessChunkSize(slots); err != nil {
			return nil, err
		}
	}
	e.chunkSize = e.vol.chunkSize()
	e.rebuildLost(slots)
	e.place(slots, volFound)

	e.tcache = newLRU[*table, *loadedTable](tableCacheEntries, nil)
	e.ccache = newLRU[int64, []byte](max(chunkCacheBytes, int(2*e.chunkSize)), func(b []byte) {
		if int64(cap(b)) >= e.chunkSize && len(e.spares) < maxSpares {
			e.spares = append(e.spares, b)
		}
	})
	img.size = e.size
	return img, nil
}

// readVolume finds the volume (or disk) section, else a data section copy
// of it, whose checksum matches; else one that is at least plausible.
func (e *ewf) readVolume() bool {
	var fallback *volume
	for _, want := range [][]string{{"volume", "disk"}, {"data"}} {
		for _, s := range e.segs {
			for _, sec := range s.sections {
				if sec.typ != want[0] && (len(want) < 2 || sec.typ != want[1]) {
					continue
				}
				n := min(sec.end-sec.data(), volumeSizeEnCase)
				if n < volumeSizeASR {
					e.w.at(s.name, sec.off, "%s section too small (%d bytes of data)", sec.typ, n)
					continue
				}
				b := make([]byte, n)
				if k, _ := s.r.ReadAt(b, sec.data()); int64(k) < n {
					e.w.at(s.name, sec.data(), "%s section cut short", sec.typ)
					continue
				}
				v, ok := parseVolume(b)
				if !ok {
					continue
				}
				if !v.plausible() {
					e.w.at(s.name, sec.data(), "%s section: implausible values (%d sectors per chunk, %d bytes per sector, %d sectors)", sec.typ, v.sectorsPerChunk, v.bytesPerSector, v.sectors)
					continue
				}
				if v.sumOK {
					e.vol = v
					return true
				}
				e.w.at(s.name, sec.data(), "%s section checksum mismatch", sec.typ)
				if fallback == nil {
					fallback = &v
				}
			}
		}
	}
	if fallback != nil {
		e.w.at(e.segs[0].name, -1, "no volume section with a good checksum: using one whose checksum does not match (%d sectors per chunk, %d bytes per sector, %d sectors)", fallback.sectorsPerChunk, fallback.bytesPerSector, fallback.sectors)
		e.vol = *fallback
		return true
	}
	return false
}

// readHashes reads the hash, digest and xhash sections (the MD5 and SHA-1
// of the medium as acquired) and the error2 sections (the sectors the
// acquisition could not read).
func (e *ewf) readHashes(img *Image) {
	set := func(kind *string, v, what string, s *segment, off int64) {
		if v == "" {
			return
		}
		if *kind != "" && *kind != v {
			e.w.at(s.name, off, "%s %s differs from the one found before (%s); the first is kept", what, v, *kind)
			return
		}
		*kind = v
	}
	for _, s := range e.segs {
		for _, sec := range s.sections {
			var n int64
			switch sec.typ {
			case "hash", "digest", "xhash":
				n = min(sec.end-sec.data(), 1<<16)
			case "error2":
				n = min(sec.end-sec.data(), 520+8*64)
			default:
				continue
			}
			if n <= 0 {
				continue
			}
			b := make([]byte, n)
			k, _ := s.r.ReadAt(b, sec.data())
			b = b[:k]
			switch sec.typ {
			case "digest":
				md5, sha1, sumOK, ok := digestSection(b)
				if !ok {
					continue
				}
				if !sumOK {
					e.w.at(s.name, sec.data(), "digest section checksum mismatch (hashes kept: MD5 %s SHA-1 %s)", md5, sha1)
				}
				set(&img.md5, md5, "MD5 of the digest section", s, sec.data())
				set(&img.sha1, sha1, "SHA-1 of the digest section", s, sec.data())
			case "hash":
				md5, sumOK, ok := hashSection(b)
				if !ok {
					continue
				}
				if !sumOK {
					e.w.at(s.name, sec.data(), "hash section checksum mismatch (MD5 kept: %s)", md5)
				}
				set(&img.md5, md5, "MD5 of the hash section", s, sec.data())
			case "xhash":
				if md5, sha1, ok := xhashSection(b); ok {
					set(&img.md5, md5, "MD5 of the xhash section", s, sec.data())
					set(&img.sha1, sha1, "SHA-1 of the xhash section", s, sec.data())
				}
			case "error2":
				ranges, total, sumOK := error2Section(b, 64)
				if !sumOK {
					e.w.at(s.name, sec.data(), "error2 section checksum mismatch")
				}
				for _, r := range ranges {
					e.w.at(s.name, sec.data(), "the acquisition could not read sectors %d to %d: they hold zeros", r[0], uint64(r[0])+uint64(r[1])-1)
				}
				if int(total) > len(ranges) {
					e.w.at(s.name, sec.data(), "%d more unreadable sector ranges not listed", int(total)-len(ranges))
				}
			}
		}
	}
}

// collectTables gathers the table and table2 sections of every segment
// (one slot per segment, in order), pairing each table2 with the table it
// mirrors, and notes the sectors sections left without a table.
func (e *ewf) collectTables() []slot {
	slots := make([]slot, len(e.segs))
	for i, s := range e.segs {
		sl := &slots[i]
		if s.r == nil {
			sl.uncertain, sl.missing = true, true
			continue
		}
		var pending *section // a sectors section not yet followed by its table
		var last *table
		prev := ""
		for k, sec := range s.sections {
			switch sec.typ {
			case "sectors":
				if pending != nil {
					sl.rebuild = append(sl.rebuild, *pending)
				}
				pending = &s.sections[k]
			case "table", "table2":
				tc, ok := readTableCopy(s, sec, e.w)
				if !ok {
					break
				}
				if sec.typ == "table2" && prev == "table" && last != nil && last.mirror == nil {
					last.mirror = &tc
					if tc.count != last.primary.count {
						if !last.primary.headerOK && tc.headerOK {
							last.count = tc.count
						}
						e.w.at(s.name, tc.off, "table2 has %d entries, its table %d", tc.count, last.primary.count)
					}
					break
				}
				if sec.typ == "table2" {
					e.w.at(s.name, sec.off, "table2 without its table before it: used in its place")
				}
				last = &table{seg: i, primary: tc, count: tc.count}
				sl.tables = append(sl.tables, last)
				pending = nil
			}
			prev = sec.typ
		}
		if pending != nil {
			sl.rebuild = append(sl.rebuild, *pending)
		}
		if s.last == "" && i < len(e.segs)-1 {
			sl.uncertain = true
		}
	}
	return slots
}

// guessChunkSize finds the chunk size when no volume section could be
// read, from the first chunk of the first table, and takes the medium to
// be as long as its chunks.
func (e *ewf) guessChunkSize(slots []slot) error {
	for _, sl := range slots {
		for _, t := range sl.tables {
			s := e.segs[t.seg]
			lt, err := e.loadTable(t)
			if err != nil {
				return err
			}
			if len(lt.locs) == 0 || lt.locs[0] == locInvalid {
				continue
			}
			start := int64(lt.locs[0] &^ locCompressed)
			end := chunkEnd(s, lt, 0)
			n := min(end-start, compressedBound(maxChunkSize))
			raw := make([]byte, n)
			k, _ := s.r.ReadAt(raw, start)
			raw = raw[:k]
			size := int64(0)
			if lt.locs[0]&locCompressed != 0 {
				dc := e.getDecoder()
				if out, _, res, _ := dc.inflate(raw, nil, maxChunkSize); res == inflateOK {
					size = int64(len(out))
				}
				e.putDecoder(dc)
			} else if k > 4 {
				size = int64(k - 4)
			}
			if size < minChunkSize {
				continue
			}
			bps := int64(512)
			if size%bps != 0 {
				bps = 1
			}
			e.vol = volume{sectorsPerChunk: uint32(size / bps), bytesPerSector: uint32(bps)}
			e.w.at(s.name, start, "no usable volume section: chunk size taken from the first chunk (%d bytes); the medium is taken to end with the last chunk found", size)
			return nil
		}
	}
	return &FormatError{File: e.segs[0].name, Offset: -1, Msg: "no usable volume section and no chunk to find the chunk size from", Err: ErrFormat}
}

// rebuildLost rebuilds the chunk locations of the sectors sections whose
// table is lost.
func (e *ewf) rebuildLost(slots []slot) {
	for i := range slots {
		sl := &slots[i]
		s := e.segs[i]
		for _, sec := range sl.rebuild {
			from, to := sec.data(), sec.end
			e.w.at(s.name, sec.off, "sectors section (%d bytes of chunks) has no table after it%s: rebuilding its chunk list by decoding", to-from, cutNote(sec))
			locs, complete := e.rebuild(s, from, to, sec.cut)
			if !complete {
				sl.uncertain = true
			}
			if len(locs) > 0 {
				sl.tables = append(sl.tables, &table{seg: i, count: len(locs), rebuilt: &loadedTable{locs: locs}, primary: tableCopy{off: sec.off, entries: -1}})
				// Keep the rebuilt run after the tables before it in the file.
				sort.SliceStable(sl.tables, func(a, b int) bool { return tableAt(sl.tables[a]) < tableAt(sl.tables[b]) })
			}
		}
	}
}

func cutNote(sec section) string {
	if sec.cut {
		return " (the segment is truncated inside it)"
	}
	return ""
}

// tableAt orders the runs of a segment: where their chunks are.
func tableAt(t *table) int64 { return t.primary.off }

// place gives every run its first media chunk. A segment whose chunk
// count is uncertain (missing, truncated) is sized from the number of
// chunks of the medium when it is the only such place; the segments after
// a second one cannot be placed and are left out.
func (e *ewf) place(slots []slot, volFound bool) {
	cs := e.chunkSize
	var total int64 = -1
	if volFound {
		total = (e.vol.mediaSize() + cs - 1) / cs
		if e.vol.chunks != 0 && int64(e.vol.chunks) != total {
			e.w.at(e.segs[0].name, -1, "the volume section gives %d chunks but %d sectors make %d", e.vol.chunks, e.vol.sectors, total)
		}
	}
	count := func(sl slot) int64 {
		var n int64
		for _, t := range sl.tables {
			n += int64(t.count)
		}
		return n
	}
	var cursor int64
	put := func(sl slot) {
		for _, t := range sl.tables {
			t.first = cursor
			cursor += int64(t.count)
			e.tables = append(e.tables, t)
		}
	}
	for k := 0; k < len(slots); {
		if !slots[k].uncertain {
			put(slots[k])
			k++
			continue
		}
		g := k
		for g < len(slots) && slots[g].uncertain {
			g++
		}
		later := false
		var after int64
		for _, sl := range slots[g:] {
			later = later || sl.uncertain
			after += count(sl)
		}
		found := count(slots[k])
		start := cursor
		if total >= 0 && !later {
			span := total - cursor - after
			if span < found {
				e.w.at(e.segs[k].name, -1, "its tables hold %d chunks, more than the %d the volume leaves for it", found, span)
				span = found
			}
			put(slots[k])
			for _, sl := range slots[k+1 : g] {
				if n := count(sl); n > 0 {
					e.w.at(e.segs[tableSegOf(sl)].name, -1, "%d chunks rebuilt but their place in the medium is unknown (the segment before is missing): left out", n)
				}
			}
			cursor = start + span
			k = g
			continue
		}
		put(slots[k])
		if k+1 < len(slots) {
			var names []string
			for _, s := range e.segs[k+1:] {
				if s.r != nil {
					names = append(names, s.name)
				}
			}
			if len(names) > 0 {
				e.w.at(e.segs[k].name, -1, "how many chunks this segment held is unknown, so the media offsets of the segments after it cannot be known: %v left out", names)
			}
		}
		break
	}
	if !volFound {
		e.vol.sectors = uint64(cursor) * uint64(e.vol.sectorsPerChunk)
		total = cursor
	}
	e.nchunks = total
	e.size = e.vol.mediaSize()
	if cursor > total {
		e.w.at(e.segs[0].name, -1, "the tables hold %d chunks, the medium has %d: the extra ones are ignored", cursor, total)
	}
	// Chunks in no table.
	gaps := 0
	var next int64
	report := func(a, b int64) {
		if a >= b {
			return
		}
		gaps++
		if gaps <= 20 {
			e.w.at(e.segs[0].name, -1, "chunks %d to %d (media offsets %d to %d) are in no table: read as zeros", a, b-1, a*cs, min(b*cs, e.size)-1)
		}
	}
	for _, t := range e.tables {
		report(next, min(t.first, total))
		next = max(next, t.first+int64(t.count))
	}
	report(next, total)
	if gaps > 20 {
		e.w.at(e.segs[0].name, -1, "%d more runs of chunks in no table", gaps-20)
	}
}

func tableSegOf(sl slot) int {
	if len(sl.tables) > 0 {
		return sl.tables[0].seg
	}
	return 0
}

// tableOf is the run that holds chunk ci, or nil.
func (e *ewf) tableOf(ci int64) *table {
	i := sort.Search(len(e.tables), func(i int) bool { return e.tables[i].first > ci }) - 1
	if i < 0 {
		return nil
	}
	if t := e.tables[i]; ci < t.first+int64(t.count) {
		return t
	}
	return nil
}

// chunkLen is the number of bytes of the medium in chunk ci.
func (e *ewf) chunkLen(ci int64) int64 {
	return min(e.chunkSize, e.size-ci*e.chunkSize)
}

// ReadAt reads the medium; the Image has clipped p to its size. Readers
// on several goroutines decode their chunks in parallel.
func (e *ewf) ReadAt(p []byte, off int64) (int, error) {
	n := 0
	for n < len(p) && off+int64(n) < e.size {
		pos := off + int64(n)
		ci := pos / e.chunkSize
		within := pos - ci*e.chunkSize
		want := int(min(int64(len(p)-n), e.chunkLen(ci)-within))
		if err := e.chunk(ci, within, p[n:n+want]); err != nil {
			return n, err
		}
		n += want
	}
	if n < len(p) {
		return n, io.EOF
	}
	return n, nil
}

// chunk copies the bytes of chunk ci from within into p, from the cache,
// decoding the chunk when it is not there. The lock is held to look it up,
// to find where it is stored and to copy out of the cache (so that an
// evicted buffer can be decoded into again), not while it decodes. (Two
// readers that miss the same chunk both decode it.)
func (e *ewf) chunk(ci, within int64, p []byte) error {
	e.mu.Lock()
	if d, ok := e.ccache.get(ci); ok {
		copyChunk(p, d, within)
		e.mu.Unlock()
		return nil
	}
	loc, ok, err := e.locate(ci)
	var buf []byte
	if n := len(e.spares); n > 0 {
		buf, e.spares = e.spares[n-1], e.spares[:n-1]
	}
	e.mu.Unlock()
	if err != nil {
		return err
	}
	var d []byte
	if ok {
		dc := e.getDecoder()
		d, err = e.decode(dc, ci, loc, buf[:0])
		e.putDecoder(dc)
		if err != nil {
			return err
		}
	}
	e.mu.Lock()
	e.ccache.add(ci, d, max(len(d), zeroChunkCost))
	copyChunk(p, d, within)
	if d == nil && buf != nil && len(e.spares) < maxSpares {
		e.spares = append(e.spares, buf)
	}
	e.mu.Unlock()
	return nil
}

// copyChunk fills p with chunk data d from within, zeros past its end.
func copyChunk(p, d []byte, within int64) {
	k := 0
	if within < int64(len(d)) {
		k = copy(p, d[within:])
	}
	clear(p[k:])
}

// maxSpares bounds the evicted chunk buffers kept for decoding into.
const maxSpares = 8
