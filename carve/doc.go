// Package carve finds messages and mail containers in raw bytes — a disk
// image, a partition, unallocated space, a memory dump — and gives them as
// a formats.Source, so that the exporter writes them like any mailbox's.
//
// A Carver (New) reads an io.ReaderAt once, in chunks (Options.ChunkSize,
// default 4 MiB) scanned in parallel by Options.Workers goroutines, each
// through a fixed-size window; a merger takes the chunks' findings in
// order and rescans where an item runs from one chunk into the next, so
// results do not depend on the number of workers. Memory is bounded
// whatever the size of the input. Options.Progress is told the bytes
// scanned and the messages found so far (the CLI draws its bar from it).
//
// What is done:
//
//   - Messages: RFC 5322 header blocks starting with a field a stored
//     message begins with (detect.go, signatures.go: the field table, the
//     value checks and the scores each start context needs), LF or CRLF,
//     7-bit or 8-bit, and UTF-16LE copies (utf16.go). Field lines just
//     before an accepted block are taken back to where a file can start.
//   - Ends (end.go): the next message start, an mbox From line, the
//     closing MIME boundary, NUL or binary bytes, a sector boundary where
//     another file starts or the data changes (line endings, text in a
//     base64 part); never inside a multipart at an attached message.
//     Truncated messages are given with state partial and the reason.
//   - Reassembly (reassemble.go): a message cut at a sector boundary is
//     joined with a run of text elsewhere in the image when the run
//     continues it verifiably (the cut base64 line completed to the part's
//     line length and the stream whole to its end or to another cut; a
//     cut delimiter or part-header line completed; CRLF text with CRLF
//     line ends throughout) and the joined message ends with its closing
//     boundary. Otherwise the pieces stay partial.
//   - Containers (container.go): PST/OST (!BDN, header CRC, length from
//     the header), Outlook .msg compound files, mbox runs and Apple Mail
//     .emlx, each handed to its format reader through an io.SectionReader
//     (PST and .msg through the format registry); their messages get the
//     chain image -> container -> message and the method carve-<format>.
//
// Not done: Outlook Express .dbx; joining text fragments with LF line ends
// (nothing tells a continuation from other text on a disk); a middle piece
// of a three-piece message that does not continue a base64 stream; the
// header of a message whose first cluster is lost. Duplicates (a message
// inside a carved mbox and again loose) are left to the exporter, which
// writes identical bytes once and logs every occurrence.
//
// Disk image containers (raw, split raw, EWF/E01) are opened by
// carve/image.
package carve
