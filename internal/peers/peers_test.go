package peers

import (
	"context"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/mailsalvage/mailsalvage/internal/corpus"
)

// --- the parsers on text written by hand (no tools needed) ---

func TestPffName(t *testing.T) {
	for in, want := range map[string]string{
		"~MAPISP(Internal)":  "_MAPISP(Internal)",
		"Inbox":              "Inbox",
		"a/b\\c:d*e?f<g>h|i": "a_b_c_d_e_f_g_h_i",
		"x!$%&+;@y":          "x_______y",
		"Outlook データ ファイルのトップ": "Outlook データ ファイルのトップ",
		"tab\there\x7f":   "tab_here_",
		"Itens Excluídos": "Itens Excluídos",
	} {
		if got := PffName(in); got != want {
			t.Errorf("PffName(%q) = %q, want %q", in, got, want)
		}
		if len(PffName(in)) != len(in) {
			t.Errorf("PffName(%q) changed the length", in)
		}
	}
	if got := PffPath("Root - Mailbox/~MAPISP(Internal)"); got != "Root - Mailbox/_MAPISP(Internal)" {
		t.Errorf("PffPath: %q", got)
	}
	if got := ReadpstName(`a/b\c:d*e`); got != "a_b_c_d*e" {
		t.Errorf("ReadpstName: %q", got)
	}
}

func TestPffSectionAndTimes(t *testing.T) {
	text := "Message:\nClient submit time:\t\t\tMar 15, 2010 17:12:05.000000000 UTC\n" +
		"Delivery time:\t\t\t\tMar 08, 2018 10:05:06.826126100 UTC\n" +
		"Subject:\t\t\t\tfirst line\nsecond line\n" +
		"Sender name:\t\t\t\t\n\nContact:\nGiven name:\t\t\t\tKyle\n"
	m := pffSection(text, "Message")
	if m["Subject"] != "first line\nsecond line" || m["Sender name"] != "" {
		t.Errorf("section %q", m)
	}
	if _, ok := m["Given name"]; ok {
		t.Errorf("read past the section: %q", m)
	}
	if got := pffTime(m["Client submit time"]); !got.Equal(time.Date(2010, 3, 15, 17, 12, 5, 0, time.UTC)) {
		t.Errorf("client submit %v", got)
	}
	if got := pffTime(m["Delivery time"]); !got.Equal(time.Date(2018, 3, 8, 10, 5, 6, 826126100, time.UTC)) {
		t.Errorf("delivery %v", got)
	}
	if !pffTime("Not set (0)").IsZero() || !pffTime("").IsZero() {
		t.Error("unset time not zero")
	}
	c := pffSection(text, "Contact")
	if c["Given name"] != "Kyle" {
		t.Errorf("contact section %q", c)
	}
}

func TestPffRecipients(t *testing.T) {
	text := "Display name:\t\tJohn Doe\nEmail address:\t\tpst-test-1@aranetic.com\nAddress type:\t\tSMTP\nRecipient type:\t\tTo\n\n" +
		"Display name:\t\tTerry Mahaffey\nRecipient display name:\tTerry M.\nEmail address:\t\t/O=MICROSOFT/CN=TERRYMAH1\nAddress type:\t\tEX\nRecipient type:\t\tCC\n\n"
	r := pffRecipients(text)
	if len(r) != 2 {
		t.Fatalf("%d recipients: %+v", len(r), r)
	}
	if r[0].Name != "John Doe" || r[0].SMTP != "pst-test-1@aranetic.com" || r[0].Kind != "To" {
		t.Errorf("first %+v", r[0])
	}
	if r[1].Name != "Terry Mahaffey" || r[1].Type != "EX" || r[1].SMTP != "" || r[1].Kind != "CC" {
		t.Errorf("second %+v", r[1])
	}
}

