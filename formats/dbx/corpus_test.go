package dbx

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/mailsalvage/mailsalvage/formats"
	"github.com/mailsalvage/mailsalvage/formats/rfc5322"
	"github.com/mailsalvage/mailsalvage/internal/corpus"
)

// What the corpus files hold (MANIFEST.tsv: a real Outlook Express store
// set from DbxOutlookExpress's tests, and IPED's test store; counts
// checked with UnDBX 0.21, see TestCorpusUnDBX).
var corpusWant = map[string]struct {
	class            Class
	indexed, scanned int
}{
	"DbxOutlookExpress__Folders.dbx": {ClassFolders, 0, 0},
	"DbxOutlookExpress__Inbox.dbx":   {ClassMessages, 1, 0},
	"DbxOutlookExpress__Offline.dbx": {ClassOffline, 0, 0},
	"DbxOutlookExpress__Outbox.dbx":  {ClassMessages, 0, 0},
	"IPED__test_OutlookDBX.dbx":      {ClassMessages, 28, 0},
}

func TestCorpusCounts(t *testing.T) {
	files := corpus.Files(t, "dbx")
	if len(files) == 0 {
		t.Skip("no dbx corpus files")
	}
	for _, p := range files {
		name := filepath.Base(p)
		want, known := corpusWant[name]
		if !known {
			t.Errorf("%s: corpus file without expectations", name)
			continue
		}
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		if c := Match(&formats.Probe{Head: data[:min(len(data), formats.HeadSize)]}); c != 95 {
			t.Errorf("%s: Match %d", name, c)
		}
		f, err := NewFile(bytes.NewReader(data), int64(len(data)))
		if err != nil || f.Header.Class != want.class {
			t.Errorf("%s: %v class %v", name, err, f.Header.Class)
			continue
		}
		out, problems := readAll(t, data)
		if len(problems) > 0 {
			t.Errorf("%s: problems %v", name, problems)
		}
		indexed, scanned := 0, 0
		for _, g := range out {
			switch g.m.Method {
			case "dbx":
				indexed++
				if g.m.State != formats.Intact || len(g.m.Warnings) > 0 {
					t.Errorf("%s %s: %s %v", name, g.m.Chain, g.m.State, g.m.Warnings)
				}
				if s := g.m.Attrs["dbx_info_size"]; s != itoa(len(g.bytes)) {
					t.Errorf("%s %s: message info says %s bytes, chain holds %d", name, g.m.Chain, s, len(g.bytes))
				}
				if !startsHeader(g.bytes) {
					t.Errorf("%s %s: does not start with a header", name, g.m.Chain)
				}
				// the subject the index keeps is the message's
				sum, _, _ := rfc5322.ReadSummary(bytes.NewReader(g.bytes))
				if sub := g.m.Attrs["dbx_subject"]; sub != "" && !strings.Contains(sum.Subject, strings.Trim(sub, "?")) && !strings.ContainsRune(sub, '?') {
					t.Errorf("%s %s: index subject %q, message %q", name, g.m.Chain, sub, sum.Subject)
				}
			case "dbx-scan":
				scanned++
			}
		}
		if indexed != want.indexed || scanned != want.scanned {
			t.Errorf("%s: %d indexed, %d scanned; want %d, %d", name, indexed, scanned, want.indexed, want.scanned)
		}
		t.Logf("%s: %s, %d bytes: %d messages by the tree, %d by scanning", name, f.Header.Class, len(data), indexed, scanned)
	}
}

