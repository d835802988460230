package ltp

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/mailsalvage/mailsalvage/formats/mapi"
	"github.com/mailsalvage/mailsalvage/formats/pst/ndb"
	"github.com/mailsalvage/mailsalvage/internal/corpus"
)

// nodeReader is an ltp.Reader over a node's subnodes.
type nodeReader struct {
	f    *ndb.File
	subs map[ndb.NID]ndb.SubnodeEntry
}

func (r nodeReader) Subnode(nid ndb.NID) ([][]byte, error) {
	e, ok := r.subs[nid]
	if !ok {
		return nil, fmt.Errorf("subnode %v not found", nid)
	}
	return r.f.Data(e.Data)
}

func openCorpus(t testing.TB, path string) *ndb.File {
	t.Helper()
	fh, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { fh.Close() })
	st, _ := fh.Stat()
	f, err := ndb.Open(fh, st.Size())
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	return f
}

// node returns a node's data blocks and subnodes.
func node(f *ndb.File, nid ndb.NID) ([][]byte, nodeReader, error) {
	e, err := f.Node(nid)
	if err != nil {
		return nil, nodeReader{}, err
	}
	blocks, err := f.Data(e.Data)
	if err != nil {
		return nil, nodeReader{}, err
	}
	subs, err := f.Subnodes(e.Subnodes)
	return blocks, nodeReader{f, subs}, err
}

func nodePC(f *ndb.File, nid ndb.NID) (*mapi.Properties, error) {
	b, r, err := node(f, nid)
	if err != nil {
		return nil, err
	}
	return ReadPC(b, r)
}

func nodeTC(f *ndb.File, nid ndb.NID) (*Table, error) {
	b, r, err := node(f, nid)
	if err != nil {
		return nil, err
	}
	return ReadTC(b, r)
}

// wantSig is the client signature each node type's heap has.
func wantSig(typ uint8) (byte, bool) {
	switch typ {
	case ndb.NIDTypeInternal, ndb.NIDTypeNormalFolder, ndb.NIDTypeSearchFolder, ndb.NIDTypeNormalMessage,
		ndb.NIDTypeAttachment, ndb.NIDTypeAssocMessage:
		return SigPC, true
	case ndb.NIDTypeHierarchyTable, ndb.NIDTypeContentsTable, ndb.NIDTypeAssocContentsTable,
		ndb.NIDTypeAttachmentTable, ndb.NIDTypeRecipientTable:
		return SigTC, true
	}
	return 0, false
}

func corpusPSTs(t testing.TB) []string {
	var out []string
	for _, p := range append(corpus.Files(t, "pst"), corpus.Files(t, "ost")...) {
		if strings.HasSuffix(p, ".pst") || strings.HasSuffix(p, ".ost") {
			out = append(out, p)
		}
	}
	return out
}

// heapStats counts what checkHeaps read.
type heapStats struct{ heaps, pcs, tcs, rows, props, fails int }

