// Package corpus locates the shared corpus of real mail files made by other
// software (../shared/corpus from the project root, or $MAILSALVAGE_CORPUS)
// for tests. Tests that use it skip cleanly when it is absent.
package corpus

import (
	"os"
	"path/filepath"
	"testing"
)

// Root returns the corpus folder, or "" when there is none.
func Root() string {
	if d := os.Getenv("MAILSALVAGE_CORPUS"); d != "" {
		if st, err := os.Stat(d); err == nil && st.IsDir() {
			return d
		}
		return ""
	}
	dir, err := os.Getwd()
	if err != nil {
		return ""
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			c := filepath.Join(dir, "..", "shared", "corpus")
			if st, err := os.Stat(c); err == nil && st.IsDir() {
				return c
			}
			return ""
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return ""
		}
		dir = parent
	}
}

// Dir returns the corpus sub-folder sub, skipping the test when the corpus
// or the sub-folder is absent.
func Dir(tb testing.TB, sub string) string {
	tb.Helper()
	r := Root()
	if r == "" {
		tb.Skip("corpus not found (../shared/corpus or $MAILSALVAGE_CORPUS)")
	}
	d := filepath.Join(r, sub)
	if _, err := os.Stat(d); err != nil {
		tb.Skipf("corpus folder %s not found", sub)
	}
	return d
}

// Files returns the regular files below the corpus sub-folder sub, sorted,
// skipping the test when it is absent.
func Files(tb testing.TB, sub string) []string {
	tb.Helper()
	d := Dir(tb, sub)
	var out []string
	filepath.WalkDir(d, func(p string, e os.DirEntry, err error) error {
		if err == nil && e.Type().IsRegular() {
			out = append(out, p)
		}
		return nil
	})
	return out
}
