package rfc5322

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

func TestFieldName(t *testing.T) {
	cases := []struct {
		line string
		n    int
		ok   bool
	}{
		{"Subject: hi", 7, true},
		{"X-Mozilla-Status: 0001", 16, true},
		{"Subject : obsolete space", 7, true},
		{"From a@b Mon Jan  1 00:00:00 2001", 0, false},
		{": no name", 0, false},
		{"no colon here", 0, false},
		{"Dear John: hello", 0, false},
		{"Ümlaut: x", 0, false},
		{"", 0, false},
		{"A:", 1, true},
	}
	for _, c := range cases {
		n, ok := FieldName([]byte(c.line))
		if n != c.n || ok != c.ok {
			t.Errorf("FieldName(%q) = %d, %v; want %d, %v", c.line, n, ok, c.n, c.ok)
		}
	}
}

func TestParse(t *testing.T) {
	msg := "Subject: one\r\n two\r\nFrom: a@b\r\n\r\nbody"
	h, n, complete := Parse([]byte(msg))
	if !complete || n != strings.Index(msg, "body") {
		t.Fatalf("n %d complete %v", n, complete)
	}
	if v, _ := h.Get("subject"); string(v) != "one two" {
		t.Errorf("unfolded subject %q", v)
	}
	if h.First() != "subject" || len(h) != 2 {
		t.Errorf("fields %v", h)
	}
	// cut short: no empty line
	if _, _, complete := Parse([]byte("Subject: x\nFrom: y\n")); complete {
		t.Error("header without its empty line reported complete")
	}
	// stops at a line that is neither field nor continuation
	h, n, complete = Parse([]byte("Subject: x\ngarbage line\n\nbody"))
	if complete || len(h) != 1 || n != len("Subject: x\n") {
		t.Errorf("stop at garbage: %v %d %v", h, n, complete)
	}
}

func TestExamine(t *testing.T) {
	cases := []struct {
		name    string
		block   string
		message bool // LooksLikeMessage
		header  bool // LooksLikeHeader
	}{
		{"delivered message", "Return-Path: <a@b>\nReceived: from x\nDate: Mon, 1 Jan 2001 00:00:00 +0000\nFrom: a@b\nSubject: s\nMessage-ID: <1@b>\n\n", true, true},
		{"minimal with id", "From: a@b\nDate: d\nSubject: s\nMessage-ID: <1@b>\n\n", true, true},
		{"quoted in a body", "From: Bob\nTo: Alice\nDate: Sun, 6 Jan 2019 09:00:00 +0000\nSubject: hello\n\n", false, true},
		{"MIME part header", "Content-Type: text/plain\nContent-Transfer-Encoding: 7bit\n\n", false, true}, // a MIME entity: a header, not a message
		{"prose", "Note: bring cake\n\n", false, false},
		{"cut short", "Received: x\nMessage-ID: <1@b>\nDate: d\nFrom: a\n", false, true},
		{"mostly unknown fields", "Message-ID: <1@b>\nDate: d\nFrom: a\nFoo: 1\nBar: 2\nBaz: 3\nQux: 4\nQuux: 5\nCorge: 6\n\n", false, true},
	}
	for _, c := range cases {
		b := Examine([]byte(c.block), 0)
		if b.LooksLikeMessage() != c.message || b.LooksLikeHeader() != c.header {
			t.Errorf("%s: message %v header %v (%+v), want %v %v", c.name, b.LooksLikeMessage(), b.LooksLikeHeader(), b, c.message, c.header)
		}
	}
	if b := Examine([]byte("Received: a\nReceived: b\nReceived: c\nDate: d\n\n"), 0); b.Trace != 2 {
		t.Errorf("repeated Received counted %d times as distinct trace fields", b.Trace)
	}
	// the limit is respected
	long := "Received: x\n" + strings.Repeat("X-Filler: yyyyyyyyyyyyyyyy\n", 1000) + "\n"
	if b := Examine([]byte(long), 1000); b.Complete || b.Len > 1000 {
		t.Errorf("limit ignored: %+v", b)
	}
}

func TestSummarize(t *testing.T) {
	msg := "Message-ID: (comment) <abc@example.com> trailing\n" +
		"Subject: =?UTF-8?B?R3LDvMOfZQ==?= und =?ISO-8859-1?Q?K=F6ln?=\n" +
		"From: =?iso-2022-jp?B?GyRCJUYlOSVIGyhC?= <t@example.jp>\n" +
		"To: raw \xe9t\xe9 <x@y>\n" +
		"Date: Tue, 1 Jan 2019 10:00:00 +0100 (CET)\n\nbody\n"
	s, _, err := ReadSummary(strings.NewReader(msg))
	if err != nil {
		t.Fatal(err)
	}
	if s.MessageID != "<abc@example.com>" {
		t.Errorf("MessageID %q", s.MessageID)
	}
	if s.Subject != "Grüße und Köln" {
		t.Errorf("Subject %q", s.Subject)
	}
	if s.From != "テスト <t@example.jp>" {
		t.Errorf("From %q", s.From)
	}
	if s.To != "raw été <x@y>" {
		t.Errorf("To %q (undeclared 8-bit read as Windows-1252)", s.To)
	}
	if want := time.Date(2019, 1, 1, 9, 0, 0, 0, time.UTC); !s.Date.Equal(want) {
		t.Errorf("Date %v", s.Date)
	}
}

