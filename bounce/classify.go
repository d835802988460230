package bounce

import (
	"strings"
)

// The reasons are decided in two rounds, as the analyzers that sisimai
// popularised do (and for the same cause: a specific RFC 3463 code or a
// specific phrase beats a generic one).
//
// First round, in this order, a reason wins when the server's words match
// one of its patterns or the enhanced status code stands for it: the
// reasons that name the recipient's or the message's situation precisely.
var firstRound = []string{
	MailboxFull, MesgTooBig, ExceedLimit, Suspend, HasMoved, NoRelaying, UserUnknown,
	Filtered, Rejected, HostUnknown, SpamDetected, TooManyConn, Blocked,
}

// Second round, when the first found nothing: the status code's own reason
// unless it is a vague one, then these patterns in order.
// NotAccept and Expired come before NetworkError: "message expired,
// connection refused" is about the outcome, the network error was its
// cause; "DNS error: the domain doesn't receive email" is about the domain.
// A failed name lookup (the definite networkerror rows) is named even when
// the message expired of it (classifyBy).
var secondRound = []string{
	MailboxFull, SpamDetected, PolicyViolation, VirusDetected, NoRelaying,
	SecurityError, SystemError, NotAccept, Expired, NetworkError, Suspend,
	ContentError, SystemFull, MailerError, SyntaxError,
}

// precise status codes (class digit left out) decide the reason before the
// words are read; the others are weighed with the words.
var precise = map[string]bool{
	"2.2": true, "3.4": true, "2.3": true, "1.6": true, "1.7": true, "1.8": true,
	"7.13": true, "5.3": true,
}

var stageRe = lazyRegexp(`(?:in reply to|after|while sending|during|response to|error in reply to) (?:the )?(mail from|mail command|rcpt to|rcpt command|end of data|data|helo|ehlo|connect|greeting|initial)|my name was rejected|sender was rejected|(helo|ehlo) command rejected`)

// eximDelay: the words of Exim's delay warning.
var eximDelay = lazyRegexp(`delay reason: |no action is required on your part\. delivery attempts will continue`)

// eximOwn: the reasons Exim itself gives for a failed or delayed
// address (its source's error strings), as opposed to a remote server's
// reply it quotes.
var eximOwn = lazyRegexp(`user not found|all host address lookups failed permanently|all relevant mx records point to non-existent hosts|unrouteable address|mailbox is full|quota exceed|indicated no smtp service|no host found for existing smtp connection|angle-brackets nested too deep|expected word or "<"|domain missing in source-routed address|malformed address:|delivery to (?:file|pipe) forbidden|local delivery failed|lmtp error after|too many "received" headers`)

// docomoHost: the notice names one of NTT docomo's mail servers.
var docomoHost = lazyRegexp(`\b[a-z0-9.-]+\.docomo\.ne\.jp\b`)

// rcptSent: a session transcript shows the recipient given (">>> RCPT
// To:<...>"), so the address was refused or accepted at RCPT TO.
var rcptSent = lazyRegexp(`>>> ?rcpt to`)

// smtpStage tells at which SMTP command a failure happened, where the
// notice says so: "HELO" (the greeting or HELO/EHLO), "MAIL", "SENDER"
// (the notice says the sender was refused), "RCPT", "DATA", or "" when it
// is not said. The last command a transcript shows (">>> RCPT To:") counts.
func smtpStage(t string) string {
	m := stageRe.FindStringSubmatch(t)
	if m == nil {
		switch {
		case strings.Contains(t, "[rcpt_to]"):
			// Yahoo's own label of the command a reply answered
			return "RCPT"
		case strings.Contains(t, "does not like recipient"):
			// qmail-remote's words for a refusal at RCPT TO
			return "RCPT"
		case strings.Contains(t, "does not like sender"):
			// and at MAIL FROM
			return "MAIL"
		case strings.Contains(t, "failed on data command"), strings.Contains(t, "failed after i sent the message"):
			// at DATA, or after the message was sent
			return "DATA"
		}
		return ""
	}
	switch {
	case strings.HasPrefix(m[0], "my name"), m[2] != "", m[1] == "helo", m[1] == "ehlo", m[1] == "connect", m[1] == "greeting", m[1] == "initial":
		return "HELO"
	case m[1] == "end of data" || m[1] == "data":
		return "DATA"
	case strings.HasPrefix(m[0], "sender was"):
		return "SENDER"
	case strings.HasPrefix(m[1], "mail "):
		return "MAIL"
	case strings.HasPrefix(m[1], "rcpt "):
		return "RCPT"
	}
	return ""
}

