package eml

import (
	"bytes"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/mailsalvage/mailsalvage/formats"
)

const plistHead = `<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">
<plist version="1.0">
`

// applePlist is the property list Apple Mail writes, with the given flags.
func applePlist(flags uint64) string {
	return plistHead + fmt.Sprintf(`<dict>
	<key>color</key>
	<string>000000</string>
	<key>conversation-id</key>
	<integer>123456</integer>
	<key>date-last-viewed</key>
	<integer>0</integer>
	<key>date-received</key>
	<integer>1517000478</integer>
	<key>flags</key>
	<integer>%d</integer>
	<key>remote-id</key>
	<string>50758</string>
</dict>
</plist>
`, flags)
}

// emlxOf lays out an .emlx: count line (padded as Apple Mail pads it),
// message, property list.
func emlxOf(count int, msg, plist string) string {
	return fmt.Sprintf("%-10d\n", count) + msg + plist
}

func TestEMLX(t *testing.T) {
	const countLen = 11
	good := applePlist(8623689857)
	tests := []struct {
		name     string
		data     string
		msg      string // expected message bytes
		off      int64  // expected offset of the message
		state    formats.State
		warnings [][]string
		attrs    map[string]string // expected attrs (a subset)
	}{
		{
			name: "intact", data: emlxOf(len(plainMsg), plainMsg, good), msg: plainMsg, off: countLen, state: formats.Intact,
			attrs: map[string]string{
				"emlx_byte_count":       "281",
				"emlx_flags":            "8623689857",
				"emlx_flag_names":       "read,initial,not_junk,bit33",
				"emlx_attachment_count": "4",
				"emlx_priority":         "3",
				"emlx_date_received":    "2018-01-26T21:01:18Z",
				"emlx_date_last_viewed": "0",
				"emlx_remote_id":        "50758",
				"emlx_color":            "000000",
				"emlx_conversation_id":  "123456",
			},
		},
		{
			name: "CRLF", data: "281\r\n" + crlf(plainMsg)[:281] + good, msg: crlf(plainMsg)[:281], off: 5, state: formats.Intact,
		},
		{
			name: "deleted", data: emlxOf(len(plainMsg), plainMsg, applePlist(3)), msg: plainMsg, off: countLen, state: formats.Deleted,
			attrs: map[string]string{"emlx_flag_names": "read,deleted"},
		},
		{
			name: "count larger than the file", data: emlxOf(5000, plainMsg, good), msg: plainMsg, off: countLen, state: formats.Partial,
			warnings: [][]string{{"byte count says 5000 message bytes", "file is 781 bytes long", "offset 292 (0x124)", "after 281 message bytes"}},
		},
		{
			name: "count into the property list", data: emlxOf(len(plainMsg)+40, plainMsg, good), msg: plainMsg, off: countLen, state: formats.Partial,
			warnings: [][]string{{"byte count says 321 message bytes but the property list starts at offset 292"}},
		},
		{
			name: "truncated, no property list", data: emlxOf(5000, plainMsg, ""), msg: plainMsg, off: countLen, state: formats.Partial,
			warnings: [][]string{{"byte count says 5000 message bytes but the file holds only 281", "no property list"}},
		},
		{
			name: "deleted and truncated", data: emlxOf(5000, plainMsg, applePlist(2)), msg: plainMsg, off: countLen, state: formats.Deleted,
			warnings: [][]string{{"byte count says 5000"}, {"state is deleted"}},
			attrs:    map[string]string{"emlx_flag_names": "deleted"},
		},
		{
			name: "count smaller than the message", data: emlxOf(len(plainMsg)-10, plainMsg, good), msg: plainMsg, off: countLen, state: formats.Intact,
			warnings: [][]string{{"byte count says 271 message bytes but the property list starts 10 bytes later, at offset 292", "kept as part of the message"}},
		},
		{
			name: "white space before the property list", data: emlxOf(len(plainMsg), plainMsg, "\n\n"+good), msg: plainMsg, off: countLen, state: formats.Intact,
		},
		{
			name: "no property list", data: emlxOf(len(plainMsg), plainMsg, ""), msg: plainMsg, off: countLen, state: formats.Intact,
			warnings: [][]string{{"no property list after the message"}},
		},
		{
			name: "garbage instead of property list", data: emlxOf(len(plainMsg), plainMsg, "garbage"), msg: plainMsg, off: countLen, state: formats.Intact,
			warnings: [][]string{{"no property list found after the message: 7 bytes at offset 292"}},
		},
		{
			name: "unparsable property list", data: emlxOf(len(plainMsg), plainMsg, plistHead+"<dict><key>flags</key><integer>3"), msg: plainMsg, off: countLen, state: formats.Intact,
			warnings: [][]string{{"property list at offset 292"}},
		},
		{
			name: "flags not a number", data: emlxOf(len(plainMsg), plainMsg, plistHead+"<dict><key>flags</key><integer>-2</integer></dict></plist>"), msg: plainMsg, off: countLen, state: formats.Intact,
			warnings: [][]string{{`flags "-2" is not a non-negative integer`}},
			attrs:    map[string]string{"emlx_flags": "-2"},
		},
		{
			name: "disk slack after the property list", data: emlxOf(len(plainMsg), plainMsg, good) + strings.Repeat("\x00", 1000), msg: plainMsg, off: countLen, state: formats.Intact,
			warnings: [][]string{{"1000 trailing NUL bytes at offset 781"}},
		},
		{
			name: "truncated multipart", data: emlxOf(len(multipartMsg)-30, multipartMsg[:len(multipartMsg)-30], good), msg: multipartMsg[:len(multipartMsg)-30], off: countLen, state: formats.Partial,
			warnings: [][]string{{`closing delimiter "--=_b1--" not found`}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, got := openOne(t, "emlx", []byte(tt.data), "")
			if string(got) != tt.msg {
				t.Errorf("message = %q, want %q", got, tt.msg)
			}
			if want := formats.Span("emlx", tt.off, int64(len(tt.msg)), "").String(); len(m.Chain) != 1 || m.Chain.String() != want {
				t.Errorf("Chain = %s, want %s", m.Chain, want)
			}
			if m.Method != "emlx" {
				t.Errorf("Method = %q", m.Method)
			}
			if m.State != tt.state {
				t.Errorf("State = %s, want %s", m.State, tt.state)
			}
			if len(m.Warnings) != len(tt.warnings) {
				t.Fatalf("warnings = %q, want %d", m.Warnings, len(tt.warnings))
			}
			for i, parts := range tt.warnings {
				if !hasWarning(m.Warnings[i:i+1], parts...) {
					t.Errorf("warning %d = %q, want it to contain %q", i, m.Warnings[i], parts)
				}
			}
			for k, v := range tt.attrs {
				if m.Attrs[k] != v {
					t.Errorf("Attrs[%s] = %q, want %q", k, m.Attrs[k], v)
				}
			}
		})
	}
}

