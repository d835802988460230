package main

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/emersion/go-message"

	"github.com/mailsalvage/mailsalvage/internal/corpus"
)

// rfc822Depth returns how deep message/rfc822 parts nest in a message.
func rfc822Depth(t *testing.T, b []byte) int {
	e, err := message.Read(bytes.NewReader(b))
	if e == nil {
		t.Fatalf("parse: %v", err)
	}
	var depth func(e *message.Entity) int
	depth = func(e *message.Entity) int {
		best := 0
		if mr := e.MultipartReader(); mr != nil {
			for {
				p, err := mr.NextPart()
				if err != nil {
					break
				}
				best = max(best, depth(p))
			}
			return best
		}
		if mt, _, _ := e.Header.ContentType(); mt == "message/rfc822" {
			inner, _ := io.ReadAll(e.Body)
			ie, err := message.Read(bytes.NewReader(inner))
			if ie != nil || err == nil {
				return 1 + depth(ie)
			}
			return 1
		}
		return 0
	}
	return depth(e)
}

// Outlook items end to end: every .msg of the corpus gives an .eml;
// Japanese ANSI (cp932) and Unicode items have their subjects; embedded
// messages three levels deep survive as nested message/rfc822 parts.
func TestMsgCorpusEndToEnd(t *testing.T) {
	dir := corpus.Dir(t, "msg")
	out := filepath.Join(t.TempDir(), "out")
	if code, _, stderr := runCmd(t, "recover", dir, "-o", out, "-q"); code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	byFile := map[string][]byte{}
	for _, r := range provenance(t, out) {
		b, err := os.ReadFile(filepath.Join(out, filepath.FromSlash(r.File)))
		if err != nil {
			t.Fatal(err)
		}
		byFile[filepath.Base(r.Source.Path)] = b
	}
	files, _ := filepath.Glob(filepath.Join(dir, "*"))
	for _, f := range files {
		if st, _ := os.Stat(f); st.Size() >= 512 && byFile[filepath.Base(f)] == nil {
			t.Errorf("%s: no .eml", filepath.Base(f))
		}
	}
	subjects := map[string]string{
		"msgreader__nonUnicodeCP932.msg":                   "日本語 Non Unicode タイトル",
		"msgreader__contactAnsi.msg":                       "コム ドット イグザンプル 殿",
		"msgreader__contactUnicode.msg":                    "コム ドット イグザンプル 殿",
		"msgreader__newOutlook_Microsoft_Outlook_test.msg": "Microsoft Outlook テスト メッセージ",
		"MSGReader__EmailWithSpecialCharsInSubject.msg":    "Un sujet bien défini Àéroport mañana être ouïe électricité così próxima à Ô",
	}
	for f, want := range subjects {
		b := byFile[f]
		if b == nil {
			t.Errorf("%s: no .eml", f)
			continue
		}
		e, _ := message.Read(bytes.NewReader(b))
		got, _ := (&e.Header).Text("Subject")
		if strings.TrimSpace(got) != want {
			t.Errorf("%s: subject %q, want %q", f, got, want)
		}
	}
	if d := rfc822Depth(t, byFile["msgreader__msgInMsgInMsg.msg"]); d < 2 {
		t.Errorf("msgInMsgInMsg: embedded messages nest %d deep, want 2 inside the top message (3 levels)", d)
	}
	if d := rfc822Depth(t, byFile["hughbe-MsgReader__lolo101__MsgViewer__embedded__MsgViewer_test.msg"]); d < 2 {
		t.Errorf("MsgViewer_test: embedded messages nest %d deep", d)
	}
}
