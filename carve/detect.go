package carve

import (
	"bytes"
	"strconv"
	"strings"

	"github.com/mailsalvage/mailsalvage/formats/rfc5322"
)

// hdrLimit bounds the bytes examined as one header section.
const hdrLimit = 256 << 10

// Why a header section stopped.
type hdrStop int

const (
	stopBlank    hdrStop = iota // an empty line: the header is complete
	stopJunk                    // NUL or binary bytes (the header was cut)
	stopNonField                // a line that is neither a field nor a continuation
	stopLimit                   // hdrLimit bytes of fields
	stopEnd                     // the end of the data
)

// Header is what DetectHeader learns about a block of field lines.
type Header struct {
	// Len is the length of the header section, with the empty line that
	// ends it when Complete.
	Len      int
	Complete bool
	stop     hdrStop
	// JunkAt is where NUL or binary bytes cut the header (stop junk),
	// relative to the start.
	JunkAt int
	Fields int // field lines
	Known  int // fields in the rule table
	// Unknown counts field names neither known nor X- extensions.
	Unknown int
	// Ext counts X- extension fields that are not in the rule table.
	Ext   int
	Trace int // distinct trace fields
	Score int
	Whole bool // a whole-message field with a plausible value
	First string
	CRLF  bool // the first line ends with CRLF

	Boundary      string // of a multipart top-level Content-Type
	ContentType   string // lower-case media type, "" if none
	CTE           string // lower-case Content-Transfer-Encoding
	ContentLength int64  // -1 when absent or unreadable
}

// Accepts reports whether the block is convincing enough as a message
// header in context ctx (see acceptRules).
func (h *Header) Accepts(ctx startCtx) bool {
	r := acceptRules[ctx]
	if h.Fields < r.Fields || h.Score < r.Score || h.Trace < r.Trace || (r.Whole && !h.Whole) {
		return false
	}
	if ctx != ctxFrom && h.Known*2 < h.Fields-h.Ext {
		return false
	}
	switch h.stop {
	case stopBlank, stopJunk, stopEnd:
		return true
	case stopNonField, stopLimit:
		// a header that runs into text without an empty line: only
		// strong ones (the rest was cut and replaced by other data)
		return h.Score >= r.Score+3 && h.Fields >= 3
	}
	return false
}

// DetectHeader examines b as a possible header section and scores it by
// the rule table. It reads at most hdrLimit bytes and never fails.
func DetectHeader(b []byte) Header { return detectHeader(b, hdrLimit) }

// innerLimit bounds the bytes examined when deciding whether a message
// starts at a place inside another item's bytes (a sector boundary in a
// header block or a body): those checks can come every sector, and must
// not each read a whole long block again.
const innerLimit = 16 << 10

