package gzip

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mailsalvage/mailsalvage/formats"
	_ "github.com/mailsalvage/mailsalvage/formats/eml"
	_ "github.com/mailsalvage/mailsalvage/formats/mbox"
	"github.com/mailsalvage/mailsalvage/internal/bounds"
	"github.com/mailsalvage/mailsalvage/internal/corpus"
	"github.com/mailsalvage/mailsalvage/internal/srctest"
)

// mboxOf returns an mbox of n small messages.
func mboxOf(n int) []byte {
	var b bytes.Buffer
	for i := range n {
		fmt.Fprintf(&b, "From sender@example.org Mon Jan  1 00:00:%02d 2024\n", i%60)
		fmt.Fprintf(&b, "From: sender@example.org\nTo: rcpt@example.org\nSubject: message %d\nMessage-ID: <%d@example.org>\n\nbody %d\n\n", i, i, i)
	}
	return b.Bytes()
}

func gz(data []byte) []byte {
	var b bytes.Buffer
	w := gzip.NewWriter(&b)
	w.Write(data)
	w.Close()
	return b.Bytes()
}

// drain reads every message (its bytes and chain) and problem of a source.
func drain(t *testing.T, src formats.Source) (msgs [][]byte, chains []formats.Chain, problems []string) {
	t.Helper()
	read, problems := srctest.Drain(t, src)
	for _, r := range read {
		msgs, chains = append(msgs, r.Data), append(chains, r.M.Chain)
	}
	return msgs, chains, problems
}

// plain opens data as the formats read it uncompressed.
func plain(t *testing.T, name string, data []byte) ([][]byte, []formats.Chain) {
	t.Helper()
	src, _, err := formats.Open(srctest.File(t, name, data))
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	m, c, _ := drain(t, src)
	return m, c
}

// TestMbox: an .mbox.gz gives the messages the .mbox gives, the same
// bytes, each chain the plain one behind a gzip hop over the whole file.
func TestMbox(t *testing.T) {
	data := mboxOf(5)
	packed := gz(data)
	path := srctest.File(t, "list.mbox.gz", packed)
	src, format, err := formats.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	if format != "gzip" {
		t.Fatalf("format %q", format)
	}
	msgs, chains, problems := drain(t, src)
	want, wantChains := plain(t, "list.mbox", data)
	if len(problems) > 0 || len(msgs) != 5 || len(want) != 5 {
		t.Fatalf("%d messages (plain: %d), problems %v", len(msgs), len(want), problems)
	}
	for i := range msgs {
		if !bytes.Equal(msgs[i], want[i]) {
			t.Errorf("message %d differs from the plain mbox's", i)
		}
		c := chains[i]
		if len(c) != len(wantChains[i])+1 || c[0].Format != "gzip" || *c[0].Offset != 0 || *c[0].Length != int64(len(packed)) ||
			c[1].String() != wantChains[i][0].String() || !strings.Contains(c[0].Locator, fmt.Sprint(len(data))) {
			t.Errorf("message %d: chain %v, plain %v", i, c, wantChains[i])
		}
	}
}

// TestMembers: concatenated members are one stream (gzip -c a >> b).
func TestMembers(t *testing.T) {
	data := mboxOf(6)
	cut := bytes.Index(data, []byte("From sender@example.org Mon Jan  1 00:00:03"))
	packed := append(gz(data[:cut]), gz(data[cut:])...)
	src, _, err := formats.Open(srctest.File(t, "a.mbox.gz", packed))
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	if msgs, _, problems := drain(t, src); len(msgs) != 6 || len(problems) > 0 {
		t.Fatalf("%d messages, problems %v", len(msgs), problems)
	}
}

// TestDamaged: a truncated stream gives what came out and says why; a bad
// trailer CRC and trailing garbage are reported, the messages kept.
func TestDamaged(t *testing.T) {
	data := mboxOf(40)
	packed := gz(data)
	badCRC := bytes.Clone(packed)
	badCRC[len(badCRC)-8] ^= 0xff
	for _, c := range []struct {
		name    string
		in      []byte
		problem string
		least   int
	}{
		{"truncated", packed[:len(packed)*2/3], "cut short", 1},
		{"bad CRC", badCRC, "CRC-32", 40},
		{"trailing junk", append(bytes.Clone(packed), "not gzip at all"...), "after the last whole member", 40},
	} {
		t.Run(c.name, func(t *testing.T) {
			src, _, err := formats.Open(srctest.File(t, "d.mbox.gz", c.in))
			if err != nil {
				t.Fatal(err)
			}
			defer src.Close()
			msgs, _, problems := drain(t, src)
			if len(msgs) < c.least || len(problems) != 1 || !strings.Contains(problems[0], c.problem) {
				t.Fatalf("%d messages (want at least %d), problems %q (want one saying %q)", len(msgs), c.least, problems, c.problem)
			}
		})
	}
}

