package eml

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/mail"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mailsalvage/mailsalvage/formats"
)

// partialTemplate is a .partial.emlx message with three elided parts,
// numbered as IMAP numbers them: 2, 3.2 and 3.3. {{n}} marks where the
// data of part n goes; the stored file has nothing there.
const partialTemplate = `From: Alice <alice@example.com>
To: Bob <bob@example.org>
Subject: Partial
Date: Tue, 1 Aug 2023 10:00:00 +0000
Message-Id: <partial@example.com>
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="outer"

--outer
Content-Type: text/plain

hello
--outer
Content-Type: application/octet-stream; name=data.bin
Content-Disposition: attachment; filename=data.bin
Content-Transfer-Encoding: BASE64
X-Apple-Content-Length: {{2len}}

{{2}}
--outer
Content-Type: multipart/mixed; boundary="inner"

--inner
Content-Type: text/html

<p>hi</p>
--inner
Content-Type: text/plain; charset=utf-8
Content-Disposition: attachment;
	filename*0="no";
	filename*1="tes.txt"
Content-Transfer-Encoding: quoted-printable
X-Apple-Content-Length: {{3.2len}}

{{3.2}}
--inner
Content-Type: text/plain
Content-Transfer-Encoding: 7bit
X-Apple-Content-Length: 12

{{3.3}}
--inner--

--outer--
`

var (
	partData = func() []byte {
		b := make([]byte, 200)
		for i := range b {
			b[i] = byte(i * 7)
		}
		return b
	}()
	partNotes = "caf\xc3\xa9 = 1\n"
	partShort = "Short text.\n"
)

