package export

import (
	"bufio"
	"bytes"
	"crypto/md5"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mailsalvage/mailsalvage/formats"
)

func msg(content string, folder ...string) *formats.Message {
	return &formats.Message{
		Open:     func() (io.ReadCloser, error) { return io.NopCloser(strings.NewReader(content)), nil },
		Size:     int64(len(content)),
		Evidence: "",
		Folder:   folder,
		State:    formats.Intact,
		Chain:    formats.Chain{formats.Span("mbox", 10, int64(len(content)), "message 1")},
		Method:   "test",
	}
}

func sha256hex(s string) string { h := sha256.Sum256([]byte(s)); return hex.EncodeToString(h[:]) }
func md5hex(s string) string    { h := md5.Sum([]byte(s)); return hex.EncodeToString(h[:]) }

func fixedNow() time.Time { return time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC) }

func readLog(t *testing.T, out string) []Record {
	t.Helper()
	f, err := os.Open(filepath.Join(out, ProvenanceFile))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var recs []Record
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var r Record
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			t.Fatalf("bad provenance line %q: %v", sc.Text(), err)
		}
		recs = append(recs, r)
	}
	return recs
}

func evidenceFile(t *testing.T, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "evidence.mbox")
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

const m1 = "Message-ID: <one@example.com>\nDate: Tue, 1 Jan 2019 10:00:00 +0100\nFrom: =?UTF-8?Q?J=C3=BCrgen?= <j@example.com>\nTo: b@example.com\nSubject: =?ISO-8859-1?Q?Gr=FC=DFe?= aus Köln\n\nhello\n"
const m2 = "Message-ID: <two@example.com>\nSubject: second\n\nbye\n"

func TestExportWritesFilesLogAndSummary(t *testing.T) {
	ev := evidenceFile(t, "evidence bytes")
	out := filepath.Join(t.TempDir(), "out")
	ex, err := Create(out, Options{Tool: "mailsalvage", Version: "test", Args: []string{"recover"}, Now: fixedNow})
	if err != nil {
		t.Fatal(err)
	}
	ex.BeginInput(ev, "mbox")
	for _, m := range []*formats.Message{msg(m1, "Inbox", "Projects"), msg(m2, "Inbox"), msg(m1, "Archive")} {
		m.Evidence = ev
		if err := ex.Add(m); err != nil {
			t.Fatal(err)
		}
	}
	ex.Problem(&formats.Problem{Path: ev, Offset: 5, Err: io.ErrUnexpectedEOF})
	if err := ex.EndInput(nil); err != nil {
		t.Fatal(err)
	}
	if err := ex.Close(); err != nil {
		t.Fatal(err)
	}

	recs := readLog(t, out)
	if len(recs) != 3 {
		t.Fatalf("%d provenance lines, want 3", len(recs))
	}
	r := recs[0]
	wantFile := "messages/Inbox/Projects/2019-01-01_090000_Grüße_aus_Köln_" + r.SHA256[:12] + ".eml"
	if r.File != wantFile {
		t.Errorf("file %q, want %q", r.File, wantFile)
	}
	if r.MessageID != "<one@example.com>" || r.Subject != "Grüße aus Köln" || r.From != "Jürgen <j@example.com>" || r.Date != "2019-01-01T10:00:00+01:00" {
		t.Errorf("summary fields wrong: %+v", r)
	}
	if r.Source.Path != ev || r.Source.SHA256 != sha256hex("evidence bytes") {
		t.Errorf("source %+v", r.Source)
	}
	b, err := os.ReadFile(filepath.Join(out, filepath.FromSlash(r.File)))
	if err != nil || string(b) != m1 {
		t.Errorf("eml content %q, %v", b, err)
	}
	if r.SHA256 != sha256hex(m1) || r.MD5 != md5hex(m1) || r.Size != int64(len(m1)) {
		t.Errorf("hashes/size wrong: %+v", r)
	}
	// the third occurrence has the same bytes: logged, not written again
	if !recs[2].Duplicate || recs[2].File != r.File || recs[2].Folder != "Archive" {
		t.Errorf("duplicate occurrence: %+v", recs[2])
	}
	if recs[1].Date != "" || !strings.HasPrefix(filepath.Base(recs[1].File), "undated_second_") {
		t.Errorf("undated message: %+v", recs[1])
	}
	if recs[0].Warnings == nil {
		t.Errorf("warnings must be [] not null")
	}
	emls := 0
	filepath.WalkDir(out, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(p, ".eml") {
			emls++
		}
		return nil
	})
	if emls != 2 {
		t.Errorf("%d .eml files, want 2 (one duplicate)", emls)
	}
	if _, err := os.Stat(filepath.Join(out, tmpDir)); !os.IsNotExist(err) {
		t.Errorf("temporary folder left behind")
	}

	var s Summary
	sb, _ := os.ReadFile(filepath.Join(out, SummaryFile))
	if err := json.Unmarshal(sb, &s); err != nil {
		t.Fatal(err)
	}
	if s.Totals.Messages != 3 || s.Totals.Files != 2 || s.Totals.Duplicates != 1 || s.Totals.Problems != 1 {
		t.Errorf("totals %+v", s.Totals)
	}
	in := s.Inputs[0]
	if in.Folders["Inbox/Projects"].Messages != 1 || in.Folders["Archive"].Messages != 1 || in.ByState[formats.Intact] != 3 {
		t.Errorf("input summary %+v", in)
	}
	if s.Started != "2026-01-02T03:04:05Z" || s.Version != "test" {
		t.Errorf("run record %+v", s)
	}
}