func TestEMLXErrors(t *testing.T) {
	f, _ := formats.Lookup("emlx")
	tests := []struct {
		name, data string
	}{
		{"not a count", "this is an invalid .emlx structure\n"},
		{"count only", "123\n"},
		{"count then slack", "123\n\x00\x00\x00"},
		{"empty", ""},
		{"count without newline", "123"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := f.OpenFile(strings.NewReader(tt.data), int64(len(tt.data)), nil)
			if !errors.Is(err, ErrFormat) {
				t.Errorf("OpenFile error = %v, want ErrFormat", err)
			}
		})
	}
}

func TestFlags(t *testing.T) {
	tests := []struct {
		f                     Flags
		names                 string
		attachments, priority int
		fontDelta             int
	}{
		{0, "", 0, 0, 0},
		{8623689857, "read,initial,not_junk,bit33", 4, 3, 0},
		{FlagRead | FlagDeleted | FlagAnswered | FlagEncrypted | FlagFlagged | FlagRecent | FlagDraft | FlagInitial | FlagForwarded | FlagRedirected,
			"read,deleted,answered,encrypted,flagged,recent,draft,initial,forwarded,redirected", 0, 0, 0},
		{FlagSigned | FlagJunk | FlagNotJunk | FlagJunkLevelRecorded | FlagHighlightInTOC, "signed,junk,not_junk,junk_level_recorded,highlight_text_in_toc", 0, 0, 0},
		{63<<10 | 127<<16 | 7<<26, "", 63, 127, 7},
		{1 << 63, "bit63", 0, 0, 0},
	}
	for _, tt := range tests {
		if got := tt.f.String(); got != tt.names {
			t.Errorf("Flags(%d).String() = %q, want %q", uint64(tt.f), got, tt.names)
		}
		if tt.f.AttachmentCount() != tt.attachments || tt.f.Priority() != tt.priority || tt.f.FontSizeDelta() != tt.fontDelta {
			t.Errorf("Flags(%d): attachments %d, priority %d, font delta %d; want %d, %d, %d", uint64(tt.f),
				tt.f.AttachmentCount(), tt.f.Priority(), tt.f.FontSizeDelta(), tt.attachments, tt.priority, tt.fontDelta)
		}
	}
}