// vague reasons of a status code: the words are looked at before trusting
// them.
var vague = map[string]bool{
	SecurityError: true, SystemError: true, NetworkError: true, Expired: true,
	HostUnknown: true, UserUnknown: true, OnHold: true, Undefined: true,
}

// Classify gives the reason of one failed recipient from its enhanced
// status code, its SMTP reply code, the server's words and the DSN action
// ("failed", "delayed"...).
func Classify(status, reply, text, action string) string {
	return classify(status, reply, text, text, action)
}

// classify is Classify with the notice's text around the server's words
// (context), read only for the SMTP stage the failure happened at.
func classify(status, reply, text, context, action string) string {
	return classifyBy(agent{}, status, reply, text, context, action)
}

// classifyBy is classify for a notice written by a known agent (see
// data/agents.tsv), whose kind says how its words about the recipient
// are read.
func classifyBy(a agent, status, reply, text, context, action string) string {
	t := normText(text)
	if r := providerReason(a.provider, status, reply, t); r != "" {
		// the receiving provider's own code or sentence, by its
		// documented meaning
		return r
	}
	sr := StatusReason(status)
	nc := normText(context) // read for the stage and for marks of the notice around the words
	stage := smtpStage(nc)
	gmailReason := ""
	if a.name == "Gmail" {
		// Gmail's "(state N)": the command the reply came at, and
		// for some states the reason
		st, r, decides := gmailState(status, t)
		if decides {
			return r
		}
		if st != "" {
			stage = st
		}
		gmailReason = r
	}
	switch stage {
	case "HELO":
		// refused before any address was given: the sending host itself
		return Blocked
	case "SENDER", "MAIL":
		if stage == "SENDER" {
			// the notice itself says the sender was refused
			return Rejected
		}
		// refused at MAIL FROM: about the sender or the sending host,
		// never the recipient
		if matchReason(Rejected, t) || bareDenial.MatchString(t) {
			// a bare "access denied" at MAIL FROM refuses the sender
			return Rejected
		}
		for _, r := range append(append([]string(nil), firstRound...), secondRound...) {
			if r != UserUnknown && r != Filtered && r != HostUnknown && matchReason(r, t) {
				return r
			}
		}
		return Rejected
	}
	r := byWords(status, sr, t, stage)
	if action == "delayed" && eximDelay.MatchString(nc) && !eximOwn.MatchString(t) {
		// Exim's warning that a message is still being retried ("Delay
		// reason: ...", "No action is required on your part"): the
		// message has not failed, whatever the last attempt's reply
		// said, and fails when its retries run out (unless Exim says
		// why in its own words: "mailbox is full")
		return Expired
	}
	if a.name == "Gmail" && action == "delayed" && (r == "" || r == Blocked || r == NetworkError) {
		// Gmail's warning "Delivery to the following recipient has been
		// delayed ... will be retried for N more day(s)" after a
		// connection that failed (dropped, refused): the message has not
		// gone yet and will expire if it keeps failing (a reply that says
		// more, "4.2.2 Mailbox Full", keeps its own reason)
		return Expired
	}
	if (r == MailboxFull || r == UserUnknown || r == Filtered) && definite(SystemFull, t) {
		// "insufficient disk space; try again later", "mailbox
		// unavailable (not enough free space)": the server's own
		// spool, not the recipient's mailbox or address
		r = SystemFull
	}
	if (r == "" || r == NetworkError || r == SystemError || r == Expired) && definite(MailerError, t) {
		// "Command output: ... connection refused": a local program
		// failed, whatever it failed of
		r = MailerError
	}
	if r == Expired && definite(NetworkError, t) {
		// "message expired, DNS query failed": the name lookup kept
		// failing, which is what there is to fix
		r = NetworkError
	}
	if r == HostUnknown && definite(NetworkError, t) && !definite(HostUnknown, t) {
		// a lookup that failed for the time being ("Name service error:
		// Host not found, try again", "DNS Error: ... SERVFAIL"), or
		// an answer the name server garbled: the network, not a
		// domain known not to exist (unless the words say it does not:
		// Gmail's "DNS Error: Domain name not found", a definite
		// hostunknown row)
		r = NetworkError
	}
	if a.kind == agentList && (r == "" || r == UserUnknown && sr != UserUnknown || r == Filtered || r == Rejected) {
		// a list service refusing the post: the sender may not post to
		// the list, or the list does not exist (unless a mailbox status
		// code says the list's address itself does not exist: the
		// sending system's lookup, not the list's refusal)
		return Rejected
	}
	if a.kind == agentFilter && r == UserUnknown && sr != UserUnknown {
		// a filtering product's "no such user", without a mailbox
		// status code, is one of its rules refusing the address
		return Filtered
	}
	if stage == "DATA" && (r == UserUnknown || r == "") && (status == "" || strings.HasSuffix(status, ".0.0")) && docomoHost.MatchString(nc) {
		// NTT docomo's servers take every recipient at RCPT TO and
		// answer "550 Unknown user" after DATA, with no specific code,
		// when the subscriber's reception settings refuse the sender
		return Rejected
	}
	if r == UserUnknown && stage == "DATA" && sr != UserUnknown {
		// the server took the recipient at RCPT TO and refused the
		// message after it: the mailbox exists, something on its side
		// (a filter) refused the message (a mailbox status code, X.1.1,
		// says otherwise and is believed)
		return Filtered
	}
	if r == UserUnknown && sr != UserUnknown && stage != "RCPT" && (a.kind != agentLookup || sr != "" && !vague[sr]) && !rcptSent.MatchString(nc) && !definite(UserUnknown, t) {
		// "unknown user" words with neither a mailbox status code
		// (X.1.0, X.1.1, X.1.3) nor a refusal at RCPT TO behind them:
		// filtering gateways and content filters answer this way for
		// addresses their rules refuse, so sisimai, and we, call it
		// filtered; the phrases of a mailbox system's own directory
		// lookup (definite rows) stay userunknown
		return Filtered
	}
	if r == NoRelaying && strings.Contains(t, "authenticat") {
		// "not permitted to relay without authentication": the sender's
		// client did not log in
		return SecurityError
	}
	if r != "" {
		return r
	}
	if gmailReason != "" {
		// a state of a failed TLS or AUTH exchange, with words that
		// say nothing more
		return gmailReason
	}
	return fallback(status, sr, reply, t, action)
}