func TestParseDate(t *testing.T) {
	cases := map[string]string{
		"Tue, 1 Jan 2019 10:00:00 +0100":        "2019-01-01T10:00:00+01:00",
		"1 Jan 2019 10:00:00 -0500":             "2019-01-01T10:00:00-05:00",
		"Tue, 01 Jan 19 10:00:00 +0000":         "2019-01-01T10:00:00Z",
		"Tue Jan  1 10:00:00 2019":              "2019-01-01T10:00:00Z",
		"Tue, 1 Jan 2019 10:00:00 +0000 (GMT)":  "2019-01-01T10:00:00Z",
		"Tue,  1 Jan 2019 10:00 +0000":          "2019-01-01T10:00:00Z",
		"2019-01-01 10:00:00":                   "2019-01-01T10:00:00Z",
		"Monday, January 7, 2019 3:04 PM":       "2019-01-07T15:04:00Z",
		"Wed, 04 Nov 1998 13:36:14 -0200 (EDT)": "1998-11-04T13:36:14-02:00",
		"Thu, 13 Feb 1969 23:32:54 -0330":       "1969-02-13T23:32:54-03:30",
	}
	for in, want := range cases {
		d, err := ParseDate(in)
		if err != nil || d.Format(time.RFC3339) != want {
			t.Errorf("ParseDate(%q) = %v, %v; want %s", in, d.Format(time.RFC3339), err, want)
		}
	}
	for _, bad := range []string{"", "yesterday", "99/99/99"} {
		if _, err := ParseDate(bad); err == nil {
			t.Errorf("ParseDate(%q) succeeded", bad)
		}
	}
}

func TestBoundary(t *testing.T) {
	cases := map[string]string{
		`multipart/mixed; boundary="abc def"`:                      "abc def",
		`Multipart/Alternative; boundary=xyz`:                      "xyz",
		`multipart/mixed; boundary=xyz; charset="a`:                "xyz", // malformed parameters
		`text/plain; boundary=xyz`:                                 "",
		`multipart/mixed`:                                          "",
		`multipart/related; type="text/html"; boundary=` + `"=_q"`: "=_q",
	}
	for ct, want := range cases {
		if got := BoundaryOf(ct); got != want {
			t.Errorf("BoundaryOf(%q) = %q, want %q", ct, got, want)
		}
	}
}

func TestEntities(t *testing.T) {
	msg := "Subject: x\r\nContent-Type: multipart/mixed; boundary=\"B\"\r\n\r\npreamble\r\n--B\r\nContent-Type: text/plain\r\n\r\nhello\r\n--B\r\n" +
		"Content-Type: multipart/alternative; boundary=C\r\n\r\n--C\r\nContent-Type: text/plain\r\n\r\nalt1\r\n--C\r\nContent-Type: text/html\r\n\r\n<p>alt2</p>\r\n--C--\r\n" +
		"\r\n--B\r\nContent-Type: application/ms-tnef; name=winmail.dat\r\n\r\nTNEFDATA\r\n--B--\r\nepilogue\r\n"
	var got []string
	Entities([]byte(msg), func(e Entity) bool {
		ct, _ := e.Header.Get("Content-Type")
		got = append(got, fmt.Sprintf("%v %s %q", e.Path, strings.Fields(string(ct))[0], msg[e.BodyStart:e.End]))
		return true
	})
	want := []string{
		`[] multipart/mixed; "preamble\r\n--B\r\nContent-Type: text/plain\r\n\r\nhello\r\n--B\r\nContent-Type: multipart/alternative; boundary=C\r\n\r\n--C\r\nContent-Type: text/plain\r\n\r\nalt1\r\n--C\r\nContent-Type: text/html\r\n\r\n<p>alt2</p>\r\n--C--\r\n\r\n--B\r\nContent-Type: application/ms-tnef; name=winmail.dat\r\n\r\nTNEFDATA\r\n--B--\r\nepilogue\r\n"`,
		`[1] text/plain "hello"`,
		`[2] multipart/alternative; "--C\r\nContent-Type: text/plain\r\n\r\nalt1\r\n--C\r\nContent-Type: text/html\r\n\r\n<p>alt2</p>\r\n--C--\r\n"`,
		`[2 1] text/plain "alt1"`,
		`[2 2] text/html "<p>alt2</p>"`,
		`[3] application/ms-tnef; "TNEFDATA"`,
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("entities\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	// a truncated multipart yields what is there, last part to the end
	cut := msg[:strings.Index(msg, "TNEFDATA")+4]
	n := 0
	Entities([]byte(cut), func(e Entity) bool { n++; return true })
	if n != 6 {
		t.Errorf("truncated: %d entities, want 6", n)
	}
}

func TestDecodeTransfer(t *testing.T) {
	for _, c := range []struct {
		cte, body, want string
		ok              bool
	}{
		{"base64", "aGVsbG8g\r\nd29ybGQ=\r\n", "hello world", true},
		{" BASE64 ", "aGVs bG8=", "hello", true},
		{"base64", "aGVs*bG8\x00gd29y", "hello wor", true}, // junk skipped
		{"base64", "aGVsbG8=trailing junk", "hello", true}, // ends at padding
		{"base64", "aGVsbG8gd", "hello ", true},            // a lone last character dropped
		{"base64", "!!!", "", false},                       // nothing decodes
		{"base64", "", "", true},                           // nothing to decode
		{"quoted-printable", "caf=C3=A9 =\r\nau lait", "café au lait", true},
		{"quoted-printable", "kept =ZZ as written", "kept =ZZ as written", true}, // not an escape
		{"7bit", "as =3D is", "as =3D is", true},
		{"", "plain", "plain", true},
	} {
		got, ok := DecodeTransfer(c.cte, []byte(c.body))
		if string(got) != c.want || ok != c.ok {
			t.Errorf("DecodeTransfer(%q, %q) = %q, %v; want %q, %v", c.cte, c.body, got, ok, c.want, c.ok)
		}
	}
}
