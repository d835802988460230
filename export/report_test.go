package export

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mailsalvage/mailsalvage/formats"
)

// imageRun is an output folder made from a small disk image: loose carved
// messages, an mbox and a PST found in it, a message reassembled from two
// fragments, a UTF-16 one and a duplicate.
type imageRun struct {
	out, image string
	size       int64
}

const hostileSubject = `</script><img src=x onerror=alert(1)> & "quotes"`

func imageMsg(n int, date, subject string) string {
	return fmt.Sprintf("Message-ID: <%d@example.com>\nDate: %s\nFrom: Sender %d <s%d@example.com>\nTo: r@example.com\nSubject: %s\n\nbody %d\n",
		n, date, n, n, subject, n)
}

func carvedMsg(content string, state formats.State, chain formats.Chain) *formats.Message {
	return &formats.Message{
		Open:   func() (io.ReadCloser, error) { return io.NopCloser(strings.NewReader(content)), nil },
		Size:   int64(len(content)),
		State:  state,
		Chain:  chain,
		Method: "test-carve",
	}
}

func newImageRun(t *testing.T) *imageRun {
	t.Helper()
	dir := t.TempDir()
	r := &imageRun{out: filepath.Join(dir, "out"), image: filepath.Join(dir, "disk.img"), size: 0x10000}
	img := make([]byte, r.size)
	a := imageMsg(1, "Tue, 1 Jan 2019 10:00:00 +0100", "loose one")
	b := imageMsg(2, "Mon, 31 Dec 2018 23:30:00 -0500", "in the mbox") // 2019-01-01T04:30Z: before a
	c := imageMsg(3, "Wed, 2 Jan 2019 10:00:00 +0000", hostileSubject)
	d := imageMsg(4, "Thu, 3 Jan 2019 10:00:00 +0000", "pst intact")
	e := imageMsg(5, "", "fragments")
	f := imageMsg(6, "Fri, 4 Jan 2019 10:00:00 +0000", "utf16")
	copy(img[0x1000:], a)
	copy(img[0x4100:], b)
	copy(img[0xd000:], a)
	if err := os.WriteFile(r.image, img, 0o444); err != nil {
		t.Fatal(err)
	}
	ex, err := Create(r.out, Options{Tool: "mailsalvage", Version: "test", Args: []string{"carve", r.image}, Now: fixedNow})
	if err != nil {
		t.Fatal(err)
	}
	ex.BeginInput(r.image, "carve/raw")
	frag := carvedMsg(e, formats.Partial, formats.Chain{{Format: "image", Locator: "message reassembled from 2 fragments: 0xa000+100, 0xb000+50"}})
	frag.SetAttr("carve_fragments", "0xa000+100 0xb000+50")
	for _, m := range []*formats.Message{
		carvedMsg(a, formats.Carved, formats.Chain{formats.Span("image", 0x1000, int64(len(a)), "message")}),
		carvedMsg(b, formats.Deleted, formats.Chain{formats.Span("image", 0x4000, 0x2000, "mbox"), formats.Span("mbox", 0x100, int64(len(b)), "message 1")}),
		carvedMsg(c, formats.Orphaned, formats.Chain{formats.Span("image", 0x8000, 0x4000, "pst"), {Format: "pst", Locator: "node 0x200024"}}),
		carvedMsg(d, formats.Intact, formats.Chain{formats.Span("image", 0x8000, 0x4000, "pst"), {Format: "pst", Locator: "node 0x200044"}}),
		frag,
		carvedMsg(f, formats.Carved, formats.Chain{formats.Span("image", 0xc000, 200, "message"), {Format: "utf-16le", Locator: "decoded to UTF-8"}}),
		carvedMsg(a, formats.Carved, formats.Chain{formats.Span("image", 0xd000, int64(len(a)), "message")}),
	} {
		m.Evidence = r.image
		if err := ex.Add(m); err != nil {
			t.Fatal(err)
		}
	}
	ex.EndInput(nil)
	if err := ex.Close(); err != nil {
		t.Fatal(err)
	}
	return r
}

// pageData returns the rows and meta JSON embedded in report.html.
func pageData(t *testing.T, out string) ([][]any, reportMeta, string) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(out, ReportFile))
	if err != nil {
		t.Fatal(err)
	}
	page := string(b)
	block := func(id string) string {
		start := `<script type="application/json" id="` + id + `">`
		i := strings.Index(page, start)
		if i < 0 {
			t.Fatalf("no %s block", id)
		}
		rest := page[i+len(start):]
		j := strings.Index(rest, "</script>")
		return rest[:j]
	}
	var rows [][]any
	if err := json.Unmarshal([]byte(block("rows")), &rows); err != nil {
		t.Fatalf("rows: %v", err)
	}
	var meta reportMeta
	if err := json.Unmarshal([]byte(block("meta")), &meta); err != nil {
		t.Fatalf("meta: %v", err)
	}
	return rows, meta, page
}

