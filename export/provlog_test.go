package export

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

// The hashes of small evidence files are not kept for the whole run: a
// folder of a million .eml files would keep a million. One met again is
// hashed again, to the same sum.
func TestProvLogForgetsSmallEvidence(t *testing.T) {
	dir := t.TempDir()
	p, err := newProvLog(filepath.Join(dir, ProvenanceFile))
	if err != nil {
		t.Fatal(err)
	}
	defer p.close()
	for i := 0; i < maxHashes+100; i++ {
		ev := filepath.Join(dir, fmt.Sprintf("m%d.eml", i%(maxHashes+50)))
		if i < maxHashes+50 {
			if err := os.WriteFile(ev, []byte(fmt.Sprint("message ", i)), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		h := p.hashOf(ev)
		if want := sha256hex(fmt.Sprint("message ", i%(maxHashes+50))); h.wait() != want {
			t.Fatalf("%s: hash %s, want %s", ev, h.wait(), want)
		}
		if len(p.hashes) > maxHashes {
			t.Fatalf("%d hashes kept", len(p.hashes))
		}
	}
}
