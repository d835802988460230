// Package demo builds the demo data under testdata/demo: a small set of
// mailboxes, one of each kind mailsalvage reads, made so that recovering
// them shows every state. The files are committed; TestDemoUpToDate checks
// that they are what this generator makes, and
//
//	go run ./internal/demo/gendemo
//
// rebuilds them.
package demo

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/gzip"
	"encoding/base64"
	"encoding/xml"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/mailsalvage/mailsalvage/formats/mapi"
	"github.com/mailsalvage/mailsalvage/internal/synth"
)

// Dir is the demo folder, relative to the project root.
const Dir = "testdata/demo"

// Files returns the demo tree: slash-separated path -> content.
func Files() map[string][]byte {
	files := map[string][]byte{}
	g := synth.NewGen(2026)
	next := func(n int) []synth.Message {
		msgs := make([]synth.Message, n)
		for i := range msgs {
			msgs[i] = g.Next()
		}
		return msgs
	}

	// A Thunderbird profile's Inbox: 3 of 12 messages expunged but still
	// in the file (X-Mozilla-Status 0009), the way Thunderbird leaves them
	// until the folder is compacted.
	inbox, _ := synth.Mbox(next(12), synth.MboxOptions{Style: synth.Thunderbird, Deleted: func(i int) bool { return i == 2 || i == 5 || i == 9 }})
	files["thunderbird/Mail/Local Folders/Inbox"] = inbox
	sent, _ := synth.Mbox(next(4), synth.MboxOptions{Style: synth.Thunderbird})
	files["thunderbird/Mail/Local Folders/Sent"] = sent

	// A damaged mbox, as recovered from a failing disk: garbage between
	// messages, a separator with a broken byte, a NUL-filled hole, a lost
	// separator, and a truncated last message.
	msgs := next(10)
	data, placed := synth.Mbox(msgs, synth.MboxOptions{Style: synth.MboxRD})
	rng := rand.New(rand.NewPCG(7, 7))
	data = data[:placed[9].Start+(placed[9].End-placed[9].Start)/2] // truncated last
	data = synth.Cut(data, placed[7].Sep, placed[7].Start-placed[7].Sep)
	data = synth.Insert(data, placed[5].Sep, make([]byte, 1024))
	data = synth.Replace(data, placed[3].Sep, []byte("Fr\x00m"))
	data = synth.Insert(data, placed[2].Sep, synth.Garbage(rng, 600))
	files["recovered-disk/Archive.mbox"] = data

	// A Maildir++ tree: INBOX, nested folders, a trashed message (T flag)
	// in Trash, and a half-delivered message left in tmp/.
	md := func(dir, name string, m synth.Message) {
		files["Maildir/"+dir+"/"+name] = m.Bytes
	}
	ms := next(9)
	md("cur", fmt.Sprintf("1546300800.M1P100.demo,S=%d!2,S", len(ms[0].Bytes)), ms[0])
	md("cur", fmt.Sprintf("1546300900.M2P100.demo,S=%d!2,RS", len(ms[1].Bytes)), ms[1])
	md("new", fmt.Sprintf("1546301000.M3P100.demo,S=%d", len(ms[2].Bytes)), ms[2])
	half := ms[3]
	half.Bytes = half.Bytes[:len(half.Bytes)/2]
	md("tmp", "1546301100.M4P100.demo", half)
	md(".Work/cur", fmt.Sprintf("1546301200.M5P100.demo,S=%d!2,FS", len(ms[4].Bytes)), ms[4])
	md(".Work.Projects/cur", fmt.Sprintf("1546301300.M6P100.demo,S=%d!2,S", len(ms[5].Bytes)), ms[5])
	md(".Trash/cur", fmt.Sprintf("1546301400.M7P100.demo,S=%d!2,ST", len(ms[6].Bytes)), ms[6])
	md(".Trash/cur", fmt.Sprintf("1546301500.M8P100.demo,S=%d!2,RST", len(ms[7].Bytes)), ms[7])
	md(".Sent/cur", fmt.Sprintf("1546301600.M9P100.demo,S=%d!2,S", len(ms[8].Bytes)), ms[8])
	for _, d := range []string{".Work", ".Work.Projects", ".Trash", ".Sent"} {
		files["Maildir/"+d+"/maildirfolder"] = []byte{}
		files["Maildir/"+d+"/new/.keep"] = []byte{}
		files["Maildir/"+d+"/tmp/.keep"] = []byte{}
	}
	files["Maildir/dovecot-uidlist"] = []byte("3 V1546300800 N10\n1 :1546300800.M1P100.demo\n2 :1546300900.M2P100.demo\n")

	// Apple Mail: an .emlx, and one with the deleted flag (bit 1) set.
	am := next(2)
	files["AppleMail/INBOX.mbox/Messages/101.emlx"] = emlx(am[0], 1|1<<2)
	files["AppleMail/INBOX.mbox/Messages/102.emlx"] = emlx(am[1], 1|1<<1)

	// Outlook items saved from Outlook: a message whose HTML body exists
	// only as compressed RTF (with attachments; every fourth generated note
	// forwards another as an embedded message), a meeting and a contact;
	// a winmail.dat saved on its own, and a message that carries one.
	og := synth.NewGen(2027)
	for i := 0; i < 4; i++ {
		note, err := synth.MSG(synth.OutlookNote(og))
		if err != nil {
			panic(err) // the generator's own data: a bug, not bad input
		}
		files[fmt.Sprintf("Outlook/Saved items/message-%d.msg", i+1)] = note
	}
	for name, item := range map[string]*mapi.Message{"meeting.msg": synth.OutlookAppointment(og), "contact.msg": synth.OutlookContact(og)} {
		b, err := synth.MSG(item)
		if err != nil {
			panic(err)
		}
		files["Outlook/"+name] = b
	}
	// An Outlook data file, as Outlook keeps one: Inbox, Sent Items,
	// Calendar, Contacts and a nested folder, with notes whose HTML body
	// is kept only as compressed RTF, attachments, a note forwarding
	// another as an embedded message, a meeting and a contact.
	pg := synth.NewGen(2028)
	notes := func(n int) []*mapi.Message {
		out := make([]*mapi.Message, n)
		for i := range out {
			out[i] = synth.OutlookNote(pg)
		}
		return out
	}
	archive, err := synth.PST(synth.PSTStore{
		DisplayName: "Archive",
		Folders: []*synth.PSTFolder{
			{Name: "Inbox", Class: "IPF.Note", Messages: notes(4)}, // the fourth forwards a fifth
			{Name: "Sent Items", Class: "IPF.Note", Messages: notes(1)},
			{Name: "Calendar", Class: "IPF.Appointment", Messages: []*mapi.Message{synth.OutlookAppointment(pg)}},
			{Name: "Contacts", Class: "IPF.Contact", Messages: []*mapi.Message{synth.OutlookContact(pg)}},
			{Name: "Projects", Class: "IPF.Note", Folders: []*synth.PSTFolder{
				{Name: "Budget 2019", Class: "IPF.Note", Messages: notes(1)},
			}},
		},
	})
	if err != nil {
		panic(err)
	}
	files["Outlook/archive.pst"] = archive

	tnefData, err := synth.TNEF(synth.OutlookNote(og))
	if err != nil {
		panic(err)
	}
	files["Downloads/winmail.dat"] = tnefData
	files["Desktop/forwarded from Outlook.eml"] = withWinmail(next(1)[0].Bytes, tnefData)

	// A loose .eml saved on Windows (CRLF), carved with disk slack (NULs)
	// after it.
	loose := next(1)[0]
	b := bytes.ReplaceAll(loose.Bytes, []byte("\n"), []byte("\r\n"))
	files["Desktop/saved message.eml"] = append(b, make([]byte, 1536)...)

	// An Outlook Express store from an old Windows XP profile: three
	// messages, one of them deleted (its blocks freed, still in the file
	// until the folder is compacted).
	var oe []synth.DBXMessage
	for i, m := range next(3) {
		oe = append(oe, synth.DBXMessage{
			Text:  bytes.ReplaceAll(m.Bytes, []byte("\n"), []byte("\r\n")),
			Index: uint32(i + 1), Flags: 0x81, Subject: m.Subject, MessageID: m.ID,
			Deleted: i == 1,
		})
	}
	files["Windows XP/Outlook Express/Inbox.dbx"] = synth.DBX(oe)

	// A mailing list's archive as list servers offer it for download: an
	// mbox, gzip-compressed.
	list, _ := synth.Mbox(next(3), synth.MboxOptions{Style: synth.MboxRD})
	files["Downloads/dev-list-2019-03.mbox.gz"] = gzipped(list)

	// A Maildir backed up with tar before a reinstall: two messages read,
	// one trashed (T flag).
	bk := next(3)
	files["Downloads/maildir-backup.tar"] = tarred([]tarEntry{
		{"Maildir/cur/1546400000.M1P200.old:2,S", bk[0].Bytes},
		{"Maildir/cur/1546400100.M2P200.old:2,RS", bk[1].Bytes},
		{"Maildir/cur/1546400200.M3P200.old:2,ST", bk[2].Bytes},
		{"Maildir/new/", nil},
		{"Maildir/tmp/", nil},
	})

	// A Google Takeout export of a mailbox: a zip holding an mbox (stored,
	// not deflated: see gzipped).
	to := next(2)
	var mb bytes.Buffer
	for _, m := range to {
		fmt.Fprintf(&mb, "From %d@xxx %s\n", m.Date.Unix(), m.Date.UTC().Format("Mon Jan _2 15:04:05 -0700 2006"))
		mb.Write(m.Bytes)
		mb.WriteString("\n")
	}
	var zb bytes.Buffer
	zw := zip.NewWriter(&zb)
	w, err := zw.CreateHeader(&zip.FileHeader{Name: "Takeout/Mail/All mail Including Spam and Trash.mbox", Method: zip.Store, Modified: time.Unix(1551398400, 0).UTC()})
	if err != nil {
		panic(err)
	}
	w.Write(mb.Bytes())
	zw.Close()
	files["Downloads/takeout-20190301.zip"] = zb.Bytes()

	// An Outlook for Mac archive (.olm) unpacked on a Mac: a message's
	// XML and its attachment's file.
	const olmDir = "Mac/Outlook for Mac Archive/Local/com.microsoft.__Messages/Inbox/"
	om := next(1)[0]
	attName := strings.Trim(om.ID, "<>") + "_0000"
	files[olmDir+"message_00000.xml"] = []byte(`<emails xml:space="preserve" elementCount="1"><email xml:space="preserve">` +
		`<OPFMessageCopyAttachmentList xml:space="preserve"><messageAttachment xml:space="preserve" OPFAttachmentContentType="text/plain" OPFAttachmentName="notes.txt" OPFAttachmentURL="` + xmlText(olmDir+"com.microsoft.__Attachments/"+attName) + `"></messageAttachment></OPFMessageCopyAttachmentList>` +
		`<OPFMessageCopyBody xml:space="preserve">` + xmlText(om.Subject+"\n\nSee the notes attached.") + `</OPFMessageCopyBody>` +
		`<OPFMessageCopyFromAddresses xml:space="preserve"><emailAddress xml:space="preserve" OPFContactEmailAddressAddress="lea.moreau@example.org" OPFContactEmailAddressName="Léa Moreau" OPFContactEmailAddressType="0"></emailAddress></OPFMessageCopyFromAddresses>` +
		`<OPFMessageCopyMessageID xml:space="preserve">` + xmlText(strings.Trim(om.ID, "<>")) + `</OPFMessageCopyMessageID>` +
		`<OPFMessageCopySentTime xml:space="preserve">` + om.Date.UTC().Format("2006-01-02T15:04:05") + `</OPFMessageCopySentTime>` +
		`<OPFMessageCopySubject xml:space="preserve">` + xmlText(om.Subject) + `</OPFMessageCopySubject>` +
		`<OPFMessageCopyToAddresses xml:space="preserve"><emailAddress xml:space="preserve" OPFContactEmailAddressAddress="archive@example.org" OPFContactEmailAddressType="0"></emailAddress></OPFMessageCopyToAddresses>` +
		`<OPFMessageGetIsRead xml:space="preserve">1E0</OPFMessageGetIsRead></email></emails>`)
	files[olmDir+"com.microsoft.__Attachments/"+attName] = []byte("Budget figures for the spring meeting.\n")
	return files
}

