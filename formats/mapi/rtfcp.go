package mapi

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
)

// This file implements MS-OXRTFCP, the compression of the RTF body that
// Outlook keeps in PidTagRtfCompressed (MS-OXCMSG 2.2.1.58.4).

// Sentinel errors of DecompressRTF, wrapped in an *RTFError that says where.
var (
	// ErrRTFFormat: the header is not a compressed RTF header (short, or
	// an unknown COMPTYPE). Nothing could be decompressed.
	ErrRTFFormat = errors.New("mapi: not compressed RTF")
	// ErrRTFCRC: the CRC of the compressed data does not match the
	// header. The data decompressed anyway, and is returned.
	ErrRTFCRC = errors.New("mapi: compressed RTF CRC mismatch")
	// ErrRTFTruncated: the compressed data end before the end marker
	// and before RAWSIZE bytes were produced. What was decompressed is
	// returned.
	ErrRTFTruncated = errors.New("mapi: compressed RTF truncated")
	// ErrRTFTooLarge: the data would decompress past RAWSIZE or past
	// MaxRTFSize. The output is cut there and returned.
	ErrRTFTooLarge = errors.New("mapi: compressed RTF larger than declared")
)

// MaxRTFSize bounds the output of DecompressRTF whatever RAWSIZE says.
const MaxRTFSize = 64 << 20

// RTFError is a problem found by DecompressRTF: Offset is the byte offset
// in the PidTagRtfCompressed value where it was found, Err one of the
// ErrRTF sentinels (errors.Is works).
type RTFError struct {
	Offset int64
	Msg    string
	Err    error
}

func (e *RTFError) Error() string {
	return fmt.Sprintf("%v at offset %d: %s", e.Err, e.Offset, e.Msg)
}

func (e *RTFError) Unwrap() error { return e.Err }

// Compression types (MS-OXRTFCP 2.1.3.1.1, COMPTYPE).
const (
	rtfCompressed   = 0x75465A4C // "LZFu"
	rtfUncompressed = 0x414C454D // "MELA"
)

const rtfHeaderSize = 16

// rtfInitialDictionary is the string the dictionary starts with
// (MS-OXRTFCP 2.1.2.1); its length, 207, is the initial write position
// (3.1.1.3).
const rtfInitialDictionary = `{\rtf1\ansi\mac\deff0\deftab720{\fonttbl;}{\f0\fnil \froman \fswiss \fmodern \fscript \fdecor MS Sans SerifSymbolArialTimes New RomanCourier{\colortbl\red0\green0\blue0` + "\r\n" + `\par \pard\plain\f0\fs20\b\i\u\tab\tx`

// rtfCRC is the CRC of MS-OXRTFCP (its "CRC" section, over the CONTENTS
// field): the table of the IEEE CRC-32, run from 0 and without the final
// inversion, i.e. the IEEE CRC with both inversions undone.
func rtfCRC(b []byte) uint32 {
	return ^crc32.Update(0xFFFFFFFF, crc32.IEEETable, b)
}

