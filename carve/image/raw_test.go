package image

import (
	"bytes"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

func writeFile(t *testing.T, path string, b []byte) {
	t.Helper()
	if err := os.WriteFile(path, b, 0o444); err != nil {
		t.Fatal(err)
	}
}

func TestRaw(t *testing.T) {
	dir := t.TempDir()
	data := mediaData(1, 100_000)
	p := filepath.Join(dir, "disk.dd")
	writeFile(t, p, data)
	img := mustOpen(t, p)
	if img.Format() != FormatRaw || img.Size() != int64(len(data)) {
		t.Fatalf("Format %q Size %d", img.Format(), img.Size())
	}
	if got := readAll(t, img, 777); !bytes.Equal(got, data) {
		t.Fatal(firstDiff(got, data))
	}
	randomReads(t, img, data, 1)
	if s := img.Segments(); len(s) != 1 || s[0] != p {
		t.Errorf("Segments() = %v", s)
	}
	if md5, sha1 := img.StoredHashes(); md5 != "" || sha1 != "" {
		t.Errorf("raw image has stored hashes %q %q", md5, sha1)
	}
	if _, err := img.ReadAt(make([]byte, 1), -1); err == nil {
		t.Error("negative offset accepted")
	}
	if err := img.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := img.ReadAt(make([]byte, 1), 0); !errors.Is(err, os.ErrClosed) {
		t.Errorf("ReadAt after Close: %v", err)
	}
}

func TestRawEmptyAndDirectory(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "empty.img")
	writeFile(t, p, nil)
	img := mustOpen(t, p)
	if img.Size() != 0 {
		t.Errorf("Size %d", img.Size())
	}
	if n, err := img.ReadAt(make([]byte, 10), 0); n != 0 || err != io.EOF {
		t.Errorf("ReadAt on empty: %d %v", n, err)
	}
	if _, err := Open(dir); err == nil || !strings.Contains(err.Error(), dir) {
		t.Errorf("Open(directory): %v", err)
	}
	if _, err := Open(filepath.Join(dir, "nope")); err == nil {
		t.Error("Open of a missing file succeeded")
	}
}

// TestRawDevice reads a block device: a read-only loop device over a
// generated image when the test runs as root with losetup, else the
// first readable disk, else it skips.
func TestRawDevice(t *testing.T) {
	data := mediaData(11, 3<<20)
	if dev := loopDevice(t, data); dev != "" {
		img := mustOpen(t, dev)
		if img.Format() != FormatRaw || img.Size() != int64(len(data)) {
			t.Fatalf("%s: Format %q Size %d, want raw %d", dev, img.Format(), img.Size(), len(data))
		}
		if got := readAll(t, img, 1<<20); !bytes.Equal(got, data) {
			t.Fatal(firstDiff(got, data))
		}
		return
	}
	for _, dev := range []string{"/dev/sda", "/dev/vda", "/dev/nvme0n1"} {
		img, err := Open(dev)
		if err != nil {
			continue
		}
		defer img.Close()
		buf := make([]byte, 512)
		if n, err := img.ReadAt(buf, 0); img.Size() < 512 || n != 512 || err != nil {
			t.Errorf("%s: Size %d, ReadAt: %d %v", dev, img.Size(), n, err)
		}
		return
	}
	t.Skip("no loop device could be set up and no disk is readable")
}

// loopDevice attaches a read-only loop device to a file holding data and
// detaches it when the test ends, or returns "" when it cannot.
func loopDevice(t *testing.T, data []byte) string {
	losetup, err := exec.LookPath("losetup")
	if err != nil || os.Geteuid() != 0 {
		return ""
	}
	p := filepath.Join(t.TempDir(), "loop.img")
	writeFile(t, p, data)
	out, err := exec.Command(losetup, "--find", "--show", "--read-only", p).Output()
	dev := strings.TrimSpace(string(out))
	if err != nil || !strings.HasPrefix(dev, "/dev/") {
		return ""
	}
	t.Cleanup(func() { exec.Command(losetup, "-d", dev).Run() })
	if st, err := os.Stat(dev); err != nil || st.Mode()&os.ModeDevice == 0 {
		return ""
	}
	return dev
}

