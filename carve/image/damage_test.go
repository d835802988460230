package image

import (
	"bytes"
	"encoding/binary"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// chunkInfo is where a chunk of a sound image is stored.
type chunkInfo struct {
	seg        int
	start, end int64
	compressed bool
	entry      int64 // offset of its entry in the table section
	mirror     int64 // offset of its entry in the table2 section
}

// chunkMap lists the chunks of a sound EWF image from its tables.
func chunkMap(t *testing.T, img *Image) []chunkInfo {
	t.Helper()
	e := img.r.(*ewf)
	var out []chunkInfo
	for _, tb := range e.tables {
		lt, err := e.loadTable(tb)
		if err != nil {
			t.Fatal(err)
		}
		for j, l := range lt.locs {
			ci := chunkInfo{seg: tb.seg, start: int64(l &^ locCompressed), compressed: l&locCompressed != 0,
				end: chunkEnd(e.segs[tb.seg], lt, j), entry: tb.primary.entries + 4*int64(j), mirror: -1}
			if tb.mirror != nil {
				ci.mirror = tb.mirror.entries + 4*int64(j)
			}
			out = append(out, ci)
		}
	}
	return out
}

// soundImage makes a single-segment image and returns its data, the path
// of a copy to damage, and the chunk map and chunk size of the original.
func soundImage(t *testing.T, args ...string) (data []byte, path string, chunks []chunkInfo, cs int64) {
	t.Helper()
	data = mediaData(77, 1<<20)
	dir := t.TempDir()
	_, first := acquire(t, dir, "sound", data, args...)
	img := mustOpen(t, first)
	chunks = chunkMap(t, img)
	cs = img.r.(*ewf).chunkSize
	b, err := os.ReadFile(first)
	if err != nil {
		t.Fatal(err)
	}
	path = filepath.Join(dir, "damaged.E01")
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return data, path, chunks, cs
}

// patch changes the file at path: f gets its bytes and returns the new ones.
func patch(t *testing.T, path string, f func([]byte) []byte) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, f(b), 0o644); err != nil {
		t.Fatal(err)
	}
}

// sameExcept checks that got equals want outside the chunks listed in bad
// and reports the chunks that differ.
func sameExcept(t *testing.T, got, want []byte, cs int64, bad ...int) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("read %d bytes, want %d", len(got), len(want))
	}
	isBad := map[int]bool{}
	for _, b := range bad {
		isBad[b] = true
	}
	for c := 0; int64(c)*cs < int64(len(want)); c++ {
		a, b := int64(c)*cs, min(int64(c+1)*cs, int64(len(want)))
		if !isBad[c] && !bytes.Equal(got[a:b], want[a:b]) {
			t.Errorf("chunk %d differs from the source: %s", c, firstDiff(got[a:b], want[a:b]))
		}
	}
}

func isZero(b []byte) bool {
	for _, c := range b {
		if c != 0 {
			return false
		}
	}
	return true
}

