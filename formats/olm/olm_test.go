package olm

import (
	"archive/zip"
	"bytes"
	"fmt"
	"html"
	"io"
	"mime"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/emersion/go-message/mail"

	"github.com/mailsalvage/mailsalvage/formats"
	_ "github.com/mailsalvage/mailsalvage/formats/archive"
	"github.com/mailsalvage/mailsalvage/internal/corpus"
	"github.com/mailsalvage/mailsalvage/internal/srctest"
)

// emailXML writes one <email> as Outlook for Mac does.
func emailXML(subject, body string, to, cc []string, atts [][3]string) string {
	var b strings.Builder
	b.WriteString(`<email xml:space="preserve">`)
	if len(atts) > 0 {
		b.WriteString(`<OPFMessageCopyAttachmentList>`)
		for _, a := range atts { // name, content type, URL
			fmt.Fprintf(&b, `<messageAttachment OPFAttachmentName="%s" OPFAttachmentContentType="%s" OPFAttachmentURL="%s"></messageAttachment>`, html.EscapeString(a[0]), a[1], html.EscapeString(a[2]))
		}
		b.WriteString(`</OPFMessageCopyAttachmentList>`)
	}
	fmt.Fprintf(&b, `<OPFMessageCopyBody>%s</OPFMessageCopyBody><OPFMessageCopyHTMLBody>%s</OPFMessageCopyHTMLBody>`, html.EscapeString(body), html.EscapeString(body))
	b.WriteString(`<OPFMessageCopyFromAddresses><emailAddress OPFContactEmailAddressAddress="ann@example.org" OPFContactEmailAddressName="Ann Ö" OPFContactEmailAddressType="0"></emailAddress></OPFMessageCopyFromAddresses>`)
	fmt.Fprintf(&b, `<OPFMessageCopyMessageID>%s@example.org</OPFMessageCopyMessageID>`, strings.ReplaceAll(subject, " ", "."))
	b.WriteString(`<OPFMessageCopyReceivedTime>2011-06-21T23:49:22</OPFMessageCopyReceivedTime><OPFMessageCopySentTime>2011-06-21T23:49:21</OPFMessageCopySentTime>`)
	fmt.Fprintf(&b, `<OPFMessageCopySubject>%s</OPFMessageCopySubject>`, html.EscapeString(subject))
	for list, addrs := range map[string][]string{"OPFMessageCopyToAddresses": to, "OPFMessageCopyCCAddresses": cc} {
		if len(addrs) == 0 {
			continue
		}
		b.WriteString("<" + list + ">")
		for _, a := range addrs {
			fmt.Fprintf(&b, `<emailAddress OPFContactEmailAddressAddress="%s" OPFContactEmailAddressType="0"></emailAddress>`, a)
		}
		b.WriteString("</" + list + ">")
	}
	b.WriteString(`<OPFMessageGetIsRead>1E0</OPFMessageGetIsRead><OPFMessageGetPriority>3</OPFMessageGetPriority></email>`)
	return b.String()
}

func emails(parts ...string) []byte {
	return []byte(`<emails xml:space="preserve" elementCount="` + fmt.Sprint(len(parts)) + `">` + strings.Join(parts, "") + `</emails>`)
}

// olmOf builds an .olm archive of files.
func olmOf(t *testing.T, files map[string][]byte) []byte {
	t.Helper()
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, n := range names {
		w, err := zw.Create(n)
		if err != nil {
			t.Fatal(err)
		}
		w.Write(files[n])
	}
	zw.Close()
	return b.Bytes()
}

type result struct {
	m       *formats.Message
	raw     []byte
	subject string
	to, cc  []string
	parts   []string // content types, with file names and sizes
	files   int      // parts with a file name (attachments, inline images)
}

func read(t *testing.T, path string) ([]result, []string) {
	t.Helper()
	src, _, err := formats.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	read, problems := srctest.Drain(t, src)
	var out []result
	for _, rd := range read {
		r := result{m: rd.M, raw: rd.Data}
		mr, err := mail.CreateReader(bytes.NewReader(rd.Data))
		if err != nil {
			t.Fatalf("%s: %v", rd.M.Chain, err)
		}
		r.subject, _ = mr.Header.Subject()
		for _, f := range []struct {
			key string
			dst *[]string
		}{{"To", &r.to}, {"Cc", &r.cc}} {
			as, _ := mr.Header.AddressList(f.key)
			for _, a := range as {
				*f.dst = append(*f.dst, a.Address)
			}
		}
		for {
			p, err := mr.NextPart()
			if err != nil {
				break
			}
			ct := p.Header.Get("Content-Type")
			if _, params, err := mime.ParseMediaType(p.Header.Get("Content-Disposition")); err == nil && params["filename"] != "" {
				b, _ := io.ReadAll(p.Body)
				ct = fmt.Sprintf("%s %s %d", strings.Split(ct, ";")[0], params["filename"], len(b))
				r.files++
			}
			r.parts = append(r.parts, strings.Split(ct, ";")[0])
		}
		out = append(out, r)
	}
	return out, problems
}

