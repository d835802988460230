package main

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mailsalvage/mailsalvage/export"
	"github.com/mailsalvage/mailsalvage/formats"
)

const demoDir = "../../testdata/demo"

func runCmd(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var o, e bytes.Buffer
	code = run(args, &o, &e)
	return code, o.String(), e.String()
}

func provenance(t *testing.T, out string) []export.Record {
	t.Helper()
	f, err := os.Open(filepath.Join(out, export.ProvenanceFile))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var recs []export.Record
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 4<<20)
	for sc.Scan() {
		var r export.Record
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			t.Fatal(err)
		}
		recs = append(recs, r)
	}
	return recs
}

// snapshot returns every file below dir except summary.json, report.html
// and dfxml.xml (which hold the run record): relative path -> content.
func snapshot(t *testing.T, dir string) map[string]string {
	t.Helper()
	m := map[string]string{}
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		// summary.json, report.html and dfxml.xml carry the run record
		if err != nil || d.IsDir() || filepath.Base(p) == export.SummaryFile || filepath.Base(p) == export.ReportFile || filepath.Base(p) == export.DFXMLFile {
			return err
		}
		b, _ := os.ReadFile(p)
		rel, _ := filepath.Rel(dir, p)
		m[rel] = string(b)
		return nil
	})
	return m
}

func TestRecoverDemo(t *testing.T) {
	out := filepath.Join(t.TempDir(), "out")
	code, _, stderr := runCmd(t, "recover", demoDir, "-o", out)
	if code != exitOK {
		t.Fatalf("exit %d, stderr:\n%s", code, stderr)
	}
	recs := provenance(t, out)
	states := map[formats.State]int{}
	formatsSeen := map[string]bool{}
	for _, r := range recs {
		states[r.State]++
		formatsSeen[r.Chain[0].Format] = true
		if r.Source.SHA256 == "" || r.SHA256 == "" || r.File == "" {
			t.Errorf("incomplete record %+v", r)
		}
		b, err := os.ReadFile(filepath.Join(out, filepath.FromSlash(r.File)))
		if err != nil {
			t.Errorf("%s: %v", r.File, err)
		} else if sha := sha256Hex(b); sha != r.SHA256 {
			t.Errorf("%s: sha256 %s, logged %s", r.File, sha, r.SHA256)
		}
	}
	for _, s := range []formats.State{formats.Intact, formats.Deleted, formats.Partial} {
		if states[s] == 0 {
			t.Errorf("demo shows no %s message (states %v)", s, states)
		}
	}
	for f := range registeredFileFormats() {
		if !formatsSeen[f] {
			t.Errorf("demo has no message read by format %s", f)
		}
	}
	var s export.Summary
	b, _ := os.ReadFile(filepath.Join(out, export.SummaryFile))
	if err := json.Unmarshal(b, &s); err != nil || s.Totals.Messages != len(recs) {
		t.Errorf("summary totals %+v (err %v), %d provenance lines", s.Totals, err, len(recs))
	}

	// a second run writes the same files and log
	out2 := filepath.Join(t.TempDir(), "out")
	if code, _, stderr := runCmd(t, "recover", demoDir, "-o", out2); code != exitOK {
		t.Fatalf("second run exit %d: %s", code, stderr)
	}
	sameOutput(t, out, out2)
}

// sameOutput asserts that two runs wrote the same files with the same
// bytes (summary.json, holding the run record, aside).
func sameOutput(t *testing.T, out1, out2 string) {
	t.Helper()
	a, b := snapshot(t, out1), snapshot(t, out2)
	if len(a) != len(b) || len(a) == 0 {
		t.Fatalf("runs differ in file count: %d vs %d", len(a), len(b))
	}
	for n, v := range a {
		if b[n] != v {
			t.Errorf("%s differs between runs", n)
		}
	}
}

// registeredFileFormats are the formats the demo must exercise.
func registeredFileFormats() map[string]bool {
	m := map[string]bool{}
	for _, n := range formats.Registered() {
		m[n] = true
	}
	return m
}

