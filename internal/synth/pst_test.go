package synth

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/mailsalvage/mailsalvage/formats"
	"github.com/mailsalvage/mailsalvage/formats/mapi"
	"github.com/mailsalvage/mailsalvage/formats/pst"
	"github.com/mailsalvage/mailsalvage/formats/pst/ltp"
	"github.com/mailsalvage/mailsalvage/formats/pst/ndb"
)

// pstTestStore returns a store with one of everything: nested folders of
// each class, notes with HTML bodies as compressed RTF, attachments and
// embedded messages three levels deep, appointments, contacts, named
// properties by id and by name, multi-valued properties, values too large
// for the heap, a property context over several heap blocks, a recipient
// table in a subnode, an attachment over several blocks, and deleted
// (orphaned) messages.
func pstTestStore() PSTStore {
	g := NewGen(4711)
	notes := func(n int) []*mapi.Message {
		var out []*mapi.Message
		for i := 0; i < n; i++ {
			out = append(out, OutlookNote(g))
		}
		return out
	}
	// three levels of forwarded notes below the top one
	deep := g.Note()
	deep.Forwarded = []*Note{g.note(false)}
	deep.Forwarded[0].Forwarded = []*Note{g.note(false)}
	deep.Forwarded[0].Forwarded[0].Forwarded = []*Note{g.note(false)}
	deep.Subject = "Fwd: three levels down"

	// a big one: a long body (in a subnode), an attachment over three
	// blocks, 60 recipients (the table's rows in a subnode)
	big := g.Note()
	big.Subject = "Big message with a long body"
	big.Text = strings.Repeat("A rather long line of text for the body, 0123456789.\r\n", 200)
	rng := rand.New(rand.NewPCG(1, 2))
	big.Attachments = append(big.Attachments, File{Name: "scan.tif", MIMEType: "image/tiff", Data: Garbage(rng, 20000)})
	for i := 0; i < 60; i++ {
		big.To = append(big.To, Address{fmt.Sprintf("Recipient Nummer %d", i), fmt.Sprintf("r%d@example.com", i)})
	}
	bigMsg := NoteMessage(big)

	// a property context over several heap blocks: named string
	// properties of 1500 characters, multi-valued properties
	wide := OutlookNote(g)
	for i := 0; i < 12; i++ {
		id := uint16(0x8100 + i)
		wide.Props.Named[id] = mapi.NamedProperty{GUID: mapi.PSPUBLICSTRINGS, Name: fmt.Sprintf("X-Synth-Header-%d", i)}
		wide.Props.Set(&mapi.Property{Tag: mapi.NewTag(id, mapi.PtypString), Value: mapi.EncodeUTF16(strings.Repeat(string(rune('a'+i)), 1500))})
	}
	wide.Props.Set(&mapi.Property{Tag: mapi.NewTag(0x6F01, mapi.PtypInteger32|mapi.MultipleFlag), Values: [][]byte{i32(1), i32(-2), i32(3)}})
	wide.Props.Set(&mapi.Property{Tag: mapi.NewTag(0x6F02, mapi.PtypBinary|mapi.MultipleFlag), Values: [][]byte{{1, 2, 3}, {}, {4}}})
	wide.Props.Set(&mapi.Property{Tag: mapi.NewTag(0x6F03, mapi.PtypInteger64), Value: binary.LittleEndian.AppendUint64(nil, 1<<40+7)})
	wide.Props.Set(&mapi.Property{Tag: mapi.NewTag(0x6F04, mapi.PtypGuid), Value: mapi.PSETIDCommon[:]})
	wide.Props.Set(&mapi.Property{Tag: mapi.NewTag(0x6F05, mapi.PtypInteger16), Value: []byte{0x34, 0x12}})
	wide.Props.Set(&mapi.Property{Tag: mapi.NewTag(0x6F06, mapi.PtypBinary), Value: []byte{}})

	return PSTStore{
		DisplayName: "Synthetic Archive",
		Folders: []*PSTFolder{
			{Name: "Inbox", Class: "IPF.Note", Messages: append(notes(5), NoteMessage(deep), bigMsg, wide, kitchenSink(3)), Deleted: notes(2)},
			{Name: "Sent Items", Class: "IPF.Note", Messages: notes(2)},
			{Name: "Calendar", Class: "IPF.Appointment", Messages: []*mapi.Message{OutlookAppointment(g), OutlookAppointment(g)}},
			{Name: "Contacts", Class: "IPF.Contact", Messages: []*mapi.Message{OutlookContact(g), OutlookContact(g)}},
			{Name: "Projects", Class: "IPF.Note", Messages: notes(1), Folders: []*PSTFolder{
				{Name: "2019 — Zusammenarbeit", Class: "IPF.Note", Messages: notes(2), Folders: []*PSTFolder{
					{Name: "Archived", Class: "IPF.Note", Messages: notes(1), Deleted: notes(1)},
				}},
				{Name: "Empty", Class: "IPF.Note"},
			}},
		},
	}
}

