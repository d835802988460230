//go:build !linux

package export

import "os"

// tmpFiles is the folder of temporary .eml files inside OUT.
type tmpFiles struct {
	dir string
}

func openTmpFiles(dir string) (*tmpFiles, error) { return &tmpFiles{dir: dir}, nil }

// write creates the temporary file name (which must not exist) holding
// data.
func (t *tmpFiles) write(name string, data []byte) error { return writeNew(t.path(name), data) }

// place moves the finished temporary file name to the path to, never
// replacing a file already there.
func (t *tmpFiles) place(name, to string) error { return linkPlace(t.path(name), to) }

func (t *tmpFiles) remove(name string) { os.Remove(t.path(name)) }

func (t *tmpFiles) close() {}
