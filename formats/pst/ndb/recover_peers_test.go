package ndb

import (
	"bytes"
	"context"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/mailsalvage/mailsalvage/internal/peers"
)

// TestRecoverPffexport: every item libpff's pffexport -m recovered writes
// for a corpus file (recovered, or orphaned) is found by DeletedNodes (or,
// an orphan, is in the NBT).
func TestRecoverPffexport(t *testing.T) {
	if !peers.Available("pffexport") {
		t.Skip("pffexport not installed")
	}
	if testing.Short() {
		t.Skip("runs pffexport on the whole corpus")
	}
	total, found, mine := 0, 0, 0
	for path, data := range corpusSound(t) {
		t.Run(filepath.Base(path), func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
			defer cancel()
			rec, err := peers.PffRecovered(ctx, path, t.TempDir())
			if err != nil {
				var te *peers.ToolError
				if !errors.As(err, &te) || rec == nil {
					t.Fatalf("pffexport: %v", err)
				}
				t.Logf("pffexport: %v (what it wrote is compared)", err)
			}
			f, err := OpenRecovered(bytes.NewReader(data), int64(len(data)))
			if err != nil {
				t.Fatal(err)
			}
			dead := map[NID][]DeletedNode{}
			for _, d := range f.DeletedNodes() {
				dead[d.NID] = append(dead[d.NID], d)
			}
			mine += len(dead)
			for _, it := range rec.Items {
				total++
				nid := NID(it.NID)
				if it.Orphan {
					if _, err := f.Node(nid); err != nil {
						t.Errorf("pffexport orphan %s %v (%s): not in the NBT: %v", it.Kind, nid, it.Dir, err)
					} else {
						found++
					}
					continue
				}
				if len(dead[nid]) == 0 {
					t.Errorf("pffexport recovered %s %v (%s); DeletedNodes has no entry for it (Origin %q)", it.Kind, nid, it.Dir, f.Origin(nid))
					continue
				}
				found++
			}
			t.Logf("pffexport wrote %d recovered/orphan items; DeletedNodes: %d entries, %d NIDs", len(rec.Items), len(f.DeletedNodes()), len(dead))
		})
	}
	t.Logf("pffexport -m recovered: %d items, %d found by DeletedNodes or the NBT; DeletedNodes: %d NIDs in all", total, found, mine)
}
