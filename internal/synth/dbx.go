package synth

import "encoding/binary"

// Outlook Express .dbx stores, for tests and the demo. The layout
// constants are our own copy of those of formats/dbx (its tests import
// this package, so it cannot import them), from the same format notes
// (formats/dbx's package documentation names them).

const (
	dbxHeaderSize         = 0x24bc
	dbxFileInfoLength     = 0x618
	dbxHdrFileInfoLength  = 0x1c
	dbxHdrDeletedMessages = 0x48
	dbxHdrLastIndex       = 0x5c
	dbxHdrUsedSize        = 0x7c
	dbxHdrTreeCounts      = 0xc4
	dbxHdrTreeRoots       = 0xe4
	dbxTreeNodeSize       = 0x27c
	dbxTreeNodeHeader     = 0x18
	dbxTreeEntrySize      = 12
	dbxMaxTreeEntries     = (dbxTreeNodeSize - dbxTreeNodeHeader) / dbxTreeEntrySize
	dbxIndexedInfoHeader  = 0x0c
	dbxBlockSize          = 0x210
	dbxBlockHeaderSize    = 0x10
	dbxBlockDataSize      = dbxBlockSize - dbxBlockHeaderSize
	dbxFreeBodyLength     = 0x1fc
	dbxFreeTextLength     = 0x210
	// indexed info entry ids: folder infos, message infos
	dbxFiIndex, dbxFiParent, dbxFiName, dbxFiFile = 0x00, 0x01, 0x02, 0x03
	dbxMiIndex, dbxMiFlags, dbxMiSent, dbxMiData  = 0x00, 0x01, 0x02, 0x04
	dbxMiMessageID, dbxMiSubject, dbxMiSize       = 0x07, 0x08, 0x11
)

var dbxMagic = [4]byte{0xCF, 0xAD, 0x12, 0xFE}

// DBXMessage is a message of a written store.
type DBXMessage struct {
	Text      []byte // the RFC 5322 bytes, stored as they are
	Index     uint32
	Flags     uint32
	Subject   string
	MessageID string
	Deleted   bool // blocks freed (free-list form), not in the tree
	Unlisted  bool // live blocks, not in the tree (a lost message info)
}

// DBXOptions shape a written store.
type DBXOptions struct {
	Interleave bool // allocate the messages' blocks round-robin
	// FreeListLive, when > 0, names an Unlisted message whose live chain
	// the header's free list starts at
	FreeListLive int
	Folders      []DBXFolder // write a Folders.dbx instead
}

// DBXFolder is a folder of a written Folders.dbx.
type DBXFolder struct {
	Index, Parent uint32
	Name, File    string
}

// DBXMap says where a written store put things.
type DBXMap struct {
	Data     []byte
	Info     []int64   // message info offset per message (0 when not in the tree)
	Blocks   [][]int64 // block offsets per message
	Root     int64     // tree root node
	Nodes    []int64   // all tree nodes
	TreeVals []int64   // tree values in order
}

// DBX writes a message store holding msgs.
func DBX(msgs []DBXMessage) []byte { return DBXWithMap(msgs, DBXOptions{}).Data }

func dbxPut32(b []byte, off int64, v uint32) { binary.LittleEndian.PutUint32(b[off:], v) }

var dbxClassMessages = []byte{0xC5, 0xFD, 0x74, 0x6F, 0x66, 0xE3, 0xD1, 0x11, 0x9A, 0x4E, 0x00, 0xC0, 0x4F, 0xA3, 0x09, 0xD4}
var dbxClassFolders = []byte{0xC6, 0xFD, 0x74, 0x6F, 0x66, 0xE3, 0xD1, 0x11, 0x9A, 0x4E, 0x00, 0xC0, 0x4F, 0xA3, 0x09, 0xD4}

type dbxWriter struct {
	b []byte
}

func (w *dbxWriter) alloc(n int) int64 {
	off := int64(len(w.b))
	w.b = append(w.b, make([]byte, n)...)
	return off
}

// indexedInfo writes an indexed info object of the given entries (ids in
// increasing order); ints <= 0xffffff are stored directly, strings and
// larger ints in the data field.
type dbxEntry struct {
	id  uint8
	i   uint32
	s   *string
	raw []byte
}