// Folders.dbx of the store set names the two message stores beside it.
func TestCorpusFolders(t *testing.T) {
	d := corpus.Dir(t, "dbx")
	data, err := os.ReadFile(filepath.Join(d, "DbxOutlookExpress__Folders.dbx"))
	if err != nil {
		t.Skip(err)
	}
	f, err := NewFile(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	fs, errs := f.Folders()
	if len(fs) != 8 || len(errs) > 0 {
		t.Fatalf("%d folders, %v", len(fs), errs)
	}
	paths := FolderPaths(fs)
	if strings.Join(paths["Inbox.dbx"], "/") != "Local Folders/Inbox" || strings.Join(paths["Outbox.dbx"], "/") != "Local Folders/Outbox" || len(paths) != 2 {
		t.Errorf("paths %v", paths)
	}
}

// Real messages planted in a synthetic store come back byte for byte,
// through the tree and, with the tree gone, by scanning.
func TestCorpusPlanted(t *testing.T) {
	real := corpus.Messages(t, 150, 20)
	var msgs []synthMsg
	for i, m := range real {
		msgs = append(msgs, synthMsg{Text: m.Bytes, Index: uint32(i + 1), Flags: 0x81, MessageID: m.ID})
	}
	sf := buildDBX(msgs, synthOpts{Interleave: true})
	for _, zeroRoot := range []bool{false, true} {
		data := sf.Data
		if zeroRoot {
			data = clone(sf.Data)
			copy(data[sf.Root:], make([]byte, TreeNodeSize))
		}
		out, _ := readAll(t, data)
		found := byFirstBlock(out)
		lost := 0
		for i, m := range msgs {
			g, ok := found[sf.Blocks[i][0]]
			if !ok {
				lost++
				if !zeroRoot {
					t.Errorf("message %d lost", i)
				}
				continue
			}
			if !bytes.Equal(g.bytes, m.Text) {
				t.Errorf("message %d (%s) differs", i, m.MessageID)
			}
		}
		// by scanning, a message is found if its first block starts a
		// header section convincing enough
		if lost*100 > len(msgs) {
			t.Errorf("tree lost: %d of %d real messages not found by scanning", lost, len(msgs))
		}
		t.Logf("zeroed root %v: %d of %d found", zeroRoot, len(msgs)-lost, len(msgs))
	}
}

// UnDBX (Debian package undbx), an independent reader, extracts the same
// messages, byte for byte, from the corpus files and from synthetic
// stores; in its recovery mode it finds as many.
func TestCorpusUnDBX(t *testing.T) {
	undbx, err := exec.LookPath("undbx")
	if err != nil {
		t.Skip("undbx not installed (Debian package undbx)")
	}
	files := corpus.Files(t, "dbx")
	dir := t.TempDir()
	synth := filepath.Join(dir, "Synth.dbx")
	sf := buildDBX(synthMsgs(130), synthOpts{Interleave: true})
	if err := os.WriteFile(synth, sf.Data, 0o644); err != nil {
		t.Fatal(err)
	}
	// the same with its tree lost: undbx's recovery mode and our scan
	// must agree
	noTree := filepath.Join(dir, "SynthNoTree.dbx")
	data := clone(sf.Data)
	copy(data[sf.Root:], make([]byte, TreeNodeSize))
	if err := os.WriteFile(noTree, data, 0o644); err != nil {
		t.Fatal(err)
	}
	files = append(files, synth, noTree)
	for i, p := range files {
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		out, _ := readAll(t, data)
		var indexed, all []string
		for _, g := range out {
			if g.m.Method == "dbx" {
				indexed = append(indexed, digest(g.bytes))
			}
			all = append(all, digest(g.bytes))
		}
		for _, mode := range []string{"", "-r"} {
			// undbx reads the tree; with -r it scans for block chains
			ours := indexed
			if mode == "-r" {
				ours = all
			}
			od := filepath.Join(dir, itoa(i)+mode)
			args := []string{"-v", "0"}
			if mode != "" {
				args = append(args, mode)
			}
			cmd := exec.Command(undbx, append(args, p, od)...)
			if b, err := cmd.CombinedOutput(); err != nil {
				t.Fatalf("undbx %s: %v\n%s", p, err, b)
			}
			var theirs []string
			filepath.WalkDir(od, func(q string, e os.DirEntry, err error) error {
				if err == nil && e.Type().IsRegular() && strings.HasSuffix(q, ".eml") {
					b, _ := os.ReadFile(q)
					theirs = append(theirs, digest(b))
				}
				return nil
			})
			sort.Strings(ours)
			sort.Strings(theirs)
			if strings.Join(ours, " ") != strings.Join(theirs, " ") {
				t.Errorf("%s (undbx %s): we read %d messages, undbx %d, or their bytes differ", filepath.Base(p), mode, len(ours), len(theirs))
			}
			t.Logf("%s (undbx %s): %d messages, same bytes", filepath.Base(p), mode, len(theirs))
		}
	}
}

func digest(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}
