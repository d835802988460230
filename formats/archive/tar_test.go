package archive

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/mailsalvage/mailsalvage/formats"
	_ "github.com/mailsalvage/mailsalvage/formats/eml"
	_ "github.com/mailsalvage/mailsalvage/formats/gzip"
	_ "github.com/mailsalvage/mailsalvage/formats/maildir"
	_ "github.com/mailsalvage/mailsalvage/formats/mbox"
	"github.com/mailsalvage/mailsalvage/internal/corpus"
	"github.com/mailsalvage/mailsalvage/internal/srctest"
)

func msg(subject string) []byte {
	return []byte("From: a@example.org\nTo: b@example.org\nSubject: " + subject + "\nDate: Mon, 1 Jan 2024 10:00:00 +0000\nMessage-ID: <" + strings.ReplaceAll(subject, " ", ".") + "@example.org>\n\nbody of " + subject + "\n")
}

type entry struct {
	name string
	data []byte
	typ  byte
	link string // TypeLink: the member linked to
}

// tarOf lays the entries out as a tar archive.
func tarOf(t *testing.T, entries []entry) []byte {
	t.Helper()
	var b bytes.Buffer
	tw := tar.NewWriter(&b)
	for _, e := range entries {
		h := &tar.Header{Name: e.name, Mode: 0o644, Size: int64(len(e.data)), Typeflag: e.typ, ModTime: time.Unix(1700000000, 0)}
		switch e.typ {
		case tar.TypeDir:
			h.Size, h.Mode = 0, 0o755
		case tar.TypeSymlink:
			h.Size, h.Linkname = 0, "elsewhere"
		case tar.TypeLink:
			h.Size, h.Linkname = 0, e.link
		}
		if err := tw.WriteHeader(h); err != nil {
			t.Fatal(err)
		}
		if h.Size > 0 {
			tw.Write(e.data)
		}
	}
	tw.Close()
	return b.Bytes()
}

// backup is a mail backup as tar makes one: a Maildir (a trashed message
// among them), an mbox, a loose .eml, metadata and a symbolic link.
func backup(t *testing.T) ([]entry, []byte) {
	mbox := append(append([]byte("From a@example.org Mon Jan  1 10:00:00 2024\n"), msg("in the mbox one")...),
		append([]byte("\nFrom a@example.org Mon Jan  1 10:00:00 2024\n"), msg("in the mbox two")...)...)
	entries := []entry{
		{name: "home/ann/Maildir/", typ: tar.TypeDir},
		{name: "home/ann/Maildir/cur/", typ: tar.TypeDir},
		{name: "home/ann/Maildir/new/", typ: tar.TypeDir},
		{name: "home/ann/Maildir/tmp/", typ: tar.TypeDir},
		{name: "home/ann/Maildir/cur/1700000001.M1P1.host:2,S", data: msg("seen"), typ: tar.TypeReg},
		{name: "home/ann/Maildir/cur/1700000002.M2P1.host:2,ST", data: msg("trashed"), typ: tar.TypeReg},
		{name: "home/ann/Maildir/new/1700000003.M3P1.host", data: msg("new one"), typ: tar.TypeReg},
		{name: "home/ann/Maildir/dovecot-uidlist", data: []byte("3 V1 N4\n"), typ: tar.TypeReg},
		{name: "home/ann/mail/lists.mbox", data: mbox, typ: tar.TypeReg},
		{name: "home/ann/Desktop/saved.eml", data: msg("saved"), typ: tar.TypeReg},
		{name: "home/ann/Desktop/link.eml", typ: tar.TypeSymlink},
		// the seen message in a second folder, as a hard link
		{name: "home/ann/Maildir/.Archive/cur/1700000001.M1P1.host:2,S", typ: tar.TypeLink, link: "home/ann/Maildir/cur/1700000001.M1P1.host:2,S"},
	}
	return entries, tarOf(t, entries)
}

type got struct {
	subject string
	m       *formats.Message
	body    []byte
}

func drain(t *testing.T, src formats.Source) ([]got, []string) {
	t.Helper()
	read, problems := srctest.Drain(t, src)
	var out []got
	for _, r := range read {
		g := got{m: r.M, body: r.Data}
		if s := regexp.MustCompile(`Subject: (.*)\n`).FindSubmatch(r.Data); s != nil {
			g.subject = string(s[1])
		}
		out = append(out, g)
	}
	return out, problems
}