// byWords decides from the status code and the words, or returns "".
func byWords(status, sr, t, stage string) string {
	if sr != "" && precise[status[2:]] && !matchReason(MailboxFull, t) && !matchReason(MesgTooBig, t) {
		return sr
	}
	// the words first: they are more specific than a status code ("550
	// 5.1.1 ... refused due to recipient preferences")
	for _, r := range firstRound {
		if r == SpamDetected && sr != "" && stage == "RCPT" {
			// refused before the message was sent (the earlier stages
			// return before the words are read): its content was not
			// read, and the status code says more than spam words
			continue
		}
		if r == MesgTooBig && sr == ExceedLimit && !definite(MesgTooBig, t) {
			// X.2.3 says the size is over an administrative limit of
			// the recipient's system: "message size exceeds" words
			// describe that same limit
			continue
		}
		if matchReason(r, t) {
			return r
		}
	}
	for _, r := range firstRound {
		if sr == r {
			return r
		}
	}
	if sr != "" && !vague[sr] {
		return sr
	}
	for _, r := range secondRound {
		if matchReason(r, t) {
			return r
		}
	}
	return ""
}

// bareDenial: a reply that says only that access is denied.
var bareDenial = lazyRegexp(`^(?:[45][0-9][0-9][ -])?(?:[45]\.[0-9]{1,3}\.[0-9]{1,3} )?(?:access denied|not authorized|unauthorized)\.?$`)

// unixReason is the reason of a failure a local delivery program
// (Diagnostic-Code: X-Unix) reported: the words about the mailbox, the
// system or the content, else by the status code's class, else the
// program failed (mailererror; also for words of a system error, which
// is then the program's: "Operating system error").
func unixReason(status, t string) string {
	for _, r := range secondRound {
		if r != SyntaxError && r != SystemError && matchReason(r, t) {
			return r
		}
	}
	if r := classReason(status); r != "" {
		return r
	}
	return MailerError
}

// classReason is the reason an enhanced status code's subject class gives
// by itself (RFC 3463: X.6.X media, X.7.X security or policy), or "".
func classReason(status string) string {
	if len(status) >= 3 {
		switch status[1:3] {
		case ".6":
			return ContentError
		case ".7":
			return SecurityError
		}
	}
	return ""
}

