package image

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// splitScheme is a way of numbering the files of a split raw set from the
// extension: decimal (name.001, name.002, …, as FTK Imager, dcfldd and
// split -d name them) or letters (name.aa, name.ab, …, as split(1) does).
type splitScheme struct {
	digits bool
	width  int
}

// splitSchemeOf tells the scheme of a file extension (without the dot), if
// any: three or two decimal digits, or two or three lower-case letters.
func splitSchemeOf(ext string) (splitScheme, bool) {
	if len(ext) < 2 || len(ext) > 3 {
		return splitScheme{}, false
	}
	digits, letters := true, true
	for i := 0; i < len(ext); i++ {
		c := ext[i]
		digits = digits && c >= '0' && c <= '9'
		letters = letters && c >= 'a' && c <= 'z'
	}
	switch {
	case digits:
		return splitScheme{digits: true, width: len(ext)}, true
	case letters:
		return splitScheme{width: len(ext)}, true
	}
	return splitScheme{}, false
}

// name is the extension of the segment with index i, or "" past the last.
func (s splitScheme) name(i int) string {
	if s.digits {
		e := fmt.Sprintf("%0*d", s.width, i)
		if len(e) > s.width {
			return ""
		}
		return e
	}
	b := make([]byte, s.width)
	for k := s.width - 1; k >= 0; k-- {
		b[k] = byte('a' + i%26)
		i /= 26
	}
	if i > 0 {
		return ""
	}
	return string(b)
}

// index is the inverse of name, or -1.
func (s splitScheme) index(ext string) int {
	t, ok := splitSchemeOf(ext)
	if !ok || t != s {
		return -1
	}
	i := 0
	for k := 0; k < len(ext); k++ {
		if s.digits {
			i = i*10 + int(ext[k]-'0')
		} else {
			i = i*26 + int(ext[k]-'a')
		}
	}
	return i
}

// splitSet returns the files of the split raw set path belongs to, in
// order, or nil when path is not part of one (a lone file whatever its
// name). A set with a gap is an error naming the first missing file.
func splitSet(path string) ([]string, error) {
	ext := filepath.Ext(path)
	if ext == "" {
		return nil, nil
	}
	scheme, ok := splitSchemeOf(ext[1:])
	if !ok {
		return nil, nil
	}
	stem := strings.TrimSuffix(path, ext)
	exists := func(i int) bool {
		e := scheme.name(i)
		if e == "" {
			return false
		}
		st, err := os.Stat(stem + "." + e)
		return err == nil && !st.IsDir()
	}
	// Decimal sets start at .001 (or .000 where there is one); letter sets at .aa.
	start := 0
	if scheme.digits && !exists(0) {
		start = 1
	}
	var names []string
	for i := start; exists(i); i++ {
		names = append(names, stem+"."+scheme.name(i))
	}
	last := start + len(names) - 1

	// Any later file of the same set means a gap.
	entries, err := os.ReadDir(filepath.Dir(path))
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	prefix := filepath.Base(stem) + "."
	later := -1
	for _, e := range entries {
		n := e.Name()
		if !strings.HasPrefix(n, prefix) || e.IsDir() {
			continue
		}
		if i := scheme.index(n[len(prefix):]); i > last && (later < 0 || i < later) {
			later = i
		}
	}
	if later >= 0 {
		missing := stem + "." + scheme.name(last+1)
		if len(names) == 0 && !scheme.digits && ext[1] != 'a' {
			// name.dd, name.de… without name.aa: not a split set but files
			// that happen to have short letter extensions.
			return nil, nil
		}
		return nil, &FormatError{File: missing, Offset: -1, Err: ErrMissingSegment,
			Msg: fmt.Sprintf("segment of the split raw set %s is missing (%s exists)", names0(names, path), stem+"."+scheme.name(later))}
	}
	if len(names) == 0 {
		return nil, nil
	}
	return names, nil
}

func names0(names []string, path string) string {
	if len(names) > 0 {
		return names[0]
	}
	return path
}
