package synth_test

import (
	"bytes"
	"fmt"

	"github.com/mailsalvage/mailsalvage/formats/mapi"
	"github.com/mailsalvage/mailsalvage/formats/msg"
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
