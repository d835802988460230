package tnef

import (
	"bytes"
	"encoding/base64"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/emersion/go-message"

	"github.com/mailsalvage/mailsalvage/formats"
	"github.com/mailsalvage/mailsalvage/internal/corpus"
)

// parts lists a message's leaf parts as "type name size".
func parts(t *testing.T, msg []byte) []string {
	t.Helper()
	e, err := message.Read(bytes.NewReader(msg))
	if err != nil && e == nil {
		t.Fatalf("parse: %v", err)
	}
	var out []string
	var walk func(e *message.Entity)
	walk = func(e *message.Entity) {
		mt, params, _ := e.Header.ContentType()
		if mr := e.MultipartReader(); mr != nil {
			for {
				p, err := mr.NextPart()
				if err != nil {
					break
				}
				walk(p)
			}
			return
		}
		_, dp, _ := e.Header.ContentDisposition()
		name := dp["filename"]
		if name == "" {
			name = params["name"]
		}
		b, _ := io.ReadAll(e.Body)
		out = append(out, strings.TrimSpace(mt+" "+name)+" "+strconv.Itoa(len(b)))
	}
	walk(e)
	return out
}

// mailWith wraps a TNEF stream as Outlook sends it: a text part and a
// base64 winmail.dat.
func mailWith(tnefData []byte, crlf bool) []byte {
	b64 := base64.StdEncoding.EncodeToString(tnefData)
	var lines []string
	for len(b64) > 76 {
		lines, b64 = append(lines, b64[:76]), b64[76:]
	}
	lines = append(lines, b64)
	msg := "From: a@example.com\nTo: b@example.com\nSubject: with winmail.dat\nMessage-ID: <w@example.com>\nMIME-Version: 1.0\n" +
		"Content-Type: multipart/mixed; boundary=\"XX\"\n\n--XX\nContent-Type: text/plain; charset=us-ascii\n\nPlain part as sent.\n\n" +
		"--XX\nContent-Type: application/ms-tnef; name=\"winmail.dat\"\nContent-Transfer-Encoding: base64\nContent-Disposition: attachment; filename=\"winmail.dat\"\n\n" +
		strings.Join(lines, "\n") + "\n\n--XX--\n"
	if crlf {
		msg = strings.ReplaceAll(msg, "\n", "\r\n")
	}
	return []byte(msg)
}

func TestRewriteCorpusStream(t *testing.T) {
	data, err := os.ReadFile(filepath.Join(corpus.Dir(t, "tnef"), "POI__bug52400-winmail-with-attachments.dat"))
	if err != nil {
		t.Skip(err)
	}
	for _, crlf := range []bool{false, true} {
		msg := mailWith(data, crlf)
		out, notes, changed := Rewrite(msg, false)
		if !changed {
			t.Fatalf("not rewritten: %v", notes)
		}
		got := strings.Join(parts(t, out), "\n")
		for _, want := range []string{"text/plain ", "application/pdf scion_tc_2007_maintenanceguide.pdf 193258", "image/png Duke_Wave.png 122016"} {
			if !strings.Contains(got, want) {
				t.Errorf("crlf=%v: no %q in\n%s", crlf, want, got)
			}
		}
		if strings.Contains(got, "ms-tnef") || !bytes.HasPrefix(out, msg[:bytes.Index(msg, []byte("--XX"))+30]) {
			t.Errorf("TNEF part left, or the message before it changed")
		}
		if len(notes) == 0 || !strings.Contains(notes[0], "TNEF part 2") {
			t.Errorf("notes %v", notes)
		}
		// with keep, the original part stays beside the decoded one
		kept, _, _ := Rewrite(msg, true)
		if got := strings.Join(parts(t, kept), "\n"); !strings.Contains(got, "application/ms-tnef winmail.dat") || !strings.Contains(got, "Duke_Wave.png 122016") {
			t.Errorf("keep: %s", got)
		}
	}
	// a message without TNEF is returned untouched
	plain := []byte("Subject: x\n\nno tnef here\n")
	if out, _, changed := Rewrite(plain, false); changed || !bytes.Equal(out, plain) {
		t.Error("message without TNEF changed")
	}
}

func TestRewriteCorpusEML(t *testing.T) {
	b, err := os.ReadFile(filepath.Join(corpus.Dir(t, "eml"), "Aspose__tnefEml1.eml"))
	if err != nil {
		t.Skip(err)
	}
	out, notes, changed := Rewrite(b, false)
	if !changed {
		t.Fatalf("not rewritten: %v", notes)
	}
	got := strings.Join(parts(t, out), "\n")
	if !strings.Contains(got, "1.jpg") || !strings.Contains(got, "message/rfc822") || strings.Contains(got, "ms-tnef") {
		t.Errorf("parts after rewrite:\n%s", got)
	}
}

// A winmail.dat on its own is an input: one message with its attachments.
func TestOpenStandalone(t *testing.T) {
	path := filepath.Join(corpus.Dir(t, "tnef"), "POI__winmail-sample1.dat")
	src, name, err := formats.Open(path)
	if err != nil || name != "tnef" {
		t.Fatalf("Open: %v %q", err, name)
	}
	defer src.Close()
	m, err := src.Next()
	if err != nil {
		t.Fatal(err)
	}
	rc, _ := m.Open()
	b, _ := io.ReadAll(rc)
	got := strings.Join(parts(t, b), "\n")
	if !strings.Contains(got, "zappa_av1.jpg") || !strings.Contains(got, "bookmark.htm") || m.Method != "tnef" {
		t.Errorf("standalone winmail.dat: %s (method %s)", got, m.Method)
	}
	if _, err := src.Next(); err != io.EOF {
		t.Errorf("second Next: %v", err)
	}
}
