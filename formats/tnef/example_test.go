package tnef_test

import (
	"errors"
	"fmt"
	"io"
	"log"

	"github.com/mailsalvage/mailsalvage/formats/mapi"
	"github.com/mailsalvage/mailsalvage/formats/tnef"
)

// A tiny winmail.dat: the signature and key, a subject, and one
// attachment (attAttachRendData, attAttachTitle, attAttachData), each
// attribute followed by its checksum.
var winmail = []byte("\x78\x9f\x3e\x22\x01\x00" +
	"\x01\x04\x80\x01\x00\x06\x00\x00\x00Hello\x00\xf4\x01" +
	"\x02\x02\x90\x06\x00\x0e\x00\x00\x00\x01\x00\xff\xff\xff\xff\x00\x00\x00\x00\x00\x00\x00\x00\xfd\x03" +
	"\x02\x10\x80\x01\x00\x06\x00\x00\x00a.txt\x00\xef\x01" +
	"\x02\x0f\x80\x06\x00\x03\x00\x00\x00hi\n\xdb\x00")

func ExampleDecode() {
	m, err := tnef.Decode(winmail)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("subject:", m.Props.Str(mapi.PidTagSubject))
	for _, a := range m.Attachments {
		data, _ := a.Props.Binary(mapi.PidTagAttachDataBinary)
		fmt.Printf("attachment %s: %q\n", a.Props.Str(mapi.PidTagAttachFilename), data)
	}
	// Output:
	// subject: Hello
	// attachment a.txt: "hi\n"
}

func ExampleReader() {
	r, err := tnef.NewReader(winmail)
	if err != nil {
		log.Fatal(err)
	}
	for {
		a, err := r.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			log.Fatal(err)
		}
		fmt.Printf("%d %-17s offset %2d, %2d bytes, checksum ok: %v\n", a.Level, tnef.AttName(a.ID), a.Offset, len(a.Data), a.ChecksumOK())
	}
	// Output:
	// 1 attSubject        offset  6,  6 bytes, checksum ok: true
	// 2 attAttachRendData offset 23, 14 bytes, checksum ok: true
	// 2 attAttachTitle    offset 48,  6 bytes, checksum ok: true
	// 2 attAttachData     offset 65,  3 bytes, checksum ok: true
}
