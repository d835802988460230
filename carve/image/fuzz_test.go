package image

import (
	"bytes"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"testing"
)

// FuzzEWF reads a whole EWF file held in memory: opening it and reading
// its medium must never panic, hang or fail otherwise than with an error
// from Open; reads of a byte slice cannot fail, so ReadAt must return what
// it was asked for. Seeds: testdata/fuzz/FuzzEWF, written by
// go test -run TestWriteFuzzSeeds -write-seeds (ewfacquire).
func FuzzEWF(f *testing.F) {
	f.Add([]byte(evfSignature + "\x01\x01\x00\x00\x00"))
	f.Fuzz(func(t *testing.T, b []byte) {
		img, err := NewReader(bytes.NewReader(b), int64(len(b)), "fuzz.E01")
		if err != nil {
			return
		}
		defer img.Close()
		size := img.Size()
		buf := make([]byte, 64<<10)
		read := func(off int64) {
			n, err := img.ReadAt(buf, off)
			want := int(max(0, min(int64(len(buf)), size-off)))
			if n != want || (err != nil && err != io.EOF) || (n < len(buf) && err != io.EOF) {
				t.Fatalf("ReadAt(%d) of %d: %d bytes, %v; want %d", off, size, n, err, want)
			}
		}
		// The first 4 MiB whole, then samples up to the end.
		for off := int64(0); off < min(size, 4<<20); off += int64(len(buf)) {
			read(off)
		}
		for _, off := range []int64{size / 3, size / 2, size - 100, size - int64(len(buf)), size} {
			if off >= 0 {
				read(off)
			}
		}
		if len(img.Warnings()) > maxWarnings+1 {
			t.Fatalf("%d warnings kept", len(img.Warnings()))
		}
		img.StoredHashes()
	})
}

var writeSeeds = flag.Bool("write-seeds", false, "write the FuzzEWF seed corpus to testdata/fuzz/FuzzEWF with ewfacquire")

// TestWriteFuzzSeeds writes small EWF files made by ewfacquire, in its
// formats and options, as the seed corpus of FuzzEWF.
func TestWriteFuzzSeeds(t *testing.T) {
	if !*writeSeeds {
		t.Skip("run with -write-seeds to write the seed corpus")
	}
	dir := filepath.Join("testdata", "fuzz", "FuzzEWF")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	work := t.TempDir()
	for i, c := range []struct {
		name string
		size int
		args []string
	}{
		{"encase6-fast", 24 << 10, []string{"-c", "fast", "-b", "16"}},
		{"encase6-none", 16 << 10, []string{"-c", "none", "-b", "16"}},
		{"encase6-sha1-odd", 20<<10 + 700, []string{"-c", "best", "-b", "16", "-d", "sha1"}},
		{"smart", 16 << 10, []string{"-f", "smart", "-c", "fast", "-b", "16"}},
		{"ewf", 16 << 10, []string{"-f", "ewf", "-c", "none", "-b", "16"}},
		{"encase1", 16 << 10, []string{"-f", "encase1", "-c", "fast", "-b", "16"}},
		{"ftk", 16 << 10, []string{"-f", "ftk", "-c", "fast", "-b", "16"}},
		{"ewfx", 16 << 10, []string{"-f", "ewfx", "-c", "fast", "-b", "16", "-d", "sha1"}},
		{"linen6-4096", 32 << 10, []string{"-f", "linen6", "-c", "fast", "-b", "16", "-P", "4096"}},
	} {
		_, first := acquire(t, work, c.name, mediaData(uint64(100+i), c.size), c.args...)
		b, err := os.ReadFile(first)
		if err != nil {
			t.Fatal(err)
		}
		writeSeed(t, filepath.Join(dir, c.name), b)
		if c.name == "encase6-fast" {
			// The same, truncated in its sectors section: the rebuild path.
			writeSeed(t, filepath.Join(dir, c.name+"-truncated"), b[:len(b)*2/3])
		}
	}
}

func writeSeed(t *testing.T, path string, b []byte) {
	t.Helper()
	s := fmt.Sprintf("go test fuzz v1\n[]byte(%s)\n", strconv.Quote(string(b)))
	if err := os.WriteFile(path, []byte(s), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("%s: %d bytes", path, len(b))
}