// checkHeaps parses the heap of every node (and subnode, to any depth) of
// a type that holds one, as a PC or a TC, and reports every failure and
// every warning.
func checkHeaps(f *ndb.File, report func(format string, args ...any)) heapStats {
	var st heapStats
	fail := func(format string, args ...any) {
		st.fails++
		if st.fails <= 10 {
			report(format, args...)
		}
	}
	var check func(where string, nid ndb.NID, blocks [][]byte, r nodeReader, depth int)
	check = func(where string, nid ndb.NID, blocks [][]byte, r nodeReader, depth int) {
		sig, ok := wantSig(nid.Type())
		if nid.Type() == ndb.NIDTypeInternal && nid != ndb.NIDMessageStore && nid != ndb.NIDNameToIDMap {
			ok = false
		}
		if ok {
			st.heaps++
			h, err := NewHeap(blocks)
			switch {
			case err != nil:
				fail("%s: heap: %v", where, err)
			case h.ClientSig() != sig:
				fail("%s: bClientSig 0x%02X, want 0x%02X", where, h.ClientSig(), sig)
			case sig == SigPC:
				st.pcs++
				pc, err := ReadPCDetailed(blocks, r)
				if err != nil || len(pc.Warnings) > 0 {
					fail("%s: PC: %v %q", where, err, pc.Warnings)
				} else {
					st.props += pc.Props.Len()
				}
			default:
				st.tcs++
				tc, err := ReadTC(blocks, r)
				if err != nil || len(tc.Warnings) > 0 {
					fail("%s: TC: %v %q", where, err, tc.Warnings)
					break
				}
				if tc.Rows() != tc.Indexed() {
					fail("%s: %d rows, the row index lists %d", where, tc.Rows(), tc.Indexed())
				}
				for i := 0; i < tc.Rows(); i++ {
					st.rows++
					rd, err := tc.RowDetailed(i)
					if err != nil || len(rd.Warnings) > 0 {
						fail("%s: row %d: %v %q", where, i, err, rd.Warnings)
					} else if j, ok := tc.Lookup(rd.ID); !ok || j != i {
						fail("%s: row %d (id 0x%X) indexed as %d, %v", where, i, rd.ID, j, ok)
					}
				}
			}
		}
		if depth > 4 {
			return
		}
		for snid, se := range r.subs {
			if _, ok := wantSig(snid.Type()); !ok {
				continue
			}
			b, err := f.Data(se.Data)
			if err != nil {
				fail("%s/%v: data: %v", where, snid, err)
				continue
			}
			subs, err := f.Subnodes(se.Subnodes)
			if err != nil {
				fail("%s/%v: subnodes: %v", where, snid, err)
			}
			check(fmt.Sprintf("%s/%v", where, snid), snid, b, nodeReader{f, subs}, depth+1)
		}
	}
	f.WalkNodes(func(e ndb.NodeEntry) bool {
		b, err := f.Data(e.Data)
		if err != nil {
			fail("node %v: %v", e.NID, err)
			return true
		}
		subs, err := f.Subnodes(e.Subnodes)
		if err != nil {
			fail("node %v subnodes: %v", e.NID, err)
		}
		check("node "+e.NID.String(), e.NID, b, nodeReader{f, subs}, 0)
		return true
	})
	return st
}

func TestCorpus(t *testing.T) {
	for _, path := range corpusPSTs(t) {
		t.Run(filepath.Base(path), func(t *testing.T) {
			f := openCorpus(t, path)
			st := checkHeaps(f, t.Errorf)
			if st.heaps == 0 || st.pcs == 0 || st.tcs == 0 {
				t.Errorf("heaps %+v", st)
			}
			store, err := nodePC(f, ndb.NIDMessageStore)
			if err != nil {
				t.Fatalf("message store: %v", err)
			}
			storeName, ok := store.String(mapi.PidTagDisplayName)
			if !ok {
				t.Error("message store has no PidTagDisplayName")
			}
			root, err := nodePC(f, ndb.NIDRootFolder)
			if err != nil {
				t.Fatalf("root folder: %v", err)
			}
			if _, ok := root.String(mapi.PidTagDisplayName); !ok {
				t.Error("root folder has no PidTagDisplayName")
			}
			folders := checkHierarchy(t, f)
			if w := f.Warnings(); len(w) > 0 {
				t.Errorf("NDB warnings: %q", w)
			}
			t.Logf("store %q: %d folders, %d heaps (%d PC, %d TC), %d properties, %d rows, %d failures",
				storeName, folders, st.heaps, st.pcs, st.tcs, st.props, st.rows, st.fails)
		})
	}
}

// checkHierarchy checks that each folder's hierarchy table lists exactly
// its subfolders (the folders whose NBT parent it is), with their display
// names, and returns the number of folders.
func checkHierarchy(t *testing.T, f *ndb.File) int {
	children := map[ndb.NID][]ndb.NID{}
	isFolder := map[ndb.NID]bool{}
	f.WalkNodes(func(e ndb.NodeEntry) bool {
		if typ := e.NID.Type(); typ == ndb.NIDTypeNormalFolder || typ == ndb.NIDTypeSearchFolder {
			isFolder[e.NID] = true
			if e.Parent != e.NID {
				children[e.Parent] = append(children[e.Parent], e.NID)
			}
		}
		return true
	})
	listed := 0
	for folder := range isFolder {
		tc, err := nodeTC(f, folder.WithType(ndb.NIDTypeHierarchyTable))
		if err != nil {
			if len(children[folder]) > 0 || folder.Type() == ndb.NIDTypeNormalFolder {
				t.Errorf("folder %v (%d subfolders): hierarchy table: %v", folder, len(children[folder]), err)
			}
			continue
		}
		rows := map[ndb.NID]bool{}
		for i := 0; i < tc.Rows(); i++ {
			child := ndb.NID(tc.RowID(i))
			rows[child] = true
			e, err := f.Node(child)
			if err != nil || e.Parent != folder {
				t.Errorf("folder %v lists %v: node %+v, %v", folder, child, e, err)
				continue
			}
			row, _ := tc.Row(i)
			pc, err := nodePC(f, child)
			if err != nil {
				t.Errorf("subfolder %v: %v", child, err)
				continue
			}
			// (Outlook 2003 leaves the cells of search folder rows empty)
			if a, ok := row.String(mapi.PidTagDisplayName); ok && a != pc.Str(mapi.PidTagDisplayName) {
				t.Errorf("subfolder %v: table says %q, its PC %q", child, a, pc.Str(mapi.PidTagDisplayName))
			}
			listed++
		}
		for _, c := range children[folder] {
			if !rows[c] {
				t.Errorf("folder %v: subfolder %v not in its hierarchy table", folder, c)
			}
		}
	}
	if listed == 0 {
		t.Error("no folder lists a subfolder")
	}
	return len(isFolder)
}

