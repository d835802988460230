package msg

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/mailsalvage/mailsalvage/formats"
	"github.com/mailsalvage/mailsalvage/formats/mapi"
	"github.com/mailsalvage/mailsalvage/internal/corpus"
)

// broken reports whether the manifest says a file is damaged, fuzzed or
// not a .msg on purpose.
func (e *manifestEntry) broken() bool {
	d := strings.ToLower(e.Desc)
	return e.NotCFB || strings.Contains(d, "fuzz") || strings.Contains(d, "negative") ||
		strings.Contains(d, "malformed") || strings.Contains(d, "broken") || strings.Contains(d, "fake")
}

// wantSubject is the subject the manifest gives. Where its tool could not
// decode an ANSI subject (code page 65001 declared, Windows-1252 bytes
// stored: the POI files named "..._CP1252_..."), the manifest has the raw
// bytes as \x escapes; those are Windows-1252, which is what the message
// locale (1031, German) gives.
func (e *manifestEntry) wantSubject() string {
	if !utf8.ValidString(e.Subject) {
		return mapi.DecodeString8([]byte(e.Subject), 1252)
	}
	return e.Subject
}

func bodies(m *mapi.Message) []string {
	var out []string
	for _, b := range []struct {
		id   uint16
		name string
	}{{mapi.PidTagBody, "plain"}, {mapi.PidTagRtfCompressed, "rtf"}, {mapi.PidTagHtml, "html"}} {
		if _, ok := m.Props.Find(b.id); ok {
			out = append(out, b.name)
		}
	}
	return out
}

// Every corpus .msg the manifest describes reads as the manifest says:
// store, class, attachment and embedded counts, bodies, subject. Files
// broken on purpose must give an error or warnings.
func TestCorpusManifest(t *testing.T) {
	man := readManifest(t)
	files := corpus.Files(t, "msg")
	type tally struct{ ok, n int }
	agree := map[string]*tally{}
	var mismatches []string
	check := func(file, field string, ok bool, format string, args ...any) {
		if agree[field] == nil {
			agree[field] = &tally{}
		}
		agree[field].n++
		if ok {
			agree[field].ok++
			return
		}
		msg := fmt.Sprintf("%s: %s: %s", file, field, fmt.Sprintf(format, args...))
		mismatches = append(mismatches, msg)
		t.Error(msg)
	}
	described := 0
	for _, path := range files {
		name := filepath.Base(path)
		e := man[name]
		if e == nil {
			t.Logf("%s: not in the manifest", name)
			continue
		}
		described++
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		f, err := NewFile(bytes.NewReader(data), int64(len(data)))
		if e.broken() {
			if err == nil && len(Warnings(f.Message)) == 0 {
				t.Errorf("%s: broken on purpose, but read without an error or a warning", name)
			}
			if err != nil {
				t.Logf("%s (broken on purpose): %v", name, err)
			} else {
				t.Logf("%s (broken on purpose): read, recovered %v, damaged %v, %d warnings", name, f.Recovered, f.Damaged, len(Warnings(f.Message)))
			}
		}
		if e.NotCFB {
			continue
		}
		if err != nil {
			check(name, "readable", false, "%v", err)
			continue
		}
		check(name, "readable", true, "")
		m := f.Message
		store := "ansi"
		if f.Unicode {
			store = "unicode"
		}
		check(name, "store", store == e.Store, "%s, manifest %s", store, e.Store)
		check(name, "class", f.Class == e.Class, "%q, manifest %q", f.Class, e.Class)
		check(name, "att", len(m.Attachments) == e.Att, "%d, manifest %d", len(m.Attachments), e.Att)
		// the manifest counts the __substg1.0_3701000D storages at every
		// depth: embedded messages and OLE objects alike
		check(name, "emb", f.Embedded+f.OLE == e.Emb, "%d embedded + %d OLE, manifest %d", f.Embedded, f.OLE, e.Emb)
		got := strings.Join(bodies(m), "+")
		check(name, "body", got == strings.Join(e.Body, "+"), "%q, manifest %q", got, strings.Join(e.Body, "+"))
		if e.HasSubj {
			s := m.Props.Str(mapi.PidTagSubject)
			check(name, "subject", s == e.wantSubject(), "%q, manifest %q", s, e.wantSubject())
		}
		if !e.broken() && (f.Damaged || f.Recovered) {
			t.Errorf("%s: a sound file read as damaged (recovered %v): %q", name, f.Recovered, Warnings(m))
		}
	}
	var fields []string
	for k := range agree {
		fields = append(fields, k)
	}
	sort.Strings(fields)
	for _, k := range fields {
		t.Logf("%-8s agrees on %d/%d", k, agree[k].ok, agree[k].n)
	}
	t.Logf("%d corpus files, %d described by the manifest", len(files), described)
	if described < 100 {
		t.Errorf("only %d corpus .msg files are in the manifest", described)
	}
}

