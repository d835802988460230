// Package dbx reads Outlook Express 5 and 6 message stores (.dbx files)
// and survives their damage. Importing it registers the format "dbx" with
// the formats registry.
//
// # Layout
//
// The format is undocumented by Microsoft; this package follows Arne
// Schloh's "OE dbx file format" notes (oedbx.aroh.de, with Zvonko Tesic's
// additions at infobyte.hr/oedbx), checked against UnDBX's reader and its
// README (Avi Rozen) and the bytes of real stores. A file is little-endian
// throughout and has three parts:
//
//   - the file header (header.go): 0x24bc bytes starting with the magic
//     CF AD 12 FE and a class id that tells a message store
//     (CLSID_MessageDatabase, 6F74FDC5-...) from Folders.dbx
//     (CLSID_FolderDatabase, 6F74FDC6-...), Pop3uidl.dbx and Offline.dbx;
//     it holds the number of values and the root node of up to three trees
//     (offsets 0xc4 and 0xe4), the head of the list of freed message blocks
//     (0x48) and the used size of the file (0x7c). The file info follows:
//     the account and the folder's first name (FileInfo).
//   - the middle sector, in segments: variable segments of indexed info
//     objects (indexedinfo.go: a header, an index of id/value entries, a
//     data field; message infos in messageinfo.go, folder infos in
//     folderinfo.go), tree segments of 0x27c-byte tree nodes (tree.go: a
//     B-tree of offsets of indexed infos, read in order: a node's first
//     child, then each entry's value followed by its child), and message
//     segments of 0x210-byte data blocks (block.go: a header of self
//     offset, body length 0x200, text length and next-block offset, then
//     up to 512 bytes of the message's RFC 5322 text).
//   - reserve space to the end of the file.
//
// Tree 0 of a message store lists a message info per message; its entry
// 0x04 is the offset of the first data block of the message's text.
// A message is its chain of blocks, each block's text taken in order; the
// text is kept byte for byte as Outlook Express stored it (CRLF line
// endings, nothing added or removed). Entries the message info carries
// besides (index, flags, dates, subject, sender, account...) go to the
// message's Attrs as dbx_*.
//
// # Reading and recovery
//
// The Reader yields, in this order:
//
//  1. the messages of tree 0, in tree order: method "dbx", state intact.
//     Each tree node is checked (its object marker must be its own offset,
//     its entry count at most 0x33) and the walk keeps a set of visited
//     nodes and a depth bound, so a damaged or looping tree loses only the
//     values under the damaged node, each loss reported as a
//     *formats.Problem with the node's offset.
//     A chain that breaks (a next pointer outside the file or not 4-aligned,
//     a block whose self offset is wrong or whose header is not a data
//     block's, a block reached twice, a block cut off by the end of the
//     file) ends its message there: state partial, a warning naming the
//     offset, the text of the blocks before the break kept.
//  2. the messages the tree does not list, found by scanning: every
//     4-aligned offset past the header is tested for a block header
//     (object marker equal to its offset and a live block's lengths, or a
//     freed block's). Blocks that no message of step 1 uses are linked by
//     their next pointers into runs; a run whose text starts a header
//     section (at least three fields, most of them common message fields,
//     two of them fields only whole messages carry: rfc5322.Examine) is a
//     message, method "dbx-scan":
//     state deleted when its blocks are free-list entries or its first
//     block is on the free list of header offset 0x48, state orphaned
//     otherwise (a message info lost with a damaged tree, or an
//     interrupted write), partial when an orphaned run breaks as above.
//     Runs that start no header (the tails of overwritten messages) are
//     reported in one *formats.Problem with their offsets, not returned.
//
// Freed blocks: when Outlook Express deletes a message it turns the
// headers of its blocks into free-list entries (body length 0x1fc, text
// length 0x210) and writes the list's back pointer over the first four
// bytes of each block's text; the rest of the text stays until the space
// is reused or the folder compacted. Those four bytes are returned as
// "????" (a warning says so), the NUL padding after the last line is
// dropped, and where the free list links one deleted message to the next,
// a new message is started at a block that starts header fields after a
// block that ended in padding. No corpus file holds freed blocks: this
// part is tested on synthetic stores laid out as UnDBX describes them.
//
// Folders.dbx is recognised and yields no messages (nor any problem):
// File.Folders reads its folder infos and FolderPaths maps each message
// store's file name ("Inbox.dbx") to the folder's path ("Local Folders",
// "Inbox"), for callers that want folder paths for a set of stores.
// Pop3uidl.dbx and Offline.dbx hold no messages either. A dbx file of an
// unknown class is read as a message store. The reader does not read
// Outlook Express 4 .mbx/.idx files (magic "JMF6"), nor tree 1 (watched
// and ignored threads, a subset of tree 0), and it knows no flag for
// "marked deleted" (IMAP): the flags are kept raw in dbx_flags.
//
// Folder: like formats/mbox, the registry names the folder of a store
// from its file name (FolderName: "Inbox.dbx" -> Inbox); deleted and
// orphaned messages keep that folder, their state says how they were found.
//
// # API and bounds
//
// As archive/zip and debug/elf: NewFile and NewReader take an io.ReaderAt
// and a size and read nothing until asked (NewFile reads the header);
// every structural fault is a *FormatError carrying the byte offset and
// the structure, wrapping ErrFormat or ErrChain. The structures are
// exported for forensic users: Header, FileInfo, TreeNode, IndexedInfo,
// MessageInfo, FolderInfo, Block, Chain, with readers for each at a given
// offset, File.WalkTree, File.FreeList and File.ScanBlocks.
//
// No length or count from the file is used before it is checked against
// the file size and the format's bounds; loops in trees, chains and the
// free list are cut with visited sets and step limits. Memory: a message
// is streamed from the ReaderAt block by block when opened; the reader
// keeps 4 bytes per message of the tree and per block of its messages,
// and the scan 12 bytes per block no indexed message uses, reading the
// file through a 1 MiB window.
//
// Peer check: UnDBX 0.21 (Debian package undbx) extracts the same
// messages, byte for byte, from the corpus stores and from this package's
// synthetic ones, and its recovery mode finds the same messages in a
// synthetic store whose tree was destroyed (TestCorpusUnDBX).
package dbx
