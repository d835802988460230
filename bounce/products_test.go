package bounce

import (
	"strings"
	"testing"
)

// productForms are made-up notices in the free-text forms of mail systems
// that write no DSN (or one that says less than their text), each with a
// "{r}" where the remote server's reply goes: sender, subject, body. They
// were written for this test, in the shape of real notices of each
// product.
var productForms = []struct{ name, from, subject, body string }{
	{"exchange55", "Postmaster <postmaster@example.com>", "Undeliverable: hello",
		"Your message\n\n  To:      gone@example.com\n  Subject: hello\n  Sent:    Thu, 29 Apr 2010 23:30:00 +0900\n\ndid not reach the following recipient(s):\n\ngone@example.com on Thu, 29 Apr 2010 23:34:46 +0900\n    The recipient name is not recognized\n\tThe MTS-ID of the original message is: c=us;a= ;p=example;l=EX1-100429143446Z-1\n    MSEXCH:IMS:Example:Site:EX1 0 (000C05A6) {r}\n"},
	{"exchange2003", "System Administrator <postmaster@example.com>", "Undeliverable: hello",
		"Your message did not reach some or all of the intended recipients.\n\n      Subject:\thello\n      Sent:\t4/29/2010 11:30 PM\n\nThe following recipient(s) cannot be reached:\n\n      gone@example.com on 4/29/2010 11:34 PM\n            {r}\n            <mx.example.com #5.1.1>\n"},
	{"domino", "Postmaster@example.com", "DELIVERY FAILURE: User gone.user (gone.user@example.com) not listed in Domino Directory",
		"Your message\n\n  Subject: hello\n\nwas not delivered to:\n\n  gone@example.com\n\nbecause:\n\n  {r}\n"},
	{"groupwise", "Mail Delivery System <postmaster@example.com>", "Undeliverable mail: hello",
		"The message that you sent was undeliverable to the following:\n\tgone@example.com ({r})\n\nPossibly truncated original message follows:\n"},
	{"yahoo", "MAILER-DAEMON@yahoo.com", "Failure Notice",
		"Sorry, we were unable to deliver your message to the following address.\n\n<gone@example.com>:\nRemote host said: {r} [RCPT_TO]\n\n--- Below this line is a copy of the message.\n"},
	{"hmailserver", "mailer-daemon@example.com", "Message undeliverable: hello",
		"Your message did not reach some or all of the intended recipients.\n\n   Sent: Thu, 29 Apr 2010 23:30:00 +0900\n   Subject: hello\n\nThe following recipient(s) could not be reached:\n\ngone@example.com\n   Error Type: SMTP\n   Remote server (192.0.2.1) issued an error.\n   hMailServer sent: RCPT TO:<gone@example.com>\n   Remote server replied: {r}\n"},
	{"messagingserver", "Internet Mail Delivery <postmaster@example.com>", "Delivery Notification: Delivery has failed",
		"This report relates to a message you sent with the following header fields:\n\n  Message-id: <x@mail.example.org>\n  Date: Thu, 29 Apr 2010 23:30:00 +0900\n  From: sender@example.org\n  To: gone@example.com\n  Subject: hello\n\nYour message cannot be delivered to the following recipients:\n\n  Recipient address: gone@example.com\n  Reason: Remote SMTP server has rejected address\n  Diagnostic code: smtp;{r}\n  Remote system: dns;mx.example.com (TCP|192.0.2.9|2525|192.0.2.1|25) (mx.example.com ESMTP)\n"},
	{"mdaemon", "MDaemon@example.com", "Permanent Delivery Failure",
		"The attached message had PERMANENT fatal delivery errors!\n\nAfter one or more unsuccessful delivery attempts the attached message\nhas been removed from the mail queue on this server.\n\nYOUR MESSAGE WAS NOT DELIVERED TO ANY OF IT'S RECIPIENTS!\n\n--- Session Transcript ---\n Thu 2010-04-29 23:34:46: Parsing message <mdaemon.msg>\n Thu 2010-04-29 23:34:46: *  From: sender@example.org\n Thu 2010-04-29 23:34:46: *  To: gone@example.com\n Thu 2010-04-29 23:34:46: Attempting SMTP connection to [mx.example.com : 25]\n Thu 2010-04-29 23:34:46: --> RCPT To:<gone@example.com>\n Thu 2010-04-29 23:34:46: <-- {r}\n--- End Transcript ---\n"},
	{"communigate", "MAILER-DAEMON@example.com", "Undeliverable mail: hello",
		"Message delivery to 'gone@example.com' failed:\n{r}\n"},
	{"smartermail", "postmaster@example.com", "Undeliverable: hello",
		"Delivery to the following recipients failed.\n\n       gone@example.com\n\n{r}\n"},
	{"icewarp", "Mail Delivery Subsystem <postmaster@example.com>", "Undeliverable message",
		"Delivery failed for the following recipient(s):\ngone@example.com\n\nReason: {r}\n"},
	{"kerio", "Mail Delivery Subsystem <mailer-daemon@example.com>", "Undeliverable mail",
		"Your message did not reach some or all of the intended recipients.\n\n   Subject: hello\n   Sent: 4/29/2010 11:30 PM\n\nThe following recipient(s) could not be reached:\n\n   gone@example.com\n       Error Type: SMTP\n       Remote server replied: {r}\n"},
	{"mercury", "Mercury 32 <mailer-daemon@example.com>", "Delivery failure: hello",
		"This message was undeliverable because the SMTP server at mx.example.com\nrejected the recipient address:\n\n *** gone@example.com\n     {r}\n"},
	{"imail", "Postmaster <postmaster@example.com>", "Undeliverable Mail",
		"Unknown user: gone@example.com\n\nRCPT TO generated following response:\n{r}\n\nOriginal message follows.\n"},
	{"mailenable", "POSTMASTER@example.com", "Message Delivery Failure",
		"MailEnable: Message could not be delivered to some recipients.\nThe following recipient(s) could not be reached:\n\n\tRecipient: [SMTP:gone@example.com]\n\tReason: {r}\n"},
	{"surgemail", "Mail Delivery System <mailer-daemon@example.com>", "Delivery failure",
		"Message not delivered to recipients below. Hard bounce.\n\n  gone@example.com\n     Failed, status {r}\n"},
	{"exchange_de", "Systemadministrator <postmaster@example.com>", "Unzustellbar: hello",
		"Ihre Nachricht hat einige oder alle Empfänger nicht erreicht.\n\n      Betreff:\thello\n      Gesendet am:\t29.04.2010 23:30\n\nFolgende(r) Empfänger konnte(n) nicht erreicht werden:\n\n      gone@example.com am 29.04.2010 23:34\n            {r}\n"},
	{"exchange_fr", "Administrateur système <postmaster@example.com>", "Non remis : hello",
		"Votre message n'a pas pu être remis à certains ou à l'ensemble des destinataires.\n\n      Objet :\thello\n      Envoyé :\t29/04/2010 23:30\n\nImpossible de joindre le ou les destinataires suivants :\n\n      gone@example.com le 29/04/2010 23:34\n            {r}\n"},
	{"spanish", "MAILER-DAEMON@example.com", "Mensaje no entregado",
		"No se pudo entregar el mensaje a los siguientes destinatarios:\n\ngone@example.com\n{r}\n"},
	{"italian", "MAILER-DAEMON@example.com", "Messaggio non recapitato",
		"Il messaggio non è stato recapitato ai seguenti destinatari:\n\ngone@example.com\n{r}\n"},
	{"russian", "MAILER-DAEMON@example.com", "Сообщение не доставлено",
		"Ваше сообщение не было доставлено следующим получателям:\n\ngone@example.com\n{r}\n"},
	{"japanese", "MAILER-DAEMON@example.com", "メール配信エラー",
		"以下の宛先へのメール配信に失敗しました。\n\ngone@example.com\n{r}\n"},
	{"exchange2010", "Microsoft Outlook <postmaster@example.org>", "Undeliverable: hello",
		"Delivery has failed to these recipients or groups:\n\ngone@example.com\nThe e-mail address you entered couldn't be found. Please check the recipient's e-mail address and try to resend the message.\n\nDiagnostic information for administrators:\n\nGenerating server: mail.example.org\n\ngone@example.com\nmx.example.com #{r} ##\n"},
	{"office365", "Microsoft Outlook <postmaster@example.org>", "Undeliverable: hello",
		"Your message to gone@example.com couldn't be delivered.\n\ngone.user wasn't found at example.com.\n\nDiagnostic information for administrators:\n\nGenerating server: X1.prod.outlook.com\nReceiving server: mx.example.com\n\ngone@example.com\nRemote Server returned '{r}'\n"},
	{"aol", "Mail Delivery Subsystem <MAILER-DAEMON@aol.com>", "Returned mail: User unknown",
		"----- The following addresses had permanent fatal errors -----\ngone@example.com\n\n----- Transcript of session follows -----\n... while talking to mx.example.com.:\n>>> RCPT To:<gone@example.com>\n<<< {r}\n"},
	{"postfixold", "MAILER-DAEMON@example.org (Mail Delivery System)", "Undelivered Mail Returned to Sender",
		"This is the Postfix program at host mail.example.org.\n\nI'm sorry to have to inform you that the message returned\nbelow could not be delivered to one or more destinations.\n\n\t\t\tThe Postfix program\n\n<gone@example.com>: host mx.example.com[192.0.2.1] said: {r} (in reply\n    to RCPT TO command)\n"},
	{"courier", "Courier mail server at mail.example.org <@>", "NOTICE: mail delivery status.",
		"This is a delivery status notification from mail.example.org,\nrunning the Courier mail server.\n\nThe original message was received on Thu, 29 Apr 2010 23:30:00 +0900\nfrom localhost [127.0.0.1]\n\n---------------------------------------------------------------------------\n\n                           UNDELIVERABLE MAIL\n\nYour message to the following recipients cannot be delivered:\n\n<gone@example.com>:\n    mx.example.com [192.0.2.1]:\n>>> RCPT TO:<gone@example.com>\n<<< {r}\n"},
}