func TestDamageTruncated(t *testing.T) {
	data, path, chunks, cs := soundImage(t, "-c", "fast")
	st, _ := os.Stat(path)
	cut := st.Size() * 6 / 10
	whole := 0 // chunks wholly before the cut
	for whole < len(chunks) && chunks[whole].end <= cut {
		whole++
	}
	// A damaged stored chunk before the cut, with a valid one after it.
	bad := -1
	for i := 1; i < whole-1; i++ {
		if !chunks[i].compressed && !chunks[i-1].compressed {
			bad = i
			break
		}
	}
	if whole < 5 || bad < 0 {
		t.Fatalf("test data unfit: %d chunks before the cut, damaged stored chunk %d", whole, bad)
	}
	patch(t, path, func(b []byte) []byte { b[chunks[bad].start+100] ^= 0xff; return b[:cut] })
	img := mustOpen(t, path)
	if img.Size() != int64(len(data)) {
		t.Fatalf("Size %d, want %d (from the volume section)", img.Size(), len(data))
	}
	got := readAll(t, img, 1<<16)
	n := int64(whole) * cs
	want := append([]byte(nil), data[:n]...)
	want[int64(bad)*cs+100] ^= 0xff
	if !bytes.Equal(got[:n], want) {
		t.Errorf("the %d chunks before the cut are not all rebuilt: %s", whole, firstDiff(got[:n], want))
	}
	// The chunk cut in two: what was read of it, then zeros.
	part, src := got[n:n+cs], data[n:n+cs]
	m := 0
	for m < len(part) && part[m] == src[m] {
		m++
	}
	if m == 0 || !isZero(part[m:]) {
		t.Errorf("the cut chunk: %d bytes read as in the source, then not only zeros", m)
	}
	if !isZero(got[n+cs:]) {
		t.Error("chunks after the cut do not read as zeros")
	}
	ws := img.Warnings()
	for _, want := range [][]string{
		{path, "past the end of the file", "truncated"},
		{path, "rebuilding its chunk list"},
		{path, itoa(chunks[bad].start), "damaged; taken as a stored chunk"},
		{path, "cut by the end of the file"},
		{path, "are in no table: read as zeros"},
	} {
		if !warningsContain(ws, want...) {
			t.Errorf("no warning with %q in %q", want, ws)
		}
	}
}

// TestDamageTruncatedEarly: cut inside the file header, inside a section
// descriptor, right after the volume section.
func TestDamageTruncatedEarly(t *testing.T) {
	_, path, chunks, _ := soundImage(t, "-c", "fast")
	for _, cut := range []int64{5, fileHeaderSize + 40, chunks[0].start - 2, chunks[0].start + 10} {
		p := filepath.Join(filepath.Dir(path), "cut"+itoa(cut)+".E01")
		b, _ := os.ReadFile(path)
		os.WriteFile(p, b[:cut], 0o644)
		img, err := Open(p)
		if err != nil {
			// Nothing left to read: an error naming the file.
			if !strings.Contains(err.Error(), p) {
				t.Errorf("cut at %d: error %q does not name the file", cut, err)
			}
			continue
		}
		readAll(t, img, 1<<16)
		if cut < int64(len(evfSignature)) {
			if img.Format() != FormatRaw {
				t.Errorf("cut at %d: Format %q: without its signature the file is raw", cut, img.Format())
			}
		} else if len(img.Warnings()) == 0 {
			t.Errorf("cut at %d: no warning", cut)
		}
		img.Close()
	}
}

func TestDamageTableEntry(t *testing.T) {
	data, path, chunks, cs := soundImage(t, "-c", "fast")
	const j = 7
	outside := make([]byte, 4)
	binary.LittleEndian.PutUint32(outside, 0x7ffffff0)

	// The table alone: the table2 copy stands in.
	patch(t, path, func(b []byte) []byte { copy(b[chunks[j].entry:], outside); return b })
	img := mustOpen(t, path)
	sameExcept(t, readAll(t, img, 1<<16), data, cs)
	if !warningsContain(img.Warnings(), path, "using the table2 copy") {
		t.Errorf("warnings %q", img.Warnings())
	}
	img.Close()

	// Both copies: the chunk reads as zeros, the rest is intact.
	patch(t, path, func(b []byte) []byte { copy(b[chunks[j].mirror:], outside); return b })
	img = mustOpen(t, path)
	got := readAll(t, img, 1<<16)
	sameExcept(t, got, data, cs, j)
	if !isZero(got[j*cs : (j+1)*cs]) {
		t.Errorf("chunk %d with a bad entry does not read as zeros", j)
	}
	if !warningsContain(img.Warnings(), path, "chunk 7 ", "points outside the segment", "offset", itoa(chunks[j].entry)) {
		t.Errorf("no warning naming the entry offset %d: %q", chunks[j].entry, img.Warnings())
	}
}

