package synth

import (
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"golang.org/x/text/encoding/charmap"

	"github.com/mailsalvage/mailsalvage/formats/mapi"
)

// A PST writer (MS-PST): a folder tree of Outlook items as a personal
// folders file that Outlook, libpff (pffinfo, pffexport), libpst
// (readpst) and formats/pst open. The messaging layer is here; the LTP
// layer (heap, BTH, PC, TC) is in pst_ltp.go, the NDB layer (blocks,
// B-trees, allocation maps, header) in pst_ndb.go.

// ErrPST is wrapped by the errors PST returns for a store it cannot
// write.
var ErrPST = errors.New("synth: cannot write PST")

// PSTStore is the content of a PST file.
type PSTStore struct {
	// DisplayName is the store's PidTagDisplayName, what Outlook shows
	// for the file ("Personal Folders" when empty).
	DisplayName string
	// Folders are the folders under Top of Personal Folders (the IPM
	// subtree). The first top-level folder named "Deleted Items" becomes
	// the store's wastebasket, listed first as Outlook lists it; without
	// one an empty Deleted Items is made.
	Folders []*PSTFolder
	// ANSI writes the 32-bit format of Outlook 97 to 2002 (wVer 14):
	// 4-byte IDs, and every PtypString value as PtypString8 in
	// Windows-1252 (characters it lacks become "?").
	ANSI bool
	// NoEncryption leaves data blocks as they are (NDB_CRYPT_NONE)
	// instead of NDB_CRYPT_PERMUTE, Outlook's default.
	NoEncryption bool
	// Large lets the file grow past 128 AMaps (about 31 MiB) without the
	// FMap and FPMap pages MS-PST places from there on (2.2.2.7.4-5):
	// for benchmarks of large files. Readers that ignore those maps (ours,
	// readpst, pffexport) read such a file; Outlook might not.
	Large bool
}

// PSTFolder is a folder and what it holds.
type PSTFolder struct {
	Name string
	// Class is PidTagContainerClass: "IPF.Note" for mail,
	// "IPF.Appointment", "IPF.Contact", "IPF.Task"..., "" for none.
	Class    string
	Folders  []*PSTFolder
	Messages []*mapi.Message
	// Deleted are messages whose nodes are in the file, with this folder
	// as their parent, but which the folder's contents table does not
	// list: the orphans a deleted item leaves until the space is reused.
	Deleted []*mapi.Message
}

// PSTMap says where PSTWithMap put things, for tests that damage a file
// on purpose or look for its structures.
type PSTMap struct {
	Folders  []PSTFolderInfo
	Messages []PSTMessageInfo
	Nodes    []PSTNode  // every NBT leaf entry, by NID
	Blocks   []PSTBlock // every block, in file order
	Pages    []PSTPage  // every NBT and BBT page
}

// PSTFolderInfo is a folder of a written PST: its NID and its path below
// Top of Personal Folders.
type PSTFolderInfo struct {
	NID  uint32
	Path []string
}

// PSTMessageInfo is a message of a written PST: its NID, its folder and
// whether it is one of the folder's Deleted messages.
type PSTMessageInfo struct {
	NID     uint32
	Folder  uint32
	Path    []string
	Index   int // in the folder's Messages or Deleted
	Deleted bool
}

// PST writes the store as a PST file (MS-PST), Unicode (wVer 23) unless
// ANSI is set, with NDB_CRYPT_PERMUTE unless NoEncryption is set.
//
// The file has what MS-PST section 2.7 requires and Outlook makes: the
// message store (NID 0x21) with its record key, display name, and the
// entry ids of Top of Personal Folders, Deleted Items and Search Root;
// the name-to-id map (0x61) with its GUID, entry and string streams and
// hash buckets; the root folder (0x122) holding Top of Personal Folders,
// Search Root and SPAM Search Folder 2; the folder, search, recipient
// and attachment table templates; the search management queue and
// activity list. Each folder is a PC and three TCs (hierarchy, contents,
// associated contents) whose rows carry the columns of the templates.
//
// Each message is a node: its properties in a PC, its recipients in a
// recipient table (every recipient property a column), its attachments
// as attachment PCs listed by an attachment table, an embedded message
// (Attachment.Embedded) as a message in a subnode of its attachment
// (PidTagAttachDataObject). Values larger than a heap allocation go to
// subnodes; node data larger than a block to XBLOCK trees; subnode trees
// are SLBLOCKs (SIBLOCKs when large). Named properties get store-wide
// ids from 0x8000 on, in the order first met. Messages lacking the
// properties MS-PST requires (PidTagMessageClass, PidTagMessageFlags,
// PidTagMessageSize, PidTagMessageStatus, PidTagCreationTime,
// PidTagLastModificationTime, PidTagSearchKey) get them, attachments
// PidTagAttachSize, PidTagAttachMethod and PidTagRenderingPosition.
//
// The output is the same for the same store.
func PST(s PSTStore) ([]byte, error) {
	b, _, err := PSTWithMap(s)
	return b, err
}