// TestBomb: data past formats.InflateRatio (here lowered to 16) times the
// file is not written, and the cut is reported; it goes through a file,
// not memory.
func TestBomb(t *testing.T) {
	defer func(r int64) { formats.InflateRatio = r }(formats.InflateRatio)
	formats.InflateRatio = 16
	var b bytes.Buffer
	w, _ := gzip.NewWriterLevel(&b, gzip.BestCompression)
	head := mboxOf(1)
	w.Write(head[:bytes.Index(head, []byte("\n\n"))+2]) // a header, then a long body
	line := []byte(strings.Repeat("all work and no play ", 3) + "\n")
	for range (16 << 20) / len(line) {
		w.Write(line)
	}
	w.Close()
	path := srctest.File(t, "bomb.mbox.gz", b.Bytes())
	var sizes []int64
	var problems []string
	alloc := bounds.Allocated(func() {
		src, _, err := formats.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		defer src.Close()
		for {
			m, err := src.Next()
			if m != nil {
				rc, _ := m.Open()
				n, _ := io.Copy(io.Discard, rc)
				rc.Close()
				sizes = append(sizes, n)
			}
			var p *formats.Problem
			if errors.As(err, &p) {
				problems = append(problems, p.Error())
				continue
			}
			if err != nil {
				break
			}
		}
	})
	if len(problems) != 1 || !strings.Contains(problems[0], "bomb") {
		t.Fatalf("problems %q", problems)
	}
	if len(sizes) != 1 || sizes[0] > int64(b.Len())*formats.InflateRatio || sizes[0] < int64(b.Len())*formats.InflateRatio*9/10 {
		t.Fatalf("message sizes %v, compressed %d", sizes, b.Len())
	}
	if alloc > 16<<20 {
		t.Errorf("%d bytes allocated for %d decompressed", alloc, sizes[0])
	}
}

// TestRefused: nothing decompressable, gzip in gzip: errors that say so.
// (Data of no mail format is carved: TestTarCarved.)
func TestRefused(t *testing.T) {
	for _, c := range []struct {
		name, want string
		in         []byte
	}{
		{"header only", "unexpected EOF", gz(nil)[:10]},
		{"nested", ErrNested.Error(), gz(gz(mboxOf(2)))},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, _, err := formats.Open(srctest.File(t, "x.gz", c.in))
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error %v, want one saying %q", err, c.want)
			}
		})
	}
}

// TestTempInDir: the decompressed data goes to formats.TempDir and is
// gone from it at once (the open file is read until Close).
func TestTempInDir(t *testing.T) {
	dir := t.TempDir()
	formats.TempDir = dir
	defer func() { formats.TempDir = "" }()
	src, _, err := formats.Open(srctest.File(t, "a.mbox.gz", gz(mboxOf(3))))
	if err != nil {
		t.Fatal(err)
	}
	if left, _ := os.ReadDir(dir); len(left) != 0 {
		t.Errorf("left in TempDir while open: %v", left)
	}
	msgs, _, _ := drain(t, src)
	src.Close()
	if len(msgs) != 3 {
		t.Fatalf("%d messages", len(msgs))
	}
	// (an empty folder says little where the file is unlinked at once
	// anyway: a folder that does not exist shows TempDir is the one used)
	formats.TempDir = filepath.Join(dir, "missing")
	if _, _, err := formats.Open(srctest.File(t, "b.mbox.gz", gz(mboxOf(1)))); err == nil || !strings.Contains(err.Error(), "temporary file") {
		t.Errorf("with TempDir a missing folder: %v", err)
	}
}

// TestCorpus: the corpus's gzip-compressed mailboxes give what their
// decompressed data gives uncompressed.
func TestCorpus(t *testing.T) {
	n := 0
	for _, p := range corpus.Files(t, "mbox") {
		if !strings.HasSuffix(p, ".gz") {
			continue
		}
		n++
		src, format, err := formats.Open(p)
		if err != nil {
			t.Errorf("%s: %v", filepath.Base(p), err)
			continue
		}
		msgs, _, problems := drain(t, src)
		src.Close()
		f, _ := os.Open(p)
		zr, err := gzip.NewReader(f)
		if err != nil {
			t.Fatal(err)
		}
		data, err := io.ReadAll(zr)
		f.Close()
		if err != nil {
			t.Fatal(err)
		}
		want, _ := plain(t, strings.TrimSuffix(filepath.Base(p), ".gz"), data)
		if format != "gzip" || len(problems) > 0 || len(msgs) != len(want) || len(msgs) == 0 {
			t.Errorf("%s: %s, %d messages (uncompressed: %d), problems %v", filepath.Base(p), format, len(msgs), len(want), problems)
		}
	}
	if n == 0 {
		t.Skip("no .gz mailbox in the corpus")
	}
}

