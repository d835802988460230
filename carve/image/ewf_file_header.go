package image

import "encoding/binary"

// File header signatures: EWF notes, section 2.1 ("File header"), and, to
// refuse them clearly, those of EWF2 (EWF2 notes, section 2.1) and FTK's
// encrypted container ("AD encryption").
const (
	evfSignature     = "EVF\x09\x0d\x0a\xff\x00"
	lvfSignature     = "LVF\x09\x0d\x0a\xff\x00"
	evf2Signature    = "EVF2\x0d\x0a\x81\x00"
	lef2Signature    = "LEF2\x0d\x0a\x81\x00"
	adcryptSignature = "ADCRYPT\x00"
)

// fileHeaderSize is the size of the EWF-E01/EWF-S01 file header.
const fileHeaderSize = 13

// fileHeader is the 13-byte header every segment file starts with
// (EWF notes, section 2.1.1): signature, 0x01 (start of fields), the
// segment number (1 for the first file) and 0x0000 (end of fields).
type fileHeader struct {
	segment    uint16
	wellFormed bool // the start- and end-of-fields bytes are as specified
}

func parseFileHeader(b []byte) (fileHeader, bool) {
	if len(b) < fileHeaderSize || string(b[:8]) != evfSignature {
		return fileHeader{}, false
	}
	return fileHeader{
		segment:    binary.LittleEndian.Uint16(b[9:11]),
		wellFormed: b[8] == 1 && b[11] == 0 && b[12] == 0,
	}, true
}