// TestArchive: an .olm's messages come out with their fields, folders
// (without Local/com.microsoft.__Messages), attachments from their files
// (a missing one noted), bodies as HTML or text as they are.
func TestArchive(t *testing.T) {
	const att = "Local/com.microsoft.__Messages/Inbox/com.microsoft.__Attachments/abc@example.org_0000"
	files := map[string][]byte{
		"Categories.xml": []byte("<categories></categories>"),
		"Local/com.microsoft.__Messages/Inbox/message_00000.xml": emails(
			emailXML("plain one", "hello & goodbye", []string{"bob@example.org", "cy@example.org"}, []string{"dee@example.org"}, nil),
			emailXML("with files", "<html><body><p>see attached</p></body></html>", []string{"bob@example.org"}, nil,
				[][3]string{{"report.pdf", "application/pdf", att}, {"lost.txt", "text/plain", "Local/com.microsoft.__Messages/Inbox/com.microsoft.__Attachments/gone"}}),
		),
		"Local/com.microsoft.__Messages/Inbox/Sub/message_00000.xml": emails(emailXML("nested", "x", []string{"bob@example.org"}, nil, nil)),
		att: []byte("%PDF-1.4 not really"),
	}
	path := srctest.File(t, "Mac Archive.olm", olmOf(t, files))
	got, problems := read(t, path)
	if len(got) != 3 || len(problems) != 1 || !strings.Contains(problems[0], "1 members hold no mail format (Categories.xml)") {
		t.Fatalf("%d messages, problems %q", len(got), problems)
	}
	by := map[string]result{}
	for _, r := range got {
		by[r.subject] = r
	}
	plain := by["plain one"]
	if !slices.Equal(plain.to, []string{"bob@example.org", "cy@example.org"}) || !slices.Equal(plain.cc, []string{"dee@example.org"}) ||
		!slices.Equal(plain.parts, []string{"text/plain"}) || !bytes.Contains(plain.raw, []byte("hello & goodbye")) ||
		!bytes.Contains(plain.raw, []byte("Message-Id: <plain.one@example.org>")) || !bytes.Contains(plain.raw, []byte("Date: Tue, 21 Jun 2011 23:49:21 +0000")) ||
		!slices.Equal(plain.m.Folder, []string{"Mac Archive", "Inbox"}) || plain.m.State != formats.Intact {
		t.Errorf("plain one: to %v cc %v parts %v folder %v state %s\n%s", plain.to, plain.cc, plain.parts, plain.m.Folder, plain.m.State, plain.raw)
	}
	c := plain.m.Chain
	if len(c) != 2 || c[0].Format != "zip" || c[1].Format != "olm" || c[1].Locator != "email 1" {
		t.Errorf("chain %v", c)
	}
	withFiles := by["with files"]
	if !slices.Equal(withFiles.parts, []string{"text/html", "application/pdf report.pdf 19", "text/plain lost.txt 0"}) || withFiles.m.State != formats.Partial ||
		len(withFiles.m.Warnings) != 1 || !strings.Contains(withFiles.m.Warnings[0], `"lost.txt"`) {
		t.Errorf("with files: parts %v, state %s, warnings %q", withFiles.parts, withFiles.m.State, withFiles.m.Warnings)
	}
	if n := by["nested"]; !slices.Equal(n.m.Folder, []string{"Mac Archive", "Inbox", "Sub"}) {
		t.Errorf("nested: folder %v", n.m.Folder)
	}
}