// pstLargeStore returns a store whose structures outgrow their simplest
// form: 700 messages in one folder (a contents table over several blocks
// and a row index of two levels, B-trees of three levels, more than
// eight AMaps), a message with 400 attachments (a subnode tree with an
// SIBLOCK), and one with a 9 MB attachment (an XXBLOCK).
func pstLargeStore() PSTStore {
	var bulk []*mapi.Message
	for i := 0; i < 700; i++ {
		b := &itemBuilder{}
		s := b.props()
		s.str(mapi.PidTagMessageClass, "IPM.Note")
		s.str(mapi.PidTagSubject, fmt.Sprintf("Bulk message %d", i))
		s.str(mapi.PidTagBody, fmt.Sprintf("Body of bulk message %d.\r\n", i))
		s.time(mapi.PidTagClientSubmitTime, time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(i)*time.Hour))
		s.str(mapi.PidTagSenderName, "Bulk Sender")
		s.str(mapi.PidTagSenderEmailAddress, "bulk@example.com")
		s.str(mapi.PidTagSenderAddressType, "SMTP")
		s.i32(mapi.PidTagMessageFlags, int32(i%2)) // every other one unread
		bulk = append(bulk, &mapi.Message{Props: s.p})
	}
	many := &Note{Subject: "Four hundred attachments", From: Address{"Many Files", "files@example.com"},
		To: []Address{{"Someone", "someone@example.com"}}, Date: time.Date(2020, 2, 1, 9, 0, 0, 0, time.UTC),
		MessageID: "<many@example.com>", Text: "See attached.\r\n"}
	for i := 0; i < 400; i++ {
		many.Attachments = append(many.Attachments, File{Name: fmt.Sprintf("file-%03d.txt", i), MIMEType: "text/plain", Data: []byte(fmt.Sprintf("file %d\r\n", i))})
	}
	huge := &Note{Subject: "Huge attachment", From: Address{"Big Files", "big@example.com"},
		To: []Address{{"Someone", "someone@example.com"}}, Date: time.Date(2020, 3, 1, 9, 0, 0, 0, time.UTC),
		MessageID: "<huge@example.com>", Text: "A disk image.\r\n",
		Attachments: []File{{Name: "disk.img", MIMEType: "application/octet-stream", Data: Garbage(rand.New(rand.NewPCG(3, 4)), 9<<20)}}}
	return PSTStore{DisplayName: "Large", Folders: []*PSTFolder{
		{Name: "Bulk", Class: "IPF.Note", Messages: bulk},
		{Name: "Files", Class: "IPF.Note", Messages: []*mapi.Message{NoteMessage(many), NoteMessage(huge)}},
	}}
}

// pstWritten pairs a message as written with where it was written.
type pstWritten struct {
	msg  *mapi.Message
	info PSTMessageInfo
}

// writtenMessages lists the store's messages in the order PSTWithMap
// reports them.
func writtenMessages(s PSTStore, m *PSTMap) []pstWritten {
	byPath := map[string]*PSTFolder{}
	var walk func(fs []*PSTFolder, path []string)
	walk = func(fs []*PSTFolder, path []string) {
		for _, fo := range fs {
			p := append(slices.Clip(path), fo.Name)
			byPath[strings.Join(p, "/")] = fo
			walk(fo.Folders, p)
		}
	}
	walk(s.Folders, nil)
	var out []pstWritten
	for _, mi := range m.Messages {
		fo := byPath[strings.Join(mi.Path, "/")]
		list := fo.Messages
		if mi.Deleted {
			list = fo.Deleted
		}
		out = append(out, pstWritten{list[mi.Index], mi})
	}
	return out
}

// openPST opens b with the project's reader and fails on any warning.
func openPST(t *testing.T, b []byte) *pst.File {
	t.Helper()
	f, err := pst.Open(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatalf("pst.Open: %v", err)
	}
	return f
}

func checkNoWarnings(t *testing.T, f *pst.File) {
	t.Helper()
	for _, w := range f.DB().Warnings() {
		t.Errorf("ndb warning: %s", w)
	}
	for _, w := range f.Warnings() {
		t.Errorf("pst warning: %s", w)
	}
}

// Properties the writer adds to a message or attachment that lacks them
// (MS-PST 2.4.5.1.1, 2.4.6.2.1), and the row id and version every table
// row has.
var pstAdded = map[uint16]bool{
	mapi.PidTagMessageClass: true, mapi.PidTagMessageFlags: true, mapi.PidTagMessageSize: true,
	pidTagMessageStatus: true, mapi.PidTagCreationTime: true, mapi.PidTagLastModificationTime: true,
	mapi.PidTagSearchKey: true, mapi.PidTagAttachSize: true, mapi.PidTagAttachMethod: true,
	mapi.PidTagRenderingPosition: true,
}

var pstRowProps = map[uint16]bool{0x67F2: true, 0x67F3: true}

// ltpPC reads the property context of a top-level node, with the
// origin of each value.
func ltpPC(db *ndb.File, nid ndb.NID, origins map[mapi.Tag]ltp.Origin) (*mapi.Properties, error) {
	e, err := db.Node(nid)
	if err != nil {
		return nil, err
	}
	blocks, err := db.Data(e.Data)
	if err != nil {
		return nil, err
	}
	subs, err := db.Subnodes(e.Subnodes)
	if err != nil {
		return nil, err
	}
	pc, err := ltp.ReadPCDetailed(blocks, subReader{db, subs})
	if err != nil {
		return nil, err
	}
	for t, o := range pc.Origins {
		if origins != nil {
			origins[t] = o
		}
	}
	return pc.Props, nil
}

// ltpTable reads the table context of a top-level node.
func ltpTable(db *ndb.File, nid ndb.NID) (*ltp.Table, error) {
	e, err := db.Node(nid)
	if err != nil {
		return nil, err
	}
	blocks, err := db.Data(e.Data)
	if err != nil {
		return nil, err
	}
	subs, err := db.Subnodes(e.Subnodes)
	if err != nil {
		return nil, err
	}
	return ltp.ReadTC(blocks, subReader{db, subs})
}

