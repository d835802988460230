package formats

import (
	"bytes"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"testing/fstest"
)

// Two toy formats registered for these tests: "toy" files start with
// "TOY\n" and hold one message per line after it; "toydir" folders hold a
// file named TOYDIR.
func init() {
	Register(Format{
		Name:  "toy",
		Match: func(p *Probe) int { return map[bool]int{true: 50}[bytes.HasPrefix(p.Head, []byte("TOY\n"))] },
		OpenFile: func(r io.ReaderAt, size int64, p *Probe) (Source, error) {
			b := make([]byte, size)
			r.ReadAt(b, 0)
			return &lines{lines: strings.Split(strings.TrimSpace(string(b[4:])), "\n")}, nil
		},
	})
	Register(Format{
		Name: "toydir",
		Match: func(p *Probe) int {
			_, err := fs.Stat(p.FS, "TOYDIR")
			return map[bool]int{true: 90}[err == nil]
		},
		OpenDir: func(fsys fs.FS, p *Probe) (Source, error) {
			return &lines{lines: []string{"in-dir"}, evidence: "TOYDIR", folder: []string{"Sub"}}, nil
		},
	})
}

type lines struct {
	lines    []string
	evidence string
	folder   []string
}

func (l *lines) Next() (*Message, error) {
	if len(l.lines) == 0 {
		return nil, io.EOF
	}
	s := l.lines[0]
	l.lines = l.lines[1:]
	if s == "bad" {
		return nil, &Problem{Offset: 7, Err: errors.New("bad line")}
	}
	return &Message{
		Open:     func() (io.ReadCloser, error) { return io.NopCloser(strings.NewReader(s)), nil },
		Size:     int64(len(s)),
		Evidence: l.evidence,
		Folder:   append([]string(nil), l.folder...),
		State:    Intact,
		Chain:    Chain{Span("toy", 0, int64(len(s)), s)},
	}, nil
}

func (l *lines) Close() error { return nil }

func drain(t *testing.T, src Source) (msgs []*Message, problems []string, err error) {
	t.Helper()
	for {
		m, e := src.Next()
		if m != nil {
			msgs = append(msgs, m)
		}
		var p *Problem
		switch {
		case e == io.EOF:
			return msgs, problems, nil
		case errors.As(e, &p):
			problems = append(problems, p.Error())
		case e != nil:
			return msgs, problems, e
		}
	}
}

func write(t *testing.T, dir, rel, content string) {
	t.Helper()
	p := filepath.Join(dir, filepath.FromSlash(rel))
	os.MkdirAll(filepath.Dir(p), 0o755)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestOpenFileAndErrors(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, "a.toy", "TOY\none\ntwo\n")
	write(t, dir, "empty", "")
	write(t, dir, "bin", "\x00\x01\x02\x03\x04\x05\x06\x07")
	src, name, err := Open(filepath.Join(dir, "a.toy"))
	if err != nil || name != "toy" {
		t.Fatalf("Open: %v %q", err, name)
	}
	msgs, _, _ := drain(t, src)
	src.Close()
	if len(msgs) != 2 || msgs[0].Evidence != filepath.Join(dir, "a.toy") {
		t.Errorf("messages %d, evidence %q", len(msgs), msgs[0].Evidence)
	}
	for file, want := range map[string]error{"empty": ErrEmpty, "bin": ErrUnknown, "missing": fs.ErrNotExist} {
		_, _, err := Open(filepath.Join(dir, file))
		var oe *OpenError
		if !errors.As(err, &oe) || !errors.Is(err, want) || !strings.HasPrefix(err.Error(), filepath.Join(dir, file)+": ") {
			t.Errorf("%s: %v, want an OpenError naming the file and wrapping %v", file, err, want)
		}
	}
	if _, _, err := Open("/dev/null"); !errors.Is(err, ErrNotRegular) {
		t.Errorf("/dev/null: %v", err)
	}
}