// xmlText escapes text for XML.
func xmlText(s string) string {
	var b strings.Builder
	xml.EscapeText(&b, []byte(s))
	return b.String()
}

type tarEntry struct {
	name string
	data []byte // nil: a directory
}

// tarred lays entries out as a tar archive, with fixed times and modes.
func tarred(entries []tarEntry) []byte {
	var b bytes.Buffer
	tw := tar.NewWriter(&b)
	for _, e := range entries {
		h := &tar.Header{Name: e.name, Mode: 0o600, Size: int64(len(e.data)), ModTime: time.Unix(1546400300, 0), Format: tar.FormatUSTAR}
		if e.data == nil {
			h.Typeflag, h.Mode = tar.TypeDir, 0o700
		}
		if err := tw.WriteHeader(h); err != nil {
			panic(err)
		}
		tw.Write(e.data)
	}
	tw.Close()
	return b.Bytes()
}

// gzipped compresses data with stored blocks only: a valid gzip file
// whose bytes cannot change with the Go release's compressor (the demo
// files are committed and checked against this generator).
func gzipped(data []byte) []byte {
	var b bytes.Buffer
	w, err := gzip.NewWriterLevel(&b, gzip.NoCompression)
	if err != nil {
		panic(err)
	}
	w.Write(data)
	w.Close()
	return b.Bytes()
}