type subReader struct {
	db *ndb.File
	m  map[ndb.NID]ndb.SubnodeEntry
}

func (r subReader) Subnode(nid ndb.NID) ([][]byte, error) {
	e, ok := r.m[nid]
	if !ok {
		return nil, fmt.Errorf("subnode %v not found", nid)
	}
	return r.db.Data(e.Data)
}

func short(b []byte) string {
	if len(b) > 40 {
		return fmt.Sprintf("%x... (%d bytes)", b[:40], len(b))
	}
	return fmt.Sprintf("%x", b)
}

// pstExtras are the properties the writer adds: the ones MS-PST
// requires of messages and attachments when they lack them, the row id
// and version of every table row (recipients are read from rows).
var pstExtras = extras{
	message: func(k propKey) bool { return k.tag.ID() < 0x8000 && pstAdded[k.tag.ID()] },
	attachment: func(k propKey) bool {
		// PidTagAttachDataObject: the reader's reference to the embedded
		// message
		return k.tag.ID() < 0x8000 && pstAdded[k.tag.ID()] || k.tag == tagAttachDataObjectPST
	},
	recipient: func(k propKey) bool { return k.tag.ID() < 0x8000 && pstRowProps[k.tag.ID()] },
}

// ansiOf returns m as an ANSI file keeps it: every PtypString value as
// PtypString8 in Windows-1252.
func ansiOf(m *mapi.Message) *mapi.Message {
	w := &pstWriter{f: pstFormat{ansi: true}}
	conv := func(p *mapi.Properties) mapi.Properties {
		out := mapi.Properties{Named: p.Named, CodePage: p.CodePage}
		for _, tag := range p.Tags() {
			prop, _ := p.Get(tag)
			if tag.Type().Base() == mapi.PtypString {
				prop = w.toString8(prop)
			}
			out.Set(prop)
		}
		return out
	}
	out := &mapi.Message{Props: conv(&m.Props)}
	for _, r := range m.Recipients {
		c := conv(r)
		out.Recipients = append(out.Recipients, &c)
	}
	for _, a := range m.Attachments {
		na := &mapi.Attachment{Props: conv(&a.Props)}
		if a.Embedded != nil {
			na.Embedded = ansiOf(a.Embedded)
		}
		out.Attachments = append(out.Attachments, na)
	}
	return out
}

