package rfc5322_test

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/mailsalvage/mailsalvage/formats/rfc5322"
	"github.com/mailsalvage/mailsalvage/internal/corpus"
)

// corpusSeeds reads real messages of the corpus eml folder (origins and
// licences in its MANIFEST.tsv), each cut at max bytes when max > 0; none
// when the corpus is absent. Corpus bytes are read at run time, never
// copied into testdata.
func corpusSeeds(max int, names ...string) [][]byte {
	root := corpus.Root()
	if root == "" {
		return nil
	}
	var out [][]byte
	for _, name := range names {
		b, err := os.ReadFile(filepath.Join(root, "eml", filepath.FromSlash(name)))
		if err != nil || len(b) == 0 {
			continue
		}
		if max > 0 && len(b) > max {
			b = b[:max]
		}
		out = append(out, b)
	}
	return out
}

// Seeds: these are written here; the fuzz targets add messages of the
// corpus at run time (corpusSeeds).
var headerSeeds = []string{
	"From: a@example.com\nTo: b@example.com\nSubject: hi\nDate: Mon, 2 Jan 2006 15:04:05 -0700\nMessage-ID: <x@y>\n\nbody\n",
	"Received: from x\r\n\tby y; Mon, 2 Jan 2006 15:04:05 +0000\r\nContent-Type: multipart/mixed; boundary=\"b\"\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\none\r\n--b--\r\n",
	"Subject: =?utf-8?b?w6k=?= =?iso-8859-1?q?=E9t=E9?=\n\n",
	" continuation first\nFrom: x\n\n",
	"X-Very-Long-Name-That-Is-Longer-Than-Forty-Bytes-For-Sure: v\n\n",
	"From: \xff\xfe\x00\n\n",
}

// FuzzParse: Parse, Examine and LooksLikeMessage on any bytes: no
// panic, lengths within the input, fields whose names are field names,
// and Parse and Examine agreeing on where a complete header ends.
//
// Corpus seeds, when the corpus is present: the first 3000 bytes of
// IPED__test_rfc822Multipart.eml, mime4j_core_testresources/testmsgs/example.msg
// and ruby_mail_fixtures/mime_emails/raw_email_with_multipart_mixed_quoted_boundary.eml.
func FuzzParse(f *testing.F) {
	for _, s := range headerSeeds {
		f.Add([]byte(s))
	}
	for _, b := range corpusSeeds(3000,
		"IPED__test_rfc822Multipart.eml",
		"mime4j_core_testresources/testmsgs/example.msg",
		"ruby_mail_fixtures/mime_emails/raw_email_with_multipart_mixed_quoted_boundary.eml",
	) {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		h, n, complete := rfc5322.Parse(data)
		if n < 0 || n > len(data) || n > rfc5322.MaxHeader {
			t.Fatalf("Parse length %d of %d bytes", n, len(data))
		}
		for _, fl := range h {
			if k, ok := rfc5322.FieldName([]byte(fl.Name + ":")); !ok || k != len(fl.Name) {
				t.Fatalf("field name %q is not a field name", fl.Name)
			}
		}
		if complete && n == 0 {
			t.Fatal("a complete header of no bytes")
		}
		blk := rfc5322.Examine(data, 0)
		if blk.Len < 0 || blk.Len > len(data) || blk.Len > rfc5322.MaxHeader {
			t.Fatalf("Examine length %d of %d bytes", blk.Len, len(data))
		}
		if blk.Known > blk.Fields || blk.Trace > blk.Fields {
			t.Fatalf("%d known, %d trace of %d fields", blk.Known, blk.Trace, blk.Fields)
		}
		if blk.Complete && complete && blk.Len != n {
			t.Fatalf("Examine ends the header at %d, Parse at %d", blk.Len, n)
		}
		if blk.LooksLikeMessage() && blk.Fields == 0 {
			t.Fatal("a message of no fields")
		}
		blk.LooksLikeHeader()
		_ = h.First()
		for _, fl := range h {
			rfc5322.KnownField([]byte(fl.Name))
		}
		s := rfc5322.Summarize(h)
		for _, v := range []string{s.Subject, s.From, s.MessageID} {
			if !utf8.ValidString(v) {
				t.Fatalf("summary field %q is not UTF-8", v)
			}
		}
		s2, _, _ := rfc5322.ReadSummary(bytes.NewReader(data))
		_ = s2
		rfc5322.Boundary(h)
	})
}