// withWinmail turns a plain message into one that carries a TNEF
// winmail.dat beside its text, as Outlook sends to other mail programs.
func withWinmail(msg, tnefData []byte) []byte {
	hdr, body, _ := bytes.Cut(msg, []byte("\n\n"))
	var keep []string
	for _, line := range strings.Split(string(hdr), "\n") {
		if strings.HasPrefix(line, "Content-") || strings.HasPrefix(line, "MIME-Version") {
			continue
		}
		if strings.HasPrefix(line, "\t") || strings.HasPrefix(line, " ") {
			if len(keep) > 0 && strings.HasPrefix(keep[len(keep)-1], "Content-") {
				continue
			}
		}
		keep = append(keep, line)
	}
	b64 := base64.StdEncoding.EncodeToString(tnefData)
	var lines []string
	for len(b64) > 76 {
		lines, b64 = append(lines, b64[:76]), b64[76:]
	}
	lines = append(lines, b64)
	text := string(body)
	if i := strings.Index(text, "\n\n"); strings.HasPrefix(text, "--") && i > 0 {
		text = "(see the attached Outlook message)\n"
	}
	return []byte(strings.Join(keep, "\n") + "\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=\"=_winmail\"\n\n" +
		"--=_winmail\nContent-Type: text/plain; charset=utf-8\n\n" + text + "\n--=_winmail\n" +
		"Content-Type: application/ms-tnef; name=\"winmail.dat\"\nContent-Transfer-Encoding: base64\n" +
		"Content-Disposition: attachment; filename=\"winmail.dat\"\n\n" + strings.Join(lines, "\n") + "\n--=_winmail--\n")
}

