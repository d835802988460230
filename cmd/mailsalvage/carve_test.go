package main

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/mailsalvage/mailsalvage/export"
	"github.com/mailsalvage/mailsalvage/formats"
	"github.com/mailsalvage/mailsalvage/internal/synth"
)

// carveImage writes a generated image of clusters (messages among random
// bytes, zeros and text) and returns its path and ground truth.
func carveImage(t *testing.T, size int64, n int) (string, []byte, []synth.PlantedMessage) {
	t.Helper()
	g := synth.NewGen(11)
	var msgs [][]byte
	for i := 0; i < n; i++ {
		msgs = append(msgs, g.Next().Bytes)
	}
	img, planted := synth.Image(synth.ImageOptions{Size: size, Seed: 5}, msgs)
	path := filepath.Join(t.TempDir(), "disk.dd")
	if err := os.WriteFile(path, img, 0o444); err != nil {
		t.Fatal(err)
	}
	return path, img, planted
}

// checkCarved checks what a carve of img wrote to out against planted:
// every contiguous message once, with its exact bytes, as carved, its
// chain starting with its byte range in the image.
func checkCarved(t *testing.T, out string, img []byte, planted []synth.PlantedMessage) {
	t.Helper()
	recs := provenance(t, out)
	byHash := map[string]export.Record{}
	for _, r := range recs {
		if len(r.Chain) == 0 || r.Chain[0].Format != "image" {
			t.Errorf("%s: chain %s does not start with the image", r.File, r.Chain)
			continue
		}
		if r.State != formats.Carved && r.State != formats.Partial {
			t.Errorf("%s: state %s", r.File, r.State)
		}
		if !strings.HasPrefix(r.Method, "carve-") {
			t.Errorf("%s: method %q", r.File, r.Method)
		}
		h := r.Chain[0]
		if r.Method == "carve-message" && r.State == formats.Carved {
			if h.Offset == nil || h.Length == nil {
				t.Errorf("%s: no offset in %s", r.File, r.Chain)
				continue
			}
			b, err := os.ReadFile(filepath.Join(out, r.File))
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(b, img[*h.Offset:*h.Offset+*h.Length]) {
				t.Errorf("%s: not the bytes at %s", r.File, h)
			}
		}
		byHash[r.SHA256] = r
	}
	contiguous, found := 0, 0
	for _, p := range planted {
		if p.Kind != synth.PlantContiguous {
			continue
		}
		contiguous++
		s := sha256.Sum256(p.Bytes)
		r, ok := byHash[hex.EncodeToString(s[:])]
		if !ok {
			continue
		}
		found++
		if r.State != formats.Carved || *r.Chain[0].Offset != p.Pieces[0].Off {
			t.Errorf("message at 0x%x: %s %s", p.Pieces[0].Off, r.State, r.Chain)
		}
	}
	if contiguous == 0 || found*100 < contiguous*99 {
		t.Errorf("%d of %d contiguous messages carved exactly", found, contiguous)
	}
	t.Logf("%d provenance lines; %d of %d contiguous messages exact", len(recs), found, contiguous)
}

func TestCarveCommand(t *testing.T) {
	path, img, planted := carveImage(t, 4<<20, 400)
	out := filepath.Join(t.TempDir(), "out")
	code, stdout, stderr := runCmd(t, "carve", path, "-o", out, "-q", "--json")
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if stderr != "" {
		t.Errorf("stderr with -q: %s", stderr)
	}
	var sum export.Summary
	if err := json.Unmarshal([]byte(stdout), &sum); err != nil {
		t.Fatalf("--json: %v", err)
	}
	if len(sum.Inputs) != 1 || sum.Inputs[0].Format != "carve/raw" || sum.Inputs[0].Messages == 0 {
		t.Errorf("summary inputs: %+v", sum.Inputs)
	}
	checkCarved(t, out, img, planted)

	// recover falls back to carving, with the same result
	out2 := filepath.Join(t.TempDir(), "out")
	if code, _, stderr := runCmd(t, "recover", path, "-o", out2, "-q"); code != exitOK {
		t.Fatalf("recover: exit %d: %s", code, stderr)
	}
	a, b := snapshot(t, out), snapshot(t, out2)
	if len(a) != len(b) {
		t.Errorf("carve wrote %d files, recover %d", len(a), len(b))
	}
	for name, content := range a {
		if strings.HasPrefix(name, export.MessagesDir+"/") && b[name] != content {
			t.Errorf("%s differs between carve and recover", name)
		}
	}
}

