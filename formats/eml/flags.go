package eml

import (
	"fmt"
	"strings"
)

// Flags is the "flags" bit field of an .emlx property list, as Apple Mail
// writes it (the emlx format notes: bits 0-9 and 23-30 are flags, bits
// 10-15 the attachment count, 16-22 the priority level, 26-28 a font size
// delta).
type Flags uint64

// The flag bits.
const (
	FlagRead              Flags = 1 << 0
	FlagDeleted           Flags = 1 << 1
	FlagAnswered          Flags = 1 << 2
	FlagEncrypted         Flags = 1 << 3
	FlagFlagged           Flags = 1 << 4
	FlagRecent            Flags = 1 << 5
	FlagDraft             Flags = 1 << 6
	FlagInitial           Flags = 1 << 7
	FlagForwarded         Flags = 1 << 8
	FlagRedirected        Flags = 1 << 9
	FlagSigned            Flags = 1 << 23
	FlagJunk              Flags = 1 << 24
	FlagNotJunk           Flags = 1 << 25
	FlagJunkLevelRecorded Flags = 1 << 29
	FlagHighlightInTOC    Flags = 1 << 30
)

var flagNames = []struct {
	f    Flags
	name string
}{
	{FlagRead, "read"},
	{FlagDeleted, "deleted"},
	{FlagAnswered, "answered"},
	{FlagEncrypted, "encrypted"},
	{FlagFlagged, "flagged"},
	{FlagRecent, "recent"},
	{FlagDraft, "draft"},
	{FlagInitial, "initial"},
	{FlagForwarded, "forwarded"},
	{FlagRedirected, "redirected"},
	{FlagSigned, "signed"},
	{FlagJunk, "junk"},
	{FlagNotJunk, "not_junk"},
	{FlagJunkLevelRecorded, "junk_level_recorded"},
	{FlagHighlightInTOC, "highlight_text_in_toc"},
}

// AttachmentCount is bits 10-15.
func (f Flags) AttachmentCount() int { return int(f >> 10 & 0x3f) }

// Priority is the priority level, bits 16-22.
func (f Flags) Priority() int { return int(f >> 16 & 0x7f) }

// FontSizeDelta is bits 26-28.
func (f Flags) FontSizeDelta() int { return int(f >> 26 & 0x7) }

// Names lists the flags that are set, in bit order, then any set bit above
// bit 30, which the format notes do not describe, as "bitN".
func (f Flags) Names() []string {
	var out []string
	for _, n := range flagNames {
		if f&n.f != 0 {
			out = append(out, n.name)
		}
	}
	for b := 31; b < 64; b++ {
		if f&(1<<b) != 0 {
			out = append(out, fmt.Sprintf("bit%d", b))
		}
	}
	return out
}

// String renders the set flag names separated by commas.
func (f Flags) String() string { return strings.Join(f.Names(), ",") }
