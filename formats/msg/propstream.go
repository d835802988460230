package msg

import (
	"bytes"
	"encoding/binary"
	"fmt"

	"github.com/mailsalvage/mailsalvage/formats/mapi"
)

// The property stream, "__properties_version1.0" (MS-OXMSG section 2.4):
// a header whose size depends on the storage it is in, then one 16-byte
// entry per property.
const propStreamName = "__properties_version1.0"

// Header sizes (MS-OXMSG sections 2.4.1.1, 2.4.1.2 and 2.4.2).
const (
	headerTopLevel = 32 // the message of the file
	headerEmbedded = 24 // a message inside an attachment
	headerSub      = 8  // recipient and attachment storages
)

// propHeader is the header of a message's property stream (MS-OXMSG
// section 2.4.1.1): the next ids to give and the counts of recipient and
// attachment storages. Recipient and attachment storages have only 8
// reserved bytes; their counts stay -1.
type propHeader struct {
	NextRecipientID  int64
	NextAttachmentID int64
	RecipientCount   int64
	AttachmentCount  int64
}

// propEntry is one 16-byte entry of a property stream (MS-OXMSG section
// 2.4.2): the tag, the flags (PROPATTR_MANDATORY, _READABLE, _WRITABLE),
// and eight bytes that hold a fixed-size value, or for a value kept in
// its own stream the size of that stream.
type propEntry struct {
	Tag   mapi.Tag
	Flags uint32
	Value [8]byte
	Off   int // offset of the entry in the stream
}

// Size returns the size field of an entry whose value is in a stream.
func (e propEntry) Size() uint32 { return binary.LittleEndian.Uint32(e.Value[:4]) }

// parsePropertyStream splits a property stream with a header of hdr
// bytes into its header and entries. It never fails: a short header, a
// trailing partial entry and entries that cannot be property tags are
// reported in warnings, and what could be read is returned. damaged says
// whether the warnings describe damage rather than a writer's padding
// (zero entries, a zero partial entry at the end).
func parsePropertyStream(b []byte, hdr int) (h propHeader, entries []propEntry, warnings []string, damaged bool) {
	h = propHeader{-1, -1, -1, -1}
	if len(b) < hdr {
		warnings = append(warnings, fmt.Sprintf("property stream is %d bytes, shorter than its %d-byte header", len(b), hdr))
		return h, nil, warnings, true
	}
	if hdr >= headerEmbedded {
		h.NextRecipientID = int64(binary.LittleEndian.Uint32(b[8:]))
		h.NextAttachmentID = int64(binary.LittleEndian.Uint32(b[12:]))
		h.RecipientCount = int64(binary.LittleEndian.Uint32(b[16:]))
		h.AttachmentCount = int64(binary.LittleEndian.Uint32(b[20:]))
	}
	entries = make([]propEntry, 0, (len(b)-hdr)/16)
	zero, unknown := 0, 0
	for off := hdr; off+16 <= len(b); off += 16 {
		e := propEntry{
			Tag:   mapi.Tag(binary.LittleEndian.Uint32(b[off:])),
			Flags: binary.LittleEndian.Uint32(b[off+4:]),
			Off:   off,
		}
		copy(e.Value[:], b[off+8:off+16])
		if e.Tag == 0 && e.Flags == 0 && e.Value == [8]byte{} {
			zero++ // padding, or a wiped entry
			continue
		}
		if !knownType(e.Tag.Type()) {
			unknown++
		}
		entries = append(entries, e)
	}
	if n := (len(b) - hdr) % 16; n != 0 {
		tail := b[len(b)-n:]
		if bytes.Count(tail, []byte{0}) == n {
			warnings = append(warnings, fmt.Sprintf("property stream ends with %d zero bytes at offset 0x%x, less than an entry (padding)", n, len(b)-n))
		} else {
			warnings = append(warnings, fmt.Sprintf("property stream ends with a partial %d-byte entry at offset 0x%x", n, len(b)-n))
			damaged = true
		}
	}
	if zero > 0 {
		warnings = append(warnings, fmt.Sprintf("property stream has %d all-zero entries (padding or wiped), skipped", zero))
	}
	if unknown > 0 {
		warnings = append(warnings, fmt.Sprintf("property stream has %d entries of unknown property types", unknown))
		damaged = true
	}
	return h, entries, warnings, damaged
}

// knownType reports whether t is a property type MS-OXCDATA section
// 2.11.1 defines.
func knownType(t mapi.PropType) bool {
	switch t {
	case mapi.PtypInteger16, mapi.PtypInteger32, mapi.PtypFloating32, mapi.PtypFloating64,
		mapi.PtypCurrency, mapi.PtypFloatingTime, mapi.PtypErrorCode, mapi.PtypBoolean,
		mapi.PtypInteger64, mapi.PtypTime, mapi.PtypGuid, mapi.PtypString, mapi.PtypString8,
		mapi.PtypBinary, mapi.PtypObject, mapi.PtypServerID, mapi.PtypRestriction, mapi.PtypRuleAction,
		0x0001: // PtypNull
		return true
	}
	if t.Multi() {
		switch t.Base() {
		case mapi.PtypInteger16, mapi.PtypInteger32, mapi.PtypFloating32, mapi.PtypFloating64,
			mapi.PtypCurrency, mapi.PtypFloatingTime, mapi.PtypInteger64, mapi.PtypTime,
			mapi.PtypGuid, mapi.PtypString, mapi.PtypString8, mapi.PtypBinary:
			return true
		}
	}
	return false
}

// inStream reports whether a property of type t keeps its value in a
// stream of its own rather than in its entry (MS-OXMSG sections 2.1.3 and
// 2.1.4): variable-length types, PtypGuid, and every multi-valued type.
func inStream(t mapi.PropType) bool {
	if t.Multi() {
		return true
	}
	switch t {
	case mapi.PtypString, mapi.PtypString8, mapi.PtypBinary, mapi.PtypObject, mapi.PtypGuid,
		mapi.PtypServerID, mapi.PtypRestriction, mapi.PtypRuleAction:
		return true
	}
	return false
}

// substgName is the name of the stream holding the value of tag (MS-OXMSG
// section 2.1.3): "__substg1.0_" and the tag in eight hex digits.
func substgName(tag mapi.Tag) string { return fmt.Sprintf("__substg1.0_%08X", uint32(tag)) }

// valueStreamName is the name of the stream holding value i of a
// variable-length multi-valued property (MS-OXMSG section 2.1.4.2).
func valueStreamName(tag mapi.Tag, i int) string {
	return fmt.Sprintf("__substg1.0_%08X-%08X", uint32(tag), i)
}

// parseSubstg parses a stream name "__substg1.0_TTTTTTTT" into its tag.
func parseSubstg(name string) (mapi.Tag, bool) {
	const prefix = "__SUBSTG1.0_"
	k := key(name)
	if len(k) != len(prefix)+8 || k[:len(prefix)] != prefix {
		return 0, false
	}
	v, ok := parseHex(k[len(prefix):])
	return mapi.Tag(v), ok
}