// TestBackup: every mailbox in the archive is read by its own format
// (the Maildir's trashed message is deleted), folders come from the
// member paths, each chain starts with the member's data in the archive,
// and the links and metadata are not taken for mail.
func TestBackup(t *testing.T) {
	entries, archive := backup(t)
	for _, c := range []struct {
		name, format string
		data         []byte
	}{
		{"backup.tar", "tar", archive},
		{"backup.tgz", "gzip", gz(archive)},
	} {
		t.Run(c.name, func(t *testing.T) {
			path := srctest.File(t, c.name, c.data)
			src, format, err := formats.Open(path)
			if err != nil {
				t.Fatal(err)
			}
			defer src.Close()
			msgs, problems := drain(t, src)
			if format != c.format {
				t.Errorf("format %q", format)
			}
			var subjects []string
			for _, g := range msgs {
				subjects = append(subjects, g.subject)
				if g.m.Evidence != path {
					t.Errorf("%s: evidence %q", g.subject, g.m.Evidence)
				}
				chain := g.m.Chain
				if c.format == "gzip" {
					chain = chain[1:]
				}
				h := chain[0]
				if h.Format != "tar" || h.Offset == nil || !strings.HasPrefix(h.Locator, "member home/ann/") {
					t.Errorf("%s: chain %v", g.subject, g.m.Chain)
					continue
				}
				// the hop covers the member's data in the archive
				for _, e := range entries {
					if "member "+e.name == h.Locator && e.typ == tar.TypeReg && !bytes.Equal(archive[*h.Offset:*h.Offset+*h.Length], e.data) {
						t.Errorf("%s: hop %v does not cover the member's data", g.subject, h)
					}
				}
				switch g.subject {
				case "trashed":
					if g.m.State != formats.Deleted {
						t.Errorf("trashed: state %s", g.m.State)
					}
				case "seen", "new one":
					if g.m.State != formats.Intact || !slices.Equal(g.m.Folder[:4], []string{"backup", "home", "ann", "Maildir"}) {
						t.Errorf("%s: state %s, folder %v", g.subject, g.m.State, g.m.Folder)
					}
				}
			}
			slices.Sort(subjects)
			want := []string{"in the mbox one", "in the mbox two", "new one", "saved", "seen", "seen", "trashed"}
			if !slices.Equal(subjects, want) {
				t.Errorf("subjects %q, want %q", subjects, want)
			}
			if len(problems) != 1 || !strings.Contains(problems[0], "1 symbolic links, devices and other special members left out") {
				t.Errorf("problems %q", problems)
			}
		})
	}
}

func gz(b []byte) []byte {
	var out bytes.Buffer
	w := gzip.NewWriter(&out)
	w.Write(b)
	w.Close()
	return out.Bytes()
}

// TestDamaged: an archive cut short is read up to the cut, and a member
// whose data the cut reaches is read as far as it goes; a header
// overwritten in the middle ends the listing there, said so.
func TestDamaged(t *testing.T) {
	var entries []entry
	for _, s := range []string{"one", "two", "three", "four"} {
		entries = append(entries, entry{name: "mail/" + s + ".eml", data: msg(s), typ: tar.TypeReg})
	}
	archive := tarOf(t, entries)
	third := bytes.Index(archive, []byte("mail/three.eml"))
	second := bytes.Index(archive, []byte("mail/two.eml"))
	for _, c := range []struct {
		name     string
		data     []byte
		subjects int
		problem  string
	}{
		{"cut in a member", archive[:third-512+100], 2, "does not read"},
		// the second and third members zeroed (a hole of bad sectors):
		// the listing resumes at the fourth
		{"hole of zeros", append(append(bytes.Clone(archive[:second]), make([]byte, third+1024-second)...), archive[third+1024:]...), 2, "end-of-archive marker"},
		// the third header overwritten: the listing resumes at the fourth
		{"header overwritten", append(append(bytes.Clone(archive[:third]), bytes.Repeat([]byte("x"), 512)...), archive[third+512:]...), 3, "resumes at the next sound header"},
	} {
		t.Run(c.name, func(t *testing.T) {
			src, _, err := formats.Open(srctest.File(t, "d.tar", c.data))
			if err != nil {
				t.Fatal(err)
			}
			defer src.Close()
			msgs, problems := drain(t, src)
			if len(msgs) != c.subjects || len(problems) == 0 || !strings.Contains(strings.Join(problems, "\n"), c.problem) {
				t.Fatalf("%d messages (want %d), problems %q", len(msgs), c.subjects, problems)
			}
		})
	}
}

