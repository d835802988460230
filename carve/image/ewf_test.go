package image

import (
	"bytes"
	"crypto/sha1"
	"encoding/hex"
	"io"
	"math/rand/v2"
	"path/filepath"
	"sync"
	"testing"
)

// TestEWFAcquired reads images made by ewfacquire from generated data,
// in every format ewfacquire writes, compressed and not, with several
// chunk sizes and with several segments, and checks every byte against
// the source, our MD5 against the one ewfverify calculates and the one
// stored, and the stored SHA-1 where there is one.
func TestEWFAcquired(t *testing.T) {
	needTool(t, "ewfacquire")
	cases := []struct {
		name     string
		size     int
		args     []string
		segments int // expected number of segment files; 0: 1
	}{
		{"encase6-fast", 700 << 10, []string{"-c", "fast"}, 0},
		{"encase6-best-sha1", 700 << 10, []string{"-c", "best", "-d", "sha1"}, 0},
		{"encase6-none", 700 << 10, []string{"-c", "none"}, 0},
		{"encase6-empty-block", 700 << 10, []string{"-c", "empty-block"}, 0},
		{"chunk16", 300 << 10, []string{"-c", "fast", "-b", "16"}, 0},
		{"chunk128", 900 << 10, []string{"-c", "fast", "-b", "128"}, 0},
		{"chunk1024-none", 1200 << 10, []string{"-c", "none", "-b", "1024"}, 0},
		{"chunk4096", 2100 << 10, []string{"-c", "best", "-b", "4096"}, 0},
		{"last-chunk-short", 700<<10 + 3*512, []string{"-c", "fast"}, 0},
		{"bytes-per-sector-4096", 700 << 10, []string{"-c", "fast", "-P", "4096", "-b", "16"}, 0},
		{"segments-none", 3500 << 10, []string{"-c", "none", "-S", "1MiB"}, 4},
		{"segments-fast", 4500 << 10, []string{"-c", "fast", "-S", "1MiB", "-d", "sha1"}, 0},
		{"format-ewf", 300 << 10, []string{"-f", "ewf", "-c", "fast"}, 0},
		{"format-smart", 300 << 10, []string{"-f", "smart", "-c", "fast"}, 0},
		{"format-ftk", 300 << 10, []string{"-f", "ftk", "-c", "fast"}, 0},
		{"format-encase1", 300 << 10, []string{"-f", "encase1", "-c", "fast"}, 0},
		{"format-encase2", 300 << 10, []string{"-f", "encase2", "-c", "none"}, 0},
		{"format-encase3", 300 << 10, []string{"-f", "encase3", "-c", "fast"}, 0},
		{"format-encase4", 300 << 10, []string{"-f", "encase4", "-c", "fast"}, 0},
		{"format-encase5", 300 << 10, []string{"-f", "encase5", "-c", "fast"}, 0},
		{"format-encase7", 300 << 10, []string{"-f", "encase7", "-c", "fast"}, 0},
		{"format-linen5", 300 << 10, []string{"-f", "linen5", "-c", "fast"}, 0},
		{"format-linen6", 300 << 10, []string{"-f", "linen6", "-c", "fast", "-d", "sha1"}, 0},
		{"format-linen7", 300 << 10, []string{"-f", "linen7", "-c", "fast"}, 0},
		{"format-ewfx", 300 << 10, []string{"-f", "ewfx", "-c", "fast", "-d", "sha1"}, 0},
		{"format-smart-segments", 2500 << 10, []string{"-f", "smart", "-c", "none", "-S", "1MiB"}, 3},
	}
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			data := mediaData(uint64(i+1), c.size)
			_, first := acquire(t, t.TempDir(), "img", data, c.args...)
			img := mustOpen(t, first)
			if img.Format() != FormatEWF {
				t.Errorf("Format() = %q", img.Format())
			}
			if img.Size() != int64(len(data)) {
				t.Fatalf("Size() = %d, want %d", img.Size(), len(data))
			}
			if want := max(c.segments, 1); c.segments != 0 && len(img.Segments()) != want {
				t.Errorf("Segments() = %v, want %d files", img.Segments(), want)
			}
			got := readAll(t, img, 100_003)
			if sha256hex(got) != sha256hex(data) {
				t.Fatalf("media differs from the source: %s", firstDiff(got, data))
			}
			if ws := img.Warnings(); len(ws) != 0 {
				t.Errorf("warnings on a sound image: %q", ws)
			}
			ours := md5hex(got)
			if v := ewfverify(t, first); v != ours {
				t.Errorf("our MD5 %s, ewfverify calculates %s", ours, v)
			}
			md5, sha := img.StoredHashes()
			if md5 != ours {
				t.Errorf("stored MD5 %q, ours %s", md5, ours)
			}
			if sha != "" {
				s := sha1.Sum(data)
				if sha != hex.EncodeToString(s[:]) {
					t.Errorf("stored SHA-1 %s, the source's %x", sha, s)
				}
			}
			randomReads(t, img, data, uint64(i))
		})
	}
}

