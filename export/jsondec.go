package export

import (
	"math"
	"unicode/utf8"

	"github.com/mailsalvage/mailsalvage/formats"
)

// decodeProvLine is a fast path for json.Unmarshal(b, l) on the lines
// appendRecord writes: an object of the Record's fields, each once,
// spelled exactly, with no space between tokens. It returns false for
// anything else (a key in other case, a null where a value was expected,
// a bounce field, a number that is not an integer, an escaped surrogate,
// invalid UTF-8, ...), leaving the line to encoding/json; when it returns
// true, l holds what json.Unmarshal would have put in a zero ProvLine.
// FuzzDecodeProvLine checks that.
func decodeProvLine(b []byte, l *ProvLine) bool {
	d := lineDecoder{b: b}
	*l = ProvLine{}
	if !d.decodeRecord(&l.Record) || d.i != len(b) {
		*l = ProvLine{}
		return false
	}
	return true
}

type lineDecoder struct {
	b []byte
	i int
}

func (d *lineDecoder) peek() byte {
	if d.i < len(d.b) {
		return d.b[d.i]
	}
	return 0
}

func (d *lineDecoder) lit(s string) bool {
	if len(d.b)-d.i >= len(s) && string(d.b[d.i:d.i+len(s)]) == s {
		d.i += len(s)
		return true
	}
	return false
}

// key reads `"name":` for a name of plain ASCII.
func (d *lineDecoder) key() ([]byte, bool) {
	if d.peek() != '"' {
		return nil, false
	}
	start := d.i + 1
	for j := start; j < len(d.b); j++ {
		c := d.b[j]
		if c == '"' {
			if j+1 < len(d.b) && d.b[j+1] == ':' {
				d.i = j + 2
				return d.b[start:j], true
			}
			return nil, false
		}
		if c == '\\' || c < 0x20 || c >= utf8.RuneSelf {
			return nil, false
		}
	}
	return nil, false
}

// str reads a JSON string.
func (d *lineDecoder) str() (string, bool) {
	if d.peek() != '"' {
		return "", false
	}
	start := d.i + 1
	j := start
	for j < len(d.b) {
		c := d.b[j]
		if c == '"' {
			d.i = j + 1
			return string(d.b[start:j]), true
		}
		if c == '\\' {
			return d.unescape(start)
		}
		if c < 0x20 {
			return "", false
		}
		if c < utf8.RuneSelf {
			j++
			continue
		}
		r, n := utf8.DecodeRune(d.b[j:])
		if r == utf8.RuneError && n == 1 {
			return "", false
		}
		j += n
	}
	return "", false
}

// unescape reads a string with escapes, starting at its first byte.
func (d *lineDecoder) unescape(start int) (string, bool) {
	out := make([]byte, 0, 64)
	j := start
	for j < len(d.b) {
		c := d.b[j]
		switch {
		case c == '"':
			d.i = j + 1
			return string(out), true
		case c == '\\':
			if j+1 >= len(d.b) {
				return "", false
			}
			switch e := d.b[j+1]; e {
			case '"', '\\', '/':
				out = append(out, e)
			case 'b':
				out = append(out, '\b')
			case 'f':
				out = append(out, '\f')
			case 'n':
				out = append(out, '\n')
			case 'r':
				out = append(out, '\r')
			case 't':
				out = append(out, '\t')
			case 'u':
				if j+6 > len(d.b) {
					return "", false
				}
				v, ok := hex4(d.b[j+2 : j+6])
				if !ok || v >= 0xd800 && v < 0xe000 {
					return "", false // surrogates: left to encoding/json
				}
				out = utf8.AppendRune(out, rune(v))
				j += 6
				continue
			default:
				return "", false
			}
			j += 2
		case c < 0x20:
			return "", false
		case c < utf8.RuneSelf:
			out = append(out, c)
			j++
		default:
			r, n := utf8.DecodeRune(d.b[j:])
			if r == utf8.RuneError && n == 1 {
				return "", false
			}
			out = append(out, d.b[j:j+n]...)
			j += n
		}
	}
	return "", false
}

func hex4(b []byte) (rune, bool) {
	var v rune
	for _, c := range b {
		switch {
		case c >= '0' && c <= '9':
			c -= '0'
		case c >= 'a' && c <= 'f':
			c -= 'a' - 10
		case c >= 'A' && c <= 'F':
			c -= 'A' - 10
		default:
			return 0, false
		}
		v = v<<4 | rune(c)
	}
	return v, true
}

// int reads an integer that fits an int64.
func (d *lineDecoder) int() (int64, bool) {
	start := d.i
	j := start
	if j < len(d.b) && d.b[j] == '-' {
		j++
	}
	digits := j
	for j < len(d.b) && d.b[j] >= '0' && d.b[j] <= '9' {
		j++
	}
	if j == digits || d.b[digits] == '0' && j > digits+1 {
		return 0, false
	}
	if j < len(d.b) && (d.b[j] == '.' || d.b[j] == 'e' || d.b[j] == 'E') {
		return 0, false
	}
	var u uint64
	for _, c := range d.b[digits:j] {
		if u > (math.MaxUint64-9)/10 {
			return 0, false
		}
		u = u*10 + uint64(c-'0')
	}
	var n int64
	switch {
	case digits > start && u <= 1<<63:
		n = -int64(u)
	case digits == start && u <= math.MaxInt64:
		n = int64(u)
	default:
		return 0, false
	}
	d.i = j
	return n, true
}