// TestRecoverCarvesGzippedImage: recover carves a compressed disk image
// (disk.dd.gz) as it carves the image: the same messages, each chain
// starting with the gzip hop, and dfxml.xml names the gzip file as their
// container rather than offsets in the compressed bytes.
func TestRecoverCarvesGzippedImage(t *testing.T) {
	path, _, _ := carveImage(t, 2<<20, 200)
	img, _ := os.ReadFile(path)
	var z bytes.Buffer
	w := gzip.NewWriter(&z)
	w.Write(img)
	w.Close()
	gz := filepath.Join(t.TempDir(), "disk.dd.gz")
	if err := os.WriteFile(gz, z.Bytes(), 0o444); err != nil {
		t.Fatal(err)
	}
	out, outGz := filepath.Join(t.TempDir(), "out"), filepath.Join(t.TempDir(), "out")
	for _, c := range [][2]string{{path, out}, {gz, outGz}} {
		if code, _, stderr := runCmd(t, "recover", c[0], "-o", c[1], "-q"); code != exitOK {
			t.Fatalf("recover %s: exit %d: %s", c[0], code, stderr)
		}
	}
	want := map[string]bool{}
	for _, r := range provenance(t, out) {
		want[r.SHA256] = true
	}
	got := provenance(t, outGz)
	if len(got) != len(want) || len(got) == 0 {
		t.Fatalf("%d messages from the gzip file, %d from the image", len(got), len(want))
	}
	for _, r := range got {
		if !want[r.SHA256] || len(r.Chain) < 2 || r.Chain[0].Format != "gzip" || r.Chain[1].Format != "image" {
			t.Errorf("%s: chain %s, in the image's output %v", r.File, r.Chain, want[r.SHA256])
		}
	}
	b, _ := os.ReadFile(filepath.Join(outGz, export.DFXMLFile))
	if bytes.Contains(b, []byte("<byte_run")) || !bytes.Contains(b, []byte(`<ms:container img_offset="0" len="`+strconv.Itoa(z.Len())+`">gzip</ms:container>`)) {
		t.Errorf("dfxml.xml locates messages in the compressed bytes or not in the gzip file")
	}
	// report.html maps the image inside
	b, _ = os.ReadFile(filepath.Join(outGz, export.ReportFile))
	if want := `"path":` + strconv.Quote(gz+" (decompressed)") + `,"input":0,"size":` + strconv.Itoa(len(img)); !bytes.Contains(b, []byte(want)) {
		t.Errorf("report.html has no byte map of the decompressed image (%s)", want)
	}
	// carve, which scans raw bytes, says what to run instead
	_, _, stderr := runCmd(t, "carve", gz, "-o", filepath.Join(t.TempDir(), "out"), "-q")
	if !strings.Contains(stderr, "gzip-compressed") || !strings.Contains(stderr, "recover decompresses it") {
		t.Errorf("carve on a gzip file: stderr %q", stderr)
	}
}

// TestCarveRange carves a range: only messages starting in it, with their
// offsets in the whole image.
func TestCarveRange(t *testing.T) {
	path, _, planted := carveImage(t, 2<<20, 200)
	var p synth.PlantedMessage
	for _, q := range planted {
		if q.Kind == synth.PlantContiguous && q.Pieces[0].Off > 1<<20 {
			p = q
			break
		}
	}
	out := filepath.Join(t.TempDir(), "out")
	off, n := p.Pieces[0].Off, int64(len(p.Bytes))
	code, _, stderr := runCmd(t, "carve", path, "-o", out, "-q", "--offset", strconv.FormatInt(off, 10), "--length", strconv.FormatInt(n, 10))
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	recs := provenance(t, out)
	if len(recs) != 1 {
		t.Fatalf("%d messages in a range holding one", len(recs))
	}
	r := recs[0]
	s := sha256.Sum256(p.Bytes)
	if r.SHA256 != hex.EncodeToString(s[:]) || *r.Chain[0].Offset != off || r.State != formats.Carved {
		t.Errorf("got %s %s, want the message at 0x%x", r.State, r.Chain, off)
	}
	if code, _, _ := runCmd(t, "carve", path, "-o", filepath.Join(t.TempDir(), "o"), "-q", "--offset", "-5"); code != exitUsage {
		t.Errorf("negative offset: exit %d", code)
	}
}

