package damage

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math/bits"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mailsalvage/mailsalvage/formats"
	"github.com/mailsalvage/mailsalvage/formats/mapi"
	"github.com/mailsalvage/mailsalvage/formats/pst/ndb"
	"github.com/mailsalvage/mailsalvage/internal/bounds"
	"github.com/mailsalvage/mailsalvage/internal/synth"

	_ "github.com/mailsalvage/mailsalvage/formats/pst" // the "pst" format, for formats.Open
)

// testStore is a small store with what the damages aim at: enough nodes
// and blocks for two-level B-trees, a message with an attachment over
// several blocks (an XBLOCK), embedded messages (subnode trees within
// subnode trees) and deleted messages (orphans).
func testStore(ansi bool) synth.PSTStore {
	g := synth.NewGen(99)
	notes := func(n int) []*mapi.Message {
		var out []*mapi.Message
		for i := 0; i < n; i++ {
			out = append(out, synth.OutlookNote(g))
		}
		return out
	}
	big := g.Note()
	big.Subject = "Big attachment"
	big.Attachments = append(big.Attachments, synth.File{Name: "scan.bin", MIMEType: "application/octet-stream",
		Data: synth.Garbage(rand.New(rand.NewPCG(7, 8)), 20000)})
	inbox := &synth.PSTFolder{Name: "Inbox", Class: "IPF.Note", Messages: append(notes(8), synth.NoteMessage(big)), Deleted: notes(2)}
	return synth.PSTStore{DisplayName: "damage test", ANSI: ansi, Folders: []*synth.PSTFolder{
		inbox,
		{Name: "Archive", Class: "IPF.Note", Messages: notes(6), Folders: []*synth.PSTFolder{
			{Name: "2019", Class: "IPF.Note", Messages: notes(4)},
		}},
		{Name: "Calendar", Class: "IPF.Appointment", Messages: []*mapi.Message{synth.OutlookAppointment(g), synth.OutlookAppointment(g)}},
		{Name: "Contacts", Class: "IPF.Contact", Messages: []*mapi.Message{synth.OutlookContact(g)}},
	}}
}

// smallStore has short items only: no XBLOCK anywhere.
func smallStore() synth.PSTStore {
	g := synth.NewGen(5)
	var msgs []*mapi.Message
	for i := 0; i < 3; i++ {
		n := g.Note()
		n.Attachments, n.Forwarded, n.HTML = nil, nil, ""
		msgs = append(msgs, synth.NoteMessage(n))
	}
	return synth.PSTStore{DisplayName: "small", Folders: []*synth.PSTFolder{{Name: "Inbox", Class: "IPF.Note", Messages: msgs}}}
}

type synthFile struct {
	name string
	b    []byte
	sm   *synth.PSTMap
}

var synthCache = map[string]synthFile{}

func synthFiles(t *testing.T) []synthFile {
	t.Helper()
	var out []synthFile
	for _, v := range []struct {
		name string
		s    synth.PSTStore
	}{{"unicode", testStore(false)}, {"ansi", testStore(true)}, {"small", smallStore()}} {
		if f, ok := synthCache[v.name]; ok {
			out = append(out, f)
			continue
		}
		b, sm, err := synth.PSTWithMap(v.s)
		if err != nil {
			t.Fatal(err)
		}
		f := synthFile{v.name, b, sm}
		synthCache[v.name] = f
		out = append(out, f)
	}
	return out
}

func mustMap(t *testing.T, b []byte) *Map {
	t.Helper()
	m, err := NewMap(b)
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Warnings) > 0 {
		t.Fatalf("intact file: %v", m.Warnings)
	}
	return m
}

