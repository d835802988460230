package maildir

import (
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mailsalvage/mailsalvage/formats"
)

// corpusDir returns the shared corpus of real Maildirs, or skips the test
// when it is absent (see ../shared/corpus/README.md from the project root).
func corpusDir(t *testing.T) string {
	t.Helper()
	dir := filepath.Join("..", "..", "..", "shared", "corpus", "maildir")
	if info, err := os.Stat(dir); err != nil || !info.IsDir() {
		t.Skipf("corpus not found at %s", dir)
	}
	return dir
}

// countFiles counts, independently of the reader, the message files of a
// real Maildir tree: regular files in cur/, new/ and tmp/ directories whose
// names do not start with a dot, keyed by the directory holding cur/new/tmp
// (slash path below root, "." for the root).
func countFiles(t *testing.T, root string) map[string]int {
	t.Helper()
	counts := map[string]int{}
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.Type().IsRegular() || strings.HasPrefix(d.Name(), ".") {
			return nil
		}
		rel, err := filepath.Rel(root, p)
		if err != nil {
			return err
		}
		rel = filepath.ToSlash(rel)
		switch path.Base(path.Dir(rel)) {
		case "cur", "new", "tmp":
			counts[path.Dir(path.Dir(rel))]++
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return counts
}

func TestCorpus(t *testing.T) {
	base := corpusDir(t)
	tests := []struct {
		dir     string
		folders map[string]int // folder path joined by "/" -> messages
		states  map[formats.State]int
		stray   int // messages beside cur/new/tmp
	}{
		{
			// Maildir++ with ".My Folder.Nested Folder"; the files are two-byte
			// stand-ins whose names promise S=... sizes: truncated.
			dir:     "stalwart_mail-parser_maildirpp",
			folders: map[string]int{"": 2, "My Folder": 2, "My Folder/Nested Folder": 2},
			states:  map[formats.State]int{formats.Partial: 4, formats.Deleted: 2}, // T-flagged stand-ins are deleted though truncated
		},
		{
			// cur/new/tmp, "!" as the info separator, a tmp/ file
			dir:     "mu_testdata/testdir",
			folders: map[string]int{"": 20},
			states:  map[formats.State]int{formats.Intact: 19, formats.Partial: 1},
		},
		{
			// nested maildirs in plain folders, no maildir at the root
			dir:     "mu_testdata/testdir2",
			folders: map[string]int{"Foo": 3, "bar": 8, "wom_bat": 3},
			states:  map[formats.State]int{formats.Intact: 14},
		},
		{
			dir:     "mu_testdata/cjk",
			folders: map[string]int{"": 4},
			states:  map[formats.State]int{formats.Intact: 4},
		},
		{
			// every :2,<flags> combination; 7 names carry T
			dir:     "MailBox_maildir.src",
			folders: map[string]int{"": 45},
			states:  map[formats.State]int{formats.Intact: 38, formats.Deleted: 7},
		},
		{
			// nested plain folders with cur/new, and messages beside them
			dir: "notmuch_corpora/default",
			folders: map[string]int{"": 2 + 26, "bar": 2 + 4, "bar/baz": 3 + 4,
				"foo": 1 + 5, "foo/baz": 2 + 4},
			states: map[formats.State]int{formats.Intact: 53},
			stray:  10,
		},
		{
			dir:     "notmuch_corpora/lkml",
			folders: map[string]int{"": 210},
			states:  map[formats.State]int{formats.Intact: 210},
		},
	}
	for _, tt := range tests {
		t.Run(tt.dir, func(t *testing.T) {
			root := filepath.Join(base, filepath.FromSlash(tt.dir))
			if _, err := os.Stat(root); err != nil {
				t.Skipf("%s: %v", tt.dir, err)
			}
			r, err := New(formats.EvidenceFS(root))
			if err != nil {
				t.Fatal(err)
			}
			defer r.Close()
			rs := drain(t, r)
			if ps := problems(rs); len(ps) != 0 {
				t.Errorf("problems: %v", ps)
			}
			ms := messages(rs)

			folders := map[string]int{}
			states := map[formats.State]int{}
			perDir := map[string]int{}
			stray := 0
			for _, m := range ms {
				folders[strings.Join(m.Folder, "/")]++
				states[m.State]++
				if sub := m.Attrs["maildir_subdir"]; sub == "" {
					stray++
				} else {
					if path.Base(path.Dir(m.Evidence)) != sub {
						t.Errorf("%s: maildir_subdir %q", m.Evidence, sub)
					}
					perDir[path.Dir(path.Dir(m.Evidence))]++
				}
				checkOpen(t, root, m)
			}
			if !equalCounts(folders, tt.folders) {
				t.Errorf("messages per folder %v, want %v", folders, tt.folders)
			}
			if !equalCounts(states, tt.states) {
				t.Errorf("states %v, want %v", states, tt.states)
			}
			if stray != tt.stray {
				t.Errorf("%d messages beside cur/new/tmp, want %d", stray, tt.stray)
			}
			if want := countFiles(t, root); !equalCounts(perDir, want) {
				t.Errorf("messages per directory %v, counted %v", perDir, want)
			}
		})
	}
}

// checkOpen reads a message through Open and compares it with the file.
func checkOpen(t *testing.T, root string, m *formats.Message) {
	t.Helper()
	rc, err := m.Open()
	if err != nil {
		t.Errorf("%s: Open: %v", m.Evidence, err)
		return
	}
	got, err := io.ReadAll(rc)
	rc.Close()
	if err != nil {
		t.Errorf("%s: read: %v", m.Evidence, err)
		return
	}
	want, err := os.ReadFile(filepath.Join(root, filepath.FromSlash(m.Evidence)))
	if err != nil {
		t.Errorf("%s: %v", m.Evidence, err)
		return
	}
	if string(got) != string(want) || int64(len(got)) != m.Size {
		t.Errorf("%s: Open gave %d bytes, file has %d, Size %d", m.Evidence, len(got), len(want), m.Size)
	}
	if len(m.Chain) != 1 || *m.Chain[0].Length != m.Size || m.Chain[0].Locator != m.Evidence {
		t.Errorf("%s: chain %v", m.Evidence, m.Chain)
	}
}

func equalCounts[K comparable](a, b map[K]int) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

// TestCorpusDetect goes through the registry as the command does: detection
// by content, then reading, or walking for a folder of maildirs.
func TestCorpusDetect(t *testing.T) {
	base := corpusDir(t)
	tests := []struct {
		dir    string
		format string
		n      int
	}{
		{"stalwart_mail-parser_maildirpp", "maildir", 6},
		{"MailBox_maildir.src", "maildir", 45},
		{"mu_testdata/testdir", "maildir", 20},
		{"mu_testdata/cjk", "maildir", 4},          // cur/ only
		{"mu_testdata/testdir2", "folder", 14},     // maildirs one level down, found by the walker
		{"notmuch_corpora/default", "maildir", 53}, // stray messages included
	}
	for _, tt := range tests {
		t.Run(tt.dir, func(t *testing.T) {
			root := filepath.Join(base, filepath.FromSlash(tt.dir))
			if _, err := os.Stat(root); err != nil {
				t.Skipf("%s: %v", tt.dir, err)
			}
			src, name, err := formats.Open(root)
			if err != nil {
				t.Fatal(err)
			}
			defer src.Close()
			if name != tt.format {
				t.Errorf("detected as %q, want %q", name, tt.format)
			}
			rs := drain(t, src)
			ms := messages(rs)
			if len(ms) != tt.n {
				t.Errorf("%d messages, want %d (problems %v)", len(ms), tt.n, problems(rs))
			}
			for _, m := range ms {
				if m.Method != Method {
					t.Errorf("%s: method %q", m.Evidence, m.Method)
				}
				if _, err := os.Stat(m.Evidence); err != nil {
					t.Errorf("Evidence %q: %v", m.Evidence, err)
				}
			}
		})
	}
}
