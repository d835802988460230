package bounce

import (
	"strings"
	"testing"

	"golang.org/x/text/encoding/japanese"
)

// dsnSample is a made-up RFC 3464 notice with one failed and one
// delivered recipient.
const dsnSample = "From: MAILER-DAEMON@mx.example.net (Mail Delivery System)\r\n" +
	"To: sender@example.org\r\nSubject: Undelivered Mail Returned to Sender\r\n" +
	"MIME-Version: 1.0\r\nContent-Type: multipart/report; report-type=delivery-status; boundary=\"B\"\r\n\r\n" +
	"--B\r\nContent-Type: text/plain\r\n\r\n<gone@example.com>: host mx.example.com said: 550 5.1.1\r\n" +
	"    <gone@example.com>: Recipient address rejected: User unknown (in reply to RCPT TO command)\r\n\r\n" +
	"--B\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx.example.net\r\n\r\n" +
	"Final-Recipient: rfc822; gone@example.com\r\nAction: failed\r\nStatus: 5.1.1\r\n" +
	"Diagnostic-Code: smtp; 550 5.1.1 <gone@example.com>: Recipient address rejected: User unknown\r\n\r\n" +
	"Final-Recipient: rfc822; fine@example.com\r\nAction: delivered\r\nStatus: 2.0.0\r\n\r\n" +
	"--B\r\nContent-Type: message/rfc822\r\n\r\nFrom: sender@example.org\r\nTo: gone@example.com\r\nSubject: hi\r\n\r\nhi\r\n--B--\r\n"

func TestParseDSN(t *testing.T) {
	rep := Parse([]byte(dsnSample))
	if rep == nil || rep.Kind != "dsn" || len(rep.Recipients) != 1 {
		t.Fatalf("got %+v", rep)
	}
	r := rep.Recipients[0]
	if r.Address != "gone@example.com" || r.ReplyCode != "550" || r.Status != "5.1.1" || r.Reason != UserUnknown || r.Action != "failed" {
		t.Errorf("got %+v", r)
	}
	if !strings.Contains(r.RemoteText, "User unknown") {
		t.Errorf("remote text %q", r.RemoteText)
	}
}

func TestParseText(t *testing.T) {
	qmail := "From: MAILER-DAEMON@mx.example.jp\nTo: me@example.org\nSubject: failure notice\n\n" +
		"Hi. This is the qmail-send program at mx.example.jp.\nI'm afraid I wasn't able to deliver your message to the following addresses.\n\n" +
		"<full@example.net>:\nRemote host said: 552 5.2.2 Mailbox full\n\n--- Below this line is a copy of the message.\n\nTo: full@example.net\n"
	rep := Parse([]byte(qmail))
	if rep == nil || len(rep.Recipients) != 1 {
		t.Fatalf("got %+v", rep)
	}
	if r := rep.Recipients[0]; r.Address != "full@example.net" || r.Reason != MailboxFull || r.Status != "5.2.2" || r.ReplyCode != "552" {
		t.Errorf("got %+v", r)
	}
}

// A Japanese carrier-style notice in ISO-2022-JP, no MIME declaration.
func TestParseJapanese(t *testing.T) {
	body, err := japanese.ISO2022JP.NewEncoder().String("以下のアドレスへ送信できませんでした。\n\n<nobody@docomo.example.jp>\n550 Unknown user nobody@docomo.example.jp\n")
	if err != nil {
		t.Fatal(err)
	}
	msg := "From: Mail Delivery Subsystem <MAILER-DAEMON@example.jp>\nTo: me@example.org\nSubject: Returned mail: see transcript for details\n\n" + body
	rep := Parse([]byte(msg))
	if rep == nil || len(rep.Recipients) != 1 {
		t.Fatalf("got %+v", rep)
	}
	// "Unknown user" with neither a status code nor the SMTP command:
	// filtered, as sisimai 4.25 says of this very message
	if r := rep.Recipients[0]; r.Address != "nobody@docomo.example.jp" || r.Reason != Filtered || r.ReplyCode != "550" {
		t.Errorf("got %+v", r)
	}
}

