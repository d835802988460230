package msg

import (
	"encoding/binary"
	"fmt"
	"unicode/utf16"

	"github.com/mailsalvage/mailsalvage/formats/mapi"
)

// The named property mapping storage (MS-OXMSG section 2.2.3) maps the
// property ids 0x8000 and above used in the file to the names of named
// properties. It is in the root storage only and serves the message and
// everything below it, embedded messages included.
const (
	nameidStorage = "__nameid_version1.0"
	guidStream    = "__substg1.0_00020102" // 16-byte GUIDs (section 2.2.3.1.1)
	entryStream   = "__substg1.0_00030102" // 8-byte entries (section 2.2.3.1.2)
	stringStream  = "__substg1.0_00040102" // names (section 2.2.3.1.3)
)

// maxNamed bounds the entries read: property index is 16 bits, so there
// can be no more than 0x7FFF distinct ids from 0x8000 up.
const maxNamed = 0x10000

// parseNameID builds the id-to-name map from the three streams of the
// named property mapping storage.
func parseNameID(guids, entries, strs []byte) (map[uint16]mapi.NamedProperty, []string) {
	var warnings []string
	named := make(map[uint16]mapi.NamedProperty)
	if n := len(entries) % 8; n != 0 {
		warnings = append(warnings, fmt.Sprintf("named property entry stream ends with a partial %d-byte entry", n))
	}
	count := len(entries) / 8
	if count > maxNamed {
		warnings = append(warnings, fmt.Sprintf("named property entry stream has %d entries; only the first %d are read", count, maxNamed))
		count = maxNamed
	}
	badGUID, badName, dups := 0, 0, 0
	for i := 0; i < count; i++ {
		e := entries[8*i:]
		nameOrLID := binary.LittleEndian.Uint32(e)
		info := binary.LittleEndian.Uint32(e[4:])
		kindString := info&1 != 0
		guidIndex := (info >> 1) & 0x7FFF
		id := 0x8000 + int(info>>16)
		if id > 0xFFFE {
			badName++
			continue
		}
		var np mapi.NamedProperty
		switch guidIndex {
		case 1:
			np.GUID = mapi.PSMAPI
		case 2:
			np.GUID = mapi.PSPUBLICSTRINGS
		default:
			at := int64(guidIndex-3) * 16
			if guidIndex < 3 || at+16 > int64(len(guids)) {
				badGUID++
				continue
			}
			copy(np.GUID[:], guids[at:at+16])
		}
		if kindString {
			name, ok := nameAt(strs, nameOrLID)
			if !ok {
				badName++
				continue
			}
			np.Name = name
		} else {
			np.LID = nameOrLID
		}
		if _, dup := named[uint16(id)]; dup {
			dups++
			continue
		}
		named[uint16(id)] = np
	}
	if badGUID > 0 {
		warnings = append(warnings, fmt.Sprintf("%d named property entries refer to GUIDs the GUID stream (%d bytes) does not have", badGUID, len(guids)))
	}
	if badName > 0 {
		warnings = append(warnings, fmt.Sprintf("%d named property entries have names outside the string stream (%d bytes) or ids out of range", badName, len(strs)))
	}
	if dups > 0 {
		warnings = append(warnings, fmt.Sprintf("%d named property entries repeat an id already mapped; the first mapping is kept", dups))
	}
	return named, warnings
}

// nameAt reads a name from the string stream: a 4-byte length in bytes,
// then that many bytes of UTF-16LE (MS-OXMSG section 2.2.3.1.3).
func nameAt(strs []byte, off uint32) (string, bool) {
	if int64(off)+4 > int64(len(strs)) {
		return "", false
	}
	n := int64(binary.LittleEndian.Uint32(strs[off:]))
	start := int64(off) + 4
	if n%2 != 0 || start+n > int64(len(strs)) {
		return "", false
	}
	u := make([]uint16, n/2)
	for i := range u {
		u[i] = binary.LittleEndian.Uint16(strs[start+2*int64(i):])
	}
	for len(u) > 0 && u[len(u)-1] == 0 {
		u = u[:len(u)-1]
	}
	return string(utf16.Decode(u)), true
}
