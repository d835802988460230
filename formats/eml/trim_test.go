package eml

import (
	"bytes"
	"strings"
	"testing"
)

func TestTrim(t *testing.T) {
	text := "Subject: x\n\nbody\n"
	big := strings.Repeat("a", 3*chunkSize+17) + "\n"
	tests := []struct {
		name     string
		data     string
		keep     int
		warnings []string // substrings, one per expected warning, in order
	}{
		{"clean", text, len(text), nil},
		{"empty", "", 0, nil},
		{"nul", text + "\x00\x00\x00", len(text), []string{"3 trailing NUL bytes at offset 17 (0x11)"}},
		{"junk", text + "\x01\x02\x7f\x03\x04", len(text) + 3, []string{"2 bytes of trailing binary data at offset 20 (0x14)"}},
		{"junk then nul", text + "\x01\x00\x02" + strings.Repeat("\x00", 5), len(text), []string{
			"5 trailing NUL bytes at offset 20 (0x14)",
			"3 bytes of trailing binary data at offset 17 (0x11)",
		}},
		{"keeps text controls", text + "\t\r\n\f\x1b", len(text) + 5, nil},
		{"all nul", "\x00\x00\x00\x00", 0, []string{"4 trailing NUL bytes at offset 0 (0x0)"}},
		{"all binary", "\x01\x02\x00", 0, []string{"1 trailing NUL bytes at offset 2", "2 bytes of trailing binary data at offset 0"}},
		{"long slack", text + strings.Repeat("\x00", 2*chunkSize+5), len(text), []string{"131077 trailing NUL bytes at offset 17"}},
		{"long text", big + "\x00", len(big), []string{"1 trailing NUL bytes at offset 196626"}},
		{"nul inside kept", "a\x00b\n", 4, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			keep, ws, err := Trim(strings.NewReader(tt.data), int64(len(tt.data)))
			if err != nil {
				t.Fatal(err)
			}
			if keep != int64(tt.keep) {
				t.Errorf("keep = %d, want %d", keep, tt.keep)
			}
			if len(ws) != len(tt.warnings) {
				t.Fatalf("warnings = %q, want %d", ws, len(tt.warnings))
			}
			for i, w := range tt.warnings {
				if !strings.Contains(ws[i], w) {
					t.Errorf("warning %d = %q, want it to contain %q", i, ws[i], w)
				}
			}
		})
	}
}

func TestTrimShortReader(t *testing.T) {
	// a reader shorter than the size it is opened with is an error, not a
	// silent truncation
	if _, _, err := Trim(bytes.NewReader([]byte("abc")), 10); err == nil {
		t.Fatal("Trim of a short reader: no error")
	}
}
