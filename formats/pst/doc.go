// Package pst reads Outlook PST and OST files: the messaging layer of
// MS-PST (section 2.4) over the node database (package ndb, MS-PST 2.2)
// and the lists, tables and properties layer (package ltp, MS-PST 2.3).
//
//   - store.go: the message store (2.4.3) and the name-to-id map (2.4.7);
//   - folder.go: folders and their hierarchy and contents tables (2.4.4);
//   - message.go: message objects, recipient and attachment tables,
//     attachment objects and embedded messages (2.4.5, 2.4.6);
//   - register.go: the "pst" format: every message of every folder as a
//     formats.Message converted by formats/mapi, read one item at a time.
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
