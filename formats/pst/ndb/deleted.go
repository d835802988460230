package ndb

import (
	"fmt"
	"slices"
)

// Deleted items. Outlook deletes a node by taking its entry out of the
// NBT leaf page that held it (MS-PST 2.6.1.2.3, 2.2.2.7.7): cEnt goes
// down, and the slots past cEnt keep whatever they held; a page written
// anew leaves its old copy in space the AMap marks free; the node's blocks
// stay in freed space until it is reused. So an entry of a node the live
// NBT does not have survives in a slot past cEnt of a live page, or in an
// NBT page no tree reaches any more, and the item can be read as long as
// its blocks do (libyal's PFF notes, "recovered" items).

// DeadHow says where a dead node entry was found.
type DeadHow string

// Where dead entries are found.
const (
	// DeadSlot: past cEnt in an NBT leaf page of the (rebuilt) live tree.
	DeadSlot DeadHow = "dead slot past cEnt of a live NBT page"
	// DeadPage: in an NBT leaf page that no tree reaches (an old copy of
	// a page, or one in freed space); PageAlloc says which.
	DeadPage DeadHow = "NBT page no tree reaches"
)

// DeletedNode is a node entry that survives outside the live NBT and whose
// data can still be read: a deleted item, or an older version of a live
// one (OlderVersion).
type DeletedNode struct {
	NodeEntry // Offset is the file offset of the page holding the entry
	// EntryOffset is the file offset of the entry itself; Slot its index
	// in the page.
	EntryOffset int64
	Slot        int
	How         DeadHow
	PageBID     BID
	PageAlloc   Alloc
	// PageSound says whether the page's CRC and signature match.
	PageSound bool
	// OlderVersion: the live NBT has this NID, with other data.
	OlderVersion bool
	// SubnodesOK: the subnode tree (if any) can be read too; when false
	// the item's attachments or recipients may be lost.
	SubnodesOK bool
	// DataLive: the data block (or tree) is still listed by the BBT, so
	// its bytes are shared with live content or were never freed; false
	// when they were found only in freed space.
	DataLive bool
}

func (d DeletedNode) String() string {
	s := fmt.Sprintf("node %v (data %v, subnodes %v, parent %v): %s at offset 0x%X (page 0x%X bid %v, slot %d, %s)", d.NID, d.Data, d.Subnodes, d.Parent, d.How, d.EntryOffset, d.Offset, d.PageBID, d.Slot, d.PageAlloc)
	if d.OlderVersion {
		s += ", an older version of a live node"
	}
	if !d.DataLive {
		s += ", data in freed space"
	}
	return s
}

// DeletedNodes returns the node entries the live NBT does not have but
// which survive in the file with data that can still be read, by NID (for
// one NID, most recent page first), each with how it was found. Read them
// with Data(d.Data) and Subnodes(d.Subnodes): Block finds the freed blocks
// they use. A deleted NIDTypeNormalMessage node is a deleted item; its
// Parent names the folder it was in. Nil for a File from Open.
func (f *File) DeletedNodes() []DeletedNode {
	if f.rec == nil {
		return nil
	}
	return slices.Clone(f.rec.deleted)
}

