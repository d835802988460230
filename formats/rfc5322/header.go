// Package rfc5322 reads message header sections (RFC 5322 section 2.2) the
// way a recovery tool must: without trusting them. It finds where a header
// block ends, tells a header block from text that merely looks like one,
// and summarizes the fields an examiner lists a message by (Message-ID,
// Date, From, To, Subject), decoding RFC 2047 words in any charset
// golang.org/x/text knows.
//
// It is shared by the format readers (to find message starts in damaged
// mailboxes) and by the exporter (to name and log what it writes). It never
// fails: a damaged header yields a partial summary.
package rfc5322

import (
	"bytes"
)

// MaxHeader bounds how much of a message is examined as header. Real header
// sections are rarely above a few tens of kilobytes; mail servers refuse
// larger ones.
const MaxHeader = 1 << 20

// Field is one header field as it appears in the message: the name as
// written and the value with folding removed (CRLF/LF before white space
// dropped) but otherwise untouched.
type Field struct {
	Name  string
	Value []byte
}

// Header is a parsed header section, fields in their order.
type Header []Field

// Get returns the value of the first field with the given name (ASCII
// case-insensitive) and whether there was one.
func (h Header) Get(name string) ([]byte, bool) {
	for _, f := range h {
		if equalFold(f.Name, name) {
			return f.Value, true
		}
	}
	return nil, false
}

// Values returns the values of every field with the given name.
func (h Header) Values(name string) [][]byte {
	var out [][]byte
	for _, f := range h {
		if equalFold(f.Name, name) {
			out = append(out, f.Value)
		}
	}
	return out
}

func equalFold(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := 0; i < len(a); i++ {
		if lower(a[i]) != lower(b[i]) {
			return false
		}
	}
	return true
}

func lower(c byte) byte {
	if c >= 'A' && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

// FieldName returns the length of the field name at the start of line and
// whether line starts a header field: one or more printable US-ASCII
// characters other than colon (RFC 5322 section 2.2), optionally followed by
// white space (the obsolete syntax of section 4.5), then a colon.
func FieldName(line []byte) (n int, ok bool) {
	i := 0
	for i < len(line) && i < 128 {
		c := line[i]
		if c == ':' {
			return i, i > 0
		}
		if c <= ' ' || c >= 0x7f {
			break
		}
		i++
	}
	if i == 0 || i >= len(line) {
		return 0, false
	}
	j := i
	for j < len(line) && (line[j] == ' ' || line[j] == '\t') {
		j++
	}
	if j < len(line) && line[j] == ':' && j-i <= 4 {
		return i, true
	}
	return 0, false
}

// nextLine returns the line at the start of b without its line ending, and
// the length including the ending. A last line without ending is returned
// whole.
func nextLine(b []byte) (line []byte, n int) {
	i := bytes.IndexByte(b, '\n')
	if i < 0 {
		return b, len(b)
	}
	line = b[:i]
	if len(line) > 0 && line[len(line)-1] == '\r' {
		line = line[:len(line)-1]
	}
	return line, i + 1
}

// Parse reads the header section at the start of b, stopping at the first
// empty line, at a line that is neither a field nor a continuation, or at
// MaxHeader bytes. It returns the fields, the length of the header section
// including the empty line that ends it, and whether that empty line was
// found (a header section cut short, or followed directly by garbage, is
// not complete).
//
// A leading "From " mbox separator line is not part of a header; callers
// that may see one strip it first.
func Parse(b []byte) (h Header, n int, complete bool) {
	if len(b) > MaxHeader {
		b = b[:MaxHeader]
	}
	for n < len(b) {
		line, ln := nextLine(b[n:])
		if len(line) == 0 {
			return h, n + ln, true
		}
		if line[0] == ' ' || line[0] == '\t' {
			if len(h) == 0 {
				return h, n, false
			}
			f := &h[len(h)-1]
			f.Value = append(f.Value, line...)
			n += ln
			continue
		}
		nameLen, ok := FieldName(line)
		if !ok {
			return h, n, false
		}
		v := line[nameLen:]
		v = v[bytes.IndexByte(v, ':')+1:]
		if len(v) > 0 && (v[0] == ' ' || v[0] == '\t') {
			v = v[1:]
		}
		h = append(h, Field{Name: string(line[:nameLen]), Value: append([]byte(nil), v...)})
		n += ln
	}
	return h, n, false
}

// First returns the lower-cased name of the first field, or "".
func (h Header) First() string {
	if len(h) == 0 {
		return ""
	}
	return string(bytesLower([]byte(h[0].Name)))
}
