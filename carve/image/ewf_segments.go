package image

import (
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/mailsalvage/mailsalvage/formats"
)

// Segment file naming (EWF notes, section 2.2 "Segment file extensions"):
// .E01 … .E99, then .EAA … .EZZ, .FAA … .ZZZ (.s01 … for SMART, in lower
// case when the first file's extension is). segmentExt returns the
// extension of segment n (1-based) after the first letter first, or "" past
// the last one.
func segmentExt(first byte, n int) string {
	if n < 1 {
		return ""
	}
	lower := first >= 'a' && first <= 'z'
	if n <= 99 {
		return string(first) + string(rune('0'+n/10)) + string(rune('0'+n%10))
	}
	k := n - 100
	a := byte('A')
	f := first
	if lower {
		a = 'a'
		f = first - 'a' + 'A'
	}
	lead := int(f-'A') + k/(26*26)
	if lead >= 26 {
		return ""
	}
	return string([]byte{a + byte(lead), a + byte(k/26%26), a + byte(k%26)})
}

// segmentNumber is the inverse of segmentExt for the set whose first
// extension starts with first, or 0 when ext is not one of its names.
func segmentNumber(first byte, ext string) int {
	if len(ext) != 3 {
		return 0
	}
	if ext[0] == first && ext[1] >= '0' && ext[1] <= '9' && ext[2] >= '0' && ext[2] <= '9' {
		n := int(ext[1]-'0')*10 + int(ext[2]-'0')
		if n == 0 {
			return 0
		}
		return n
	}
	lower := first >= 'a' && first <= 'z'
	a := byte('A')
	f := first
	if lower {
		a = 'a'
		f = first - 'a' + 'A'
	}
	for i := 0; i < 3; i++ {
		if ext[i] < a || ext[i] > a+25 {
			return 0
		}
	}
	lead := int(ext[0]-a) - int(f-'A')
	if lead < 0 {
		return 0
	}
	return 100 + lead*26*26 + int(ext[1]-a)*26 + int(ext[2]-a)
}

// ewfSetNames finds the segment files of the EWF set path belongs to:
// names[n-1] is the name of segment n and present[n-1] tells whether that
// file exists; nameOf names any segment of the set. A path whose extension
// is not a segment name (image.bin) is a set of one, and nameOf is nil.
func ewfSetNames(path string) (names []string, present []bool, nameOf func(int) string) {
	ext := filepath.Ext(path)
	if len(ext) != 4 {
		return []string{path}, []bool{true}, nil
	}
	stem := strings.TrimSuffix(path, ext)
	// The first letter of the set: that of .E05 or .e05; for .EAB, E (or
	// s for a lower-case set with a .s01 file).
	first := ext[1]
	if ext[2] < '0' || ext[2] > '9' {
		switch {
		case ext[1] >= 'a' && ext[1] <= 'z':
			first = 'e'
			if _, err := os.Stat(stem + ".s01"); err == nil {
				first = 's'
			}
		default:
			first = 'E'
		}
	}
	if segmentNumber(first, ext[1:]) == 0 {
		return []string{path}, []bool{true}, nil
	}
	nameOf = func(k int) string { return stem + "." + segmentExt(first, k) }
	found := map[int]string{}
	maxN := 0
	entries, err := os.ReadDir(filepath.Dir(path))
	if err == nil {
		prefix := filepath.Base(stem) + "."
		for _, e := range entries {
			n := e.Name()
			if e.IsDir() || !strings.HasPrefix(n, prefix) {
				continue
			}
			k := segmentNumber(first, n[len(prefix):])
			full := filepath.Join(filepath.Dir(path), n)
			// Past .E99 the names are letters, as are those of many other
			// files (.raw, .log, .txt): such a file counts only when its
			// own file header gives that segment number.
			if k >= 100 && headerSegment(full) != k {
				continue
			}
			if k > 0 {
				found[k] = full
				maxN = max(maxN, k)
			}
		}
	}
	if len(found) == 0 {
		return []string{path}, []bool{true}, nameOf
	}
	names = make([]string, maxN)
	present = make([]bool, maxN)
	for k := 1; k <= maxN; k++ {
		if n, ok := found[k]; ok {
			names[k-1], present[k-1] = n, true
		} else {
			names[k-1] = nameOf(k)
		}
	}
	return names, present, nameOf
}

// headerSegment is the segment number in the file header of the EWF
// segment file at path, or 0.
func headerSegment(path string) int {
	f, err := formats.OpenEvidence(path)
	if err != nil {
		return 0
	}
	defer f.Close()
	var b [fileHeaderSize]byte
	if _, err := io.ReadFull(f, b[:]); err != nil {
		return 0
	}
	h, ok := parseFileHeader(b[:])
	if !ok {
		return 0
	}
	return int(h.segment)
}