func FuzzOpen(f *testing.F) {
	f.Add(gz(mboxOf(2)))
	f.Add(append(gz(mboxOf(1)), gz([]byte("From: a@b\n\nx\n"))...))
	f.Add(gz(mboxOf(3))[:40])
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, b []byte) {
		if len(b) > 1<<16 {
			return
		}
		defer func(r int64) { formats.TempDir, formats.InflateRatio = "", r }(formats.InflateRatio)
		formats.TempDir, formats.InflateRatio = dir, 64 // up to 4 MiB decompressed: quick runs
		src, err := OpenFile(bytes.NewReader(b), int64(len(b)), &formats.Probe{Path: "fuzz.gz"})
		if err != nil {
			return
		}
		defer src.Close()
		if !srctest.Exhaust(src, 10000) {
			t.Fatal("more than 10000 results from a 64 KiB input")
		}
	})
}

// TestNoMail: data of no mail format (here a tar stream: this test does
// not register formats/archive) is refused, saying what it looks like,
// and not as formats.ErrUnknown (recover would carve the compressed
// bytes).
func TestNoMail(t *testing.T) {
	var tb bytes.Buffer
	tw := tar.NewWriter(&tb)
	tw.WriteHeader(&tar.Header{Name: "export/1.eml", Mode: 0o644, Size: 5})
	tw.Write([]byte("hello"))
	tw.Close()
	_, _, err := formats.Open(srctest.File(t, "export.tgz", gz(tb.Bytes())))
	if err == nil || !strings.Contains(err.Error(), "not a recognized mail format (binary data") || errors.Is(err, formats.ErrUnknown) {
		t.Fatalf("error %v", err)
	}
}

// TestCarveUnknown: with formats.CarveUnknown set (as recover sets it),
// data of no mail format in a gzip file given as an input is handed to it,
// and the chain starts with the gzip hop; in a walked folder it is not.
func TestCarveUnknown(t *testing.T) {
	defer func() { formats.CarveUnknown = nil }()
	calls := 0
	formats.CarveUnknown = func(r io.ReaderAt, size int64) formats.Source {
		calls++
		return &oneMessage{size: size}
	}
	data := gz(bytes.Repeat([]byte{0xde, 0xad, 0xbe, 0xef}, 1024))
	src, _, err := formats.Open(srctest.File(t, "disk.dd.gz", data))
	if err != nil || calls != 1 {
		t.Fatalf("input: %v, %d calls", err, calls)
	}
	m, _ := src.Next()
	src.Close()
	if m == nil || len(m.Chain) != 2 || m.Chain[0].Format != "gzip" || *m.Chain[1].Length != 4096 {
		t.Errorf("carved message %+v", m)
	}
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "dump.sql.gz"), data, 0o644)
	if src, _, err := formats.Open(dir); err == nil {
		srctest.Exhaust(src, 100)
		src.Close()
	}
	if calls != 1 {
		t.Errorf("a gzip file in a walked folder was carved (%d calls)", calls)
	}
}

// oneMessage stands in for the carver: one message of the whole data.
type oneMessage struct {
	size int64
	done bool
}

func (o *oneMessage) Next() (*formats.Message, error) {
	if o.done {
		return nil, io.EOF
	}
	o.done = true
	return &formats.Message{State: formats.Carved, Chain: formats.Chain{formats.Span("image", 0, o.size, "")},
		Open: func() (io.ReadCloser, error) { return io.NopCloser(strings.NewReader("")), nil }}, nil
}

func (o *oneMessage) Close() error { return nil }

// TestHeadFirst: data of no mail format is refused from its first bytes,
// not unpacked in full first (a folder of compressed logs); mail is still
// read whole.
func TestHeadFirst(t *testing.T) {
	noise := make([]byte, 4<<20)
	x := uint64(1)
	for i := range noise { // incompressible, so the file is as large
		x ^= x << 13
		x ^= x >> 7
		x ^= x << 17
		noise[i] = byte(x)
	}
	data := gz(noise)
	c := &srctest.Counting{R: bytes.NewReader(data)}
	_, err := OpenFile(c, int64(len(data)), &formats.Probe{Path: "access.log.gz"})
	if err == nil || !strings.Contains(err.Error(), "not a recognized mail format (binary data") {
		t.Fatalf("error %v", err)
	}
	if c.N > int64(len(data))/8 {
		t.Errorf("read %d of %d compressed bytes to refuse the data", c.N, len(data))
	}
	// mail past the head is all read
	mail := append(mboxOf(4000), noise[:1000]...)
	// (and the compressed bytes are read once: the head is not
	// decompressed again)
	data = gz(mail)
	c = &srctest.Counting{R: bytes.NewReader(data)}
	src, err := OpenFile(c, int64(len(data)), &formats.Probe{Path: "big.mbox.gz"})
	if err != nil {
		t.Fatal(err)
	}
	msgs, _, _ := drain(t, src)
	src.Close()
	if len(mail) < 2*formats.HeadSize || len(msgs) != 4000 || c.N != int64(len(data)) {
		t.Errorf("%d messages from %d bytes; %d of %d compressed bytes read", len(msgs), len(mail), c.N, len(data))
	}
}
