package export

import (
	"os"
	"path/filepath"
	"testing"
)

// With --force, an OUT whose temporary folder is a symbolic link to
// somewhere else gets a folder of its own: nothing is written through
// the link.
func TestForceIntoSymlinkedTmp(t *testing.T) {
	dir := t.TempDir()
	out, elsewhere := filepath.Join(dir, "out"), filepath.Join(dir, "elsewhere")
	for _, d := range []string{out, elsewhere} {
		if err := os.Mkdir(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Symlink(elsewhere, filepath.Join(out, tmpDir)); err != nil {
		t.Fatal(err)
	}
	ex, err := Create(out, Options{Force: true})
	if err != nil {
		t.Fatal(err)
	}
	if err := ex.Add(msg(m1)); err != nil {
		t.Fatal(err)
	}
	if err := ex.Close(); err != nil {
		t.Fatal(err)
	}
	if entries, _ := os.ReadDir(elsewhere); len(entries) > 0 {
		t.Errorf("written through the link: %v", entries)
	}
	if recs := readLog(t, out); len(recs) != 1 {
		t.Errorf("%d provenance lines, want 1", len(recs))
	}
}
