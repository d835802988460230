package eml

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"github.com/mailsalvage/mailsalvage/formats"
)

const plainMsg = `Return-Path: <alice@example.com>
Received: from mx.example.com by mail.example.org; Tue, 1 Aug 2023 10:00:00 +0000
From: Alice <alice@example.com>
To: Bob <bob@example.org>
Subject: Quarterly numbers
Date: Tue, 1 Aug 2023 10:00:00 +0000
Message-ID: <q3@example.com>

See attached.
`

const multipartMsg = `From: Alice <alice@example.com>
To: Bob <bob@example.org>
Subject: With attachment
Date: Tue, 1 Aug 2023 10:00:00 +0000
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="=_b1"

--=_b1
Content-Type: text/plain

Body text.
--=_b1
Content-Type: application/octet-stream
Content-Transfer-Encoding: base64

AAECAwQFBgcICQ==
--=_b1--
`

func TestMatch(t *testing.T) {
	emlx := "497      \n" + plainMsg + "<?xml version=\"1.0\"?>\n<plist version=\"1.0\"><dict></dict></plist>\n"
	tests := []struct {
		name       string
		data       string
		eml, emlxC int
	}{
		{"eml LF", plainMsg, ConfidenceEML, 0},
		{"eml CRLF", crlf(plainMsg), ConfidenceEML, 0},
		{"eml with BOM", "\xef\xbb\xbf" + plainMsg, ConfidenceEML, 0},
		{"eml multipart", multipartMsg, ConfidenceEML, 0},
		{"eml two known fields", "To: bob@example.org\nCc: carol@example.org\n\nhi\n", ConfidenceEML, 0},
		{"emlx", emlx, 0, ConfidenceEMLX},
		{"emlx CRLF count", "1795\r\n" + plainMsg, 0, ConfidenceEMLX},
		{"emlx unpadded", "12\n" + plainMsg, 0, ConfidenceEMLX},
		{"emlx leading spaces", "  12  \n" + plainMsg, 0, ConfidenceEMLX},
		{"emlx count too long", "1234567890123\n" + plainMsg, 0, 0},
		{"count then prose", "12\nthis is not a header\n", 0, 0},
		{"mbox From line", "From alice@example.com Tue Aug  1 10:00:00 2023\n" + plainMsg, 0, 0},
		{"mbox From line after BOM", "\xef\xbb\xbfFrom alice@example.com Tue Aug  1 10:00:00 2023\n" + plainMsg, 0, 0},
		{"binary", "\x00\x01\x02\x03PK\x03\x04", 0, 0},
		{"prose", "Dear Bob,\nhere are the numbers.\n", 0, 0},
		{"one unknown field", "Foo: bar\n\ntext\n", 0, 0},
		{"leading blank line", "\n" + plainMsg, ConfidenceEML, 0},
		{"blank lines and BOM", "\xef\xbb\xbf \r\n\t\n" + plainMsg, ConfidenceEML, 0},
		{"blank line, then prose", "\nDear Bob,\nhere are the numbers.\n", 0, 0},
		{"indented first field", " " + plainMsg, ConfidenceEML, 0},
		{"indented prose", "  Dear Bob,\nhere are the numbers.\n", 0, 0},
		{"empty", "", 0, 0},
		{"one line of prose", "this is an invalid .emlx structure\n", 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := probe([]byte(tt.data), "x")
			if got := MatchEML(p); got != tt.eml {
				t.Errorf("MatchEML = %d, want %d", got, tt.eml)
			}
			if got := MatchEMLX(p); got != tt.emlxC {
				t.Errorf("MatchEMLX = %d, want %d", got, tt.emlxC)
			}
		})
	}
	if MatchEML(nil) != 0 || MatchEMLX(nil) != 0 {
		t.Error("Match(nil) != 0")
	}
}

