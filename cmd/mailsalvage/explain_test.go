package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mailsalvage/mailsalvage/export"
	"github.com/mailsalvage/mailsalvage/internal/corpus"
)

const testBounce = "From: MAILER-DAEMON@mx.example.net (Mail Delivery System)\r\n" +
	"To: sender@example.org\r\nSubject: Undelivered Mail Returned to Sender\r\n" +
	"Date: Tue, 1 Jan 2019 10:00:00 +0000\r\nMessage-ID: <b1@mx.example.net>\r\n" +
	"MIME-Version: 1.0\r\nContent-Type: multipart/report; report-type=delivery-status; boundary=\"B\"\r\n\r\n" +
	"--B\r\nContent-Type: text/plain\r\n\r\n<full@example.com>: host mx.example.com said: 552 5.2.2\r\n" +
	"    Mailbox full (in reply to RCPT TO command)\r\n\r\n" +
	"--B\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx.example.net\r\n\r\n" +
	"Final-Recipient: rfc822; full@example.com\r\nAction: failed\r\nStatus: 5.2.2\r\n" +
	"Diagnostic-Code: smtp; 552 5.2.2 Mailbox full\r\n\r\n--B--\r\n"

const testPlain = "From: alice@example.org\r\nTo: bob@example.com\r\nSubject: lunch\r\n" +
	"Date: Tue, 1 Jan 2019 11:00:00 +0000\r\nMessage-ID: <p1@example.org>\r\n\r\nNoon?\r\n"