// The map finds every page, block and node the writer put in the file,
// where it put them, and the blocks of all nodes together are every
// block of the file.
func TestMapMatchesWriter(t *testing.T) {
	for _, f := range synthFiles(t) {
		t.Run(f.name, func(t *testing.T) {
			m := mustMap(t, f.b)
			pages := map[int64]synth.PSTPage{}
			for _, p := range f.sm.Pages {
				pages[p.Offset] = p
			}
			if len(m.Pages) != len(pages) {
				t.Errorf("%d pages, the writer made %d", len(m.Pages), len(pages))
			}
			for _, p := range m.Pages {
				w, ok := pages[p.Offset]
				if !ok || w.NBT != (p.Tree == NBT) || w.Level != p.Level || ndb.BID(w.BID) != p.BID {
					t.Errorf("page %+v, the writer's %+v", p, w)
				}
			}
			blocks := map[uint64]synth.PSTBlock{}
			for _, b := range f.sm.Blocks {
				blocks[b.BID] = b
			}
			if len(m.Blocks) != len(blocks) {
				t.Errorf("%d blocks, the writer made %d", len(m.Blocks), len(blocks))
			}
			for _, b := range m.Blocks {
				w, ok := blocks[uint64(b.BID)]
				if !ok || w.Offset != b.Offset || w.Size != b.Size || w.Internal != b.Internal {
					t.Errorf("block %+v, the writer's %+v", b, w)
				}
				if b.Span%64 != 0 || b.Span < b.Size || m.Pages[b.Leaf].Tree != BBT || m.Pages[b.Leaf].Level != 0 {
					t.Errorf("block %+v: span or leaf wrong", b)
				}
			}
			if len(m.Nodes) != len(f.sm.Nodes) {
				t.Errorf("%d nodes, the writer made %d", len(m.Nodes), len(f.sm.Nodes))
			}
			for _, w := range f.sm.Nodes {
				n, ok := m.Node(ndb.NID(w.NID))
				if !ok || n.Data != ndb.BID(w.Data) || n.Subnodes != ndb.BID(w.Subnodes) || n.Parent != ndb.NID(w.Parent) {
					t.Errorf("node %+v, the writer's %+v", n, w)
				}
			}
			if want := len(f.sm.Messages); len(m.Messages()) != want {
				t.Errorf("%d messages, the writer made %d", len(m.Messages()), want)
			}
			used := map[int]bool{}
			for _, n := range m.Nodes {
				for _, i := range m.ItemBlocks(n.NID) {
					used[i] = true
				}
			}
			if len(used) != len(m.Blocks) {
				t.Errorf("the nodes use %d of the %d blocks", len(used), len(m.Blocks))
			}
			if f.name != "small" && (m.Depth(NBT) < 2 || m.Depth(BBT) < 2) {
				t.Errorf("NBT %d, BBT %d levels: the test store should have two", m.Depth(NBT), m.Depth(BBT))
			}
		})
	}
}

// differing returns the ranges where a and b differ, and what a has past
// b's end.
func differing(a, b []byte) []Range { return mergeRanges(diff(a, b)) }

// checkChanged checks that d.Changed is exactly where out differs from
// orig (a truncation aside, whose cut is the change).
func checkChanged(t *testing.T, orig, out []byte, d Damage) {
	t.Helper()
	if d.Size != int64(len(out)) {
		t.Errorf("Size %d, the copy has %d bytes", d.Size, len(out))
	}
	got := differing(orig, out)
	// a damage may write a byte its old value (zeroing a zero): every
	// change must lie in Changed, and Changed must not reach past the file
	for _, r := range got {
		in := false
		for _, c := range d.Changed {
			if r.Off >= c.Off && r.End() <= c.End() {
				in = true
			}
		}
		if !in {
			t.Errorf("bytes %v changed outside %v", r, d.Changed)
		}
	}
	for _, c := range d.Changed {
		if c.Off < 0 || c.End() > int64(len(orig)) {
			t.Errorf("changed range %v outside the file", c)
		}
	}
	if d.Desc == "" || d.Kind == "" {
		t.Errorf("no description: %+v", d)
	}
}

func TestZeroSectors(t *testing.T) {
	for _, f := range synthFiles(t) {
		out, d, err := ZeroSectors(f.b, 10, 3)
		if err != nil {
			t.Fatal(err)
		}
		checkChanged(t, f.b, out, d)
		n := int64(0)
		for _, r := range d.Changed {
			if r.Off%SectorSize != 0 || r.Len%SectorSize != 0 {
				t.Errorf("%s: range %v not whole sectors", f.name, r)
			}
			if !allZero(out[r.Off:r.End()]) {
				t.Errorf("%s: range %v not zero", f.name, r)
			}
			n += r.Len
		}
		if n != 10*SectorSize {
			t.Errorf("%s: %d bytes zeroed, want %d", f.name, n, 10*SectorSize)
		}
		again, _, _ := ZeroSectors(f.b, 10, 3)
		other, _, _ := ZeroSectors(f.b, 10, 4)
		if !bytes.Equal(out, again) || bytes.Equal(out, other) {
			t.Errorf("%s: not deterministic by seed", f.name)
		}
		if !strings.Contains(d.Desc, "10 sectors") {
			t.Errorf("%s: %s", f.name, d.Desc)
		}
	}
	// more sectors than the file has: all of them
	out, _, _ := ZeroSectors([]byte("!BDN and a little more"), 99, 1)
	if !allZero(out) {
		t.Errorf("%q", out)
	}
}

