package export

import (
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"
)

// hostileNames are folder names and subjects a damaged or crafted mailbox
// can carry.
var hostileNames = []string{
	"../../escape", "..", ".", "...", "/abs/path", `C:\Windows\System32`, `\\server\share`,
	"a\x00b", "ctl\x01\x1b[31mred\x7f", "tab\there", "line\nbreak", "cr\rhere",
	strings.Repeat("L", 10000), strings.Repeat("é", 5000), strings.Repeat("../", 2000),
	"CON", "con.txt", "NUL", "Nul.eml", "COM1", "com9.log", "LPT1 ", "PRN.", "AUX . .", "CONIN$", "COM\u00b9",
	"trail.", "trail ", " lead", "\xff\xfe\xfd", "ok\xc3(bad", "\u202egpj.exe", "\ufeffbom", "a\u2028b",
	"", "~", "$HOME", "dir/../../x", "x/./y", "*?<>|\":",
}

// walkNames returns every path below root (slash-separated, relative).
func walkNames(t *testing.T, root string) map[string]bool {
	t.Helper()
	m := map[string]bool{}
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		m[filepath.ToSlash(rel)] = true
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// checkWritten fails unless everything new below parent lies in out and
// every name written is a safe element.
func checkWritten(t *testing.T, parent, out string, before map[string]bool) {
	t.Helper()
	outRel, _ := filepath.Rel(parent, out)
	outRel = filepath.ToSlash(outRel)
	for p := range walkNames(t, parent) {
		if before[p] {
			continue
		}
		if p != outRel && !strings.HasPrefix(p, outRel+"/") {
			t.Errorf("written outside OUT: %q", p)
			continue
		}
		if len(p) > 3000 {
			t.Errorf("path of %d bytes: %.200q", len(p), p)
		}
		for _, e := range strings.Split(p, "/") {
			if len(e) > 255 || !utf8.ValidString(e) || e == ".." {
				t.Errorf("unsafe element %.100q in %.200q", e, p)
			}
			for _, r := range e {
				if r < 0x20 || r == 0x7f {
					t.Errorf("control character in %.200q", p)
				}
			}
		}
	}
	for p := range before {
		if _, err := os.Lstat(filepath.Join(parent, filepath.FromSlash(p))); err != nil {
			t.Errorf("%s vanished: %v", p, err)
		}
	}
}

func TestHostileNamesExport(t *testing.T) {
	parent := t.TempDir()
	if err := os.WriteFile(filepath.Join(parent, "sentinel"), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	ev := filepath.Join(parent, "evidence.mbox")
	if err := os.WriteFile(ev, []byte("evidence"), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(parent, "out")
	before := walkNames(t, parent)
	ex, err := Create(out, Options{Tool: "mailsalvage", Version: "test", Now: fixedNow})
	if err != nil {
		t.Fatal(err)
	}
	ex.BeginInput(ev, "mbox")
	deep := make([]string, 1000)
	for i := range deep {
		deep[i] = hostileNames[i%len(hostileNames)]
	}
	n := 0
	add := func(subject string, folder ...string) {
		n++
		// a distinct Message-ID keeps every message distinct
		content := "Message-ID: <" + strings.Repeat("x", n) + "@h>\nSubject: " + strings.ReplaceAll(strings.ReplaceAll(subject, "\n", " "), "\r", " ") + "\n\nbody\n"
		m := msg(content, folder...)
		m.Evidence = ev
		if err := ex.Add(m); err != nil {
			t.Fatalf("Add: %v", err)
		}
	}
	for _, h := range hostileNames {
		add(h, h)
		add("encoded =?utf-8?q?"+strings.NewReplacer("=", "=3D", "?", "=3F", " ", "_", "\x00", "=00", "/", "=2F").Replace(h)+"?=", "Inbox", h, h)
	}
	add("deep", deep...)
	add("=?utf-8?b?Li4vLi4vLi4vZXRjL3Bhc3N3ZA==?=") // "../../../etc/passwd"
	add("=?utf-8?q?a=00b=2F=2E=2E=2Fc?=")
	if err := ex.EndInput(nil); err != nil {
		t.Fatal(err)
	}
	if err := ex.Close(); err != nil {
		t.Fatal(err)
	}
	checkWritten(t, parent, out, before)
	recs := readLog(t, out)
	if len(recs) != n {
		t.Fatalf("%d messages logged, %d added", len(recs), n)
	}
	files := 0
	for _, r := range recs {
		if r.File == "" || path.IsAbs(r.File) || path.Clean(r.File) != r.File || !strings.HasPrefix(r.File, MessagesDir+"/") {
			t.Errorf("logged file %q", r.File)
			continue
		}
		if _, err := os.Stat(filepath.Join(out, filepath.FromSlash(r.File))); err != nil {
			t.Errorf("logged file missing: %v", err)
		}
		if !r.Duplicate {
			files++
		}
	}
	if files != n {
		t.Errorf("%d files written for %d distinct messages", files, n)
	}
}

// With --force, an OUT that already holds a symbolic link where a folder
// of messages goes (OUT/messages/Inbox -> elsewhere) must not lead the
// export outside OUT (it did, until place created folders one level at a
// time through mkdirInside): the message is counted as failed instead.
func TestForceIntoSymlinkedFolder(t *testing.T) {
	parent := t.TempDir()
	outside := filepath.Join(parent, "outside")
	out := filepath.Join(parent, "out")
	for _, d := range []string{outside, filepath.Join(out, MessagesDir)} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Symlink(outside, filepath.Join(out, MessagesDir, "Inbox")); err != nil {
		t.Fatal(err)
	}
	ev := filepath.Join(parent, "evidence.mbox")
	if err := os.WriteFile(ev, []byte("evidence"), 0o644); err != nil {
		t.Fatal(err)
	}
	ex, err := Create(out, Options{Force: true, Tool: "mailsalvage", Version: "test", Now: fixedNow})
	if err != nil {
		t.Fatal(err)
	}
	ex.BeginInput(ev, "mbox")
	m := msg("Message-ID: <s@x>\nSubject: x\n\nbody\n", "Inbox")
	m.Evidence = ev
	ex.Add(m)
	ex.EndInput(nil)
	ex.Close()
	if entries, _ := os.ReadDir(outside); len(entries) > 0 {
		t.Errorf("written outside OUT through a symlink: %v", entries)
	}
	if in := ex.Inputs(); len(in) != 1 || in[0].Failed != 1 {
		t.Errorf("the refused message is not counted as failed: %+v", in)
	}
}
