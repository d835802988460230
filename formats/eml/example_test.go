package eml_test

import (
	"fmt"
	"io"
	"strings"

	"github.com/mailsalvage/mailsalvage/formats"
	"github.com/mailsalvage/mailsalvage/formats/eml"
)

// A message file recovered from a disk, with the rest of its last cluster
// (NUL bytes) still attached.
func Example() {
	raw := "From: Alice <alice@example.com>\n" +
		"To: Bob <bob@example.org>\n" +
		"Subject: Minutes\n" +
		"Date: Tue, 1 Aug 2023 10:00:00 +0000\n" +
		"\n" +
		"See below.\n" +
		strings.Repeat("\x00", 400)
	p := &formats.Probe{Path: "minutes.eml", Head: []byte(raw)}
	fmt.Println("eml:", eml.MatchEML(p), "emlx:", eml.MatchEMLX(p))

	src, err := eml.OpenEML(strings.NewReader(raw), int64(len(raw)), p)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer src.Close()
	m, _ := src.Next()
	rc, _ := m.Open()
	body, _ := io.ReadAll(rc)
	rc.Close()
	fmt.Println(m.Method, m.State, m.Size, len(body))
	fmt.Println(m.Chain)
	fmt.Println(m.Warnings)
	// Output:
	// eml: 50 emlx: 0
	// eml intact 124 124
	// eml @0x0+124
	// [400 trailing NUL bytes at offset 124 (0x7c) trimmed (disk slack)]
}

func ExampleFlags() {
	f := eml.Flags(8623689857) // as an Apple Mail property list has it
	fmt.Println(f.Names())
	fmt.Println(f.AttachmentCount(), f.Priority(), f&eml.FlagDeleted != 0)
	// Output:
	// [read initial not_junk bit33]
	// 4 3 false
}

func ExampleReadLayout() {
	file := "12        \n" +
		"Subject: hi\n" + // 12 bytes of message, as the first line says
		`<?xml version="1.0" encoding="UTF-8"?><plist version="1.0"><dict><key>flags</key><integer>3</integer></dict></plist>`
	l, err := eml.ReadLayout(strings.NewReader(file), int64(len(file)))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(l.Offset, l.Length, l.Plist, l.Truncated)
	entries, _ := eml.ReadPlist(io.NewSectionReader(strings.NewReader(file), l.Plist, l.End-l.Plist))
	fmt.Println(entries)
	// Output:
	// 11 12 23 false
	// [{flags integer 3}]
}