// checkRoundTrip reads the file back with formats/pst and compares
// everything with what was written.
func checkRoundTrip(t *testing.T, s PSTStore, b []byte, m *PSTMap) {
	t.Helper()
	f := openPST(t, b)
	defer checkNoWarnings(t, f)
	name := s.DisplayName
	if name == "" {
		name = "Personal Folders"
	}
	if got := f.Store().Str(mapi.PidTagDisplayName); got != name {
		t.Errorf("store display name %q, want %q", got, name)
	}

	// the folder tree: Top of Personal Folders with Deleted Items and the
	// store's folders, Search Root, SPAM Search Folder 2
	folders := f.Folders()
	var got []string
	byPath := map[string]*pst.Folder{}
	for _, fo := range folders {
		p := strings.Join(fo.Path, "/")
		got = append(got, p+" ["+fo.Class+"]")
		byPath[p] = fo
	}
	want := []string{"Top of Personal Folders []"}
	hasDeleted := slices.ContainsFunc(s.Folders, func(fo *PSTFolder) bool { return fo.Name == "Deleted Items" })
	if !hasDeleted {
		want = append(want, "Top of Personal Folders/Deleted Items [IPF.Note]")
	}
	var walk func(fs []*PSTFolder, path string)
	walk = func(fs []*PSTFolder, path string) {
		for _, fo := range fs {
			p := path + "/" + fo.Name
			want = append(want, p+" ["+fo.Class+"]")
			walk(fo.Folders, p)
		}
	}
	walk(s.Folders, "Top of Personal Folders")
	want = append(want, "Search Root []", "SPAM Search Folder 2 []")
	if !slices.Equal(got, want) {
		t.Errorf("folders:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}

	// every message where it was written; deleted ones in the NBT only
	listed := map[uint32]bool{}
	for _, fo := range folders {
		nids, err := f.Contents(fo)
		if err != nil {
			t.Errorf("%v: contents: %v", fo.Path, err)
		}
		for _, n := range nids {
			listed[uint32(n)] = true
		}
		count := 0
		for _, mi := range m.Messages {
			if mi.Folder == uint32(fo.NID) && !mi.Deleted {
				count++
			}
		}
		if fo.Count != count || len(nids) != count {
			t.Errorf("%v: content count %d, contents table %d rows, want %d", fo.Path, fo.Count, len(nids), count)
		}
	}
	maxDepth := 0
	for _, wm := range writtenMessages(s, m) {
		where := fmt.Sprintf("%s message %d (NID 0x%X)", strings.Join(wm.info.Path, "/"), wm.info.Index, wm.info.NID)
		if wm.info.Deleted {
			where += " (deleted)"
		}
		if listed[wm.info.NID] == wm.info.Deleted {
			t.Errorf("%s: listed in a contents table: %v", where, listed[wm.info.NID])
		}
		e, err := f.DB().Node(ndb.NID(wm.info.NID))
		if err != nil {
			t.Errorf("%s: %v", where, err)
			continue
		}
		if uint32(e.Parent) != wm.info.Folder {
			t.Errorf("%s: nidParent 0x%X, want 0x%X", where, uint32(e.Parent), wm.info.Folder)
		}
		gm, err := f.Message(ndb.NID(wm.info.NID))
		if err != nil {
			t.Errorf("%s: %v", where, err)
			continue
		}
		want := wm.msg
		if s.ANSI {
			want = ansiOf(want)
		}
		d, _ := compareMessages(t, where, want, gm, pstExtras)
		maxDepth = max(maxDepth, d)
	}
	t.Logf("%d folders, %d messages, embedded messages %d deep", len(folders), len(m.Messages), maxDepth)
}

// checkAllocation checks the header and the allocation maps against the
// blocks and pages the B-trees list: every AMap bit set exactly for the
// 64-byte units in use, the free space in the header, the DList.
func checkAllocation(t *testing.T, b []byte, ansi bool) {
	t.Helper()
	db, err := ndb.Open(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	h := db.Header()
	if h.FileSize != uint64(len(b)) || (len(b)-pstFirstAMap)%pstAMapSpan != 0 {
		t.Errorf("file size %d, header says %d; want a whole number of AMap sections", len(b), h.FileSize)
	}
	if !h.CRCPartialOK || !h.CRCFullOK || h.AMapValid != 2 || h.Sentinel != 0x80 {
		t.Errorf("header: %+v", h)
	}
	used := make([]bool, (len(b)-pstFirstAMap)/64)
	overlap := 0
	mark := func(off int64, n int) {
		for i := (off - pstFirstAMap) / 64; i < (off-pstFirstAMap+int64(n)+63)/64; i++ {
			if used[i] {
				overlap++
			}
			used[i] = true
		}
	}
	trailer := 16
	if ansi {
		trailer = 12
	}
	var blocks int
	db.WalkBlocks(func(e ndb.BlockEntry) bool {
		mark(e.Offset, e.Size+trailer)
		if e.RefCount != 2 {
			t.Errorf("block %v: cRef %d", e.BID, e.RefCount)
		}
		blocks++
		return true
	})
	levels := map[uint8]int{}
	for _, pt := range []uint8{ndb.PTypeNBT, ndb.PTypeBBT} {
		db.WalkPages(pt, func(p *ndb.BTPage) bool {
			mark(p.Offset, 512)
			levels[pt] = max(levels[pt], p.Level+1)
			return true
		})
	}
	amaps := (len(b) - pstFirstAMap) / pstAMapSpan
	var free uint64
	for i := 0; i < amaps; i++ {
		a := int64(amapStart(int64(i)))
		mark(a, 512)
		if i%8 == 0 {
			mark(a+512, 512)
			if p := b[a+512 : a+1024]; p[512-trailer] != pstPTypePMap {
				t.Errorf("no PMap at 0x%X", a+512)
			}
		}
		page := b[a : a+512]
		bits := page[:512-trailer]
		if ansi {
			bits = bits[4:]
		}
		tr := page[512-trailer:]
		var crc uint32
		var bid uint64
		if ansi {
			bid, crc = uint64(binary.LittleEndian.Uint32(tr[4:])), binary.LittleEndian.Uint32(tr[8:])
		} else {
			crc, bid = binary.LittleEndian.Uint32(tr[4:]), binary.LittleEndian.Uint64(tr[8:])
		}
		if tr[0] != pstPTypeAMap || tr[1] != pstPTypeAMap || crc != plainCRC32(page[:512-trailer]) || bid != uint64(a) {
			t.Errorf("AMap at 0x%X: bad trailer % x", a, tr)
		}
		for k := 0; k < 496*8; k++ {
			bit := bits[k/8]&(0x80>>(k%8)) != 0
			if u := used[i*496*8+k]; bit != u {
				t.Errorf("AMap %d bit %d (offset 0x%X): %v, in use %v", i, k, a+int64(k)*64, bit, u)
				return
			}
			if !bit {
				free += 64
			}
		}
	}
	if overlap > 0 {
		t.Errorf("%d 64-byte units used twice", overlap)
	}
	if h.AMapFree != free || h.AMapLast != uint64(amapStart(int64(amaps-1))) || h.PMapFree != 0 {
		t.Errorf("header: cbAMapFree %d (want %d), ibAMapLast 0x%X, cbPMapFree %d", h.AMapFree, free, h.AMapLast, h.PMapFree)
	}
	dl := b[pstDListOffset : pstDListOffset+512]
	if dl[512-trailer] != pstPTypeDList || int(dl[1]) != min(amaps, 119) {
		t.Errorf("DList: ptype 0x%X, %d entries for %d AMaps", dl[512-trailer], dl[1], amaps)
	}
	t.Logf("%d bytes, %d AMaps, %d blocks, NBT %d levels, BBT %d levels", len(b), amaps, blocks, levels[ndb.PTypeNBT], levels[ndb.PTypeBBT])
}

func TestPSTRoundTrip(t *testing.T) {
	for _, v := range []struct {
		name          string
		ansi, noCrypt bool
	}{{"unicode", false, false}, {"unicode-nocrypt", false, true}, {"ansi", true, false}} {
		t.Run(v.name, func(t *testing.T) {
			s := pstTestStore()
			s.ANSI, s.NoEncryption = v.ansi, v.noCrypt
			b, m, err := PSTWithMap(s)
			if err != nil {
				t.Fatal(err)
			}
			h, _, err := ndb.ParseHeader(b)
			if err != nil {
				t.Fatal(err)
			}
			wantVer, wantCrypt := uint16(23), uint8(ndb.CryptPermute)
			if v.ansi {
				wantVer = 14
			}
			if v.noCrypt {
				wantCrypt = ndb.CryptNone
			}
			if h.WVer != wantVer || h.Crypt != wantCrypt {
				t.Errorf("wVer %d, bCryptMethod %d; want %d, %d", h.WVer, h.Crypt, wantVer, wantCrypt)
			}
			checkAllocation(t, b, v.ansi)
			checkRoundTrip(t, s, b, m)
			b2, err := PST(s)
			if err != nil || !bytes.Equal(b, b2) {
				t.Errorf("a second run gives other bytes (%v)", err)
			}
		})
	}
}

func TestPSTLarge(t *testing.T) {
	if testing.Short() {
		t.Skip("writes a 10 MB file")
	}
	s := pstLargeStore()
	b, m, err := PSTWithMap(s)
	if err != nil {
		t.Fatal(err)
	}
	checkAllocation(t, b, false)
	checkRoundTrip(t, s, b, m)

	// the structures the store was made to need
	f := openPST(t, b)
	db := f.DB()
	levels := 0
	db.WalkPages(ndb.PTypeNBT, func(p *ndb.BTPage) bool { levels = max(levels, p.Level+1); return true })
	if levels < 3 {
		t.Errorf("NBT of %d levels, want 3", levels)
	}
	if amaps := (len(b) - pstFirstAMap) / pstAMapSpan; amaps <= 8 {
		t.Errorf("%d AMaps, want more than 8 (a second PMap)", amaps)
	}
	kinds := map[string]bool{}
	for _, blk := range m.Blocks {
		if !blk.Internal {
			continue
		}
		data, err := db.ReadBlock(ndb.BID(blk.BID))
		if err != nil {
			t.Fatal(err)
		}
		kinds[fmt.Sprintf("%d/%d", data[0], data[1])] = true
	}
	for k, name := range map[string]string{"1/1": "XBLOCK", "1/2": "XXBLOCK", "2/0": "SLBLOCK", "2/1": "SIBLOCK"} {
		if !kinds[k] {
			t.Errorf("no %s in the file", name)
		}
	}
	var bulk *pst.Folder
	for _, fo := range f.Folders() {
		if fo.Name == "Bulk" {
			bulk = fo
		}
	}
	if bulk == nil {
		t.Fatal("no Bulk folder")
	}
	ct, err := ltpTable(db, ndb.NID(bulk.NID).WithType(ndb.NIDTypeContentsTable))
	if err != nil {
		t.Fatal(err)
	}
	if ct.Rows() != 700 || ct.Indexed() != 700 || ct.RowsRef&0x1F == 0 {
		t.Errorf("Bulk contents table: %d rows, %d indexed, row matrix at 0x%X (want a subnode)", ct.Rows(), ct.Indexed(), ct.RowsRef)
	}
	props, err := ltpPC(db, ndb.NID(bulk.NID), nil)
	if err != nil {
		t.Fatal(err)
	}
	if n, _ := props.Int(pidTagContentUnreadCount); n != 350 {
		t.Errorf("Bulk: PidTagContentUnreadCount %d, want 350", n)
	}
	peerCheck(t, s, b, m)
}

// TestPSTDeleted checks the orphans of PSTFolder.Deleted: in the NBT
// with their folder as parent, readable, in no contents table.
func TestPSTDeleted(t *testing.T) {
	s := pstTestStore()
	b, m, err := PSTWithMap(s)
	if err != nil {
		t.Fatal(err)
	}
	f := openPST(t, b)
	deleted := 0
	for _, mi := range m.Messages {
		if mi.Deleted {
			deleted++
			if _, err := f.Message(ndb.NID(mi.NID)); err != nil {
				t.Errorf("deleted message 0x%X: %v", mi.NID, err)
			}
		}
	}
	if deleted != 3 {
		t.Errorf("%d deleted messages in the map, want 3", deleted)
	}
	// the CLI's reader finds them as orphans
	src, err := openSource(t, b)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	n, orphans := 0, 0
	for {
		msg, err := src.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		n++
		if msg.State == formats.Orphaned {
			orphans++
		}
	}
	if n != len(m.Messages) || orphans != deleted {
		t.Errorf("formats.Open yields %d messages (%d orphaned), want %d (%d orphaned)", n, orphans, len(m.Messages), deleted)
	}
}

func openSource(t *testing.T, b []byte) (formats.Source, error) {
	t.Helper()
	p := filepath.Join(t.TempDir(), "archive.pst")
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	src, name, err := formats.Open(p)
	if err == nil && name != "pst" {
		t.Errorf("detected as %q, not pst", name)
	}
	return src, err
}

// TestPSTFormatsOpen reads the file as the CLI does: formats.Open finds
// the pst format and yields every listed message, intact, converted to
// RFC 5322 without warnings, in its folder, and every unlisted one as an
// orphan in Recovered/<parent>.
func TestPSTFormatsOpen(t *testing.T) {
	s := pstTestStore()
	b, m, err := PSTWithMap(s)
	if err != nil {
		t.Fatal(err)
	}
	src, err := openSource(t, b)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	want := map[string]int{}
	for _, mi := range m.Messages {
		if mi.Deleted { // an orphan, filed under its parent folder's name
			want["archive/Recovered/"+mi.Path[len(mi.Path)-1]]++
			continue
		}
		want[strings.Join(append([]string{"archive", "Top of Personal Folders"}, mi.Path...), "/")]++
	}
	got := map[string]int{}
	for {
		msg, err := src.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		where := strings.Join(msg.Folder, "/")
		got[where]++
		wantState := formats.Intact
		if strings.HasPrefix(where, "archive/Recovered/") {
			wantState = formats.Orphaned
		}
		if msg.State != wantState {
			t.Errorf("%s: state %s, want %s", where, msg.State, wantState)
		}
		if wantState == formats.Intact {
			for _, w := range msg.Warnings {
				t.Errorf("%s: %s", where, w)
			}
		}
		rc, err := msg.Open()
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(rc)
		rc.Close()
		if !bytes.Contains(body, []byte("\r\n\r\n")) && !bytes.Contains(body, []byte("\n\n")) {
			t.Errorf("%s: not a message: %q", where, short(body))
		}
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("messages by folder: %v, want %v", got, want)
	}
}

func TestPSTPeers(t *testing.T) {
	for _, ansi := range []bool{false, true} {
		t.Run(map[bool]string{false: "unicode", true: "ansi"}[ansi], func(t *testing.T) {
			s := pstTestStore()
			s.ANSI = ansi
			b, m, err := PSTWithMap(s)
			if err != nil {
				t.Fatal(err)
			}
			peerCheck(t, s, b, m)
		})
	}
}

// TestPSTStructures checks that the test store has the structures it was
// made to have: a property context whose heap spans blocks (an XBLOCK
// over them), values in subnodes, a recipient table whose rows are in a
// subnode, an attachment over several blocks.
func TestPSTStructures(t *testing.T) {
	s := pstTestStore()
	b, m, err := PSTWithMap(s)
	if err != nil {
		t.Fatal(err)
	}
	f := openPST(t, b)
	db := f.DB()
	found := map[string]bool{}
	for _, wm := range writtenMessages(s, m) {
		nid := ndb.NID(wm.info.NID)
		e, err := db.Node(nid)
		if err != nil {
			t.Fatal(err)
		}
		if blocks, _ := db.DataEntries(e.Data); len(blocks) > 1 && ndb.BID(e.Data).Internal() {
			found["a message PC over several heap blocks"] = true
		}
		origins := map[mapi.Tag]ltp.Origin{}
		if _, err := ltpPC(db, nid, origins); err != nil {
			t.Fatal(err)
		}
		if origins[mapi.NewTag(mapi.PidTagBody, mapi.PtypString)].Kind == ltp.InSubnode {
			found["a body in a subnode"] = true
		}
		subs, err := db.Subnodes(e.Subnodes)
		if err != nil {
			t.Fatal(err)
		}
		if rt, ok := subs[ndb.NIDRecipientTable]; ok {
			blocks, _ := db.Data(rt.Data)
			rsubs, _ := db.Subnodes(rt.Subnodes)
			tc, err := ltp.ReadTC(blocks, subReader{db, rsubs})
			if err != nil {
				t.Fatal(err)
			}
			if tc.RowsRef&0x1F != 0 && tc.Rows() == len(wm.msg.Recipients) {
				found["a recipient table with its rows in a subnode"] = true
			}
		} else {
			t.Errorf("message 0x%X: no recipient table", wm.info.NID)
		}
		for nid, se := range subs {
			if nid.Type() != ndb.NIDTypeAttachment {
				continue
			}
			asubs, _ := db.Subnodes(se.Subnodes)
			for _, v := range asubs {
				if entries, _ := db.DataEntries(v.Data); len(entries) > 1 {
					found["an attachment over several blocks"] = true
				}
			}
		}
	}
	for _, want := range []string{"a message PC over several heap blocks", "a body in a subnode", "a recipient table with its rows in a subnode", "an attachment over several blocks"} {
		if !found[want] {
			t.Errorf("the test store has no %s", want)
		}
	}
}

// peerCheck runs the peer tools that are installed on the file: pffinfo
// (Debian pff-tools) must accept it, pffexport must export every message
// of every folder (and the attachments byte for byte), readpst (Debian
// pst-utils) must write every message.
func peerCheck(t *testing.T, s PSTStore, b []byte, m *PSTMap) {
	t.Helper()
	dir := t.TempDir()
	file := filepath.Join(dir, "archive.pst")
	if err := os.WriteFile(file, b, 0o644); err != nil {
		t.Fatal(err)
	}
	// listed: the messages of the contents tables; withParent: also the
	// deleted ones, which have their folder as nidParent
	perFolder, withParent := map[string]int{}, map[string]int{}
	for _, mi := range m.Messages {
		if !mi.Deleted {
			perFolder[strings.Join(mi.Path, "/")]++
		}
		// readpst takes the Windows-1252 names of an ANSI file for
		// ISO 8859-1
		path := mi.Path
		if s.ANSI {
			w := &pstWriter{f: pstFormat{ansi: true}}
			path = nil
			for _, e := range mi.Path {
				var r []rune
				for _, c := range w.str(e) {
					r = append(r, rune(c))
				}
				path = append(path, string(r))
			}
		}
		withParent[strings.Join(path, "/")]++
	}
	t.Run("pffinfo", func(t *testing.T) {
		if _, err := exec.LookPath("pffinfo"); err != nil {
			t.Skip("pffinfo not installed (Debian pff-tools)")
		}
		out, err := exec.Command("pffinfo", file).CombinedOutput()
		if err != nil || !bytes.Contains(out, []byte("Personal Storage Tables (PST)")) || !bytes.Contains(out, []byte("Subtree, Wastbox, Finder")) {
			t.Errorf("pffinfo: %v\n%s", err, out)
		}
	})
	t.Run("pffexport", func(t *testing.T) {
		if _, err := exec.LookPath("pffexport"); err != nil {
			t.Skip("pffexport not installed (Debian pff-tools)")
		}
		target := filepath.Join(dir, "pffexport")
		cmd := exec.Command("pffexport", "-m", "items", "-t", target, file)
		out, err := cmd.CombinedOutput()
		if err != nil || !bytes.Contains(out, []byte("Export completed.")) {
			t.Fatalf("pffexport: %v\n%s", err, out)
		}
		// libpff takes an empty value for a missing one, and says so
		// when it exports an empty PidTagConversationIndex (Outlook
		// writes empty values the same way: HNID 0); nothing else may
		// go wrong
		emptyIndex := 0
		for _, wm := range writtenMessages(s, m) {
			if !wm.info.Deleted {
				emptyIndex += countEmpty(wm.msg, mapi.PidTagConversationIndex)
			}
		}
		var bad []string
		indexErrors := 0
		for _, l := range strings.Split(string(out), "\n") {
			switch {
			case strings.Contains(l, "unable to export message conversation index"):
				indexErrors++
			case strings.Contains(l, "conversation_index_to_item_file: unable to retrieve value data"),
				strings.Contains(l, "libpff_record_entry_get_data: invalid record entry - missing value data"):
			case strings.Contains(strings.ToLower(l), "unable"), strings.Contains(strings.ToLower(l), "invalid"), strings.Contains(strings.ToLower(l), "error"):
				bad = append(bad, l)
			}
		}
		if len(bad) > 0 || indexErrors != emptyIndex {
			t.Errorf("pffexport: %d errors on empty conversation indexes (want %d), other errors:\n%s", indexErrors, emptyIndex, strings.Join(bad, "\n"))
		}
		root := filepath.Join(target+".export", "Top of Personal Folders")
		item := regexp.MustCompile(`^(Message|Appointment|Contact|Task|Note|Meeting|Activity|Item)\d{5}$`)
		got := map[string]int{}
		filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
			if err != nil || !d.IsDir() || !item.MatchString(d.Name()) {
				return err
			}
			rel, _ := filepath.Rel(root, filepath.Dir(p))
			if strings.Contains(rel, "Attachments") {
				return filepath.SkipDir // an embedded message
			}
			got[filepath.ToSlash(rel)]++
			return filepath.SkipDir
		})
		for k, v := range perFolder {
			if got[k] != v {
				t.Errorf("pffexport: %s: %d items exported, want %d", k, got[k], v)
			}
		}
		// attachments by value come out byte for byte
		checked := 0
		for _, wm := range writtenMessages(s, m) {
			if wm.info.Deleted {
				continue
			}
			for _, a := range wm.msg.Attachments {
				data, ok := a.Props.Binary(mapi.PidTagAttachDataBinary)
				name := a.Props.Str(mapi.PidTagAttachLongFilename)
				if !ok || name == "" || a.Embedded != nil {
					continue
				}
				matches, _ := filepath.Glob(filepath.Join(root, filepath.FromSlash(strings.Join(wm.info.Path, "/")), "*", "Attachments", "*_"+globEscape(name)))
				found := false
				for _, p := range matches {
					if got, _ := os.ReadFile(p); bytes.Equal(got, data) {
						found = true
					}
				}
				if !found {
					t.Errorf("pffexport: attachment %q of %s not exported as written (%d candidates)", name, strings.Join(wm.info.Path, "/"), len(matches))
				}
				checked++
			}
		}
		// and embedded messages as items of their attachments
		embedded, exported := 0, 0
		for _, wm := range writtenMessages(s, m) {
			if !wm.info.Deleted {
				embedded += countEmbedded(wm.msg)
			}
		}
		filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
			if err == nil && d.IsDir() && item.MatchString(d.Name()) && filepath.Base(filepath.Dir(filepath.Dir(p))) == "Attachments" {
				exported++
			}
			return err
		})
		if exported != embedded {
			t.Errorf("pffexport: %d embedded messages exported, want %d", exported, embedded)
		}
		t.Logf("pffexport: %d folders, %d attachments compared, %d embedded messages", len(got), checked, exported)
	})
	t.Run("readpst", func(t *testing.T) {
		if _, err := exec.LookPath("readpst"); err != nil {
			t.Skip("readpst not installed (Debian pst-utils)")
		}
		target := filepath.Join(dir, "readpst")
		os.MkdirAll(target, 0o755)
		// -j 0: readpst's parallel jobs now and then skip a few items of
		// a large folder (0.6.76; one run in 15 of the large store), a
		// race of its own: one process gives the same count every time
		out, err := exec.Command("readpst", "-j", "0", "-e", "-o", target, file).CombinedOutput()
		if err != nil {
			t.Fatalf("readpst: %v\n%s", err, out)
		}
		for _, l := range regexp.MustCompile(`(\d+) items skipped`).FindAllSubmatch(out, -1) {
			if n, _ := strconv.Atoi(string(l[1])); n != 0 {
				t.Errorf("readpst skipped items:\n%s", out)
			}
		}
		name := s.DisplayName
		if name == "" {
			name = "Personal Folders"
		}
		got := map[string]int{}
		filepath.WalkDir(filepath.Join(target, name), func(p string, d os.DirEntry, err error) error {
			if err == nil && !d.IsDir() {
				rel, _ := filepath.Rel(filepath.Join(target, name), filepath.Dir(p))
				got[filepath.ToSlash(rel)]++
			}
			return err
		})
		// readpst finds a folder's messages by their nidParent, not in
		// its contents table: it writes the deleted ones too
		total := 0
		for k, v := range withParent {
			total += v
			if got[k] != v {
				t.Errorf("readpst: %s: %d files, want %d", k, got[k], v)
			}
		}
		t.Logf("readpst: %d messages written", total)
	})
}

