package maildir

import (
	"errors"
	"io"
	"io/fs"
	"slices"
	"strconv"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/mailsalvage/mailsalvage/formats"
)

// mail returns a small message whose body makes it n bytes long at least.
func mail(subject string) string {
	return "From: a@example.org\nTo: b@example.org\nSubject: " + subject +
		"\nDate: Mon, 1 Jan 2024 10:00:00 +0000\nMessage-ID: <" + subject + "@example.org>\n\nbody of " + subject + "\n"
}

func file(s string) *fstest.MapFile { return &fstest.MapFile{Data: []byte(s), Mode: 0o444} }

func dir() *fstest.MapFile { return &fstest.MapFile{Mode: fs.ModeDir | 0o555} }

// result is what a test sees of one Next call.
type result struct {
	msg     *formats.Message
	problem *formats.Problem
}

// drain reads r to the end, failing on any error other than a Problem.
func drain(t *testing.T, r formats.Source) []result {
	t.Helper()
	var out []result
	for i := 0; ; i++ {
		if i > 100000 {
			t.Fatal("Next does not end")
		}
		m, err := r.Next()
		if err == io.EOF {
			if m != nil {
				t.Fatal("message returned with io.EOF")
			}
			return out
		}
		var p *formats.Problem
		switch {
		case errors.As(err, &p):
			if m != nil {
				t.Fatal("message returned with a Problem")
			}
			out = append(out, result{problem: p})
		case err != nil:
			t.Fatalf("Next: %v", err)
		case m == nil:
			t.Fatal("Next returned nil, nil")
		default:
			out = append(out, result{msg: m})
		}
	}
}

func open(t *testing.T, fsys fs.FS) []result {
	t.Helper()
	r, err := New(fsys)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	defer r.Close()
	return drain(t, r)
}

func messages(rs []result) []*formats.Message {
	var ms []*formats.Message
	for _, r := range rs {
		if r.msg != nil {
			ms = append(ms, r.msg)
		}
	}
	return ms
}

func problems(rs []result) []*formats.Problem {
	var ps []*formats.Problem
	for _, r := range rs {
		if r.problem != nil {
			ps = append(ps, r.problem)
		}
	}
	return ps
}

func evidence(ms []*formats.Message) []string {
	var out []string
	for _, m := range ms {
		out = append(out, m.Evidence)
	}
	return out
}

func byEvidence(t *testing.T, ms []*formats.Message, ev string) *formats.Message {
	t.Helper()
	for _, m := range ms {
		if m.Evidence == ev {
			return m
		}
	}
	t.Fatalf("no message with Evidence %q among %q", ev, evidence(ms))
	return nil
}

func hasWarning(m *formats.Message, sub string) bool {
	for _, w := range m.Warnings {
		if strings.Contains(w, sub) {
			return true
		}
	}
	return false
}

