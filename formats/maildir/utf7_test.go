package maildir

import (
	"slices"
	"testing"
)

func TestDecodeMUTF7(t *testing.T) {
	tests := []struct {
		in   string
		want string
		ok   bool
	}{
		{"INBOX", "INBOX", true},
		{"My Folder", "My Folder", true},
		{"&AOQ-", "ä", true},
		{"Entw&APw-rfe", "Entwürfe", true},
		{"Gel&APY-schte Elemente", "Gelöschte Elemente", true},
		// RFC 3501 section 5.1.3's example
		{"~peter/mail/&U,BTFw-/&ZeVnLIqe-", "~peter/mail/台北/日本語", true},
		{"Tom &- Jerry", "Tom & Jerry", true},
		{"&-&-", "&&", true},
		// a character outside the BMP, as a surrogate pair (U+1F600)
		{"&2D3eAA-", "\U0001F600", true},
		// invalid: kept raw by the caller
		{"Tom&Jerry", "", false},   // unterminated shift
		{"R&D-Team", "", false},    // 6 bits: no whole UTF-16 unit
		{"&AOQ", "", false},        // unterminated
		{"&AOR-", "", false},       // nonzero padding bits
		{"&AGE-", "", false},       // 'a' must be written as itself
		{"&2D0-", "", false},       // lone high surrogate
		{"&3gA-", "", false},       // lone low surrogate
		{"&AOQ/-", "", false},      // '/' is not modified base64
		{"Entwürfe", "", false},    // raw UTF-8 is not modified UTF-7
		{"tab\there", "", false},   // control character
		{"&2D3YPQ-", "", false},    // high surrogate followed by high surrogate
		{"&AOQA5A-", "ää", true},   // two units in one shift
		{"&AOQ-&AOQ-", "ää", true}, // two shifts in a row: not canonical, still unambiguous
		{"&ZeVnLIqe", "", false},   // unterminated after valid base64
		{"plain-name-with-dashes", "plain-name-with-dashes", true},
	}
	for _, tt := range tests {
		got, ok := decodeMUTF7(tt.in)
		if ok != tt.ok || got != tt.want {
			t.Errorf("decodeMUTF7(%q) = %q, %v; want %q, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

func TestFolderPath(t *testing.T) {
	tests := []struct {
		dir  string
		want []string
	}{
		{".Sent", []string{"Sent"}},
		{".My Folder.Nested Folder", []string{"My Folder", "Nested Folder"}},
		{".Work.2024", []string{"Work", "2024"}},
		{".Entw&APw-rfe", []string{"Entwürfe"}},
		{".Archiv.&AOQ-lter", []string{"Archiv", "älter"}},
		// one invalid element keeps the whole name as on disk
		{".R&D.&AOQ-", []string{"R&D", "&AOQ-"}},
		{".Entwürfe.Alt", []string{"Entwürfe", "Alt"}},
		// empty elements: kept whole
		{".A..B", []string{"A..B"}},
		{".A.", []string{"A."}},
		{"..A", []string{".A"}},
	}
	for _, tt := range tests {
		if got := folderPath(tt.dir); !slices.Equal(got, tt.want) {
			t.Errorf("folderPath(%q) = %q, want %q", tt.dir, got, tt.want)
		}
	}
}
