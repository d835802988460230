package export

import (
	"os"
	"path/filepath"
)

// linkPlace puts a file at a new name without replacing what is there:
// link (which fails if the name exists), then remove the old name.
func linkPlace(from, to string) error {
	if err := os.Link(from, to); err != nil {
		return err
	}
	return os.Remove(from)
}

// path is the path of a temporary file.
func (t *tmpFiles) path(name string) string { return filepath.Join(t.dir, name) }
