package pst

import (
	"encoding/binary"
	"fmt"
	"io"

	"github.com/mailsalvage/mailsalvage/formats/mapi"
	"github.com/mailsalvage/mailsalvage/formats/pst/ltp"
	"github.com/mailsalvage/mailsalvage/formats/pst/ndb"
)

// Properties of the message store and the name-to-id map (MS-PST 2.4.3,
// 2.4.7).
const (
	pidTagPstPassword       = 0x67FF
	pidTagNameidStreamGuid  = 0x0002
	pidTagNameidStreamEntry = 0x0003
	pidTagNameidStreamStr   = 0x0004
)

// File is an opened PST or OST: the messaging layer (MS-PST 2.4) over the
// node database.
type File struct {
	db    *ndb.File
	store *mapi.Properties
	named map[uint16]mapi.NamedProperty
	// namedIndex is named reversed (mapi.IndexNamed), built once and
	// shared by every item's properties
	namedIndex map[mapi.NamedProperty]uint16
	warnings   []string
	// recovered says why the file was opened with ndb.OpenRecovered, ""
	// when it was not
	recovered string
}

// Open reads the header and the message store of a PST or OST file. Nothing
// else is read until asked, as long as the file is sound: when the header
// cannot be read, its CRC fails, the file is shorter than the header says
// or the root page of the node or block B-tree is unreadable or damaged,
// the file is opened as OpenRecovered does (Recovered then says why).
func Open(r io.ReaderAt, size int64) (*File, error) {
	db, err := ndb.Open(r, size)
	why := ""
	if err != nil {
		why = err.Error()
	} else {
		why = unsound(db)
	}
	if why == "" {
		return newFile(db), nil
	}
	rdb, rerr := ndb.OpenRecovered(r, size)
	if rerr != nil {
		if err != nil {
			return nil, err
		}
		return nil, rerr
	}
	f := newFile(rdb)
	f.recovered = why
	return f, nil
}

// OpenRecovered opens a PST or OST file for recovery (ndb.OpenRecovered):
// the whole file is scanned once, the node and block B-trees are rebuilt
// where the header's are damaged or lost, and the node entries and blocks
// of deleted items are found (DeletedItems). On a sound file its folders
// and messages are those of Open.
func OpenRecovered(r io.ReaderAt, size int64) (*File, error) {
	db, err := ndb.OpenRecovered(r, size)
	if err != nil {
		return nil, err
	}
	f := newFile(db)
	f.recovered = "recovery asked for"
	return f, nil
}

// unsound says why a file Open could read the header of still needs
// rebuilding, or "".
func unsound(db *ndb.File) string {
	h := db.Header()
	switch {
	case !h.CRCPartialOK:
		return "the header's CRC fails"
	case h.FileSize > uint64(db.Size()):
		return fmt.Sprintf("the file is %d bytes, its header says %d: truncated", db.Size(), h.FileSize)
	}
	for _, t := range []struct {
		name  string
		ptype uint8
		root  ndb.BRef
	}{{"NBT", ndb.PTypeNBT, h.NBTRoot}, {"BBT", ndb.PTypeBBT, h.BBTRoot}} {
		off := int64(t.root.IB)
		p, err := db.ReadPage(off)
		switch {
		case err != nil:
			return fmt.Sprintf("the %s root page at 0x%X is unreadable: %v", t.name, off, err)
		case p.Trailer.PType != t.ptype || p.Trailer.BID != t.root.BID:
			return fmt.Sprintf("the %s root page at 0x%X is not the page the header names (ptype 0x%02X, bid %v)", t.name, off, p.Trailer.PType, p.Trailer.BID)
		case !p.CRCOK || !p.SigOK:
			return fmt.Sprintf("the %s root page at 0x%X is damaged (CRC or signature mismatch)", t.name, off)
		}
	}
	return ""
}

func newFile(db *ndb.File) *File {
	f := &File{db: db, named: map[uint16]mapi.NamedProperty{}}
	if p, err := f.readPC(ndb.NIDMessageStore); err == nil {
		f.store = p
	} else {
		f.warnf("message store (NID 0x21) unreadable: %v", err)
		f.store = &mapi.Properties{}
	}
	if err := f.readNameMap(); err != nil {
		f.warnf("name-to-id map (NID 0x61) unreadable: %v; named properties (appointment times, contact addresses) are missing", err)
	}
	f.namedIndex = mapi.IndexNamed(f.named)
	return f
}

// Recovered says why the file was opened for recovery ("" when it was
// not): its B-trees are then rebuilt from a scan (DB().Recovery tells
// how).
func (f *File) Recovered() string { return f.recovered }

// DB returns the node database, for forensic users who want the layers
// below items: nodes, blocks, raw property values.
func (f *File) DB() *ndb.File { return f.db }

// Store returns the message store's properties (display name, password,
// root entry ids).
func (f *File) Store() *mapi.Properties { return f.store }

// Password reports the CRC-32 of the store's password, if it has one.
// PST passwords protect nothing in the file: they are a property that
// Outlook checks before opening it.
func (f *File) Password() (uint32, bool) {
	v, ok := f.store.Int(pidTagPstPassword)
	if !ok || uint32(v) == 0 || uint32(v) == 0xFFFFFFFF { // OSTs store all ones
		return 0, false
	}
	return uint32(v), true
}

