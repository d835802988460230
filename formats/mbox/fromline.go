package mbox

import (
	"bytes"

	"github.com/mailsalvage/mailsalvage/formats/rfc5322"
)

var fromPrefix = []byte("From ")

// isFrom reports whether line starts with the mbox separator "From ".
func isFrom(line []byte) bool { return bytes.HasPrefix(line, fromPrefix) }

// HasDate reports whether b (a "From " line, or its rest) holds something
// like the date of an mbox separator: a time (h:mm or hh:mm) and a year
// 1970-2099. RFC 4155 fixes the asctime form, but writers vary ("Wed Feb
// 9 22:02 MET 2000", "+0000 2014"). The carver uses it to find mbox runs.
func HasDate(b []byte) bool {
	if len(b) > 512 {
		return false
	}
	time, year := false, false
	for i := 0; i < len(b); i++ {
		c := b[i]
		if c == ':' && i >= 1 && i+2 < len(b) && digit(b[i-1]) && digit(b[i+1]) && digit(b[i+2]) {
			time = true
		}
		if i+4 <= len(b) && (i == 0 || !digit(b[i-1])) && (i+4 == len(b) || !digit(b[i+4])) {
			if (b[i] == '1' && b[i+1] == '9' || b[i] == '2' && b[i+1] == '0') && digit(b[i+2]) && digit(b[i+3]) {
				if b[i] == '2' || b[i+2] >= '7' {
					year = true
				}
			}
		}
	}
	return time && year
}

func digit(c byte) bool { return c >= '0' && c <= '9' }

// mangledFrom reports whether line is a separator line with damaged bytes
// in its "From " prefix ("Fr\x00m - Mon Jan ...", "Frmo ...", "rom ..."):
// four of the five prefix bytes, or three (or the prefix shifted by a lost
// byte) and a From line date. The caller also requires a header to follow.
func mangledFrom(line []byte) bool {
	if len(line) < 10 || len(line) > 512 || isFrom(line) {
		return false
	}
	if _, field := rfc5322.FieldName(line); field {
		return false // "From: ..." is a header field, not a separator
	}
	same := 0
	for i := 0; i < 5; i++ {
		if line[i] == fromPrefix[i] {
			same++
		}
	}
	shifted := 0 // a byte lost at the start: "rom - ..."
	for i := 0; i < 4; i++ {
		if line[i] == fromPrefix[i+1] {
			shifted++
		}
	}
	// one broken byte leaves the line recognizable without its date;
	// with more, the date must vouch for it
	return same >= 4 || (same >= 3 || shifted == 4) && HasDate(line[4:])
}