// TestExtracted: the same files extracted to a folder read the same,
// attachments found from the message file's place.
func TestExtracted(t *testing.T) {
	dir := t.TempDir()
	root := filepath.Join(dir, "backup", "olm")
	att := "Local/com.microsoft.__Messages/Sent/com.microsoft.__Attachments/x_0000"
	for name, data := range map[string][]byte{
		"Local/com.microsoft.__Messages/Sent/message_00000.xml": emails(emailXML("sent", "<html><body>hi</body></html>", []string{"bob@example.org"}, nil, [][3]string{{"a.txt", "text/plain", att}})),
		att: []byte("attached text"),
	} {
		p := filepath.Join(root, filepath.FromSlash(name))
		os.MkdirAll(filepath.Dir(p), 0o755)
		os.WriteFile(p, data, 0o644)
	}
	got, problems := read(t, dir)
	if len(got) != 1 || len(problems) != 0 || !slices.Equal(got[0].parts, []string{"text/html", "text/plain a.txt 13"}) ||
		!slices.Equal(got[0].m.Folder, []string{"backup", "olm", "Sent"}) || got[0].m.Chain[0].Format != "olm" {
		t.Fatalf("%d messages, problems %q, parts %v, folder %v", len(got), problems, got[0].parts, got[0].m.Folder)
	}
}

// TestDamaged: an XML file cut short gives the emails before the cut and
// says the rest was not read; one with no email is refused.
func TestDamaged(t *testing.T) {
	data := emails(emailXML("first", "a", []string{"b@example.org"}, nil, nil), emailXML("second", "b", []string{"b@example.org"}, nil, nil))
	cut := bytes.Index(data, []byte("second")) + 3
	got, problems := read(t, srctest.File(t, "message_00000.xml", data[:cut]))
	if len(got) != 1 || got[0].subject != "first" || len(problems) != 1 || !strings.Contains(problems[0], "damaged after 1 emails") {
		t.Fatalf("%d messages, problems %q", len(got), problems)
	}
	if _, err := OpenFile(bytes.NewReader(data[:40]), 40, &formats.Probe{}); err == nil {
		t.Error("no error for an XML file with no email")
	}
	// data that ends before the size it was said to hold (an archive
	// member cut short): read as far as it goes, and said so
	src, err := OpenFile(srctest.Short{B: data, N: cut}, int64(len(data)), &formats.Probe{})
	if err != nil {
		t.Fatalf("short data: %v", err)
	}
	msgs, problems := srctest.Drain(t, src)
	if len(msgs) != 1 || len(problems) != 1 || !strings.Contains(problems[0], "data ends after") {
		t.Errorf("short data: %d messages, problems %q", len(msgs), problems)
	}
}

// TestCorpus: the corpus's OLM archive gives every message file's
// message, with its subject and sender, and the attachments the XML lists.
func TestCorpus(t *testing.T) {
	files := corpus.Files(t, "olm")
	if len(files) == 0 {
		t.Skip("no OLM archive in the corpus")
	}
	for _, p := range files {
		zr, err := zip.OpenReader(p)
		if err != nil {
			t.Fatal(err)
		}
		want, atts := 0, 0
		for _, f := range zr.File {
			if strings.Contains(f.Name, "com.microsoft.__Messages/") && strings.HasSuffix(f.Name, ".xml") {
				rc, _ := f.Open()
				b, _ := io.ReadAll(rc)
				rc.Close()
				want += bytes.Count(b, []byte("<email "))
				atts += bytes.Count(b, []byte("<messageAttachment "))
			}
		}
		zr.Close()
		got, _ := read(t, p)
		gotAtts := 0
		for _, r := range got {
			if r.subject == "" || !bytes.Contains(r.raw, []byte("From: ")) || r.m.State != formats.Intact {
				t.Errorf("%s: %s: subject %q, state %s, warnings %q", filepath.Base(p), r.m.Chain, r.subject, r.m.State, r.m.Warnings)
			}
			gotAtts += r.files
		}
		if want == 0 || len(got) != want || gotAtts != atts {
			t.Errorf("%s: %d messages with %d attachments; the archive's XML holds %d emails, %d attachments", filepath.Base(p), len(got), gotAtts, want, atts)
		}
	}
}

func FuzzOpenFile(f *testing.F) {
	f.Add(emails(emailXML("s", "<html>b</html>", []string{"a@b"}, []string{"c@d"}, [][3]string{{"n", "t/x", "Local/u"}})))
	f.Add([]byte(`<emails><email><OPFMessageCopySubject>x`))
	f.Fuzz(func(t *testing.T, b []byte) {
		if len(b) > 1<<16 {
			return
		}
		src, err := OpenFile(bytes.NewReader(b), int64(len(b)), &formats.Probe{Path: "fuzz.xml"})
		if err != nil {
			return
		}
		if !srctest.Exhaust(src, 1000) {
			t.Fatal("more than 1000 results from a 64 KiB file")
		}
	})
}