// fallback is the reason when no word and no code says anything specific.
func fallback(status, sr, reply, t, action string) string {
	if sr != "" {
		return sr
	}
	if r := classReason(status); r != "" {
		return r
	}
	if len(reply) == 3 && (reply[0] == '4' || reply[0] == '5') && reply[1] == '0' && reply[2] <= '7' {
		// RFC 5321's 500-504 (and their 4xx forms): the server did not
		// understand a command or a parameter, and the words say
		// nothing more (sisimai reads 505-507 the same way)
		return SyntaxError
	}
	if action == "delayed" || strings.HasPrefix(status, "4.") && t == "" {
		return Expired
	}
	if t != "" {
		return OnHold
	}
	return Undefined
}

// definite reports whether t holds one of the definite phrases of r.
func definite(r, t string) bool {
	tables()
	re := definiteBy[r]
	return re != nil && re.MatchString(t)
}

// matchReason reports whether any pattern of reason r matches t.
func matchReason(r, t string) bool {
	if t == "" {
		return false
	}
	tables()
	re := byReason[r]
	return re != nil && re.MatchString(t)
}

// normText lower-cases text and collapses its white space, the form the
// patterns are written for.
// The "550-5.7.1" prefixes of the lines of a multi-line reply are
// dropped, so that a phrase broken over lines still matches.
func normText(s string) string {
	s = strings.ToLower(strings.Join(strings.Fields(s), " "))
	return contPrefix.ReplaceAllString(s, "$1")
}

var contPrefix = lazyRegexp(`(\S )(?:<<< )?[245][0-9][0-9][ -](?:[245]\.[0-9]{1,3}\.[0-9]{1,3} )?`)

var (
	// an enhanced status code (RFC 3463 section 2): class.subject.detail
	statusRe = lazyRegexp(`(?:^|[^0-9.])#?([245]\.[0-9]{1,3}\.[0-9]{1,3})(?:[^0-9.]|\.(?:[^0-9]|$)|$)`)
	// an SMTP reply code (RFC 5321 section 4.2) where a server would put
	// it: at the start of a line or after "said:", "#", "(", a quote...
	// a status code right after a reply code: "550-5.1.1", "550 #5.1.1"
	afterReply = lazyRegexp(`(?:^|[^0-9])[45][0-9][0-9][ -]['"]?#?([45]\.[0-9]{1,3}\.[0-9]{1,3})(?:[^0-9.]|\.(?:[^0-9]|$)|$)`)
	replyRe    = lazyRegexp(`(?:^|[\s:;(#\[<>"'=])([245][0-5][0-9])(?:[ -]|$|[.,;:)\]])`)
)

// validStatus reports whether s is an enhanced status code.
func validStatus(s string) bool {
	if len(s) < 5 || (s[0] != '2' && s[0] != '4' && s[0] != '5') || s[1] != '.' {
		return false
	}
	parts := strings.Split(s[2:], ".")
	if len(parts) != 2 {
		return false
	}
	for _, p := range parts {
		if p == "" || len(p) > 3 {
			return false
		}
		for _, c := range p {
			if c < '0' || c > '9' {
				return false
			}
		}
	}
	return true
}

// findStatus returns the first failure status code (4.x.x or 5.x.x) in a
// server's words, skipping numbers that are parts of IP addresses or
// version strings.
func findStatus(s string) string {
	if m := afterReply.FindStringSubmatch(s); m != nil {
		return m[1]
	}
	for _, m := range statusRe.FindAllStringSubmatch(s, 8) {
		if m[1][0] != '2' {
			return m[1]
		}
	}
	return ""
}

// findReply returns the first failure reply code (4xx, 5xx) in a
// server's words.
func findReply(s string) string {
	for _, m := range replyRe.FindAllStringSubmatch(s, 8) {
		if m[1][0] != '2' {
			return m[1]
		}
	}
	return ""
}

// specific reports whether a status code says more than its class: not
// X.0.0 and not a "5.0.9xx"-style private extension.
func specific(s string) bool {
	if !validStatus(s) {
		return false
	}
	p := strings.Split(s, ".")
	return p[1] != "0" && p[2] != "0" && len(p[2]) <= 2 && len(p[1]) == 1
}
