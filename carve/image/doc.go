// Package image opens disk images as one io.ReaderAt with a size, for the
// carver: whatever the container, the carver sees the bytes of the acquired
// medium from offset 0 to Size().
//
// Open detects the container by content, and split sets by their names:
//
//   - "raw": a dd/raw file or a block device (its size found by seeking to
//     the end);
//   - "split-raw": a raw image cut into name.001, name.002, … (or name.000,
//     …) or name.aa, name.ab, … (as split(1) names them), read as one
//     continuous image; a gap in the set is an error naming the missing
//     file;
//   - "ewf": an Expert Witness Compression Format image (EnCase .E01,
//     SMART .s01, FTK, linen, ewfacquire, EWF-X), one or many segment
//     files (.E01, .E02, … .E99, .EAA, …).
//
// Every file is opened read-only through formats.OpenEvidence, so evidence
// is never modified and, where the system allows it, its access time is left
// alone.
//
// # EWF
//
// The EWF reader is our own, written from Joachim Metz's "Expert Witness
// Compression Format (EWF)" notes (libyal/libewf documentation). Each file
// holding a structure of that document is named after it: the file header
// (ewf_file_header.go), the section descriptor and the walk along the
// section chain (ewf_section.go), the volume/disk/data sections
// (ewf_volume.go), the table/table2 sections (ewf_table.go), the chunks of
// the sectors section (ewf_chunk.go), the hash, digest, xhash and error2
// sections (ewf_hash.go) and the segment file naming (ewf_segments.go).
//
// Tables are read lazily and decoded chunks are kept in a small LRU cache,
// so memory stays bounded whatever the size of the image. A recovery tool
// has to keep going, so damage never stops the reader where it can go on:
//
//   - a checksum that does not match (section descriptor, volume, table
//     header or entries, stored chunk Adler-32, zlib Adler-32) is reported
//     as a warning naming the file and the offset, and the data is still
//     used as stored (a table falls back to its table2 mirror first);
//   - a chunk that cannot be read at all (its table entry points outside
//     the segment, its zlib stream is broken, the file is truncated) reads
//     as zeros, or as the part that could be decoded followed by zeros,
//     with a warning;
//   - a segment whose table is lost (typically a truncated last segment)
//     has its chunks rebuilt by decoding the sectors section one chunk
//     after the other;
//   - a missing or damaged segment whose chunk count cannot be known is
//     sized from the chunk count in the volume section when only one is
//     missing, so that the following segments stay at their right media
//     offsets; the chunks it held read as zeros.
//
// The warnings are returned by Image.Warnings; reading never fails because
// of damage inside the image, only when the underlying file cannot be read.
//
// The media size is the volume section's number of sectors times the bytes
// per sector. ewfacquire stores the whole of an input whose size is not a
// multiple of the sector size, and its stored MD5 covers those trailing
// bytes, but it counts whole sectors only; like libewf, this reader stops at
// the last whole sector (and says so in a warning), so its MD5 equals the
// one ewfverify calculates, not the one it stores.
//
// Not supported: EWF2 (.Ex01, .Lx01, EnCase 7 version 2 format) and the
// logical evidence formats (.L01, .Lx01), which Open rejects with
// ErrUnsupported; encryption (FTK "AD encryption"), and the EnCase 6.7.1
// table offset overflow of segments over 2 GiB. The sector ranges an
// acquisition could not read (the error2 section) are reported as warnings.
package image
