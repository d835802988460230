package maildir_test

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"testing/fstest"

	"github.com/mailsalvage/mailsalvage/formats"
	"github.com/mailsalvage/mailsalvage/formats/maildir"
)

// Reading a Maildir++ tree. In a real program the file system is
// formats.EvidenceFS(dir), which opens every file read-only.
func Example() {
	msg := func(subject string) *fstest.MapFile {
		return &fstest.MapFile{Data: []byte("From: a@example.org\nSubject: " + subject +
			"\nDate: Mon, 1 Jan 2024 10:00:00 +0000\n\nHello.\n")}
	}
	fsys := fstest.MapFS{
		"cur/1700000000.M1P2.host,S=83:2,RS":  msg("answered"),
		"new/1700000001.M3P4.host":            msg("unread"),
		"tmp/1700000002.M5P6.host":            msg("half-delivered"),
		".Entw&APw-rfe/cur/1700000003.h:2,DT": msg("discarded draft"),
		".Entw&APw-rfe/new":                   &fstest.MapFile{Mode: fs.ModeDir | 0o555},
		".Entw&APw-rfe/cur/empty:2,":          &fstest.MapFile{},
		"dovecot-uidlist":                     &fstest.MapFile{Data: []byte("3 V1 N4\n")},
	}
	r, err := maildir.New(fsys)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer r.Close()
	for {
		m, err := r.Next()
		var p *formats.Problem
		switch {
		case err == io.EOF:
			return
		case errors.As(err, &p):
			fmt.Println("problem:", p)
			continue
		case err != nil:
			fmt.Println(err)
			return
		}
		fmt.Printf("%q %s flags=%q %s %q\n", m.Folder, m.State, m.Attrs["maildir_flags"], m.Evidence, m.Warnings)
	}
	// Output:
	// [] intact flags="RS" cur/1700000000.M1P2.host,S=83:2,RS []
	// [] intact flags="" new/1700000001.M3P4.host []
	// [] partial flags="" tmp/1700000002.M5P6.host ["file in tmp/: delivery not completed (half-delivered message)"]
	// ["Entwürfe"] deleted flags="DT" .Entw&APw-rfe/cur/1700000003.h:2,DT []
	// problem: .Entw&APw-rfe/cur/empty:2,: empty file
}

// ParseName takes a Dovecot file name apart.
func ExampleParseName() {
	n := maildir.ParseName("1700000000.M1P2.host,S=4242,W=4300:2,FSab")
	fmt.Println(n.Unique)
	fmt.Println(n.Size, n.VSize, n.Flags, n.Keywords, n.Has(maildir.FlagSeen))
	// Output:
	// 1700000000.M1P2.host,S=4242,W=4300
	// 4242 4300 FS ab true
}
