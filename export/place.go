package export

import "os"

// linkPlace puts a file at a new name without replacing what is there:
// link (which fails if the name exists), then remove the old name.
func linkPlace(from, to string) error {
	if err := os.Link(from, to); err != nil {
		return err
	}
	return os.Remove(from)
}