func TestNotABounce(t *testing.T) {
	for _, m := range []string{
		"From: alice@example.org\nTo: bob@example.com\nSubject: lunch\n\nThe delivery failed? Call me: 555 1234.\n",
		"From: bob@example.com\nTo: alice@example.org\nSubject: Out of office\nAuto-Submitted: auto-replied\n\nI am away until Monday.\n",
		"", "garbage", "From: MAILER-DAEMON\n\n",
	} {
		if rep := Parse([]byte(m)); rep != nil {
			t.Errorf("%q: found %+v", m, rep)
		}
	}
}

// BenchmarkParse: a notice, an ordinary message with a 1 MiB attachment
// (recover asks Parse about every message it writes), and a notice whose
// server reply is a 1 MiB line.
func BenchmarkParse(b *testing.B) {
	plain := "From: alice@example.org\r\nTo: bob@example.com\r\nSubject: photos\r\n" +
		"Content-Type: multipart/mixed; boundary=\"x\"\r\n\r\n--x\r\nContent-Type: text/plain\r\n\r\nhere\r\n" +
		"--x\r\nContent-Type: image/jpeg\r\nContent-Transfer-Encoding: base64\r\n\r\n" +
		strings.Repeat(strings.Repeat("QUJD", 19)+"\r\n", 1<<20/78) + "--x--\r\n"
	// a notice whose server reply runs on for a megabyte on one line
	long := "From: Mail Delivery System <MAILER-DAEMON@mx.example.net>\nTo: me@example.org\nSubject: Mail delivery failed\n\n" +
		"The following address failed:\n\n  gone@example.com\n    550 5.1.1 user unknown " + strings.Repeat("x@example.com ", 1<<20/14) + "\n"
	for _, c := range []struct{ name, msg string }{{"dsn", dsnSample}, {"plain-1MiB", plain}, {"long-reply-1MiB", long}} {
		b.Run(c.name, func(b *testing.B) {
			b.SetBytes(int64(len(c.msg)))
			for i := 0; i < b.N; i++ {
				Parse([]byte(c.msg))
			}
		})
	}
}

// An Amazon SES bounce notification as SNS delivers it: JSON in JSON,
// its long line folded by a mail system.
func TestParseSESJSON(t *testing.T) {
	msg := "From: no-reply@sns.amazonaws.com\nX-Amz-Sns-Message-Id: 1\nSubject: AWS Notification Message\n\n" +
		"{\n  \"Type\" : \"Notification\",\n  \"Message\" : \"{\\\"notificationType\\\":\\\"Bounce\\\",\\\"bounce\\\":{\\\"bounceType\\\":\\\"Permanent\\\",\\\"bouncedRecipients\\\":[{\\\"emailAddress\\\":\\\"gone@example.com\\\",\\\"action\\\":\\\"failed\\\",\\\"status\\\":\\\"5.1.1\\\",\\\"diagnosticCode\\\":\\\"smtp; 550 5.1.1 user un\n known\\\"}],\\\"reportingMTA\\\":\\\"dsn; a1.example.com\\\"}}\"\n}\n"
	rep := Parse([]byte(msg))
	if rep == nil || len(rep.Recipients) != 1 {
		t.Fatalf("got %+v", rep)
	}
	if r := rep.Recipients[0]; r.Address != "gone@example.com" || r.Status != "5.1.1" || r.ReplyCode != "550" || r.Reason != UserUnknown {
		t.Errorf("got %+v", r)
	}
	delivery := strings.Replace(msg, `Bounce`, `Delivery`, 1)
	if rep := Parse([]byte(delivery)); rep != nil {
		t.Errorf("a delivery notification gave %+v", rep)
	}
}

func TestParseNotBouncesStructured(t *testing.T) {
	arf := "From: fbl@example.net\nSubject: Abuse Report\nContent-Type: multipart/report; report-type=feedback-report; boundary=\"b\"\n\n" +
		"--b\nContent-Type: text/plain\n\nThis is an abuse report for a@example.org\n--b\nContent-Type: message/feedback-report\n\nFeedback-Type: abuse\n--b--\n"
	success := strings.Replace(dsnSample, "Action: failed\r\nStatus: 5.1.1", "Action: delivered\r\nStatus: 2.0.0", 1)
	for name, m := range map[string]string{"arf": arf, "delivered": success} {
		if rep := Parse([]byte(m)); rep != nil {
			t.Errorf("%s: found %+v", name, rep.Recipients)
		}
	}
}

