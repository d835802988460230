package carve

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mailsalvage/mailsalvage/carve/image"
	"github.com/mailsalvage/mailsalvage/formats"
	"github.com/mailsalvage/mailsalvage/internal/corpus"
	"github.com/mailsalvage/mailsalvage/internal/synth"
)

// Held-out filesystem images, made by the real tools (skipped when they
// are missing): an ext4 image (mkfs.ext4 -d, files deleted with debugfs)
// and a FAT32 image (mkfs.vfat, mcopy, files deleted with mdel), each
// holding live and deleted mbox files and .eml files with LF and CRLF line
// ends, real corpus messages among generated ones. The carver must give
// each .eml file's exact bytes, and each mbox message as the mbox reader
// gives it from the file, for live and deleted files alike.

func tool(t *testing.T, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		t.Skipf("%s not installed (Debian: e2fsprogs, dosfstools, mtools, ewf-tools)", name)
	}
	return p
}

func runTool(t *testing.T, name string, args ...string) {
	t.Helper()
	out, err := exec.Command(tool(t, name), args...).CombinedOutput()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
}

// fsFile is a file put on a filesystem image.
type fsFile struct {
	name    string
	data    []byte
	mbox    bool
	deleted bool
}

// fsFiles makes the files: 150 .eml files (half CRLF, real corpus
// messages when the corpus is there) and 6 mbox files of 15 messages;
// every third file is deleted after the image is made.
func fsFiles(t *testing.T) []fsFile {
	g := synth.NewGen(99)
	var msgs [][]byte
	if corpus.Root() != "" {
		for _, m := range corpus.Messages(t, 60, 0) {
			msgs = append(msgs, m.Bytes)
		}
	}
	for len(msgs) < 150 {
		msgs = append(msgs, g.Next().Bytes)
	}
	var files []fsFile
	for i, m := range msgs[:150] {
		if i%2 == 1 {
			m = bytes.ReplaceAll(m, []byte("\n"), []byte("\r\n"))
		}
		files = append(files, fsFile{name: fmt.Sprintf("m%03d.eml", i), data: m, deleted: i%3 == 2})
	}
	for i := 0; i < 6; i++ {
		var b bytes.Buffer
		for j := 0; j < 15; j++ {
			m := g.Next()
			fmt.Fprintf(&b, "From sender%d@example.com Mon Jan %2d 10:%02d:00 2022\n", j, 1+j, i)
			b.Write(bytes.ReplaceAll(m.Bytes, []byte("\nFrom "), []byte("\n>From ")))
			b.WriteString("\n")
		}
		files = append(files, fsFile{name: fmt.Sprintf("box%d.mbox", i), data: b.Bytes(), mbox: true, deleted: i%3 == 2})
	}
	return files
}

// fsWant returns the SHA-256 of every message the carver should give, with
// a name for each.
func fsWant(t *testing.T, dir string, files []fsFile) map[[32]byte]string {
	want := map[[32]byte]string{}
	for _, f := range files {
		state := "live"
		if f.deleted {
			state = "deleted"
		}
		if !f.mbox {
			want[sha256.Sum256(f.data)] = state + " " + f.name
			continue
		}
		src, _, err := formats.Open(filepath.Join(dir, f.name))
		if err != nil {
			t.Fatal(err)
		}
		for i := 0; ; i++ {
			m, err := src.Next()
			if m != nil {
				rc, _ := m.Open()
				b, _ := io.ReadAll(rc)
				rc.Close()
				want[sha256.Sum256(b)] = fmt.Sprintf("%s %s message %d", state, f.name, i)
			}
			if err == io.EOF {
				break
			}
		}
		src.Close()
	}
	return want
}

// carveImageFile carves an image file and returns the sums of what it gave.
func carveImageFile(t *testing.T, path string) (map[[32]byte]bool, []carved) {
	img, err := image.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer img.Close()
	out, probs := carveAll(t, img, img.Size(), Options{})
	for _, p := range probs {
		t.Logf("problem: %v", p)
	}
	got := map[[32]byte]bool{}
	for _, o := range out {
		got[sum(o.bytes)] = true
	}
	return got, out
}

