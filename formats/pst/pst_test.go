package pst

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mailsalvage/mailsalvage/formats"
	"github.com/mailsalvage/mailsalvage/formats/mapi"
	"github.com/mailsalvage/mailsalvage/internal/corpus"
)

func openCorpus(t *testing.T, sub, name string) *File {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(corpus.Dir(t, sub), name))
	if err != nil {
		t.Skip(err)
	}
	f, err := Open(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return f
}

// Every corpus PST/OST opens, every folder's contents table reads and every
// listed message converts.
func TestCorpusAllItems(t *testing.T) {
	files := append(corpus.Files(t, "pst"), corpus.Files(t, "ost")...)
	total := 0
	for _, path := range files {
		if strings.HasSuffix(path, ".txt") || strings.HasSuffix(path, ".bin") {
			continue
		}
		b, _ := os.ReadFile(path)
		f, err := Open(bytes.NewReader(b), int64(len(b)))
		if err != nil {
			t.Errorf("%s: %v", filepath.Base(path), err)
			continue
		}
		for _, fo := range f.Folders() {
			if fo.Search {
				continue
			}
			nids, err := f.Contents(fo)
			if err != nil {
				t.Errorf("%s: folder %s: %v", filepath.Base(path), strings.Join(fo.Path, "/"), err)
				continue
			}
			for _, nid := range nids {
				m, err := f.Message(nid)
				if err != nil {
					t.Errorf("%s: %v: %v", filepath.Base(path), nid, err)
					continue
				}
				if _, err := mapi.Convert(io.Discard, m, mapi.Options{}); err != nil {
					t.Errorf("%s: %v: convert: %v", filepath.Base(path), nid, err)
				}
				total++
			}
		}
		if w := f.Warnings(); len(w) > 0 {
			t.Errorf("%s: warnings on a sound file: %v", filepath.Base(path), w[:min(len(w), 3)])
		}
	}
	if total < 500 {
		t.Errorf("only %d items in the corpus", total)
	}
}

func folderNames(f *File) []string {
	var out []string
	for _, fo := range f.Folders() {
		out = append(out, strings.Join(fo.Path, "/"))
	}
	return out
}

func TestLocalizedFolderNames(t *testing.T) {
	cases := map[string][]string{
		"pst-extractor__alpha-beta-gamma-delta.pst": {"Outlook データ ファイルのトップ", "Outlook データ ファイルのトップ/削除済みアイテム"},
		"Tika__testPST.pst":                         {"Début du fichier de données Outlook", "Début du fichier de données Outlook/Éléments supprimés"},
		"IPED__test_sample.pst":                     {"Início de Pastas Particulares/Caixa de Entrada"},
	}
	for name, want := range cases {
		got := strings.Join(folderNames(openCorpus(t, "pst", name)), "\n")
		for _, w := range want {
			if !strings.Contains("\n"+got+"\n", "\n"+w+"\n") {
				t.Errorf("%s: no folder %q in\n%s", name, w, got)
			}
		}
	}
}

func TestPasswordStore(t *testing.T) {
	f := openCorpus(t, "pst", "Aspose__passwordprotectedPST.pst")
	if _, ok := f.Password(); !ok {
		t.Error("password not reported")
	}
	classes := map[string]int{}
	for _, fo := range f.Folders() {
		nids, _ := f.Contents(fo)
		for _, nid := range nids {
			if m, err := f.Message(nid); err == nil {
				classes[m.Class()]++
			}
		}
	}
	for _, c := range []string{"REPORT.IPM.Note.DR", "REPORT.IPM.Note.NDR", "REPORT.IPM.Note.IPNRN"} {
		if classes[c] == 0 {
			t.Errorf("no %s item read (classes %v)", c, classes)
		}
	}
	// an OST's all-ones password field is no password
	if _, ok := openCorpus(t, "ost", "Aspose__SampleOstFile.ost").Password(); ok {
		t.Error("OST reported as password-protected")
	}
}

// The format: a PST opened through the registry yields its messages with
// folder paths under the file's name and provenance attributes.
func TestSourceThroughRegistry(t *testing.T) {
	path := filepath.Join(corpus.Dir(t, "pst"), "hughbe-PstReader__farnulfo__pst-exp__submessage.pst")
	src, name, err := formats.Open(path)
	if err != nil || name != "pst" {
		t.Fatalf("Open: %v %q", err, name)
	}
	defer src.Close()
	n, deleted := 0, 0
	for {
		m, err := src.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if m.Folder[0] != "hughbe-PstReader__farnulfo__pst-exp__submessage" || m.Attrs["pst_nid"] == "" {
			t.Errorf("message folder %v attrs %v", m.Folder, m.Attrs)
		}
		if m.State == formats.Deleted {
			// the file keeps an older version of its message in freed
			// space (pffexport -m recovered finds it too)
			deleted++
			if m.Method != "pst-deleted" || m.Folder[1] != "Recovered" || m.Attrs["pst_found"] == "" || m.Attrs["pst_older_version"] != "true" {
				t.Errorf("deleted item: method %s folder %v attrs %v", m.Method, m.Folder, m.Attrs)
			}
			continue
		}
		n++
		if m.Method != "pst" {
			t.Errorf("method %s, want pst", m.Method)
		}
		rc, _ := m.Open()
		b, _ := io.ReadAll(rc)
		if !bytes.Contains(b, []byte("message/rfc822")) {
			t.Errorf("the embedded message is not a message/rfc822 part")
		}
	}
	if n != 1 || deleted != 1 {
		t.Errorf("%d messages and %d deleted, want 1 and 1", n, deleted)
	}
}

// Damage to one item's blocks costs that item only: it is exported as
// partial with warnings naming the structure, every other item as usual.
func TestDamagedItemThroughRegistry(t *testing.T) {
	path := filepath.Join(corpus.Dir(t, "pst"), "Tika__testPST.pst")
	b, err := os.ReadFile(path)
	if err != nil {
		t.Skip(err)
	}
	f, err := Open(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	var victims []int64 // offsets of the first message's data block, of two messages
	total := 0
	for _, fo := range f.Folders() {
		nids, _ := f.Contents(fo)
		for _, nid := range nids {
			total++
			if len(victims) < 2 {
				e, _ := f.DB().Node(nid)
				be, err := f.DB().Block(e.Data)
				if err == nil {
					victims = append(victims, be.Offset)
				}
			}
		}
	}
	if len(victims) < 2 {
		t.Skip("not enough messages")
	}
	damaged := append([]byte(nil), b...)
	damaged[victims[0]+10] ^= 0x5A               // a flipped byte: CRC mismatch, data kept
	copy(damaged[victims[1]:], make([]byte, 64)) // zeroed: the heap is gone
	dir := t.TempDir()
	dpath := filepath.Join(dir, "damaged.pst")
	os.WriteFile(dpath, damaged, 0o644)

	src, _, err := formats.Open(dpath)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	var states []formats.State
	var warns []string
	for {
		m, err := src.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			continue
		}
		states = append(states, m.State)
		warns = append(warns, m.Warnings...)
	}
	partial := 0
	for _, s := range states {
		if s == formats.Partial {
			partial++
		}
	}
	t.Logf("%d messages, %d partial: %q", len(states), partial, warns)
	if len(states) != total || partial < 1 || partial > 2 {
		t.Errorf("%d messages (%d partial), want %d with 1-2 partial; warnings %q", len(states), partial, total, warns)
	}
	if !strings.Contains(strings.Join(warns, "\n"), "0x") {
		t.Errorf("warnings do not name offsets: %q", warns)
	}
}