// PSTWithMap is PST, also returning where the folders, messages, nodes,
// blocks and pages are.
func PSTWithMap(s PSTStore) ([]byte, *PSTMap, error) {
	f := pstFormat{ansi: s.ANSI}
	crypt := byte(pstCryptPermute)
	if s.NoEncryption {
		crypt = pstCryptNone
	}
	w := &pstWriter{f: f, ndb: newNDBWriter(f, crypt, s.Large), ids: map[mapi.NamedProperty]uint16{}, m: &PSTMap{}}
	for i := range w.rgnid {
		w.rgnid[i] = 0x400
	}
	w.rgnid[nidTypeSearchFolder] = 0x4000
	w.rgnid[nidTypeAssocMessage] = 0x8000
	w.rgnid[nidTypeMessage] = 0x10000
	if err := w.store(s); err != nil {
		return nil, nil, err
	}
	b, err := w.ndb.finish(ndbHeader{rgnid: w.rgnid, unique: uint32(len(w.ndb.nodes))}, w.m)
	if err != nil {
		return nil, nil, err
	}
	return b, w.m, nil
}

// NID types (MS-PST 2.2.2.1) and special NIDs (2.4.1, 2.7.1).
const (
	nidTypeInternal       = 0x01
	nidTypeFolder         = 0x02
	nidTypeSearchFolder   = 0x03
	nidTypeMessage        = 0x04
	nidTypeAttachment     = 0x05
	nidTypeSearchQueue    = 0x06
	nidTypeAssocMessage   = 0x08
	nidTypeHierarchy      = 0x0D
	nidTypeContents       = 0x0E
	nidTypeAssocContents  = 0x0F
	nidTypeSearchContents = 0x10

	nidMessageStore       = 0x21
	nidNameToIDMap        = 0x61
	nidRootFolder         = 0x122
	nidSearchMgmtQueue    = 0x1E1
	nidSearchActivityList = 0x201
	nidHierarchyTemplate  = 0x60D
	nidContentsTemplate   = 0x60E
	nidAssocTemplate      = 0x60F
	nidSearchTemplate     = 0x610
	nidAttachmentTable    = 0x671
	nidRecipientTable     = 0x692
	nidSpamSearchFolder   = 0x2223
)

func withType(nid uint32, t uint32) uint32 { return nid&^0x1F | t }

type pstWriter struct {
	f     pstFormat
	ndb   *ndbWriter
	rgnid [32]uint32
	names []mapi.NamedProperty
	ids   map[mapi.NamedProperty]uint16
	uid   [16]byte // PidTagRecordKey of the store
	m     *PSTMap
}

// newNID assigns the next NID of a type from the header's rgnid
// counters (2.2.2.6), as Outlook does for top-level nodes and subnodes
// alike.
func (w *pstWriter) newNID(t uint32) uint32 {
	w.rgnid[t]++
	return w.rgnid[t]<<5 | t
}

// strTag is the tag of a string property in this file's format:
// PtypString, or PtypString8 in an ANSI file.
func (w *pstWriter) strTag(id uint16) mapi.Tag {
	if w.f.ansi {
		return mapi.NewTag(id, mapi.PtypString8)
	}
	return mapi.NewTag(id, mapi.PtypString)
}

func (w *pstWriter) str(s string) []byte {
	if w.f.ansi {
		var b []byte
		for _, r := range s {
			c, ok := charmap.Windows1252.EncodeRune(r)
			if !ok {
				c = '?'
			}
			b = append(b, c)
		}
		return b
	}
	return mapi.EncodeUTF16(s)
}

func i32(v int32) []byte { return binary.LittleEndian.AppendUint32(nil, uint32(v)) }
func boolean(v bool) []byte {
	if v {
		return []byte{1}
	}
	return []byte{0}
}

// entryID is an ENTRYID of this store (2.4.3.2): four zero flag bytes,
// the store's record key, the NID.
func (w *pstWriter) entryID(nid uint32) []byte {
	b := append(make([]byte, 4), w.uid[:]...)
	return binary.LittleEndian.AppendUint32(b, nid)
}