func TestReadItemValues(t *testing.T) {
	text := "Number of sets:\t\t\t2\nNumber of entries per set:\t3\n\n" +
		"Set:\t\t\t\t0\nEntry:\t\t\t\t0\nEntry type:\t\t\t0x0000001a\nValue type:\t\t\t0x0000001f\nValue:\n" +
		"0x00000000: 49 00 50 00 4d 00 2e 00  4e 00 6f 00 74 00 65 00   I.P.M... N.o.t.e.\n\n" +
		"Set:\t\t\t\t0\nEntry:\t\t\t\t1\nEntry type:\t\t\t0x00008005\nMaps to entry type:\t\t0x00001035\nValue type:\t\t\t0x0000001f\nValue:\n" +
		"0x00000000: 41 00                                             A.\n\n" +
		"Set:\t\t\t\t1\nEntry:\t\t\t\t0\nEntry type:\t\t\t0x00003705\nValue type:\t\t\t0x00000003\nValue:\n" +
		"0x00000000: 06 00 00 00                                        ....\n\n" +
		"Set:\t\t\t\t1\nEntry:\t\t\t\t1\nEntry type:\t\t\t0x00003707\nValue type:\t\t\t0x0000001f\n\n"
	name := filepath.Join(t.TempDir(), "ItemValues.txt")
	os.WriteFile(name, []byte(text), 0o644)
	sets := readItemValues(name)
	if len(sets) != 2 {
		t.Fatalf("%d sets", len(sets))
	}
	if got := sets[0].str(tagMessageClass); got != "IPM.Note" {
		t.Errorf("class %q", got)
	}
	if _, ok := sets[0][0x8005]; ok || sets[0].str(tagInternetMessageID) != "" {
		t.Errorf("a named property was read: %v", sets[0])
	}
	if sets[1].int32(tagAttachMethod) != 6 || sets[1].str(tagAttachLongFilename) != "" {
		t.Errorf("set 1: %v", sets[1])
	}
}

func TestParsePffLog(t *testing.T) {
	log := "Created directory: x.export.\n" +
		"Processing folder: 00001 (identifier: 32802) in path: x.export/\n" +
		"Saving folder with name: ~MAPISP(Internal) as: _MAPISP(Internal)\n" +
		"Created directory: x.export/_MAPISP(Internal).\n" +
		"Processing email: 00000 (identifier: 2097188) in path: x.export/_MAPISP(Internal)/\n" +
		"Created directory: x.export/_MAPISP(Internal)/Message00001.\n" +
		"Created directory: x.export/_MAPISP(Internal)/Message00001/Attachments.\n" +
		"Missing attachment filename saving as: Attachment00001\n" +
		"Created directory: x.export/_MAPISP(Internal)/Message00001/Attachments/Attachment00001.\n" +
		"Processing email: 00000 (identifier: 2097220) in path: x.export/_MAPISP(Internal)/Message00001/Attachments/Attachment00001/\n" +
		"Created directory: x.export/_MAPISP(Internal)/Message00001/Attachments/Attachment00001/Message00001.\n" +
		"Unable to export email item: 1 out of: 1.\n"
	l := parsePffLog(log, "x.export")
	if d := l.dirs["_MAPISP(Internal)"]; d.kind != "folder" || d.nid != 32802 || d.name != "~MAPISP(Internal)" {
		t.Errorf("folder %+v", d)
	}
	if d := l.dirs["_MAPISP(Internal)/Message00001"]; d.kind != "email" || d.nid != 0x200024 {
		t.Errorf("item %+v", d)
	}
	emb := "_MAPISP(Internal)/Message00001/Attachments/Attachment00001/Message00001"
	if d := l.dirs[emb]; d.nid != 2097220 {
		t.Errorf("embedded item %+v", d)
	}
	if _, ok := l.dirs["_MAPISP(Internal)/Message00001/Attachments"]; ok {
		t.Error("the Attachments directory taken for an item")
	}
	if len(l.failed[emb]) != 1 {
		t.Errorf("failure not attributed: %v", l.failed)
	}
}

