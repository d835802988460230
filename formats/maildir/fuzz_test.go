package maildir

import (
	"bytes"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/mailsalvage/mailsalvage/formats"
	"github.com/mailsalvage/mailsalvage/internal/corpus"
)

// corpusMaildirNames gives the names of the files (dirs false) or of the
// Maildir++ folders, the directories whose name starts with a dot (dirs
// true), below the corpus maildir folder, sorted and without duplicates;
// none when the corpus is absent. The fuzz targets add them as seeds at
// run time: names from the corpus are never copied into testdata.
func corpusMaildirNames(dirs bool) []string {
	root := corpus.Root()
	if root == "" {
		return nil
	}
	seen := map[string]bool{}
	filepath.WalkDir(filepath.Join(root, "maildir"), func(p string, e os.DirEntry, err error) error {
		if err != nil {
			return nil
		}
		if dirs && e.IsDir() && strings.HasPrefix(e.Name(), ".") && len(e.Name()) > 1 {
			seen[e.Name()] = true
		}
		if !dirs && e.Type().IsRegular() {
			seen[e.Name()] = true
		}
		return nil
	})
	names := make([]string, 0, len(seen))
	for n := range seen {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// FuzzParseName: seeds below, under testdata/fuzz/FuzzParseName (names
// written for the test) and the corpus file names (corpusMaildirNames).
func FuzzParseName(f *testing.F) {
	for _, s := range []string{
		"1234.M5P6.host,S=1024,W=1050:2,RST",
		"x!2,S", "x;2,S", "x:2,Sab", "x:1,experimental", "1220863087.12663_21.mindcrime",
		"", ":", "::2,", ",S=,W=", "a,S=99999999999999999999", "\xff:2,\x00",
	} {
		f.Add(s)
	}
	// with the corpus present, the names of its Maildir files (mu,
	// notmuch, MailBox and stalwart test data: ':', '!' and ';'
	// separators, S= and W= sizes, keywords)
	for _, s := range corpusMaildirNames(false) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		checkName(t, s, ParseName(s))
	})
}

// fuzzFS builds a small Maildir from fuzz bytes: records separated by NUL,
// each a path line and the file's content. A path starting with '#' is a
// directory, '@' a symbolic link, '%' a device.
func fuzzFS(data []byte) fstest.MapFS {
	fsys := fstest.MapFS{}
	for i, rec := range bytes.Split(data, []byte{0}) {
		if i == 64 {
			break
		}
		name, content, _ := bytes.Cut(rec, []byte{'\n'})
		p := string(name)
		mode := fs.FileMode(0o444)
		switch {
		case strings.HasPrefix(p, "#"):
			p, mode = p[1:], fs.ModeDir|0o555
		case strings.HasPrefix(p, "@"):
			p, mode = p[1:], fs.ModeSymlink|0o777
		case strings.HasPrefix(p, "%"):
			p, mode = p[1:], fs.ModeDevice|0o600
		}
		if !fs.ValidPath(p) || p == "." {
			continue
		}
		if mode.IsDir() {
			content = nil
		}
		fsys[p] = &fstest.MapFile{Data: content, Mode: mode}
	}
	return fsys
}

func FuzzReader(f *testing.F) {
	f.Add([]byte("cur/1:2,S\n" + mail("a") + "\x00new/2\n" + mail("b") + "\x00tmp/3:2,T\nFrom: x\n"))
	f.Add([]byte(".Sub.&AOQ-/cur/1,S=5:2,RST\nshort\x00#.Sub.&AOQ-/new\x00dovecot-uidlist\n3 V1\x00cur/2\n"))
	f.Add([]byte("Foo/cur/x\n" + mail("c") + "\x00Foo/Bar/new/y\n\x00@cur/link\n/etc\x00%new/dev\n\x00cur/.hidden\nx"))
	f.Add([]byte("cur\nnot a dir\x00new/a\n\x00\x00x.eml\n" + mail("stray") + "\x00#tmp\x00.A..B/cur/z\nSubject: z\n\n"))
	f.Add([]byte("cur/b\n\n \n" + mail("blank lines first") + "\x00cur/m\nContent-Type: multipart/mixed; boundary=x\n\n--x\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		fsys := fuzzFS(data)
		Match(&formats.Probe{FS: fsys})
		r, err := New(fsys)
		if err != nil {
			return
		}
		defer r.Close()
		for range 4 * (len(fsys) + 2) {
			m, err := r.Next()
			if err == io.EOF {
				return
			}
			var p *formats.Problem
			if errors.As(err, &p) {
				if m != nil || p.Path == "" {
					t.Fatalf("problem %v with message %v", p, m)
				}
				continue
			}
			if err != nil {
				t.Fatalf("Next: %v", err)
			}
			if m == nil {
				t.Fatal("Next returned nil, nil")
			}
			if !m.State.Valid() || m.Method != Method || len(m.Chain) != 1 {
				t.Fatalf("%s: state %q method %q chain %v", m.Evidence, m.State, m.Method, m.Chain)
			}
			mf, ok := fsys[m.Evidence]
			if !ok {
				t.Fatalf("Evidence %q not in the file system", m.Evidence)
			}
			rc, err := m.Open()
			if err != nil {
				t.Fatalf("%s: Open: %v", m.Evidence, err)
			}
			got, err := io.ReadAll(rc)
			rc.Close()
			// the file from the offset the chain names (blank lines before
			// the header are left out)
			off, n := *m.Chain[0].Offset, *m.Chain[0].Length
			if off < 0 || n < 0 || off+n != int64(len(mf.Data)) {
				t.Fatalf("%s: chain %s for a %d-byte file", m.Evidence, m.Chain, len(mf.Data))
			}
			// before the message: blank lines, a byte order mark, an mbox
			// From line
			if lead := bytes.TrimLeft(mf.Data[:off], "\xef\xbb\xbf \t\r\n"); len(lead) > 0 && !bytes.HasPrefix(lead, []byte("From ")) {
				t.Fatalf("%s: chain %s leaves out %q", m.Evidence, m.Chain, lead)
			}
			want := mf.Data
			if slices.Contains(m.Warnings, formats.MacLineEndsWarning) {
				// lines ended with CR alone: read with LF in their place
				want = make([]byte, len(mf.Data))
				formats.CRAsLF(bytes.NewReader(mf.Data)).ReadAt(want, 0)
			}
			if err != nil || !bytes.Equal(got, want[off:]) || int64(len(got)) != m.Size {
				t.Fatalf("%s: Open read %d bytes (%v), file has %d from offset %d, Size %d", m.Evidence, len(got), err, len(mf.Data), off, m.Size)
			}
		}
		t.Fatal("Next did not reach io.EOF")
	})
}