func TestExportRefusesNonEmptyOut(t *testing.T) {
	out := t.TempDir()
	os.WriteFile(filepath.Join(out, "x"), []byte("x"), 0o644)
	if _, err := Create(out, Options{}); err == nil {
		t.Fatal("Create accepted a non-empty folder")
	}
	ex, err := Create(out, Options{Force: true})
	if err != nil {
		t.Fatalf("with Force: %v", err)
	}
	ex.Close()
}

// Two runs over the same messages give identical files and provenance.
func TestExportDeterministic(t *testing.T) {
	ev := evidenceFile(t, "e")
	run := func() (string, map[string][]byte) {
		out := filepath.Join(t.TempDir(), "out")
		ex, err := Create(out, Options{})
		if err != nil {
			t.Fatal(err)
		}
		ex.BeginInput(ev, "mbox")
		for _, c := range []string{m1, m2, m1} {
			m := msg(c, "A")
			m.Evidence = ev
			ex.Add(m)
		}
		ex.EndInput(nil)
		ex.Close()
		files := map[string][]byte{}
		filepath.WalkDir(out, func(p string, d os.DirEntry, err error) error {
			// summary.json, report.html and dfxml.xml carry the run record
			if err == nil && !d.IsDir() && filepath.Base(p) != SummaryFile && filepath.Base(p) != ReportFile && filepath.Base(p) != DFXMLFile {
				rel, _ := filepath.Rel(out, p)
				files[rel], _ = os.ReadFile(p)
			}
			return nil
		})
		return out, files
	}
	_, a := run()
	_, b := run()
	if len(a) != len(b) || len(a) == 0 {
		t.Fatalf("file sets differ: %d vs %d", len(a), len(b))
	}
	for n, c := range a {
		if !bytes.Equal(c, b[n]) {
			t.Errorf("%s differs between runs", n)
		}
	}
}

// Hostile folder names and subjects stay inside OUT and stay readable.
func TestExportHostileNames(t *testing.T) {
	ev := evidenceFile(t, "e")
	out := filepath.Join(t.TempDir(), "out")
	ex, err := Create(out, Options{})
	if err != nil {
		t.Fatal(err)
	}
	ex.BeginInput(ev, "mbox")
	folders := [][]string{
		{"..", "..", "x"}, {"../../etc"}, {"/etc/passwd"}, {"CON"}, {"a/b"}, {"nul\x00byte"},
		{"ctl\x01\x1b[31m"}, {strings.Repeat("long", 200)}, {"\xff\xfe bad utf8"}, {"C:\\Windows"}, {"trailing. "},
		{"aux.txt"}, {"."}, {""},
	}
	for i, f := range folders {
		c := "Subject: ../../" + strings.Repeat("x", i) + "\x00/\\evil\nMessage-ID: <" + string(rune('a'+i)) + "@x>\n\nb\n"
		m := msg(c, f...)
		m.Evidence = ev
		if err := ex.Add(m); err != nil {
			t.Fatalf("folder %q: %v", f, err)
		}
	}
	ex.EndInput(nil)
	ex.Close()
	absOut, _ := filepath.Abs(out)
	for _, r := range readLog(t, out) {
		p := filepath.Join(absOut, filepath.FromSlash(r.File))
		rel, err := filepath.Rel(absOut, p)
		if err != nil || strings.HasPrefix(rel, "..") || !strings.HasPrefix(r.File, "messages/") {
			t.Errorf("file %q escapes OUT", r.File)
		}
		if _, err := os.Stat(p); err != nil {
			t.Errorf("file %q not written: %v", r.File, err)
		}
		for _, e := range strings.Split(r.File, "/") {
			if e == ".." || e == "." || e == "" || len(e) > 255 || strings.ContainsAny(e, "\x00\\:") {
				t.Errorf("bad path element %q in %q", e, r.File)
			}
		}
	}
}