// productReplies are put in every form.
var productReplies = []string{
	"550 5.1.1 <gone@example.com>... User unknown",
	"552 5.2.2 Mailbox full",
	"554 5.7.1 Message rejected as spam by Content Filtering.",
	"550 Requested action not taken: mailbox unavailable",
	"451 4.3.0 Temporary system failure. Please try again later.",
}

// TestProductForms: in every product's form, with every reply, the failed
// recipient is found, alone, and the server's words start with the reply
// as the server wrote it (Exchange 5.5, whose own sentence comes first,
// excepted for replies without an enhanced code).
func TestProductForms(t *testing.T) {
	for _, f := range productForms {
		for _, r := range productReplies {
			msg := "From: " + f.from + "\nTo: me@example.org\nSubject: " + f.subject +
				"\nMIME-Version: 1.0\nContent-Type: text/plain; charset=utf-8\n\n" + strings.ReplaceAll(f.body, "{r}", r) +
				"\nFrom: me@example.org\nTo: gone@example.com\nSubject: hello\n\nhello\n"
			rep := Parse([]byte(msg))
			if rep == nil {
				t.Errorf("%s, %q: no bounce found", f.name, r)
				continue
			}
			if len(rep.Recipients) != 1 || rep.Recipients[0].Address != "gone@example.com" {
				t.Errorf("%s, %q: recipients %+v", f.name, r, rep.Recipients)
				continue
			}
			got := strings.TrimLeft(rep.Recipients[0].RemoteText, "#'(")
			if f.name == "exchange55" && !statusRe.MatchString(r) {
				if !strings.Contains(got, r[4:]) {
					t.Errorf("%s, %q: server's words %q", f.name, r, got)
				}
				continue
			}
			if !strings.HasPrefix(got, r[:20]) {
				t.Errorf("%s, %q: server's words %q", f.name, r, got)
			}
		}
	}
}