func TestDamageChunkChecksum(t *testing.T) {
	data, path, chunks, cs := soundImage(t, "-c", "fast")
	stored, packed := -1, -1
	for i, c := range chunks {
		if !c.compressed && stored < 0 {
			stored = i
		}
		if c.compressed && packed < 0 && c.end-c.start > 200 {
			packed = i
		}
	}
	if stored < 0 || packed < 0 {
		t.Fatalf("test data lacks a stored (%d) or compressed (%d) chunk", stored, packed)
	}
	flipS := chunks[stored].start + 1000
	flipC := chunks[packed].start + (chunks[packed].end-chunks[packed].start)/2
	patch(t, path, func(b []byte) []byte { b[flipS] ^= 0x55; b[flipC] ^= 0x55; return b })
	img := mustOpen(t, path)
	got := readAll(t, img, 1<<16)
	sameExcept(t, got, data, cs, stored, packed)
	// The stored chunk is kept as stored: one byte differs.
	want := append([]byte(nil), data[int64(stored)*cs:int64(stored+1)*cs]...)
	want[1000] ^= 0x55
	if !bytes.Equal(got[int64(stored)*cs:int64(stored+1)*cs], want) {
		t.Error("the stored chunk with a bad checksum is not kept as stored")
	}
	ws := img.Warnings()
	if !warningsContain(ws, path, itoa(chunks[stored].start), "Adler-32 mismatch") {
		t.Errorf("no checksum warning for the stored chunk at %d: %q", chunks[stored].start, ws)
	}
	if !warningsContain(ws, path, itoa(chunks[packed].start), "zlib") {
		t.Errorf("no warning for the compressed chunk at %d: %q", chunks[packed].start, ws)
	}
	// Warned once per chunk, however often it is read.
	readAll(t, img, 1<<16)
	if n := len(img.Warnings()); n != len(ws) {
		t.Errorf("warnings grew from %d to %d on a second read", len(ws), n)
	}
}

// TestDamageCompressionBit: a flipped compression bit in both table copies
// is recognized from the chunk itself.
func TestDamageCompressionBit(t *testing.T) {
	data, path, chunks, cs := soundImage(t, "-c", "fast")
	var flip []int
	for i, c := range chunks {
		if len(flip) == 0 && !c.compressed || len(flip) == 1 && c.compressed {
			flip = append(flip, i)
		}
	}
	patch(t, path, func(b []byte) []byte {
		for _, i := range flip {
			b[chunks[i].entry+3] ^= 0x80
			b[chunks[i].mirror+3] ^= 0x80
		}
		return b
	})
	img := mustOpen(t, path)
	sameExcept(t, readAll(t, img, 1<<16), data, cs)
	if !warningsContain(img.Warnings(), "marked compressed but holds a stored chunk") ||
		!warningsContain(img.Warnings(), "marked stored but holds a zlib stream") {
		t.Errorf("warnings %q", img.Warnings())
	}
}

func TestDamageVolume(t *testing.T) {
	data, path, _, cs := soundImage(t, "-c", "fast")
	img := mustOpen(t, path)
	var vol section
	for _, s := range img.r.(*ewf).segs[0].sections {
		if s.typ == "volume" {
			vol = s
		}
	}
	img.Close()
	// Damage the volume data: the data section copy at the end is used.
	patch(t, path, func(b []byte) []byte { b[vol.data()+8] ^= 0xff; return b })
	img = mustOpen(t, path)
	sameExcept(t, readAll(t, img, 1<<16), data, cs)
	if !warningsContain(img.Warnings(), path, itoa(vol.data()), "volume section checksum mismatch") {
		t.Errorf("warnings %q", img.Warnings())
	}
	img.Close()
	// Damage its descriptor too: the walk resumes at the next section.
	patch(t, path, func(b []byte) []byte { copy(b[vol.off:], "garbage!"); b[vol.off+20] ^= 0xff; return b })
	img = mustOpen(t, path)
	sameExcept(t, readAll(t, img, 1<<16), data, cs)
	if !warningsContain(img.Warnings(), path, itoa(vol.off), "damaged section descriptor") ||
		!warningsContain(img.Warnings(), "resumed at \"sectors\"") {
		t.Errorf("warnings %q", img.Warnings())
	}
}

