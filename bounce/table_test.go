package bounce

import (
	"fmt"
	"strings"
	"testing"
)

// TestPatternRows: every row of data/patterns.tsv matches its own example,
// and the example, read as a server's words on its own, gives the row's
// reason or a reason decided before it (a row may only be shadowed by a
// reason the classifier tries first; the row is still tested to match).
func TestPatternRows(t *testing.T) {
	if len(Patterns()) < 100 {
		t.Fatalf("only %d pattern rows", len(Patterns()))
	}
	shadowed := 0
	for _, p := range Patterns() {
		t.Run(fmt.Sprintf("line%d-%s", p.Line, p.Reason), func(t *testing.T) {
			if !p.Expr.MatchString(normText(p.Example)) {
				t.Fatalf("%s:%d: %q does not match its example %q", p.File, p.Line, p.Expr, p.Example)
			}
			got := Classify("", "", p.Example, "failed")
			if p.Reason == UserUnknown && !p.Definite {
				// these words stand for userunknown only at RCPT TO or
				// with a mailbox status code (classify); the row's words
				// are what is checked here
				got = classify("", "", p.Example, p.Example+" (in reply to RCPT TO command)", "failed")
			}
			if got != p.Reason {
				shadowed++
				if rank(got) > rank(p.Reason) {
					t.Errorf("%s:%d: example %q gives %s, ranked after %s", p.File, p.Line, p.Example, got, p.Reason)
				}
			}
		})
	}
	t.Logf("%d of %d examples classified by an earlier reason", shadowed, len(Patterns()))
}

// TestNoRedundantRows: no row is a phrase that holds another row's whole
// phrase of the same reason and kind (definite or not): every text it
// matches the shorter row matches too, so it never decides anything.
func TestNoRedundantRows(t *testing.T) {
	ps := Patterns()
	for _, long := range ps {
		prefix, _ := long.Expr.LiteralPrefix()
		for _, short := range ps {
			lit, whole := short.Expr.LiteralPrefix()
			if !whole || short.Reason != long.Reason || short.Definite != long.Definite || short.Expr == long.Expr {
				continue
			}
			if strings.Contains(prefix, lit) {
				t.Errorf("%s:%d %q holds %s:%d %q: it decides nothing", long.File, long.Line, long.expr, short.File, short.Line, short.expr)
			}
		}
	}
}

// rank is the position of a reason in the order the classifier tries
// them by their words.
func rank(r string) int {
	for i, x := range append(append([]string(nil), firstRound...), secondRound...) {
		if x == r {
			return i
		}
	}
	return 1000
}

// TestStatusRows: every row of data/status.tsv gives its reason, for a
// 5xx and a 4xx code where the row is for both classes.
func TestStatusRows(t *testing.T) {
	tables()
	n := 0
	for code, row := range statusTable {
		classes := []string{code[:1]}
		if code[0] == 'X' {
			classes = []string{"4", "5"}
		}
		for _, c := range classes {
			st := c + code[1:]
			if _, own := statusTable[st]; own && code[0] == 'X' {
				continue // a class-specific row overrides this one
			}
			n++
			if got := StatusReason(st); got != row.Reason {
				t.Errorf("StatusReason(%s) = %q, want %q (%s)", st, got, row.Reason, row.Meaning)
			}
		}
	}
	for _, st := range []string{"5.0.0", "4.0.0", "5.4.0", "2.1.5", "", "5.1", "x.1.1"} {
		if got := StatusReason(st); got != "" {
			t.Errorf("StatusReason(%q) = %q, want none", st, got)
		}
	}
	if n < 60 {
		t.Fatalf("only %d status rows checked", n)
	}
}