// detectHeader is DetectHeader looking at no more than limit bytes; a
// block that goes on past them stops as at hdrLimit (stopLimit).
func detectHeader(b []byte, limit int) Header {
	if len(b) > limit {
		b = b[:limit]
	}
	h := Header{ContentLength: -1}
	var seen [16]string // names counted once
	nseen := 0
	var trace uint64
	n := 0
	for n < len(b) {
		rest := b[n:]
		i := bytes.IndexByte(rest, '\n')
		last := i < 0
		if last {
			i = len(rest)
		}
		line := rest[:i]
		if len(line) > 0 && line[len(line)-1] == '\r' {
			line = line[:len(line)-1]
			if h.Fields == 0 {
				h.CRLF = true
			}
		}
		if j := firstBad(line); j >= 0 {
			h.stop, h.JunkAt = stopJunk, n+j
			break
		}
		if last {
			if len(b) == limit {
				h.stop = stopLimit
			} else {
				h.stop = stopEnd
			}
			break
		}
		ln := i + 1
		if len(line) == 0 {
			if h.Fields > 0 {
				h.Complete = true
				n += ln
			}
			h.stop = stopBlank
			break
		}
		if line[0] == ' ' || line[0] == '\t' {
			if h.Fields == 0 {
				h.stop = stopNonField
				break
			}
			n += ln
			continue
		}
		nameLen, ok := rfc5322.FieldName(line)
		if !ok {
			h.stop = stopNonField
			break
		}
		h.Fields++
		name := line[:nameLen]
		var lname [40]byte
		key := ""
		var r fieldRule
		known := false
		if nameLen <= 40 {
			for k, c := range name {
				lname[k] = lower(c)
			}
			// the table's own string: no allocation per field
			var i int
			if i, known = ruleIndex[string(lname[:nameLen])]; known {
				key, r = ruleNames[i], ruleList[i]
			} else if h.Fields == 1 {
				key = string(lname[:nameLen])
			}
		}
		if h.Fields == 1 {
			h.First = key
		}
		if !known {
			if nameLen > 2 && lower(name[0]) == 'x' && name[1] == '-' {
				// (from name: lname holds only names of up to 40
				// bytes, and Exchange writes longer X- names)
				h.Ext++
			} else {
				h.Unknown++
				h.Score -= unknownPenalty
			}
			n += ln
			continue
		}
		h.Known++
		dup := false
		for _, s := range seen[:nseen] {
			if s == key {
				dup = true
			}
		}
		if dup {
			n += ln
			continue
		}
		if nseen < len(seen) {
			seen[nseen] = key
			nseen++
		}
		value := fieldValue(b[n:], nameLen)
		h.Score += r.Points
		if r.Trace {
			bit := uint64(1) << (hash(key) % 64)
			if trace&bit == 0 {
				trace |= bit
				h.Trace++
			}
		}
		if r.Check != nil && r.Check(value) {
			h.Score += r.Valid
			if wholeFields[key] {
				h.Whole = true
			}
		} else if r.Check == nil && wholeFields[key] {
			h.Whole = true
		}
		switch key {
		case "content-type":
			lv := strings.ToLower(rfc5322.Text(value))
			h.ContentType = lv
			if j := strings.IndexAny(lv, "; \t"); j >= 0 {
				h.ContentType = lv[:j]
			}
			if strings.HasPrefix(lv, "multipart/") {
				h.Boundary = rfc5322.BoundaryOf(rfc5322.Text(value))
				if len(h.Boundary) > 200 {
					h.Boundary = ""
				}
			}
		case "content-transfer-encoding":
			h.CTE = strings.ToLower(rfc5322.Text(value))
		case "content-length":
			if v, err := strconv.ParseInt(strings.TrimSpace(string(value)), 10, 64); err == nil && v >= 0 {
				h.ContentLength = v
			}
		}
		n += ln
	}
	h.Len = n
	if h.stop == stopJunk && h.JunkAt < n {
		h.JunkAt = n
	}
	return h
}

// fieldValue returns the value of the field line at the start of b with
// its continuation lines unfolded, at most 1 KiB of it.
func fieldValue(b []byte, nameLen int) []byte {
	const maxValue = 1 << 10
	end := 0
	for end < len(b) && end < maxValue+nameLen {
		i := bytes.IndexByte(b[end:], '\n')
		if i < 0 {
			end = len(b)
			break
		}
		end += i + 1
		if end >= len(b) || (b[end] != ' ' && b[end] != '\t') {
			break
		}
	}
	end = min(end, len(b), maxValue+nameLen)
	v := b[:end]
	c := bytes.IndexByte(v, ':')
	if c < 0 {
		return nil
	}
	v = bytes.TrimRight(v[c+1:], "\r\n")
	if bytes.ContainsAny(v, "\r\n") { // folded
		v = bytes.Map(func(r rune) rune {
			if r == '\r' || r == '\n' {
				return -1
			}
			return r
		}, v)
	}
	return bytes.TrimSpace(v)
}

func hash(s string) uint64 {
	h := uint64(14695981039346656037)
	for i := 0; i < len(s); i++ {
		h = (h ^ uint64(s[i])) * 1099511628211
	}
	return h
}