// TestOSTTree reads the folder hierarchy of the OST 2013 corpus file and
// compares it with the tree pst-extractor's authors wrote for it. Folders
// must match exactly, in order. The tree's message lines ("Email: <NID> -
// <subject>") are a subset of what the file holds: the tool that wrote it
// listed at most 24 rows of a contents table (8176 / 339-byte rows, as if
// a 4 KiB-page table block held no more than a 512-byte-page one does;
// these blocks hold 168), skipped items without a subject, and predates
// the items with NIDs above 2111140. Every listed message must be found in
// its folder in order, and every extra one must be explained so.
func TestOSTTree(t *testing.T) {
	dir := corpus.Dir(t, "ost")
	want, err := os.ReadFile(filepath.Join(dir, "pst-extractor-npm__mtnman_tree.txt"))
	if err != nil {
		t.Skip(err)
	}
	f := openCorpus(t, filepath.Join(dir, "pst-extractor-npm__mtnman1965@outlook.com.ost"))
	if f.Header().Version != ndb.OST2013 {
		t.Fatalf("version %v", f.Header().Version)
	}
	type line struct {
		text  string
		email bool
		nid   uint32
		row   int
		subj  string
	}
	var got []line
	var walk func(nid ndb.NID, depth int)
	walk = func(nid ndb.NID, depth int) {
		prefix := " |" + strings.Repeat("  |", depth) + "- "
		if tc, err := nodeTC(f, nid.WithType(ndb.NIDTypeHierarchyTable)); err == nil {
			for i := 0; i < tc.Rows(); i++ {
				child := ndb.NID(tc.RowID(i))
				pc, err := nodePC(f, child)
				if err != nil {
					t.Errorf("folder %v: %v", child, err)
					continue
				}
				got = append(got, line{text: prefix + pc.Str(mapi.PidTagDisplayName)})
				walk(child, depth+1)
			}
		}
		tc, err := nodeTC(f, nid.WithType(ndb.NIDTypeContentsTable))
		if err != nil {
			return
		}
		for i := 0; i < tc.Rows(); i++ {
			mid := tc.RowID(i)
			pc, err := nodePC(f, ndb.NID(mid))
			if err != nil {
				t.Errorf("message %d: %v", mid, err)
				continue
			}
			subj := pc.Str(mapi.PidTagSubject)
			if len(subj) >= 2 && subj[0] == 1 { // the prefix-length marker
				subj = subj[2:]
			}
			got = append(got, line{text: prefix + fmt.Sprintf("Email: %d - %s", mid, subj), email: true, nid: mid, row: i, subj: subj})
		}
	}
	walk(ndb.NIDRootFolder, 0)

	wantLines := strings.Split(strings.TrimRight(string(want), "\n"), "\n")
	var wantFolders, gotFolders []string
	for _, l := range wantLines {
		if !strings.Contains(l, "- Email: ") {
			wantFolders = append(wantFolders, l)
		}
	}
	for _, l := range got {
		if !l.email {
			gotFolders = append(gotFolders, l.text)
		}
	}
	if strings.Join(gotFolders, "\n") != strings.Join(wantFolders, "\n") {
		t.Errorf("folder tree differs:\n got:\n%s\nwant:\n%s", strings.Join(gotFolders, "\n"), strings.Join(wantFolders, "\n"))
	}
	// messages: the expected lines, in order, are a subsequence of ours
	j, extra := 0, 0
	for _, l := range got {
		if j < len(wantLines) && l.text == wantLines[j] {
			j++
			continue
		}
		if !l.email {
			continue
		}
		extra++
		if l.subj != "" && l.row < 24 && l.nid <= 2111140 {
			t.Errorf("message not in the expected tree and not explained: %s", l.text)
		}
	}
	if j != len(wantLines) {
		t.Errorf("expected line %d not found in order: %q", j+1, wantLines[j])
	}
	t.Logf("%d folders match; %d of our messages are in the expected tree, %d more are explained", len(gotFolders), len(wantLines)-len(wantFolders), extra)
}