// FuzzEntities: the MIME walk stays inside the message, nests no deeper
// than its bound, and gives children inside their parents.
//
// Corpus seeds, when the corpus is present: whole messages (3 to 6 KiB)
// IPED__test_rfc822Multipart.eml,
// mime4j_core_testresources/mimetools-testmsgs/badbound.out and
// multi-bad.msg (broken boundaries on purpose) and
// ruby_mail_fixtures/mime_emails/raw_email_with_multipart_mixed_quoted_boundary.eml.
func FuzzEntities(f *testing.F) {
	for _, s := range headerSeeds {
		f.Add([]byte(s))
	}
	for _, b := range corpusSeeds(0,
		"IPED__test_rfc822Multipart.eml",
		"mime4j_core_testresources/mimetools-testmsgs/badbound.out",
		"mime4j_core_testresources/mimetools-testmsgs/multi-bad.msg",
		"ruby_mail_fixtures/mime_emails/raw_email_with_multipart_mixed_quoted_boundary.eml",
	) {
		f.Add(b)
	}
	f.Add([]byte("Content-Type: multipart/mixed; boundary=a\n\n--a\nContent-Type: multipart/alternative; boundary=b\n\n--b\n\nx\n--b--\n--a\n\ny\n--a--\n"))
	f.Add([]byte("Content-Type: multipart/mixed; boundary=a\n\n--a\nContent-Type: multipart/mixed; boundary=a\n\n--a\n--a\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		var stack []rfc5322.Entity
		count := 0
		rfc5322.Entities(data, func(e rfc5322.Entity) bool {
			count++
			if e.Start < 0 || e.Start > e.BodyStart || e.BodyStart > e.End || e.End > len(data) {
				t.Fatalf("entity %d..%d..%d of %d bytes", e.Start, e.BodyStart, e.End, len(data))
			}
			if e.Depth > rfc5322.MaxEntityDepth {
				t.Fatalf("depth %d", e.Depth)
			}
			for len(stack) > e.Depth {
				stack = stack[:len(stack)-1]
			}
			if e.Depth > 0 && len(stack) == e.Depth {
				p := stack[e.Depth-1]
				if e.Start < p.BodyStart || e.End > p.End {
					t.Fatalf("child %d..%d outside parent body %d..%d", e.Start, e.End, p.BodyStart, p.End)
				}
			}
			stack = append(stack, e)
			return count < 10000
		})
		if count == 0 {
			t.Fatal("no entity at all")
		}
	})
}

// FuzzDecodeText: RFC 2047 decoding, Text and MessageID always give valid
// UTF-8 without line breaks.
func FuzzDecodeText(f *testing.F) {
	for _, s := range []string{
		"=?utf-8?b?w6k=?=", "=?iso-8859-1?q?caf=E9?= au lait", "=?UTF-8?Q?a_b?= =?UTF-8?Q?c?=",
		"=?koi8-r?b?8NLJ18XU?=", "=?x-unknown?q?abc?=", "=?utf-8?b?////?=", "plain \xe9t\xe9",
		"<a@b> (comment)", "=?utf-8?q?=00=0A=0D?=",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		for name, s := range map[string]string{"DecodeText": rfc5322.DecodeText(data), "Text": rfc5322.Text(data), "MessageID": rfc5322.MessageID(data)} {
			if !utf8.ValidString(s) {
				t.Fatalf("%s gives invalid UTF-8 %q", name, s)
			}
			if name != "DecodeText" && strings.ContainsAny(s, "\r\n") {
				t.Fatalf("%s keeps a line break: %q", name, s)
			}
		}
	})
}

// FuzzParseDate: no panic; a date it accepts formats and parses back.
func FuzzParseDate(f *testing.F) {
	for _, s := range []string{
		"Mon, 2 Jan 2006 15:04:05 -0700", "2 Jan 2006 15:04:05 +0000 (UTC)", "Tue, 13 Nov 2001 10:11:12 GMT+0000",
		"Mon Jan 2 15:04:05 2006", "2006-01-02T15:04:05Z", "Monday, January 2, 2006 3:04 PM",
		"Thu, 31 Feb 2022 25:61:61 +9999", "((((", "Mon, 2 Jan 99999 15:04:05 -0700",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := rfc5322.ParseDate(s)
		if err != nil {
			if !d.IsZero() {
				t.Fatalf("a date and an error for %q", s)
			}
			return
		}
		if d.IsZero() && !strings.Contains(s, "0001") && !strings.Contains(s, "01") {
			t.Logf("zero date from %q", s)
		}
		_ = d.UTC().Format("2006-01-02_150405")
	})
}
