package main

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/gzip"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/mailsalvage/mailsalvage/formats/mapi"
	"github.com/mailsalvage/mailsalvage/internal/synth"
)

// Hostile names end to end: mailboxes whose folder names (directory
// names, Maildir++ names in modified UTF-7, PST folder names), subjects
// and attachment names hold "../", absolute paths, NUL, control bytes,
// 10 KB names, reserved Windows names and invalid UTF-8 are recovered;
// nothing is written outside OUT (the parent folder is walked before and
// after), the inputs are unchanged, every name written is a safe element,
// and no message is lost.

var hostileSubjects = []string{
	"../../../etc/passwd", "/etc/shadow", `C:\Windows\win.ini`, "a\x00b", "ctl\x01\x1b[31m\x7f",
	strings.Repeat("S", 10000), "CON", "nul.txt", "COM1", "trail. . .", "\xff\xfe\xfd", "\u202egpj.exe",
	"=?utf-8?b?Li4vLi4vLi4vZXRjL3Bhc3N3ZA==?=", "=?utf-8?q?a=00b=2F=2E=2E=2Fc=0D=0Ad?=",
}

var hostileFolders = []string{
	"../../escape", "/abs", `C:\x`, "a\x00b", "ctl\x01\x1b", strings.Repeat("F", 10000),
	"CON", "nul.txt", "COM1", "LPT1 ", "trail.", "..", ".", "\u202egpj.exe",
}

// hostileDirNames are names a file system accepts that a hostile disk may
// hold (no '/' and no NUL).
var hostileDirNames = []string{
	"ctl\x01\x1bdir", "\xff\xfe\xfd", "CON", "nul.txt", "COM1", "trail.", "trail ", `..\..\evil`,
	strings.Repeat("n", 250), "\u202egpj.exe", "-rf", "*?<>|",
}

func hostileMessage(id int, subject string) string {
	subject = strings.NewReplacer("\r", " ", "\n", " ").Replace(subject)
	return fmt.Sprintf("From: a@example.com\nTo: b@example.com\nSubject: %s\nDate: Mon, 2 Jan 2006 15:04:05 -0700\nMessage-ID: <hostile-%d@example.com>\n\nbody %d\n", subject, id, id)
}