func TestFolders(t *testing.T) {
	fsys := fstest.MapFS{
		"cur/1.host:2,S":                           file(mail("inbox")),
		"new/.keep":                                file(""),
		"tmp":                                      dir(),
		".Sent/cur/2.host:2,S":                     file(mail("sent")),
		".Sent/new":                                dir(),
		".Sent/maildirfolder":                      file(""),
		".Work.2024/cur/3.host:2,":                 file(mail("work")),
		".Work.2024/new":                           dir(),
		".Entw&APw-rfe/cur/4.host:2,D":             file(mail("draft")),
		".Entw&APw-rfe/new":                        dir(),
		".R&D/new/5.host":                          file(mail("rnd")),
		".Archiv.&AOQ-lter/cur/6.host:2,S":         file(mail("old")),
		".A..B/cur/7.host:2,S":                     file(mail("odd")),
		".notmuch/xapian/record.glass":             file("binary"),
		".notmuch/cur":                             file("not a dir"),
		"Foo/cur/8.host:2,S":                       file(mail("foo")),
		"Foo/new/9.host":                           file(mail("foo2")),
		"Foo/tmp":                                  dir(),
		"Foo/Bar/cur/10.host:2,S":                  file(mail("foobar")),
		"Foo/Bar/new":                              dir(),
		"Plain/readme.txt":                         file("not mail"),
		"Plain/Deep/cur/11.host:2,S":               file(mail("deep")),
		"courierimapkeywords/:list":                file("x"),
		"courierimapkeywords/cur/12.host:2,S":      file(mail("never")),
		".Sent/courierimapkeywords/cur/13.h:2,S":   file(mail("never")),
		".Sent/.Sub/cur/14.h:2,S":                  file(mail("never")),
		"Foo/.Hidden/cur/15.h:2,S":                 file(mail("never")),
		"cur/.16.host:2,S":                         file(mail("hidden")),
		"Foo/Bar/cur/17.host:2,S":                  file(mail("foobar2")),
		".My Folder.Nested Folder/cur/18.host:2,S": file(mail("nested")),
		".My Folder/new/19.host":                   file(mail("my")),
	}
	rs := open(t, fsys)
	if ps := problems(rs); len(ps) != 0 {
		t.Fatalf("problems: %v", ps)
	}
	ms := messages(rs)
	want := []struct {
		ev     string
		folder []string
	}{
		{"cur/1.host:2,S", nil},
		{".A..B/cur/7.host:2,S", []string{"A..B"}},
		{".Archiv.&AOQ-lter/cur/6.host:2,S", []string{"Archiv", "älter"}},
		{".Entw&APw-rfe/cur/4.host:2,D", []string{"Entwürfe"}},
		{".My Folder/new/19.host", []string{"My Folder"}},
		{".My Folder.Nested Folder/cur/18.host:2,S", []string{"My Folder", "Nested Folder"}},
		{".R&D/new/5.host", []string{"R&D"}},
		{".Sent/cur/2.host:2,S", []string{"Sent"}},
		{".Work.2024/cur/3.host:2,", []string{"Work", "2024"}},
		{"Foo/cur/8.host:2,S", []string{"Foo"}},
		{"Foo/new/9.host", []string{"Foo"}},
		{"Foo/Bar/cur/10.host:2,S", []string{"Foo", "Bar"}},
		{"Foo/Bar/cur/17.host:2,S", []string{"Foo", "Bar"}},
		{"Plain/Deep/cur/11.host:2,S", []string{"Plain", "Deep"}},
	}
	if len(ms) != len(want) {
		t.Fatalf("got %d messages %q, want %d", len(ms), evidence(ms), len(want))
	}
	for i, w := range want {
		m := ms[i]
		if m.Evidence != w.ev || !slices.Equal(m.Folder, w.folder) {
			t.Errorf("message %d: %q in %q, want %q in %q", i, m.Evidence, m.Folder, w.ev, w.folder)
		}
		if m.State != formats.Intact || len(m.Warnings) != 0 {
			t.Errorf("%s: state %s, warnings %q", m.Evidence, m.State, m.Warnings)
		}
	}
}

func TestMessageFields(t *testing.T) {
	body := mail("fields")
	name := "1234.M5P6.host,S=" + strconv.Itoa(len(body)) + ",W=999:2,RSTab"
	fsys := fstest.MapFS{
		".Work/cur/" + name:      {Data: []byte(body), ModTime: time.Date(2024, 1, 2, 3, 4, 5, 0, time.FixedZone("", 3600))},
		".Work/new":              dir(),
		".Work/dovecot-keywords": file("0 $Forwarded\n1 Junk\n3 Work\n"),
		"cur":                    dir(),
		"new":                    dir(),
	}
	ms := messages(open(t, fsys))
	if len(ms) != 1 {
		t.Fatalf("got %d messages", len(ms))
	}
	m := ms[0]
	ev := ".Work/cur/" + name
	if m.Evidence != ev || m.Method != "maildir" || m.Size != int64(len(body)) {
		t.Errorf("Evidence %q Method %q Size %d", m.Evidence, m.Method, m.Size)
	}
	if m.State != formats.Deleted {
		t.Errorf("State %s, want deleted (T flag)", m.State)
	}
	if len(m.Warnings) != 0 {
		t.Errorf("warnings %q", m.Warnings)
	}
	if len(m.Chain) != 1 || m.Chain[0].String() != "maildir @0x0+"+strconv.Itoa(len(body))+" "+ev {
		t.Errorf("Chain %v", m.Chain)
	}
	wantAttrs := map[string]string{
		"maildir_subdir":        "cur",
		"maildir_flags":         "RST",
		"maildir_keywords":      "ab",
		"maildir_keyword_names": "$Forwarded Junk",
		"maildir_size":          strconv.Itoa(len(body)),
		"maildir_vsize":         "999",
		"maildir_mtime":         "2024-01-02T02:04:05Z",
	}
	if len(m.Attrs) != len(wantAttrs) {
		t.Errorf("Attrs %v, want %v", m.Attrs, wantAttrs)
	}
	for k, v := range wantAttrs {
		if m.Attrs[k] != v {
			t.Errorf("Attrs[%s] = %q, want %q", k, m.Attrs[k], v)
		}
	}
	// Open reads the whole file, every time it is called.
	for range 2 {
		rc, err := m.Open()
		if err != nil {
			t.Fatal(err)
		}
		got, err := io.ReadAll(rc)
		rc.Close()
		if err != nil || string(got) != body {
			t.Fatalf("Open read %q, %v", got, err)
		}
	}
}

