package mapi

import (
	"encoding/binary"
	"testing"
	"time"
	"unicode/utf16"
)

// decodeUTF16Ref is the plain definition DecodeUTF16 must agree with:
// units, trailing NULs dropped, utf16.Decode.
func decodeUTF16Ref(b []byte) string {
	u := make([]uint16, len(b)/2)
	for i := range u {
		u[i] = binary.LittleEndian.Uint16(b[2*i:])
	}
	for len(u) > 0 && u[len(u)-1] == 0 {
		u = u[:len(u)-1]
	}
	return string(utf16.Decode(u))
}

func units16(units ...uint16) []byte {
	b := make([]byte, 2*len(units))
	for i, u := range units {
		binary.LittleEndian.PutUint16(b[2*i:], u)
	}
	return b
}

func TestDecodeUTF16(t *testing.T) {
	for _, c := range []struct {
		in   []byte
		want string
	}{
		{units16('h', 'i'), "hi"},
		{units16('h', 'i', 0, 0), "hi"},
		{append(units16('h', 'i'), 'x'), "hi"},                // odd last byte
		{units16(0x65E5, 0x672C), "日本"},                       // BMP
		{units16(0xD83D, 0xDE00), "\U0001F600"},               // pair
		{units16(0xD83D, 'a'), "\uFFFDa"},                     // high without low
		{units16('a', 0xDE00), "a\uFFFD"},                     // lone low
		{units16('a', 0xD83D), "a\uFFFD"},                     // high at the end
		{units16('a', 0, 'b'), "a\x00b"},                      // NUL inside stays
		{units16(0xD83D, 0xD83D, 0xDE00), "\uFFFD\U0001F600"}, // high, then a pair
		{nil, ""},
	} {
		if got := DecodeUTF16(c.in); got != c.want {
			t.Errorf("DecodeUTF16(% x) = %q, want %q", c.in, got, c.want)
		}
		if ref := decodeUTF16Ref(c.in); ref != c.want {
			t.Errorf("reference(% x) = %q, want %q (the case is wrong)", c.in, ref, c.want)
		}
	}
}

func FuzzDecodeUTF16(f *testing.F) {
	f.Add(units16('h', 'i', 0))
	f.Add(units16(0xD83D, 0xDE00, 0xDC00, 0xD800))
	f.Fuzz(func(t *testing.T, b []byte) {
		if got, want := DecodeUTF16(b), decodeUTF16Ref(b); got != want {
			t.Fatalf("DecodeUTF16(% x) = %q, utf16.Decode gives %q", b, got, want)
		}
	})
}

func BenchmarkDecodeUTF16(b *testing.B) {
	units := make([]uint16, 32<<10)
	for i := range units {
		units[i] = uint16('a' + i%26)
		if i%50 == 0 {
			units[i] = 0x65E5
		}
	}
	in := units16(units...)
	b.SetBytes(int64(len(in)))
	for b.Loop() {
		DecodeUTF16(in)
	}
}

// utf8MetaRef is the definition utf8Meta must agree with: the
// expression over the whole document.
func utf8MetaRef(html string) string { return metaCharset.ReplaceAllString(html, "${1}utf-8") }

func TestUTF8Meta(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{`<html><head><META http-equiv="Content-Type" content="text/html; charset=iso-8859-1"></head>`,
			`<html><head><META http-equiv="Content-Type" content="text/html; charset=utf-8"></head>`},
		{`<meta charset='shift_jis'><p>charset=x</p><meta name=x>`, `<meta charset='utf-8'><p>charset=x</p><meta name=x>`},
		{`<<meta charset=koi8-r`, `<<meta charset=utf-8`},
		{`<meta foo <meta charset=x>`, `<meta foo <meta charset=utf-8>`},
		{`no tags, charset=latin1`, `no tags, charset=latin1`},
		{`<met`, `<met`},
		{``, ``},
	} {
		if got := utf8Meta(c.in); got != c.want {
			t.Errorf("utf8Meta(%q) = %q, want %q", c.in, got, c.want)
		}
		if ref := utf8MetaRef(c.in); ref != c.want {
			t.Errorf("reference(%q) = %q, want %q (the case is wrong)", c.in, ref, c.want)
		}
	}
}

func FuzzUTF8Meta(f *testing.F) {
	f.Add(`<html><meta charset="big5"><META CHARSET=x><meta>`)
	f.Fuzz(func(t *testing.T, html string) {
		if got, want := utf8Meta(html), utf8MetaRef(html); got != want {
			t.Fatalf("utf8Meta(%q) = %q, the expression over the whole gives %q", html, got, want)
		}
	})
}

// TestSetters: what the setters store reads back through the getters.
func TestSetters(t *testing.T) {
	var p Properties
	p.SetString(PidTagSubject, "Grüße \U0001F600")
	p.SetBinary(PidTagHtml, []byte("<p>x</p>"))
	p.SetInt32(PidTagImportance, 2)
	when := time.Date(2011, 6, 21, 23, 49, 21, 0, time.UTC)
	p.SetTime(PidTagClientSubmitTime, when)
	if s, _ := p.String(PidTagSubject); s != "Grüße \U0001F600" {
		t.Errorf("string %q", s)
	}
	if b, _ := p.Binary(PidTagHtml); string(b) != "<p>x</p>" {
		t.Errorf("binary %q", b)
	}
	if v, _ := p.Int(PidTagImportance); v != 2 {
		t.Errorf("int %d", v)
	}
	if got, ok := p.Time(PidTagClientSubmitTime); !ok || !got.Equal(when) {
		t.Errorf("time %v", got)
	}
}

// TestFileTimeOf: FileTimeOf inverts FileTime over the whole range a
// FILETIME holds (time.UnixNano does not: it overflows before 1678 and
// after 2262), and refuses what it cannot hold.
func TestFileTimeOf(t *testing.T) {
	for _, when := range []time.Time{
		time.Date(1601, 1, 1, 0, 0, 1, 0, time.UTC), time.Date(1650, 3, 4, 5, 6, 7, 800, time.UTC),
		time.Date(2011, 6, 21, 23, 49, 21, 123456700, time.UTC), time.Date(3000, 1, 1, 0, 0, 0, 0, time.UTC),
	} {
		ft, ok := FileTimeOf(when)
		back, ok2 := FileTime(ft)
		if !ok || !ok2 || !back.Equal(when) {
			t.Errorf("%v: FILETIME %d (%v), back %v (%v)", when, ft, ok, back, ok2)
		}
		var p Properties
		p.SetTime(PidTagClientSubmitTime, when)
		if got, ok := p.Time(PidTagClientSubmitTime); !ok || !got.Equal(when) {
			t.Errorf("SetTime(%v) reads back %v", when, got)
		}
	}
	var p Properties
	p.SetTime(PidTagClientSubmitTime, time.Date(1500, 1, 1, 0, 0, 0, 0, time.UTC))
	if _, ok := FileTimeOf(time.Date(1500, 1, 1, 0, 0, 0, 0, time.UTC)); ok || p.Len() != 0 {
		t.Errorf("a time before 1601 was taken")
	}
}