// emlx lays a message out as Apple Mail stores it: byte count line,
// message, property list with the flags.
func emlx(m synth.Message, flags int64) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "%-10d\n", len(m.Bytes))
	b.Write(m.Bytes)
	fmt.Fprintf(&b, `<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">
<plist version="1.0">
<dict>
	<key>date-received</key>
	<integer>%d</integer>
	<key>flags</key>
	<integer>%d</integer>
	<key>remote-id</key>
	<string>%d</string>
</dict>
</plist>
`, m.Date.Unix(), flags, m.Date.Unix()%100000)
	return b.Bytes()
}

// Write writes the demo tree under dir, replacing what is there.
func Write(dir string) error {
	if err := os.RemoveAll(dir); err != nil {
		return err
	}
	files := Files()
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		p := filepath.Join(dir, filepath.FromSlash(n))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(p, files[n], 0o644); err != nil {
			return err
		}
	}
	return nil
}

// Read reads a tree written by Write: slash path -> content.
func Read(dir string) (map[string][]byte, error) {
	out := map[string][]byte{}
	err := filepath.WalkDir(dir, func(p string, e os.DirEntry, err error) error {
		if err != nil || e.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		b, err := os.ReadFile(p)
		out[strings.ReplaceAll(rel, string(filepath.Separator), "/")] = b
		return err
	})
	return out, err
}
