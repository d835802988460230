package formats

import (
	"io"
	"os"
	"path/filepath"
	"testing"
)

// TestNewTemp: a Temp is made in TempDir, gone from it at once where the
// system allows, readable and writable until Close; a TempDir that does
// not exist is an error.
func TestNewTemp(t *testing.T) {
	dir := t.TempDir()
	defer func(d string) { TempDir = d }(TempDir)
	TempDir = dir
	tmp, err := NewTemp("x-*")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tmp.WriteAt([]byte("hello"), 0); err != nil {
		t.Fatal(err)
	}
	b := make([]byte, 5)
	if _, err := tmp.ReadAt(b, 0); err != nil && err != io.EOF || string(b) != "hello" {
		t.Errorf("read back %q (%v)", b, err)
	}
	tmp.Close()
	if left, _ := os.ReadDir(dir); len(left) != 0 {
		t.Errorf("left in TempDir after Close: %v", left)
	}
	TempDir = filepath.Join(dir, "missing")
	if _, err := NewTemp("x-*"); err == nil {
		t.Error("no error for a TempDir that does not exist")
	}
}
