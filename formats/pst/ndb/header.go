package ndb

import (
	"encoding/binary"
	"fmt"
	"io"
)

// Version is the file format variant, from the header's wVer.
type Version int

// Versions.
const (
	// ANSI is the 32-bit format (wVer 14 or 15): 4-byte BIDs and NIDs in
	// B-tree entries, 512-byte pages, 12-byte trailers.
	ANSI Version = iota + 1
	// Unicode is the 64-bit format (wVer 23, and 21 written by some
	// recovery tools): 8-byte BIDs, 512-byte pages, 16-byte trailers.
	Unicode
	// OST2013 is the 64-bit format with 4 KiB pages that Outlook 2013 and
	// later write for OST files (wVer 36): 24-byte page and block
	// trailers, blocks aligned on 512 bytes and possibly zlib-compressed.
	// MS-PST does not describe it; libyal's PFF notes do.
	OST2013
)

func (v Version) String() string {
	switch v {
	case ANSI:
		return "ANSI"
	case Unicode:
		return "Unicode"
	case OST2013:
		return "OST 2013 (4K pages)"
	}
	return fmt.Sprintf("Version(%d)", int(v))
}

// Header sizes: the structure MS-PST 2.2.2.6 describes is 564 bytes in the
// Unicode layout (also used by OST 2013) and 512 in the ANSI one.
const (
	HeaderSizeUnicode = 564
	HeaderSizeANSI    = 512
	headerMagic       = "!BDN"
)

// Header is the file header (MS-PST 2.2.2.6), with HEADER.ROOT (2.2.2.5)
// folded in.
type Header struct {
	Version Version
	WVer    uint16
	// Client is wMagicClient: "SM" for a PST, "SO" for an OST, "AB" for a
	// personal address book.
	Client     string
	WVerClient uint16
	// Crypt is bCryptMethod: CryptNone, CryptPermute or CryptCyclic.
	Crypt  uint8
	Unique uint32 // dwUnique
	// NextBID and NextPage are bidNextB and bidNextP: the next BIDs the
	// writer would have given a block and a page; every BID in use is
	// below them.
	NextBID, NextPage BID
	// NIDHighWater is rgnid: per NID type, the next nidIndex to assign.
	NIDHighWater [32]uint32
	// FileSize is ibFileEof, the size the writer recorded; a smaller
	// actual size means the file was truncated.
	FileSize         uint64
	AMapLast         uint64 // ibAMapLast
	AMapFree         uint64 // cbAMapFree
	PMapFree         uint64 // cbPMapFree
	NBTRoot, BBTRoot BRef
	AMapValid        uint8 // fAMapValid
	Sentinel         uint8 // bSentinel, 0x80
	// CRCPartial and CRCFull are dwCRCPartial and dwCRCFull (the latter
	// only in the Unicode layout) as stored; CRCPartialOK and CRCFullOK
	// tell whether they match the bytes.
	CRCPartial, CRCFull     uint32
	CRCPartialOK, CRCFullOK bool
}

// IsOST reports whether the client signature says OST.
func (h Header) IsOST() bool { return h.Client == "SO" }

// versionOf maps wVer to a variant (MS-PST 2.2.2.6; wVer 36 from libyal's
// notes).
func versionOf(wVer uint16) (Version, bool) {
	switch wVer {
	case 14, 15:
		return ANSI, true
	case 21, 23:
		return Unicode, true
	case 36:
		return OST2013, true
	}
	return 0, false
}

