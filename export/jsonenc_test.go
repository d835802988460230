package export

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/mailsalvage/mailsalvage/formats"
)

// jsonStrings are strings that exercise every escape of encoding/json.
var jsonStrings = []string{
	"", "plain", `quote " backslash \ slash /`, "<script>&amp;</script>", "tab\tnl\ncr\rbs\bff\f",
	"\x00\x01\x1f\x7f", "Grüße aus Köln", "line\u2028para\u2029", "bad \xff\xfe utf-8 \xc3", "\xed\xa0\x80 surrogate",
	"\ufeff bom \U0001F600 emoji", "\u00e9\u0301", "end\\",
}

func encodingJSONRecord(t testing.TB, r *Record) []byte {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(r); err != nil {
		t.Fatal(err)
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
}

func testRecords() []*Record {
	off, n := int64(4096), int64(-1)
	var recs []*Record
	for i, s := range jsonStrings {
		recs = append(recs, &Record{
			File: "messages/" + s + ".eml", SHA256: s, MD5: s, Size: int64(i*1000 - 1), MessageID: s, Subject: s,
			Date: s, From: s, To: s, Folder: s, State: formats.State(s), Method: s,
			Source:    Evidence{Path: s, SHA256: s},
			Chain:     formats.Chain{{Format: s, Offset: &off, Length: &n, Locator: s}, {Format: "pst"}, {Format: s, Length: &off}},
			Warnings:  []string{s, s + "2"},
			Attrs:     map[string]string{s: s, "b": "1", "a" + s: "", "<": ">"},
			Duplicate: i%2 == 0,
			Bounce:    []BounceRecipient{{s, s, s, s}, {}},
		})
	}
	recs = append(recs, &Record{}, &Record{Warnings: []string{}, Chain: formats.Chain{}, Attrs: map[string]string{}, Bounce: []BounceRecipient{}})
	return recs
}

func TestAppendRecord(t *testing.T) {
	for _, r := range testRecords() {
		want := encodingJSONRecord(t, r)
		if got := appendRecord(nil, r); !bytes.Equal(got, want) {
			t.Errorf("appendRecord:\n%s\nencoding/json:\n%s", got, want)
		}
	}
}

func TestAppendJSONString(t *testing.T) {
	for _, s := range jsonStrings {
		for _, html := range []bool{false, true} {
			var buf bytes.Buffer
			enc := json.NewEncoder(&buf)
			enc.SetEscapeHTML(html)
			enc.Encode(s)
			want := bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
			if got := appendJSONString(nil, s, html); !bytes.Equal(got, want) {
				t.Errorf("%q html %v: %s, want %s", s, html, got, want)
			}
		}
	}
}

// FuzzRecordJSON: appendRecord writes what encoding/json writes, for any
// strings and numbers.
func FuzzRecordJSON(f *testing.F) {
	for _, s := range jsonStrings {
		f.Add(s, "x", int64(len(s)), int64(-3), true)
	}
	f.Fuzz(func(t *testing.T, a, b string, n, m int64, dup bool) {
		r := &Record{File: a, SHA256: b, MD5: a + b, Size: n, MessageID: b, Subject: a, Date: b, From: a, To: b,
			Folder: a, State: formats.State(b), Method: a, Source: Evidence{Path: b, SHA256: a},
			Chain:    formats.Chain{{Format: a, Offset: &n, Length: &m, Locator: b}, {Format: b, Locator: a}},
			Warnings: []string{a, b}, Attrs: map[string]string{a: b, b: a}, Duplicate: dup}
		if dup {
			r.Bounce = []BounceRecipient{{a, b, a, b}}
			r.Warnings = nil
			r.Attrs = nil
		}
		want := encodingJSONRecord(t, r)
		if got := appendRecord(nil, r); !bytes.Equal(got, want) {
			t.Errorf("appendRecord:\n%s\nencoding/json:\n%s", got, want)
		}
		for _, s := range []string{a, b} {
			want, _ := json.Marshal(s)
			if got := appendJSONString(nil, s, true); !bytes.Equal(got, want) {
				t.Errorf("%q: %s, want %s", s, got, want)
			}
		}
	})
}

// The rows of report.html are what json.Marshal wrote for them.
func TestAppendRow(t *testing.T) {
	for i, r := range testRecords() {
		r.Subject += strings.Repeat("ü", i*40) // past maxRowText for some
		ws := []string{}
		for _, w := range r.Warnings {
			ws = append(ws, clip(w))
		}
		var bounce []string
		if i%2 == 1 {
			bounce = []string{r.From, "<b>"}
		}
		chain := r.Chain.String()
		want, err := json.Marshal([]any{
			r.Date, clip(r.From), clip(r.To), clip(r.Subject), r.State, clip(r.Folder), r.File,
			clip(chain), i - 1, ws, bounce, i % 2, r.Size, clip(r.MessageID),
			r.Method, r.SHA256, r.MD5, r.Source.Path,
		})
		if err != nil {
			t.Fatal(err)
		}
		if got := appendRow(nil, r, chain, i-1, ws, bounce, i%2); !bytes.Equal(got, want) {
			t.Errorf("appendRow:\n%s\njson.Marshal:\n%s", got, want)
		}
	}
}

// TestRecordFieldsEncoded fails when Record (or a type it holds) gains a
// field: appendRecord and appendRow write the fields by hand, and
// testRecords must set the new one so that the comparison with
// encoding/json covers it.
func TestRecordFieldsEncoded(t *testing.T) {
	for _, c := range []struct {
		v    any
		want int
	}{{Record{}, 18}, {Evidence{}, 2}, {BounceRecipient{}, 4}, {formats.Hop{}, 4}} {
		if n := reflect.TypeOf(c.v).NumField(); n != c.want {
			t.Errorf("%T has %d fields, the hand-written encoders know %d: update appendRecord, appendRow and testRecords", c.v, n, c.want)
		}
	}
}