func TestParseEML(t *testing.T) {
	msg := "From: =?utf-8?q?J=C3=B6rg?= <Joerg@Example.com>\r\n" +
		"To: a@example.com, \"B, C\" <b@example.com>\r\nCc: c@example.com\r\nBcc: Saqib Razzaq:;\r\n" +
		"Subject: =?iso-8859-1?q?caf=E9?=\r\nDate: Mon, 15 Mar 2010 10:12:05 -0700\r\n" +
		"Message-ID:\r\n <x.1@example.com>\r\nMIME-Version: 1.0\r\n" +
		"Content-Type: multipart/mixed; boundary=\"b1\"\r\n\r\n" +
		"--b1\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nbody\r\n" +
		"--b1\r\nContent-Type: text/plain; charset=iso-8859-1; name=\"l1.txt\"\r\nContent-Transfer-Encoding: quoted-printable\r\n" +
		"Content-Disposition: attachment; filename=\"l1.txt\"\r\n\r\ncaf=E9\r\n" +
		"--b1\r\nContent-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n" +
		"Content-Disposition: attachment; filename*=utf-8''%C3%A9t%C3%A9.bin\r\n\r\nAAEC\r\nAw==\r\n" +
		"--b1\r\nContent-Type: message/rfc822\r\n\r\nSubject: inner\r\nMessage-ID: <in@x>\r\n\r\ninner body\r\n" +
		"--b1--\r\n"
	it, err := ParseEML([]byte(msg))
	if err != nil {
		t.Fatal(err)
	}
	if it.Subject != "café" || it.MessageID != "<x.1@example.com>" || it.From.Addr != "Joerg@Example.com" || it.From.Name != "Jörg" {
		t.Errorf("header: %q %q %+v", it.Subject, it.MessageID, it.From)
	}
	if !it.Date.Equal(time.Date(2010, 3, 15, 17, 12, 5, 0, time.UTC)) {
		t.Errorf("date %v", it.Date)
	}
	var rs []string
	for _, r := range it.Recipients {
		rs = append(rs, r.Kind+" "+r.Name+" <"+r.Addr+">")
	}
	// an empty group is a name without an address
	if strings.Join(rs, ",") != "To  <a@example.com>,To B, C <b@example.com>,Cc  <c@example.com>,Bcc Saqib Razzaq <>" {
		t.Errorf("recipients %v", rs)
	}
	if len(it.Attachments) != 3 {
		t.Fatalf("%d attachments: %+v", len(it.Attachments), it.Attachments)
	}
	// the Latin-1 text attachment keeps its bytes: 4, not 5 as UTF-8
	if a := it.Attachments[0]; a.Name != "l1.txt" || a.Size != 4 {
		t.Errorf("text attachment %+v", a)
	}
	if a := it.Attachments[1]; a.Name != "été.bin" || a.Size != 4 || a.SHA256 != "054edec1d0211f624fed0cbca9d4f9400b0e491c43742af2c5b0abebf0c990d8" {
		t.Errorf("binary attachment %+v", a)
	}
	if a := it.Attachments[2]; a.Embedded == nil || a.Embedded.Subject != "inner" || a.Embedded.MessageID != "<in@x>" {
		t.Errorf("embedded %+v", a)
	}
}

