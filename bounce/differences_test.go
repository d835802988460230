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
	// the same server words, two readings by sending product
	{"lhost-apachejames-01.eml", "000000000000@vtext.example.com", "reason", UserUnknown, Filtered,
		`the server said "550 - Requested action not taken: no such user here", which mail systems' own tables (Verizon's, MessageLabs') give for a mailbox that does not exist, and sisimai calls it userunknown from them (lhost-verizon-02, the same words); only its Apache James module leaves it to its filtered rule`},
	{"make-test-06.eml", "this-user-does-not-exist-on-the-server@ezweb.ne.jp", "reason", Filtered, Suspend,
		`the line beside the address says "user unknown", with neither a status code nor the SMTP command (filtered, as sisimai's own rule calls such words); sisimai reads the notice's general sentence ("The user(s) account is disabled.") instead`},
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
