package dbx

import (
	"bytes"
	"errors"
	"io"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/mailsalvage/mailsalvage/formats"
)

type got struct {
	m     *formats.Message
	bytes []byte
}

// readAll reads every message of data, checking that each reads back with
// its announced size, and returns them with the problems reported.
func readAll(t testing.TB, data []byte) ([]got, []error) {
	t.Helper()
	rd := NewReader(bytes.NewReader(data), int64(len(data)))
	var out []got
	var problems []error
	for i := 0; ; i++ {
		if i > len(data)+10 {
			t.Fatalf("more results than bytes")
		}
		m, err := rd.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			var p *formats.Problem
			if !errors.As(err, &p) {
				t.Fatalf("fatal error: %v", err)
			}
			problems = append(problems, err)
			continue
		}
		rc, err := m.Open()
		if err != nil {
			t.Fatalf("%s: open: %v", m.Chain, err)
		}
		b, err := io.ReadAll(rc)
		rc.Close()
		if err != nil || int64(len(b)) != m.Size {
			t.Fatalf("%s: read %d bytes (%v), Size %d", m.Chain, len(b), err, m.Size)
		}
		if !m.State.Valid() {
			t.Fatalf("%s: state %q", m.Chain, m.State)
		}
		out = append(out, got{m, b})
	}
	return out, problems
}

func TestIntact(t *testing.T) {
	for _, interleave := range []bool{false, true} {
		msgs := synthMsgs(130) // more than one tree node holds
		sf := buildDBX(msgs, synthOpts{Interleave: interleave})
		out, problems := readAll(t, sf.Data)
		if len(problems) > 0 {
			t.Errorf("problems: %v", problems)
		}
		if len(out) != len(msgs) {
			t.Fatalf("%d messages, want %d", len(out), len(msgs))
		}
		for i, g := range out {
			if !bytes.Equal(g.bytes, msgs[i].Text) {
				t.Errorf("message %d differs", i)
			}
			if g.m.State != formats.Intact || g.m.Method != "dbx" || len(g.m.Warnings) > 0 {
				t.Errorf("message %d: %s %s %v", i, g.m.State, g.m.Method, g.m.Warnings)
			}
			if g.m.Attrs["dbx_subject"] != msgs[i].Subject || g.m.Attrs["dbx_flag_names"] != "downloaded,read" ||
				g.m.Attrs["dbx_index"] != itoa(int(msgs[i].Index)) || g.m.Attrs["dbx_message_id"] != msgs[i].MessageID {
				t.Errorf("message %d attrs %v", i, g.m.Attrs)
			}
			h := g.m.Chain[0]
			if h.Format != "dbx" || *h.Offset != sf.Blocks[i][0] || *h.Length != BlockSize {
				t.Errorf("message %d hop %s", i, h)
			}
			if !strings.Contains(h.Locator, "index "+itoa(int(msgs[i].Index))) {
				t.Errorf("message %d locator %q", i, h.Locator)
			}
		}
	}
}

func itoa(i int) string { return strconv.Itoa(i) }

func TestFileAPI(t *testing.T) {
	msgs := synthMsgs(60)
	sf := buildDBX(msgs, synthOpts{})
	f, err := NewFile(bytes.NewReader(sf.Data), int64(len(sf.Data)))
	if err != nil {
		t.Fatal(err)
	}
	if f.Header.Class != ClassMessages || f.Header.TreeCount[0] != 60 || f.Info.FolderName != "Synth" || f.Info.Account != "LocalStore" {
		t.Errorf("header %+v info %+v", f.Header, f.Info)
	}
	infos, errs := f.MessageInfos()
	if len(errs) > 0 || len(infos) != 60 {
		t.Fatalf("%d infos, %v", len(infos), errs)
	}
	for i, off := range infos {
		if int64(off) != sf.Info[i] {
			t.Fatalf("info %d @0x%x, want 0x%x (tree order)", i, off, sf.Info[i])
		}
		mi, err := f.ReadMessageInfo(int64(off))
		if err != nil || mi.Index != msgs[i].Index || int64(mi.Data) != sf.Blocks[i][0] || mi.Subject != msgs[i].Subject || mi.Sent.IsZero() {
			t.Fatalf("info %d: %+v %v", i, mi, err)
		}
		c := f.ReadChain(int64(mi.Data))
		if c.Err != nil || c.Size != int64(len(msgs[i].Text)) || len(c.Blocks) != len(sf.Blocks[i]) {
			t.Fatalf("chain %d: %+v", i, c)
		}
	}
	node, err := f.ReadTreeNode(sf.Root)
	if err != nil || len(node.Entries) == 0 || node.Child == 0 {
		t.Errorf("root %+v %v", node, err)
	}
	if _, err := f.ReadTreeNode(sf.Root + 4); !errors.Is(err, ErrFormat) {
		t.Errorf("tree node at a wrong offset: %v", err)
	}
	var fe *FormatError
	if _, err := f.ReadBlock(sf.Blocks[0][0] + 4); !errors.As(err, &fe) || fe.Off != sf.Blocks[0][0]+4 || !errors.Is(err, ErrChain) {
		t.Errorf("block at a wrong offset: %v", err)
	}
}