func TestLocate(t *testing.T) {
	r := newImageRun(t)
	recs := readLog(t, r.out)
	want := []struct {
		runs    []Extent
		whole   bool
		decoded string
	}{
		{[]Extent{{0x1000, recs[0].Size}}, true, ""},
		{[]Extent{{0x4100, recs[1].Size}}, true, ""},
		{[]Extent{{0x8000, 0x4000}}, false, ""},
		{[]Extent{{0x8000, 0x4000}}, false, ""},
		{[]Extent{{0xa000, 100}, {0xb000, 50}}, true, ""},
		{[]Extent{{0xc000, 200}}, true, "utf-16le"},
		{[]Extent{{0xd000, recs[6].Size}}, true, ""},
	}
	if len(recs) != len(want) {
		t.Fatalf("%d records", len(recs))
	}
	for i, w := range want {
		loc, ok := Locate(&recs[i])
		if !ok || fmt.Sprint(loc.Runs) != fmt.Sprint(w.runs) || loc.Whole != w.whole || loc.Decoded != w.decoded {
			t.Errorf("record %d (%s): got %+v %v, want %+v", i, recs[i].Chain, loc, ok, w)
		}
	}
	if _, ok := Locate(&Record{Chain: formats.Chain{{Format: "pst", Locator: "node 1"}}}); ok {
		t.Error("a chain with no offsets was located")
	}
}

func TestReportHTML(t *testing.T) {
	r := newImageRun(t)
	rows, meta, page := pageData(t, r.out)
	if len(rows) != 7 || meta.Rows != 7 || meta.Lines != 7 {
		t.Fatalf("rows %d, meta rows %d lines %d", len(rows), meta.Rows, meta.Lines)
	}
	if strings.Contains(page, "</script><img") || strings.Contains(page, "<img src=x") {
		t.Error("a subject reached the page as markup")
	}
	if rows[2][3] != hostileSubject {
		t.Errorf("subject of row 2: %q", rows[2][3])
	}
	for _, needle := range []string{"http://", "https://", "//cdn", "<link "} {
		// the page must need nothing from the network (the DFXML
		// namespace is not in it)
		if strings.Contains(strings.ReplaceAll(page, "http-equiv", ""), needle) {
			t.Errorf("page refers to %q", needle)
		}
	}
	if len(meta.Images) != 1 {
		t.Fatalf("%d byte maps", len(meta.Images))
	}
	m := meta.Images[0]
	if m.Path != r.image || m.Size != r.size || m.Input != 0 {
		t.Errorf("map %s size %d input %d", m.Path, m.Size, m.Input)
	}
	// marks: a, b, two fragments, utf16, a again; the PST is a container
	// of two
	wantMarks := [][3]int64{{0x1000, 0, 3}, {0x4100, 0, 1}, {0xa000, 100, 4}, {0xb000, 50, 4}, {0xc000, 200, 3}, {0xd000, 0, 3}}
	if len(m.Marks) != len(wantMarks) {
		t.Fatalf("marks %v", m.Marks)
	}
	for i, w := range wantMarks {
		mk := m.Marks[i]
		if mk[0] != w[0] || (w[1] != 0 && mk[1] != w[1]) || mk[2] != w[2] {
			t.Errorf("mark %d: %v, want %v", i, mk, w)
		}
	}
	if len(m.Containers) != 1 || m.Containers[0] != [3]int64{0x8000, 0x4000, 2} || m.ContainerKinds[0] != "pst" {
		t.Errorf("containers %v %v", m.Containers, m.ContainerKinds)
	}
	if m.Truncated || m.Bins != nil || m.Messages != 7 || m.Contained != 2 {
		t.Errorf("map %+v", m)
	}
	if meta.HasBounce {
		t.Error("has_bounce with no bounce field")
	}
}

func TestReportBounds(t *testing.T) {
	r := newImageRun(t)
	if err := WriteReports(r.out, ReportOptions{MaxRows: 3, MaxMarks: 2}); err != nil {
		t.Fatal(err)
	}
	rows, meta, _ := pageData(t, r.out)
	if len(rows) != 3 || meta.Rows != 3 || meta.Lines != 7 {
		t.Errorf("rows %d, meta rows %d lines %d", len(rows), meta.Rows, meta.Lines)
	}
	m := meta.Images[0]
	if !m.Truncated || len(m.Bins) != mapBins || len(m.Marks) != 2 {
		t.Fatalf("truncated %v, %d bins, %d marks", m.Truncated, len(m.Bins), len(m.Marks))
	}
	bin := func(off int64) []int { return m.Bins[off*mapBins/r.size] }
	if bin(0x1000)[3] != 1 || bin(0x4100)[1] != 1 || bin(0xa000)[4] != 1 || bin(0xb000)[4] != 1 || bin(0xd000)[3] != 1 {
		t.Errorf("bins at the messages: %v %v %v %v %v", bin(0x1000), bin(0x4100), bin(0xa000), bin(0xb000), bin(0xd000))
	}
	for _, off := range []int64{0, 0x3000, 0x9000, 0xf000} {
		for _, n := range bin(off) {
			if n != 0 {
				t.Errorf("bin at 0x%x: %v", off, bin(off))
			}
		}
	}
	// marks for rows past the page have no row
	for _, mk := range m.Marks {
		if mk[3] >= 3 {
			t.Errorf("mark %v points past the rows", mk)
		}
	}
}

