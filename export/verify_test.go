package export

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestVerifyClean(t *testing.T) {
	r := newImageRun(t)
	res, err := Verify(r.out)
	if err != nil {
		t.Fatal(err)
	}
	// 7 lines, 6 files: the loose message was found twice
	if !res.Clean() || res.Lines != 7 || res.Files != 6 || res.OK != 6 {
		t.Errorf("clean run: %+v", res)
	}
}

func TestVerifyMismatches(t *testing.T) {
	r := newImageRun(t)
	recs := readLog(t, r.out)
	changed, missing := recs[1].File, recs[2].File
	os.WriteFile(filepath.Join(r.out, filepath.FromSlash(changed)), []byte("tampered\n"), 0o644)
	os.Remove(filepath.Join(r.out, filepath.FromSlash(missing)))
	extra := filepath.Join(r.out, MessagesDir, "planted.eml")
	os.WriteFile(extra, []byte("x"), 0o644)
	os.MkdirAll(filepath.Join(r.out, MessagesDir, "sub"), 0o755)
	os.WriteFile(filepath.Join(r.out, MessagesDir, "sub", "other.eml"), []byte("y"), 0o644)
	res, err := Verify(r.out)
	if err != nil {
		t.Fatal(err)
	}
	if res.Clean() {
		t.Fatal("tampered folder verified clean")
	}
	if len(res.Changed) != 1 || res.Changed[0].File != changed || res.Changed[0].GotSize != 9 ||
		!strings.Contains(res.Changed[0].Reason, "SHA-256 differs") || res.Changed[0].GotSHA == res.Changed[0].WantSHA {
		t.Errorf("changed %+v", res.Changed)
	}
	if len(res.Missing) != 1 || res.Missing[0] != missing {
		t.Errorf("missing %v", res.Missing)
	}
	if strings.Join(res.Extra, ",") != "messages/planted.eml,messages/sub/other.eml" {
		t.Errorf("extra %v", res.Extra)
	}
	if res.OK != 4 {
		t.Errorf("ok %d", res.OK)
	}
}

// Same size, one byte changed: still caught (by the hashes).
func TestVerifySameSize(t *testing.T) {
	r := newImageRun(t)
	f := filepath.Join(r.out, filepath.FromSlash(readLog(t, r.out)[0].File))
	b, _ := os.ReadFile(f)
	b[len(b)-2] ^= 1
	os.WriteFile(f, b, 0o644)
	res, _ := Verify(r.out)
	if len(res.Changed) != 1 || res.Changed[0].GotSize != res.Changed[0].WantSize {
		t.Errorf("changed %+v", res.Changed)
	}
}

func TestVerifyLogProblems(t *testing.T) {
	r := newImageRun(t)
	name := filepath.Join(r.out, ProvenanceFile)
	b, _ := os.ReadFile(name)
	lines := strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")
	// a line naming a file outside messages/, one disagreeing with
	// another about a file's hash, and one that is not JSON
	escape := strings.Replace(lines[0], `"file":"messages/`, `"file":"messages/../../`, 1)
	sha := readLog(t, r.out)[0].SHA256
	disagree := strings.Replace(lines[0], sha, strings.Repeat("0", 64), 1)
	notHex := strings.Replace(lines[0], sha, "00"+sha, 1)
	lines = append(lines, escape, disagree, notHex, "{")
	os.WriteFile(name, []byte(strings.Join(lines, "\n")+"\n"), 0o644)
	res, err := Verify(r.out)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Inconsistent) != 3 || len(res.BadLines) != 1 || res.Clean() ||
		!strings.Contains(res.Inconsistent[1], "lines 1 and 9") || !strings.Contains(res.Inconsistent[2], "line 10: ") {
		t.Errorf("inconsistent %q, bad %q", res.Inconsistent, res.BadLines)
	}
}

func TestVerifySymlink(t *testing.T) {
	r := newImageRun(t)
	f := filepath.Join(r.out, filepath.FromSlash(readLog(t, r.out)[0].File))
	b, _ := os.ReadFile(f)
	other := filepath.Join(t.TempDir(), "same.eml")
	os.WriteFile(other, b, 0o644)
	os.Remove(f)
	if err := os.Symlink(other, f); err != nil {
		t.Skip(err)
	}
	res, _ := Verify(r.out)
	if len(res.Changed) != 1 || !strings.Contains(res.Changed[0].Reason, "not a regular file") {
		t.Errorf("a symbolic link with the right bytes passed: %+v", res.Changed)
	}
}

func TestVerifyNoLog(t *testing.T) {
	if _, err := Verify(t.TempDir()); err == nil {
		t.Error("no error without provenance.jsonl")
	}
}