func (w *pstWriter) store(s PSTStore) error {
	name := s.DisplayName
	if name == "" {
		name = "Personal Folders"
	}
	sum := sha256.Sum256([]byte("mailsalvage PST store\x00" + name))
	copy(w.uid[:], sum[:16])

	// named properties first: their ids are needed by every item
	var walk func(fs []*PSTFolder, path string) error
	walk = func(fs []*PSTFolder, path string) error {
		for _, fo := range fs {
			if fo == nil {
				return fmt.Errorf("%w: %s: nil folder", ErrPST, pathOr(path))
			}
			p := join(path, fo.Name)
			for i, m := range append(slices.Clip(fo.Messages), fo.Deleted...) {
				if m == nil {
					return fmt.Errorf("%w: %s: message %d is nil", ErrPST, p, i)
				}
				if err := w.collectNames(m, fmt.Sprintf("%s: message %d", p, i), 0); err != nil {
					return err
				}
			}
			if err := walk(fo.Folders, p); err != nil {
				return err
			}
		}
		return nil
	}
	if err := walk(s.Folders, ""); err != nil {
		return err
	}

	ipm := w.newNID(nidTypeFolder)    // 0x8022
	finder := w.newNID(nidTypeFolder) // 0x8042
	wastebasket := w.newNID(nidTypeFolder)
	var tops []*PSTFolder
	deleted := &PSTFolder{Name: "Deleted Items", Class: "IPF.Note"}
	found := false
	for _, fo := range s.Folders {
		if fo.Name == deleted.Name && !found {
			found = true
			deleted = fo
			continue
		}
		tops = append(tops, fo)
	}

	// Top of Personal Folders: Deleted Items, then the store's folders
	var rows []tcRow
	row, err := w.folder(deleted, wastebasket, ipm, []string{deleted.Name})
	if err != nil {
		return err
	}
	rows = append(rows, row)
	for _, fo := range tops {
		nid := w.newNID(nidTypeFolder)
		row, err := w.folder(fo, nid, ipm, []string{fo.Name})
		if err != nil {
			return err
		}
		rows = append(rows, row)
	}
	ipmRow, err := w.folderNodes(ipm, nidRootFolder, "Top of Personal Folders", "", rows, nil, 0, 0)
	if err != nil {
		return err
	}
	finderRow, err := w.folderNodes(finder, nidRootFolder, "Search Root", "", nil, nil, 0, 0)
	if err != nil {
		return err
	}
	spamRow, err := w.searchFolder()
	if err != nil {
		return err
	}
	if _, err := w.folderNodes(nidRootFolder, nidRootFolder, "", "", []tcRow{ipmRow, finderRow, spamRow}, nil, 0, 0); err != nil {
		return err
	}

	// the message store (2.4.3)
	sp := []pcValue{
		{tag: mapi.NewTag(0x0FF9, mapi.PtypBinary), value: w.uid[:]},               // PidTagRecordKey
		{tag: w.strTag(mapi.PidTagDisplayName), value: w.str(name)},                //
		{tag: mapi.NewTag(0x35DF, mapi.PtypInteger32), value: i32(0x89)},           // PidTagValidFolderMask: subtree, wastebasket, finder
		{tag: mapi.NewTag(0x35E0, mapi.PtypBinary), value: w.entryID(ipm)},         // PidTagIpmSubTreeEntryId
		{tag: mapi.NewTag(0x35E3, mapi.PtypBinary), value: w.entryID(wastebasket)}, // PidTagIpmWastebasketEntryId
		{tag: mapi.NewTag(0x35E7, mapi.PtypBinary), value: w.entryID(finder)},      // PidTagFinderEntryId
		{tag: mapi.NewTag(0x67FF, mapi.PtypInteger32), value: i32(0)},              // PidTagPstPassword: none
	}
	if err := w.pcNode(nidMessageStore, 0, sp); err != nil {
		return err
	}
	if err := w.nameToIDMap(); err != nil {
		return err
	}

	// templates (2.4.4.4.1, 2.4.4.5.1, 2.4.4.6.1, 2.4.8.6.2.1, 2.4.5.3.1,
	// 2.4.6.1.1): tables with columns and no rows
	for _, t := range []struct {
		nid  uint32
		cols []mapi.Tag
	}{
		{nidHierarchyTemplate, w.hierarchyColumns()},
		{nidContentsTemplate, w.contentsColumns()},
		{nidAssocTemplate, w.assocColumns()},
		{nidSearchTemplate, w.searchColumns()},
		{nidAttachmentTable, w.attachmentColumns()},
		{nidRecipientTable, w.recipientColumns()},
	} {
		if err := w.tcNode(t.nid, 0, t.cols, nil); err != nil {
			return err
		}
	}
	// the search management queue and activity list: empty (2.7.3.5)
	for _, nid := range []uint32{nidSearchMgmtQueue, nidSearchActivityList} {
		if err := w.ndb.node(nid, 0, 0, 0); err != nil {
			return err
		}
	}
	return nil
}

// pcNode writes a top-level node holding a PC.
func (w *pstWriter) pcNode(nid, parent uint32, props []pcValue) error {
	n := w.newLTPNode(hnClientPC)
	if err := n.pc(props); err != nil {
		return err
	}
	data, sub, _, err := n.finish()
	if err != nil {
		return err
	}
	return w.ndb.node(nid, data, sub, parent)
}

// tcNode writes a top-level node holding a TC.
func (w *pstWriter) tcNode(nid, parent uint32, cols []mapi.Tag, rows []tcRow) error {
	n := w.newLTPNode(hnClientTC)
	if err := n.tc(cols, rows); err != nil {
		return err
	}
	data, sub, _, err := n.finish()
	if err != nil {
		return err
	}
	return w.ndb.node(nid, data, sub, parent)
}