func TestReportBounce(t *testing.T) {
	r := newImageRun(t)
	name := filepath.Join(r.out, ProvenanceFile)
	b, _ := os.ReadFile(name)
	lines := strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")
	lines[1] = strings.TrimSuffix(lines[1], "}") + `,"bounce":[{"recipient":"nobody@example.org","reply_code":550,"status":"5.1.1","reason":"userunknown"}]}`
	lines = append(lines, "not json")
	os.WriteFile(name, []byte(strings.Join(lines, "\n")+"\n"), 0o644)
	if err := WriteReports(r.out, ReportOptions{}); err != nil {
		t.Fatal(err)
	}
	rows, meta, _ := pageData(t, r.out)
	if !meta.HasBounce {
		t.Error("no has_bounce")
	}
	got, _ := json.Marshal(rows[1][10])
	if string(got) != `["nobody@example.org 550 5.1.1 userunknown"]` {
		t.Errorf("bounce cell %s", got)
	}
	if len(meta.BadLines) != 1 || !strings.Contains(meta.BadLines[0], "line 8") {
		t.Errorf("bad lines %q", meta.BadLines)
	}
	x, _ := os.ReadFile(filepath.Join(r.out, DFXMLFile))
	if !bytes.Contains(x, []byte("<ms:bounce>nobody@example.org 550 5.1.1 userunknown</ms:bounce>")) {
		t.Error("dfxml.xml has no bounce")
	}
}

func TestReportNoSummary(t *testing.T) {
	if err := WriteReports(t.TempDir(), ReportOptions{}); err == nil {
		t.Error("reports written for a folder with no summary.json")
	}
}

func TestReadLineLong(t *testing.T) {
	long := strings.Repeat("x", 3<<20)
	in := "a\n" + long + "\nb"
	r := bufioReader(in)
	var got []string
	for {
		b, err := readLine(r)
		got = append(got, fmt.Sprintf("%d", len(b)))
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	if strings.Join(got, ",") != fmt.Sprintf("1,%d,1", len(long)) {
		t.Errorf("lines %v", got)
	}
}

func bufioReader(s string) *bufio.Reader { return bufio.NewReaderSize(strings.NewReader(s), 4096) }

// Written twice from the same OUT, the reports are the same bytes (no
// map order or time in them beyond the run record they copy).
func TestReportsDeterministic(t *testing.T) {
	r := newImageRun(t)
	read := func() []string {
		var got []string
		for _, f := range []string{ReportFile, DFXMLFile, TimelineFile} {
			b, err := os.ReadFile(filepath.Join(r.out, f))
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, string(b))
		}
		return got
	}
	first := read()
	if err := WriteReports(r.out, ReportOptions{}); err != nil {
		t.Fatal(err)
	}
	for i, s := range read() {
		if s != first[i] {
			t.Errorf("file %d differs when written again", i)
		}
	}
}

func TestReportByFormat(t *testing.T) {
	r := newImageRun(t)
	_, meta, _ := pageData(t, r.out)
	got, _ := json.Marshal(meta.ByFormat)
	if string(got) != `{"image":{"carved":3,"deleted":1,"intact":1,"orphaned":1,"partial":1}}` {
		t.Errorf("by format %s", got)
	}
}

// BenchmarkWriteReports: the three reports of a log of 20,000 carved
// messages (bytes/op is the log's size).
func BenchmarkWriteReports(b *testing.B) {
	out := b.TempDir()
	os.WriteFile(filepath.Join(out, SummaryFile), []byte(`{"tool":"mailsalvage","inputs":[{"path":"/img","format":"carve/raw","size":1073741824}]}`), 0o644)
	var buf bytes.Buffer
	for i := 0; i < 20000; i++ {
		off, n := int64(i)*50000, int64(1000+i%5000)
		rec := Record{File: fmt.Sprintf("messages/2019-01-01_120000_Subject_%d_%012x.eml", i, i), SHA256: fmt.Sprintf("%064x", i), MD5: fmt.Sprintf("%032x", i),
			Size: n, MessageID: fmt.Sprintf("<%d@example.com>", i), Subject: fmt.Sprintf("Subject %d", i),
			Date: fmt.Sprintf("2019-%02d-%02dT10:00:00+02:00", 1+i%12, 1+i%28), From: "Sender <s@example.com>", To: "r@example.org",
			State: formats.States[i%len(formats.States)], Method: "carve-message", Source: Evidence{Path: "/img"},
			Chain: formats.Chain{formats.Span("image", off, n, "message")}, Warnings: []string{}}
		line, _ := json.Marshal(rec)
		buf.Write(append(line, '\n'))
	}
	os.WriteFile(filepath.Join(out, ProvenanceFile), buf.Bytes(), 0o644)
	b.SetBytes(int64(buf.Len()))
	for b.Loop() {
		if err := WriteReports(out, ReportOptions{}); err != nil {
			b.Fatal(err)
		}
	}
}
