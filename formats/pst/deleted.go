package pst

import (
	"fmt"

	"github.com/mailsalvage/mailsalvage/formats/mapi"
	"github.com/mailsalvage/mailsalvage/formats/pst/ltp"
	"github.com/mailsalvage/mailsalvage/formats/pst/ndb"
)

// Deleted items (MS-PST 2.6.1.2.3 says how Outlook deletes a node; package
// ndb, deleted.go, finds what survives of them): message nodes whose
// entries are left in NBT pages past cEnt or in pages no tree reaches,
// with blocks that still read soundly, often in space the allocation map
// says is free.

// DeletedItems returns the dead node entries whose data reads as a
// message (a property context with a message class), by NID; nil for a
// File that was not opened for recovery. Read them with MessageAt. The
// node type is not trusted: dead slots keep entries whose NID and data
// were written at different times, and libpff exports such entries too.
func (f *File) DeletedItems() []ndb.DeletedNode {
	var out []ndb.DeletedNode
	for _, d := range f.db.DeletedNodes() {
		switch d.NID.Type() {
		case ndb.NIDTypeNormalFolder, ndb.NIDTypeSearchFolder, ndb.NIDTypeHID:
			continue
		}
		p, err := f.entryPC(d.NodeEntry)
		if err != nil || p.Str(pidTagMessageClass) == "" {
			continue
		}
		out = append(out, d)
	}
	return out
}

// pidTagMessageClass is PidTagMessageClass (MS-OXCMSG 2.2.1.3).
const pidTagMessageClass = 0x001A

// FolderName returns the display name of a folder node: one the NBT has,
// or else a deleted one whose data survives; "" when neither can be read.
func (f *File) FolderName(nid ndb.NID) string {
	if nid == 0 {
		return ""
	}
	name := func(p *mapi.Properties) string {
		p.CodePage = f.codePage(p)
		return p.Str(mapi.PidTagDisplayName)
	}
	if e, err := f.db.Node(nid); err == nil {
		if p, err := f.entryPC(e); err == nil {
			if n := name(p); n != "" {
				return n
			}
		}
	}
	for _, d := range f.db.DeletedNodes() {
		if d.NID != nid {
			continue
		}
		if p, err := f.entryPC(d.NodeEntry); err == nil {
			if n := name(p); n != "" {
				return n
			}
		}
	}
	return ""
}

// entryPC reads the property context of a node entry, quietly (a folder
// name asked for is a guess; damage is reported where the folder itself
// is read).
func (f *File) entryPC(e ndb.NodeEntry) (*mapi.Properties, error) {
	blocks, subs, err := f.entryData(e)
	if err != nil {
		return nil, err
	}
	pc, err := ltp.ReadPC(blocks, subs)
	if err != nil {
		return nil, fmt.Errorf("node %v: %w", e.NID, err)
	}
	return pc, nil
}