func (f *File) warnf(format string, args ...any) {
	if len(f.warnings) < 10000 {
		f.warnings = append(f.warnings, fmt.Sprintf(format, args...))
	}
}

// Warnings returns what was met while reading: the messaging layer's and
// the node database's.
func (f *File) Warnings() []string {
	return append(append([]string(nil), f.warnings...), f.db.Warnings()...)
}

// subnodes reads a node's subnode tree, for ltp.Reader.
type subnodes struct {
	db  *ndb.File
	m   map[ndb.NID]ndb.SubnodeEntry
	err error
}

func (f *File) subnodesOf(bid ndb.BID) *subnodes {
	s := &subnodes{db: f.db}
	if bid != 0 {
		s.m, s.err = f.db.Subnodes(bid)
	}
	return s
}

// Subnode returns the data blocks of one subnode.
func (s *subnodes) Subnode(nid ndb.NID) ([][]byte, error) {
	e, ok := s.m[nid]
	if !ok {
		if s.err != nil {
			return nil, fmt.Errorf("subnode 0x%X: subnode tree unreadable: %w", uint32(nid), s.err)
		}
		return nil, fmt.Errorf("subnode 0x%X not found", uint32(nid))
	}
	return s.db.Data(e.Data)
}

// entry returns a subnode's entry.
func (s *subnodes) entry(nid ndb.NID) (ndb.SubnodeEntry, bool) {
	e, ok := s.m[nid]
	return e, ok
}

// nodeData reads a top-level node's data blocks and subnodes. Blocks that
// could not be read are nil; the error says why, and what survived is
// still returned for the heap to use.
func (f *File) nodeData(nid ndb.NID) ([][]byte, *subnodes, error) {
	e, err := f.db.Node(nid)
	if err != nil {
		return nil, nil, err
	}
	return f.entryData(e)
}

// entryData reads the data blocks and subnodes of a node entry: one of
// the NBT, or a dead one (DeletedItems).
func (f *File) entryData(e ndb.NodeEntry) ([][]byte, *subnodes, error) {
	blocks, err := f.db.Data(e.Data)
	if err != nil && !anyBlock(blocks) {
		return nil, nil, err
	}
	if err != nil {
		f.warnf("node %v: %v; reading what survived", e.NID, err)
	}
	return blocks, f.subnodesOf(e.Subnodes), nil
}

func anyBlock(blocks [][]byte) bool {
	for _, b := range blocks {
		if b != nil {
			return true
		}
	}
	return false
}

// readPC reads the property context of a top-level node.
func (f *File) readPC(nid ndb.NID) (*mapi.Properties, error) {
	blocks, subs, err := f.nodeData(nid)
	if err != nil {
		return nil, err
	}
	pc, err := ltp.ReadPCWarnings(blocks, subs)
	if err != nil {
		return nil, err
	}
	for _, w := range pc.Warnings {
		f.warnf("node %v: %s", nid, w)
	}
	return pc.Props, nil
}

// readTC reads the table context of a top-level node.
func (f *File) readTC(nid ndb.NID) (*ltp.Table, error) {
	blocks, subs, err := f.nodeData(nid)
	if err != nil {
		return nil, err
	}
	t, err := ltp.ReadTC(blocks, subs)
	if err != nil {
		return nil, err
	}
	for _, w := range t.Warnings {
		f.warnf("table %v: %s", nid, w)
	}
	return t, nil
}

// readNameMap reads the name-to-id map (MS-PST 2.4.7): GUID, entry and
// string streams, into the named-property table every item shares.
func (f *File) readNameMap() error {
	p, err := f.readPC(ndb.NIDNameToIDMap)
	if err != nil {
		return err
	}
	guids, _ := p.Binary(pidTagNameidStreamGuid)
	entries, _ := p.Binary(pidTagNameidStreamEntry)
	strs, _ := p.Binary(pidTagNameidStreamStr)
	for i := 0; i+8 <= len(entries); i += 8 {
		id := binary.LittleEndian.Uint32(entries[i:])
		w := binary.LittleEndian.Uint16(entries[i+4:])
		idx := binary.LittleEndian.Uint16(entries[i+6:])
		isString := w&1 != 0
		guidIdx := int(w >> 1)
		var g [16]byte
		switch {
		case guidIdx == 1:
			g = mapi.PSMAPI
		case guidIdx == 2:
			g = mapi.PSPUBLICSTRINGS
		case guidIdx >= 3 && (guidIdx-3)*16+16 <= len(guids):
			copy(g[:], guids[(guidIdx-3)*16:])
		default:
			continue
		}
		np := mapi.NamedProperty{GUID: g}
		if isString {
			off := int(id)
			if off+4 > len(strs) || off < 0 {
				continue
			}
			n := int(binary.LittleEndian.Uint32(strs[off:]))
			if n < 0 || off+4+n > len(strs) {
				continue
			}
			np.Name = mapi.DecodeUTF16(strs[off+4 : off+4+n])
		} else {
			np.LID = id
		}
		f.named[uint16(0x8000+int(idx))] = np
	}
	return nil
}