// TestPffinfo compares what libpff's pffinfo reports of each file with
// what we read: size, content type, format, encryption and the password
// checksum of the message store.
func TestPffinfo(t *testing.T) {
	bin, err := exec.LookPath("pffinfo")
	if err != nil {
		t.Skip("pffinfo not installed (Debian pff-tools)")
	}
	fieldRE := regexp.MustCompile(`(?m)^[ \t]*([A-Za-z ]+):[ \t]*(.*)$`)
	for _, path := range corpusPSTs(t) {
		t.Run(filepath.Base(path), func(t *testing.T) {
			out, err := exec.Command(bin, path).Output()
			if err != nil {
				t.Skipf("pffinfo: %v", err)
			}
			info := map[string]string{}
			for _, m := range fieldRE.FindAllStringSubmatch(string(out), -1) {
				info[strings.TrimSpace(m[1])] = strings.TrimSpace(m[2])
			}
			f := openCorpus(t, path)
			h := f.Header()
			if want := fmt.Sprintf("%d bytes", f.Size()); info["File size"] != want {
				t.Errorf("size: pffinfo %q, we %q", info["File size"], want)
			}
			content := map[string]string{"SM": "Personal Storage Tables (PST)", "SO": "Offline Storage Tables (OST)", "AB": "Personal Address Book (PAB)"}[h.Client]
			if info["File content type"] != content {
				t.Errorf("content type: pffinfo %q, we %q (client %q)", info["File content type"], content, h.Client)
			}
			format := map[ndb.Version]string{ndb.ANSI: "32-bit", ndb.Unicode: "64-bit", ndb.OST2013: "64-bit with 4k page"}[h.Version]
			if info["File type"] != format {
				t.Errorf("file type: pffinfo %q, we %q", info["File type"], format)
			}
			crypt := map[uint8]string{ndb.CryptNone: "none", ndb.CryptPermute: "compressible", ndb.CryptCyclic: "high"}[h.Crypt]
			if info["Encryption type"] != crypt {
				t.Errorf("encryption: pffinfo %q, we %q", info["Encryption type"], crypt)
			}
			store, err := nodePC(f, ndb.NIDMessageStore)
			if err != nil {
				t.Fatal(err)
			}
			// pffinfo prints 0 and 0xFFFFFFFF as N/A
			pw := "N/A"
			if v, ok := store.Int(mapi.PidTagPasswordMailbox); ok && uint32(v) != 0 && uint32(v) != 0xFFFFFFFF {
				pw = fmt.Sprintf("0x%08x", uint32(v))
			}
			if got := info["Password checksum"]; got != pw {
				t.Errorf("password checksum: pffinfo %q, we %q", got, pw)
			}
			// PidTagValidFolderMask, as pffinfo lists it
			const pidTagValidFolderMask = 0x35DF
			folders := ""
			if v, ok := store.Int(pidTagValidFolderMask); ok {
				names := []string{"Subtree, ", "Inbox, ", "Outbox, ", "Wastbox, ", "Sentmail, ", "Views, ", "Common views, ", "Finder"}
				for i, n := range names {
					if v&(1<<i) != 0 {
						folders += n
					}
				}
			}
			if got := info["Folders"]; strings.TrimSpace(got) != strings.TrimSpace(folders) {
				t.Errorf("valid folders: pffinfo %q, we %q", got, folders)
			}
		})
	}
}

// used by the benchmarks
func largestCorpusFile(b *testing.B) (*ndb.File, string) {
	var best string
	var size int64
	for _, p := range corpusPSTs(b) {
		if st, err := os.Stat(p); err == nil && st.Size() > size {
			best, size = p, st.Size()
		}
	}
	data, err := os.ReadFile(best)
	if err != nil {
		b.Skip(err)
	}
	f, err := ndb.Open(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		b.Fatal(err)
	}
	return f, best
}

// BenchmarkReadAllHeaps reads every PC and TC (all rows) of the largest
// corpus file.
func BenchmarkReadAllHeaps(b *testing.B) {
	f, _ := largestCorpusFile(b)
	for b.Loop() {
		checkHeaps(f, b.Fatalf)
	}
}