func explainFixture(t *testing.T) string {
	dir := t.TempDir()
	for name, s := range map[string]string{"bounce.eml": testBounce, "plain.eml": testPlain} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func TestExplainJSON(t *testing.T) {
	dir := explainFixture(t)
	var out, errb bytes.Buffer
	if code := run([]string{"explain", "--json", dir}, &out, &errb); code != exitOK {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 1 {
		t.Fatalf("want one failed recipient, got %q", out.String())
	}
	var e map[string]any
	if err := json.Unmarshal([]byte(lines[0]), &e); err != nil {
		t.Fatal(err)
	}
	for k, want := range map[string]string{"recipient": "full@example.com", "reply_code": "552", "status": "5.2.2", "reason": "mailboxfull"} {
		if e[k] != want {
			t.Errorf("%s = %v, want %s", k, e[k], want)
		}
	}
	for _, k := range []string{"file", "remote_text", "explanation"} {
		if s, _ := e[k].(string); s == "" {
			t.Errorf("%s empty in %s", k, lines[0])
		}
	}
}

func TestExplainPlainJapanese(t *testing.T) {
	dir := explainFixture(t)
	var out, errb bytes.Buffer
	if code := run([]string{"explain", "--lang", "ja", filepath.Join(dir, "bounce.eml")}, &out, &errb); code != exitOK {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	for _, want := range []string{"full@example.com", "mailboxfull", "メールボックスが一杯", "配送失敗通知: 1 通"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
}

func TestExplainExitCodes(t *testing.T) {
	var out, errb bytes.Buffer
	if code := run([]string{"explain", "--lang", "fr", "x.eml"}, &out, &errb); code != exitUsage {
		t.Errorf("--lang fr: exit %d, want %d", code, exitUsage)
	}
	if code := run([]string{"explain", filepath.Join(t.TempDir(), "missing.eml")}, &out, &errb); code != exitInputFail {
		t.Errorf("missing input: exit %d, want %d", code, exitInputFail)
	}
}

// recover puts the bounce fields in the provenance line of the notice (and
// only there), and explain reads a recover output folder.
func TestRecoverBounceProvenance(t *testing.T) {
	dir := explainFixture(t)
	outDir := filepath.Join(t.TempDir(), "out")
	var out, errb bytes.Buffer
	if code := run([]string{"recover", "--quiet", dir, "-o", outDir}, &out, &errb); code != exitOK {
		t.Fatalf("recover exit %d: %s", code, errb.String())
	}
	f, err := os.Open(filepath.Join(outDir, export.ProvenanceFile))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	bounces := 0
	for sc.Scan() {
		var rec export.Record
		if err := json.Unmarshal(sc.Bytes(), &rec); err != nil {
			t.Fatal(err)
		}
		switch rec.Subject {
		case "lunch":
			if rec.Bounce != nil {
				t.Errorf("ordinary message got bounce fields %+v", rec.Bounce)
			}
		default:
			bounces++
			want := []export.BounceRecipient{{Recipient: "full@example.com", ReplyCode: "552", Status: "5.2.2", Reason: "mailboxfull"}}
			if len(rec.Bounce) != 1 || rec.Bounce[0] != want[0] {
				t.Errorf("bounce fields %+v, want %+v", rec.Bounce, want)
			}
			if !strings.Contains(sc.Text(), `"bounce":[{"recipient":"full@example.com","reply_code":"552","status":"5.2.2","reason":"mailboxfull"}]`) {
				t.Errorf("JSON shape changed: %s", sc.Text())
			}
		}
	}
	if bounces != 1 {
		t.Errorf("%d bounce lines, want 1", bounces)
	}
	out.Reset()
	if code := run([]string{"explain", "--json", outDir}, &out, &errb); code != exitOK {
		t.Fatalf("explain OUT exit %d: %s", code, errb.String())
	}
	if n := strings.Count(strings.TrimSpace(out.String()), "\n") + 1; n != 1 || !strings.Contains(out.String(), `"recipient":"full@example.com"`) {
		t.Errorf("explain OUT: %q", out.String())
	}
	if !strings.Contains(out.String(), `"locator":"`+filepath.Join(dir, "bounce.eml")) {
		t.Errorf("explain OUT: no locator naming the evidence file: %q", out.String())
	}
}

// TestExplainCorpusNoFalseBounces runs explain over every real message of
// the corpus's mailbox folders (about 1,400 messages: mbox, Maildir, .eml,
// .emlx, Outlook .msg) and checks that the notices it finds are exactly the bounces
// among them, each with the recipient the notice names.
func TestExplainCorpusNoFalseBounces(t *testing.T) {
	root := corpus.Dir(t, "eml")
	root = filepath.Dir(root)
	var args []string
	for _, d := range []string{"mbox", "maildir", "eml", "emlx", "msg"} {
		if _, err := os.Stat(filepath.Join(root, d)); err == nil {
			args = append(args, filepath.Join(root, d))
		}
	}
	var out, errb bytes.Buffer
	run(append([]string{"explain", "--json"}, args...), &out, &errb)
	got := map[string]string{} // file (relative to the corpus) -> first recipient
	for _, l := range strings.Split(strings.TrimSpace(out.String()), "\n") {
		if l == "" {
			continue
		}
		var e explainEntry
		if err := json.Unmarshal([]byte(l), &e); err != nil {
			t.Fatal(err)
		}
		rel, _ := filepath.Rel(root, e.File)
		if _, ok := got[rel]; !ok {
			got[rel] = e.Recipient
		}
	}
	// the real bounces in these folders (sisimai 4.25 finds the same
	// recipient in each)
	want := map[string]string{
		"eml/imap_tools_messages/multipart_report_emails/multipart_report_multiple_status.eml": "u@ci.com",
		"eml/ruby_mail_fixtures/multipart_report_emails/multipart_report_multiple_status.eml":  "u@ci.com",
		"eml/ruby_mail_fixtures/multipart_report_emails/report_422.eml":                        "fraser@oooooooo.com.au",
		"eml/ruby_mail_fixtures/multipart_report_emails/report_530.eml":                        "edwin@zzzzzzz.com",
		"eml/ruby_mail_fixtures/mime_emails/raw_email_with_mimepart_without_content_type.eml":  "larose.julie@courrier.uqam.ca",
		"eml/mime4j_core_testresources/mimetools-testmsgs/badbound.msg":                        "pnet@uscom.com",
		"eml/mime4j_core_testresources/mimetools-testmsgs/badbound.out":                        "pnet@uscom.com",
		"msg/Aspose__failed.msg":                                   "mmmmm@aspose.com",
		"msg/hughbe-MsgReader__vikramarsid__msg_parser__other.msg": "hp_lsz@tjdpf.org.cn",
		// a person forwarding a delay notice, delivery-status part and all
		"msg/hughbe-MsgReader__TheConfusedCat__msgparser__forward_with_attachments_and_embedded_images.msg": "Darren.vuzzo@myfloridalicence.com",
	}
	for f, r := range got {
		w, ok := want[f]
		if !ok {
			t.Errorf("%s: not a bounce, but explain found one for %s", f, r)
		} else if !strings.EqualFold(w, r) {
			t.Errorf("%s: recipient %s, want %s", f, r, w)
		}
	}
	for f := range want {
		if _, ok := got[f]; !ok {
			if _, err := os.Stat(filepath.Join(root, f)); err == nil {
				t.Errorf("%s: bounce not found", f)
			}
		}
	}
}

// TestExplainOutlookNDR: Outlook non-delivery reports (REPORT.IPM.Note.NDR
// items) in a real PST and OST, rebuilt as DSNs by formats/mapi, are
// explained from their per-recipient properties.
func TestExplainOutlookNDR(t *testing.T) {
	root := filepath.Dir(corpus.Dir(t, "pst"))
	for _, c := range []struct {
		file, recipient, reply, status, reason string
	}{
		{"pst/Aspose__passwordprotectedPST.pst", "asposeemail.test33@aspose.com", "550", "5.1.1", "userunknown"},
		{"ost/Aspose__SampleOstFile.ost", "test.exchange@ex2010.local", "550", "4.4.7", "expired"},
	} {
		p := filepath.Join(root, c.file)
		if _, err := os.Stat(p); err != nil {
			t.Logf("%s absent", c.file)
			continue
		}
		var out, errb bytes.Buffer
		run([]string{"explain", "--json", p}, &out, &errb)
		found := false
		for _, l := range strings.Split(strings.TrimSpace(out.String()), "\n") {
			var e explainEntry
			if json.Unmarshal([]byte(l), &e) != nil || e.Recipient != c.recipient {
				continue
			}
			found = true
			if e.ReplyCode != c.reply || e.Status != c.status || e.Reason != c.reason || e.Locator == "" {
				t.Errorf("%s: %+v, want %s %s %s", c.file, e, c.reply, c.status, c.reason)
			}
		}
		if !found {
			t.Errorf("%s: no NDR for %s in %q", c.file, c.recipient, out.String())
		}
	}
}