func (w *dbxWriter) indexedInfo(entries []dbxEntry) int64 {
	var data []byte
	idx := make([]byte, 4*len(entries))
	for k, e := range entries {
		var v uint32
		direct := false
		switch {
		case e.s != nil:
			v = uint32(len(data))
			data = append(data, append([]byte(*e.s), 0)...)
		case e.raw != nil:
			v = uint32(len(data))
			data = append(data, e.raw...)
		case e.i <= 0xffffff:
			v, direct = e.i, true
		default:
			v = uint32(len(data))
			data = binary.LittleEndian.AppendUint32(data, e.i)
		}
		t := uint32(e.id)
		if direct {
			t |= 0x80
		}
		binary.LittleEndian.PutUint32(idx[4*k:], t|v<<8)
	}
	for len(data)%4 != 0 {
		data = append(data, 0)
	}
	body := append(idx, data...)
	off := w.alloc(dbxIndexedInfoHeader + len(body))
	dbxPut32(w.b, off, uint32(off))
	dbxPut32(w.b, off+4, uint32(len(body)))
	w.b[off+10] = byte(len(entries))
	copy(w.b[off+dbxIndexedInfoHeader:], body)
	return off
}

// tree writes a B-tree of vals and returns its root (0 when empty).
func (w *dbxWriter) tree(vals []uint32, parent int64, nodeID byte, sf *DBXMap) int64 {
	if len(vals) == 0 {
		return 0
	}
	off := w.alloc(dbxTreeNodeSize)
	sf.Nodes = append(sf.Nodes, off)
	dbxPut32(w.b, off, uint32(off))
	dbxPut32(w.b, off+0xc, uint32(parent))
	w.b[off+0x10] = nodeID
	if len(vals) <= dbxMaxTreeEntries {
		w.b[off+0x11] = byte(len(vals))
		for i, v := range vals {
			dbxPut32(w.b, off+dbxTreeNodeHeader+int64(i*dbxTreeEntrySize), v)
		}
		return off
	}
	// e separators, e+1 children of about equal size
	e := min(dbxMaxTreeEntries, len(vals)/3)
	per := (len(vals) - e) / (e + 1)
	extra := (len(vals) - e) % (e + 1)
	w.b[off+0x11] = byte(e)
	pos := 0
	for c := 0; c <= e; c++ {
		n := per
		if c < extra {
			n++
		}
		child := w.tree(vals[pos:pos+n], off, byte(c), sf)
		pos += n
		if c == 0 {
			dbxPut32(w.b, off+8, uint32(child))
			dbxPut32(w.b, off+0x14, uint32(n))
		} else {
			p := off + dbxTreeNodeHeader + int64((c-1)*dbxTreeEntrySize)
			dbxPut32(w.b, p+4, uint32(child))
			dbxPut32(w.b, p+8, uint32(n))
		}
		if c < e {
			dbxPut32(w.b, off+dbxTreeNodeHeader+int64(c*dbxTreeEntrySize), vals[pos])
			pos++
		}
	}
	return off
}