func TestReadTree(t *testing.T) {
	text := " |- Root - Public\n |  |- IPM_SUBTREE\n |- Root - Mailbox\n |  |- IPM_SUBTREE\n |  |  |- Inbox\n" +
		" |  |  |  |- Email: 2106212 - test\n |  |  |  |- Email: 2106116 - Re: test\n |  |  |- Sent Items\n |  |- Drizzle"
	tree, err := ReadTree(strings.NewReader(text))
	if err != nil {
		t.Fatal(err)
	}
	var paths []string
	for _, f := range tree {
		paths = append(paths, f.Path)
	}
	want := "Root - Public|Root - Public/IPM_SUBTREE|Root - Mailbox|Root - Mailbox/IPM_SUBTREE|Root - Mailbox/IPM_SUBTREE/Inbox|Root - Mailbox/IPM_SUBTREE/Sent Items|Root - Mailbox/Drizzle"
	if strings.Join(paths, "|") != want {
		t.Errorf("paths %v", paths)
	}
	if in := tree[4]; len(in.Items) != 2 || in.Items[0].NID != 2106212 || in.Items[1].Subject != "Re: test" {
		t.Errorf("items %+v", in.Items)
	}
}

// --- the tools on corpus files (skipped without them) ---

func corpusFile(t *testing.T, sub, name string) string {
	t.Helper()
	p := filepath.Join(corpus.Dir(t, sub), name)
	if _, err := os.Stat(p); err != nil {
		t.Skipf("corpus file %s/%s not found", sub, name)
	}
	return p
}

func pff(t *testing.T, sub, name string) *Export {
	t.Helper()
	if !Available("pffexport") {
		t.Skip("pffexport not installed (apt-get install pff-tools)")
	}
	f := corpusFile(t, sub, name)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	e, err := PffExport(ctx, f, t.TempDir())
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return e
}

func readpst(t *testing.T, sub, name string) *Export {
	t.Helper()
	if !Available("readpst") {
		t.Skip("readpst not installed (apt-get install pst-utils)")
	}
	f := corpusFile(t, sub, name)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	e, err := ReadPST(ctx, f, t.TempDir())
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return e
}

func folderPaths(e *Export) []string {
	var out []string
	for _, f := range e.Folders {
		out = append(out, f.Path)
	}
	return out
}

// sample1.pst: one message with a JPEG attachment, received over Exchange.
func TestPffExportSample1(t *testing.T) {
	e := pff(t, "pst", "hughbe-PstReader__farnulfo__pst-exp__sample1.pst")
	t.Log(e.Summary())
	if got := strings.Join(folderPaths(e), "|"); got != "SPAM Search Folder 2|Top of Outlook data file|Top of Outlook data file/Deleted Items|Top of Outlook data file/Sample1|Search Root|ItemProcSearch" {
		t.Errorf("folders %s", got)
	}
	if e.Count() != 1 || len(e.Folder("Top of Outlook data file/Sample1").Items) != 1 {
		t.Fatalf("items: %v", e.Counts())
	}
	it := e.Items()[0]
	checks := map[string][2]string{
		"kind":       {it.Kind, "Message"},
		"class":      {it.Class, "IPM.Note"},
		"message-id": {it.MessageID, "<B2FDDB8BE384C94794441DB4A7F3D8B804AE624B@TK5EX14MBXC114.redmond.corp.microsoft.com>"},
		"subject":    {it.Subject, "Here is a sample message"},
		"from name":  {it.From.Name, "Terry Mahaffey"},
		"from type":  {it.From.Type, "EX"},
		"from smtp":  {it.From.SMTP, "terrymah@microsoft.com"},
		"submit":     {it.ClientSubmitTime.Format(time.RFC3339Nano), "2010-03-15T17:12:05Z"},
		"delivery":   {it.DeliveryTime.Format(time.RFC3339Nano), "2010-03-15T17:12:07.9515197Z"},
		"date":       {it.Date.UTC().Format(time.RFC3339), "2010-03-15T17:12:05Z"},
	}
	for k, v := range checks {
		if v[0] != v[1] {
			t.Errorf("%s = %q, want %q", k, v[0], v[1])
		}
	}
	if it.NID != 0x200024 {
		t.Errorf("nid %#x", it.NID)
	}
	if len(it.Recipients) != 1 || it.Recipients[0].Name != "Terry Mahaffey" || it.Recipients[0].SMTP != "terrymah@microsoft.com" || it.Recipients[0].Kind != "To" {
		t.Errorf("recipients %+v", it.Recipients)
	}
	if len(it.Attachments) != 1 {
		t.Fatalf("attachments %+v", it.Attachments)
	}
	a := it.Attachments[0]
	if a.Name != "leah_thumper.jpg" || a.LongName != "leah_thumper.jpg" || a.Size != 93142 || a.Method != 1 ||
		a.SHA256 != "6cbde5154184f68a2ccefbe1a2d5520efd473576dc60e13665f5706080548f8e" {
		t.Errorf("attachment %+v", a)
	}
}