// TestNames: names that climb out of the archive are left out and said
// so; absolute names are read below its root, the archive's name (n.tar:
// n) first; a name given twice and one not in UTF-8 are read too.
func TestNames(t *testing.T) {
	archive := tarOf(t, []entry{
		{name: "../../etc/evil.eml", data: msg("evil"), typ: tar.TypeReg},
		{name: "/abs/mail/ok.eml", data: msg("ok"), typ: tar.TypeReg},
		{name: "./rel/./also.eml", data: msg("also"), typ: tar.TypeReg},
		{name: "rel/also.eml", data: msg("also again"), typ: tar.TypeReg}, // the same name: both read
		{name: "bad\xe9name.eml", data: msg("latin"), typ: tar.TypeReg},   // a Latin-1 name: kept
	})
	src, _, err := formats.Open(srctest.File(t, "n.tar", archive))
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	msgs, problems := drain(t, src)
	var folders []string
	for _, g := range msgs {
		folders = append(folders, g.subject+":"+strings.Join(g.m.Folder, "/"))
	}
	slices.Sort(folders)
	if !slices.Equal(folders, []string{"also again:n/rel", "also:n/rel", "latin:n", "ok:n/abs/mail"}) || len(problems) != 2 ||
		!strings.Contains(strings.Join(problems, "\n"), "1 names outside the archive") || !strings.Contains(strings.Join(problems, "\n"), "1 members have the name of an earlier one") {
		t.Fatalf("messages %q, problems %q", folders, problems)
	}
}

// TestCorpus: the corpus's Cyrus spool tarballs give one intact message
// per numbered message file (hard links too), and the Zimbra export one
// per .eml member, those after its end-of-archive marker included.
func TestCorpus(t *testing.T) {
	n := 0
	for _, p := range corpus.Files(t, "misc") {
		if !strings.HasSuffix(p, ".tar.gz") && !strings.HasSuffix(p, ".tgz") {
			continue
		}
		n++
		f, _ := os.Open(p)
		zr, err := gzip.NewReader(f)
		if err != nil {
			t.Fatal(err)
		}
		data, _ := io.ReadAll(zr)
		f.Close()
		// every sound ustar header block, including those after an
		// end-of-archive marker (which archive/tar stops at)
		want := 0
		for off := 0; off+512 <= len(data); off += 512 {
			b := data[off : off+512]
			if string(b[257:262]) != "ustar" || !checksumOK(b) || (b[156] != '0' && b[156] != 0 && b[156] != '1') {
				continue
			}
			name := string(bytes.TrimRight(b[:100], "\x00"))
			if base := filepath.Base(name); regexp.MustCompile(`^\d+\.$`).MatchString(base) || strings.HasSuffix(base, ".eml") {
				want++
			}
		}
		src, _, err := formats.Open(p)
		if err != nil {
			t.Errorf("%s: %v", filepath.Base(p), err)
			continue
		}
		msgs, _ := drain(t, src)
		src.Close()
		intact := 0
		for _, g := range msgs {
			if g.m.State == formats.Intact {
				intact++
			}
		}
		if want == 0 || intact != want || len(msgs) != want {
			t.Errorf("%s: %d messages, %d intact; the archive holds %d message files", filepath.Base(p), len(msgs), intact, want)
		}
	}
	if n == 0 {
		t.Skip("no tar archives in the corpus")
	}
}

func FuzzTar(f *testing.F) {
	_, archive := backup(&testing.T{})
	f.Add(archive)
	f.Add(archive[:1500])
	f.Fuzz(func(t *testing.T, b []byte) {
		if len(b) > 1<<18 {
			return
		}
		src, err := OpenTar(bytes.NewReader(b), int64(len(b)), &formats.Probe{Path: "fuzz.tar"})
		if err != nil {
			return
		}
		defer src.Close()
		if !srctest.Exhaust(src, 100000) {
			t.Fatal("more than 100000 results from a 256 KiB archive")
		}
	})
}

// TestListSkipsData: listing a tar seeks over its members' data instead
// of reading it (a backup of large attachments is not read twice), and a
// member cut short is still told apart.
func TestListSkipsData(t *testing.T) {
	var entries []entry
	for i := range 20 {
		entries = append(entries, entry{name: fmt.Sprintf("files/%d.bin", i), data: bytes.Repeat([]byte{byte(i)}, 256<<10), typ: tar.TypeReg},
			entry{name: fmt.Sprintf("mail/%d.eml", i), data: msg(fmt.Sprint("message ", i)), typ: tar.TypeReg})
	}
	data := tarOf(t, entries)
	c := &srctest.Counting{R: bytes.NewReader(data)}
	a, problems := listTar(c, int64(len(data)))
	if len(a.members) < 40 || len(problems) != 0 {
		t.Fatalf("%d members listed, problems %q", len(a.members), problems)
	}
	if c.N > int64(len(data))/20 {
		t.Errorf("read %d of %d bytes to list the archive", c.N, len(data))
	}
	// cut inside the last big member's data: listed to its cut, said so
	last := bytes.LastIndex(data, []byte("files/19.bin"))
	cut := data[:last+512+1000]
	a, problems = listTar(bytes.NewReader(cut), int64(len(cut)))
	m := a.members["files/19.bin"]
	said := strings.Join(append(problems, a.problems...), "\n")
	if m == nil || m.stored != 1000 || !strings.Contains(said, "the archive ends after 1000 of them") || !strings.Contains(said, fmt.Sprintf("near offset 0x%x,", len(cut))) {
		t.Errorf("cut member %+v, problems %q", m, problems)
	}
}