func allZero(b []byte) bool {
	for _, c := range b {
		if c != 0 {
			return false
		}
	}
	return true
}

func TestFlipBits(t *testing.T) {
	for _, f := range synthFiles(t) {
		out, d, err := FlipBits(f.b, 300, 9)
		if err != nil {
			t.Fatal(err)
		}
		checkChanged(t, f.b, out, d)
		flipped := 0
		for i := range out {
			flipped += bits.OnesCount8(out[i] ^ f.b[i])
		}
		if flipped != 300 {
			t.Errorf("%s: %d bits differ, want 300", f.name, flipped)
		}
		again, _, _ := FlipBits(f.b, 300, 9)
		if !bytes.Equal(out, again) {
			t.Errorf("%s: not deterministic", f.name)
		}
	}
}

func TestDestroyRoots(t *testing.T) {
	for _, f := range synthFiles(t) {
		m := mustMap(t, f.b)
		nbtRoot, bbtRoot := m.Pages[m.Root(NBT)], m.Pages[m.Root(BBT)]
		open := func(b []byte) *ndb.File {
			db, err := ndb.Open(bytes.NewReader(b), int64(len(b)))
			if err != nil {
				t.Fatal(err)
			}
			return db
		}

		refs, d, err := DestroyRootRefs(f.b)
		if err != nil {
			t.Fatal(err)
		}
		checkChanged(t, f.b, refs, d)
		h := open(refs).Header()
		if h.NBTRoot != (ndb.BRef{}) || h.BBTRoot != (ndb.BRef{}) || !d.Hits.Header || len(d.Hits.Pages) != 0 {
			t.Errorf("%s: roots %v %v, hits %+v", f.name, h.NBTRoot, h.BBTRoot, d.Hits)
		}

		pages, d, err := DestroyRootPages(f.b)
		if err != nil {
			t.Fatal(err)
		}
		checkChanged(t, f.b, pages, d)
		if !allZero(pages[nbtRoot.Offset:nbtRoot.Range().End()]) || !allZero(pages[bbtRoot.Offset:bbtRoot.Range().End()]) || d.Hits.Header || len(d.Hits.Pages) != 2 {
			t.Errorf("%s: root pages not zeroed, or hits %+v", f.name, d.Hits)
		}
		if h := open(pages).Header(); h.NBTRoot != m.Header.NBTRoot {
			t.Errorf("%s: the header changed", f.name)
		}

		both, d, err := DestroyRoots(f.b)
		if err != nil {
			t.Fatal(err)
		}
		checkChanged(t, f.b, both, d)
		if !bytes.Equal(both[:m.HeaderSize], refs[:m.HeaderSize]) || !allZero(both[nbtRoot.Offset:nbtRoot.Range().End()]) {
			t.Errorf("%s: DestroyRoots is not both", f.name)
		}
		db := open(both)
		if err := db.WalkNodes(func(ndb.NodeEntry) bool { return true }); err == nil {
			t.Errorf("%s: the NBT still walks", f.name)
		}
		e := m.Expect(d.Hits, m.Messages())
		if len(e.Reachable) != 0 || len(e.Untouched) != len(m.Messages()) {
			t.Errorf("%s: expect %d untouched %d reachable", f.name, len(e.Untouched), len(e.Reachable))
		}
		if m.Depth(NBT) > 1 && m.Depth(BBT) > 1 && len(e.Scannable) != len(m.Messages()) {
			t.Errorf("%s: %d scannable of %d: only roots were hit", f.name, len(e.Scannable), len(m.Messages()))
		}
	}
}