// submessage.pst: a message carrying an embedded message.
func TestPffExportEmbedded(t *testing.T) {
	e := pff(t, "pst", "hughbe-PstReader__farnulfo__pst-exp__submessage.pst")
	items := e.Items()
	if len(items) != 1 || len(items[0].Attachments) != 1 {
		t.Fatalf("items %+v", items)
	}
	emb := items[0].Attachments[0].Embedded
	if emb == nil || emb.Subject != "This is an embedded message" || emb.NID != 2097220 || emb.Class != "IPM.Note" ||
		emb.MessageID != "<B2FDDB8BE384C94794441DB4A7F3D8B804AF79A9@TK5EX14MBXC114.redmond.corp.microsoft.com>" {
		t.Errorf("embedded %+v", emb)
	}
}

// IPED's test_sample.pst: Portuguese folder names, appointments, a contact,
// tasks; multiple_to_cc.pst: To and CC recipients with SMTP addresses.
func TestPffExportKindsAndRecipients(t *testing.T) {
	e := pff(t, "pst", "IPED__test_sample.pst")
	kinds := e.Kinds()
	if kinds["Appointment"] != 6 || kinds["Contact"] != 1 || kinds["Message"] != 4 || kinds["Task"] != 2 || e.Count() != 13 {
		t.Errorf("kinds %v", kinds)
	}
	if n := e.Counts()["Início de Pastas Particulares/Caixa de Entrada"]; n != 3 {
		t.Errorf("Caixa de Entrada: %d items (%v)", n, e.Counts())
	}
	for _, it := range e.Items() {
		if it.Kind == "Appointment" && (it.RecipientsKnown != true || !strings.HasPrefix(it.Class, "IPM.Appointment")) {
			t.Errorf("appointment %s: class %q", it.Path, it.Class)
		}
	}

	e = pff(t, "pst", "hughbe-PstReader__aranetic__process-pst__multiple_to_cc.pst")
	it := e.Items()[0]
	var rs []string
	for _, r := range it.Recipients {
		rs = append(rs, r.Kind+" "+r.Name+" <"+r.SMTP+">")
	}
	if got := strings.Join(rs, ", "); got != "To John Doe <pst-test-1@aranetic.com>, To Jane Doe <pst-test-2@aranetic.com>, CC pst-test-3@aranetic.com <pst-test-3@aranetic.com>, CC pst-test-4@aranetic.com <pst-test-4@aranetic.com>" {
		t.Errorf("recipients %s", got)
	}
	if it.From.Addr != "pst-test-1@aranetic.com" || it.Subject != "Multiple recipients" {
		t.Errorf("from %+v subject %q", it.From, it.Subject)
	}
}

