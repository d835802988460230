package pst

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/mailsalvage/mailsalvage/formats"
	"github.com/mailsalvage/mailsalvage/formats/mapi"
	"github.com/mailsalvage/mailsalvage/formats/rfc5322"
	"github.com/mailsalvage/mailsalvage/internal/corpus"
	"github.com/mailsalvage/mailsalvage/internal/synth"
)

// listed is what a source gave for one message: the message and the
// bytes Open returned.
type listed struct {
	m    *formats.Message
	data []byte
}

// readSource reads every message of a file, in header mode or not,
// opening each.
func readSource(t *testing.T, path string, headers bool) []listed {
	t.Helper()
	src, _, err := formats.Open(path)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	defer src.Close()
	if got := formats.ListHeaders(src); got != true {
		t.Fatalf("%s: the PST source does not list headers", path)
	}
	if !headers {
		// a fresh source: the normal one
		src.Close()
		if src, _, err = formats.Open(path); err != nil {
			t.Fatal(err)
		}
	}
	var out []listed
	for {
		m, err := src.Next()
		if err == io.EOF {
			return out
		}
		var p *formats.Problem
		if errors.As(err, &p) {
			continue
		}
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		if headers != (m.Header != nil) && !strings.Contains(strings.Join(m.Warnings, " "), "item unreadable") {
			t.Fatalf("%s: header mode %v, Header %q", path, headers, m.Header)
		}
		rc, err := m.Open()
		if err != nil {
			t.Fatalf("%s: open: %v", path, err)
		}
		data, _ := io.ReadAll(rc)
		rc.Close()
		out = append(out, listed{m, data})
	}
}

func summary(t *testing.T, b []byte) rfc5322.Summary {
	s, _, err := rfc5322.ReadSummary(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// checkListHeaders: the header-only listing gives the messages the full
// reading gives, in the same order and folders, with a header that says
// what the full message's header says, and opening one gives the same
// bytes.
func checkListHeaders(t *testing.T, path string) int {
	full := readSource(t, path, false)
	heads := readSource(t, path, true)
	if len(full) != len(heads) {
		t.Fatalf("%s: %d messages listed, %d read", path, len(heads), len(full))
	}
	for i := range full {
		f, h := full[i], heads[i]
		where := filepath.Base(path) + " " + f.m.Chain.String()
		if !reflect.DeepEqual(f.m.Folder, h.m.Folder) || f.m.State != h.m.State || f.m.Chain.String() != h.m.Chain.String() || f.m.Method != h.m.Method {
			t.Errorf("%s: listed as %v %s %s %s, read as %v %s %s %s", where, h.m.Folder, h.m.State, h.m.Method, h.m.Chain, f.m.Folder, f.m.State, f.m.Method, f.m.Chain)
		}
		if h.m.Header != nil {
			if got, want := summary(t, h.m.Header), summary(t, f.data); got != want {
				t.Errorf("%s: listed header %+v, the message's %+v", where, got, want)
			}
		}
		if !bytes.Equal(f.data, h.data) {
			t.Errorf("%s: opening the listed message gives other bytes (%d, want %d)", where, len(h.data), len(f.data))
		}
	}
	return len(full)
}

func TestListHeadersSynthetic(t *testing.T) {
	g := synth.NewGen(9)
	var msgs []*mapi.Message
	for i := 0; i < 12; i++ {
		n := g.Note()
		if i%3 == 0 {
			n.Attachments = append(n.Attachments, synth.File{Name: "a.txt", MIMEType: "text/plain", Data: bytes.Repeat([]byte("attachment "), 900)})
		}
		msgs = append(msgs, synth.NoteMessage(n))
	}
	for _, ansi := range []bool{false, true} {
		store := synth.PSTStore{ANSI: ansi, Folders: []*synth.PSTFolder{
			{Name: "Inbox", Class: "IPF.Note", Messages: msgs[:8], Deleted: msgs[8:10]},
			{Name: "Sent Items", Class: "IPF.Note", Messages: msgs[10:]},
		}}
		data, err := synth.PST(store)
		if err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(t.TempDir(), "list.pst")
		os.WriteFile(path, data, 0o644)
		if n := checkListHeaders(t, path); n != 12 {
			t.Errorf("ansi %v: %d messages, want 12", ansi, n)
		}
	}
}

func TestListHeadersCorpus(t *testing.T) {
	n := 0
	for _, sub := range []string{"pst", "ost"} {
		for _, p := range corpus.Files(t, sub) {
			if ext := strings.ToLower(filepath.Ext(p)); ext != ".pst" && ext != ".ost" {
				continue
			}
			n += checkListHeaders(t, p)
		}
	}
	t.Logf("%d corpus items listed", n)
}

// TestListHeadersThroughFolder: a PST inside a folder is listed by its
// headers too (the walker passes ListHeaders on to the sources it opens).
func TestListHeadersThroughFolder(t *testing.T) {
	g := synth.NewGen(3)
	data, err := synth.PST(synth.PSTStore{Folders: []*synth.PSTFolder{{Name: "Inbox", Class: "IPF.Note", Messages: []*mapi.Message{synth.NoteMessage(g.Note()), synth.NoteMessage(g.Note())}}}})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, "Outlook"), 0o755)
	os.WriteFile(filepath.Join(dir, "Outlook", "archive.pst"), data, 0o644)
	src, _, err := formats.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	if !formats.ListHeaders(src) {
		t.Fatal("a folder source does not pass ListHeaders on")
	}
	n := 0
	for {
		m, err := src.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		n++
		if m.Header == nil {
			t.Errorf("%s: no header listed", m.Chain)
		}
	}
	if n != 2 {
		t.Errorf("%d messages, want 2", n)
	}
}