// TestExplanations: every reason, and a delayed delivery, has an English
// and a Japanese text.
func TestExplanations(t *testing.T) {
	tables()
	for _, r := range append(Reasons[:len(Reasons):len(Reasons)], delayedKey) {
		if explainEN[r] == "" || explainJA[r] == "" {
			t.Errorf("reason %s lacks an explanation (en %q, ja %q)", r, explainEN[r], explainJA[r])
		}
		if Explain(r, "ja") == Explain(r, "en") {
			t.Errorf("reason %s: Japanese text is the English one", r)
		}
	}
}

func TestFindCodes(t *testing.T) {
	for _, c := range []struct{ in, reply, status string }{
		{"550 5.1.1 <a@example.jp>... User Unknown", "550", "5.1.1"},
		{"host mx.example.jp[192.0.2.153] said: 550 5.2.1 <a@b.jp>", "550", "5.2.1"},
		{"5.1.0 - Unknown address error 550-'5.7.1 <x@y.com>... Access denied'", "550", "5.7.1"},
		{"connect to 6jo.example.jp[192.0.2.79]:25: Connection timed out", "", ""},
		{"#550 5.2.3 RESOLVER.RST.RecipSizeLimit", "550", "5.2.3"},
		{"Remote host said: 501 5.0.0 Invalid domain name", "501", "5.0.0"},
	} {
		if r := findReply(c.in); r != c.reply {
			t.Errorf("findReply(%q) = %q, want %q", c.in, r, c.reply)
		}
		if s := findStatus(c.in); s != c.status {
			t.Errorf("findStatus(%q) = %q, want %q", c.in, s, c.status)
		}
	}
}

// TestAgentRows: every row of data/agents.tsv matches its own example,
// and a notice carrying that mark alone is told to be that agent's (or,
// where an earlier row matches the same mark, that row's agent).
func TestAgentRows(t *testing.T) {
	rows := AgentRows()
	if len(rows) < 20 {
		t.Fatalf("only %d agent rows", len(rows))
	}
	for i, r := range rows {
		t.Run(fmt.Sprintf("line%d-%s", r.Line, r.Agent), func(t *testing.T) {
			if !r.Expr.MatchString(strings.ToLower(collapse(r.Example))) {
				t.Fatalf("data/agents.tsv:%d: %q does not match its example %q", r.Line, r.Expr, r.Example)
			}
			from, subject, extra, body := "MAILER-DAEMON@example.org", "Returned mail", "", "The message could not be delivered.\n"
			switch r.Where {
			case "from":
				from = r.Example
			case "subject":
				subject = r.Example
			case "received":
				extra = "Received: " + r.Example + "\n"
			case "body":
				body = r.Example + "\n" + body
			default:
				extra = r.Where + ": " + r.Example + "\n"
			}
			msg := "From: " + from + "\nSubject: " + subject + "\n" + extra + "\n" + body
			top, parts := leaves([]byte(msg))
			notice, _ := noticeText(parts)
			got := detectAgent(top, notice)
			if got.name == r.Agent {
				return
			}
			for _, e := range rows[:i] {
				if e.Agent == got.name {
					return // an earlier row takes the same mark
				}
			}
			t.Errorf("data/agents.tsv:%d: a notice with %s %q is told to be %q's, want %s", r.Line, r.Where, r.Example, got.name, r.Agent)
		})
	}
	if a := detectAgent(nil, "An ordinary message."); a.name != "" {
		t.Errorf("a message with no mark is told to be %s's", a.name)
	}
}