func TestTruncate(t *testing.T) {
	for _, f := range synthFiles(t) {
		out, d, err := Truncate(f.b, 0.6)
		if err != nil {
			t.Fatal(err)
		}
		checkChanged(t, f.b, out, d)
		if len(out)%SectorSize != 0 || float64(len(out)) > 0.6*float64(len(f.b)) || float64(len(out)) < 0.6*float64(len(f.b))-SectorSize ||
			!bytes.Equal(out, f.b[:len(out)]) || d.Target != int64(len(out)) {
			t.Errorf("%s: %d of %d bytes kept", f.name, len(out), len(f.b))
		}
		m := mustMap(t, f.b)
		e := m.Expect(d.Hits, m.Messages())
		for nid := range e.Untouched {
			for _, i := range m.ItemBlocks(nid) {
				if m.Blocks[i].Range().End() > int64(len(out)) {
					t.Errorf("%s: message %v untouched but block %v lies past the cut", f.name, nid, m.Blocks[i].BID)
				}
			}
		}
	}
	for _, bad := range []float64{-0.1, 1.5} {
		if _, _, err := Truncate([]byte("x"), bad); err == nil {
			t.Errorf("fraction %v accepted", bad)
		}
	}
}

func TestOverwritePage(t *testing.T) {
	for _, f := range synthFiles(t) {
		m := mustMap(t, f.b)
		for _, tree := range []Tree{NBT, BBT} {
			out, d, err := OverwritePage(f.b, tree, 5)
			if m.Depth(tree) < 2 {
				if !errors.Is(err, ErrNotApplicable) {
					t.Errorf("%s %v: one level, err %v", f.name, tree, err)
				}
				continue
			}
			if err != nil {
				t.Fatal(err)
			}
			checkChanged(t, f.b, out, d)
			if len(d.Changed) != 1 || len(d.Hits.Pages) != 1 {
				t.Fatalf("%s %v: changed %v, hits %+v", f.name, tree, d.Changed, d.Hits)
			}
			p := m.Pages[d.Hits.Pages[0]]
			if p.Tree != tree || p.Parent < 0 || p.Offset != d.Target || d.Changed[0] != p.Range() {
				t.Errorf("%s %v: overwrote %+v (target 0x%X)", f.name, tree, p, d.Target)
			}
			e := m.Expect(d.Hits, m.Messages())
			if len(e.Untouched) != len(m.Messages()) || len(e.Scannable) == len(m.Messages()) && p.Level == 0 && tree == NBT && hasMessages(m, d.Hits.Pages[0]) {
				t.Errorf("%s %v: %d untouched, %d scannable of %d", f.name, tree, len(e.Untouched), len(e.Scannable), len(m.Messages()))
			}
		}
	}
}

func hasMessages(m *Map, leaf int) bool {
	for _, n := range m.Nodes {
		if n.Leaf == leaf && n.NID.Type() == ndb.NIDTypeNormalMessage {
			return true
		}
	}
	return false
}

func TestZeroBlock(t *testing.T) {
	for _, f := range synthFiles(t) {
		m := mustMap(t, f.b)
		bid, ok := m.MessageBlock(2)
		if !ok {
			t.Fatalf("%s: no message block", f.name)
		}
		out, d, err := ZeroBlock(f.b, bid)
		if err != nil {
			t.Fatal(err)
		}
		checkChanged(t, f.b, out, d)
		bl, _ := m.Block(bid)
		if !allZero(out[bl.Offset:bl.Range().End()]) || len(d.Hits.Blocks) != 1 || m.Blocks[d.Hits.Blocks[0]].BID != bl.BID || d.Hits.Structural() {
			t.Errorf("%s: block %v not zeroed alone: hits %+v", f.name, bid, d.Hits)
		}
		e := m.Expect(d.Hits, m.Messages())
		for _, nid := range m.Messages() {
			uses := false
			for _, i := range m.ItemBlocks(nid) {
				uses = uses || m.Blocks[i].BID == bl.BID
			}
			if uses == e.Reachable[nid] {
				t.Errorf("%s: message %v uses the block: %v, reachable: %v", f.name, nid, uses, e.Reachable[nid])
			}
		}
		if !strings.Contains(d.Desc, "used by message") {
			t.Errorf("%s: %s", f.name, d.Desc)
		}
		if _, _, err := ZeroBlock(f.b, 0x7FFFFFFC); !errors.Is(err, ErrNotApplicable) {
			t.Errorf("%s: a block not in the BBT: %v", f.name, err)
		}
	}
}

