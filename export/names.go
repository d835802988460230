package export

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// maxElem bounds one sanitized path element in bytes, leaving room under
// the 255-byte limit of common file systems for suffixes.
const maxElem = 100

// Bounds of a folder path under OUT/messages: together with maxElem and the
// message name they keep every path written well under Linux's PATH_MAX
// (4096) and Windows' extended-length limit, whatever depth a damaged or
// hostile mailbox claims.
const (
	maxFolderDepth = 32
	maxFolderPath  = 1500 // bytes
)

// windowsReserved are device names Windows will not create as files, with
// or without an extension (COM¹ and the like included).
var windowsReserved = map[string]bool{
	"con": true, "prn": true, "aux": true, "nul": true,
	"com1": true, "com2": true, "com3": true, "com4": true, "com5": true, "com6": true, "com7": true, "com8": true, "com9": true,
	"lpt1": true, "lpt2": true, "lpt3": true, "lpt4": true, "lpt5": true, "lpt6": true, "lpt7": true, "lpt8": true, "lpt9": true,
	"conin$": true, "conout$": true,
	"com¹": true, "com²": true, "com³": true, "lpt¹": true, "lpt²": true, "lpt³": true,
}

// SafeElem turns one folder name (or any string) into a single path element
// that is safe on Linux, macOS and Windows and still readable: path
// separators, NUL, control bytes and the characters Windows forbids become
// '_', invalid UTF-8 becomes '_', trailing dots and spaces are dropped,
// "." and ".." and reserved device names get a '_' prefix, and the result
// is cut to maxElem bytes on a character boundary. It never returns "".
func SafeElem(s string, max int) string {
	if max <= 0 || max > maxElem {
		max = maxElem
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		i += n
		switch {
		case r == utf8.RuneError && n <= 1:
			r = '_'
		case r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0):
			r = '_'
		case strings.ContainsRune(`/\:*?"<>|`, r):
			r = '_'
		case r == 0x2028 || r == 0x2029 || r == 0xfeff || unicode.Is(unicode.Cf, r) && r != 0x200d:
			// line separators, BOM and invisible format characters
			// (bidi overrides) that make names lie about themselves
			r = '_'
		}
		if b.Len()+utf8.RuneLen(r) > max {
			break
		}
		b.WriteRune(r)
	}
	out := strings.TrimRight(b.String(), ". ")
	out = strings.TrimLeft(out, " ")
	if out == "" {
		return "_"
	}
	base := strings.ToLower(out)
	if i := strings.IndexByte(base, '.'); i >= 0 {
		base = base[:i]
	}
	if windowsReserved[strings.TrimRight(base, " ")] {
		out = "_" + out
	}
	return out
}

// FolderPath turns a source folder path into a relative slash path of safe
// elements ("" for the top). A path deeper than maxFolderDepth levels or
// longer than maxFolderPath bytes keeps the levels that fit and puts the
// rest in one last element, "_deeper_" and a hash of the whole source path,
// so that distinct deep folders stay distinct and nothing is written past
// the file system's path limit.
func FolderPath(folder []string) string {
	parts := make([]string, 0, len(folder))
	total := 0
	for i, f := range folder {
		e := SafeElem(f, maxElem)
		if i >= maxFolderDepth-1 || total+len(e)+1 > maxFolderPath-len("_deeper_")-17 {
			if i == len(folder)-1 && i < maxFolderDepth && total+len(e) <= maxFolderPath {
				parts = append(parts, e)
				break
			}
			h := sha256.New()
			for _, f := range folder {
				h.Write([]byte(f))
				h.Write([]byte{0})
			}
			parts = append(parts, "_deeper_"+hex.EncodeToString(h.Sum(nil))[:16])
			break
		}
		parts = append(parts, e)
		total += len(e) + 1
	}
	return strings.Join(parts, "/")
}

// MessageName is the file name of a message: when it was sent, what it
// is about, and the start of its SHA-256, so that names are stable across
// runs and distinct for distinct content:
// "2004-06-12_153000_Re_Project_plan_3fa9c2d1e4b5.eml".
func MessageName(date time.Time, subject string, sha256hex string) string {
	d := "undated"
	if !date.IsZero() {
		d = date.UTC().Format("2006-01-02_150405")
	}
	subject = strings.Join(strings.Fields(subject), "_")
	if subject == "" {
		subject = "no_subject"
	}
	s := SafeElem(subject, 60)
	// SafeElem may prefix reserved names; harmless inside a longer name
	return d + "_" + s + "_" + sha256hex[:12] + ".eml"
}
