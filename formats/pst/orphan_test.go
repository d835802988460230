package pst

import (
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/mailsalvage/mailsalvage/formats"
	"github.com/mailsalvage/mailsalvage/formats/mapi"
	"github.com/mailsalvage/mailsalvage/internal/synth"
)

// Items in the node B-tree that no contents table lists come back as
// orphaned, in Recovered/<their parent folder>, and the folders' expected
// counts come from their contents tables.
func TestOrphans(t *testing.T) {
	g := synth.NewGen(5)
	note := func() *mapi.Message { return synth.OutlookNote(g) }
	store := synth.PSTStore{DisplayName: "orphans", Folders: []*synth.PSTFolder{
		{Name: "Inbox", Class: "IPF.Note", Messages: []*mapi.Message{note(), note()}, Deleted: []*mapi.Message{note()}},
		{Name: "Work", Class: "IPF.Note", Messages: []*mapi.Message{note()}, Deleted: []*mapi.Message{note(), note()}},
	}}
	data, _, err := synth.PSTWithMap(store)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "orphans.pst")
	os.WriteFile(path, data, 0o644)
	src, _, err := formats.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	byState := map[formats.State]int{}
	orphanFolders := map[string]int{}
	for {
		m, err := src.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		byState[m.State]++
		if m.State == formats.Orphaned {
			orphanFolders[filepath.Join(m.Folder...)]++
			if m.Method != "pst-orphan" || m.Attrs["pst_found"] == "" {
				t.Errorf("orphan provenance: %s %v", m.Method, m.Attrs)
			}
		}
	}
	if byState[formats.Intact] != 3 || byState[formats.Orphaned] != 3 {
		t.Errorf("states %v, want 3 intact and 3 orphaned", byState)
	}
	if orphanFolders["orphans/Recovered/Inbox"] != 1 || orphanFolders["orphans/Recovered/Work"] != 2 {
		t.Errorf("orphan folders %v", orphanFolders)
	}
	exp := map[string]int{}
	for _, fc := range formats.ExpectedOf(src) {
		exp[filepath.Join(fc.Folder...)] = fc.Count
	}
	if exp["orphans/Top of Personal Folders/Inbox"] != 2 || exp["orphans/Top of Personal Folders/Work"] != 1 {
		t.Errorf("expected counts %v", exp)
	}
}