func TestStates(t *testing.T) {
	good := mail("s")
	multi := "From: a@example.com\nTo: b@example.org\nSubject: m\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=\"b1\"\n\n--b1\nContent-Type: text/plain\n\nhello\n"
	n := strconv.Itoa(len(good))
	tests := []struct {
		name     string
		data     string
		state    formats.State
		warnings []string // substrings, in order
		attrs    map[string]string
	}{
		{"cur/a:2,S", good, formats.Intact, nil, map[string]string{"maildir_flags": "S"}},
		{"cur/b", good, formats.Intact, nil, nil}, // no info in cur/: normal for some clients
		{"new/c", good, formats.Intact, nil, nil},
		{"cur/d:2,T", good, formats.Deleted, nil, map[string]string{"maildir_flags": "T"}},
		{"cur/e:2,FST", good, formats.Deleted, nil, map[string]string{"maildir_flags": "FST"}},
		{"new/f:2,T", good, formats.Deleted, nil, nil},
		{"tmp/g", good, formats.Partial, []string{"tmp/"}, map[string]string{"maildir_subdir": "tmp"}},
		{"tmp/h:2,T", good, formats.Deleted, []string{"tmp/", "state is deleted, as the T flag says"}, map[string]string{"maildir_flags": "T"}},
		{"cur/i,S=" + n + ":2,S", good, formats.Intact, nil, map[string]string{"maildir_size": n}},
		{"cur/j,S=100000:2,S", good, formats.Partial, []string{"is " + n + " bytes but its name says S=100000: truncated"}, nil},
		{"cur/k,S=10:2,S", good, formats.Intact, []string{"is " + n + " bytes but its name says S=10"}, nil},
		{"cur/l,S=100000:2,T", good, formats.Deleted, []string{"truncated", "state is deleted, as the T flag says"}, nil},
		{"cur/m:2,S", "\x00\x00\x00\x00 zeroed", formats.Partial, []string{"no message header at start of file"}, nil},
		{"cur/n:2,S", "just some text\nwithout a header\n", formats.Partial, []string{"no message header"}, nil},
		{"cur/o:1,2024-01-01", good, formats.Intact, nil, map[string]string{"maildir_info": "1,2024-01-01"}},
		{"cur/p:2,S", "From a@b Mon Jan  1 10:00:00 2024\n" + good, formats.Intact, []string{`mbox "From " line: left out of the message`}, map[string]string{"mbox_separator": "From a@b Mon Jan  1 10:00:00 2024"}},
		{"cur/q!2,Fab", good, formats.Intact, nil, map[string]string{"maildir_flags": "F", "maildir_keywords": "ab"}},
		{"cur/r:2,S", "X-Custom: only\n\nbody\n", formats.Intact, nil, nil}, // a complete header section, however odd
		// a multipart message is whole only with its closing delimiter,
		// as a .eml file is
		{"cur/s:2,S", multi + "--b1--\n", formats.Intact, nil, nil},
		{"cur/t:2,S", multi, formats.Partial, []string{`closing delimiter "--b1--" not found`}, nil},
		{"cur/u:2,T", multi, formats.Deleted, []string{`closing delimiter "--b1--" not found`, "state is deleted"}, nil},
		{"cur/v:2,S", "From a@b Mon Jan  1 10:00:00 2024\n" + multi + "--b1-", formats.Intact, []string{`mbox "From " line`, "cut short"}, nil},
		// blank lines before the header are left out, as from a .eml file
		{"cur/w:2,S", "\n \n" + good, formats.Intact, []string{"3 bytes before the header"}, nil},
		{"cur/x:2,S", "\n" + multi, formats.Partial, []string{"1 bytes before the header", `closing delimiter "--b1--" not found`}, nil},
		{"cur/y:2,S", "\xef\xbb\xbf" + multi + "--b1--\n", formats.Intact, []string{"byte order mark (3 bytes, kept)"}, nil},
		{"cur/z:2,S", "\xef\xbb\xbf" + multi, formats.Partial, []string{"byte order mark", `closing delimiter "--b1--" not found`}, nil},
	}
	fsys := fstest.MapFS{}
	for _, tt := range tests {
		fsys[tt.name] = file(tt.data)
	}
	ms := messages(open(t, fsys))
	if len(ms) != len(tests) {
		t.Fatalf("got %d messages, want %d", len(ms), len(tests))
	}
	for _, tt := range tests {
		m := byEvidence(t, ms, tt.name)
		if m.State != tt.state {
			t.Errorf("%s: state %s, want %s (warnings %q)", tt.name, m.State, tt.state, m.Warnings)
		}
		if len(m.Warnings) != len(tt.warnings) {
			t.Errorf("%s: warnings %q, want %d", tt.name, m.Warnings, len(tt.warnings))
			continue
		}
		for i, w := range tt.warnings {
			if !strings.Contains(m.Warnings[i], w) {
				t.Errorf("%s: warning %d %q, want it to say %q", tt.name, i, m.Warnings[i], w)
			}
		}
		if strings.HasPrefix(tt.data, "\n") || strings.HasPrefix(tt.data, "From ") {
			b, err := readAllOf(m)
			want := strings.TrimLeft(tt.data, "\n ")
			if strings.HasPrefix(want, "From ") {
				want = want[strings.IndexByte(want, '\n')+1:]
			}
			if err != nil || string(b) != want || *m.Chain[0].Offset != int64(len(tt.data)-len(b)) {
				t.Errorf("%s: message %q (%v), chain %s; want it from the header", tt.name, b, err, m.Chain)
			}
		}
		for k, v := range tt.attrs {
			if m.Attrs[k] != v {
				t.Errorf("%s: Attrs[%s] = %q, want %q", tt.name, k, m.Attrs[k], v)
			}
		}
	}
}

