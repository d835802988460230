package msg

import (
	"encoding/csv"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/mailsalvage/mailsalvage/internal/corpus"
)

// manifestEntry is what the corpus MANIFEST.tsv says of one .msg file:
// "unicode|ansi; class=...; att=N; emb=N; body=plain+rtf+html;
// cp=X/inet=Y; subj="..."", after an optional description and " | ".
type manifestEntry struct {
	File     string // path under the corpus
	Desc     string // the description before " | "
	Store    string // "unicode" or "ansi"; "" when the notes have none
	Class    string
	Att, Emb int
	Body     []string
	CP, Inet int // -1 when absent
	Subject  string
	HasSubj  bool
	NotCFB   bool // the manifest's tool could not read it as a compound file
}

// readManifest parses the .msg rows of the corpus manifest.
func readManifest(t *testing.T) map[string]*manifestEntry {
	t.Helper()
	root := corpus.Root()
	if root == "" {
		t.Skip("corpus not found")
	}
	fh, err := os.Open(filepath.Join(root, "MANIFEST.tsv"))
	if err != nil {
		t.Skipf("manifest: %v", err)
	}
	defer fh.Close()
	cr := csv.NewReader(fh)
	cr.Comma = '\t'
	cr.FieldsPerRecord = -1
	cr.LazyQuotes = true
	rows, err := cr.ReadAll()
	if err != nil {
		t.Fatalf("manifest: %v", err)
	}
	out := map[string]*manifestEntry{}
	for _, row := range rows {
		if len(row) < 5 || !strings.HasPrefix(row[0], "msg/") {
			continue
		}
		out[filepath.Base(row[0])] = parseNotes(row[0], row[4])
	}
	return out
}

func parseNotes(file, notes string) *manifestEntry {
	e := &manifestEntry{File: file, CP: -1, Inet: -1, Att: -1, Emb: -1}
	if i := strings.Index(notes, " | "); i >= 0 {
		e.Desc, notes = notes[:i], notes[i+3:]
	}
	if strings.HasPrefix(notes, "NOT-CFB") {
		e.NotCFB = true
		return e
	}
	if i := strings.Index(notes, "subj="); i >= 0 {
		q := notes[i+len("subj="):]
		if s, err := strconv.Unquote(q); err == nil {
			e.Subject, e.HasSubj = s, true
		}
		notes = notes[:i]
	}
	for _, f := range strings.Split(notes, ";") {
		f = strings.TrimSpace(f)
		k, v, _ := strings.Cut(f, "=")
		switch k {
		case "unicode", "ansi":
			e.Store = k
		case "class":
			e.Class = v
		case "att":
			e.Att, _ = strconv.Atoi(v)
		case "emb":
			e.Emb, _ = strconv.Atoi(v)
		case "body":
			if v != "" {
				e.Body = strings.Split(v, "+")
			}
		case "cp":
			c, inet, _ := strings.Cut(v, "/inet=")
			e.CP, _ = strconv.Atoi(c)
			e.Inet, _ = strconv.Atoi(inet)
		}
	}
	return e
}