// countEmpty counts the messages in m and below with an empty value of
// property id.
func countEmpty(m *mapi.Message, id uint16) int {
	n := 0
	if v, ok := m.Props.Binary(id); ok && len(v) == 0 {
		n++
	}
	for _, a := range m.Attachments {
		if a.Embedded != nil {
			n += countEmpty(a.Embedded, id)
		}
	}
	return n
}

// countEmbedded counts the embedded messages in m and below.
func countEmbedded(m *mapi.Message) int {
	n := 0
	for _, a := range m.Attachments {
		if a.Embedded != nil {
			n += 1 + countEmbedded(a.Embedded)
		}
	}
	return n
}

func globEscape(s string) string {
	return strings.NewReplacer("*", `\*`, "?", `\?`, "[", `\[`, `\`, `\\`).Replace(s)
}

// TestPSTEdgeCases writes what a store can be at its smallest and at its
// oddest: no folders, a message without properties, an OLE attachment,
// a folder whose name is Deleted Items.
func TestPSTEdgeCases(t *testing.T) {
	ole := &mapi.Message{}
	oleData := bytes.Repeat([]byte("OLE storage "), 500)
	a := &mapi.Attachment{}
	a.Props.Set(&mapi.Property{Tag: mapi.NewTag(mapi.PidTagAttachMethod, mapi.PtypInteger32), Value: le32(mapi.AttachOLE)})
	a.Props.Set(&mapi.Property{Tag: tagAttachDataObjectPST, Value: oleData})
	ole.Attachments = []*mapi.Attachment{a}
	for _, s := range []PSTStore{
		{},
		{Folders: []*PSTFolder{{Name: "Empty message", Messages: []*mapi.Message{{}}}}},
		{Folders: []*PSTFolder{{Name: "Deleted Items", Messages: []*mapi.Message{OutlookNote(NewGen(9))}}, {Name: "Inbox"}}},
	} {
		b, m, err := PSTWithMap(s)
		if err != nil {
			t.Fatal(err)
		}
		checkAllocation(t, b, false)
		checkRoundTrip(t, s, b, m)
	}

	b, m, err := PSTWithMap(PSTStore{Folders: []*PSTFolder{{Name: "OLE", Messages: []*mapi.Message{ole}}}})
	if err != nil {
		t.Fatal(err)
	}
	f := openPST(t, b)
	got, err := f.Message(ndb.NID(m.Messages[0].NID))
	if err != nil {
		t.Fatal(err)
	}
	checkNoWarnings(t, f)
	if len(got.Attachments) != 1 {
		t.Fatalf("%d attachments", len(got.Attachments))
	}
	if data, _ := got.Attachments[0].Props.Binary(mapi.PidTagAttachDataBinary); !bytes.Equal(data, oleData) {
		t.Errorf("OLE object data: %d bytes, want %d", len(data), len(oleData))
	}
	if n, _ := got.Props.Int(mapi.PidTagMessageFlags); n != 0x11 {
		t.Errorf("PidTagMessageFlags 0x%X, want 0x11 (read, has attachments)", n)
	}
}

func TestPSTErrors(t *testing.T) {
	named := func() *mapi.Message {
		m := &mapi.Message{}
		m.Props.Set(&mapi.Property{Tag: mapi.NewTag(0x8001, mapi.PtypInteger32), Value: le32(1)})
		return m
	}
	twoTypes := &mapi.Message{}
	twoTypes.Props.Set(&mapi.Property{Tag: mapi.NewTag(mapi.PidTagSubject, mapi.PtypString), Value: u16s("a")})
	twoTypes.Props.Set(&mapi.Property{Tag: mapi.NewTag(mapi.PidTagSubject, mapi.PtypString8), Value: []byte("a")})
	badSize := &mapi.Message{}
	badSize.Props.Set(&mapi.Property{Tag: mapi.NewTag(mapi.PidTagImportance, mapi.PtypInteger32), Value: []byte{1}})
	for name, s := range map[string]PSTStore{
		"nil folder":          {Folders: []*PSTFolder{nil}},
		"nil message":         {Folders: []*PSTFolder{{Name: "x", Messages: []*mapi.Message{nil}}}},
		"unnamed property":    {Folders: []*PSTFolder{{Name: "x", Messages: []*mapi.Message{named()}}}},
		"one id, two types":   {Folders: []*PSTFolder{{Name: "x", Messages: []*mapi.Message{twoTypes}}}},
		"value of wrong size": {Folders: []*PSTFolder{{Name: "x", Messages: []*mapi.Message{badSize}}}},
	} {
		if _, err := PST(s); !errors.Is(err, ErrPST) {
			t.Errorf("%s: error %v, want ErrPST", name, err)
		}
	}
}