func TestOrder(t *testing.T) {
	fsys := fstest.MapFS{}
	names := []string{
		"tmp/2", "tmp/1", "new/b", "new/a", "cur/z:2,", "cur/a:2,", "cur/M:2,",
		".B/cur/1", ".B/new/1", ".A/tmp/1", ".A/cur/2", ".A/cur/1",
		"b/cur/1", "a/new/1", "a/c/cur/1", "a/b/cur/1", ".A.x/cur/1",
	}
	for _, n := range names {
		fsys[n] = file(mail(n))
	}
	want := []string{
		"cur/M:2,", "cur/a:2,", "cur/z:2,", "new/a", "new/b", "tmp/1", "tmp/2",
		".A/cur/1", ".A/cur/2", ".A/tmp/1", ".A.x/cur/1", ".B/cur/1", ".B/new/1",
		"a/new/1", "a/b/cur/1", "a/c/cur/1", "b/cur/1",
	}
	for range 3 { // same every time
		got := evidence(messages(open(t, fsys)))
		if !slices.Equal(got, want) {
			t.Fatalf("order\n got %q\nwant %q", got, want)
		}
	}
}

func TestIgnoredMetadata(t *testing.T) {
	fsys := fstest.MapFS{
		"cur/1:2,S":                 file(mail("one")),
		"new":                       dir(),
		"tmp":                       dir(),
		"dovecot-uidlist":           file("3 V1 N2\n1 1:2,S\n"),
		"dovecot-keywords":          file("0 Junk\n"),
		"dovecot.index":             file("\x07\x02binary"),
		"dovecot.index.cache":       file("\x00\x01"),
		"dovecot.index.log":         file("\x00\x01"),
		"dovecot.mailbox.log":       file("\x00"),
		"dovecot-uidvalidity":       file("65a1b2c3"),
		"maildirfolder":             file(""),
		"maildirsize":               file("10000S\n123 1\n"),
		"subscriptions":             file("Sent\nWork\n"),
		"courierimapuiddb":          file("1 2 3\n"),
		"courierimapacl":            file("owner aceilrstwx\n"),
		"courierimapkeywords/:list": file("x\n"),
		".customflags":              file("0 x"),
		"notes.txt":                 file("a note, not mail\n"),
		"empty":                     file(""),
		"cur/.hidden":               file(mail("hidden")),
		".Sent/cur/2:2,S":           file(mail("two")),
		".Sent/new":                 dir(),
		".Sent/maildirfolder":       file(""),
		".Sent/dovecot-uidlist":     file("3 V1 N2\n"),
		".Sent/dovecot.index.log":   file("\x00"),
	}
	rs := open(t, fsys)
	if ps := problems(rs); len(ps) != 0 {
		t.Errorf("problems: %v", ps)
	}
	got := evidence(messages(rs))
	want := []string{"cur/1:2,S", ".Sent/cur/2:2,S"}
	if !slices.Equal(got, want) {
		t.Errorf("messages %q, want %q", got, want)
	}
}