func TestHostileNamesRecover(t *testing.T) {
	parent := t.TempDir()
	in := filepath.Join(parent, "in")
	out := filepath.Join(parent, "out")
	write := func(rel string, data []byte) {
		t.Helper()
		p := filepath.Join(in, rel)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want := map[string]bool{} // Message-IDs
	id := 0
	next := func() (int, string) {
		id++
		s := hostileSubjects[id%len(hostileSubjects)]
		want[fmt.Sprintf("<hostile-%d@example.com>", id)] = true
		return id, s
	}
	// directories and files with hostile names, an mbox and an .eml in each
	for i, d := range hostileDirNames {
		var mbox strings.Builder
		for k := 0; k < 2; k++ {
			n, s := next()
			mbox.WriteString("From a@example.com Mon Jan  2 15:04:05 2006\n" + hostileMessage(n, s) + "\n")
		}
		write(filepath.Join(d, hostileDirNames[(i+1)%len(hostileDirNames)]), []byte(mbox.String()))
		n, s := next()
		write(filepath.Join(d, "sub", fmt.Sprintf("%s.eml", hostileDirNames[(i+2)%len(hostileDirNames)])), []byte(hostileMessage(n, s)))
	}
	// a Maildir++ whose folder names decode (modified UTF-7) to "/", "..",
	// control bytes and reserved names
	for _, f := range []string{"", ".&AC8-etc&AC8-passwd", ".&AC4-&AC4-.&AC4-&AC4-.escape", ".CON", ".trail&AC4-", ".&AAEAGw-ctl", ".&ANgA3w-"} {
		for _, sub := range []string{"cur", "new", "tmp"} {
			if err := os.MkdirAll(filepath.Join(in, "Maildir", f, sub), 0o755); err != nil {
				t.Fatal(err)
			}
		}
		n, s := next()
		write(filepath.Join("Maildir", f, "cur", fmt.Sprintf("1136239445.%d.host:2,S", n)), []byte(hostileMessage(n, s)))
	}
	// a PST with hostile folder names, subjects and attachment names
	var folders []*synth.PSTFolder
	for _, name := range hostileFolders {
		n, s := next()
		note := &synth.Note{
			Subject:   s,
			From:      synth.Address{Name: "../Evil\x00", Email: "evil@example.com"},
			To:        []synth.Address{{Name: "CON", Email: "b@example.com"}},
			Date:      time.Date(2006, 1, 2, 15, 4, 5, 0, time.UTC),
			MessageID: fmt.Sprintf("<hostile-%d@example.com>", n),
			Text:      "body\r\n",
			Attachments: []synth.File{
				{Name: "../../../evil.sh", MIMEType: "text/plain", Data: []byte("x")},
				{Name: "/etc/passwd", MIMEType: "text/plain", Data: []byte("y")},
				{Name: strings.Repeat("A", 10000) + ".txt", MIMEType: "text/plain", Data: []byte("z")},
				{Name: "CON.txt\x00.exe", MIMEType: "text/plain", Data: []byte("w")},
			},
		}
		folders = append(folders, &synth.PSTFolder{Name: name, Class: "IPF.Note", Messages: []*mapi.Message{synth.NoteMessage(note)}})
	}
	pst, err := synth.PST(synth.PSTStore{DisplayName: "../../store\x00", Folders: folders})
	if err != nil {
		t.Fatal(err)
	}
	write(filepath.Join("pst", "hostile.pst"), pst)
	// a .msg with the same
	n, s := next()
	m, err := synth.MSG(synth.NoteMessage(&synth.Note{
		Subject: s, MessageID: fmt.Sprintf("<hostile-%d@example.com>", n), Text: "body\r\n",
		From:        synth.Address{Name: "x", Email: "x@example.com"},
		Attachments: []synth.File{{Name: "..\\..\\evil.bat", MIMEType: "application/octet-stream", Data: []byte("e")}},
	}))
	if err != nil {
		t.Fatal(err)
	}
	write(filepath.Join("msg", "hostile.msg"), m)
	// a zip and a tar.gz whose members have the hostile names: those that
	// would climb out of the archive are left out (and reported), the
	// others recovered under safe names
	var zb, tb bytes.Buffer
	zw := zip.NewWriter(&zb)
	gw := gzip.NewWriter(&tb)
	tw := tar.NewWriter(gw)
	for _, name := range append(append([]string{}, hostileFolders...), hostileDirNames...) {
		for _, w := range []string{"zip", "tar"} {
			n, s := next()
			body := []byte(hostileMessage(n, s))
			member := name + "/" + name + ".eml"
			climbs := slices.Contains(strings.Split(strings.ReplaceAll(member, "\\", "/"), "/"), "..")
			if w == "zip" {
				f, err := zw.Create(member)
				if err != nil {
					t.Fatal(err)
				}
				f.Write(body)
			} else if tw.WriteHeader(&tar.Header{Name: member, Mode: 0o644, Size: int64(len(body)), Format: tar.FormatPAX}) == nil {
				tw.Write(body)
			} else {
				climbs = true // a name tar cannot hold: not in the archive
			}
			if climbs {
				delete(want, fmt.Sprintf("<hostile-%d@example.com>", n))
			}
		}
	}
	zw.Close()
	tw.Close()
	gw.Close()
	write(filepath.Join("archives", "hostile.zip"), zb.Bytes())
	write(filepath.Join("archives", "hostile.tgz"), tb.Bytes())

	inBefore := hashTree(t, in)
	before := walkTree(t, parent)
	code, _, stderr := runCmd(t, "recover", in, "-o", out, "-q")
	if code != exitOK {
		t.Errorf("exit %d:\n%.3000s", code, stderr)
	}
	// nothing outside OUT, inputs unchanged, names safe
	outRel, _ := filepath.Rel(parent, out)
	for p := range walkTree(t, parent) {
		if before[p] {
			continue
		}
		if p != outRel && !strings.HasPrefix(p, outRel+string(filepath.Separator)) {
			t.Errorf("written outside OUT: %q", p)
			continue
		}
		if len(p) > 3000 {
			t.Errorf("path of %d bytes", len(p))
		}
		for _, e := range strings.Split(p, string(filepath.Separator)) {
			bad := len(e) > 255 || !utf8.ValidString(e) || e == ".." || strings.ContainsAny(e, "\\:*?\"<>|")
			for _, r := range e {
				bad = bad || r < 0x20 || r == 0x7f || r == 0x202e
			}
			if bad {
				t.Errorf("unsafe element %.80q in %.300q", e, p)
			}
			base := strings.ToLower(strings.SplitN(e, ".", 2)[0])
			switch strings.TrimRight(base, " ") {
			case "con", "nul", "prn", "aux", "com1", "lpt1":
				t.Errorf("reserved Windows name %q in %.300q", e, p)
			}
		}
	}
	if after := hashTree(t, in); !sameTree(inBefore, after) {
		t.Error("the input tree changed")
	}
	// every message recovered
	got := map[string]bool{}
	for _, r := range provenance(t, out) {
		got[r.MessageID] = true
		if _, err := os.Stat(filepath.Join(out, filepath.FromSlash(r.File))); err != nil {
			t.Errorf("logged file %q: %v", r.File, err)
		}
	}
	for id := range want {
		if !got[id] {
			t.Errorf("%s not recovered", id)
		}
	}
	if len(want) < 40 {
		t.Fatalf("only %d messages planted", len(want))
	}
	t.Logf("%d hostile messages planted and recovered", len(want))
}

// walkTree returns every path below root, relative.
func walkTree(t *testing.T, root string) map[string]bool {
	t.Helper()
	m := map[string]bool{}
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		m[rel] = true
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return m
}
