// Package pst reads Outlook PST and OST files: the messaging layer of
// MS-PST (section 2.4) over the node database (package ndb, MS-PST 2.2)
// and the lists, tables and properties layer (package ltp, MS-PST 2.3).
//
//   - store.go: the message store (2.4.3) and the name-to-id map (2.4.7);
//   - folder.go: folders and their hierarchy and contents tables (2.4.4);
//   - message.go: message objects, recipient and attachment tables,
//     attachment objects and embedded messages (2.4.5, 2.4.6);
//   - register.go: the "pst" format: every message of every folder as a
//     formats.Message converted by formats/mapi, read one item at a time,
//     then the orphaned, deleted and block-only items;
//   - deleted.go: deleted items (dead NBT entries whose blocks survive)
//     and folder names for Recovered/<folder>;
//   - unindexed.go: messages found by their data block alone when the NBT
//     page that listed them is lost.
//
// Recovery. The registered format opens every file with OpenRecovered
// (package ndb scans the whole file once): a file whose header, B-tree
// roots or pages are damaged, or which is truncated, is read from B-trees
// rebuilt from the pages and blocks found by their trailers; Open does the
// same only when the header or the roots are damaged. Folders keep their
// paths when their folder nodes survive (found through the hierarchy
// tables, or through the NBT when a hierarchy table is lost); items no
// contents table lists are orphaned (Recovered/<parent>); dead NBT
// entries whose data reads as a message are deleted items
// (Recovered/<parent>), older versions of live items included; messages
// whose node entries are lost are found by their data blocks (without
// their subnodes: recipients and attachments are lost). An item some of
// whose blocks are damaged is partial, with every warning of its read.
// Each item's Method and provenance locator say how it was found. Not
// done: pairing a block-only message with its subnode tree, reading
// deleted folders' contents tables for items whose nodes are gone.
//
// Search folders are listed but their items are not exported again: they
// are other folders' items. A password-protected store opens like any
// other (the password is a property Outlook checks, PidTagPstPassword); its
// CRC is noted in every message's attributes.
//
// Forensic users who need the layers below items (nodes, blocks, raw
// property values with where they are) use File.DB and packages ndb and
// ltp directly.
package pst