// Embedded messages are reachable at every depth.
func TestCorpusNesting(t *testing.T) {
	d := corpus.Dir(t, "msg")
	for _, tc := range []struct {
		file     string
		subjects []string // along the first embedded message at each level
	}{
		{"msgreader__msgInMsgInMsg.msg", []string{"I have sub attachments!", "I have attachments!", "Microsoft Outlook テスト メッセージ"}},
		{"hughbe-MsgReader__lolo101__MsgViewer__embedded__MsgViewer_test.msg", []string{"", "SUBMENSAGEM PRINCIPAL 2", "", "SUBSUBMENSAGEMPRINCIPAL"}},
		{"MSGReader__EmailWithMsgAttachment.msg", []string{"FW: Msg Attachment Test"}},
	} {
		t.Run(tc.file, func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join(d, tc.file))
			if err != nil {
				t.Skip(err)
			}
			f := readBytes(t, data)
			m := f.Message
			for i, want := range tc.subjects {
				if m == nil {
					t.Fatalf("level %d: no embedded message", i)
				}
				if got := m.Props.Str(mapi.PidTagSubject); got != want {
					t.Errorf("level %d: subject %q, want %q", i, got, want)
				}
				var next *mapi.Message
				for _, a := range m.Attachments {
					if a.Embedded != nil {
						next = a.Embedded
						break
					}
				}
				m = next
			}
		})
	}
}

// Every corpus file opens through the registry as one message (or, for
// the files that are no .msg at all, with a clear error), and the bytes
// read back have the announced size.
func TestCorpusOpenFile(t *testing.T) {
	fm, _ := formats.Lookup("msg")
	for _, path := range corpus.Files(t, "msg") {
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		name := filepath.Base(path)
		p := &formats.Probe{Path: path, Head: data[:min(len(data), formats.HeadSize)]}
		score := Match(p)
		src, err := fm.OpenFile(bytes.NewReader(data), int64(len(data)), p)
		if err != nil {
			if len(data) >= 512 {
				t.Errorf("%s: %v", name, err)
			}
			if score != 0 {
				t.Errorf("%s: Match %d for a file that does not open", name, score)
			}
			continue
		}
		if score == 0 {
			t.Errorf("%s: Match 0", name)
		}
		m, err := src.Next()
		if err != nil {
			t.Errorf("%s: Next: %v", name, err)
			continue
		}
		rc, _ := m.Open()
		b, err := io.ReadAll(rc)
		rc.Close()
		if err != nil || int64(len(b)) != m.Size || m.Size == 0 {
			t.Errorf("%s: read %d bytes (%v), Size %d", name, len(b), err, m.Size)
		}
		for _, k := range []string{"msg_class", "msg_codepage", "msg_store", "msg_stream_count"} {
			if m.Attrs[k] == "" {
				t.Errorf("%s: no attr %s", name, k)
			}
		}
		if !m.State.Valid() || len(m.Chain) != 1 || m.Chain[0].Format != "msg" {
			t.Errorf("%s: state %s chain %s", name, m.State, m.Chain)
		}
		if _, err := src.Next(); err != io.EOF {
			t.Errorf("%s: second Next: %v", name, err)
		}
		src.Close()
	}
}

// The tolerant walk reads every sound corpus file as mscfb does: the
// same properties, recipients, attachments and embedded messages, and
// no damage.
func TestCorpusTolerantAgrees(t *testing.T) {
	man := readManifest(t)
	n := 0
	for _, path := range corpus.Files(t, "msg") {
		name := filepath.Base(path)
		if e := man[name]; e == nil || e.broken() {
			continue
		}
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		strict := readBytes(t, data)
		cf, err := openTolerant(bytes.NewReader(data), int64(len(data)))
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		tol, err := build(cf)
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if cf.damaged || tol.Damaged {
			t.Errorf("%s: the tolerant walk finds damage in a sound file: %q %q", name, cf.warnings, Warnings(tol.Message))
		}
		if a, b := fingerprint(strict.Message), fingerprint(tol.Message); a != b {
			t.Errorf("%s: the walks differ:\nmscfb:    %s\ntolerant: %s", name, a, b)
		}
		n++
	}
	t.Logf("%d sound files read alike by both walks", n)
}

// fingerprint sums up a message tree: property tags and value sizes,
// recipients, attachments, embedded messages.
func fingerprint(m *mapi.Message) string {
	var b strings.Builder
	var walk func(m *mapi.Message, depth int)
	props := func(p *mapi.Properties) {
		for _, tag := range p.Tags() {
			v, _ := p.Get(tag)
			fmt.Fprintf(&b, "%08X:%d/%d ", uint32(tag), len(v.Value), len(v.Values))
		}
	}
	walk = func(m *mapi.Message, depth int) {
		fmt.Fprintf(&b, "[%d ", depth)
		props(&m.Props)
		for _, r := range m.Recipients {
			b.WriteString("R(")
			props(r)
			b.WriteString(")")
		}
		for _, a := range m.Attachments {
			b.WriteString("A(")
			props(&a.Props)
			if a.Embedded != nil {
				walk(a.Embedded, depth+1)
			}
			b.WriteString(")")
		}
		b.WriteString("]")
	}
	walk(m, 0)
	return b.String()
}
