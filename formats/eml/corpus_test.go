package eml

import (
	"bytes"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mailsalvage/mailsalvage/formats"
	"github.com/mailsalvage/mailsalvage/formats/rfc5322"
)

// corpus is the shared collection of real files from other software (see
// its MANIFEST.tsv). It is never copied into the project.
const corpus = "../../../shared/corpus"

func corpusDir(t *testing.T, sub string) string {
	t.Helper()
	dir := filepath.Join(corpus, sub)
	if _, err := os.Stat(dir); err != nil {
		t.Skipf("corpus not available: %v", err)
	}
	return dir
}

func subject(t *testing.T, msg []byte) string {
	t.Helper()
	s, _, err := rfc5322.ReadSummary(bytes.NewReader(msg))
	if err != nil {
		t.Fatal(err)
	}
	return s.Subject
}

func TestCorpusEMLX(t *testing.T) {
	dir := corpusDir(t, "emlx")
	type want struct {
		format string // the format Match picks: "emlx", "eml" or ""
		state  formats.State
		method string
		// substrings of warnings expected, all in one warning each
		warnings [][]string
	}
	tree := "applemail_tree__partial-emlx-converter/Messages/"
	cases := map[string]want{
		"terhechte-emlx__1.emlx": {"emlx", formats.Partial, "emlx", [][]string{{"2.2, 2.4, 2.6, 2.8", "does not start with the message number"}}},
		"terhechte-emlx__2.emlx": {"emlx", formats.Intact, "emlx", nil},
		"terhechte-emlx__3.emlx": {"emlx", formats.Intact, "emlx", nil},
		"terhechte-emlx__4.emlx": {"emlx", formats.Intact, "emlx", nil},
		// the count line says 497 but 495 message bytes follow, and no
		// property list
		"terhechte-emlx__broken1.emlx": {"emlx", formats.Partial, "emlx", [][]string{{"says 497 message bytes but the file holds only 495"}}},
		// no count line: an RFC 5322 message followed by a property list
		"terhechte-emlx__broken2.emlx": {"eml", formats.Intact, "eml", [][]string{{"Apple Mail property list at offset 471"}}},
		// the count line says 1497, the file is 990 bytes
		"terhechte-emlx__broken3.emlx":         {"emlx", formats.Partial, "emlx", [][]string{{"says 1497 message bytes but the file is 990 bytes long"}}},
		"mikez-emlx__plaintext.emlx":           {"emlx", formats.Intact, "emlx", nil},
		"mikez-emlx__richtext.emlx":            {"emlx", formats.Intact, "emlx", nil},
		"Tika__testEMLX.emlx":                  {"emlx", formats.Intact, "emlx", nil},
		"partial-emlx-converter__invalid.emlx": {"", "", "", nil},
		tree + "114862.emlx":                   {"emlx", formats.Intact, "emlx", nil},
		tree + "11507.emlx":                    {"emlx", formats.Intact, "emlx", nil},
		tree + "114892.partial.emlx":           {"emlx", formats.Intact, "emlx-reassembled", nil},
		tree + "114894.partial.emlx":           {"emlx", formats.Intact, "emlx-reassembled", nil},
		tree + "114893.partial.emlx":           {"emlx", formats.Partial, "emlx", [][]string{{"there is no folder ../Attachments/114893"}}},
		// also ends "--boundary-<?xml": the closing delimiter lost a dash
		tree + "114895.partial.emlx": {"emlx", formats.Partial, "emlx", [][]string{{"closing delimiter cut short"}, {"there is no folder ../Attachments/114895"}}},
		// These three have a count larger than the message (their test
		// data was edited without updating it) and attachment files that
		// are not the original data.
		tree + "136153.partial.emlx": {"emlx", formats.Partial, "emlx-reassembled", [][]string{{"says 3007 message bytes"}, {"X-Apple-Content-Length is 702736"}}},
		tree + "207046.partial.emlx": {"emlx", formats.Partial, "emlx-reassembled", [][]string{{"says 1595 message bytes"}, {"X-Apple-Content-Length is 1170460"}}},
		tree + "229417.partial.emlx": {"emlx", formats.Partial, "emlx-reassembled", [][]string{{"says 2698 message bytes"}, {"X-Apple-Content-Length is 138412"}}},
		tree + "465622.partial.emlx": {"emlx", formats.Intact, "emlx-reassembled", nil},
	}
	seen := 0
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel := filepath.ToSlash(strings.TrimPrefix(path, dir+string(filepath.Separator)))
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		p := probe(data, path)
		w, listed := cases[rel]
		if !listed {
			// attachment files: no format claims them, and opening them
			// as either format must fail cleanly
			if MatchEML(p) != 0 || MatchEMLX(p) != 0 {
				t.Errorf("%s: claimed by a format", rel)
			}
			if _, err := OpenEMLX(bytes.NewReader(data), int64(len(data)), p); !errors.Is(err, ErrFormat) {
				t.Errorf("%s: OpenEMLX error = %v, want ErrFormat", rel, err)
			}
			OpenEML(bytes.NewReader(data), int64(len(data)), p)
			return nil
		}
		seen++
		t.Run(rel, func(t *testing.T) {
			got := ""
			switch {
			case MatchEMLX(p) > 0 && MatchEMLX(p) > MatchEML(p):
				got = "emlx"
			case MatchEML(p) > 0:
				got = "eml"
			}
			if got != w.format {
				t.Fatalf("detected as %q, want %q", got, w.format)
			}
			if got == "" {
				if _, err := OpenEMLX(bytes.NewReader(data), int64(len(data)), p); !errors.Is(err, ErrFormat) {
					t.Errorf("OpenEMLX error = %v, want ErrFormat", err)
				}
				return
			}
			m, msg := openOne(t, got, data, path)
			if m.State != w.state || m.Method != w.method {
				t.Errorf("State %s, Method %s; want %s, %s", m.State, m.Method, w.state, w.method)
			}
			if len(m.Warnings) != len(w.warnings) {
				t.Errorf("warnings = %q, want %d", m.Warnings, len(w.warnings))
			} else {
				for i, parts := range w.warnings {
					if !hasWarning(m.Warnings[i:i+1], parts...) {
						t.Errorf("warning %d = %q, want it to contain %q", i, m.Warnings[i], parts)
					}
				}
			}
			if s := subject(t, msg); s == "" && !strings.Contains(rel, "broken2") {
				t.Errorf("no subject")
			}
			if got == "emlx" && m.Attrs["emlx_flags"] == "" && !strings.Contains(rel, "broken1") {
				t.Errorf("no flags from the property list; attrs %q", m.Attrs)
			}
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if seen != len(cases) {
		t.Errorf("%d of the %d expected corpus files found", seen, len(cases))
	}
}

// TestCorpusReassembly checks the rebuilt messages of the Apple Mail tree
// part by part: every part Apple Mail stored apart decodes to exactly the
// attachment file it was filled from.
func TestCorpusReassembly(t *testing.T) {
	dir := corpusDir(t, "emlx/applemail_tree__partial-emlx-converter")
	tests := []struct {
		id    string
		files map[int]string // index of the leaf part, depth first -> attachment file
	}{
		{"114892", map[int]string{2: "2.2/short.txt", 4: "2.4/original.doc", 6: "2.6/text.txt", 8: "2.8/image001.png"}},
		{"114894", map[int]string{2: "2.2/short.txt", 4: "2.4/original.doc", 6: "2.6/text.txt", 8: "2.8/Mail-Anhang.png"}},
		{"136153", map[int]string{1: "2/ReallyReallyReallyReallyReallyReallyReallyReallyReallyReallylong_filename.xls"}},
		{"207046", map[int]string{1: "2/Tübingen.pdf"}},
		{"229417", map[int]string{1: "2/Warnmeldung_unbekannter_Art.png"}},
		{"465622", map[int]string{1: "2/7.10_第2回研究会.pdf"}},
	}
	for _, tt := range tests {
		t.Run(tt.id, func(t *testing.T) {
			path := filepath.Join(dir, "Messages", tt.id+".partial.emlx")
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			m, msg := openOne(t, "emlx", data, path)
			if m.Method != "emlx-reassembled" {
				t.Fatalf("Method %s, warnings %q", m.Method, m.Warnings)
			}
			parts := decodeParts(t, msg)
			for i, name := range tt.files {
				want, err := os.ReadFile(filepath.Join(dir, "Attachments", tt.id, filepath.FromSlash(name)))
				if err != nil {
					t.Fatal(err)
				}
				if i >= len(parts) || !bytes.Equal(parts[i], want) {
					t.Errorf("leaf part %d does not decode to %s", i, name)
				}
				num := strings.Split(name, "/")[0]
				if m.Attrs["emlx_attachment_"+num] != "../Attachments/"+tt.id+"/"+name || m.Attrs["emlx_attachment_"+num+"_sha256"] != sha(want) {
					t.Errorf("attrs for part %s: %q, %q", num, m.Attrs["emlx_attachment_"+num], m.Attrs["emlx_attachment_"+num+"_sha256"])
				}
			}
		})
	}
}

func TestCorpusEML(t *testing.T) {
	dir := corpusDir(t, "eml")
	matched, other := 0, 0
	states := map[formats.State]int{}
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		rel := strings.TrimPrefix(path, dir+string(filepath.Separator))
		p := probe(data, path)
		if MatchEML(p) == 0 {
			other++
			// whatever it is, opening it must not panic
			if src, err := OpenEML(bytes.NewReader(data), int64(len(data)), p); err == nil {
				m, _ := src.Next()
				readMessage(t, m)
			}
			return nil
		}
		matched++
		keep, _, err := Trim(bytes.NewReader(data), int64(len(data)))
		if err != nil {
			t.Fatal(err)
		}
		m, msg := openOne(t, "eml", data, path)
		start := FileLead(data).Start // blank lines before the header are left out
		if !bytes.Equal(msg, data[start:keep]) {
			t.Errorf("%s: message is not the file minus its trimmed tail (and blank lines in front)", rel)
		}
		states[m.State]++
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("eml corpus: %d files claimed (%v), %d not", matched, states, other)
	if matched < 400 {
		t.Errorf("only %d corpus files claimed as eml", matched)
	}
}