func TestNotDBX(t *testing.T) {
	for _, data := range [][]byte{nil, []byte("From: a\r\n\r\nbody"), make([]byte, 0x3000)} {
		if _, err := NewFile(bytes.NewReader(data), int64(len(data))); !errors.Is(err, ErrFormat) {
			t.Errorf("%q...: %v", data[:min(len(data), 8)], err)
		}
		if Match(&formats.Probe{Head: data}) != 0 {
			t.Errorf("matched %q", data[:min(len(data), 8)])
		}
	}
	sf := buildDBX(synthMsgs(2), synthOpts{})
	if c := Match(&formats.Probe{Head: sf.Data[:4096]}); c != 95 {
		t.Errorf("message store confidence %d", c)
	}
	odd := append([]byte(nil), sf.Data[:4096]...)
	odd[5] = 0x77
	if c := Match(&formats.Probe{Head: odd}); c != 40 {
		t.Errorf("unknown class confidence %d", c)
	}
}

func TestFolderStore(t *testing.T) {
	sf := buildDBX(nil, synthOpts{Folders: []synthFolder{
		{Index: 0, Parent: 0xffffffff, Name: "Outlook Express", File: ""},
		{Index: 1, Parent: 0, Name: "Local Folders", File: ""},
		{Index: 4, Parent: 1, Name: "Inbox", File: "Inbox.dbx"},
		{Index: 5, Parent: 4, Name: "Projects", File: "Projects.dbx"},
		{Index: 9, Parent: 0, Name: "news.example.com", File: ""},
		{Index: 10, Parent: 9, Name: "comp.lang.go", File: "comp.lang.go.dbx"},
	}})
	out, problems := readAll(t, sf.Data)
	if len(out) != 0 || len(problems) != 0 {
		t.Errorf("folder store: %d messages, problems %v", len(out), problems)
	}
	if c := Match(&formats.Probe{Head: sf.Data[:4096]}); c != 95 {
		t.Errorf("folder store confidence %d", c)
	}
	f, _ := NewFile(bytes.NewReader(sf.Data), int64(len(sf.Data)))
	fs, errs := f.Folders()
	if len(fs) != 6 || len(errs) > 0 {
		t.Fatalf("%d folders, %v", len(fs), errs)
	}
	paths := FolderPaths(fs)
	want := map[string]string{
		"Inbox.dbx":        "Local Folders/Inbox",
		"Projects.dbx":     "Local Folders/Inbox/Projects",
		"comp.lang.go.dbx": "news.example.com/comp.lang.go",
	}
	if len(paths) != len(want) {
		t.Errorf("paths %v", paths)
	}
	for k, v := range want {
		if strings.Join(paths[k], "/") != v {
			t.Errorf("%s: %v, want %s", k, paths[k], v)
		}
	}
}

func TestFolderName(t *testing.T) {
	for in, want := range map[string]string{"/x/Inbox.dbx": "Inbox", "Sent Items.DBX": "Sent Items", "comp.lang.go.dbx": "comp.lang.go", "": ""} {
		if got := strings.Join(FolderName(in), "/"); got != want {
			t.Errorf("%q: %q", in, got)
		}
	}
}

// The registry knows the format, detects it by content and names the
// folder after the file.
func TestRegistered(t *testing.T) {
	fm, ok := formats.Lookup("dbx")
	if !ok {
		t.Fatal("dbx not registered")
	}
	msgs := synthMsgs(3)
	sf := buildDBX(msgs, synthOpts{})
	dir := t.TempDir()
	p := dir + "/Sent Items.dbx"
	if err := os.WriteFile(p, sf.Data, 0o644); err != nil {
		t.Fatal(err)
	}
	if name, err := formats.Detect(p); err != nil || name != "dbx" {
		t.Errorf("Detect: %q %v", name, err)
	}
	src, _, err := formats.Open(p)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
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
		if strings.Join(m.Folder, "/") != "Sent Items" || m.Evidence != p {
			t.Errorf("folder %v evidence %q", m.Folder, m.Evidence)
		}
	}
	if n != len(msgs) {
		t.Errorf("%d messages", n)
	}
	if e := formats.ExpectedOf(src); len(e) != 1 || e[0].Count != len(msgs) || strings.Join(e[0].Folder, "/") != "Sent Items" {
		t.Errorf("expected %v", e)
	}
	if _, err := fm.OpenFile(bytes.NewReader([]byte("not a dbx file at all, but long enough to have a header............................................................................................................................................................................................................................................")), 300, &formats.Probe{}); !errors.Is(err, ErrFormat) {
		t.Errorf("OpenFile of a non-dbx: %v", err)
	}
}
