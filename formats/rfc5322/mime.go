package rfc5322

import (
	"mime"
	"strings"
)

// Boundary returns the boundary parameter of a multipart Content-Type
// (RFC 2046 section 5.1.1), or "" when the header is not multipart or the
// parameter is missing. Malformed parameter lists that mime.ParseMediaType
// refuses are searched for a boundary by hand, as mail clients do.
func Boundary(h Header) string {
	v, ok := h.Get("Content-Type")
	if !ok {
		return ""
	}
	return BoundaryOf(Text(v))
}

// BoundaryOf is Boundary for a Content-Type value.
func BoundaryOf(ct string) string {
	mt, params, err := mime.ParseMediaType(ct)
	if err == nil {
		if !strings.HasPrefix(mt, "multipart/") {
			return ""
		}
		return params["boundary"]
	}
	lc := strings.ToLower(ct)
	if !strings.HasPrefix(strings.TrimSpace(lc), "multipart/") {
		return ""
	}
	i := strings.Index(lc, "boundary=")
	if i < 0 {
		return ""
	}
	b := ct[i+len("boundary="):]
	if strings.HasPrefix(b, `"`) {
		b = b[1:]
		if j := strings.IndexByte(b, '"'); j >= 0 {
			return b[:j]
		}
		return ""
	}
	if j := strings.IndexAny(b, "; \t"); j >= 0 {
		b = b[:j]
	}
	return b
}