// segmentSet makes a 4-segment set of stored chunks.
func segmentSet(t *testing.T) (data []byte, dir string, names []string, cs int64, spans [][2]int64) {
	t.Helper()
	data = mediaData(88, 3500<<10)
	dir = t.TempDir()
	_, first := acquire(t, dir, "set", data, "-c", "none", "-S", "1MiB")
	img := mustOpen(t, first)
	names = img.Segments()
	if len(names) != 4 {
		t.Fatalf("%d segments, want 4", len(names))
	}
	e := img.r.(*ewf)
	cs = e.chunkSize
	spans = make([][2]int64, len(names))
	for i := range spans {
		spans[i] = [2]int64{-1, -1}
	}
	for _, tb := range e.tables {
		if spans[tb.seg][0] < 0 {
			spans[tb.seg][0] = tb.first
		}
		spans[tb.seg][1] = tb.first + int64(tb.count)
	}
	return data, dir, names, cs, spans
}

func TestDamageMissingSegment(t *testing.T) {
	for _, missing := range []int{1, 3, 0} {
		t.Run(itoa(int64(missing+1)), func(t *testing.T) {
			data, _, names, cs, spans := segmentSet(t)
			os.Remove(names[missing])
			open := names[0]
			if missing == 0 {
				open = names[1]
			}
			img := mustOpen(t, open)
			if img.Size() != int64(len(data)) {
				t.Fatalf("Size %d, want %d", img.Size(), len(data))
			}
			got := readAll(t, img, 1<<20)
			var bad []int
			for c := spans[missing][0]; c < spans[missing][1]; c++ {
				bad = append(bad, int(c))
			}
			sameExcept(t, got, data, cs, bad...)
			a, b := spans[missing][0]*cs, min(spans[missing][1]*cs, int64(len(data)))
			if !isZero(got[a:b]) {
				t.Errorf("the chunks of the missing segment do not read as zeros")
			}
			if !warningsContain(img.Warnings(), names[missing], "missing") {
				t.Errorf("no warning naming %s: %q", names[missing], img.Warnings())
			}
		})
	}
}

// TestDamageTruncatedMiddleSegment: the table of segment 2 is lost; its
// chunks are rebuilt, and those of segments 3 and 4 stay in place.
func TestDamageTruncatedMiddleSegment(t *testing.T) {
	data, _, names, cs, spans := segmentSet(t)
	st, _ := os.Stat(names[1])
	patch(t, names[1], func(b []byte) []byte { return b[:st.Size()/2] })
	img := mustOpen(t, names[0])
	got := readAll(t, img, 1<<20)
	var bad []int
	for c := spans[1][0]; c < spans[1][1]; c++ {
		bad = append(bad, int(c))
	}
	sameExcept(t, got, data, cs, bad...)
	// About half of segment 2 is rebuilt.
	rebuilt := 0
	for c := spans[1][0]; c < spans[1][1]; c++ {
		if bytes.Equal(got[c*cs:(c+1)*cs], data[c*cs:(c+1)*cs]) {
			rebuilt++
		}
	}
	if n := int(spans[1][1] - spans[1][0]); rebuilt < n/2-2 {
		t.Errorf("%d of the %d chunks of the truncated segment rebuilt", rebuilt, n)
	}
	if !warningsContain(img.Warnings(), names[1], "truncated") {
		t.Errorf("warnings %q", img.Warnings())
	}
}

func TestDamageNotEWF(t *testing.T) {
	dir := t.TempDir()
	for name, b := range map[string][]byte{
		"sig-only.E01": []byte(evfSignature),
		"header.E01":   append([]byte(evfSignature), 1, 1, 0, 0, 0),
		"garbage.E01":  append(append([]byte(evfSignature), 1, 1, 0, 0, 0), mediaData(3, 5000)...),
	} {
		p := filepath.Join(dir, name)
		os.WriteFile(p, b, 0o644)
		img, err := Open(p)
		if err != nil {
			t.Logf("%s: %v", name, err)
			continue
		}
		readAll(t, img, 4096)
		img.Close()
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