// A file beside cur/new/tmp that starts with a mail header is a message left
// there by hand or by a tool (notmuch's test corpus): read with a warning.
func TestStrayMessage(t *testing.T) {
	fsys := fstest.MapFS{
		"cur/1:2,":        file(mail("one")),
		"new":             dir(),
		"01:2,":           file(mail("stray")),
		"notes.txt":       file("Hello: this is text\nand more text\n"),
		"note2.txt":       file("Note: a complete header section, but not mail\n\nbody\n"),
		"Plain/x.eml":     file(mail("not in a maildir")),
		"Plain/Sub/cur/2": file(mail("two")),
	}
	ms := messages(open(t, fsys))
	got := evidence(ms)
	want := []string{"cur/1:2,", "01:2,", "Plain/Sub/cur/2"}
	if !slices.Equal(got, want) {
		t.Fatalf("messages %q, want %q", got, want)
	}
	m := ms[1]
	if m.State != formats.Intact || !hasWarning(m, "outside cur/, new/ and tmp/") || m.Attrs["maildir_subdir"] != "" {
		t.Errorf("stray message: state %s warnings %q attrs %v", m.State, m.Warnings, m.Attrs)
	}
}

// failFS fails to open or list chosen paths.
type failFS struct {
	fstest.MapFS
	open, list map[string]bool
}

var errDenied = errors.New("permission denied")

func (f failFS) Open(name string) (fs.File, error) {
	if f.open[name] {
		return nil, &fs.PathError{Op: "open", Path: name, Err: errDenied}
	}
	return f.MapFS.Open(name)
}

func (f failFS) ReadDir(name string) ([]fs.DirEntry, error) {
	if f.list[name] {
		return nil, &fs.PathError{Op: "readdir", Path: name, Err: errDenied}
	}
	return f.MapFS.ReadDir(name)
}