func TestReadPlist(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    []PlistEntry
		wantErr bool
	}{
		{"apple", applePlist(1), []PlistEntry{
			{"color", "string", "000000"}, {"conversation-id", "integer", "123456"},
			{"date-last-viewed", "integer", "0"}, {"date-received", "integer", "1517000478"},
			{"flags", "integer", "1"}, {"remote-id", "string", "50758"},
		}, false},
		{"kinds", plistHead + `<dict><key>t</key><true/><key>f</key><false/><key>r</key><real>1.5</real>
			<key>d</key><date>2020-02-06T13:39:55Z</date><key>n</key><dict><key>x</key><string>y</string></dict>
			<key>a</key><array><string>1</string></array><key>s</key><string>&lt;a&gt; &amp; b</string></dict></plist>`,
			[]PlistEntry{{"t", "true", ""}, {"f", "false", ""}, {"r", "real", "1.5"}, {"d", "date", "2020-02-06T13:39:55Z"},
				{"n", "dict", ""}, {"a", "array", ""}, {"s", "string", "<a> & b"}}, false},
		{"cut short", plistHead + `<dict><key>flags</key><integer>3</integer><key>remote-id</key><string>7`,
			[]PlistEntry{{"flags", "integer", "3"}}, true},
		{"no dict", plistHead + `<array></array></plist>`, nil, true},
		{"not xml", "\x00\x01garbage<<<", nil, true},
		{"no declaration", `<plist version="1.0"><dict><key>flags</key><integer>8</integer></dict></plist>`,
			[]PlistEntry{{"flags", "integer", "8"}}, false},
		{"other charset declared", `<?xml version="1.0" encoding="ISO-8859-1"?><plist><dict><key>k</key><string>v</string></dict></plist>`,
			[]PlistEntry{{"k", "string", "v"}}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ReadPlist(strings.NewReader(tt.in))
			if (err != nil) != tt.wantErr {
				t.Errorf("err = %v, want error %v", err, tt.wantErr)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("entries = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestReadLayoutDoesNotTrustCount(t *testing.T) {
	// a huge declared count must not make anything allocate or read
	// beyond the file
	data := []byte("999999999999\n" + plainMsg)
	l, err := ReadLayout(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	if l.Declared != 999999999999 || l.Length != int64(len(plainMsg)) || !l.Truncated || l.Plist != -1 {
		t.Errorf("layout = %+v", l)
	}
}
