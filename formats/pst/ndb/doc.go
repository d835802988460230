// Package ndb reads the node database layer of Outlook PST and OST files
// (MS-PST section 2.2): the file header, the node and block B-trees, and
// the blocks they lead to. It is the lowest of the three layers MS-PST
// describes; package ltp (lists, tables and properties) reads what the
// nodes hold, and package pst (the messaging layer) turns that into
// folders and messages.
//
// One file per structure, named as the specification names it:
//
//	header.go  HEADER and HEADER.ROOT (2.2.2.6, 2.2.2.5): Open, Header
//	ids.go     NID, BID and BREF (2.2.2.1 to 2.2.2.4)
//	page.go    PAGETRAILER and BTPAGE with its entries BTENTRY, BBTENTRY,
//	           NBTENTRY (2.2.2.7.1, 2.2.2.7.7)
//	btree.go   lookups and walks of the NBT and the BBT (2.2.2.7.7)
//	block.go   BLOCKTRAILER, data blocks, XBLOCK/XXBLOCK data trees,
//	           SLBLOCK/SIBLOCK subnode trees (2.2.2.8)
//	crypt.go   NDB_CRYPT_PERMUTE and NDB_CRYPT_CYCLIC (5.1, 5.2)
//	crc.go     the CRC and the trailer signature (5.3, 5.5)
//	scan.go    Scan: every page and block of a file found by its trailer,
//	           with its allocation state from the AMaps (2.2.2.7.2)
//	rebuild.go OpenRecovered: the B-trees rebuilt where the header's are
//	           damaged or lost, from the pages and blocks Scan finds
//	deleted.go DeletedNodes: dead NBT entries (past cEnt, in pages no tree
//	           reaches) whose blocks still read (2.6.1.2.3)
//	sniff.go   Sniff: telling a PST whose header is gone by its pages
//
// Three variants are read: ANSI files (wVer 14 or 15: 32-bit IDs, 512-byte
// pages), Unicode files (wVer 23: 64-bit IDs) and the OST files Outlook
// 2013 and later write (wVer 36: 4 KiB pages, 24-byte trailers, blocks
// aligned on 512 bytes and up to 64 KiB, zlib-compressed when their
// trailer's inflated size differs from cb). MS-PST does not describe the
// last; libyal's PFF notes do, and the corpus has a real one.
//
// A File reads through the io.ReaderAt it is given and nothing else: only
// what is asked for, with every offset and size checked against the file
// size before anything is allocated. Damage is never a panic or a hang:
// B-trees are followed at most MaxBTreeDepth levels down, each child a
// level below its parent, and a page met twice is a loop; data trees are
// at most two levels deep with each XBLOCK visited once; subnode trees
// likewise. Structural damage that stops a read is a *FormatError naming
// the structure, the BID or NID and the file offset; damage that does not
// (a CRC or signature mismatch, a trailer that disagrees with the BBT, a
// skipped B-tree page) is a warning, kept by the File (Warnings) with the
// same detail, so that a forensic examiner can go to the bytes.
//
// Walks (WalkNodes, WalkBlocks, WalkPages) skip damaged pages and go on;
// Data returns what it could read of a damaged tree with nil in place of
// the missing blocks, so that heap block indices stay right; Subnodes
// returns the entries it could read with the first error. WarningMark and
// WarningsSince give the warnings one read raised, repeats included, for
// a reader that reports damage per item.
//
// Recovery (OpenRecovered) reads the whole file once. A file whose header
// and B-trees are sound is read through its own trees, and the scan keeps
// only what they do not list (freed blocks, dead node entries): memory
// grows with the file's freed space, and a bit per BID (sound.go). A
// damaged file gets its trees rebuilt from a compact entry per page and
// block found: memory grows with the number of blocks (some 60 bytes
// each), not their size. Not done: rebuilding the
// allocation maps, the density list or the header itself, and telling an
// OST 2013 whose header is gone from its first 64 KiB (it has no page
// there; Scan still finds its structures when asked).
package ndb