func TestProblems(t *testing.T) {
	fsys := failFS{
		MapFS: fstest.MapFS{
			"cur/1:2,S":       file(mail("one")),
			"cur/2:2,S":       file(""),
			"cur/3:2,S":       file(mail("three")),
			"cur/4:2,S":       &fstest.MapFile{Data: []byte("/etc/passwd"), Mode: fs.ModeSymlink | 0o777},
			"cur/5:2,S":       &fstest.MapFile{Mode: fs.ModeDevice | 0o600},
			"cur/6:2,S":       &fstest.MapFile{Mode: fs.ModeNamedPipe | 0o600},
			"cur/7/x":         file(mail("in a folder")),
			"cur/8:2,S":       file(mail("eight")),
			"new/9":           file(mail("nine")),
			".Locked/cur/1":   file(mail("locked")),
			".Locked/new":     dir(),
			".Unlisted/cur/1": file(mail("unlisted")),
			".Unlisted/new/1": file(mail("listed")),
			".Link":           &fstest.MapFile{Data: []byte("/elsewhere"), Mode: fs.ModeSymlink | 0o777},
			".Sent/cur/1:2,S": file(mail("sent")),
			".Linked/cur":     &fstest.MapFile{Data: []byte("/elsewhere/cur"), Mode: fs.ModeSymlink | 0o777},
			".Linked/new":     &fstest.MapFile{Data: []byte("/elsewhere/new"), Mode: fs.ModeSymlink | 0o777},
		},
		open: map[string]bool{"cur/3:2,S": true},
		list: map[string]bool{".Locked": true, ".Unlisted/cur": true},
	}
	rs := open(t, fsys)
	type step struct {
		path string
		err  string // "" for a message
	}
	want := []step{
		{".Link", "symbolic link not followed"}, // problems of the folder's own listing come first
		{"cur/1:2,S", ""},
		{"cur/2:2,S", "empty file"},
		{"cur/3:2,S", "permission denied"},
		{"cur/4:2,S", "symbolic link not followed"},
		{"cur/5:2,S", "block device"},
		{"cur/6:2,S", "named pipe"},
		{"cur/7", "folder inside"},
		{"cur/8:2,S", ""},
		{"new/9", ""},
		{".Linked/cur", "symbolic link not followed"},
		{".Linked/new", "symbolic link not followed"},
		{".Locked", "permission denied"},
		{".Sent/cur/1:2,S", ""},
		{".Unlisted/cur", "permission denied"},
		{".Unlisted/new/1", ""},
	}
	if len(rs) != len(want) {
		for _, r := range rs {
			if r.msg != nil {
				t.Logf("message %s", r.msg.Evidence)
			} else {
				t.Logf("problem %v", r.problem)
			}
		}
		t.Fatalf("got %d results, want %d", len(rs), len(want))
	}
	for i, w := range want {
		r := rs[i]
		switch {
		case w.err == "" && r.msg == nil:
			t.Errorf("%d: problem %v, want message %s", i, r.problem, w.path)
		case w.err == "" && r.msg.Evidence != w.path:
			t.Errorf("%d: message %s, want %s", i, r.msg.Evidence, w.path)
		case w.err != "" && r.problem == nil:
			t.Errorf("%d: message %s, want problem %s: %s", i, r.msg.Evidence, w.path, w.err)
		case w.err != "" && (r.problem.Path != w.path || r.problem.Offset != -1 || !strings.Contains(r.problem.Err.Error(), w.err)):
			t.Errorf("%d: problem %+v, want %s: %s", i, r.problem, w.path, w.err)
		}
	}
	if p := rs[2].problem; p == nil || !errors.Is(p, formats.ErrEmpty) {
		t.Errorf("empty file problem %v does not wrap formats.ErrEmpty", p)
	}
	if p := rs[5].problem; p == nil || !errors.Is(p, formats.ErrNotRegular) {
		t.Errorf("device problem %v does not wrap formats.ErrNotRegular", p)
	}
}

func TestNewUnreadableRoot(t *testing.T) {
	fsys := failFS{MapFS: fstest.MapFS{"cur/1": file(mail("x"))}, list: map[string]bool{".": true}}
	if _, err := New(fsys); !errors.Is(err, errDenied) {
		t.Errorf("New on an unlistable root: %v", err)
	}
}

func TestTooDeep(t *testing.T) {
	fsys := fstest.MapFS{}
	p := ""
	for i := 0; i <= MaxDepth+1; i++ {
		p += "d/"
		fsys[p+"cur/1"] = file(mail("level " + strconv.Itoa(i)))
	}
	rs := open(t, fsys)
	ms, ps := messages(rs), problems(rs)
	if len(ms) != MaxDepth {
		t.Errorf("got %d messages, want %d", len(ms), MaxDepth)
	}
	if len(ps) != 1 || !errors.Is(ps[0], ErrTooDeep) {
		t.Errorf("problems %v", ps)
	}
	if last := ms[len(ms)-1]; len(last.Folder) != MaxDepth {
		t.Errorf("deepest folder has %d elements", len(last.Folder))
	}
}