// A notice forwarded by a person is explained from the quoted notice.
func TestParseForwarded(t *testing.T) {
	msg := "From: Alice <alice@example.org>\nTo: it@example.org\nSubject: Fwd: Returned mail: see transcript for details\n\n" +
		"Why did this bounce?\n\n---------- Forwarded message ----------\nFrom: Mail Delivery Subsystem <MAILER-DAEMON@mx.example.org>\n" +
		"Subject: Returned mail: see transcript for details\n\n   ----- The following addresses had permanent fatal errors -----\n<bob@example.net>\n" +
		"    (reason: 550 5.1.1 <bob@example.net>... User unknown)\n"
	rep := Parse([]byte(msg))
	if rep == nil || len(rep.Recipients) != 1 || rep.Recipients[0].Address != "bob@example.net" || rep.Recipients[0].Reason != UserUnknown {
		t.Fatalf("got %+v", rep)
	}
}

// TestParseVerification: a DSN that answers an address verification
// ("Action: deliverable", Status 2.x.x) names no failure.
func TestParseVerification(t *testing.T) {
	msg := strings.Replace(strings.Replace(dsnSample, "Action: failed\r\nStatus: 5.1.1", "Action: deliverable\r\nStatus: 2.1.5", 1),
		"Diagnostic-Code: smtp; 550 5.1.1 <gone@example.com>: Recipient address rejected: User unknown", "Diagnostic-Code: smtp; 250 2.1.5 Ok", 1)
	if rep := Parse([]byte(msg)); rep != nil {
		t.Errorf("a verification report read as a bounce: %+v", rep.Recipients)
	}
}

// TestParseAgent: the same "no such user" words read by who wrote the
// notice (data/agents.tsv). Made-up notices, after the layout of each
// product's.
func TestParseAgent(t *testing.T) {
	const orig = "\n--- Original message follows.\n\nTo: gone@example.net\nSubject: hi\n\nhi\n"
	for _, c := range []struct{ name, msg, want string }{
		{"filtering gateway", "From: MAILER-DAEMON@gw.example.com\nTo: me@example.org\nSubject: Undeliverable\nX-Mailer: SurfControl E-mail Filter\n\n" +
			"Your message could not be delivered.\n\ngone@example.net: 550 gone@example.net... No such user\n" + orig, Filtered},
		{"mailbox server", "From: Postmaster <postmaster@example.net>\nTo: me@example.org\nSubject: Undeliverable Mail\nX-Mailer: <SMTP32 v8.22>\n\n" +
			"Unknown user: gone@example.net\n\n550 User unknown\n" + orig, UserUnknown},
		{"list service", "From: Mail Delivery Subsystem <mailer-daemon@googlemail.com>\nTo: me@example.org\nSubject: Delivery Status Notification (Failure)\n" +
			"X-Failed-Recipients: team@googlegroups.com\n\nThe group you tried to contact (team) may not exist, or you may not have permission to post messages to the group.\n" + orig, Rejected},
	} {
		rep := Parse([]byte(c.msg))
		if rep == nil || len(rep.Recipients) == 0 {
			t.Errorf("%s: no bounce found", c.name)
			continue
		}
		if r := rep.Recipients[0]; r.Reason != c.want {
			t.Errorf("%s: %s %s, want %s (%q)", c.name, r.Address, r.Reason, c.want, r.RemoteText)
		}
	}
}

// TestDSNStatusWithHash: a Status field written "#5.1.1" (the form notices
// use in their text) is read as 5.1.1.
func TestDSNStatusWithHash(t *testing.T) {
	msg := "From: MAILER-DAEMON@mail.example.org\nTo: me@example.org\nSubject: Delivery Status Notification (Failure)\nMIME-Version: 1.0\n" +
		"Content-Type: multipart/report; report-type=delivery-status; boundary=\"B\"\n\n--B\nContent-Type: text/plain\n\nDelivery failed.\n\n" +
		"--B\nContent-Type: message/delivery-status\n\nReporting-MTA: dns; mail.example.org\n\nFinal-Recipient: rfc822; gone@example.com\nAction: failed\nStatus: #5.1.1\n" +
		"Diagnostic-Code: X-Postfix; host mx.example.com said: 550 unknown user\n--B--\n"
	r := Parse([]byte(msg))
	if r == nil || len(r.Recipients) != 1 || r.Recipients[0].Status != "5.1.1" || r.Recipients[0].Reason != UserUnknown {
		t.Fatalf("%+v", r)
	}
}