// checkRecall asserts that at least 99% of the wanted messages of each
// kind (live or deleted, .eml or mbox) were carved exactly.
func checkRecall(t *testing.T, fsname string, want map[[32]byte]string, got map[[32]byte]bool, out []carved) {
	t.Helper()
	type kind struct{ n, ok int }
	kinds := map[string]*kind{}
	for h, name := range want {
		f := strings.Fields(name)
		k := f[0] + " " + filepath.Ext(f[1])
		if strings.HasSuffix(f[1], ".eml") && !bytes.Contains([]byte(name), []byte("mbox")) {
			k += map[bool]string{true: " crlf", false: ""}[isCRLFName(f[1])]
		}
		if kinds[k] == nil {
			kinds[k] = &kind{}
		}
		kinds[k].n++
		if got[h] {
			kinds[k].ok++
		} else {
			t.Logf("%s: missed %s", fsname, name)
		}
	}
	junk := 0
	for _, o := range out {
		if _, ok := want[sum(o.bytes)]; !ok {
			junk++
			if junk <= 5 {
				t.Logf("%s: other output %s %s %.60q", fsname, o.m.Chain, o.m.State, o.bytes)
			}
		}
	}
	for k, v := range kinds {
		t.Logf("%s: %s: %d of %d exact", fsname, k, v.ok, v.n)
		if v.ok*100 < v.n*99 {
			t.Errorf("%s: %s: %d of %d carved exactly, want >= 99%%", fsname, k, v.ok, v.n)
		}
	}
	t.Logf("%s: %d outputs, %d not among the planted messages", fsname, len(out), junk)
	if junk*100 > len(out) {
		t.Errorf("%s: %d of %d outputs are not planted messages, want <= 1%%", fsname, junk, len(out))
	}
}

// checkListing asserts that the deleted files are gone from the
// filesystem's listing and the live ones are in it.
func checkListing(t *testing.T, listing string, files []fsFile) {
	t.Helper()
	for _, f := range files {
		in := strings.Contains(listing, f.name) || strings.Contains(strings.ToUpper(listing), strings.ToUpper(strings.TrimSuffix(f.name, filepath.Ext(f.name))))
		if f.deleted == in {
			t.Fatalf("%s: deleted %v, but listed %v", f.name, f.deleted, in)
		}
	}
}

func toolOutput(t *testing.T, name string, args ...string) string {
	t.Helper()
	out, err := exec.Command(tool(t, name), args...).CombinedOutput()
	if err != nil {
		t.Fatalf("%s: %v\n%s", name, err, out)
	}
	return string(out)
}

// isCRLFName: odd-numbered .eml files were written with CRLF.
func isCRLFName(name string) bool {
	var i int
	fmt.Sscanf(name, "m%03d.eml", &i)
	return i%2 == 1
}

func TestCarveExt4(t *testing.T) {
	tool(t, "mkfs.ext4")
	tool(t, "debugfs")
	dir := t.TempDir()
	src := filepath.Join(dir, "files")
	os.MkdirAll(src, 0o755)
	files := fsFiles(t)
	var rm []string
	for _, f := range files {
		os.WriteFile(filepath.Join(src, f.name), f.data, 0o644)
		if f.deleted {
			rm = append(rm, "rm /"+f.name)
		}
	}
	want := fsWant(t, src, files)
	img := filepath.Join(dir, "ext4.img")
	runTool(t, "mkfs.ext4", "-q", "-F", "-b", "4096", "-d", src, img, "32M")
	cmds := filepath.Join(dir, "rm.txt")
	os.WriteFile(cmds, []byte(strings.Join(rm, "\n")+"\n"), 0o644)
	runTool(t, "debugfs", "-w", "-f", cmds, img)
	checkListing(t, toolOutput(t, "debugfs", "-R", "ls -l /", img), files)
	got, out := carveImageFile(t, img)
	checkRecall(t, "ext4", want, got, out)
}