// TestAgentKinds: how the kind of the agent that wrote a notice changes
// the reading of "unknown user" words.
func TestAgentKinds(t *testing.T) {
	for _, c := range []struct {
		kind, status, text, want string
	}{
		// no agent: the words, with neither a mailbox code nor RCPT
		// TO behind them, are a filter's (classify)
		{"", "", "550 User unknown", Filtered},
		// a mailbox system's own lookup answer
		{agentLookup, "", "550 User unknown", UserUnknown},
		{agentLookup, "5.0.0", "550 5.0.0 User unknown", UserUnknown},
		// a status code that names another reason still counts
		{agentLookup, "5.2.1", "550 5.2.1 User unknown", Filtered},
		// a filtering product's rule, unless the code says mailbox
		{agentFilter, "", "550 No such user", Filtered},
		{agentFilter, "5.1.1", "550 5.1.1 No such user", UserUnknown},
		// a list service refusing a post
		{agentList, "", "The group you tried to contact may not exist, or you may not have permission to post", Rejected},
		{agentList, "", "", Rejected},
		// unless a mailbox status code says the list's address does
		// not exist at all
		{agentList, "5.1.1", "550 5.1.1 The email account that you tried to reach does not exist", UserUnknown},
	} {
		got := classifyBy(agent{name: "test", kind: c.kind}, c.status, "", c.text, c.text, "failed")
		if got != c.want {
			t.Errorf("kind %q, status %q, %q: %s, want %s", c.kind, c.status, c.text, got, c.want)
		}
	}
}

