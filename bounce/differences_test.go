package bounce

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mailsalvage/mailsalvage/internal/corpus"
)

// difference is a corpus file where we knowingly disagree with sisimai:
// what we say, what it says, and why ours is right (or as right).
type difference struct {
	file, recipient, field, ours, sisimai, why string
}

// sisimaiDifferences are every disagreement with SISIMAI.tsv on the
// corpus. TestSisimaiAgreement fails on a disagreement not listed here,
// and TestSisimaiDifferences pins our answers.
var sisimaiDifferences = []difference{
	// sisimai's per-product rules turn a plain "user unknown" into
	// "filtered" for some gateways; the server's words say the mailbox
	// does not exist, and that is what the user has to act on
	{"lhost-activehunter-02.eml", "kijitora@example.ed.jp", "reason", UserUnknown, Filtered,
		`the server said "Recipient address rejected: User unknown in local recipient table"; sisimai's Active!hunter module calls every bounce of that filter "filtered"`},
	{"lhost-mxlogic-03.eml", "kijitora@example.co.jp", "reason", UserUnknown, Filtered,
		`the server said "550 unknown user"; sisimai's MXLogic module maps it to "filtered"`},
	{"lhost-x1-01.eml", "kijitora@example.co.jp", "reason", UserUnknown, Filtered,
		`the notice says "[User unknown]" beside the address`},
	{"lhost-x1-03.eml", "kijitora@example.org", "reason", UserUnknown, Filtered,
		`the notice says "[User unknown]" beside the address`},
	{"lhost-apachejames-01.eml", "000000000000@vtext.example.com", "reason", UserUnknown, Filtered,
		`the notice says "Invalid user address" and the server "550 - Requested action not taken: no such user here"`},
	{"rhost-yahooinc-03.eml", "this-local-part-does-not-exist@yahoo.com", "reason", UserUnknown, Filtered,
		`Yahoo said "This user doesn't have a yahoo.com account": the address does not exist`},
	// a different reading of the same words
	{"lhost-sendmail-60.eml", "kijitora-cat@google.example.com", "reason", SecurityError, Blocked,
		`5.7.26 is "multiple authentication checks failed" (RFC 7372) and the words are an SPF hard fail: an authentication failure of the sender's domain (fixed in its SPF record), not a block of the sending host`},
	{"lhost-sendmail-05.eml", "kijitora@example.org", "reason", MesgTooBig, ExceedLimit,
		`the server said "Message size exceeds fixed maximum message size": the message is too big for the system; 5.2.3 (administrative limit) says less than the words`},
	{"rhost-spectrum-01.eml", "theusername@charter.net", "reason", Rejected, TooManyConn,
		`the server said "550 5.1.0 <...> sender rejected": the sender address was refused; sisimai maps Spectrum's AUP codes by its own table`},
	{"make-test-06.eml", "this-user-does-not-exist-on-the-server@ezweb.ne.jp", "reason", UserUnknown, Suspend,
		`the line beside the address says "user unknown"; sisimai reads the notice's general sentence ("The user(s) account is disabled.") instead`},
	{"rhost-nttdocomo-02.eml", "azumakuniyuki@ntt.docomo.example.ne.jp", "reason", Filtered, Rejected,
		`"550 Unknown user" came in reply to DATA: the recipient had been accepted at RCPT TO, so the mailbox exists and something on its side refused the message (sisimai reads the same words from other servers after DATA as "filtered" too; it has a docomo rule)`},
	// the notice does not say why: "onhold" (we could not tell) rather
	// than a guess
	{"lhost-trendmicro-03.eml", "kijitora@example.jp", "reason", OnHold, UserUnknown,
		`the notice only says "Unable to deliver message to <...> (and other recipients in the same domain)"`},
	{"rhost-messagelabs-03.eml", "kijitora@example.com", "reason", OnHold, UserUnknown,
		`the server only said "542 kijitora@example.com Rejected"`},
	{"rhost-franceptt-10.eml", "xxxx@laposte.net", "reason", OnHold, Undefined,
		`both mean "unknown": the server's words ("Service refuse. Veuillez essayer plus tard") say nothing specific, and we keep them as onhold because there are words`},
	// status and recipient
	{"lhost-postfix-02.eml", "filtered@example.co.jp", "status", "5.2.1", "5.1.1",
		`the remote server answered "550 5.2.1" and the DSN's Status field says 5.2.1 too; sisimai rewrites it to 5.1.1 from its reason`},
	{"lhost-office365-04.eml", "otsu-sakaba-hunter-neko-nyaaaaaaan@ezweb.ne.jp", "recipient", "otsu-sakaba-hunter-neko-nyaaaaaaan@ezweb.ne.jp", "otsu-sakaba-hunter-nyaaaaaaan@ezweb.ne.jp",
		`the DSN's Final-Recipient and the notice's text name this address; sisimai took another one from a mailto: link of the HTML part`},
}

// documented reports whether a disagreement is listed.
func documented(file, field string) bool {
	for _, d := range sisimaiDifferences {
		if d.file == file && d.field == field {
			return true
		}
	}
	return false
}

func TestSisimaiDifferences(t *testing.T) {
	dir := corpus.Dir(t, "bounces")
	want := readSisimai(t, dir)
	for _, d := range sisimaiDifferences {
		b, err := os.ReadFile(filepath.Join(dir, d.file))
		if err != nil {
			t.Errorf("%s: %v", d.file, err)
			continue
		}
		// the row still says what we think sisimai says
		sis := ""
		for _, w := range want[d.file] {
			if d.field == "recipient" || strings.EqualFold(w.recipient, d.recipient) {
				sis = map[string]string{"reason": w.reason, "status": w.status, "recipient": w.recipient}[d.field]
			}
		}
		if sis != d.sisimai {
			t.Errorf("%s: SISIMAI.tsv says %s %q, the list says %q", d.file, d.field, sis, d.sisimai)
		}
		rep := Parse(b)
		if rep == nil {
			t.Errorf("%s: no bounce found", d.file)
			continue
		}
		var got *Recipient
		for i := range rep.Recipients {
			if strings.EqualFold(rep.Recipients[i].Address, d.recipient) {
				got = &rep.Recipients[i]
			}
		}
		if got == nil {
			t.Errorf("%s: recipient %s not found in %+v", d.file, d.recipient, rep.Recipients)
			continue
		}
		v := map[string]string{"reason": got.Reason, "status": got.Status, "recipient": got.Address}[d.field]
		if v != d.ours {
			t.Errorf("%s: %s = %q, want %q (%s)", d.file, d.field, v, d.ours, d.why)
		}
	}
}