func TestSafeElem(t *testing.T) {
	cases := map[string]string{
		"Inbox":         "Inbox",
		"..":            "_",
		".":             "_",
		"":              "_",
		"a/b":           "a_b",
		"CON":           "_CON",
		"com1.txt":      "_com1.txt",
		"x\x00y":        "x_y",
		"end. . ":       "end",
		"Grüße":         "Grüße",
		"\xff":          "_",
		"a\u202eb":      "a_b",
		"Sent Items":    "Sent Items",
		"What? <Now>|*": "What_ _Now___",
	}
	for in, want := range cases {
		if got := SafeElem(in, 0); got != want {
			t.Errorf("SafeElem(%q) = %q, want %q", in, got, want)
		}
	}
	if got := SafeElem(strings.Repeat("é", 100), 0); len(got) > maxElem {
		t.Errorf("too long: %d bytes", len(got))
	}
}

// Messages too big to buffer are streamed, and keep their place in the log.
func TestExportStreamsBigMessages(t *testing.T) {
	ev := evidenceFile(t, "e")
	out := filepath.Join(t.TempDir(), "out")
	ex, err := Create(out, Options{})
	if err != nil {
		t.Fatal(err)
	}
	big := "Message-ID: <big@x>\nSubject: big\n\n" + strings.Repeat("0123456789abcde\n", (maxBuffered/16)+100)
	ex.BeginInput(ev, "mbox")
	for _, c := range []string{m1, big, m2, big} {
		m := msg(c, "A")
		m.Evidence = ev
		if err := ex.Add(m); err != nil {
			t.Fatal(err)
		}
	}
	ex.EndInput(nil)
	ex.Close()
	recs := readLog(t, out)
	if len(recs) != 4 || recs[0].MessageID != "<one@example.com>" || recs[1].MessageID != "<big@x>" || recs[2].MessageID != "<two@example.com>" || !recs[3].Duplicate {
		t.Fatalf("log order or dedupe wrong: %+v", recs)
	}
	b, err := os.ReadFile(filepath.Join(out, filepath.FromSlash(recs[1].File)))
	if err != nil || string(b) != big || recs[1].SHA256 != sha256hex(big) {
		t.Errorf("big message not written intact (%d bytes, %v)", len(b), err)
	}
}

// A file already at a message's name is never replaced: identical content
// (an earlier run into the same OUT, with Force) is kept as the message's
// file; anything else makes the message take the next free name.
func TestExportNeverReplaces(t *testing.T) {
	ev := evidenceFile(t, "e")
	write := func(out string, force bool) []Record {
		ex, err := Create(out, Options{Force: force})
		if err != nil {
			t.Fatal(err)
		}
		ex.BeginInput(ev, "mbox")
		for _, c := range []string{m1, m2} {
			m := msg(c, "A")
			m.Evidence = ev
			ex.Add(m)
		}
		ex.EndInput(nil)
		ex.Close()
		return readLog(t, out)
	}
	out := filepath.Join(t.TempDir(), "out")
	first := write(out, false)
	again := write(out, true)
	for i := range first {
		if again[i].File != first[i].File {
			t.Errorf("rerun with --force: %s became %s", first[i].File, again[i].File)
		}
	}

	out2 := filepath.Join(t.TempDir(), "out")
	squatter := filepath.Join(out2, filepath.FromSlash(first[0].File))
	os.MkdirAll(filepath.Dir(squatter), 0o755)
	os.WriteFile(squatter, []byte("not the message"), 0o644)
	recs := write(out2, true)
	if recs[0].File == first[0].File || !strings.HasSuffix(recs[0].File, "_2.eml") {
		t.Errorf("message placed at %s, want a _2 name beside the squatter", recs[0].File)
	}
	if b, _ := os.ReadFile(squatter); string(b) != "not the message" {
		t.Errorf("existing file was replaced")
	}
	if b, _ := os.ReadFile(filepath.Join(out2, filepath.FromSlash(recs[0].File))); string(b) != m1 {
		t.Errorf("message not written at its new name")
	}
}