// object reads a JSON object whose keys field knows: field reads the
// value of key k and returns the key's bit (0: a key this reader does not
// take) and whether the value read. A key given twice is refused.
func (d *lineDecoder) object(field func(k []byte) (bit uint, ok bool)) bool {
	if !d.lit("{") {
		return false
	}
	var seen uint
	for first := true; !d.lit("}"); first = false {
		if !first && !d.lit(",") {
			return false
		}
		k, ok := d.key()
		if !ok {
			return false
		}
		bit, ok := field(k)
		if !ok || bit == 0 || seen&bit != 0 {
			return false
		}
		seen |= bit
	}
	return true
}

// array reads a JSON array, or null (isNull true), calling elem for each
// element.
func (d *lineDecoder) array(elem func() bool) (isNull, ok bool) {
	if d.lit("null") {
		return true, true
	}
	if !d.lit("[") {
		return false, false
	}
	if d.lit("]") {
		return false, true
	}
	for {
		if !elem() {
			return false, false
		}
		if d.lit("]") {
			return false, true
		}
		if !d.lit(",") {
			return false, false
		}
	}
}

// strings reads an array of strings, or null.
func (d *lineDecoder) strings() ([]string, bool) {
	out := []string{}
	isNull, ok := d.array(func() bool {
		v, ok := d.str()
		out = append(out, v)
		return ok
	})
	if isNull || !ok {
		return nil, ok
	}
	return out, true
}

func (d *lineDecoder) chain() (formats.Chain, bool) {
	c := formats.Chain{}
	isNull, ok := d.array(func() bool {
		var h formats.Hop
		ok := d.object(func(k []byte) (uint, bool) {
			ok := false
			switch string(k) {
			case "format":
				h.Format, ok = d.str()
				return 1, ok
			case "offset":
				var n int64
				if n, ok = d.int(); ok {
					h.Offset = &n
				}
				return 2, ok
			case "length":
				var n int64
				if n, ok = d.int(); ok {
					h.Length = &n
				}
				return 4, ok
			case "locator":
				h.Locator, ok = d.str()
				return 8, ok
			}
			return 0, false
		})
		c = append(c, h)
		return ok
	})
	if isNull || !ok {
		return nil, ok
	}
	return c, true
}

func (d *lineDecoder) attrs() (map[string]string, bool) {
	if d.lit("null") {
		return nil, true
	}
	if !d.lit("{") {
		return nil, false
	}
	m := map[string]string{}
	for first := true; !d.lit("}"); first = false {
		if !first && !d.lit(",") {
			return nil, false
		}
		k, ok := d.str()
		if !ok || !d.lit(":") {
			return nil, false
		}
		v, ok := d.str()
		if !ok {
			return nil, false
		}
		m[k] = v // a repeated key: the last one, as encoding/json
	}
	return m, true
}

func (d *lineDecoder) source(e *Evidence) bool {
	return d.object(func(k []byte) (uint, bool) {
		var ok bool
		switch string(k) {
		case "path":
			e.Path, ok = d.str()
			return 1, ok
		case "sha256":
			e.SHA256, ok = d.str()
			return 2, ok
		}
		return 0, false
	})
}

func (d *lineDecoder) decodeRecord(r *Record) bool {
	return d.object(func(k []byte) (bit uint, ok bool) {
		var state string
		switch string(k) {
		case "file":
			bit = 1 << 0
			r.File, ok = d.str()
		case "sha256":
			bit = 1 << 1
			r.SHA256, ok = d.str()
		case "md5":
			bit = 1 << 2
			r.MD5, ok = d.str()
		case "size":
			bit = 1 << 3
			r.Size, ok = d.int()
		case "message_id":
			bit = 1 << 4
			r.MessageID, ok = d.str()
		case "subject":
			bit = 1 << 5
			r.Subject, ok = d.str()
		case "date":
			bit = 1 << 6
			r.Date, ok = d.str()
		case "from":
			bit = 1 << 7
			r.From, ok = d.str()
		case "to":
			bit = 1 << 8
			r.To, ok = d.str()
		case "folder":
			bit = 1 << 9
			r.Folder, ok = d.str()
		case "state":
			bit = 1 << 10
			state, ok = d.str()
			r.State = formats.State(state)
		case "method":
			bit = 1 << 11
			r.Method, ok = d.str()
		case "source":
			bit = 1 << 12
			ok = d.source(&r.Source)
		case "chain":
			bit = 1 << 13
			r.Chain, ok = d.chain()
		case "warnings":
			bit = 1 << 14
			r.Warnings, ok = d.strings()
		case "attrs":
			bit = 1 << 15
			r.Attrs, ok = d.attrs()
		case "duplicate":
			bit = 1 << 16
			switch {
			case d.lit("true"):
				r.Duplicate, ok = true, true
			case d.lit("false"):
				r.Duplicate, ok = false, true
			}
		}
		// "bounce" and anything unknown: encoding/json
		return bit, ok
	})
}
