// Package ltp reads the lists, tables and properties layer of PST and OST
// files (MS-PST section 2.3): the heap-on-node that a node's data blocks
// form, the B-trees on it, and the property and table contexts built on
// those. It works on the data blocks the ndb package returns for a node
// and on a Reader for the node's subnodes, and produces MAPI properties
// (package mapi) for the messaging layer.
//
// One file per structure, as the specification names them:
//
//	heap.go  HN: HNHDR, HNPAGEHDR, HNBITMAPHDR, HNPAGEMAP, HIDs across
//	         the blocks of a node's data (2.3.1)
//	bth.go   BTH: BTHHEADER, intermediate and leaf records (2.3.2)
//	pc.go    PC: property context -> *mapi.Properties (2.3.3)
//	tc.go    TC: TCINFO, TCOLDESC, row index, row matrix, cell existence
//	         block (2.3.4)
//	value.go HNIDs (heap or subnode, 2.3.3.2) and multi-valued values
//	         (2.3.3.4.2), shared by PC and TC
//
// Values are kept as stored: fixed-size values in their type's size,
// strings in their encoding (UTF-16LE for PtypString, 8-bit for
// PtypString8, decoded by mapi.Properties with its CodePage), multi-valued
// values split into Property.Values, PtypObject values as the raw 8-byte
// (subnode NID, size) reference the messaging layer follows to embedded
// messages and attachment objects.
//
// Damage costs what it touches: a value that cannot be read is left out
// of its property set (ReadPCDetailed and Table.RowDetailed say which,
// with the HNID), a damaged heap block costs only the allocations in it,
// a damaged BTH node only the records below it. Every loop is bounded
// (BTH levels at most MaxBTHLevels, each node visited once) and every size
// is checked against the bytes that are there before anything is
// allocated. Errors name the structure and the HID or NID; the node being
// read, which the caller knows, gives the file offset (Origin and
// ndb.File.DataEntries map values to file offsets).
package ltp
