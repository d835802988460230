package bounce

import (
	"regexp"
	"slices"
	"strings"
	"testing"
)

// The regular expressions senderWords and subjectWords replaced: the word
// lists must match whatever they matched, and more only by the words added
// to the lists since (addedWords).
var (
	senderWordsRe  = regexp.MustCompile(`(?i)mailer-daemon|mailer daemon|postmaster|post_master|poostmaster|mail delivery|delivery subsystem|delivery system|mail administrator|mail system|mailerdaemon|nobody@|bounce|-admin@|-owner@|メール配信`)
	subjectWordsRe = regexp.MustCompile(`(?i)undeliver|undelivered|returned mail|returning message|delivery (status|failure|failed|has failed|notification|report)|failure notice|mail delivery|mail system error|non[- ]?delivery|could not be delivered|not (be )?delivered|returned to sender|delayed mail|delivery delayed|message you sent (was )?blocked|mail failed|rejected|warning: could not send|配信|不達|エラー|не доставлен|zustellung|remis|non remis|nicht zugestellt`)
)

var wordSamples = []string{
	"", "Mail Delivery Subsystem <MAILER-DAEMON@example.com>", "Mail Delivery System", "postmaster@example.org",
	"Alice <alice@example.com>", "list-owner@lists.example.org", "NOBODY@example.net", "bounces+123@em.example.com",
	"Undelivered Mail Returned to Sender", "Delivery Status Notification (Failure)", "DELIVERY FAILURE: User x",
	"Non-Delivery Report", "non delivery", "NonDelivery", "Message could not be delivered", "was not delivered",
	"not be delivered", "Returned mail: see transcript", "Warning: could not send message for past 4 hours",
	"Mail System Error - Returned Mail", "Delayed Mail (still being retried)", "Message you sent was blocked",
	"message you sent blocked", "failure notice", "Unzustellbar: Zustellung fehlgeschlagen", "Non remis : test",
	"メール配信エラー", "不達のお知らせ", "Сообщение не доставлено", "НЕ ДОСТАВЛЕНО", "Re: meeting on Friday",
	"delivery statuses", "Delivery has failed to these recipients", "Rejected: spam", "Quarterly report",
}

func TestWordListsAsRegexps(t *testing.T) {
	for _, s := range wordSamples {
		checkWordList(t, "senderWords", senderWords, senderWordsRe, s)
		checkWordList(t, "subjectWords", subjectWords, subjectWordsRe, s)
	}
	// a word added since matches what it names
	for _, s := range []string{"Mail failure - rejected by filter", "Onbestelbaar: hallo", "配信不能: テスト", "\"InterScan MSS\" <relay@example.net>",
		"Mail Error Report", "Nondeliverable mail", "Unable to deliver your message", "Warning: message delayed"} {
		if !subjectWords.MatchString(s) && !senderWords.MatchString(s) {
			t.Errorf("%q matches neither list", s)
		}
	}
	// failureWords takes undeliverableWords as written
	for _, w := range undeliverableWords {
		if regexp.QuoteMeta(w) != w || !failureWords.MatchString(strings.ToUpper(w)) {
			t.Errorf("%q: not a plain word of failureWords", w)
		}
	}
}

// added are the words the lists have that the expressions they replaced
// did not match, each written here when it was added to a list (a word
// added to a list and not here fails TestAddedWords).
var added = wordList{
	// senderWords
	"mail deliver system", "interscan", "content-filter at", "sysadmin@",
	// subjectWords
	"mail failure", "message frozen", "error(s) in forwarding", "[bounce]", "bulk email filter", "delivery_failure",
	"recapitabile", "failed delivery", "error sending your mail", "no entregado", "non consegnato", "returned message",
	"bounced mail", "delivery problem", "delivery error", "failed to deliver", "could not deliver", "not deliverable",
	"unable to deliver", "nondeliverable", "mail error", "warning:",
	// undeliverableWords, in subjectWords too
	"unzustellbar", "onbestelbaar", "nicht zustellbar", "olevererbart", "kézbesíthetetlen", "nedoručitelné",
	"niedostarczalne", "kan ikke leveres", "ikke leveret", "ei voitu toimittaa", "impossible de remettre",
	"non distribuibile", "não entregue", "no se puede entregar", "ανεπίδοτο", "teslim edilemedi", "недоставл",
	"无法传递", "無法傳遞", "未送達", "배달되지 않음", "전달되지 않음",
}

// TestAddedWords: every word of the lists is one the expressions they
// replaced matched, or one written in added.
func TestAddedWords(t *testing.T) {
	for _, c := range []struct {
		name string
		l    wordList
		re   *regexp.Regexp
	}{{"senderWords", senderWords, senderWordsRe}, {"subjectWords", subjectWords, subjectWordsRe}} {
		for _, w := range c.l {
			if !c.re.MatchString(w) && !slices.Contains(added, w) {
				t.Errorf("%s: %q is neither a word the expression matched nor one written in added", c.name, w)
			}
		}
	}
}

// checkWordList: list matches s where the expression it replaced does,
// and elsewhere only through a word written in added.
func checkWordList(t *testing.T, name string, l wordList, re *regexp.Regexp, s string) {
	got, want := l.MatchString(s), re.MatchString(s)
	if want && !got {
		t.Errorf("%s(%q) = false, the expression said true", name, s)
	}
	if got && !want && !added.MatchString(s) {
		t.Errorf("%s(%q) = true, the expression said false, and no word written in added is in it", name, s)
	}
}

func FuzzWordLists(f *testing.F) {
	for _, s := range wordSamples {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if strings.ContainsAny(s, "\u017f\u212a") {
			// the expressions' Unicode folding also took ſ for s and the
			// Kelvin sign for k; no mail system writes those
			return
		}
		checkWordList(t, "senderWords", senderWords, senderWordsRe, s)
		checkWordList(t, "subjectWords", subjectWords, subjectWordsRe, s)
	})
}
