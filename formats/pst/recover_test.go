package pst

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"mime"
	"net/mail"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mailsalvage/mailsalvage/formats"
	"github.com/mailsalvage/mailsalvage/formats/pst/ndb"
	"github.com/mailsalvage/mailsalvage/internal/corpus"
	"github.com/mailsalvage/mailsalvage/internal/peers"
)

// readAll reads every message the registered format yields from b.
func readAll(t *testing.T, name string, b []byte) []*formats.Message {
	t.Helper()
	src, err := openFile(bytes.NewReader(b), int64(len(b)), &formats.Probe{Path: name, Head: b[:min(len(b), formats.HeadSize)]})
	if err != nil {
		t.Fatalf("%s: open: %v", name, err)
	}
	defer src.Close()
	var out []*formats.Message
	for {
		m, err := src.Next()
		if err == io.EOF {
			return out
		}
		var p *formats.Problem
		if errors.As(err, &p) {
			continue
		}
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		rc, err := m.Open()
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, rc)
		rc.Close()
		out = append(out, m)
		if len(out) > 100000 {
			t.Fatalf("%s: more than 100000 messages", name)
		}
	}
}

// liveNIDs returns the message nodes the intact file's contents tables
// list, read through Open.
func liveNIDs(t *testing.T, b []byte) map[ndb.NID]bool {
	t.Helper()
	f, err := Open(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	if f.Recovered() != "" {
		t.Fatalf("intact file opened for recovery: %s", f.Recovered())
	}
	out := map[ndb.NID]bool{}
	for _, fo := range f.Folders() {
		if fo.Search {
			continue
		}
		nids, err := f.Contents(fo)
		if err != nil {
			t.Fatal(err)
		}
		for _, n := range nids {
			out[n] = true
		}
	}
	return out
}

// Damage to the header or the B-trees' roots: the file is still claimed,
// opened and read from B-trees rebuilt by a scan; every item comes back,
// in its folder when the hierarchy survives, and its provenance says the
// NBT was rebuilt where it was.
func TestRecoverBrokenStructure(t *testing.T) {
	for _, name := range []string{"Aspose__Outlook_1.pst", "hughbe-PstReader__simiden__pst2john__2k_outlook_qwerty1234.pst", "Tika__testPST.pst"} {
		path := filepath.Join(corpus.Dir(t, "pst"), name)
		b, err := os.ReadFile(path)
		if err != nil {
			t.Skip(err)
		}
		want := liveNIDs(t, b)
		db, err := ndb.Open(bytes.NewReader(b), int64(len(b)))
		if err != nil {
			t.Fatal(err)
		}
		h := db.Header()
		cases := map[string]func([]byte) []byte{
			"header zeroed": func(b []byte) []byte {
				clear(b[:512])
				return b
			},
			"root pages zeroed": func(b []byte) []byte {
				for _, r := range []ndb.BRef{h.NBTRoot, h.BBTRoot} {
					clear(b[r.IB : r.IB+uint64(db.PageSize())])
				}
				return b
			},
		}
		for cname, damage := range cases {
			t.Run(name+"/"+cname, func(t *testing.T) {
				d := damage(bytes.Clone(b))
				if got := Match(&formats.Probe{Head: d[:formats.HeadSize]}); got == 0 {
					t.Fatal("the damaged file is not claimed")
				}
				if _, err := Open(bytes.NewReader(d), int64(len(d))); err != nil {
					t.Fatalf("Open: %v", err)
				}
				got := map[ndb.NID]bool{}
				rebuilt := 0
				for _, m := range readAll(t, name, d) {
					if m.State == formats.Deleted {
						continue
					}
					nid := nidOf(t, m)
					if !want[nid] {
						continue
					}
					got[nid] = true
					if m.Method == "pst-rebuilt" {
						rebuilt++
						if !strings.Contains(m.Chain[0].Locator, "rebuilt NBT") {
							t.Errorf("%v: locator %q", nid, m.Chain[0].Locator)
						}
					}
					if m.Folder[1] == "Recovered" && cname == "header zeroed" {
						t.Errorf("%v: in %v, its folder survives", nid, m.Folder)
					}
				}
				if len(got) != len(want) {
					t.Errorf("%d of %d items recovered", len(got), len(want))
				}
				if cname == "root pages zeroed" && rebuilt == 0 {
					t.Error("no item says it came from the rebuilt NBT")
				}
			})
		}
	}
}

func nidOf(t *testing.T, m *formats.Message) ndb.NID {
	t.Helper()
	var n uint32
	if _, err := fmtSscanHex(m.Attrs["pst_nid"], &n); err != nil {
		t.Fatalf("pst_nid %q: %v", m.Attrs["pst_nid"], err)
	}
	return ndb.NID(n)
}

// Truncation keeps every item whose blocks lie in the kept bytes; the
// others are partial or placeholders, never a failure of the file.
func TestRecoverTruncated(t *testing.T) {
	path := filepath.Join(corpus.Dir(t, "ost"), "Aspose__SampleOstFile.ost")
	b, err := os.ReadFile(path)
	if err != nil {
		t.Skip(err)
	}
	want := liveNIDs(t, b)
	cut := b[:len(b)*6/10]
	f, err := Open(bytes.NewReader(cut), int64(len(cut)))
	if err != nil {
		t.Fatal(err)
	}
	if f.Recovered() == "" {
		t.Error("a truncated file opened without recovery")
	}
	// which items have every block inside the kept bytes, as the intact
	// file's trees say
	sound, err := Open(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	inside := map[ndb.NID]bool{}
	for nid := range want {
		if itemInside(t, sound.DB(), nid, int64(len(cut))) {
			inside[nid] = true
		}
	}
	folderOf := map[ndb.NID]string{}
	for _, m := range readAll(t, "cut", b) {
		if m.State == formats.Intact {
			folderOf[nidOf(t, m)] = strings.Join(m.Folder[1:], "/")
		}
	}
	whole := map[ndb.NID]bool{}
	states := map[formats.State]int{}
	kept := 0
	for _, m := range readAll(t, "cut", cut) {
		states[m.State]++
		if m.State != formats.Partial && m.State != formats.Deleted {
			whole[nidOf(t, m)] = true
		}
		// an item read through its folder's contents table keeps the
		// folder's path, even when the hierarchy table that listed the
		// folder is lost (the folder is found in the NBT)
		if m.State == formats.Intact {
			if want, got := folderOf[nidOf(t, m)], strings.Join(m.Folder[1:], "/"); want != got {
				t.Errorf("item %v: folder %q, in the intact file %q", nidOf(t, m), got, want)
			} else {
				kept++
			}
		}
	}
	if kept == 0 {
		t.Error("no item of the truncated file kept its folder")
	}
	for nid := range inside {
		if !whole[nid] {
			t.Errorf("item %v lies inside the kept bytes and did not come back whole", nid)
		}
	}
	t.Logf("%d items, %d inside the kept 60%%; states %v", len(want), len(inside), states)
	if len(inside) == 0 {
		t.Error("no item inside the kept bytes: the test tests nothing")
	}
}

// itemInside reports whether every block of a node (data, subnodes, their
// data) ends before size.
func itemInside(t *testing.T, db *ndb.File, nid ndb.NID, size int64) bool {
	e, err := db.Node(nid)
	if err != nil {
		return false
	}
	ok := true
	check := func(bid ndb.BID) {
		es, err := db.DataEntries(bid)
		if err != nil {
			ok = false
		}
		for _, be := range es {
			if be.Offset+int64(be.Size) > size {
				ok = false
			}
		}
	}
	check(e.Data)
	if e.Subnodes != 0 {
		subs, err := db.Subnodes(e.Subnodes)
		if err != nil {
			return false
		}
		for _, s := range subs {
			check(s.Data)
			if s.Subnodes != 0 {
				ok = false // nested subnodes: not worth following here
			}
		}
		// the subnode blocks themselves
		be, err := db.Block(e.Subnodes)
		if err != nil || be.Offset+int64(be.Size) > size {
			ok = false
		}
	}
	return ok
}

// Random damage never makes the reader panic, hang or fail the file.
func TestRecoverRandomDamage(t *testing.T) {
	path := filepath.Join(corpus.Dir(t, "pst"), "Aspose__Outlook_1.pst")
	b, err := os.ReadFile(path)
	if err != nil {
		t.Skip(err)
	}
	for seed := uint64(1); seed <= 4; seed++ {
		d := bytes.Clone(b)
		r := rand.New(rand.NewPCG(seed, 7))
		for range 300 {
			i := r.IntN(len(d) * 8)
			d[i/8] ^= 1 << (i % 8)
		}
		for range 8 {
			s := r.IntN(len(d)/512) * 512
			clear(d[s : s+512])
		}
		if n := len(readAll(t, "random", d)); n == 0 {
			t.Errorf("seed %d: nothing recovered", seed)
		}
	}
}

// Match claims a PST whose header is gone by its pages, and nothing else.
func TestMatchWithoutHeader(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	random := make([]byte, formats.HeadSize)
	for i := range random {
		random[i] = byte(r.Uint32())
	}
	for name, head := range map[string][]byte{
		"random": random,
		"zeros":  make([]byte, formats.HeadSize),
		"text":   bytes.Repeat([]byte("From a@b Thu Jan  1 00:00:00 2026\nSubject: x\n\nhello\n"), 1000),
		"short":  []byte("!BD"),
	} {
		if got := Match(&formats.Probe{Head: head}); got != 0 {
			t.Errorf("%s: claimed (%d)", name, got)
		}
	}
	for _, sub := range []string{"pst", "ost"} {
		for _, path := range corpus.Files(t, sub) {
			if !strings.HasSuffix(path, ".pst") && !strings.HasSuffix(path, ".ost") {
				continue
			}
			b, _ := os.ReadFile(path)
			head := bytes.Clone(b[:min(len(b), formats.HeadSize)])
			clear(head[:min(len(head), 4096)])
			// an OST 2013 (4 KiB pages) has no page in its first 64 KiB:
			// only its magic tells it
			if db, err := ndb.Open(bytes.NewReader(b), int64(len(b))); err != nil || db.PageSize() != 512 {
				continue
			}
			if _, ok := ndb.Sniff(head); !ok && len(b) > 0x4400+4096 {
				t.Errorf("%s: header zeroed, not recognized", filepath.Base(path))
			}
		}
	}
}

// Deleted items: everything pffexport -m recovered writes for a corpus
// file (its recovered and orphan items, told apart by Message-ID or else
// subject: libpff names some of them by the NID of another node) comes
// back from us, and each deleted item says how it was found.
func TestDeletedVsPffexport(t *testing.T) {
	if !peers.Available("pffexport") {
		t.Skip("pffexport not installed")
	}
	files := append(corpus.Files(t, "pst"), corpus.Files(t, "ost")...)
	theirs, ours, anonymous := 0, 0, 0
	for _, path := range files {
		if !strings.HasSuffix(path, ".pst") && !strings.HasSuffix(path, ".ost") {
			continue
		}
		b, err := os.ReadFile(path)
		if err != nil || len(b) > 8<<20 {
			continue // the big ones: TestPSTDamage in cmd/mailsalvage
		}
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		a, err := peers.PffExportRecovered(ctx, path, t.TempDir())
		cancel()
		if a == nil {
			t.Logf("%s: pffexport: %v", filepath.Base(path), err)
			continue
		}
		ids, subjects := map[string]bool{}, map[string]bool{}
		for _, m := range readAll(t, filepath.Base(path), b) {
			if m.State == formats.Deleted {
				ours++
				if m.Attrs["pst_found"] == "" || !strings.HasPrefix(m.Chain[0].Locator, "node 0x") || m.Folder[1] != "Recovered" {
					t.Errorf("%s: deleted item %v without provenance: %v %q", filepath.Base(path), m.Folder, m.Attrs, m.Chain[0].Locator)
				}
			}
			rc, _ := m.Open()
			hdr, err := mail.ReadMessage(rc)
			rc.Close()
			if err != nil {
				continue
			}
			ids[strings.TrimSpace(hdr.Header.Get("Message-Id"))] = true
			subj, _ := new(mime.WordDecoder).DecodeHeader(hdr.Header.Get("Subject"))
			subjects[strings.Join(strings.Fields(subj), " ")] = true
		}
		for _, e := range []*peers.Export{a.Recovered, a.Orphans} {
			if e == nil {
				continue
			}
			for _, it := range e.Items() {
				subj := strings.Join(strings.Fields(it.Subject), " ")
				switch {
				case it.MessageID != "":
					theirs++
					if !ids[it.MessageID] {
						t.Errorf("%s: pffexport recovers %s %d %s %q (%s); we do not", filepath.Base(path), it.Kind, it.NID, it.MessageID, subj, it.Path)
					}
				case subj != "":
					theirs++
					if !subjects[subj] {
						t.Errorf("%s: pffexport recovers %s %d %q (%s); we do not", filepath.Base(path), it.Kind, it.NID, subj, it.Path)
					}
				default:
					anonymous++
				}
			}
		}
	}
	t.Logf("pffexport -m recovered: %d items with a Message-ID or a subject, all recovered by us (%d without either, not compared); ours: %d deleted items", theirs, anonymous, ours)
	if theirs == 0 {
		t.Error("pffexport recovered nothing from the corpus: the test tests nothing")
	}
}

func fmtSscanHex(s string, n *uint32) (int, error) {
	return fmt.Sscanf(strings.TrimPrefix(strings.ToLower(s), "0x"), "%x", n)
}

// The carver hands the format a window of a disk image: the file read
// through an io.SectionReader inside other bytes gives what it gives on
// its own.
func TestOpenSectionReader(t *testing.T) {
	path := filepath.Join(corpus.Dir(t, "pst"), "Aspose__Outlook_1.pst")
	b, err := os.ReadFile(path)
	if err != nil {
		t.Skip(err)
	}
	const at = 3*4096 + 17
	img := make([]byte, at+len(b)+8192)
	r := rand.New(rand.NewPCG(3, 4))
	for i := range img {
		img[i] = byte(r.Uint32())
	}
	copy(img[at:], b)
	sr := io.NewSectionReader(bytes.NewReader(img), at, int64(len(b)))
	head := make([]byte, formats.HeadSize)
	n, _ := sr.ReadAt(head, 0)
	src, err := openFile(sr, int64(len(b)), &formats.Probe{Path: "window", Head: head[:n]})
	if err != nil {
		t.Fatal(err)
	}
	got := 0
	for {
		_, err := src.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		got++
	}
	if want := len(readAll(t, "whole", b)); got != want || got == 0 {
		t.Errorf("%d messages through the window, %d from the file", got, want)
	}
}
