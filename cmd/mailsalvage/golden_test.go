package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/mailsalvage/mailsalvage/export"
)

var mtimeAttr = regexp.MustCompile(`"maildir_mtime":"[^"]*"`)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// The exporter's outputs for the demo data, byte for byte: a change to
// provenance.jsonl or summary.json (run record aside) shows up in review.
// Refresh with: go test ./cmd/mailsalvage -run Golden -update
func TestGolden(t *testing.T) {
	out := filepath.Join(t.TempDir(), "out")
	if code, _, stderr := runCmd(t, "recover", demoDir, "-o", out, "-q"); code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	prov, err := os.ReadFile(filepath.Join(out, export.ProvenanceFile))
	if err != nil {
		t.Fatal(err)
	}
	// a Maildir file's mtime is the checkout's, not the demo's
	prov = mtimeAttr.ReplaceAll(prov, []byte(`"maildir_mtime":"(checkout time)"`))
	var s export.Summary
	b, _ := os.ReadFile(filepath.Join(out, export.SummaryFile))
	if err := json.Unmarshal(b, &s); err != nil {
		t.Fatal(err)
	}
	s.Started, s.Finished, s.Out, s.Version, s.Args = "", "", "", "", nil // the run record
	sum, _ := json.MarshalIndent(s, "", "  ")
	for name, got := range map[string][]byte{"demo-provenance.jsonl": prov, "demo-summary.json": append(sum, '\n')} {
		golden := filepath.Join("testdata", name)
		if *update {
			os.MkdirAll("testdata", 0o755)
			if err := os.WriteFile(golden, got, 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		want, err := os.ReadFile(golden)
		if err != nil {
			t.Fatalf("%v (run with -update to create it)", err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s differs from %s (run with -update if the change is meant)", name, golden)
		}
	}
}
