package main

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"testing"
	"time"
)

// Evidence integrity: every command that reads evidence leaves every
// input's bytes, size, mode, modification time and change time (so: no
// write, no chmod, no touch) unchanged, and creates or removes nothing in
// the input folders; recover refuses an OUT that is an input, lies inside
// one or contains one. Access times are not compared: reading may update
// them (the readers ask for O_NOATIME where the system allows).

// fileState is what must not change about one path.
type fileState struct {
	mode  fs.FileMode
	size  int64
	mtime int64 // ns
	ctime int64 // ns
	sum   string
}

func (s fileState) String() string {
	return fmt.Sprintf("mode %v size %d mtime %d ctime %d sha256 %.12s", s.mode, s.size, s.mtime, s.ctime, s.sum)
}

// hashTree records the state of every path below root (root included).
func hashTree(t *testing.T, root string) map[string]fileState {
	t.Helper()
	m := map[string]fileState{}
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		fi, err := os.Lstat(p)
		if err != nil {
			return err
		}
		st := fileState{mode: fi.Mode(), size: fi.Size(), mtime: fi.ModTime().UnixNano()}
		if s, ok := fi.Sys().(*syscall.Stat_t); ok {
			st.ctime = s.Ctim.Nano()
		}
		if fi.Mode().IsRegular() {
			f, err := os.Open(p)
			if err != nil {
				return err
			}
			h := sha256.New()
			_, err = io.Copy(h, f)
			f.Close()
			if err != nil {
				return err
			}
			st.sum = hex.EncodeToString(h.Sum(nil))
		} else if fi.IsDir() {
			st.size = 0 // a directory's size says nothing stable
		}
		rel, _ := filepath.Rel(root, p)
		m[rel] = st
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// treeDiff lists what differs between two hashTree results.
func treeDiff(a, b map[string]fileState) []string {
	var d []string
	for p, s := range a {
		if s2, ok := b[p]; !ok {
			d = append(d, p+": removed")
		} else if s != s2 {
			d = append(d, fmt.Sprintf("%s: %v, was %v", p, s2, s))
		}
	}
	for p := range b {
		if _, ok := a[p]; !ok {
			d = append(d, p+": created")
		}
	}
	sort.Strings(d)
	return d
}

func sameTree(a, b map[string]fileState) bool { return len(treeDiff(a, b)) == 0 }

// integrityCommands are the commands that read evidence: name, and the
// arguments for one input and an output folder. Those that read an OUT
// (verify, report) run after a recover of the input into it: verify
// hashes the evidence again. A command not registered (yet) is skipped.
var integrityCommands = []struct {
	name         string
	afterRecover bool
	args         func(in, out string) []string
}{
	{"recover", false, func(in, out string) []string { return []string{"recover", in, "-o", out, "-q"} }},
	{"recover --tnef keep", false, func(in, out string) []string { return []string{"recover", in, "-o", out, "-q", "--tnef", "keep"} }},
	{"ls", false, func(in, out string) []string { return []string{"ls", in} }},
	{"ls --json", false, func(in, out string) []string { return []string{"ls", in, "--json"} }},
	{"carve", false, func(in, out string) []string { return []string{"carve", in, "-o", out, "-q"} }},
	{"explain", false, func(in, out string) []string { return []string{"explain", in} }},
	{"verify", true, func(in, out string) []string { return []string{"verify", out} }},
	{"report", true, func(in, out string) []string { return []string{"report", out} }},
}

func registered(name string) bool {
	c, _, err := newRoot(io.Discard, io.Discard).Find([]string{name})
	return err == nil && c != nil && c.Name() == name
}

// demoCopy copies the demo inputs into a fresh folder, with modification
// times set in the past, so that a write or a touch shows.
func demoCopy(t *testing.T) string {
	t.Helper()
	dst := filepath.Join(t.TempDir(), "evidence")
	old := time.Date(2020, 2, 3, 4, 5, 6, 7000, time.UTC)
	var dirs []string
	err := filepath.WalkDir(demoDir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(demoDir, p)
		to := filepath.Join(dst, rel)
		if d.IsDir() {
			dirs = append(dirs, to)
			return os.MkdirAll(to, 0o755)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		if err := os.WriteFile(to, b, 0o644); err != nil {
			return err
		}
		return os.Chtimes(to, old, old)
	})
	if err != nil {
		t.Fatal(err)
	}
	for i := len(dirs) - 1; i >= 0; i-- {
		os.Chtimes(dirs[i], old, old)
	}
	return dst
}

func TestEvidenceIntegrity(t *testing.T) {
	ev := demoCopy(t)
	entries, err := os.ReadDir(ev)
	if err != nil {
		t.Fatal(err)
	}
	// every demo input kind on its own (a folder of each), every file of
	// the demo on its own, and the whole demo at once
	inputs := []string{ev}
	for _, e := range entries {
		inputs = append(inputs, filepath.Join(ev, e.Name()))
	}
	filepath.WalkDir(ev, func(p string, d fs.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() {
			inputs = append(inputs, p)
		}
		return nil
	})
	ran := 0
	for _, c := range integrityCommands {
		if !registered(strings.Fields(c.name)[0]) {
			t.Logf("%s: not a command (yet); skipped", c.name)
			continue
		}
		for i, in := range inputs {
			out := filepath.Join(t.TempDir(), fmt.Sprintf("out-%d", i))
			if c.afterRecover {
				if code, _, stderr := runCmd(t, "recover", in, "-o", out, "-q"); code != exitOK && code != exitInputFail {
					t.Fatalf("recover %s: exit %d: %s", in, code, stderr)
				}
			}
			before := hashTree(t, ev)
			code, _, stderr := runCmd(t, c.args(in, out)...)
			ran++
			if code != exitOK && code != exitInputFail {
				rel, _ := filepath.Rel(ev, in)
				t.Errorf("%s %s: exit %d: %.500s", c.name, rel, code, stderr)
			}
			if d := treeDiff(before, hashTree(t, ev)); len(d) > 0 {
				rel, _ := filepath.Rel(ev, in)
				t.Errorf("%s %s changed the evidence:\n%s", c.name, rel, strings.Join(d, "\n"))
			}
		}
	}
	if ran == 0 {
		t.Fatal("no command ran")
	}
}

// TestRecoverRefusesOutInEvidence: OUT equal to an input folder, inside
// one, reached through a symlink, or holding an input is refused with
// exit 2 and nothing is written.
func TestRecoverRefusesOutInEvidence(t *testing.T) {
	ev := demoCopy(t)
	mbox := filepath.Join(ev, "Desktop")
	link := filepath.Join(t.TempDir(), "link")
	if err := os.Symlink(ev, link); err != nil {
		t.Fatal(err)
	}
	outer := filepath.Dir(ev) // holds the evidence folder
	cases := []struct {
		name string
		args []string
	}{
		{"OUT is the input", []string{"recover", ev, "-o", ev, "--force"}},
		{"OUT inside the input", []string{"recover", ev, "-o", filepath.Join(ev, "out")}},
		{"OUT deep inside the input", []string{"recover", ev, "-o", filepath.Join(ev, "Maildir", "new", "x", "y")}},
		{"OUT inside the input through a symlink", []string{"recover", ev, "-o", filepath.Join(link, "out")}},
		{"OUT inside one of several inputs", []string{"recover", mbox, ev, "-o", filepath.Join(ev, "AppleMail", "out")}},
		{"OUT with a relative path inside the input", []string{"recover", ev, "-o", filepath.Join(ev, "Desktop", "..", "Downloads", "o")}},
		{"input inside OUT", []string{"recover", ev, "-o", outer, "--force"}},
	}
	for _, c := range cases {
		before := hashTree(t, outer)
		code, _, stderr := runCmd(t, c.args...)
		if code != exitUsage {
			t.Errorf("%s: exit %d, want %d; stderr:\n%.300s", c.name, code, exitUsage, stderr)
		}
		if !strings.Contains(stderr, "output folder") {
			t.Errorf("%s: the error does not name the output folder: %q", c.name, stderr)
		}
		if d := treeDiff(before, hashTree(t, outer)); len(d) > 0 {
			t.Errorf("%s: files changed:\n%s", c.name, strings.Join(d, "\n"))
		}
	}
	// a sibling of the input is fine
	if code, _, stderr := runCmd(t, "recover", mbox, "-o", filepath.Join(outer, "out"), "-q"); code != exitOK {
		t.Errorf("OUT beside the input: exit %d: %s", code, stderr)
	}
}

// The integrity check itself sees what it must: a touched modification
// time, a chmod, bytes rewritten identically (the change time moves), a
// new file and a removed one.
func TestTreeDiffSeesChanges(t *testing.T) {
	ev := demoCopy(t)
	var file string
	filepath.WalkDir(ev, func(p string, d fs.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() && file == "" {
			file = p
		}
		return nil
	})
	b, _ := os.ReadFile(file)
	for _, c := range []struct {
		name   string
		change func() error
	}{
		{"mtime", func() error { return os.Chtimes(file, time.Now(), time.Now()) }},
		{"chmod", func() error { return os.Chmod(file, 0o600) }},
		{"rewrite", func() error { return os.WriteFile(file, b, 0o600) }},
		{"create", func() error { return os.WriteFile(filepath.Join(ev, "new"), nil, 0o644) }},
		{"remove", func() error { return os.Remove(filepath.Join(ev, "new")) }},
	} {
		name, change := c.name, c.change
		before := hashTree(t, ev)
		if err := change(); err != nil {
			t.Fatal(err)
		}
		if sameTree(before, hashTree(t, ev)) {
			t.Errorf("%s: not seen", name)
		}
	}
}
