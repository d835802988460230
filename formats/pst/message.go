package pst

import (
	"bytes"
	"encoding/binary"
	"fmt"

	"github.com/mailsalvage/mailsalvage/formats/mapi"
	"github.com/mailsalvage/mailsalvage/formats/pst/ltp"
	"github.com/mailsalvage/mailsalvage/formats/pst/ndb"
)

// MaxDepth bounds the nesting of embedded messages.
const MaxDepth = 32

// Message reads one message object (MS-PST 2.4.5) with its recipients and
// attachments, embedded messages included. Damage to a part (a recipient
// table, one attachment) costs that part, with a warning in the message.
func (f *File) Message(nid ndb.NID) (*mapi.Message, error) {
	blocks, subs, err := f.nodeData(nid)
	if err != nil {
		return nil, fmt.Errorf("message %v: %w", nid, err)
	}
	return f.message(blocks, subs, 0, 0, fmt.Sprintf("message %v", nid))
}

// MessageAt reads the message of a node entry the NBT may no longer have:
// a deleted item (DeletedItems).
func (f *File) MessageAt(e ndb.NodeEntry) (*mapi.Message, error) {
	blocks, subs, err := f.entryData(e)
	if err != nil {
		return nil, fmt.Errorf("message %v: %w", e.NID, err)
	}
	return f.message(blocks, subs, 0, 0, fmt.Sprintf("message %v", e.NID))
}

// MessageHeader reads what a message's header needs: its property context
// without the bodies (PidTagBody, PidTagHtml, PidTagRtfCompressed), which
// are not read, and its recipient table; no attachment. mapi.Headers
// makes the header from it.
func (f *File) MessageHeader(e ndb.NodeEntry) (*mapi.Message, error) {
	blocks, subs, err := f.entryData(e)
	if err != nil {
		return nil, fmt.Errorf("message %v: %w", e.NID, err)
	}
	pc, err := ltp.ReadPCExcept(blocks, subs, func(t mapi.Tag) bool {
		switch t.ID() {
		case mapi.PidTagBody, mapi.PidTagHtml, mapi.PidTagRtfCompressed:
			return true
		}
		return false
	})
	if err != nil {
		return nil, fmt.Errorf("message %v: property context: %w", e.NID, err)
	}
	m := &mapi.Message{Props: *pc.Props}
	warn := func(format string, args ...any) {
		m.Warnings = append(m.Warnings, fmt.Sprintf("message %v: ", e.NID)+fmt.Sprintf(format, args...))
	}
	for _, w := range pc.Warnings {
		warn("%s", w)
	}
	cp := mapi.ChooseCodePage(&m.Props, 0, nil)
	m.Props.CodePage = cp.CodePage
	m.Props.ShareNamed(f.named, f.namedIndex)
	f.recipients(m, subs, cp.CodePage, warn)
	return m, nil
}

// recipients reads a message's recipient table into m.Recipients.
func (f *File) recipients(m *mapi.Message, subs *subnodes, codePage int, warn func(string, ...any)) {
	if _, ok := subs.entry(ndb.NIDRecipientTable); !ok {
		return
	}
	t, err := f.subTable(subs, ndb.NIDRecipientTable)
	if err != nil {
		warn("recipient table: %v", err)
		return
	}
	for _, w := range t.Warnings {
		warn("recipient table: %s", w)
	}
	for i := 0; i < t.Rows(); i++ {
		row, err := t.RowDetailed(i)
		if err != nil {
			warn("recipient %d: %v", i, err)
			continue
		}
		for _, w := range row.Warnings {
			warn("recipient %d: %s", i, w)
		}
		r := row.Props
		r.CodePage = codePage
		r.ShareNamed(f.named, f.namedIndex)
		m.Recipients = append(m.Recipients, r)
	}
}