// TestTwoRecipients: notices that name two failed recipients, each with
// its own reply (Gmail's: one reply for the addresses it lists), give each
// its own words (without the bracket sendmail closes its "(reason: ...)"
// with).
func TestTwoRecipients(t *testing.T) {
	head := "From: Mail Delivery System <MAILER-DAEMON@mx.example.net>\nTo: me@example.org\nSubject: Mail delivery failed\n\n"
	a, b := "550 5.1.1", "552 5.2.2"
	for _, c := range []struct{ name, body, bReply string }{
		{"Exim", "The following address(es) failed:\n\n  a@example.com\n    SMTP error from remote mail server after RCPT TO:<a@example.com>:\n    host mx.example.com [192.0.2.1]: 550 5.1.1 <a@example.com>: User unknown\n  b@example.net\n    SMTP error from remote mail server after RCPT TO:<b@example.net>:\n    host mx.example.net [192.0.2.2]: 552 5.2.2 <b@example.net>: Mailbox full\n", b},
		{"qmail", "Hi. This is the qmail-send program at mx.example.net.\n\n<a@example.com>:\n192.0.2.1 does not like recipient.\nRemote host said: 550 5.1.1 <a@example.com>: User unknown\nGiving up on 192.0.2.1.\n\n<b@example.net>:\n192.0.2.2 does not like recipient.\nRemote host said: 552 5.2.2 Mailbox full\nGiving up on 192.0.2.2.\n", b},
		{"Exchange 2003", "Your message did not reach some or all of the intended recipients.\n\n      Subject:\thello\n      Sent:\t4/29/2010 11:30 PM\n\nThe following recipient(s) cannot be reached:\n\n      a@example.com on 4/29/2010 11:34 PM\n            550 5.1.1 User unknown\n            <mx.example.com #5.1.1>\n\n      b@example.net on 4/29/2010 11:34 PM\n            552 5.2.2 Mailbox full\n            <mx.example.net #5.2.2>\n", b},
		{"hMailServer", "The following recipient(s) could not be reached:\n\na@example.com\n   Error Type: SMTP\n   Remote server replied: 550 5.1.1 User unknown\n\nb@example.net\n   Error Type: SMTP\n   Remote server replied: 552 5.2.2 Mailbox full\n", b},
		{"Gmail", "Delivery to the following recipients failed permanently:\n\n     a@example.com\n     b@example.net\n\nTechnical details of permanent failure:\nGoogle tried to deliver your message, but it was rejected by the server for the recipient domain example.com by mx.example.com. [192.0.2.1].\n\nThe error that the other server returned was:\n550 5.1.1 User unknown\n", a},
		{"Domino", "Your message\n\n  Subject: hello\n\nwas not delivered to:\n\n  a@example.com\n\nbecause:\n\n  550 5.1.1 User unknown\n\nYour message\n\n  Subject: hello\n\nwas not delivered to:\n\n  b@example.net\n\nbecause:\n\n  552 5.2.2 Mailbox full\n", b},
		{"Postfix", "This is the mail system at host mx.example.net.\n\n<a@example.com>: host mx.example.com[192.0.2.1] said: 550 5.1.1 <a@example.com>:\n    User unknown (in reply to RCPT TO command)\n\n<b@example.net>: host mx.example.net[192.0.2.2] said: 552 5.2.2 Mailbox full\n    (in reply to RCPT TO command)\n", b},
		{"sendmail", "   ----- The following addresses had permanent fatal errors -----\n<a@example.com>\n    (reason: 550 5.1.1 <a@example.com>... User unknown)\n<b@example.net>\n    (reason: 552 5.2.2 Mailbox full)\n\n   ----- Transcript of session follows -----\n... while talking to mx.example.com.:\n>>> RCPT To:<a@example.com>\n<<< 550 5.1.1 <a@example.com>... User unknown\n... while talking to mx.example.net.:\n>>> RCPT To:<b@example.net>\n<<< 552 5.2.2 Mailbox full\n", b},
	} {
		rep := Parse([]byte(head + c.body))
		if rep == nil || len(rep.Recipients) != 2 {
			t.Errorf("%s: %+v", c.name, rep)
			continue
		}
		for i, w := range []struct{ addr, reply string }{{"a@example.com", a}, {"b@example.net", c.bReply}} {
			r := rep.Recipients[i]
			if r.Address != w.addr || !strings.HasPrefix(r.RemoteText, w.reply) || strings.HasSuffix(r.RemoteText, "full)") || strings.HasSuffix(r.RemoteText, "unknown)") {
				t.Errorf("%s: recipient %d: %+v, want %s with %q", c.name, i, r, w.addr, w.reply)
			}
		}
	}
}