// folder writes a folder of the store with its subfolders and messages,
// and returns its row for its parent's hierarchy table.
func (w *pstWriter) folder(fo *PSTFolder, nid, parent uint32, path []string) (tcRow, error) {
	w.m.Folders = append(w.m.Folders, PSTFolderInfo{NID: nid, Path: path})
	var sub []tcRow
	for _, c := range fo.Folders {
		cnid := w.newNID(nidTypeFolder)
		row, err := w.folder(c, cnid, nid, append(slices.Clip(path), c.Name))
		if err != nil {
			return tcRow{}, err
		}
		sub = append(sub, row)
	}
	var contents []tcRow
	unread := 0
	for k, list := range [][]*mapi.Message{fo.Messages, fo.Deleted} {
		for i, m := range list {
			mnid := w.newNID(nidTypeMessage)
			where := fmt.Sprintf("%s: message %d", strings.Join(path, "/"), i)
			vals, data, subBID, _, err := w.message(m, 0, where)
			if err != nil {
				return tcRow{}, err
			}
			if err := w.ndb.node(mnid, data, subBID, nid); err != nil {
				return tcRow{}, err
			}
			w.m.Messages = append(w.m.Messages, PSTMessageInfo{NID: mnid, Folder: nid, Path: path, Index: i, Deleted: k == 1})
			if k == 1 {
				continue
			}
			contents = append(contents, tcRow{id: mnid, values: vals})
			if v, ok := vals[mapi.NewTag(mapi.PidTagMessageFlags, mapi.PtypInteger32)]; ok && len(v) == 4 && v[0]&1 == 0 {
				unread++
			}
		}
	}
	return w.folderNodes(nid, parent, fo.Name, fo.Class, sub, contents, len(contents), unread)
}

// folderNodes writes the four nodes of a folder (2.4.4): its PC and its
// hierarchy, contents and associated contents tables, and returns its
// hierarchy table row.
func (w *pstWriter) folderNodes(nid, parent uint32, name, class string, sub, contents []tcRow, count, unread int) (tcRow, error) {
	vals := map[mapi.Tag][]byte{
		w.strTag(mapi.PidTagDisplayName):                          w.str(name),
		mapi.NewTag(pidTagContentCount, mapi.PtypInteger32):       i32(int32(count)),
		mapi.NewTag(pidTagContentUnreadCount, mapi.PtypInteger32): i32(int32(unread)),
		mapi.NewTag(pidTagSubfolders, mapi.PtypBoolean):           boolean(len(sub) > 0),
	}
	if class != "" {
		vals[w.strTag(pidTagContainerClass)] = w.str(class)
	}
	if err := w.pcNode(nid, parent, pcValues(vals)); err != nil {
		return tcRow{}, err
	}
	if err := w.tcNode(withType(nid, nidTypeHierarchy), 0, w.hierarchyColumns(), sub); err != nil {
		return tcRow{}, err
	}
	if err := w.tcNode(withType(nid, nidTypeContents), 0, w.contentsColumns(), contents); err != nil {
		return tcRow{}, err
	}
	if err := w.tcNode(withType(nid, nidTypeAssocContents), 0, w.assocColumns(), nil); err != nil {
		return tcRow{}, err
	}
	return tcRow{id: nid, values: vals}, nil
}

// searchFolder writes SPAM Search Folder 2 (2.7.3.4.4): its PC, an empty
// search update queue and an empty search contents table.
func (w *pstWriter) searchFolder() (tcRow, error) {
	vals := map[mapi.Tag][]byte{
		w.strTag(mapi.PidTagDisplayName):                          w.str("SPAM Search Folder 2"),
		mapi.NewTag(pidTagContentCount, mapi.PtypInteger32):       i32(0),
		mapi.NewTag(pidTagContentUnreadCount, mapi.PtypInteger32): i32(0),
		mapi.NewTag(pidTagSubfolders, mapi.PtypBoolean):           boolean(false),
	}
	if err := w.pcNode(nidSpamSearchFolder, nidRootFolder, pcValues(vals)); err != nil {
		return tcRow{}, err
	}
	if err := w.ndb.node(withType(nidSpamSearchFolder, nidTypeSearchQueue), 0, 0, 0); err != nil {
		return tcRow{}, err
	}
	if err := w.tcNode(withType(nidSpamSearchFolder, nidTypeSearchContents), 0, w.searchColumns(), nil); err != nil {
		return tcRow{}, err
	}
	return tcRow{id: nidSpamSearchFolder, values: vals}, nil
}

// pcValues turns a value map into PC values, sorted by tag.
func pcValues(vals map[mapi.Tag][]byte) []pcValue {
	var out []pcValue
	for t, v := range vals {
		out = append(out, pcValue{tag: t, value: v})
	}
	slices.SortFunc(out, func(a, b pcValue) int { return int(a.tag>>16) - int(b.tag>>16) })
	return out
}

// Property ids the writer sets that formats/mapi has no constant for.
const (
	pidTagContentCount       = 0x3602
	pidTagContentUnreadCount = 0x3603
	pidTagSubfolders         = 0x360A
	pidTagContainerClass     = 0x3613
	pidTagMessageStatus      = 0x0E17
)

var tagAttachDataObjectPST = mapi.NewTag(mapi.PidTagAttachDataBinary, mapi.PtypObject)