func TestReadPST(t *testing.T) {
	e := readpst(t, "pst", "hughbe-PstReader__farnulfo__pst-exp__sample1.pst")
	t.Log(e.Summary())
	if e.Store != "sample1" || e.Counts()["Sample1"] != 1 {
		t.Errorf("store %q counts %v", e.Store, e.Counts())
	}
	it := e.Items()[0]
	if it.MessageID != "<B2FDDB8BE384C94794441DB4A7F3D8B804AE624B@TK5EX14MBXC114.redmond.corp.microsoft.com>" ||
		len(it.Attachments) != 1 || it.Attachments[0].Name != "leah_thumper.jpg" ||
		it.Attachments[0].SHA256 != "6cbde5154184f68a2ccefbe1a2d5520efd473576dc60e13665f5706080548f8e" {
		t.Errorf("item %+v", it)
	}

	e = readpst(t, "pst", "IPED__test_sample.pst")
	if k := e.Kinds(); k["eml"] != 4 || k["ics"] != 6 || k["vcf"] != 1 {
		t.Errorf("kinds %v", k)
	}
	if strings.Join(e.Skipped, "|") != "Tarefas: 2 items skipped" {
		t.Errorf("skipped %q", e.Skipped)
	}
	if e.Counts()["Caixa de Entrada"] != 3 {
		t.Errorf("counts %v", e.Counts())
	}

	// the same message in Inbox and Sent Items: one Message-ID twice
	e = readpst(t, "pst", "hughbe-PstReader__hughbe__backup.pst")
	ids := e.MessageIDs()
	if len(ids) != 1 || e.Count() != 2 {
		t.Errorf("Message-IDs %v", ids)
	}
}

// The two tools agree with each other where both write an item: a check
// of the parsers and of Compare on real output.
func TestPeersAgree(t *testing.T) {
	for _, name := range []string{
		"hughbe-PstReader__farnulfo__pst-exp__sample1.pst",
		"hughbe-PstReader__farnulfo__pst-exp__submessage.pst",
		"hughbe-PstReader__aranetic__process-pst__multiple_to_cc.pst",
		"Tika__testPST.pst",
		"hughbe-PstReader__tghanem__PST__user1@test.lab.pst",
		"ruby-msg__attachAndInline.pst",
	} {
		p, r := pff(t, "pst", name), readpst(t, "pst", name)
		var emls []*Item
		for _, it := range r.Items() {
			if it.Kind == "eml" {
				emls = append(emls, it)
			}
		}
		pairs, _, left := Pair(p.Items(), emls)
		for _, it := range left {
			// readpst also writes hidden (associated) items of class
			// IPM or IPM.Note*: no subject, no Message-ID
			if it.Subject != "" || it.MessageID != "" {
				t.Errorf("%s: readpst's %s (%q) not paired", name, it.Path, it.Subject)
			}
		}
		for _, pr := range pairs {
			for _, c := range Compare(pr[0], pr[1]) {
				// readpst writes no Date for an item never submitted
				if c.Status == Differ && !(c.Field == "date" && pr[1].Date.IsZero()) {
					t.Errorf("%s %s: %s: %s", name, pr[0].Path, c.Field, c.Detail)
				}
			}
		}
	}
}

