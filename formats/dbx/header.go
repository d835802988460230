package dbx

import (
	"bytes"
	"encoding/binary"
	"fmt"
)

// The file header (Schloh, "OE dbx file format: file header"): 0x24bc
// bytes at the start of every dbx file, an array of little-endian int4
// values; the file info object follows it (see FileInfo).
const HeaderSize = 0x24bc

// Magic is the first four bytes of every Outlook Express 5/6 dbx file.
var Magic = [4]byte{0xCF, 0xAD, 0x12, 0xFE}

// Class tells the kinds of dbx file apart by the class id that follows the
// magic.
type Class int

const (
	ClassUnknown  Class = iota // a class id this package does not know
	ClassMessages              // a message store: Inbox.dbx, Sent Items.dbx, a newsgroup...
	ClassFolders               // Folders.dbx: the folder tree, no messages
	ClassPOP3UIDL              // Pop3uidl.dbx: POP3 message ids seen, no messages
	ClassOffline               // Offline.dbx: IMAP/HTTP offline operations, no messages
)

func (c Class) String() string {
	switch c {
	case ClassMessages:
		return "message store"
	case ClassFolders:
		return "folder store"
	case ClassPOP3UIDL:
		return "POP3 UIDL store"
	case ClassOffline:
		return "offline store"
	}
	return "unknown class"
}

// Class ids as stored at offset 4 (CLSID_MessageDatabase,
// CLSID_FolderDatabase and their siblings, in their on-disk byte order).
var classIDs = map[[16]byte]Class{
	{0xC5, 0xFD, 0x74, 0x6F, 0x66, 0xE3, 0xD1, 0x11, 0x9A, 0x4E, 0x00, 0xC0, 0x4F, 0xA3, 0x09, 0xD4}: ClassMessages,
	{0xC6, 0xFD, 0x74, 0x6F, 0x66, 0xE3, 0xD1, 0x11, 0x9A, 0x4E, 0x00, 0xC0, 0x4F, 0xA3, 0x09, 0xD4}: ClassFolders,
	{0xC7, 0xFD, 0x74, 0x6F, 0x66, 0xE3, 0xD1, 0x11, 0x9A, 0x4E, 0x00, 0xC0, 0x4F, 0xA3, 0x09, 0xD4}: ClassPOP3UIDL,
	{0x30, 0x9D, 0xFE, 0x26, 0x8F, 0x1A, 0xD2, 0x11, 0xAA, 0xBF, 0x00, 0x60, 0x97, 0xD4, 0x74, 0xC4}: ClassOffline,
}

// ClassOf returns the class of a file from its first 20 bytes, and
// whether they start with the dbx magic at all.
func ClassOf(head []byte) (Class, bool) {
	if len(head) < 4 || !bytes.Equal(head[:4], Magic[:]) {
		return ClassUnknown, false
	}
	if len(head) < 20 {
		return ClassUnknown, true
	}
	return classIDs[[16]byte(head[4:20])], true
}

// Header offsets (bytes) of the values this package uses.
const (
	hdrFileInfoLength  = 0x1c
	hdrLastVarSegment  = 0x24
	hdrLastTreeSegment = 0x30
	hdrLastMsgSegment  = 0x3c
	hdrDeletedMessages = 0x48 // first block of the list of freed message blocks
	hdrDeletedTrees    = 0x4c // first node of the list of freed tree nodes
	hdrLastIndex       = 0x5c // highest message index given out so far
	hdrUsedSize        = 0x7c // bytes of the file in use (header + middle sector)
	hdrTreeCounts      = 0xc4 // three int4: values stored in each tree
	hdrTreeRoots       = 0xe4 // three int4: root node of each tree
)

// Trees is how many trees a header describes: a message store uses two
// (all messages; watched or ignored threads), Folders.dbx three.
const Trees = 3

// Header is the decoded file header.
type Header struct {
	ClassID [16]byte
	Class   Class
	// FileInfoLength is the length of the file info object that follows
	// the header (0x618 in message stores).
	FileInfoLength uint32
	// DeletedMessages is the first block of the list of freed message
	// blocks (0 when none), DeletedTrees that of freed tree nodes.
	DeletedMessages uint32
	DeletedTrees    uint32
	// LastIndex is the highest message index given out so far.
	LastIndex uint32
	// UsedSize is the length of the part of the file in use; what follows
	// is reserve space.
	UsedSize uint32
	// TreeCount[i] is the number of values tree i holds, TreeRoot[i] the
	// offset of its root node (0 for an empty tree). Tree 0 of a message
	// store lists every message; tree 0 of Folders.dbx every folder.
	TreeCount [Trees]uint32
	TreeRoot  [Trees]uint32
	// LastSegment holds the offsets of the last variable, tree and message
	// segments, for examiners.
	LastSegment [3]uint32
}

// ParseHeader decodes a file header from at least HeaderSize bytes (fewer
// is accepted down to 0x100, for truncated files: the values used are all
// in the first 0x100 bytes). It checks the magic only; the values are
// checked against the file size where they are used.
func ParseHeader(b []byte) (*Header, error) {
	if len(b) < 0x100 {
		return nil, formatErr(0, "file header", "file shorter than the file header", len(b))
	}
	if !bytes.Equal(b[:4], Magic[:]) {
		return nil, formatErr(0, "file header", fmt.Sprintf("no dbx magic: % x", b[:4]), nil)
	}
	u := func(off int) uint32 { return binary.LittleEndian.Uint32(b[off:]) }
	h := &Header{
		ClassID:         [16]byte(b[4:20]),
		FileInfoLength:  u(hdrFileInfoLength),
		DeletedMessages: u(hdrDeletedMessages),
		DeletedTrees:    u(hdrDeletedTrees),
		LastIndex:       u(hdrLastIndex),
		UsedSize:        u(hdrUsedSize),
		LastSegment:     [3]uint32{u(hdrLastVarSegment), u(hdrLastTreeSegment), u(hdrLastMsgSegment)},
	}
	h.Class = classIDs[h.ClassID]
	for i := 0; i < Trees; i++ {
		h.TreeCount[i] = u(hdrTreeCounts + 4*i)
		h.TreeRoot[i] = u(hdrTreeRoots + 4*i)
	}
	return h, nil
}

// FileInfo is the file info object of a message store (Schloh, "file
// info"), right after the header: where the store came from and the name
// Outlook Express first gave its folder.
type FileInfo struct {
	// SourceType: 0 newsgroup, 1 IMAP, 3 local folder (2, HTTP mail, is
	// seen in the wild).
	SourceType uint8
	// Account is the registry key of the account ("LocalStore" for local
	// folders).
	Account string
	// FolderName is the name the folder had when the file was created;
	// a renamed folder keeps its old name here (Folders.dbx has the
	// current one).
	FolderName string
}

// fileInfoLength is the usual length of a message store's file info.
const fileInfoLength = 0x618

func parseFileInfo(b []byte) FileInfo {
	var fi FileInfo
	if len(b) > 4 {
		fi.SourceType = b[4]
	}
	fi.Account = cString(b, 5, 0x100)
	fi.FolderName = cString(b, 0x105, 0x100)
	return fi
}

// cString returns the NUL-terminated string at b[off:], at most max bytes.
func cString(b []byte, off, max int) string {
	if off >= len(b) {
		return ""
	}
	b = b[off:]
	if len(b) > max {
		b = b[:max]
	}
	if i := bytes.IndexByte(b, 0); i >= 0 {
		b = b[:i]
	}
	return string(b)
}
