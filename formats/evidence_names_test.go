package formats

import (
	"io/fs"
	"os"
	"path/filepath"
	"testing"
)

// Folder and file names that are not UTF-8 (Latin-1 and Shift-JIS names
// on old disks) are read like any other: fs.ValidPath would refuse them.
func TestEvidenceFSNonUTF8Names(t *testing.T) {
	root := t.TempDir()
	dir := "caf\xe9"           // Latin-1 "café"
	name := "\x93\xfa\x96\x7b" // Shift-JIS
	if err := os.MkdirAll(filepath.Join(root, dir), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(root, dir, name), []byte("data"), 0o644); err != nil {
		t.Fatal(err)
	}
	fsys := EvidenceFS(root)
	sub, err := SubFS(fsys, dir)
	if err != nil {
		t.Fatal(err)
	}
	entries, err := fs.ReadDir(sub, ".")
	if err != nil || len(entries) != 1 || entries[0].Name() != name {
		t.Fatalf("ReadDir: %v %v", entries, err)
	}
	b, err := fs.ReadFile(sub, name)
	if err != nil || string(b) != "data" {
		t.Fatalf("ReadFile: %q %v", b, err)
	}
	if _, err := fsys.Open(dir + "/" + name); err != nil {
		t.Fatal(err)
	}
	for _, bad := range []string{"", "..", "a/../b", "/abs", "a//b", "a/", "./a"} {
		if _, err := fsys.Open(bad); err == nil {
			t.Errorf("Open(%q) succeeded", bad)
		}
		if _, err := SubFS(fsys, bad); err == nil && bad != "" {
			t.Errorf("Sub(%q) succeeded", bad)
		}
	}
}