func TestCarveFAT32(t *testing.T) {
	tool(t, "mkfs.vfat")
	tool(t, "mcopy")
	tool(t, "mdel")
	dir := t.TempDir()
	src := filepath.Join(dir, "files")
	os.MkdirAll(src, 0o755)
	files := fsFiles(t)
	want := fsWant(t, src, nil)
	img := filepath.Join(dir, "fat32.img")
	runTool(t, "mkfs.vfat", "-F", "32", "-C", img, "65536")
	args := []string{"-i", img}
	for _, f := range files {
		p := filepath.Join(src, f.name)
		os.WriteFile(p, f.data, 0o644)
		args = append(args, p)
	}
	want = fsWant(t, src, files)
	runTool(t, "mcopy", append(args, "::/")...)
	del := []string{"-i", img}
	for _, f := range files {
		if f.deleted {
			del = append(del, "::/"+f.name)
		}
	}
	runTool(t, "mdel", del...)
	checkListing(t, toolOutput(t, "mdir", "-i", img, "::/"), files)
	got, out := carveImageFile(t, img)
	checkRecall(t, "fat32", want, got, out)
}

// TestCarveE01 acquires the FAT32 image's bytes with ewfacquire and
// checks that carving the E01 gives what carving the raw image gives.
func TestCarveE01(t *testing.T) {
	tool(t, "mkfs.vfat")
	tool(t, "mcopy")
	acq := tool(t, "ewfacquire")
	dir := t.TempDir()
	src := filepath.Join(dir, "files")
	os.MkdirAll(src, 0o755)
	files := fsFiles(t)[:40]
	for i := range files {
		files[i].deleted = false
	}
	raw := filepath.Join(dir, "fat.raw")
	runTool(t, "mkfs.vfat", "-F", "32", "-C", raw, "40000")
	args := []string{"-i", raw}
	for _, f := range files {
		p := filepath.Join(src, f.name)
		os.WriteFile(p, f.data, 0o644)
		args = append(args, p)
	}
	// random bytes that do not compress, so that the E01 has segments
	rnd := filepath.Join(dir, "photo.jpg")
	os.WriteFile(rnd, synth.Garbage(rand.New(rand.NewPCG(8, 8)), 3<<20), 0o644)
	runTool(t, "mcopy", append(args, rnd, "::/")...)
	want := fsWant(t, src, files)
	target := filepath.Join(dir, "fat")
	if out, err := exec.Command(acq, "-u", "-q", "-t", target, "-c", "deflate:best", "-S", "1MiB", raw).CombinedOutput(); err != nil {
		t.Fatalf("ewfacquire: %v\n%s", err, out)
	}
	segs, _ := filepath.Glob(target + ".E*")
	if len(segs) < 2 {
		t.Fatalf("ewfacquire made %d segments, want several: %v", len(segs), segs)
	}
	// our EWF reader gives the acquired bytes
	e, err := image.Open(target + ".E01")
	if err != nil {
		t.Fatal(err)
	}
	rb, _ := os.ReadFile(raw)
	eb, err := io.ReadAll(io.NewSectionReader(e, 0, e.Size()))
	e.Close()
	if err != nil || !bytes.Equal(rb, eb) {
		t.Fatalf("E01 read as %d bytes (%v), not the %d acquired", len(eb), err, len(rb))
	}
	gotRaw, outRaw := carveImageFile(t, raw)
	gotE01, outE01 := carveImageFile(t, target+".E01")
	if len(outRaw) != len(outE01) {
		t.Errorf("raw: %d messages, E01: %d", len(outRaw), len(outE01))
	}
	for h := range gotRaw {
		if !gotE01[h] {
			t.Errorf("a message carved from the raw image is not carved from the E01")
		}
	}
	for i := range min(len(outRaw), len(outE01)) {
		if outRaw[i].m.Chain.String() != outE01[i].m.Chain.String() {
			t.Errorf("message %d: raw %s, E01 %s", i, outRaw[i].m.Chain, outE01[i].m.Chain)
			break
		}
	}
	checkRecall(t, "e01", want, gotE01, outE01)
}