func TestSMTPStage(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"550 5.1.1 <a@example.jp>: Recipient address rejected (in reply to RCPT TO command)", "RCPT"},
		{"SMTP error from remote server after RCPT command: host mx.example.de: 550 user unknown", "RCPT"},
		{"SMTP error from remote mail server after MAIL FROM:<a@example.jp> SIZE=1234: 550 sender rejected", "MAIL"},
		{"SMTP error from remote server after MAIL command: 553 sender domain unknown", "MAIL"},
		{"SMTP error from remote mail server after end of data: 550 message refused", "DATA"},
		{"550 5.2.1 <a@example.co.jp>... User Unknown [RCPT_TO]", "RCPT"},
		// qmail-remote's own sentences
		{"192.0.2.153 does not like recipient.\nRemote host said: 550 5.2.1 <a@example.jp>... User Unknown", "RCPT"},
		{"192.0.2.153 does not like sender.\nRemote host said: 553 sorry", "MAIL"},
		{"192.0.2.153 failed on DATA command.\nRemote host said: 554 no valid recipients", "DATA"},
		{"192.0.2.153 failed after I sent the message.\nRemote host said: 552 message too big", "DATA"},
		{"550 Requested action not taken: mailbox unavailable", ""},
	} {
		if got := smtpStage(normText(c.in)); got != c.want {
			t.Errorf("smtpStage(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

// TestProviderRows: every row of data/providers.tsv tells its provider
// from its own example (and no earlier row of another provider does).
func TestProviderRows(t *testing.T) {
	rows := ProviderRows()
	if len(rows) < 10 {
		t.Fatalf("only %d provider rows", len(rows))
	}
	for _, r := range rows {
		if !r.Expr.MatchString(strings.ToLower(r.Example)) {
			t.Errorf("data/providers.tsv:%d: %q does not match its example %q", r.Line, r.Expr, r.Example)
			continue
		}
		var got string
		switch r.Where {
		case "host":
			got = detectProvider(agent{}, "a@example.invalid", r.Example, "")
		case "domain":
			got = detectProvider(agent{}, "a@"+r.Example, "", "")
		case "agent":
			got = detectProvider(agent{name: r.Example}, "a@example.invalid", "", "")
		}
		if got != r.Provider {
			t.Errorf("data/providers.tsv:%d: %s %q is told to be %q's, want %s", r.Line, r.Where, r.Example, got, r.Provider)
		}
	}
	// a host the notice says it talked to counts, the earliest Received
	// field's only when the notice names no host
	if got := detectProvider(agent{}, "a@example.org", "", "host mx3.qq.com[192.0.2.1] said: 550 Mailbox not found."); got != "Tencent" {
		t.Errorf("host named in the text: %q, want Tencent", got)
	}
	origin := originHosts([]string{"from mx.example.org by mx.example.net", "from a.eop-nam03.prod.protection.outlook.com (198.51.100.2) by b.namprd22.prod.outlook.com"})
	if got := detectProvider(agent{origin: origin}, "a@example.org", "", "550 5.1.10 Recipient not found"); got != "Microsoft" {
		t.Errorf("earliest Received field %v: %q, want Microsoft", origin, got)
	}
	if got := detectProvider(agent{origin: origin}, "a@example.org", "mx.example.org", ""); got != "" {
		t.Errorf("a Remote-MTA of no known provider: %q, want none", got)
	}
}

// TestProviderReplies: every row of data/provider-replies.tsv matches its
// example, and the example, as the provider's answer, gives the row's
// reason (or that of an earlier row of the same provider, which then
// shadows it: reported).
func TestProviderReplies(t *testing.T) {
	rows := ProviderReplies()
	if len(rows) < 50 {
		t.Fatalf("only %d provider reply rows", len(rows))
	}
	for _, r := range rows {
		text := normText(r.Example)
		status, reply := findStatus(text), findReply(text)
		if !r.Expr.MatchString(text) {
			t.Errorf("data/provider-replies.tsv:%d: %q does not match its example %q", r.Line, r.Expr, r.Example)
			continue
		}
		if code := strings.TrimSpace(reply + " " + status); r.Code != nil && !r.Code.MatchString(code) {
			t.Errorf("data/provider-replies.tsv:%d: code %q does not match the example's %q", r.Line, r.Code, code)
			continue
		}
		if got := providerReason(r.Provider, status, reply, text); got != r.Reason {
			t.Errorf("data/provider-replies.tsv:%d: example %q gives %s, want %s (an earlier row of %s matches it)", r.Line, r.Example, got, r.Reason, r.Provider)
		}
		a := agent{provider: r.Provider}
		if got := classifyBy(a, status, reply, r.Example, r.Example, "failed"); got != r.Reason {
			t.Errorf("data/provider-replies.tsv:%d: classify gives %s, want %s", r.Line, got, r.Reason)
		}
		// another provider's answer is read by the general tables
		if got := providerReason("", status, reply, text); got != "" {
			t.Errorf("data/provider-replies.tsv:%d: no provider, reason %s", r.Line, got)
		}
	}
}

// TestUnixAndMailFrom: a local delivery program's words (X-Unix) and a
// bare denial at MAIL FROM.
func TestUnixAndMailFrom(t *testing.T) {
	for _, c := range []struct{ status, text, want string }{
		{"5.1.1", `procmail: Couldn't create "/var/spool/mail/neko" id: No such user`, MailerError},
		{"4.5.0", "451 4.0.0 Operating system error", MailerError},
		{"5.2.2", "procmail: mailbox full", MailboxFull},
		{"5.7.1", "permission problem", SecurityError},
	} {
		if got := unixReason(c.status, normText(c.text)); got != c.want {
			t.Errorf("x-unix %s %q: %s, want %s", c.status, c.text, got, c.want)
		}
	}
	if got := classify("5.7.1", "550", "550 5.7.1 Access denied", "550 5.7.1 Access denied (in reply to MAIL FROM command)", "failed"); got != Rejected {
		t.Errorf("access denied at MAIL FROM: %s, want rejected", got)
	}
	if got := classify("5.7.0", "530", "530 5.7.0 Authentication required", "530 5.7.0 Authentication required (in reply to MAIL FROM command)", "failed"); got != SecurityError {
		t.Errorf("authentication required at MAIL FROM: %s, want securityerror", got)
	}
}

// BenchmarkLoadTables measures what the first notice of a run pays for
// the pattern table (the agents' and providers' tables are a tenth of it).
func BenchmarkLoadTables(b *testing.B) {
	for b.Loop() {
		patterns = nil
		loadTables()
	}
}

// TestCompileAlternationNamesRow: a row whose expression does not compile
// is named by file and line, not only as a broken alternation.
func TestCompileAlternationNamesRow(t *testing.T) {
	tables()
	saved := patterns
	defer func() { patterns = saved }()
	patterns = []Pattern{
		{Reason: Blocked, expr: "fine", File: "data/x.tsv", Line: 3},
		{Reason: Blocked, expr: "bro(ken", File: "data/x.tsv", Line: 4},
	}
	defer func() {
		msg, _ := recover().(string)
		if !strings.Contains(msg, "data/x.tsv:4:") {
			t.Fatalf("panic %q does not name the row", msg)
		}
	}()
	compileAlternation(Blocked, []string{"(?:fine)", "(?:bro(ken)"})
	t.Fatal("no panic")
}

// TestDataStageUserUnknown: "user unknown" after DATA is a filter's
// refusal (the recipient was taken at RCPT TO), unless a mailbox status
// code says the mailbox does not exist.
func TestDataStageUserUnknown(t *testing.T) {
	for _, c := range []struct{ status, text, want string }{
		{"5.0.0", "550 User unknown (in reply to end of DATA command)", Filtered},
		{"5.1.1", "550 5.1.1 <a@example.org>... User unknown (in reply to end of DATA command)", UserUnknown},
	} {
		if got := Classify(c.status, "550", c.text, "failed"); got != c.want {
			t.Errorf("Classify(%q, %q) = %s, want %s", c.status, c.text, got, c.want)
		}
	}
}

// TestDefiniteOverrides: the definite rows of one reason that overrule
// another's words: a server's own full disk is not the recipient's
// mailbox (nor an unknown address), a domain a resolver says does not
// exist is not a failed lookup, while a lookup that failed stays one.
func TestDefiniteOverrides(t *testing.T) {
	for _, c := range []struct{ status, reply, text, want string }{
		{"", "452", "452 Requested action not taken: mailbox unavailable (not enough free space)", SystemFull},
		{"", "550", "550 Requested action not taken: mailbox unavailable", Filtered},
		{"", "", "DNS Error: Domain name not found", HostUnknown},
		{"", "", "DNS Error: DNS type 'mx' lookup of example.com responded with code SERVFAIL", NetworkError},
		{"", "", "Name service error for example.com: Host not found, try again", NetworkError},
	} {
		if got := Classify(c.status, c.reply, c.text, "failed"); got != c.want {
			t.Errorf("Classify(%q, %q) = %s, want %s", c.status, c.text, got, c.want)
		}
	}
}

// TestSpamWordsBeforeData: spam words in a refusal at RCPT TO (the
// content not yet sent) do not overrule the status code; after DATA they
// do.
func TestSpamWordsBeforeData(t *testing.T) {
	for _, c := range []struct{ status, context, want string }{
		{"5.6.1", "(in reply to RCPT TO command)", ContentError},
		{"5.6.1", "(in reply to end of DATA command)", SpamDetected},
		{"5.0.0", "(in reply to RCPT TO command)", SpamDetected},
	} {
		text := "500 " + c.status + " Message content rejected"
		if got := classify(c.status, "500", text, text+" "+c.context, "failed"); got != c.want {
			t.Errorf("%s %s: %s, want %s", c.status, c.context, got, c.want)
		}
	}
}

// TestUndefinedMailboxStatus: X.2.0 ("other or undefined mailbox
// status", RFC 3463) does not decide over the words; without words that
// say more it stands for filtered.
func TestUndefinedMailboxStatus(t *testing.T) {
	for _, c := range []struct{ text, want string }{
		{"550 5.2.0 Mail rejete. Mail rejected. OFR_506 [506]", SpamDetected},
		{"550 5.2.0 <a@example.org>... Mailbox quota exceeded", MailboxFull},
		{"550 5.2.0 Requested action not taken", Filtered},
	} {
		ctx := c.text + " (in reply to end of DATA command)"
		if got := classify("5.2.0", "550", c.text, ctx, "failed"); got != c.want {
			t.Errorf("%q: %s, want %s", c.text, got, c.want)
		}
	}
}

// TestSyntaxReplyCode: a 50x reply code (RFC 5321: the command or a
// parameter was not understood), with no words or status code that say
// more, stands for syntaxerror; other codes stay undecided.
func TestSyntaxReplyCode(t *testing.T) {
	for _, c := range []struct{ status, reply, text, want string }{
		{"", "500", "500 (err.nosuchuser)", SyntaxError},
		{"", "503", "503 <a@example.org>... need MAIL before RCPT", SyntaxError},
		{"", "550", "550 (err.nosuchuser)", OnHold},
		{"", "421", "421 closing connection", OnHold},
		{"5.7.0", "500", "500 5.7.0 (err.1)", SecurityError}, // the status code's class first
		{"", "501", "501 mailbox full", MailboxFull},         // and the words
		{"", "508", "508 something", OnHold},
	} {
		if got := Classify(c.status, c.reply, c.text, "failed"); got != c.want {
			t.Errorf("Classify(%q, %q, %q) = %s, want %s", c.status, c.reply, c.text, got, c.want)
		}
	}
}

// TestEximDelay: Exim's warning that a message is still being retried is
// expired, whatever the last attempt's reply said, unless the reply came
// at a stage that decides by itself or Exim gives a reason in its own
// words; a failure with the same reply keeps the reply's reason.
func TestEximDelay(t *testing.T) {
	const reply = "452 4.2.2 Over quota"
	warn := "Delay reason: SMTP error from remote mail server after RCPT TO:<a@example.org>:\n    host mx.example.org [192.0.2.1]: " + reply + "\n\nNo action is required on your part. Delivery attempts will continue for some time"
	if got := classify("4.2.2", "452", reply, warn, "delayed"); got != Expired {
		t.Errorf("delay warning: %s, want expired", got)
	}
	if got := classify("4.2.2", "452", reply, warn, "failed"); got != MailboxFull {
		t.Errorf("failure with the same words: %s, want mailboxfull", got)
	}
	helo := "Delay reason: SMTP error from remote mail server after initial connection:\n    host mx.example.org [192.0.2.1]: 421 too busy"
	if got := classify("4.0.0", "421", "421 too busy", helo, "delayed"); got != Blocked {
		t.Errorf("refused at connection: %s, want blocked", got)
	}
	own := "Delay reason: mailbox is full (quota exceeded while writing to file /var/mail/a)\n\nNo action is required on your part."
	if got := classify("", "", "mailbox is full (quota exceeded while writing to file /var/mail/a)", own, "delayed"); got != MailboxFull {
		t.Errorf("Exim's own reason: %s, want mailboxfull", got)
	}
	if got := classify("4.2.2", "452", reply, reply+" (in reply to RCPT TO command)", "delayed"); got != MailboxFull {
		t.Errorf("another system's delay: %s, want mailboxfull", got)
	}
}

// TestExplainFor: a delayed delivery is explained as a warning, before
// its reason's text, alone for expired; a failure by its reason.
func TestExplainFor(t *testing.T) {
	for _, lang := range []string{"en", "ja"} {
		d := Explain(delayedKey, lang)
		if d == "" || d == Explain(Undefined, lang) {
			t.Fatalf("%s: no text for delayed deliveries", lang)
		}
		if got := ExplainFor(Expired, "delayed", lang); got != d {
			t.Errorf("%s expired, delayed: %q", lang, got)
		}
		if got := ExplainFor(MailboxFull, "delayed", lang); !strings.HasPrefix(got, d) || !strings.HasSuffix(got, Explain(MailboxFull, lang)) {
			t.Errorf("%s mailboxfull, delayed: %q", lang, got)
		}
		if got := ExplainFor(MailboxFull, "failed", lang); got != Explain(MailboxFull, lang) {
			t.Errorf("%s mailboxfull, failed: %q", lang, got)
		}
	}
}