// ParseHeader decodes a file header from b, the first bytes of the file
// (HeaderSizeUnicode of them, or all there are). It returns ErrNotPST
// without the magic, a *VersionError for an unknown wVer and a
// *FormatError when b is too short; damage that does not stop reading
// (CRC mismatches, a bad sentinel, an unknown crypt method) is returned as
// warnings.
func ParseHeader(b []byte) (Header, []string, error) {
	var h Header
	var warn []string
	if len(b) < 4 || string(b[:4]) != headerMagic {
		return h, nil, ErrNotPST
	}
	if len(b) < 14 {
		return h, nil, &FormatError{Offset: 0, Structure: "HEADER", Msg: fmt.Sprintf("file is %d bytes, too short for the header's version fields", len(b)), Err: io.ErrUnexpectedEOF}
	}
	le := binary.LittleEndian
	h.Client = string(b[8:10])
	h.WVer = le.Uint16(b[10:])
	h.WVerClient = le.Uint16(b[12:])
	v, ok := versionOf(h.WVer)
	if !ok {
		return h, nil, &VersionError{WVer: h.WVer, Client: h.Client}
	}
	h.Version = v
	need := HeaderSizeUnicode
	if v == ANSI {
		need = HeaderSizeANSI
	}
	if len(b) < need {
		return h, nil, &FormatError{Offset: 0, Structure: "HEADER", Msg: fmt.Sprintf("%s header is %d bytes, file has only %d", v, need, len(b)), Err: io.ErrUnexpectedEOF}
	}
	h.CRCPartial = le.Uint32(b[4:])
	h.CRCPartialOK = CRC(b[8:8+471]) == h.CRCPartial
	if !h.CRCPartialOK {
		warn = append(warn, fmt.Sprintf("HEADER at offset 0x0: dwCRCPartial 0x%08X does not match the header bytes (0x%08X)", h.CRCPartial, CRC(b[8:8+471])))
	}
	if v == ANSI {
		h.NextBID = BID(le.Uint32(b[24:]))
		h.NextPage = BID(le.Uint32(b[28:]))
		h.Unique = le.Uint32(b[32:])
		for i := range h.NIDHighWater {
			h.NIDHighWater[i] = le.Uint32(b[36+4*i:])
		}
		h.FileSize = uint64(le.Uint32(b[168:]))
		h.AMapLast = uint64(le.Uint32(b[172:]))
		h.AMapFree = uint64(le.Uint32(b[176:]))
		h.PMapFree = uint64(le.Uint32(b[180:]))
		h.NBTRoot = BRef{BID(le.Uint32(b[184:])), uint64(le.Uint32(b[188:]))}
		h.BBTRoot = BRef{BID(le.Uint32(b[192:])), uint64(le.Uint32(b[196:]))}
		h.AMapValid = b[200]
		h.Sentinel = b[460]
		h.Crypt = b[461]
		h.CRCFullOK = true
	} else {
		h.NextPage = BID(le.Uint64(b[32:]))
		h.Unique = le.Uint32(b[40:])
		for i := range h.NIDHighWater {
			h.NIDHighWater[i] = le.Uint32(b[44+4*i:])
		}
		h.FileSize = le.Uint64(b[184:])
		h.AMapLast = le.Uint64(b[192:])
		h.AMapFree = le.Uint64(b[200:])
		h.PMapFree = le.Uint64(b[208:])
		h.NBTRoot = BRef{BID(le.Uint64(b[216:])), le.Uint64(b[224:])}
		h.BBTRoot = BRef{BID(le.Uint64(b[232:])), le.Uint64(b[240:])}
		h.AMapValid = b[248]
		h.Sentinel = b[512]
		h.Crypt = b[513]
		h.NextBID = BID(le.Uint64(b[516:]))
		h.CRCFull = le.Uint32(b[524:])
		h.CRCFullOK = CRC(b[8:8+516]) == h.CRCFull
		if !h.CRCFullOK {
			warn = append(warn, fmt.Sprintf("HEADER at offset 0x0: dwCRCFull 0x%08X does not match the header bytes (0x%08X)", h.CRCFull, CRC(b[8:8+516])))
		}
	}
	if h.Sentinel != 0x80 {
		warn = append(warn, fmt.Sprintf("HEADER at offset 0x0: bSentinel is 0x%02X, not 0x80", h.Sentinel))
	}
	switch h.Crypt {
	case CryptNone, CryptPermute, CryptCyclic:
	default:
		warn = append(warn, fmt.Sprintf("HEADER at offset 0x0: unknown bCryptMethod 0x%02X; data blocks are read as stored", h.Crypt))
	}
	return h, warn, nil
}