func TestLoopDataTree(t *testing.T) {
	for _, f := range synthFiles(t) {
		m := mustMap(t, f.b)
		out, d, err := LoopDataTree(f.b)
		if err != nil {
			t.Fatal(err)
		}
		checkChanged(t, f.b, out, d)
		if len(d.Hits.Blocks) != 1 {
			t.Fatalf("%s: hits %+v", f.name, d.Hits)
		}
		bl := m.Blocks[d.Hits.Blocks[0]]
		if bl.Offset != d.Target || !bl.Internal {
			t.Errorf("%s: target 0x%X, block %+v", f.name, d.Target, bl)
		}
		db, err := ndb.Open(bytes.NewReader(out), int64(len(out)))
		if err != nil {
			t.Fatal(err)
		}
		data, err := db.ReadBlock(bl.BID)
		if err != nil || len(db.Warnings()) > 0 {
			t.Fatalf("%s: the changed block does not read cleanly: %v %v", f.name, err, db.Warnings())
		}
		wantX := f.name != "small"
		if (data[0] == ndb.BTypeXBlock) != wantX {
			t.Errorf("%s: btype %d (%s)", f.name, data[0], d.Desc)
		}
		var users []ndb.NID
		for _, nid := range m.Messages() {
			for _, i := range m.ItemBlocks(nid) {
				if m.Blocks[i].BID == bl.BID {
					users = append(users, nid)
				}
			}
		}
		if len(users) == 0 {
			t.Fatalf("%s: the looping block is no message's", f.name)
		}
		if data[0] == ndb.BTypeXBlock {
			x, err := ndb.ParseXBlock(data, m.idSize)
			if err != nil || x.BIDs[len(x.BIDs)-1] != bl.BID {
				t.Errorf("%s: XBLOCK %+v %v", f.name, x, err)
			}
			// the reader stops at the XBLOCK listing itself, keeping the
			// other blocks
			bounds.Within(t, 5*time.Second, func() {
				blocks, err := db.Data(bl.BID)
				if err == nil || len(blocks) != len(x.BIDs) || blocks[len(blocks)-1] != nil || blocks[0] == nil {
					t.Errorf("%s: the looping tree reads as %d blocks, err %v", f.name, len(blocks), err)
				}
			})
		} else {
			s, err := ndb.ParseSubnodeBlock(data, m.idSize)
			if err != nil || len(s.Entries) == 0 || s.Entries[0].Subnodes != bl.BID {
				t.Errorf("%s: SLBLOCK %+v %v", f.name, s, err)
			}
		}
	}
}

// damaged returns every damage of every synthetic file, named
// "<kind>-<file>".
func damaged(t *testing.T) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	for _, f := range synthFiles(t) {
		m := mustMap(t, f.b)
		add := func(name string, b []byte, _ Damage, err error) {
			if errors.Is(err, ErrNotApplicable) {
				return
			}
			if err != nil {
				t.Fatalf("%s-%s: %v", name, f.name, err)
			}
			out[name+"-"+f.name] = b
		}
		b, d, err := ZeroSectors(f.b, 8, 1)
		add("zero-sectors", b, d, err)
		b, d, err = FlipBits(f.b, 300, 1)
		add("flip-bits", b, d, err)
		b, d, err = DestroyRoots(f.b)
		add("roots", b, d, err)
		b, d, err = DestroyRootRefs(f.b)
		add("root-refs", b, d, err)
		b, d, err = Truncate(f.b, 0.6)
		add("truncate", b, d, err)
		b, d, err = OverwritePage(f.b, NBT, 1)
		add("overwrite-nbt", b, d, err)
		b, d, err = OverwritePage(f.b, BBT, 1)
		add("overwrite-bbt", b, d, err)
		b, d, err = LoopDataTree(f.b)
		add("loop", b, d, err)
		if bid, ok := m.MessageBlock(1); ok {
			b, d, err = ZeroBlock(f.b, bid)
			add("zero-block", b, d, err)
		}
	}
	return out
}

// Every damaged synthetic file is read through the "pst" format to the
// last message without a panic or a hang, and what is reachable comes
// back.
func TestDamagedFilesRead(t *testing.T) {
	dir := t.TempDir()
	for name, b := range damaged(t) {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(dir, name+".pst")
			if err := os.WriteFile(path, b, 0o644); err != nil {
				t.Fatal(err)
			}
			n := 0
			bounds.Within(t, 20*time.Second, func() {
				src, _, err := formats.Open(path)
				if err != nil {
					return // not even a PST any more: a clean error is fine
				}
				defer src.Close()
				for {
					m, err := src.Next()
					if err == io.EOF {
						break
					}
					if err != nil {
						continue // a problem with one folder; the rest goes on
					}
					rc, err := m.Open()
					if err == nil {
						io.Copy(io.Discard, rc)
						rc.Close()
					}
					n++
					if n > 10000 {
						t.Errorf("more than 10000 messages from a file of %d", len(b))
						return
					}
				}
			})
			t.Logf("%d messages", n)
		})
	}
}