// partialFixture writes a mailbox with Messages/77.partial.emlx and its
// Attachments, and returns the .emlx path, its contents and the message
// as it should be rebuilt.
func partialFixture(t *testing.T, eol string) (path string, file, want []byte) {
	t.Helper()
	// base64 of partData, as Python's base64 module gives it, in 76-character lines
	b64 := "AAcOFRwjKjE4P0ZNVFtiaXB3foWMk5qhqK+2vcTL0tng5+71/AMKERgfJi00O0JJUFdeZWxzeoGI" + eol +
		"j5adpKuyucDHztXc4+rx+P8GDRQbIikwNz5FTFNaYWhvdn2Ei5KZoKeutbzDytHY3+bt9PsCCRAX" + eol +
		"HiUsMzpBSE9WXWRrcnmAh46VnKOqsbi/xs3U2+Lp8Pf+BQwTGiEoLzY9REtSWWBnbnV8g4qRmJ+m" + eol +
		"rbS7wsnQ197l7PP6AQgPFh0kKzI5QEdOVVxjanE="
	b64len := fmt.Sprint(len(b64))
	qp := "caf=C3=A9 =3D 1" + eol
	fill := strings.NewReplacer("{{2}}", b64, "{{3.2}}", qp, "{{3.3}}", partShort, "{{2len}}", b64len, "{{3.2len}}", "17")
	empty := strings.NewReplacer("{{2}}", "", "{{3.2}}", "", "{{3.3}}", "", "{{2len}}", b64len, "{{3.2len}}", "17")
	tmpl := strings.ReplaceAll(partialTemplate, "\n", eol)
	want = []byte(fill.Replace(tmpl))
	stored := empty.Replace(tmpl)
	file = []byte(emlxOf(len(stored), stored, applePlist(1)))

	root := filepath.Join(t.TempDir(), "Inbox.mbox")
	write := func(rel string, data []byte) {
		p := filepath.Join(root, filepath.FromSlash(rel))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("Messages/77.partial.emlx", file)
	write("Attachments/77/2/data.bin", partData)
	write("Attachments/77/2/.DS_Store", []byte("x"))
	write("Attachments/77/3.2/other.txt", []byte("not this one"))
	write("Attachments/77/3.2/notes.txt", []byte(partNotes))
	write("Attachments/77/3.3/Mail-Anhang.txt", []byte(partShort))
	return filepath.Join(root, "Messages", "77.partial.emlx"), file, want
}

func sha(b []byte) string { s := sha256.Sum256(b); return hex.EncodeToString(s[:]) }

func TestPartialEMLX(t *testing.T) {
	for _, eol := range []string{"\n", "\r\n"} {
		t.Run(map[string]string{"\n": "LF", "\r\n": "CRLF"}[eol], func(t *testing.T) {
			path, file, want := partialFixture(t, eol)
			m, got := openOne(t, "emlx", file, path)
			if !bytes.Equal(got, want) {
				t.Errorf("rebuilt message differs:\n got %q\nwant %q", got, want)
			}
			if m.Method != "emlx-reassembled" || m.State != formats.Intact || len(m.Warnings) != 0 {
				t.Errorf("Method %q, State %s, warnings %q", m.Method, m.State, m.Warnings)
			}
			for k, v := range map[string]string{
				"emlx_elided_parts":          "2,3.2,3.3",
				"emlx_attachment_2":          "../Attachments/77/2/data.bin",
				"emlx_attachment_2_sha256":   sha(partData),
				"emlx_attachment_3.2":        "../Attachments/77/3.2/notes.txt",
				"emlx_attachment_3.2_sha256": sha([]byte(partNotes)),
				"emlx_attachment_3.3":        "../Attachments/77/3.3/Mail-Anhang.txt",
				"emlx_attachment_3.3_sha256": sha([]byte(partShort)),
			} {
				if m.Attrs[k] != v {
					t.Errorf("Attrs[%s] = %q, want %q", k, m.Attrs[k], v)
				}
			}
			// the chain still points at the stored message in the .emlx
			if c, want := m.Chain.String(), formats.Span("emlx", 11, int64(len(file)-11-len(applePlist(1))), "").String()+
				" -> emlx-reassembled parts 2,3.2,3.3 filled from ../Attachments/77"; c != want {
				t.Errorf("Chain = %s", c)
			}
			// and the parts decode to the files' contents
			parts := decodeParts(t, got)
			wantParts := [][]byte{[]byte("hello"), partData, []byte("<p>hi</p>"), []byte(partNotes), []byte(partShort)}
			if len(parts) != len(wantParts) {
				t.Fatalf("%d parts decoded, want %d", len(parts), len(wantParts))
			}
			for i, w := range wantParts {
				// text parts end with the line ending before the delimiter
				p := bytes.TrimRight(bytes.ReplaceAll(parts[i], []byte("\r\n"), []byte("\n")), "\n")
				if !bytes.Equal(p, bytes.TrimRight(w, "\n")) {
					t.Errorf("part %d decodes to %q, want %q", i, p, w)
				}
			}
			// Open can be called again
			if again := readMessage(t, m); !bytes.Equal(again, got) {
				t.Error("second Open gives other bytes")
			}
		})
	}
}

// decodeParts returns the decoded leaf bodies of a MIME message, depth
// first.
func decodeParts(t *testing.T, msg []byte) [][]byte {
	t.Helper()
	mm, err := mail.ReadMessage(bytes.NewReader(msg))
	if err != nil {
		t.Fatal(err)
	}
	var out [][]byte
	var walk func(ct string, body io.Reader)
	walk = func(ct string, body io.Reader) {
		_, params, err := mime.ParseMediaType(ct)
		if err != nil {
			t.Fatal(err)
		}
		mr := multipart.NewReader(body, params["boundary"])
		for {
			p, err := mr.NextRawPart()
			if err == io.EOF {
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			pct := p.Header.Get("Content-Type")
			if strings.HasPrefix(pct, "multipart/") {
				walk(pct, p)
				continue
			}
			var r io.Reader = p
			switch strings.ToLower(p.Header.Get("Content-Transfer-Encoding")) {
			case "base64":
				r = newBase64Decoder(p)
			case "quoted-printable":
				r = newQPDecoder(p)
			}
			b, err := io.ReadAll(r)
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, b)
		}
	}
	walk(mm.Header.Get("Content-Type"), mm.Body)
	return out
}

func TestPartialEMLXMissing(t *testing.T) {
	path, file, _ := partialFixture(t, "\n")
	if err := os.RemoveAll(filepath.Join(filepath.Dir(filepath.Dir(path)), "Attachments", "77", "3.2")); err != nil {
		t.Fatal(err)
	}
	stored := file[11 : len(file)-len(applePlist(1))]
	tests := []struct {
		name, path string
		warning    []string
	}{
		{"part missing", path, []string{"2, 3.2, 3.3", "not found for part(s) 3.2 (no folder ../Attachments/77/3.2)", "exported as stored"}},
		{"path unknown", "", []string{"2, 3.2, 3.3", "path of the .emlx is not known"}},
		{"no message number", filepath.Join(filepath.Dir(path), "copy.partial.emlx"), []string{"does not start with the message number"}},
		{"no Attachments folder", filepath.Join(t.TempDir(), "Messages", "77.partial.emlx"), []string{"there is no folder ../Attachments/77"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, got := openOne(t, "emlx", file, tt.path)
			if !bytes.Equal(got, stored) {
				t.Errorf("message is not the stored bytes")
			}
			if m.Method != "emlx" || m.State != formats.Partial {
				t.Errorf("Method %q, State %s", m.Method, m.State)
			}
			if len(m.Warnings) != 1 || !hasWarning(m.Warnings, tt.warning...) {
				t.Errorf("warnings = %q, want one with %q", m.Warnings, tt.warning)
			}
			if m.Attrs["emlx_elided_parts"] != "2,3.2,3.3" {
				t.Errorf("emlx_elided_parts = %q", m.Attrs["emlx_elided_parts"])
			}
		})
	}
}

func TestPartialEMLXAmbiguous(t *testing.T) {
	path, file, _ := partialFixture(t, "\n")
	// a second file in a folder whose part has no file name
	dir := filepath.Join(filepath.Dir(filepath.Dir(path)), "Attachments", "77", "3.3")
	if err := os.WriteFile(filepath.Join(dir, "second.txt"), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	m, _ := openOne(t, "emlx", file, path)
	if m.State != formats.Partial || !hasWarning(m.Warnings, `3.3 (folder ../Attachments/77/3.3 holds 2 files, none named ""`) {
		t.Errorf("State %s, warnings %q", m.State, m.Warnings)
	}
}

func TestPartialEMLXSymlinkIgnored(t *testing.T) {
	path, file, _ := partialFixture(t, "\n")
	dir := filepath.Join(filepath.Dir(filepath.Dir(path)), "Attachments", "77", "3.3")
	target := filepath.Join(dir, "Mail-Anhang.txt")
	moved := filepath.Join(t.TempDir(), "elsewhere.txt")
	if err := os.Rename(target, moved); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(moved, target); err != nil {
		t.Skip("no symbolic links here:", err)
	}
	m, _ := openOne(t, "emlx", file, path)
	if m.State != formats.Partial || !hasWarning(m.Warnings, "3.3 (folder ../Attachments/77/3.3 holds no file)") {
		t.Errorf("State %s, warnings %q", m.State, m.Warnings)
	}
}

func TestPartialEMLXLengthMismatch(t *testing.T) {
	path, file, _ := partialFixture(t, "\n")
	// the file of part 2 is not the data Apple Mail recorded
	data := filepath.Join(filepath.Dir(filepath.Dir(path)), "Attachments", "77", "2", "data.bin")
	if err := os.WriteFile(data, partData[:100], 0o644); err != nil {
		t.Fatal(err)
	}
	m, _ := openOne(t, "emlx", file, path)
	if m.State != formats.Intact || len(m.Warnings) != 1 ||
		!hasWarning(m.Warnings, "part 2: X-Apple-Content-Length is 271 but ../Attachments/77/2/data.bin (100 bytes) encodes to 137 bytes") {
		t.Errorf("State %s, warnings %q", m.State, m.Warnings)
	}
}

func TestPartialEMLXFileChanged(t *testing.T) {
	path, file, _ := partialFixture(t, "\n")
	f, _ := formats.Lookup("emlx")
	src, err := f.OpenFile(bytes.NewReader(file), int64(len(file)), probe(file, path))
	if err != nil {
		t.Fatal(err)
	}
	m, err := src.Next()
	if err != nil {
		t.Fatal(err)
	}
	data := filepath.Join(filepath.Dir(filepath.Dir(path)), "Attachments", "77", "2", "data.bin")
	changed := bytes.Clone(partData)
	changed[5] ^= 1
	if err := os.WriteFile(data, changed, 0o644); err != nil {
		t.Fatal(err)
	}
	rc, err := m.Open()
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	if _, err := io.ReadAll(rc); err == nil || !strings.Contains(err.Error(), "changed since the message was opened") {
		t.Errorf("reading with a changed attachment file: err = %v", err)
	}
}

func TestElidedPartNumbers(t *testing.T) {
	tests := []struct {
		name, msg string
		want      string
	}{
		{"single part", "Subject: x\nX-Apple-Content-Length: 10\n\n", "1"},
		{"single part with body", "Subject: x\nX-Apple-Content-Length: 10\n\ndata\n", ""},
		{"template", strings.NewReplacer("{{2}}", "", "{{3.2}}", "", "{{3.3}}", "").Replace(partialTemplate), "2,3.2,3.3"},
		{"unclosed inner", "Content-Type: multipart/mixed; boundary=a\n\n--a\nContent-Type: multipart/mixed; boundary=b\n\n--b\nX-Apple-Content-Length: 1\n\n\n--a\nX-Apple-Content-Length: 1\n\n\n--a--\n", "1.1,2"},
		{"boundary with trailing space", "Content-Type: multipart/mixed; boundary=a\n\n--a \nX-Apple-Content-Length: 1\n\n\n--a-- \n", "1"},
		{"not a delimiter", "Content-Type: multipart/mixed; boundary=a\n\n--a\nX-Apple-Content-Length: 1\n\n--ab\n--a--\n", ""},
		{"epilogue ignored", "Content-Type: multipart/mixed; boundary=a\n\n--a\n\ntext\n--a--\nX-Apple-Content-Length: 1\n\n", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			parts, _, err := elidedParts(strings.NewReader(tt.msg), 0, int64(len(tt.msg)))
			if err != nil {
				t.Fatal(err)
			}
			var nums []string
			for _, p := range parts {
				nums = append(nums, p.number)
			}
			if got := strings.Join(nums, ","); got != tt.want {
				t.Errorf("elided parts = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestPartialEMLXNameNormalization(t *testing.T) {
	// the header spells the name decomposed, the file system composed, and
	// the folder holds another file too
	msg := "From: a@example.com\nSubject: pdf\nContent-Type: multipart/mixed; boundary=b\n\n--b\n" +
		"Content-Type: application/pdf; name*=utf-8''Tu%CC%88bingen.pdf\nContent-Transfer-Encoding: base64\nX-Apple-Content-Length: 4\n\n\n--b--\n"
	file := []byte(emlxOf(len(msg), msg, applePlist(0)))
	root := t.TempDir()
	dir := filepath.Join(root, "Attachments", "5", "1")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for name, data := range map[string]string{"T\u00fcbingen.pdf": "pdf", "other.pdf": "nope"} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	m, got := openOne(t, "emlx", file, filepath.Join(root, "Messages", "5.partial.emlx"))
	if m.State != formats.Intact || m.Attrs["emlx_attachment_1"] != "../Attachments/5/1/T\u00fcbingen.pdf" {
		t.Fatalf("State %s, attrs %q, warnings %q", m.State, m.Attrs, m.Warnings)
	}
	if !bytes.Contains(got, []byte("\n\ncGRm\n--b--")) {
		t.Errorf("rebuilt message %q", got)
	}
}

func TestPartialEMLXSingleEmptyLine(t *testing.T) {
	// the elided part's header is followed by one empty line only: the
	// delimiter must still start a line of its own after the data
	for _, eol := range []string{"\n", "\r\n"} {
		msg := strings.ReplaceAll("From: a@example.com\nSubject: s\nContent-Type: multipart/mixed; boundary=b\n\n--b\n"+
			"Content-Type: text/plain; name=a.txt\nX-Apple-Content-Length: 3\n\n--b\n"+
			"Content-Type: text/plain; name=c.txt\nX-Apple-Content-Length: 3\n\n--b--\n", "\n", eol)
		file := []byte(emlxOf(len(msg), msg, applePlist(0)))
		root := t.TempDir()
		for _, n := range []string{"1/a.txt", "2/c.txt"} {
			p := filepath.Join(root, "Attachments", "9", filepath.FromSlash(n))
			os.MkdirAll(filepath.Dir(p), 0o755)
			if err := os.WriteFile(p, []byte("abc"), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		m, got := openOne(t, "emlx", file, filepath.Join(root, "Messages", "9.partial.emlx"))
		want := strings.ReplaceAll("From: a@example.com\nSubject: s\nContent-Type: multipart/mixed; boundary=b\n\n--b\n"+
			"Content-Type: text/plain; name=a.txt\nX-Apple-Content-Length: 3\n\nabc\n--b\n"+
			"Content-Type: text/plain; name=c.txt\nX-Apple-Content-Length: 3\n\nabc\n--b--\n", "\n", eol)
		if string(got) != want || m.Method != "emlx-reassembled" {
			t.Errorf("%q: rebuilt %q (%s), want %q", eol, got, m.Method, want)
		}
	}
}