// message reads a message from its property context blocks and subnodes.
func (f *File) message(blocks [][]byte, subs *subnodes, depth, parentCP int, where string) (*mapi.Message, error) {
	pc, err := ltp.ReadPCWarnings(blocks, subs)
	if err != nil {
		return nil, fmt.Errorf("%s: property context: %w", where, err)
	}
	m := &mapi.Message{Props: *pc.Props}
	warn := func(format string, args ...any) {
		m.Warnings = append(m.Warnings, where+": "+fmt.Sprintf(format, args...))
	}
	for _, w := range pc.Warnings {
		warn("%s", w)
	}
	if subs.err != nil {
		warn("subnode tree unreadable: %v", subs.err)
	}
	cp := mapi.ChooseCodePage(&m.Props, parentCP, nil)
	m.Props.CodePage = cp.CodePage
	m.Props.ShareNamed(f.named, f.namedIndex)

	f.recipients(m, subs, cp.CodePage, warn)

	// attachments
	if _, ok := subs.entry(ndb.NIDAttachmentTable); ok {
		t, err := f.subTable(subs, ndb.NIDAttachmentTable)
		if err != nil {
			warn("attachment table: %v", err)
		} else {
			for i := 0; i < t.Rows(); i++ {
				anid := ndb.NID(t.RowID(i))
				a, err := f.attachment(subs, anid, depth, cp.CodePage, fmt.Sprintf("%s attachment 0x%X", where, uint32(anid)), &m.Warnings)
				if err != nil {
					warn("attachment %d (0x%X) unreadable: %v", i, uint32(anid), err)
					// keep what the table row says of it
					if row, rerr := t.Row(i); rerr == nil {
						row.CodePage = cp.CodePage
						row.ShareNamed(f.named, f.namedIndex)
						m.Attachments = append(m.Attachments, &mapi.Attachment{Props: *row})
					}
					continue
				}
				m.Attachments = append(m.Attachments, a)
				if a.Embedded != nil {
					m.Warnings = append(m.Warnings, a.Embedded.Warnings...)
				}
			}
		}
	}
	return m, nil
}

// subTable reads a table context stored in a subnode.
func (f *File) subTable(subs *subnodes, nid ndb.NID) (*ltp.Table, error) {
	e, _ := subs.entry(nid)
	blocks, err := f.db.Data(e.Data)
	if err != nil && !anyBlock(blocks) {
		return nil, err
	}
	return ltp.ReadTC(blocks, f.subnodesOf(e.Subnodes))
}

// attachment reads one attachment object (MS-PST 2.4.6.2) from the
// message's subnodes; an embedded message is read from the attachment's
// own subnodes.
func (f *File) attachment(subs *subnodes, nid ndb.NID, depth, cp int, where string, warns *[]string) (*mapi.Attachment, error) {
	e, ok := subs.entry(nid)
	if !ok {
		return nil, fmt.Errorf("not in the message's subnodes")
	}
	blocks, err := f.db.Data(e.Data)
	if err != nil && !anyBlock(blocks) {
		return nil, err
	}
	asubs := f.subnodesOf(e.Subnodes)
	pc, err := ltp.ReadPCWarnings(blocks, asubs)
	if err != nil {
		return nil, err
	}
	a := &mapi.Attachment{Props: *pc.Props}
	for _, w := range pc.Warnings {
		*warns = append(*warns, where+": "+w)
	}
	a.Props.CodePage = cp
	a.Props.ShareNamed(f.named, f.namedIndex)
	method, _ := a.Props.Int(mapi.PidTagAttachMethod)
	// PidTagAttachDataObject: the NID (and size) of the subnode holding an
	// embedded message or an OLE storage (MS-PST 2.4.6.2.1)
	prop, ok := a.Props.Get(mapi.NewTag(mapi.PidTagAttachDataBinary, mapi.PtypObject))
	if !ok || len(prop.Value) < 4 {
		return a, nil
	}
	if method != mapi.AttachEmbeddedMessage {
		// an OLE object: its storage (a compound file) is the data
		onid := ndb.NID(binary.LittleEndian.Uint32(prop.Value))
		blocks, err := asubs.Subnode(onid)
		if err != nil {
			return a, fmt.Errorf("OLE object data (subnode 0x%X): %w", uint32(onid), err)
		}
		a.Props.SetBinary(mapi.PidTagAttachDataBinary, bytes.Join(blocks, nil))
		return a, nil
	}
	if depth+1 > MaxDepth {
		return a, fmt.Errorf("embedded messages nested deeper than %d", MaxDepth)
	}
	enid := ndb.NID(binary.LittleEndian.Uint32(prop.Value))
	ee, ok := asubs.entry(enid)
	if !ok {
		return a, fmt.Errorf("embedded message subnode 0x%X missing", uint32(enid))
	}
	eblocks, err := f.db.Data(ee.Data)
	if err != nil && !anyBlock(eblocks) {
		return a, fmt.Errorf("embedded message: %w", err)
	}
	em, err := f.message(eblocks, f.subnodesOf(ee.Subnodes), depth+1, cp, where+" embedded message")
	if err != nil {
		return a, err
	}
	a.Embedded = em
	return a, nil
}