func TestMatch(t *testing.T) {
	ref := []RefItem{
		{NID: 0x24, MessageID: "<a@x>", Subject: "A", InNBT: true},
		{NID: 0x44, MessageID: "<b@x>", Subject: "B", InNBT: true},
		{NID: 0x64, Subject: "Saqib Razzaq", InNBT: true},
		{NID: 0x84, Subject: "same", InNBT: true},
		{NID: 0xA4, Subject: "same", InNBT: true},
		{NID: 0xC4, MessageID: "<c@x>", Subject: "C", InNBT: true},
	}
	cases := []struct {
		name  string
		found []Found
		want  []bool
	}{
		{"by Message-ID", []Found{{MessageID: "<a@x>"}, {MessageID: "<b@x>"}}, []bool{true, true, false, false, false, false}},
		{"a Message-ID once only", []Found{{MessageID: "<a@x>"}, {MessageID: "<a@x>"}}, []bool{true, false, false, false, false, false}},
		{"node and subject", []Found{{NID: 0x64, Subject: "Saqib  Razzaq"}, {NID: 0x84, Subject: "other"}, {NID: 0xC4, Subject: "C"}},
			[]bool{false, false, true, false, false, true}},
		{"node with another Message-ID", []Found{{NID: 0x24, MessageID: "<z@x>", Subject: "A"}}, []bool{false, false, false, false, false, false}},
		{"subject words, no node", []Found{{Subject: "Razzaq, Saqib"}, {Subject: "same"}, {Subject: "same"}, {Subject: "same"}},
			[]bool{false, false, true, true, true, false}},
		{"unreadable", []Found{{NID: 0x84, Subject: "same", Unreadable: true}, {MessageID: "<b@x>", Unreadable: true}}, []bool{false, false, false, false, false, false}},
	}
	for _, c := range cases {
		s := Match(ref, c.found)
		if fmt.Sprint(s.Got) != fmt.Sprint(c.want) {
			t.Errorf("%s: got %v, want %v", c.name, s.Got, c.want)
		}
	}
	s := Match(ref, []Found{{MessageID: "<a@x>"}, {MessageID: "<c@x>"}, {NID: 0x84, Subject: "same"}})
	if s.Items != 6 || s.Recovered != 3 || s.IDs != 3 || s.IDsRecovered != 2 {
		t.Errorf("score %+v", s)
	}
}

func TestReference(t *testing.T) {
	f := synthFiles(t)[0]
	m := mustMap(t, f.b)
	msgs := m.Messages()
	ours := []Found{{NID: msgs[0], MessageID: "<m0@x>", Subject: "zero"}, {NID: msgs[1], Subject: "one"}}
	pff := []Found{
		{NID: msgs[1], Subject: "one"},
		{NID: msgs[2], Subject: "two"},
		{NID: 0x7FFFFFE4, Subject: "gone", Deleted: true},
		{NID: 0x7FFFFFE4, Subject: "gone", Deleted: true}, // a second copy of one deleted item
		{NID: 0x7FFFFFC4, Unreadable: true},
	}
	readpst := []Found{{Subject: "no id"}, {MessageID: "<r@x>", Subject: "r"}}
	ref := Reference(m, ours, ToolFound{"pffexport", pff}, ToolFound{"readpst", readpst})
	if len(ref) != len(msgs)+2 {
		t.Fatalf("%d reference items, want %d messages and 2 more: %+v", len(ref), len(msgs), ref[len(msgs):])
	}
	if ref[0].MessageID != "<m0@x>" || ref[0].Source != "mailsalvage" || ref[2].Subject != "two" || ref[2].Source != "pffexport" || ref[3].Source != "ndb" {
		t.Errorf("%+v", ref[:4])
	}
	if x := ref[len(msgs)]; x.NID != 0x7FFFFFE4 || x.InNBT || x.Source != "pffexport" {
		t.Errorf("%+v", x)
	}
	if x := ref[len(msgs)+1]; x.MessageID != "<r@x>" || x.Source != "readpst" {
		t.Errorf("%+v", x)
	}
}