// randomReads compares windows read at random offsets, some past the end.
func randomReads(t *testing.T, img *Image, data []byte, seed uint64) {
	t.Helper()
	r := rand.New(rand.NewPCG(seed, 7))
	for k := 0; k < 200; k++ {
		off := r.Int64N(int64(len(data)) + 100)
		buf := make([]byte, r.IntN(70_000)+1)
		n, err := img.ReadAt(buf, off)
		want := data[min(off, int64(len(data))):min(off+int64(len(buf)), int64(len(data)))]
		if n != len(want) || !bytes.Equal(buf[:n], want) {
			t.Fatalf("ReadAt(%d bytes at %d) = %d bytes; want %d: %s", len(buf), off, n, len(want), firstDiff(buf[:n], want))
		}
		if n < len(buf) && err != io.EOF {
			t.Fatalf("short ReadAt at %d: err %v, want io.EOF", off, err)
		}
		if n == len(buf) && err != nil {
			t.Fatalf("full ReadAt at %d: err %v", off, err)
		}
	}
}

// TestEWFOddSize: ewfacquire hashes an input whose size is not a multiple
// of the sector size whole, but its medium is whole sectors only. We read
// the sectors, as ewfverify does, and say so in a warning.
func TestEWFOddSize(t *testing.T) {
	data := mediaData(42, 300<<10+100)
	_, first := acquire(t, t.TempDir(), "odd", data, "-c", "fast")
	img := mustOpen(t, first)
	whole := data[:len(data)/512*512]
	if img.Size() != int64(len(whole)) {
		t.Fatalf("Size() = %d, want %d", img.Size(), len(whole))
	}
	got := readAll(t, img, 1<<16)
	if !bytes.Equal(got, whole) {
		t.Fatalf("media differs: %s", firstDiff(got, whole))
	}
	if v := ewfverify(t, first); v != md5hex(got) {
		t.Errorf("our MD5 %s, ewfverify calculates %s", md5hex(got), v)
	}
	if md5, _ := img.StoredHashes(); md5 != md5hex(data) {
		t.Errorf("stored MD5 %s, want that of the whole input %s", md5, md5hex(data))
	}
	if !warningsContain(img.Warnings(), first, "100 bytes past the end of the medium") {
		t.Errorf("no warning about the partial sector: %q", img.Warnings())
	}
}

// TestEWFConcurrent reads one image from several goroutines at once.
func TestEWFConcurrent(t *testing.T) {
	data := mediaData(9, 1500<<10)
	_, first := acquire(t, t.TempDir(), "conc", data, "-c", "fast", "-b", "16")
	img := mustOpen(t, first)
	var wg sync.WaitGroup
	errs := make(chan string, 8)
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			r := rand.New(rand.NewPCG(uint64(g), 3))
			buf := make([]byte, 50_000)
			for k := 0; k < 300; k++ {
				off := r.Int64N(int64(len(data)))
				n, _ := img.ReadAt(buf, off)
				if !bytes.Equal(buf[:n], data[off:off+int64(n)]) {
					errs <- firstDiff(buf[:n], data[off:off+int64(n)])
					return
				}
			}
		}(g)
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Fatal(e)
	}
}

// TestEWFSegmentsFromAnyFile: opening the set by a later segment reads the
// whole set, in order.
func TestEWFSegmentsFromAnyFile(t *testing.T) {
	data := mediaData(5, 2500<<10)
	dir := t.TempDir()
	_, first := acquire(t, dir, "set", data, "-c", "none", "-S", "1MiB")
	img := mustOpen(t, filepath.Join(dir, "set.E02"))
	segs := img.Segments()
	if len(segs) != 3 || segs[0] != first || filepath.Base(segs[2]) != "set.E03" {
		t.Fatalf("Segments() = %v", segs)
	}
	if got := readAll(t, img, 1<<20); !bytes.Equal(got, data) {
		t.Fatalf("media differs: %s", firstDiff(got, data))
	}
}

// TestSegmentNames checks the E01 … E99, EAA … naming both ways.
func TestSegmentNames(t *testing.T) {
	for _, c := range []struct {
		first byte
		n     int
		ext   string
	}{
		{'E', 1, "E01"}, {'E', 99, "E99"}, {'E', 100, "EAA"}, {'E', 101, "EAB"},
		{'E', 125, "EAZ"}, {'E', 126, "EBA"}, {'E', 775, "EZZ"}, {'E', 776, "FAA"},
		{'e', 100, "eaa"}, {'s', 2, "s02"}, {'s', 100, "saa"},
	} {
		if got := segmentExt(c.first, c.n); got != c.ext {
			t.Errorf("segmentExt(%c, %d) = %q, want %q", c.first, c.n, got, c.ext)
		}
		if got := segmentNumber(c.first, c.ext); got != c.n {
			t.Errorf("segmentNumber(%c, %q) = %d, want %d", c.first, c.ext, got, c.n)
		}
	}
	if got := segmentExt('E', 100+26*26*22); got != "" {
		t.Errorf("past .ZZZ: %q", got)
	}
	for _, bad := range []string{"E00", "X01", "E1", "raw", "EA1"} {
		if n := segmentNumber('E', bad); n != 0 {
			t.Errorf("segmentNumber(E, %q) = %d", bad, n)
		}
	}
}
