package pst

import (
	"github.com/mailsalvage/mailsalvage/formats/pst/ndb"
)

// Items whose node entries are lost. When the NBT leaf page that listed a
// message is gone (a truncated file, an overwritten page) and no old copy
// of it survives, the message's data still does: a block (or a data tree)
// holding a property context (a heap whose bClientSig is 0xBC, MS-PST
// 2.3.1.2) that no node entry, data tree or subnode tree refers to. Its
// properties can be read; its subnode tree, which only the node entry
// names, cannot, so its recipients and attachments (and properties kept in
// subnodes, such as a large body) are lost.

// UnindexedItem is a message property context found by its block alone.
type UnindexedItem struct {
	Block ndb.ScannedBlock // the data block or XBLOCK holding it
}

// UnindexedItems returns, for a File opened for recovery whose node B-tree
// lost key ranges, the data blocks and data trees in space the allocation
// map does not say is free that no node entry (live or dead), data tree or
// subnode tree refers to and that hold a property context. Nil for a
// sound File or one not opened for recovery.
func (f *File) UnindexedItems() []UnindexedItem {
	rec := f.db.Recovery()
	idx := f.db.ScanIndex()
	if rec == nil || idx == nil || len(rec.LostNBT) == 0 && !rec.HeaderRebuilt {
		return nil
	}
	idSize := 8
	if f.db.Header().Version == ndb.ANSI {
		idSize = 4
	}
	refs := map[ndb.BID]bool{}
	ref := func(b ndb.BID) {
		if b != 0 {
			refs[b.Key()] = true
		}
	}
	f.db.WalkNodes(func(e ndb.NodeEntry) bool {
		ref(e.Data)
		ref(e.Subnodes)
		return true
	})
	for _, d := range f.db.DeletedNodes() {
		ref(d.Data)
		ref(d.Subnodes)
	}
	read := func(b ndb.ScannedBlock) ([]byte, bool) {
		data, err := f.db.ReadBlockEntry(b.Entry())
		return data, err == nil
	}
	for _, b := range idx.Blocks {
		switch b.Kind {
		case ndb.KindXBlock, ndb.KindXXBlock:
			if data, ok := read(b); ok {
				if x, err := ndb.ParseXBlock(data, idSize); err == nil {
					for _, c := range x.BIDs {
						ref(c)
					}
				}
			}
		case ndb.KindSLBlock, ndb.KindSIBlock:
			if data, ok := read(b); ok {
				if s, err := ndb.ParseSubnodeBlock(data, idSize); err == nil {
					for _, e := range s.Entries {
						ref(e.Data)
						ref(e.Subnodes)
					}
					for _, c := range s.Children {
						ref(c.BID)
					}
				}
			}
		}
	}
	var out []UnindexedItem
	done := map[ndb.BID]bool{}
	for _, b := range idx.Blocks {
		k := b.BID.Key()
		if refs[k] || done[k] || b.Alloc == ndb.AllocFree || b.Kind != ndb.KindData && b.Kind != ndb.KindXBlock {
			continue
		}
		done[k] = true
		first := b
		if b.Kind == ndb.KindXBlock {
			data, ok := read(b)
			if !ok {
				continue
			}
			x, err := ndb.ParseXBlock(data, idSize)
			if err != nil || len(x.BIDs) == 0 {
				continue
			}
			e, err := f.db.Block(x.BIDs[0])
			if err != nil {
				continue
			}
			first = ndb.ScannedBlock{BID: e.BID, Offset: e.Offset, Size: uint16(e.Size), Inflated: uint16(e.InflatedSize)}
		}
		data, ok := read(first)
		if !ok || len(data) < 4 || data[2] != 0xEC || data[3] != 0xBC {
			continue
		}
		p, err := f.entryPC(ndb.NodeEntry{Data: b.BID})
		if err != nil || p.Str(pidTagMessageClass) == "" {
			continue
		}
		out = append(out, UnindexedItem{Block: b})
	}
	return out
}