func TestSplitRaw(t *testing.T) {
	data := mediaData(2, 250_000)
	for _, c := range []struct {
		name  string
		exts  []string
		sizes []int
	}{
		{"decimal", []string{"001", "002", "003"}, []int{100_000, 100_000, 50_000}},
		{"decimal-from-000", []string{"000", "001", "002", "003"}, []int{64_000, 64_000, 64_000, 58_000}},
		{"letters", []string{"aa", "ab", "ac", "ad", "ae"}, []int{60_000, 60_000, 60_000, 60_000, 10_000}},
		{"decimal-2", []string{"01", "02"}, []int{200_000, 50_000}},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			var names []string
			off := 0
			for i, e := range c.exts {
				n := filepath.Join(dir, "disk."+e)
				writeFile(t, n, data[off:off+c.sizes[i]])
				off += c.sizes[i]
				names = append(names, n)
			}
			// Opened by any of its files, the set is the whole set.
			for _, by := range []string{names[0], names[len(names)-1]} {
				img := mustOpen(t, by)
				if img.Format() != FormatSplitRaw || img.Size() != int64(len(data)) {
					t.Fatalf("Open(%s): Format %q Size %d", by, img.Format(), img.Size())
				}
				if got := img.Segments(); strings.Join(got, ",") != strings.Join(names, ",") {
					t.Fatalf("Segments() = %v, want %v", got, names)
				}
				if got := readAll(t, img, 33_333); !bytes.Equal(got, data) {
					t.Fatal(firstDiff(got, data))
				}
				randomReads(t, img, data, 2)
				// A read across every boundary at once.
				buf := make([]byte, len(data))
				if n, err := img.ReadAt(buf[1:], 1); n != len(data)-1 || err != nil {
					t.Fatalf("ReadAt across segments: %d %v", n, err)
				}
			}
		})
	}
}

func TestSplitRawMissingSegment(t *testing.T) {
	dir := t.TempDir()
	for _, e := range []string{"001", "002", "004"} {
		writeFile(t, filepath.Join(dir, "disk."+e), make([]byte, 1000))
	}
	for _, by := range []string{"disk.001", "disk.004"} {
		_, err := Open(filepath.Join(dir, by))
		if !errors.Is(err, ErrMissingSegment) || !strings.Contains(err.Error(), filepath.Join(dir, "disk.003")) {
			t.Errorf("Open(%s): %v; want an error naming disk.003", by, err)
		}
	}
	// The first file missing.
	dir2 := t.TempDir()
	for _, e := range []string{"ab", "ac"} {
		writeFile(t, filepath.Join(dir2, "x."+e), make([]byte, 10))
	}
	if _, err := Open(filepath.Join(dir2, "x.ab")); !errors.Is(err, ErrMissingSegment) || !strings.Contains(err.Error(), "x.aa") {
		t.Errorf("Open(x.ab): %v; want an error naming x.aa", err)
	}
}

func TestSplitRawSizeWarning(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "d.001"), make([]byte, 1000))
	writeFile(t, filepath.Join(dir, "d.002"), make([]byte, 600))
	writeFile(t, filepath.Join(dir, "d.003"), make([]byte, 1000))
	img := mustOpen(t, filepath.Join(dir, "d.001"))
	if img.Size() != 2600 || !warningsContain(img.Warnings(), "d.002", "600 bytes") {
		t.Errorf("Size %d, warnings %q", img.Size(), img.Warnings())
	}
}

// TestNotSplit: names that look like a split set's but are lone files, or
// files with short letter extensions, open as plain raw images.
func TestNotSplit(t *testing.T) {
	dir := t.TempDir()
	for _, n := range []string{"lone.001", "disk.dd", "photo.img", "a.bin"} {
		writeFile(t, filepath.Join(dir, n), []byte("data"))
	}
	writeFile(t, filepath.Join(dir, "disk.de"), []byte("other"))
	for _, n := range []string{"lone.001", "disk.dd", "photo.img", "a.bin"} {
		img := mustOpen(t, filepath.Join(dir, n))
		if img.Format() != FormatRaw || img.Size() != 4 {
			t.Errorf("%s: Format %q Size %d", n, img.Format(), img.Size())
		}
	}
}

func TestSection(t *testing.T) {
	data := mediaData(3, 10_000)
	img, err := NewReader(bytes.NewReader(data), int64(len(data)), "mem")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		off, length     int64
		wantOff, wantLn int64
	}{
		{0, -1, 0, 10_000},
		{100, 50, 100, 50},
		{9_990, 100, 9_990, 10},
		{20_000, 10, 10_000, 0},
		{-5, 10, 0, 10},
	} {
		sr := Section(img, c.off, c.length)
		got, err := io.ReadAll(sr)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, data[c.wantOff:c.wantOff+c.wantLn]) {
			t.Errorf("Section(%d, %d): %d bytes, want %d at %d", c.off, c.length, len(got), c.wantLn, c.wantOff)
		}
	}
}

// TestUnsupported: EWF2 and logical evidence files are refused by name,
// not read as raw images.
func TestUnsupported(t *testing.T) {
	dir := t.TempDir()
	for name, sig := range map[string]string{
		"a.Ex01": evf2Signature, "b.L01": lvfSignature, "c.Lx01": lef2Signature, "d.E01": adcryptSignature,
	} {
		p := filepath.Join(dir, name)
		writeFile(t, p, append([]byte(sig), make([]byte, 600)...))
		_, err := Open(p)
		if !errors.Is(err, ErrUnsupported) || !strings.Contains(err.Error(), p) {
			t.Errorf("Open(%s): %v", name, err)
		}
	}
}