// The OST's folder tree listed beside it in the corpus is the tree
// pffexport writes, item node ids included.
func TestTreeListMatchesPffexport(t *testing.T) {
	e := pff(t, "ost", "pst-extractor-npm__mtnman1965@outlook.com.ost")
	f, err := os.Open(corpusFile(t, "ost", "pst-extractor-npm__mtnman_tree.txt"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	tree, err := ReadTree(f)
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	for _, tf := range tree {
		want = append(want, tf.Path)
	}
	got := folderPaths(e)
	sort.Strings(want)
	sort.Strings(got)
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("pffexport's folders:\n%s\ntree list:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	for _, tf := range tree {
		nids := map[uint32]bool{}
		if pf := e.Folder(tf.Path); pf != nil {
			for _, it := range pf.Items {
				nids[it.NID] = true
			}
		}
		for _, ti := range tf.Items {
			if !nids[ti.NID] {
				t.Errorf("%s: item %d (%s) not written by pffexport", tf.Path, ti.NID, ti.Subject)
			}
		}
	}
	t.Log(e.Summary())
}

func TestCompare(t *testing.T) {
	at := time.Date(2010, 3, 15, 17, 12, 5, 0, time.UTC)
	want := &Item{
		MessageID: "<a@b>", Subject: "Here  is a sample",
		From:             Address{Name: "Terry", Addr: "/O=MS/CN=TERRY", Type: "EX", SMTP: "terry@example.com"},
		Recipients:       []Recipient{{Address{Name: "Jane", Addr: "/O=MS/CN=JANE", Type: "EX"}, "To"}, {Address{Name: "x", Addr: "x@example.com", Type: "SMTP", SMTP: "x@example.com"}, "CC"}},
		RecipientsKnown:  true,
		ClientSubmitTime: at, DeliveryTime: at.Add(2 * time.Second),
		Attachments: []*Attachment{
			{Name: "a_b.txt", LongName: "a:b.txt", Size: 3, SHA256: "s1", Method: 1},
			{Name: "", Size: 9, SHA256: "ole", Method: 6},
			{Embedded: &Item{Subject: "inner"}},
		},
		AttachmentsKnown: true,
	}
	good := &Item{
		MessageID: "<a@b>", Subject: "Here is a sample",
		From:       Address{Name: "Terry", Addr: "Terry@Example.com"},
		Recipients: []Recipient{{Address{Name: "Jane", Addr: "jane@example.com"}, "To"}, {Address{Addr: "x@example.com"}, "Cc"}},
		Date:       at.Add(900 * time.Millisecond).In(time.FixedZone("", -7*3600)),
		Attachments: []*Attachment{
			{Name: "a:b.txt", Size: 3, SHA256: "s1"},
			{Name: "picture.png", Size: 5, SHA256: "unwrapped"},
			{Embedded: &Item{Subject: "inner"}},
		},
	}
	for _, c := range Compare(want, good) {
		if c.Status != Agree {
			t.Errorf("%s: %v: %s", c.Field, c.Status, c.Detail)
		}
	}
	bad := &Item{
		MessageID:   "<A@b>",
		Subject:     "Here is another",
		From:        Address{Name: "Terry", Addr: "/O=MS/CN=TERRY"},
		Recipients:  []Recipient{{Address{Name: "Jane", Addr: "jane@example.com"}, "To"}},
		Date:        at.Add(time.Hour),
		Attachments: []*Attachment{{Name: "other.txt", Size: 3, SHA256: "s1"}, {Embedded: &Item{Subject: "other"}}},
	}
	for _, c := range Compare(want, bad) {
		if c.Status != Differ {
			t.Errorf("%s: %v, want differ", c.Field, c.Status)
		} else {
			t.Logf("%s: %s", c.Field, c.Detail)
		}
	}
	none := Compare(&Item{}, &Item{From: Address{Addr: "a@b"}})
	for _, c := range none {
		if c.Field != "subject" && c.Field != "date" && c.Status != NotComparable {
			t.Errorf("%s: %v, want not comparable", c.Field, c.Status)
		}
	}
}

func TestPair(t *testing.T) {
	at := time.Date(2012, 7, 23, 4, 0, 42, 0, time.UTC)
	want := []*Item{
		{NID: 0x200024, Subject: "a"},
		{MessageID: "<m@x>", Subject: "b"},
		{Subject: "c", DeliveryTime: at},
		{Subject: "d"}, {Subject: "d"},
		{Subject: "lonely"},
	}
	got := []*Item{
		{Subject: "d", Path: "d1"}, {Subject: "d", Path: "d2"},
		{Subject: "c", Date: at, Path: "c"},
		{MessageID: "<m@x>", Path: "b"},
		{NID: 0x200024, Path: "a"},
		{Subject: "extra", Path: "e"},
	}
	pairs, lw, lg := Pair(want, got)
	var ps []string
	for _, p := range pairs {
		ps = append(ps, p[0].Subject+"="+p[1].Path)
	}
	sort.Strings(ps)
	if strings.Join(ps, " ") != "a=a b=b c=c d=d1 d=d2" || len(lw) != 1 || len(lg) != 1 {
		t.Errorf("pairs %v, left %d %d", ps, len(lw), len(lg))
	}
}
