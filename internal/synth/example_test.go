package synth_test

import (
	"bytes"
	"fmt"
	"strings"

	"github.com/mailsalvage/mailsalvage/formats/mapi"
	"github.com/mailsalvage/mailsalvage/formats/msg"
	"github.com/mailsalvage/mailsalvage/formats/pst"
	"github.com/mailsalvage/mailsalvage/formats/tnef"
	"github.com/mailsalvage/mailsalvage/internal/synth"
)

// An Outlook item written as a .msg file and read back.
func ExampleMSG() {
	n := synth.NewGen(1).Note()
	b, err := synth.MSG(synth.NoteMessage(n))
	if err != nil {
		panic(err)
	}
	m, err := msg.Read(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		panic(err)
	}
	fmt.Println(m.Class(), m.Props.Str(mapi.PidTagSubject) == n.Subject)
	for _, a := range m.Attachments {
		fmt.Println(a.Props.Str(mapi.PidTagAttachLongFilename))
	}
	// Output:
	// IPM.Note true
	// Quarterly figures 1.csv
	// data-1.bin
}

// The same item as the TNEF stream of a winmail.dat.
func ExampleTNEF() {
	b, err := synth.TNEF(synth.OutlookContact(synth.NewGen(2)))
	if err != nil {
		panic(err)
	}
	m, err := tnef.Decode(b)
	if err != nil {
		panic(err)
	}
	fmt.Println(m.Class(), m.Props.Str(mapi.PidTagDisplayName))
	// Output:
	// IPM.Contact Carol Fischer
}

// The HTML body of an Outlook item: encapsulated in RTF, compressed.
func ExampleCompressRTF() {
	html := "<html><body><p>Hello &amp; welcome</p></body></html>"
	rtf, err := mapi.DecompressRTF(synth.CompressRTF(synth.HTMLToRTF(html)))
	if err != nil {
		panic(err)
	}
	back, _ := mapi.HTMLFromRTF(rtf)
	fmt.Println(string(back) == html, mapi.PlainFromRTF(rtf))
	// Output:
	// true Hello & welcome
}

// A PST file of two folders, read back with the project's reader.
func ExamplePST() {
	g := synth.NewGen(3)
	b, err := synth.PST(synth.PSTStore{
		DisplayName: "Example",
		Folders: []*synth.PSTFolder{
			{Name: "Inbox", Class: "IPF.Note", Messages: []*mapi.Message{synth.OutlookNote(g), synth.OutlookNote(g)}},
			{Name: "Contacts", Class: "IPF.Contact", Messages: []*mapi.Message{synth.OutlookContact(g)}},
		},
	})
	if err != nil {
		panic(err)
	}
	f, err := pst.Open(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		panic(err)
	}
	fmt.Println(len(b), f.Store().Str(mapi.PidTagDisplayName))
	for _, fo := range f.Folders() {
		nids, _ := f.Contents(fo)
		for _, nid := range nids {
			m, _ := f.Message(nid)
			fmt.Printf("%s: %s %q\n", strings.Join(fo.Path, "/"), m.Class(), m.Props.Subject())
		}
	}
	// Output:
	// 271360 Example
	// Top of Personal Folders/Inbox: IPM.Note "Invoice 4471"
	// Top of Personal Folders/Inbox: IPM.Note "Holiday schedule"
	// Top of Personal Folders/Contacts: IPM.Contact "Hiroshi Moreau"
}