func TestBadInputs(t *testing.T) {
	dir := t.TempDir()
	empty := filepath.Join(dir, "empty.mbox")
	os.WriteFile(empty, nil, 0o644)
	binary := filepath.Join(dir, "program.bin")
	os.WriteFile(binary, []byte("\x7fELF\x02\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x03\x00>\x00\x01\x00\x00\x00"), 0o644)
	notMail := filepath.Join(dir, "photos")
	os.MkdirAll(notMail, 0o755)
	os.WriteFile(filepath.Join(notMail, "a.jpg"), []byte("\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01"), 0o644)
	good := filepath.Join(dir, "good.mbox")
	os.WriteFile(good, []byte("From a@b Mon Jan  1 00:00:00 2001\nMessage-ID: <g@x>\nSubject: ok\n\nbody\n"), 0o644)
	missing := filepath.Join(dir, "missing")

	out := filepath.Join(t.TempDir(), "out")
	code, _, stderr := runCmd(t, "recover", empty, binary, notMail, "/dev/null", missing, good, "-o", out)
	if code != exitInputFail {
		t.Errorf("exit %d, want %d", code, exitInputFail)
	}
	for _, want := range []string{
		empty + ": empty file",
		binary + ": not a recognized mail format (binary data",
		notMail + ": not a recognized mail format (folder holds no mail files",
		"/dev/null: not a regular file or folder (a character device)",
		missing + ": no such file or directory",
	} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr)
		}
	}
	for _, line := range strings.Split(strings.TrimSpace(stderr), "\n") {
		if strings.HasPrefix(line, "mailsalvage: ") && strings.Count(line, "mailsalvage:") != 1 {
			t.Errorf("malformed error line %q", line)
		}
	}
	recs := provenance(t, out)
	if len(recs) != 1 || recs[0].MessageID != "<g@x>" {
		t.Errorf("the good input was not recovered: %+v", recs)
	}
	// alone, an unknown file in which carving finds nothing is an input
	// that could not be read as mail
	code, _, stderr = runCmd(t, "recover", binary, "-o", filepath.Join(t.TempDir(), "out"))
	if code != exitInputFail || !strings.Contains(stderr, "carved as a raw image: no messages found") {
		t.Errorf("unknown binary alone: exit %d, stderr %q", code, stderr)
	}
}

// An input that cannot be opened gets its line too. Root reads anything, so
// this only runs as another user.
func TestUnreadableInput(t *testing.T) {
	if os.Geteuid() == 0 {
		t.Skip("running as root: permissions do not stop reading")
	}
	f := filepath.Join(t.TempDir(), "locked.mbox")
	os.WriteFile(f, []byte("From a@b Mon Jan  1 00:00:00 2001\nSubject: x\n\nb\n"), 0o000)
	code, _, stderr := runCmd(t, "recover", f, "-o", filepath.Join(t.TempDir(), "out"))
	if code != exitInputFail || !strings.Contains(stderr, f+": permission denied") {
		t.Errorf("exit %d, stderr %q", code, stderr)
	}
}

func TestOutInsideInputRefused(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "a.mbox"), []byte("From a@b Mon Jan  1 00:00:00 2001\nSubject: x\n\nb\n"), 0o644)
	for _, out := range []string{dir, filepath.Join(dir, "out")} {
		code, _, stderr := runCmd(t, "recover", dir, "-o", out)
		if code != exitUsage || !strings.Contains(stderr, "output folder") {
			t.Errorf("OUT %s: exit %d, stderr %q; want refusal", out, code, stderr)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "out")); !os.IsNotExist(err) {
		t.Errorf("output folder was created inside the input")
	}
}

func TestUsageErrors(t *testing.T) {
	for _, args := range [][]string{{"recover", demoDir}, {"recover"}, {"nosuch"}, {"ls"}, {"recover", demoDir, "-o", "x", "--bogus"}} {
		if code, _, stderr := runCmd(t, args...); code != exitUsage || stderr == "" {
			t.Errorf("%v: exit %d stderr %q, want %d with a message", args, code, stderr, exitUsage)
		}
	}
}

func TestLsJSON(t *testing.T) {
	code, stdout, stderr := runCmd(t, "ls", "--json", demoDir)
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	out := filepath.Join(t.TempDir(), "out")
	runCmd(t, "recover", demoDir, "-o", out)
	recs := provenance(t, out)
	lines := strings.Split(strings.TrimSpace(stdout), "\n")
	if len(lines) != len(recs) {
		t.Fatalf("ls lists %d messages, recover logged %d", len(lines), len(recs))
	}
	for i, l := range lines {
		var e lsEntry
		if err := json.Unmarshal([]byte(l), &e); err != nil {
			t.Fatal(err)
		}
		r := recs[i]
		// (a PST's items are listed from their properties: the same
		// header fields without converting the item)
		if e.MessageID != r.MessageID || e.State != r.State || e.Subject != r.Subject || e.Folder != r.Folder ||
			e.From != r.From || e.To != r.To || e.Date != r.Date {
			t.Errorf("line %d: ls %+v vs recover %+v", i, e, r)
		}
	}
	// the table has a header and one row per message
	_, table, _ := runCmd(t, "ls", demoDir)
	if rows := strings.Count(strings.TrimSpace(table), "\n"); rows != len(recs) {
		t.Errorf("table has %d rows, want %d", rows, len(recs))
	}
}

func TestVersion(t *testing.T) {
	code, stdout, _ := runCmd(t, "version")
	if code != 0 || !strings.HasPrefix(stdout, "mailsalvage ") {
		t.Errorf("version: %d %q", code, stdout)
	}
}

func sha256Hex(b []byte) string {
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}