// findDeleted collects the dead node entries whose data can be read. Of
// several copies of one entry the one in a live page is kept, else the
// one in the most recent page (highest BID).
func (f *File) findDeleted(rc *recovery) {
	idx := rc.idx
	type cand struct {
		sn   ScannedNode
		live bool
	}
	var cands []cand
	for _, sn := range idx.Nodes {
		live := rc.liveLeaf[idx.Pages[sn.Page].Offset]
		if live && !sn.Dead {
			continue // in the rebuilt NBT, or a duplicate of it
		}
		if sn.NID == 0 || sn.NID.Type() == NIDTypeHID || sn.Data == 0 {
			continue
		}
		cands = append(cands, cand{sn, live})
	}
	slices.SortStableFunc(cands, func(a, b cand) int {
		if a.live != b.live {
			if a.live {
				return -1
			}
			return 1
		}
		return cmpInt(idx.Pages[b.sn.Page].BID, idx.Pages[a.sn.Page].BID)
	})
	type key struct {
		nid       NID
		data, sub BID
	}
	seen := map[key]bool{}
	var out []DeletedNode
	for _, c := range cands {
		sn := c.sn
		p := idx.Pages[sn.Page]
		k := key{sn.NID, sn.Data.Key(), sn.Subnodes.Key()}
		if seen[k] {
			continue
		}
		seen[k] = true
		cur, err := f.Node(sn.NID)
		isLive := err == nil
		if isLive && cur.Data.Key() == sn.Data.Key() && cur.Subnodes.Key() == sn.Subnodes.Key() {
			continue
		}
		if !f.quietData(sn.Data) {
			continue
		}
		d := DeletedNode{
			NodeEntry:    sn.NodeEntry,
			EntryOffset:  p.Offset + int64(int(sn.Slot)*f.lay.nbtLeafEntry),
			Slot:         int(sn.Slot),
			How:          DeadPage,
			PageBID:      p.BID,
			PageAlloc:    p.Alloc,
			PageSound:    p.CRCOK && p.SigOK,
			OlderVersion: isLive,
			SubnodesOK:   sn.Subnodes == 0 || f.quietSubnodes(sn.Subnodes),
		}
		if rc.sound {
			d.DataLive = rc.inBBT.has(sn.Data)
		} else {
			_, d.DataLive = rc.blocks.find(sn.Data.Key())
		}
		if c.live {
			d.How = DeadSlot
		}
		out = append(out, d)
	}
	slices.SortStableFunc(out, func(a, b DeletedNode) int { return cmpInt(a.NID, b.NID) })
	rc.deleted = out
}

// quietBlock reads a block for a check: found (live, scanned or freed)
// and its trailer sound, without warnings. Its data is decoded only if
// wanted (want false: nil data; checking a deleted item's data blocks
// this way was most of the time opening a small file took).
func (f *File) quietBlock(bid BID, want bool) ([]byte, bool) {
	e, err := f.Block(bid)
	if err != nil {
		return nil, false
	}
	span := f.lay.blockSpan(e.Size)
	if e.Size < 0 || span > f.lay.maxBlock {
		return nil, false
	}
	buf, err := f.readAt(e.Offset, span, "block")
	if err != nil {
		return nil, false
	}
	if !want {
		warn, err := checkBlock(buf, e, f.lay, f.hdr.Crypt)
		return nil, err == nil && len(warn) == 0
	}
	data, warn, err := decodeBlock(buf, e, f.lay, f.hdr.Crypt)
	if err != nil || len(warn) > 0 {
		return nil, false
	}
	return data, true
}

// quietData reports whether every block of a data tree can be read with
// sound trailers.
func (f *File) quietData(bid BID) bool {
	budget := f.maxBlocks()
	visited := map[BID]bool{}
	var walk func(bid BID, level int) bool
	walk = func(bid BID, level int) bool {
		if budget--; budget < 0 {
			return false
		}
		if !bid.Internal() {
			_, ok := f.quietBlock(bid, false)
			return ok
		}
		if level <= 0 || visited[bid.Key()] {
			return false
		}
		visited[bid.Key()] = true
		b, ok := f.quietBlock(bid, true)
		if !ok {
			return false
		}
		x, err := ParseXBlock(b, f.lay.idSize)
		if err != nil || x.Level > level {
			return false
		}
		for _, c := range x.BIDs {
			if x.Level == 1 && c.Internal() || x.Level == 2 && !c.Internal() {
				return false
			}
			if !walk(c, x.Level-1) {
				return false
			}
		}
		return true
	}
	return walk(bid, MaxDataTreeDepth)
}

// quietSubnodes reports whether the blocks of a subnode tree (SLBLOCKs,
// SIBLOCKs; not the subnodes' data) can be read.
func (f *File) quietSubnodes(bid BID) bool {
	visited := map[BID]bool{}
	var walk func(bid BID, depth int) bool
	walk = func(bid BID, depth int) bool {
		if !bid.Internal() || depth > MaxSubnodeDepth || visited[bid.Key()] {
			return false
		}
		visited[bid.Key()] = true
		b, ok := f.quietBlock(bid, true)
		if !ok {
			return false
		}
		s, err := ParseSubnodeBlock(b, f.lay.idSize)
		if err != nil {
			return false
		}
		for _, c := range s.Children {
			if !walk(c.BID, depth+1) {
				return false
			}
		}
		return true
	}
	return walk(bid, 0)
}