// values converts a property set for writing: named property ids
// remapped to the store's, strings converted in an ANSI file, values
// encoded. PidTagAttachDataObject is left to the caller.
func (w *pstWriter) values(p *mapi.Properties, where string) (map[mapi.Tag][]byte, error) {
	out := map[mapi.Tag][]byte{}
	ids := map[uint16]mapi.Tag{}
	for _, tag := range p.Tags() {
		prop, _ := p.Get(tag)
		if tag == tagAttachDataObjectPST {
			continue
		}
		id, t := tag.ID(), tag.Type()
		if id >= 0x8000 {
			np, ok := p.Named[id]
			if !ok {
				return nil, fmt.Errorf("%w: %s: property %s has an id of a named property but no name in Properties.Named", ErrPST, where, tag)
			}
			id = w.ids[canonicalName(np)]
		}
		if t == mapi.PtypObject {
			return nil, fmt.Errorf("%w: %s: property %s: a PtypObject value can only be an attachment's PidTagAttachDataObject", ErrPST, where, tag)
		}
		if w.f.ansi && t.Base() == mapi.PtypString {
			prop = w.toString8(prop)
			t = prop.Tag.Type()
		}
		nt := mapi.NewTag(id, t)
		if old, dup := ids[id]; dup {
			return nil, fmt.Errorf("%w: %s: properties %s and %s have one id; a PST keeps one value an id", ErrPST, where, old, tag)
		}
		ids[id] = tag
		v, err := encodeValue(&mapi.Property{Tag: nt, Value: prop.Value, Values: prop.Values})
		if err != nil {
			return nil, fmt.Errorf("%s: %w", where, err)
		}
		out[nt] = v
	}
	return out, nil
}

// toString8 converts a PtypString property to PtypString8 in
// Windows-1252.
func (w *pstWriter) toString8(p *mapi.Property) *mapi.Property {
	t := mapi.PtypString8
	if p.Tag.Type().Multi() {
		t |= mapi.MultipleFlag
	}
	out := &mapi.Property{Tag: mapi.NewTag(p.Tag.ID(), t)}
	if p.Values != nil {
		for _, v := range p.Values {
			out.Values = append(out.Values, w.str(mapi.DecodeUTF16(v)))
		}
	} else {
		out.Value = w.str(mapi.DecodeUTF16(p.Value))
	}
	return out
}

// collectNames gives each named property of m, and of everything below
// it, a store-wide id, from 0x8000 in the order first met.
func (w *pstWriter) collectNames(m *mapi.Message, where string, depth int) error {
	if depth > maxMSGDepth {
		return fmt.Errorf("%w: %s: embedded messages nested deeper than %d", ErrPST, where, maxMSGDepth)
	}
	props := func(p *mapi.Properties, where string) error {
		for _, tag := range p.Tags() {
			if tag.ID() < 0x8000 {
				continue
			}
			np, ok := p.Named[tag.ID()]
			if !ok {
				return fmt.Errorf("%w: %s: property %s has an id of a named property but no name in Properties.Named", ErrPST, where, tag)
			}
			np = canonicalName(np)
			if _, ok := w.ids[np]; !ok {
				if len(w.names) >= 0x7FFF {
					return fmt.Errorf("%w: more than %d named properties", ErrPST, 0x7FFF)
				}
				w.ids[np] = uint16(0x8000 + len(w.names))
				w.names = append(w.names, np)
			}
		}
		return nil
	}
	if err := props(&m.Props, where); err != nil {
		return err
	}
	for i, r := range m.Recipients {
		if r == nil {
			return fmt.Errorf("%w: %s: recipient %d is nil", ErrPST, where, i)
		}
		if err := props(r, fmt.Sprintf("%s recipient %d", where, i)); err != nil {
			return err
		}
	}
	for i, a := range m.Attachments {
		if a == nil {
			return fmt.Errorf("%w: %s: attachment %d is nil", ErrPST, where, i)
		}
		aw := fmt.Sprintf("%s attachment %d", where, i)
		if err := props(&a.Props, aw); err != nil {
			return err
		}
		if a.Embedded != nil {
			if err := w.collectNames(a.Embedded, aw+" embedded message", depth+1); err != nil {
				return err
			}
		}
	}
	return nil
}