// DecompressRTF decompresses a PidTagRtfCompressed value (MS-OXRTFCP).
//
// The 16-byte header (2.1.3.1.1) gives COMPSIZE (the size of what
// follows it, plus 12), RAWSIZE, COMPTYPE and the CRC of the compressed
// data. For COMPTYPE "MELA" the data are stored as they are. For "LZFu"
// they are runs of a control byte whose 8 bits, least significant
// first, say whether each following token is a literal byte (0) or a
// 2-byte big-endian dictionary reference (1): a 12-bit offset into a
// 4096-byte circular dictionary that starts with a fixed RTF string
// (2.1.2.1, 3.1.1.3) and a 4-bit length less 2. A reference whose offset
// is the dictionary's write position ends the data (section 3.1,
// decompression).
//
// The output never exceeds RAWSIZE or MaxRTFSize. Damage does not lose
// what could be read: on a CRC mismatch, truncated data or data longer
// than declared, the bytes decompressed so far are returned together
// with an *RTFError wrapping ErrRTFCRC, ErrRTFTruncated or
// ErrRTFTooLarge. Only ErrRTFFormat (no usable header) comes with nil.
func DecompressRTF(b []byte) ([]byte, error) {
	if len(b) < rtfHeaderSize {
		return nil, &RTFError{0, fmt.Sprintf("%d bytes, shorter than the 16-byte header", len(b)), ErrRTFFormat}
	}
	compSize := int64(binary.LittleEndian.Uint32(b[0:]))
	rawSize := int64(binary.LittleEndian.Uint32(b[4:]))
	compType := binary.LittleEndian.Uint32(b[8:])
	crc := binary.LittleEndian.Uint32(b[12:])
	if compType != rtfCompressed && compType != rtfUncompressed {
		return nil, &RTFError{8, fmt.Sprintf("unknown COMPTYPE 0x%08X", compType), ErrRTFFormat}
	}

	// The contents are COMPSIZE-12 bytes after the header. Bytes past
	// them are padding; fewer than that means the value was cut.
	data := b[rtfHeaderSize:]
	var truncated bool
	if compSize >= 12 {
		if n := compSize - 12; n < int64(len(data)) {
			data = data[:n]
		} else if n > int64(len(data)) {
			truncated = true
		}
	}

	limit := rawSize
	if limit > MaxRTFSize {
		limit = MaxRTFSize
	}

	if compType == rtfUncompressed {
		// Writers of stored RTF (Aspose among them) often set RAWSIZE to
		// COMPSIZE, 12 more than the data: only COMPSIZE tells whether
		// the data were cut. The CRC field is 0 and not checked.
		out := data
		if int64(len(out)) > limit {
			out = out[:limit]
		}
		out = append([]byte(nil), out...)
		switch {
		case truncated:
			return out, &RTFError{int64(len(b)), fmt.Sprintf("COMPSIZE %d but only %d bytes present", compSize, len(b)-4), ErrRTFTruncated}
		case int64(len(data)) > limit:
			return out, &RTFError{4, fmt.Sprintf("%d bytes stored, cut at %d (RAWSIZE %d, limit %d)", len(data), limit, rawSize, MaxRTFSize), ErrRTFTooLarge}
		}
		return out, nil
	}

	out, end, err := lzfuDecompress(data, limit)
	if err != nil {
		if err.Err == ErrRTFTooLarge && rawSize > MaxRTFSize {
			err.Msg = fmt.Sprintf("RAWSIZE %d exceeds the %d-byte limit", rawSize, MaxRTFSize)
		}
		return out, err
	}
	switch {
	case truncated:
		return out, &RTFError{int64(len(b)), fmt.Sprintf("COMPSIZE %d but only %d bytes present; %d of %d bytes decompressed", compSize, len(b)-4, len(out), rawSize), ErrRTFTruncated}
	case !end && int64(len(out)) < rawSize:
		return out, &RTFError{int64(len(b)), fmt.Sprintf("no end marker; %d of %d bytes decompressed", len(out), rawSize), ErrRTFTruncated}
	}
	if got := rtfCRC(data); got != crc {
		return out, &RTFError{12, fmt.Sprintf("CRC 0x%08X in header, 0x%08X computed", crc, got), ErrRTFCRC}
	}
	return out, nil
}

// lzfuDecompress runs the decompression of MS-OXRTFCP over the contents,
// producing at most limit bytes. end reports that the end marker was
// read.
func lzfuDecompress(data []byte, limit int64) (out []byte, end bool, err *RTFError) {
	// Each input byte yields at most 8 output bytes (a 2-byte reference
	// yields at most 17), so the input bounds the first allocation
	// whatever RAWSIZE claims.
	capHint := int64(len(data))*8 + 16
	if capHint > limit {
		capHint = limit
	}
	out = make([]byte, 0, capHint)

	var dict [4096]byte
	wp := copy(dict[:], rtfInitialDictionary)

	i := 0
	for i < len(data) {
		control := data[i]
		i++
		for bit := 0; bit < 8; bit++ {
			if i >= len(data) {
				return out, false, nil
			}
			if control&(1<<bit) == 0 {
				if int64(len(out)) >= limit {
					return out, false, rtfTooLarge(i, limit)
				}
				c := data[i]
				i++
				out = append(out, c)
				dict[wp] = c
				wp = (wp + 1) & 4095
				continue
			}
			if i+1 >= len(data) {
				// Half a reference: the data were cut.
				return out, false, nil
			}
			ref := int(data[i])<<8 | int(data[i+1])
			i += 2
			offset := ref >> 4
			length := ref&0xF + 2
			if offset == wp {
				return out, true, nil
			}
			for k := 0; k < length; k++ {
				if int64(len(out)) >= limit {
					return out, false, rtfTooLarge(i-2, limit)
				}
				c := dict[(offset+k)&4095]
				out = append(out, c)
				dict[wp] = c
				wp = (wp + 1) & 4095
			}
		}
	}
	return out, false, nil
}

func rtfTooLarge(i int, limit int64) *RTFError {
	return &RTFError{int64(rtfHeaderSize + i), fmt.Sprintf("data decompress past %d bytes", limit), ErrRTFTooLarge}
}
