// Package msg reads Outlook .msg files (and .oft templates): one Outlook
// item stored as MAPI properties in an OLE compound file (MS-OXMSG over
// MS-CFB). Importing it registers the format "msg" with the formats
// registry.
//
// # Reading
//
// NewFile (or Read, for the message alone) takes an io.ReaderAt and a size,
// like archive/zip, and builds the mapi.Message of the top-level item:
// its properties, its recipients ("__recip_version1.0_#XXXXXXXX"
// storages) and attachments ("__attach_version1.0_#XXXXXXXX"), both in the
// order of their numbers, and below each attachment whose
// "__substg1.0_3701000D" storage is a message, that embedded message, read
// the same way down to MaxDepth (64) levels.
//
// The properties of each storage come from its property stream,
// "__properties_version1.0" (MS-OXMSG section 2.4: a header of 32 bytes at
// the top level, 24 in an embedded message, 8 in recipient and attachment
// storages, then a 16-byte entry per property). Fixed-size values are in
// the entries; strings, binary values, GUIDs and every multi-valued
// property are in "__substg1.0_TTTTTTTT" streams (variable-size
// multi-valued ones as a lengths stream and one "-0000000N" stream per
// value, section 2.1.4). Value streams the property stream does not list
// are read too, with a note: where the property stream is lost, they are
// all there is. Strings are kept as mapi keeps them, without their
// terminators.
//
// Named properties (ids 0x8000 and above) are resolved through the
// "__nameid_version1.0" storage of the root (section 2.2.3); one map is
// shared by the message, its recipients and attachments and every
// embedded message.
//
// Properties.CodePage, which decodes PtypString8 values, is
// PidTagMessageCodepage where the item has it (section 2.2.1.4 of
// MS-OXCMSG makes it the code page of the item's 8-bit strings), then,
// for an embedded message, its parent's; then PidTagInternetCodepage
// mapped to the Windows code page of the same script (an ANSI .msg of
// ISO-2022-JP mail holds Shift_JIS, one of ISO-8859-1 mail holds
// Windows-1252); where that says nothing of the script (US-ASCII, or
// UTF-8 the strings are not valid in), the Windows code page of
// PidTagMessageLocaleId; and last Windows-1252. File.CodePageSource says
// which. Recipients and attachments share their message's code page.
//
// OLE attachments (PidTagAttachMethod afStorage) keep an OLE storage in
// "__substg1.0_3701000D". A storage cannot go into an .eml; the file a
// Packager object wraps ("\x01Ole10Native": label, path and data) becomes
// the attachment's PidTagAttachDataBinary, its name PidTagAttachLongFilename
// when the attachment has none, and a "CONTENTS" or "Package" stream is
// taken whole the same way; each with a warning. Other OLE storages (an
// embedded Word document) are named in a warning and not exported.
//
// # Damaged files
//
// A sound compound file is read with github.com/richardlehane/mscfb. When
// mscfb refuses the file (a bad header, a broken FAT or DIFAT, a
// truncated file, a directory whose trees loop) or cannot read one of its
// streams, the file is read again by the tolerant walk of cfbscan.go,
// which is described there: it reads what survives of the header, the FAT,
// the directory and the mini stream, finds directory sectors by scanning
// when their chain is lost and puts them back in order by the entries that
// point into them, rebuilds the tree with a visited set, keeps orphaned
// attachment and recipient storages, and reads broken chains on as
// contiguous sectors. Every guess is a warning naming the structure and
// its byte offset; a string value whose bytes were located by a guess and
// do not read as text is dropped rather than exported. A file read this
// way has File.Recovered set, and File.Damaged when damage was found.
//
// Nothing is ever allocated from a declared size that has not been
// checked against the file: streams larger than the file, more values than
// a stream can hold, more properties (1<<20), recipients or attachments
// (1<<14 each) than a file can sensibly have, and embedded messages nested
// deeper than MaxDepth are all cut short with a warning. The bytes read
// from streams are bounded by four times the file size. No input panics
// or loops: every chain, tree and list walk has a visited set or a bound.
//
// Errors are *FormatError values that wrap ErrFormat (not a compound file,
// or nothing of it readable) or ErrNotMessage (a compound file that is no
// Outlook item, such as a Word document, or whose message is lost).
//
// # The format "msg"
//
// Match claims a compound file (signature D0 CF 11 E0 A1 B1 1A E1) whose
// first 64 KiB hold the UTF-16 names of .msg streams or storages
// (ConfidenceMsg); a compound file whose directory starts past the probe,
// where the names cannot be seen, gets ConfidenceFarDirectory. Other
// compound files (Word, Excel, Thumbs.db) are not mail.
//
// OpenFile yields exactly one message: the item converted to RFC 5322 by
// mapi.Convert, rendered into memory when Next is called (a .msg holds
// one message, bounded by the file). Its Method is "msg", or
// "msg-recovered" when the tolerant walk read it; its State is Partial
// when damage was found, else Intact; its Chain is one hop, format "msg",
// located by the message class (a compound file's streams are scattered,
// so there is no byte range). Its Warnings are the reader's, for every
// level of embedding, and mapi.Convert's. Its Attrs are "msg_class",
// "msg_codepage" and "msg_codepage_source", "msg_store" ("unicode" or
// "ansi", by the string types the item's properties have),
// "msg_stream_count" and, when there are embedded messages,
// "msg_embedded_count".
package msg
