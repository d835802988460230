package image

import (
	"bytes"
	"crypto/md5"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// mediaData makes n bytes that look like a disk: runs of random bytes
// (stored uncompressed by EWF), of zeros, and of mail text (both
// compressible), so that a test image holds both kinds of chunk.
func mediaData(seed uint64, n int) []byte {
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	out := make([]byte, 0, n)
	for len(out) < n {
		run := 512 * (1 + r.IntN(160))
		switch r.IntN(3) {
		case 0:
			b := make([]byte, run)
			for i := range b {
				b[i] = byte(r.Uint32())
			}
			out = append(out, b...)
		case 1:
			out = append(out, make([]byte, run)...)
		default:
			var sb strings.Builder
			for sb.Len() < run {
				fmt.Fprintf(&sb, "From: user%d@example.org\r\nSubject: note %d\r\n\r\nline %d of a message\r\n", r.IntN(1000), r.IntN(99999), r.Uint32())
			}
			out = append(out, sb.String()[:run]...)
		}
	}
	return out[:n]
}

// needTool skips the test when the ewf-tools program name is absent.
func needTool(tb testing.TB, name string) string {
	tb.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		tb.Skipf("%s not installed (Debian package ewf-tools)", name)
	}
	return p
}

// acquire writes data to dir/name.raw and makes an EWF image of it with
// ewfacquire and the given options; it returns the raw path and the path
// of the first segment file.
func acquire(tb testing.TB, dir, name string, data []byte, args ...string) (raw, first string) {
	tb.Helper()
	ewfacquire := needTool(tb, "ewfacquire")
	raw = filepath.Join(dir, name+".raw")
	if err := os.WriteFile(raw, data, 0o644); err != nil {
		tb.Fatal(err)
	}
	target := filepath.Join(dir, name)
	cmd := exec.Command(ewfacquire, append(append([]string{"-u", "-q", "-t", target}, args...), raw)...)
	if out, err := cmd.CombinedOutput(); err != nil {
		tb.Fatalf("ewfacquire %v: %v\n%s", args, err, out)
	}
	m, _ := filepath.Glob(target + ".[EeSs]01")
	if len(m) != 1 {
		tb.Fatalf("ewfacquire %v: first segment not found: %v", args, m)
	}
	return raw, m[0]
}

var ewfverifyMD5 = regexp.MustCompile(`MD5 hash calculated over data:\s*([0-9a-f]{32})`)

// ewfverify returns the MD5 ewfverify calculates over the medium of the
// image whose first segment is path.
func ewfverify(tb testing.TB, path string) string {
	tb.Helper()
	out, _ := exec.Command(needTool(tb, "ewfverify"), "-q", path).CombinedOutput()
	m := ewfverifyMD5.FindSubmatch(out)
	if m == nil {
		tb.Fatalf("ewfverify printed no calculated MD5:\n%s", out)
	}
	return string(m[1])
}

// readAll reads the whole image through ReadAt in pieces of step bytes
// (odd sizes cross chunk boundaries everywhere).
func readAll(tb testing.TB, img *Image, step int) []byte {
	tb.Helper()
	out := make([]byte, 0, img.Size())
	buf := make([]byte, step)
	for off := int64(0); off < img.Size(); {
		n, err := img.ReadAt(buf, off)
		if err != nil && err != io.EOF {
			tb.Fatalf("ReadAt(%d): %v", off, err)
		}
		if n == 0 {
			tb.Fatalf("ReadAt(%d): no progress", off)
		}
		out = append(out, buf[:n]...)
		off += int64(n)
		if err == io.EOF && off < img.Size() {
			tb.Fatalf("ReadAt(%d): io.EOF before the end (%d)", off, img.Size())
		}
	}
	return out
}

func sha256hex(b []byte) string { s := sha256.Sum256(b); return hex.EncodeToString(s[:]) }
func md5hex(b []byte) string    { s := md5.Sum(b); return hex.EncodeToString(s[:]) }

// firstDiff describes where a and b first differ.
func firstDiff(a, b []byte) string {
	n := min(len(a), len(b))
	for i := 0; i < n; i++ {
		if a[i] != b[i] {
			return fmt.Sprintf("first difference at %d (0x%x): %02x != %02x", i, i, a[i], b[i])
		}
	}
	if len(a) != len(b) {
		return fmt.Sprintf("lengths %d and %d", len(a), len(b))
	}
	return "equal"
}

// warningsContain reports whether a warning contains all of subs.
func warningsContain(ws []string, subs ...string) bool {
	for _, w := range ws {
		ok := true
		for _, s := range subs {
			ok = ok && strings.Contains(w, s)
		}
		if ok {
			return true
		}
	}
	return false
}

// mustOpen opens path and fails the test on error.
func mustOpen(tb testing.TB, path string) *Image {
	tb.Helper()
	img, err := Open(path)
	if err != nil {
		tb.Fatalf("Open(%s): %v", path, err)
	}
	tb.Cleanup(func() { img.Close() })
	return img
}

var _ = bytes.Equal