func TestWalk(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, "b/Inbox.sbd/Work.toy", "TOY\nw1\nbad\nw2\n")
	write(t, dir, "a.toy", "TOY\nx\n")
	write(t, dir, "maildirish/TOYDIR", "")
	write(t, dir, "notes.txt", "just text\n")
	write(t, dir, "Inbox.msf", "// <!-- <mdb:mork:z v=\"1.4\"/> -->\n")
	write(t, dir, "Mail/Work.mbox/ABCDEF01-2345-6789-ABCD-EF0123456789/Data/1/Messages/1.toy", "TOY\nm\n")
	src, name, err := Open(dir)
	if err != nil || name != "folder" {
		t.Fatalf("Open dir: %v %q", err, name)
	}
	msgs, problems, err := drain(t, src)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, m := range msgs {
		got = append(got, strings.Join(m.Folder, "/")+":"+m.Chain[0].Locator+"@"+strings.TrimPrefix(filepath.ToSlash(m.Evidence), filepath.ToSlash(dir)+"/"))
	}
	want := []string{ // lexical (byte) order: upper case first
		"Mail/Work:m@Mail/Work.mbox/ABCDEF01-2345-6789-ABCD-EF0123456789/Data/1/Messages/1.toy",
		":x@a.toy",
		"b/Inbox:w1@b/Inbox.sbd/Work.toy",
		"b/Inbox:w2@b/Inbox.sbd/Work.toy",
		"maildirish/Sub:in-dir@maildirish/TOYDIR",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("walk gave\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	// the bad line is a problem naming its file and offset; notes.txt is
	// reported, the Thunderbird index is not
	if len(problems) != 2 || !strings.Contains(problems[0], filepath.Join(dir, "b/Inbox.sbd/Work.toy")+" @0x7: bad line") ||
		!strings.Contains(problems[1], "notes.txt: not a recognized mail format") {
		t.Errorf("problems %q", problems)
	}
}

func TestWalkNoMail(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, "photo.jpg", "\xff\xd8\xff\xe0\x00\x10JFIF")
	src, _, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	_, _, err = drain(t, src)
	if !errors.Is(err, ErrUnknown) || !strings.Contains(err.Error(), "holds no mail") {
		t.Errorf("folder without mail: %v", err)
	}
}

func TestWalkFS(t *testing.T) {
	fsys := fstest.MapFS{
		"x/y.toy": {Data: []byte("TOY\nq\n")},
		"link":    {Mode: fs.ModeSymlink, Data: []byte("/etc/passwd")},
	}
	src, err := Walk(fsys, "mem")
	if err != nil {
		t.Fatal(err)
	}
	msgs, problems, _ := drain(t, src)
	if len(msgs) != 1 || strings.Join(msgs[0].Folder, "/") != "x" || msgs[0].Evidence != "x/y.toy" {
		t.Errorf("messages %+v", msgs)
	}
	if len(problems) != 1 || !strings.Contains(problems[0], "symbolic link not followed") {
		t.Errorf("problems %q", problems)
	}
}

func TestFolderOf(t *testing.T) {
	cases := map[string]string{
		".":                                     "",
		"Archive.sbd/2019.sbd":                  "Archive/2019",
		"Mail/V2/Mailboxes/INBOX.mbox/Messages": "Mail/V2/Mailboxes/INBOX",
		"Work.mbox/0A1B2C3D-0000-1111-2222-333344445555/Data/3/1/Messages": "Work",
		"plain/dir": "plain/dir",
		".sbd":      ".sbd",
	}
	for in, want := range cases {
		if got := strings.Join(FolderOf(in), "/"); got != want {
			t.Errorf("FolderOf(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestHopJSON(t *testing.T) {
	c := Chain{Span("mbox", 0, 10, "message 1"), {Format: "pst", Locator: "node 0x21"}}
	if got := c.String(); got != "mbox @0x0+10 message 1 -> pst node 0x21" {
		t.Errorf("chain %q", got)
	}
}

func TestDescribeContent(t *testing.T) {
	cases := map[string]string{
		"\x00\x00\x00":        "all zero",
		"\x7fELF\x02\x01\x01": "binary data, starting 7f 45 4c 46",
		"hello world\n":       "text, but no mail header",
	}
	for in, want := range cases {
		if got := DescribeContent([]byte(in)); !strings.Contains(got, want) {
			t.Errorf("DescribeContent(%q) = %q, want it to say %q", in, got, want)
		}
	}
}

// OpenCounting counts every byte the format reads, the probe's head
// included, and through a folder walk's files too.
func TestOpenCounting(t *testing.T) {
	dir := t.TempDir()
	body := "TOY\none\ntwo\nthree\n"
	if err := os.WriteFile(filepath.Join(dir, "a.toy"), []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	var n atomic.Int64
	src, _, err := OpenCounting(filepath.Join(dir, "a.toy"), &n)
	if err != nil {
		t.Fatal(err)
	}
	src.Close()
	// the head read by the probe, then the whole file by the toy reader
	if want := int64(2 * len(body)); n.Load() != want {
		t.Errorf("file: counted %d bytes, want %d", n.Load(), want)
	}
	n.Store(0)
	src, name, err := OpenCounting(dir, &n)
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := src.Next(); err == io.EOF {
			break
		} else if err != nil {
			t.Fatal(err)
		}
	}
	src.Close()
	if name != "folder" || n.Load() != int64(2*len(body)) {
		t.Errorf("folder (%s): counted %d bytes, want %d", name, n.Load(), 2*len(body))
	}
}
