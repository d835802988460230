package ndb

import "fmt"

// NID is a node identifier (MS-PST 2.2.2.1): nidType in the low 5 bits,
// nidIndex in the upper 27. In Unicode files NIDs are stored in 8-byte
// fields of which only the low 32 bits are used.
type NID uint32

// Type returns nidType, the low 5 bits (one of the NIDType constants).
func (n NID) Type() uint8 { return uint8(n & 0x1F) }

// Index returns nidIndex, the upper 27 bits.
func (n NID) Index() uint32 { return uint32(n) >> 5 }

// WithType returns the NID of the same index with another type: a folder's
// hierarchy, contents and associated contents tables share its index
// (MS-PST 2.4.4).
func (n NID) WithType(t uint8) NID { return n&^0x1F | NID(t&0x1F) }

func (n NID) String() string { return fmt.Sprintf("0x%X", uint32(n)) }

// MakeNID builds a NID from its type and index.
func MakeNID(typ uint8, index uint32) NID { return NID(index<<5 | uint32(typ&0x1F)) }

// NID types (MS-PST 2.2.2.1).
const (
	NIDTypeHID                  = 0x00 // heap node (HID), never in the NBT
	NIDTypeInternal             = 0x01
	NIDTypeNormalFolder         = 0x02
	NIDTypeSearchFolder         = 0x03
	NIDTypeNormalMessage        = 0x04
	NIDTypeAttachment           = 0x05
	NIDTypeSearchUpdateQueue    = 0x06
	NIDTypeSearchCriteriaObject = 0x07
	NIDTypeAssocMessage         = 0x08
	NIDTypeContentsTableIndex   = 0x0A
	NIDTypeReceiveFolderTable   = 0x0B
	NIDTypeOutgoingQueueTable   = 0x0C
	NIDTypeHierarchyTable       = 0x0D
	NIDTypeContentsTable        = 0x0E
	NIDTypeAssocContentsTable   = 0x0F
	NIDTypeSearchContentsTable  = 0x10
	NIDTypeAttachmentTable      = 0x11
	NIDTypeRecipientTable       = 0x12
	NIDTypeSearchTableIndex     = 0x13
	NIDTypeLTP                  = 0x1F
)

// Special NIDs (MS-PST 2.4.1).
const (
	NIDMessageStore                NID = 0x21
	NIDNameToIDMap                 NID = 0x61
	NIDNormalFolderTemplate        NID = 0xA1
	NIDSearchFolderTemplate        NID = 0xC1
	NIDRootFolder                  NID = 0x122
	NIDSearchManagementQueue       NID = 0x1E1
	NIDSearchActivityList          NID = 0x201
	NIDSearchDomainObject          NID = 0x261
	NIDSearchGathererQueue         NID = 0x281
	NIDSearchGathererDescriptor    NID = 0x2A1
	NIDSearchGathererFolderQueue   NID = 0x321
	NIDHierarchyTableTemplate      NID = 0x60D
	NIDContentsTableTemplate       NID = 0x60E
	NIDAssocContentsTableTemplate  NID = 0x60F
	NIDSearchContentsTableTemplate NID = 0x610
	NIDAttachmentTable             NID = 0x671 // template; also the attachment table subnode of a message
	NIDRecipientTable              NID = 0x692 // template; also the recipient table subnode of a message
)

// BID is a block identifier (MS-PST 2.2.2.2). Bit 0 is reserved (readers
// ignore it), bit 1 (fInternal) marks internal blocks (data trees and
// subnode trees, never encrypted), the rest is the bidIndex. Pages have
// BIDs too (their trailer's bid), from the same counter.
type BID uint64

// Internal reports whether b is an internal block (XBLOCK, XXBLOCK,
// SLBLOCK, SIBLOCK) rather than a data block.
func (b BID) Internal() bool { return b&2 != 0 }

// Index returns bidIndex.
func (b BID) Index() uint64 { return uint64(b) >> 2 }

// Key returns the BID as the BBT keys it: the reserved bit cleared.
func (b BID) Key() BID { return b &^ 1 }

func (b BID) String() string { return fmt.Sprintf("0x%X", uint64(b)) }

// BRef is a reference to a page or block (MS-PST 2.2.2.4): its BID and its
// absolute file offset (IB) as stored.
type BRef struct {
	BID BID
	IB  uint64
}

func (r BRef) String() string { return fmt.Sprintf("{bid %v, ib 0x%X}", r.BID, r.IB) }
