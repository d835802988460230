// Package corpus locates the shared corpus of real mail files made by other
// software (../shared/corpus from the project root, or $MAILSALVAGE_CORPUS)
// for tests. Tests that use it skip cleanly when it is absent.
package corpus

import (
	"bytes"
	"os"
	"path/filepath"
	"sort"
	"testing"

	"github.com/mailsalvage/mailsalvage/formats/rfc5322"
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

// Message is a real message from the corpus.
type Message struct {
	Path  string // file it came from
	ID    string // its Message-ID, brackets kept
	Bytes []byte // LF line endings
}

// Messages returns up to limit real messages from the corpus's eml folder
// that a test can plant into mailboxes: a complete header with one
// Message-ID field (each ID once), no NUL byte, at most 200 KiB, not starting
// with an mbox "From " line. It skips the test when there are fewer than
// min.
func Messages(tb testing.TB, limit, min int) []Message {
	tb.Helper()
	files := Files(tb, "eml")
	sort.Strings(files)
	var out []Message
	seen := map[string]bool{}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil || len(b) == 0 || len(b) > 200<<10 || bytes.IndexByte(b, 0) >= 0 {
			continue
		}
		b = bytes.ReplaceAll(b, []byte("\r\n"), []byte("\n"))
		if bytes.HasPrefix(b, []byte("From ")) || b[0] == '\n' {
			continue
		}
		blk := rfc5322.Examine(b, 0)
		if !blk.Complete || !blk.HasMsgID {
			continue
		}
		s, h, _ := rfc5322.ReadSummary(bytes.NewReader(b))
		if len(h.Values("Message-ID")) != 1 || seen[s.MessageID] || !bytes.Contains(b, []byte("\nMessage-ID: "+s.MessageID+"\n")) {
			continue
		}
		seen[s.MessageID] = true
		out = append(out, Message{Path: f, ID: s.MessageID, Bytes: b})
		if len(out) == limit {
			break
		}
	}
	if len(out) < min {
		tb.Skipf("only %d plantable corpus messages", len(out))
	}
	return out
}
