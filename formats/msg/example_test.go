package msg_test

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"os"

	"github.com/mailsalvage/mailsalvage/formats/mapi"
	"github.com/mailsalvage/mailsalvage/formats/msg"
)

// Reading a .msg file: the item, its recipients, its attachments and the
// message embedded in one of them.
func Example() {
	data, err := os.ReadFile("testdata/sample.msg")
	if err != nil {
		fmt.Println(err)
		return
	}
	f, err := msg.NewFile(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		fmt.Println(err)
		return
	}
	m := f.Message
	fmt.Printf("%s %q (code page %d from %s)\n", f.Class, m.Props.Str(mapi.PidTagSubject), f.CodePage, f.CodePageSource)
	for _, r := range m.Recipients {
		kind, _ := r.Int(mapi.PidTagRecipientType)
		fmt.Println("recipient", kind, r.Str(mapi.PidTagDisplayName))
	}
	for _, a := range m.Attachments {
		if a.Embedded != nil {
			fmt.Printf("attachment: embedded message %q\n", a.Embedded.Props.Str(mapi.PidTagSubject))
			continue
		}
		data, _ := a.Props.Binary(mapi.PidTagAttachDataBinary)
		fmt.Printf("attachment: %s, %d bytes\n", a.Props.Str(mapi.PidTagAttachLongFilename), len(data))
	}
	fmt.Println("keywords:", m.Props.Strings(m.Props.NamedID(mapi.PSPUBLICSTRINGS, 0, "Keywords")))
	// Output:
	// IPM.Note "Hello from a test" (code page 65001 from internet)
	// recipient 1 Alice
	// recipient 2 Bob
	// attachment: notes.txt, 14 bytes
	// attachment: embedded message "Inner"
	// keywords: [red blue]
}

// A damaged copy: its only FAT sector is zeroed, so no chain can be
// followed. mscfb gives up; the tolerant walk reads the streams as
// contiguous sectors and puts the directory back together, and says so.
func Example_damaged() {
	data, err := os.ReadFile("testdata/sample.msg")
	if err != nil {
		fmt.Println(err)
		return
	}
	fat := int64(binary.LittleEndian.Uint32(data[76:])) // the header's first DIFAT entry
	clear(data[(fat+1)*512 : (fat+2)*512])
	f, err := msg.NewFile(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("recovered:", f.Recovered, "damaged:", f.Damaged)
	fmt.Printf("subject %q, %d recipients, %d attachments\n", f.Message.Props.Str(mapi.PidTagSubject), len(f.Message.Recipients), len(f.Message.Attachments))
	for _, w := range msg.Warnings(f.Message)[:3] {
		fmt.Println(w)
	}
	// Output:
	// recovered: true damaged: true
	// subject "Hello from a test", 2 recipients, 2 attachments
	// compound file: mscfb could not read it (mscfb: directory entries sector cycle; 0); read by the tolerant walk
	// compound file: FAT sector 0 (sector 0 at 0x200) is unreadable: zeroed or holding impossible sector numbers; chains through sectors 0-127 are read as contiguous
	// compound file: directory: chain breaks after sector 1 (0x400): next is unknown (FAT damaged)
}