func TestClosed(t *testing.T) {
	r, err := New(fstest.MapFS{"cur/1": file(mail("x"))})
	if err != nil {
		t.Fatal(err)
	}
	r.Close()
	if m, err := r.Next(); m != nil || err == nil || err == io.EOF {
		t.Errorf("Next after Close: %v, %v", m, err)
	}
}

// The package registers itself as a folder format whose OpenDir reads the
// same way as New.
func TestRegistered(t *testing.T) {
	f, ok := formats.Lookup("maildir")
	if !ok || f.OpenDir == nil || f.OpenFile != nil {
		t.Fatalf("maildir not registered as a folder format: %+v", f)
	}
	fsys := fstest.MapFS{"cur/1:2,S": file(mail("x")), "new": dir(), "tmp": dir()}
	p := &formats.Probe{Path: "x", FS: fsys}
	if got := f.Match(p); got != MatchMaildir {
		t.Errorf("Match = %d", got)
	}
	src, err := f.OpenDir(fsys, p)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	if ms := messages(drain(t, src)); len(ms) != 1 || ms[0].Evidence != "cur/1:2,S" {
		t.Errorf("messages %q", evidence(ms))
	}
}

func TestMatch(t *testing.T) {
	tests := []struct {
		name string
		fsys fstest.MapFS
		want int
	}{
		{"cur new tmp", fstest.MapFS{"cur": dir(), "new": dir(), "tmp": dir()}, MatchMaildir},
		{"cur new", fstest.MapFS{"cur/1": file("x"), "new": dir()}, MatchMaildir},
		{"cur tmp", fstest.MapFS{"cur": dir(), "tmp": dir()}, MatchPartial},
		{"maildir++ only", fstest.MapFS{".Sent/cur": dir(), ".Sent/new": dir(), "other": dir()}, MatchPlusFolders},
		{"dot dir without new", fstest.MapFS{".git/cur": dir(), ".git/objects": dir()}, 0},
		{"cur only", fstest.MapFS{"cur/a": file("x")}, MatchSubOnly},
		{"cur is a file", fstest.MapFS{"cur": file("x"), "new": file("y")}, 0},
		{"nothing", fstest.MapFS{"a.eml": file("x"), "sub/cur": dir()}, 0},
		{"empty", fstest.MapFS{}, 0},
	}
	for _, tt := range tests {
		if got := Match(&formats.Probe{FS: tt.fsys}); got != tt.want {
			t.Errorf("%s: Match = %d, want %d", tt.name, got, tt.want)
		}
	}
	if got := Match(&formats.Probe{Head: []byte("From: x\n\n")}); got != 0 {
		t.Errorf("Match on a file = %d", got)
	}
}

func readAllOf(m *formats.Message) ([]byte, error) {
	rc, err := m.Open()
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	return io.ReadAll(rc)
}

// TestClassicMacMessage: a message file whose lines end with CR alone is
// read with LF in their place, as the registry reads such a .eml file, and
// checked as one (its multipart closing delimiter is found).
func TestClassicMacMessage(t *testing.T) {
	msg := "From: a@example.com\nTo: b@example.org\nSubject: m\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=\"b1\"\n\n--b1\nContent-Type: text/plain\n\nhello\n--b1--\n"
	fsys := fstest.MapFS{"cur/1:2,S": file(strings.ReplaceAll(msg, "\n", "\r"))}
	ms := messages(open(t, fsys))
	if len(ms) != 1 {
		t.Fatalf("%d messages", len(ms))
	}
	m := ms[0]
	b, err := readAllOf(m)
	if err != nil || string(b) != msg || m.State != formats.Intact || len(m.Warnings) != 1 || m.Warnings[0] != formats.MacLineEndsWarning {
		t.Errorf("message %q (%v), state %s, warnings %q", b, err, m.State, m.Warnings)
	}
}