// TestCarveSplitRaw carves a raw image split in three files as one.
func TestCarveSplitRaw(t *testing.T) {
	path, img, planted := carveImage(t, 3<<20, 300)
	dir := t.TempDir()
	third := len(img) / 3
	for i := 0; i < 3; i++ {
		end := min(len(img), (i+1)*third)
		if i == 2 {
			end = len(img)
		}
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("disk.%03d", i+1)), img[i*third:end], 0o444); err != nil {
			t.Fatal(err)
		}
	}
	_ = path
	out := filepath.Join(t.TempDir(), "out")
	code, stdout, stderr := runCmd(t, "recover", filepath.Join(dir, "disk.001"), "-o", out, "-q", "--json")
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if !strings.Contains(stdout, `"carve/split-raw"`) {
		t.Errorf("summary does not name the split image: %.300s", stdout)
	}
	checkCarved(t, out, img, planted)
}

// TestCarveDedupe: a message found inside a carved mbox and again as a
// loose header block elsewhere in the image is written once; both
// occurrences are in provenance.jsonl, the second marked duplicate.
func TestCarveDedupe(t *testing.T) {
	g := synth.NewGen(21)
	a, b := g.Next().Bytes, g.Next().Bytes
	sector := func(x []byte) []byte { return append(x, make([]byte, (512-len(x)%512)%512)...) }
	var img []byte
	img = append(img, make([]byte, 4096)...)
	mbox := []byte("From alice@example.com Mon Jan  1 00:00:00 2001\n")
	mbox = append(mbox, a...)
	mbox = append(mbox, "\nFrom bob@example.com Tue Jan  2 00:00:00 2001\n"...)
	mbox = append(mbox, b...)
	mbox = append(mbox, '\n')
	img = append(img, sector(mbox)...)
	img = append(img, make([]byte, 8192)...)
	loose := len(img)
	img = append(img, sector(append([]byte(nil), a...))...)
	img = append(img, make([]byte, 4096)...)
	path := filepath.Join(t.TempDir(), "disk.dd")
	os.WriteFile(path, img, 0o444)
	out := filepath.Join(t.TempDir(), "out")
	if code, _, stderr := runCmd(t, "carve", path, "-o", out, "-q"); code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	recs := provenance(t, out)
	sa := sha256.Sum256(a)
	var occ []export.Record
	for _, r := range recs {
		if r.SHA256 == hex.EncodeToString(sa[:]) {
			occ = append(occ, r)
		}
	}
	if len(occ) != 2 {
		for _, r := range recs {
			t.Logf("%s %s %s dup=%v", r.File, r.Method, r.Chain, r.Duplicate)
		}
		t.Fatalf("%d occurrences of the message, want 2 (in the mbox, loose)", len(occ))
	}
	if occ[0].Method != "carve-mbox" || occ[0].Duplicate || len(occ[0].Chain) < 2 || occ[0].Chain[1].Format != "mbox" {
		t.Errorf("first occurrence: %s %s dup=%v", occ[0].Method, occ[0].Chain, occ[0].Duplicate)
	}
	if occ[1].Method != "carve-message" || !occ[1].Duplicate || *occ[1].Chain[0].Offset != int64(loose) || occ[1].File != occ[0].File {
		t.Errorf("second occurrence: %s %s dup=%v file %s", occ[1].Method, occ[1].Chain, occ[1].Duplicate, occ[1].File)
	}
	files := 0
	filepath.Walk(filepath.Join(out, export.MessagesDir), func(_ string, info os.FileInfo, _ error) error {
		if info != nil && !info.IsDir() {
			files++
		}
		return nil
	})
	if files != 2 {
		t.Errorf("%d files written, want 2", files)
	}
}

// TestCarveProgress: with --progress always the scan draws its bar (bytes
// scanned of the range, messages found) and the run ends with the table.
func TestCarveProgress(t *testing.T) {
	path, _, planted := carveImage(t, 1<<20, 100)
	out := filepath.Join(t.TempDir(), "out")
	code, _, stderr := runCmd(t, "carve", path, "-o", out, "--progress", "always")
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	n := len(provenance(t, out))
	for _, want := range []string{"disk.dd: ", fmt.Sprintf("%d messages", n), "carve/raw", "100%"} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr)
		}
	}
	if n < len(planted)/2 {
		t.Errorf("%d messages of %d planted", n, len(planted))
	}
}