// DBXWithMap writes a message store holding msgs.
func DBXWithMap(msgs []DBXMessage, o DBXOptions) *DBXMap {
	w := &dbxWriter{}
	sf := &DBXMap{Info: make([]int64, len(msgs)), Blocks: make([][]int64, len(msgs))}
	w.alloc(dbxHeaderSize + dbxFileInfoLength)
	copy(w.b, dbxMagic[:])
	if o.Folders != nil {
		copy(w.b[4:], dbxClassFolders)
	} else {
		copy(w.b[4:], dbxClassMessages)
	}
	dbxPut32(w.b, 0x14, 5)
	dbxPut32(w.b, 0x18, 5)
	dbxPut32(w.b, dbxHdrFileInfoLength, dbxFileInfoLength)
	w.b[dbxHeaderSize] = 1
	w.b[dbxHeaderSize+4] = 3
	copy(w.b[dbxHeaderSize+5:], "LocalStore")
	copy(w.b[dbxHeaderSize+0x105:], "Synth")

	if o.Folders != nil {
		var vals []uint32
		for _, f := range o.Folders {
			name, file := f.Name, f.File
			es := []dbxEntry{{id: dbxFiIndex, i: f.Index}, {id: dbxFiParent, i: f.Parent}, {id: dbxFiName, s: &name}}
			if file != "" {
				es = append(es, dbxEntry{id: dbxFiFile, s: &file})
			}
			vals = append(vals, uint32(w.indexedInfo(es)))
		}
		sf.Root = w.tree(vals, 0, 0, sf)
		dbxPut32(w.b, dbxHdrTreeCounts, uint32(len(vals)))
		dbxPut32(w.b, dbxHdrTreeRoots, uint32(sf.Root))
		dbxPut32(w.b, dbxHdrUsedSize, uint32(len(w.b)))
		sf.Data = w.b
		return sf
	}

	// data blocks
	nblocks := make([]int, len(msgs))
	for i, m := range msgs {
		nblocks[i] = max(1, (len(m.Text)+dbxBlockDataSize-1)/dbxBlockDataSize)
	}
	if o.Interleave {
		for k := 0; ; k++ {
			any := false
			for i := range msgs {
				if k < nblocks[i] {
					sf.Blocks[i] = append(sf.Blocks[i], w.alloc(dbxBlockSize))
					any = true
				}
			}
			if !any {
				break
			}
		}
	} else {
		for i := range msgs {
			for k := 0; k < nblocks[i]; k++ {
				sf.Blocks[i] = append(sf.Blocks[i], w.alloc(dbxBlockSize))
			}
		}
	}
	var freed []int64 // free list, in order
	for i, m := range msgs {
		bl := sf.Blocks[i]
		for k, off := range bl {
			chunk := m.Text[min(len(m.Text), k*dbxBlockDataSize):min(len(m.Text), (k+1)*dbxBlockDataSize)]
			dbxPut32(w.b, off, uint32(off))
			dbxPut32(w.b, off+4, dbxBlockDataSize)
			dbxPut32(w.b, off+8, uint32(len(chunk)))
			if k+1 < len(bl) {
				dbxPut32(w.b, off+12, uint32(bl[k+1]))
			}
			copy(w.b[off+dbxBlockHeaderSize:], chunk)
		}
		if m.Deleted {
			freed = append(freed, bl...)
		}
	}
	for k, off := range freed {
		dbxPut32(w.b, off+4, dbxFreeBodyLength)
		dbxPut32(w.b, off+8, dbxFreeTextLength)
		var next, prev uint32
		if k+1 < len(freed) {
			next = uint32(freed[k+1])
		}
		if k > 0 {
			prev = uint32(freed[k-1])
		}
		dbxPut32(w.b, off+12, next)
		dbxPut32(w.b, off+16, prev)
	}
	if len(freed) > 0 {
		dbxPut32(w.b, dbxHdrDeletedMessages, uint32(freed[0]))
	}
	if o.FreeListLive > 0 {
		dbxPut32(w.b, dbxHdrDeletedMessages, uint32(sf.Blocks[o.FreeListLive][0]))
	}

	// message infos and the tree
	var vals []uint32
	last := uint32(0)
	for i, m := range msgs {
		if m.Deleted || m.Unlisted {
			continue
		}
		subj, id := m.Subject, m.MessageID
		es := []dbxEntry{
			{id: dbxMiIndex, i: m.Index}, {id: dbxMiFlags, i: m.Flags},
			{id: dbxMiSent, raw: binary.LittleEndian.AppendUint64(nil, 132000000000000000+uint64(i)*1e7)},
			{id: dbxMiData, i: uint32(sf.Blocks[i][0])},
			{id: dbxMiMessageID, s: &id}, {id: dbxMiSubject, s: &subj},
			{id: dbxMiSize, i: uint32(len(m.Text))},
		}
		sf.Info[i] = w.indexedInfo(es)
		vals = append(vals, uint32(sf.Info[i]))
		last = max(last, m.Index)
	}
	for _, v := range vals {
		sf.TreeVals = append(sf.TreeVals, int64(v))
	}
	sf.Root = w.tree(vals, 0, 0, sf)
	dbxPut32(w.b, dbxHdrTreeCounts, uint32(len(vals)))
	dbxPut32(w.b, dbxHdrTreeRoots, uint32(sf.Root))
	dbxPut32(w.b, dbxHdrLastIndex, last)
	dbxPut32(w.b, dbxHdrUsedSize, uint32(len(w.b)))
	sf.Data = w.b
	return sf
}