func TestEML(t *testing.T) {
	longEpilogue := multipartMsg + strings.Repeat("epilogue text that goes on\n", 5000)
	tests := []struct {
		name     string
		data     string
		keep     int // bytes of data kept
		state    formats.State
		warnings [][]string // each: substrings of one expected warning
	}{
		{"LF", plainMsg, len(plainMsg), formats.Intact, nil},
		{"CRLF", crlf(plainMsg), len(crlf(plainMsg)), formats.Intact, nil},
		{"no final newline", strings.TrimSuffix(plainMsg, "\n"), len(plainMsg) - 1, formats.Intact, nil},
		{"multipart", multipartMsg, len(multipartMsg), formats.Intact, nil},
		{"multipart CRLF", crlf(multipartMsg), len(crlf(multipartMsg)), formats.Intact, nil},
		{"multipart, closing delimiter before a long epilogue", longEpilogue, len(longEpilogue), formats.Intact, nil},
		{"trailing NULs", plainMsg + strings.Repeat("\x00", 300), len(plainMsg), formats.Intact,
			[][]string{{"300 trailing NUL bytes", "offset 281 (0x119)"}}},
		{"trailing junk", plainMsg + "\x13\x07\x01\x00", len(plainMsg), formats.Intact,
			[][]string{{"1 trailing NUL bytes", "offset 284"}, {"3 bytes of trailing binary data", "offset 281 (0x119)"}}},
		{"truncated multipart", multipartMsg[:len(multipartMsg)-30], len(multipartMsg) - 30, formats.Partial,
			[][]string{{`closing delimiter "--=_b1--" not found`, "truncated"}}},
		{"truncated multipart with slack", multipartMsg[:200] + strings.Repeat("\x00", 512), 200, formats.Partial,
			[][]string{{"512 trailing NUL bytes", "offset 200"}, {`"--=_b1--" not found`}}},
		{"closing delimiter cut short", strings.TrimSuffix(multipartMsg, "-\n"), len(multipartMsg) - 2, formats.Intact,
			[][]string{{`closing delimiter cut short ("--=_b1-" instead of "--=_b1--"`}}},
		{"header without end", "From: a@example.com\nSubject: cut\nReceived: from x", 49, formats.Partial,
			[][]string{{"ends inside its header section", "offset 49"}}},
		{"header runs past 1 MiB", "From: a@example.com\nSubject: x\n" + strings.Repeat("X-Filler: "+strings.Repeat("y", 80)+"\n", 13000), -1, formats.Partial,
			[][]string{{"no empty line ends the header section within the first 1048576 bytes"}}},
		{"BOM kept", "\xef\xbb\xbf" + plainMsg, len(plainMsg) + 3, formats.Intact,
			[][]string{{"byte order mark", "offset 3"}}},
		{"non-field line in header", "From: a@example.com\nSubject: x\nnot a field\nDate: Tue, 1 Aug 2023 10:00:00 +0000\n\nbody\n", -1, formats.Intact,
			[][]string{{"offset 31 (0x1f) is neither a header field", "empty line at offset 80"}}},
		{"emlx without count line", plainMsg + "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<!DOCTYPE plist PUBLIC \"-//Apple//DTD PLIST 1.0//EN\" \"x\">\n<plist version=\"1.0\">\n<dict/>\n</plist>\n", -1, formats.Intact,
			[][]string{{"Apple Mail property list at offset 281", "without its byte count line"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data := []byte(tt.data)
			keep := tt.keep
			if keep < 0 {
				keep = len(data)
			}
			m, got := openOne(t, "eml", data, "")
			if !bytes.Equal(got, data[:keep]) {
				t.Errorf("message bytes differ from the first %d bytes of the file (got %d bytes)", keep, len(got))
			}
			if m.State != tt.state {
				t.Errorf("State = %s, want %s", m.State, tt.state)
			}
			if m.Method != "eml" || m.Evidence != "" || m.Folder != nil {
				t.Errorf("Method, Evidence, Folder = %q, %q, %q", m.Method, m.Evidence, m.Folder)
			}
			if want := formats.Span("eml", 0, int64(keep), "").String(); len(m.Chain) != 1 || m.Chain.String() != want {
				t.Errorf("Chain = %s, want %s", m.Chain, want)
			}
			if len(m.Warnings) != len(tt.warnings) {
				t.Fatalf("warnings = %q, want %d", m.Warnings, len(tt.warnings))
			}
			for i, parts := range tt.warnings {
				if !hasWarning(m.Warnings[i:i+1], parts...) {
					t.Errorf("warning %d = %q, want it to contain %q", i, m.Warnings[i], parts)
				}
			}
		})
	}
}

// TestEMLLeadingBlankLines: a file saved with blank lines before the
// header is read from its header; the provenance span and a warning say
// which bytes were left out.
func TestEMLLeadingBlankLines(t *testing.T) {
	for _, lead := range []string{"\n", " \r\n\t\n", "\xef\xbb\xbf\n", strings.Repeat(" ", 255) + "\n", " ", "\n\t"} {
		data := []byte(lead + plainMsg)
		m, got := openOne(t, "eml", data, "")
		if string(got) != plainMsg {
			t.Errorf("%q: message = %q, want the file from its header", lead, got)
		}
		if want := formats.Span("eml", int64(len(lead)), int64(len(plainMsg)), "").String(); m.Chain.String() != want {
			t.Errorf("%q: Chain = %s, want %s", lead, m.Chain, want)
		}
		if m.State != formats.Intact || len(m.Warnings) != 1 || !hasWarning(m.Warnings, fmt.Sprintf("%d bytes before the header", len(lead))) {
			t.Errorf("%q: state %s, warnings %q", lead, m.State, m.Warnings)
		}
	}
}

func TestEMLErrors(t *testing.T) {
	f, _ := formats.Lookup("eml")
	for _, data := range []string{"", "\x00\x00\x00", "\x01\x02"} {
		if _, err := f.OpenFile(strings.NewReader(data), int64(len(data)), nil); err == nil {
			t.Errorf("OpenFile(%q): no error", data)
		}
	}
}
