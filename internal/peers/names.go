package peers

import "strings"

// PffName returns name as pffexport writes it as a file or directory
// name: libcpath_path_sanitize_filename (libcpath as bundled with libpff
// 20180714) replaces, byte by byte, the control bytes 0x01-0x1f, / \ ! $ %
// & * + : ; < > ? @ | ~ and DEL with _. Bytes of multi-byte UTF-8
// characters are kept, so the result has the length of name.
func PffName(name string) string {
	b := []byte(name)
	for i, c := range b {
		if c < 0x20 || c == 0x7f || strings.IndexByte(`/\!$%&*+:;<>?@|~`, c) >= 0 {
			b[i] = '_'
		}
	}
	return string(b)
}

// PffPath applies PffName to each element of a "/"-joined folder path.
func PffPath(path string) string {
	parts := strings.Split(path, "/")
	for i, p := range parts {
		parts[i] = PffName(p)
	}
	return strings.Join(parts, "/")
}

// ReadpstName returns name as readpst writes it as a directory name
// (check_filename: / \ : become _). A name already taken in the same
// folder gets 1, 2... appended, which this does not guess.
func ReadpstName(name string) string {
	return strings.Map(func(r rune) rune {
		if r == '/' || r == '\\' || r == ':' {
			return '_'
		}
		return r
	}, name)
}