// message writes a message (2.4.5) and returns its properties as
// written (for its contents table row) and its node's data, subnode
// tree and size.
func (w *pstWriter) message(m *mapi.Message, depth int, where string) (map[mapi.Tag][]byte, uint64, uint64, int, error) {
	fail := func(err error) (map[mapi.Tag][]byte, uint64, uint64, int, error) { return nil, 0, 0, 0, err }
	if depth > maxMSGDepth {
		return fail(fmt.Errorf("%w: %s: embedded messages nested deeper than %d", ErrPST, where, maxMSGDepth))
	}
	node := w.newLTPNode(hnClientPC)
	size := 0

	// the recipient table (2.4.5.3), every recipient property a column
	cols := w.recipientColumns()
	var rows []tcRow
	for i, r := range m.Recipients {
		vals, err := w.values(r, fmt.Sprintf("%s recipient %d", where, i))
		if err != nil {
			return fail(err)
		}
		for t, v := range vals {
			if !slices.Contains(cols, t) {
				cols = append(cols, t)
			}
			size += len(v)
		}
		rows = append(rows, tcRow{id: uint32(i + 1), values: vals})
	}
	tn := w.newLTPNode(hnClientTC)
	if err := tn.tc(cols, rows); err != nil {
		return fail(fmt.Errorf("%s: recipient table: %w", where, err))
	}
	data, sub, _, err := tn.finish()
	if err != nil {
		return fail(err)
	}
	node.subs = append(node.subs, subnodeEntry{nidRecipientTable, data, sub})

	// attachments (2.4.6) and their table
	rows = nil
	for i, a := range m.Attachments {
		aw := fmt.Sprintf("%s attachment %d", where, i)
		anid := w.newNID(nidTypeAttachment)
		vals, err := w.values(&a.Props, aw)
		if err != nil {
			return fail(err)
		}
		an := w.newLTPNode(hnClientPC)
		var obj pcValue
		asize := 0
		for _, v := range vals {
			asize += len(v)
		}
		method := int32(mapi.AttachByValue)
		switch prop, hasObj := a.Props.Get(tagAttachDataObjectPST); {
		case a.Embedded != nil:
			method = mapi.AttachEmbeddedMessage
			enid := w.newNID(nidTypeMessage)
			_, edata, esub, esize, err := w.message(a.Embedded, depth+1, aw+" embedded message")
			if err != nil {
				return fail(err)
			}
			obj = pcValue{tag: tagAttachDataObjectPST, object: &subnodeEntry{enid, edata, esub}, objLen: esize}
			asize += esize
		case hasObj:
			// an OLE object: its storage, as bytes, in a subnode
			method = mapi.AttachOLE
			bid, err := w.ndb.stream(prop.Value)
			if err != nil {
				return fail(err)
			}
			obj = pcValue{tag: tagAttachDataObjectPST, object: &subnodeEntry{nid: w.newNID(nidTypeLTP), data: bid}, objLen: len(prop.Value)}
			asize += len(prop.Value)
		}
		addIfAbsent(&a.Props, vals, mapi.NewTag(mapi.PidTagAttachSize, mapi.PtypInteger32), i32(int32(asize)))
		addIfAbsent(&a.Props, vals, mapi.NewTag(mapi.PidTagAttachMethod, mapi.PtypInteger32), i32(method))
		addIfAbsent(&a.Props, vals, mapi.NewTag(mapi.PidTagRenderingPosition, mapi.PtypInteger32), i32(-1))
		pv := pcValues(vals)
		if obj.object != nil {
			pv = append(pv, obj)
		}
		if err := an.pc(pv); err != nil {
			return fail(fmt.Errorf("%s: %w", aw, err))
		}
		adata, asub, _, err := an.finish()
		if err != nil {
			return fail(err)
		}
		node.subs = append(node.subs, subnodeEntry{anid, adata, asub})
		rows = append(rows, tcRow{id: anid, values: vals})
		size += asize
	}
	if len(m.Attachments) > 0 {
		tn := w.newLTPNode(hnClientTC)
		if err := tn.tc(w.attachmentColumns(), rows); err != nil {
			return fail(fmt.Errorf("%s: attachment table: %w", where, err))
		}
		data, sub, _, err := tn.finish()
		if err != nil {
			return fail(err)
		}
		node.subs = append(node.subs, subnodeEntry{nidAttachmentTable, data, sub})
	}

	// the message's own properties, with those MS-PST requires (2.4.5.1.1)
	vals, err := w.values(&m.Props, where)
	if err != nil {
		return fail(err)
	}
	for _, v := range vals {
		size += len(v)
	}
	flags := int32(0x01) // mfRead
	if len(m.Attachments) > 0 {
		flags |= 0x10 // mfHasAttach
	}
	when := time.Date(2019, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, id := range []uint16{mapi.PidTagMessageDeliveryTime, mapi.PidTagClientSubmitTime, mapi.PidTagCreationTime} {
		if t, ok := m.Props.Time(id); ok {
			when = t
			break
		}
	}
	sum := sha256.Sum256([]byte(where + "\x00" + m.Props.Str(mapi.PidTagInternetMessageId) + "\x00" + m.Props.Str(mapi.PidTagSubject)))
	addIfAbsent(&m.Props, vals, w.strTag(mapi.PidTagMessageClass), w.str("IPM.Note"))
	addIfAbsent(&m.Props, vals, mapi.NewTag(mapi.PidTagMessageFlags, mapi.PtypInteger32), i32(flags))
	addIfAbsent(&m.Props, vals, mapi.NewTag(mapi.PidTagMessageSize, mapi.PtypInteger32), i32(int32(size)))
	addIfAbsent(&m.Props, vals, mapi.NewTag(pidTagMessageStatus, mapi.PtypInteger32), i32(0))
	addIfAbsent(&m.Props, vals, mapi.NewTag(mapi.PidTagCreationTime, mapi.PtypTime), fileTime(when))
	addIfAbsent(&m.Props, vals, mapi.NewTag(mapi.PidTagLastModificationTime, mapi.PtypTime), fileTime(when))
	addIfAbsent(&m.Props, vals, mapi.NewTag(mapi.PidTagSearchKey, mapi.PtypBinary), sum[:16])
	if err := node.pc(pcValues(vals)); err != nil {
		return fail(fmt.Errorf("%s: %w", where, err))
	}
	data, sub, n, err := node.finish()
	if err != nil {
		return fail(err)
	}
	return vals, data, sub, n, nil
}

// addIfAbsent sets vals[tag] unless the properties have its id, of any
// type.
func addIfAbsent(p *mapi.Properties, vals map[mapi.Tag][]byte, tag mapi.Tag, v []byte) {
	if _, ok := p.Find(tag.ID()); ok {
		return
	}
	for t := range vals {
		if t.ID() == tag.ID() {
			return
		}
	}
	vals[tag] = v
}

// nameToIDMap writes the named property map (2.4.7): the streams of
// nameIDStreams and the 251 hash buckets, of which only those in use are
// written.
func (w *pstWriter) nameToIDMap() error {
	guids, entries, strs, buckets := nameIDStreams(w.names, func(hash, _, _, info uint32) uint32 {
		return (hash ^ info&0xFFFF) % 251
	})
	props := []pcValue{
		{tag: mapi.NewTag(0x0001, mapi.PtypInteger32), value: i32(251)}, // PidTagNameidBucketCount
		{tag: mapi.NewTag(0x0002, mapi.PtypBinary), value: guids},       // PidTagNameidStreamGuid
		{tag: mapi.NewTag(0x0003, mapi.PtypBinary), value: entries},     // PidTagNameidStreamEntry
		{tag: mapi.NewTag(0x0004, mapi.PtypBinary), value: strs},        // PidTagNameidStreamString
	}
	for b := uint32(0); b < 251; b++ {
		if v, ok := buckets[b]; ok {
			props = append(props, pcValue{tag: mapi.NewTag(uint16(0x1000+b), mapi.PtypBinary), value: v}) // PidTagNameidBucketBase + b
		}
	}
	return w.pcNode(nidNameToIDMap, 0, props)
}

// Template columns. PidTagLtpRowId and PidTagLtpRowVer are added by tc.

// hierarchyColumns are the hierarchy table's (2.4.4.4.1).
func (w *pstWriter) hierarchyColumns() []mapi.Tag {
	return []mapi.Tag{
		mapi.NewTag(0x0E30, mapi.PtypInteger32), // PidTagReplItemid
		mapi.NewTag(0x0E33, mapi.PtypInteger64), // PidTagReplChangenum
		mapi.NewTag(0x0E34, mapi.PtypBinary),    // PidTagReplVersionHistory
		mapi.NewTag(0x0E38, mapi.PtypInteger32), // PidTagReplFlags
		w.strTag(mapi.PidTagDisplayName),
		mapi.NewTag(pidTagContentCount, mapi.PtypInteger32),
		mapi.NewTag(pidTagContentUnreadCount, mapi.PtypInteger32),
		mapi.NewTag(pidTagSubfolders, mapi.PtypBoolean),
		w.strTag(pidTagContainerClass),
		mapi.NewTag(0x6635, mapi.PtypInteger32), // PidTagPstHiddenCount
		mapi.NewTag(0x6636, mapi.PtypInteger32), // PidTagPstHiddenUnread
	}
}

// contentsColumns are the contents table's (2.4.4.5.1).
func (w *pstWriter) contentsColumns() []mapi.Tag {
	return []mapi.Tag{
		mapi.NewTag(mapi.PidTagImportance, mapi.PtypInteger32),
		w.strTag(mapi.PidTagMessageClass),
		mapi.NewTag(mapi.PidTagSensitivity, mapi.PtypInteger32),
		w.strTag(mapi.PidTagSubject),
		mapi.NewTag(mapi.PidTagClientSubmitTime, mapi.PtypTime),
		w.strTag(mapi.PidTagSentRepresentingName),
		mapi.NewTag(0x0057, mapi.PtypBoolean), // PidTagMessageToMe
		mapi.NewTag(0x0058, mapi.PtypBoolean), // PidTagMessageCcMe
		w.strTag(mapi.PidTagConversationTopic),
		mapi.NewTag(mapi.PidTagConversationIndex, mapi.PtypBinary),
		w.strTag(mapi.PidTagDisplayCc),
		w.strTag(mapi.PidTagDisplayTo),
		mapi.NewTag(mapi.PidTagMessageDeliveryTime, mapi.PtypTime),
		mapi.NewTag(mapi.PidTagMessageFlags, mapi.PtypInteger32),
		mapi.NewTag(mapi.PidTagMessageSize, mapi.PtypInteger32),
		mapi.NewTag(pidTagMessageStatus, mapi.PtypInteger32),
		mapi.NewTag(0x0E30, mapi.PtypInteger32), // PidTagReplItemid
		mapi.NewTag(0x0E33, mapi.PtypInteger64), // PidTagReplChangenum
		mapi.NewTag(0x0E34, mapi.PtypBinary),    // PidTagReplVersionHistory
		mapi.NewTag(0x0E38, mapi.PtypInteger32), // PidTagReplFlags
		mapi.NewTag(0x0E3C, mapi.PtypBinary),    // PidTagReplCopiedfromVersionhistory
		mapi.NewTag(0x0E3D, mapi.PtypBinary),    // PidTagReplCopiedfromItemid
		mapi.NewTag(0x1097, mapi.PtypInteger32), // PidTagItemTemporaryFlags
		mapi.NewTag(mapi.PidTagLastModificationTime, mapi.PtypTime),
		mapi.NewTag(0x65C6, mapi.PtypInteger32), // PidTagSecureSubmitFlags
	}
}

// assocColumns are the associated (FAI) contents table's (2.4.4.6.1).
func (w *pstWriter) assocColumns() []mapi.Tag {
	return []mapi.Tag{
		w.strTag(mapi.PidTagMessageClass),
		mapi.NewTag(mapi.PidTagMessageFlags, mapi.PtypInteger32),
		mapi.NewTag(pidTagMessageStatus, mapi.PtypInteger32),
		w.strTag(mapi.PidTagDisplayName),
		w.strTag(0x6800),                                          // PidTagOfflineAddressBookName
		mapi.NewTag(0x6803, mapi.PtypBoolean),                     // PidTagSendOutlookRecallReport
		mapi.NewTag(0x6805, mapi.PtypInteger32|mapi.MultipleFlag), // PidTagOfflineAddressBookTruncatedProperties
		mapi.NewTag(0x7003, mapi.PtypInteger32),                   // PidTagViewDescriptorFlags
		mapi.NewTag(0x7004, mapi.PtypBinary),                      // PidTagViewDescriptorLinkTo
		mapi.NewTag(0x7005, mapi.PtypBinary),                      // PidTagViewDescriptorViewFolder
		w.strTag(0x7006),                                          // PidTagViewDescriptorName
		mapi.NewTag(0x7007, mapi.PtypInteger32),                   // PidTagViewDescriptorVersion
	}
}

// searchColumns are the search folder contents table's (2.4.8.6.2.1).
func (w *pstWriter) searchColumns() []mapi.Tag {
	return []mapi.Tag{
		mapi.NewTag(mapi.PidTagImportance, mapi.PtypInteger32),
		w.strTag(mapi.PidTagMessageClass),
		mapi.NewTag(mapi.PidTagSensitivity, mapi.PtypInteger32),
		w.strTag(mapi.PidTagSubject),
		w.strTag(mapi.PidTagSentRepresentingName),
		mapi.NewTag(0x0057, mapi.PtypBoolean), // PidTagMessageToMe
		w.strTag(mapi.PidTagDisplayCc),
		w.strTag(mapi.PidTagDisplayTo),
		w.strTag(0x0E05), // PidTagParentDisplay
		mapi.NewTag(mapi.PidTagMessageDeliveryTime, mapi.PtypTime),
		mapi.NewTag(mapi.PidTagMessageFlags, mapi.PtypInteger32),
		mapi.NewTag(mapi.PidTagMessageSize, mapi.PtypInteger32),
		mapi.NewTag(pidTagMessageStatus, mapi.PtypInteger32),
		mapi.NewTag(0x0E2A, mapi.PtypBoolean), // PidTagExchangeRemoteHeader
		mapi.NewTag(mapi.PidTagLastModificationTime, mapi.PtypTime),
		mapi.NewTag(0x67F1, mapi.PtypInteger32), // PidTagLtpParentNid
	}
}

// recipientColumns are the recipient table's (2.4.5.3.1); a message's
// table adds a column for every other recipient property.
func (w *pstWriter) recipientColumns() []mapi.Tag {
	return []mapi.Tag{
		mapi.NewTag(mapi.PidTagRecipientType, mapi.PtypInteger32),
		mapi.NewTag(0x0E0F, mapi.PtypBoolean), // PidTagResponsibility
		mapi.NewTag(0x0FF9, mapi.PtypBinary),  // PidTagRecordKey
		mapi.NewTag(pidTagObjectType, mapi.PtypInteger32),
		mapi.NewTag(mapi.PidTagEntryId, mapi.PtypBinary),
		w.strTag(mapi.PidTagDisplayName),
		w.strTag(mapi.PidTagAddressType),
		w.strTag(mapi.PidTagEmailAddress),
		mapi.NewTag(mapi.PidTagSearchKey, mapi.PtypBinary),
		mapi.NewTag(pidTagDisplayType, mapi.PtypInteger32),
		w.strTag(0x39FF),                      // PidTag7BitDisplayName
		mapi.NewTag(0x3A40, mapi.PtypBoolean), // PidTagSendRichInfo
	}
}

// attachmentColumns are the attachment table's (2.4.6.1.1) and the
// others Outlook lists there.
func (w *pstWriter) attachmentColumns() []mapi.Tag {
	return []mapi.Tag{
		mapi.NewTag(mapi.PidTagAttachSize, mapi.PtypInteger32),
		w.strTag(mapi.PidTagAttachFilename),
		mapi.NewTag(mapi.PidTagAttachMethod, mapi.PtypInteger32),
		mapi.NewTag(mapi.PidTagRenderingPosition, mapi.PtypInteger32),
		mapi.NewTag(mapi.PidTagAttachNumber, mapi.PtypInteger32),
		w.strTag(mapi.PidTagDisplayName),
		w.strTag(mapi.PidTagAttachExtension),
		w.strTag(mapi.PidTagAttachLongFilename),
		w.strTag(mapi.PidTagAttachMimeTag),
		w.strTag(mapi.PidTagAttachContentId),
		mapi.NewTag(mapi.PidTagAttachFlags, mapi.PtypInteger32),
		mapi.NewTag(mapi.PidTagAttachmentHidden, mapi.PtypBoolean),
	}
}