func TestFileIndex(t *testing.T) {
	x, err := newFileIndex(filepath.Join(t.TempDir(), "index"))
	if err != nil {
		t.Fatal(err)
	}
	defer x.close()
	want := map[[32]byte]string{}
	for i := 0; i < 20000; i++ { // enough to spill several times
		sum := sha256.Sum256([]byte{byte(i), byte(i >> 8)})
		rel := fmt.Sprintf("messages/folder %d/%s.eml", i%7, strings.Repeat("n", i%300))
		if err := x.add(sum, rel); err != nil {
			t.Fatal(err)
		}
		want[sum] = rel
	}
	for sum, rel := range want {
		got, ok, err := x.lookup(sum)
		if !ok || err != nil || got != rel {
			t.Fatalf("lookup: %q %v %v, want %q", got, ok, err, rel)
		}
	}
	if _, ok, _ := x.lookup(sha256.Sum256([]byte("absent"))); ok {
		t.Error("found a hash never added")
	}
	if x.len() != len(want) {
		t.Errorf("len %d, want %d", x.len(), len(want))
	}
}

type failingReader struct{ data string }

func (f *failingReader) Read(p []byte) (int, error) {
	if f.data == "" {
		return 0, errors.New("input/output error")
	}
	n := copy(p, f.data)
	f.data = f.data[n:]
	return n, nil
}

// A read error part way through a message keeps what was read, as partial.
func TestExportKeepsWhatWasRead(t *testing.T) {
	ev := evidenceFile(t, "e")
	out := filepath.Join(t.TempDir(), "out")
	ex, err := Create(out, Options{})
	if err != nil {
		t.Fatal(err)
	}
	ex.BeginInput(ev, "mbox")
	m := msg(m1, "A")
	m.Evidence = ev
	m.Open = func() (io.ReadCloser, error) { return io.NopCloser(&failingReader{data: m1[:40]}), nil }
	if err := ex.Add(m); err != nil {
		t.Fatal(err)
	}
	ex.EndInput(nil)
	ex.Close()
	recs := readLog(t, out)
	if len(recs) != 1 || recs[0].State != formats.Partial || recs[0].Size != 40 || !strings.Contains(strings.Join(recs[0].Warnings, " "), "read error after 40 bytes") {
		t.Errorf("records %+v", recs)
	}
}

// A transform rewrites what is written and logs the reason with the message.
func TestExportTransform(t *testing.T) {
	ev := evidenceFile(t, "e")
	out := filepath.Join(t.TempDir(), "out")
	ex, err := Create(out, Options{Transform: func(m *formats.Message, b []byte) ([]byte, bool) {
		if !bytes.Contains(b, []byte("second")) {
			return nil, false
		}
		m.Warnf("rewritten")
		m.Chain = append(m.Chain, formats.Hop{Format: "test", Locator: "upper-cased"})
		return bytes.ToUpper(b), true
	}})
	if err != nil {
		t.Fatal(err)
	}
	ex.BeginInput(ev, "mbox")
	for _, c := range []string{m1, m2} {
		m := msg(c, "A")
		m.Evidence = ev
		ex.Add(m)
	}
	ex.EndInput(nil)
	ex.Close()
	recs := readLog(t, out)
	b, _ := os.ReadFile(filepath.Join(out, filepath.FromSlash(recs[1].File)))
	if string(b) != strings.ToUpper(m2) || recs[1].SHA256 != sha256hex(strings.ToUpper(m2)) || len(recs[1].Chain) != 2 || recs[1].Warnings[0] != "rewritten" {
		t.Errorf("transformed record %+v", recs[1])
	}
	if b, _ := os.ReadFile(filepath.Join(out, filepath.FromSlash(recs[0].File))); string(b) != m1 {
		t.Errorf("untouched message changed")
	}
}

// A run with --force into an OUT left by an interrupted run is not
// stopped by the temporary files that run left.
func TestExportAfterInterruptedRun(t *testing.T) {
	out := filepath.Join(t.TempDir(), "out")
	if err := os.MkdirAll(filepath.Join(out, tmpDir), 0o755); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{tmpName(1), tmpName(2), "index"} {
		if err := os.WriteFile(filepath.Join(out, tmpDir, name), []byte("half"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	ex, err := Create(out, Options{Force: true})
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range []*formats.Message{msg(m1), msg(m2)} {
		if err := ex.Add(m); err != nil {
			t.Fatal(err)
		}
	}
	if err := ex.Close(); err != nil {
		t.Fatal(err)
	}
	if in := ex.Inputs()[0]; in.Failed != 0 || len(readLog(t, out)) != 2 {
		t.Errorf("failed %d, problems %q", in.Failed, in.Problems)
	}
}
