package bounce

import (
	"bytes"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/mailsalvage/mailsalvage/formats"
	"github.com/mailsalvage/mailsalvage/formats/rfc5322"
)

// MaxMessage is how much of a message Parse looks at. Notices are small;
// the tail of a huge message is the returned original.
const MaxMessage = 8 << 20

// Recipient is one failed (or delayed) recipient of a notice.
type Recipient struct {
	Address    string `json:"recipient"`
	ReplyCode  string `json:"reply_code"` // SMTP reply code, "550"; "" when the notice has none
	Status     string `json:"status"`     // RFC 3463 enhanced status, "5.1.1"; "" when the notice has none
	Reason     string `json:"reason"`     // one of Reasons
	Action     string `json:"action"`     // "failed" or "delayed"
	RemoteMTA  string `json:"remote_mta,omitempty"`
	RemoteText string `json:"remote_text"` // the server's own words, white space collapsed
}

// Report is what Parse found in a notice.
type Report struct {
	// Kind is "dsn" for an RFC 3464 delivery status notification
	// (multipart/report or a message/delivery-status part), "text" for a
	// free-text notice read by its wording.
	Kind       string
	Subject    string
	From       string
	Recipients []Recipient
}

// maxRecipients bounds the recipients taken from one notice.
const maxRecipients = 1000

// Parse looks for a delivery failure notice in msg, an RFC 5322 message.
// It returns nil when msg is not one (an ordinary message, an auto-reply,
// a delivery success report). It never fails: damaged notices give what
// can be read.
func Parse(msg []byte) *Report {
	return parse(msg, 0)
}

// skipBlankLines drops a UTF-8 byte order mark and empty or blank lines in
// front of a message (a file saved with a line or two before its header),
// at most 16 of them.
func skipBlankLines(msg []byte) []byte {
	msg = bytes.TrimPrefix(msg, []byte("\xef\xbb\xbf"))
	for n := 0; n < 16; n++ {
		i := bytes.IndexByte(msg, '\n')
		if i < 0 || len(bytes.TrimLeft(msg[:i], " \t\r")) > 0 {
			return msg
		}
		msg = msg[i+1:]
	}
	return msg
}

func parse(msg []byte, depth int) *Report {
	if len(msg) > MaxMessage {
		msg = msg[:MaxMessage]
	}
	msg = skipBlankLines(msg)
	if formats.ClassicMac(msg[:min(len(msg), formats.HeadSize)]) {
		// lines ended with CR alone, as recover reads such a file
		b := make([]byte, len(msg))
		n, _ := formats.CRAsLF(bytes.NewReader(msg)).ReadAt(b, 0)
		msg = skipBlankLines(b[:n])
	}
	if bytes.HasPrefix(msg, []byte("From ")) {
		// an mbox separator line left in front of the message
		if i := bytes.IndexByte(msg, '\n'); i >= 0 {
			msg = msg[i+1:]
		}
	}
	if !mayBeNotice(msg) {
		return nil
	}
	top, parts := leaves(msg)
	if len(top) == 0 {
		return nil
	}
	for _, p := range parts {
		if p.mediaType == "message/feedback-report" {
			return nil // an abuse report (ARF, RFC 5965), not a bounce
		}
	}
	if len(parts) == 0 {
		// a multipart whose delimiters are missing: read its body as text
		_, n, _ := rfc5322.Parse(msg)
		parts = []part{{mediaType: "text/plain", text: toUTF8(msg[n:], "")}}
	}
	rep := &Report{Subject: headerText(top, "Subject"), From: headerText(top, "From")}
	notice, full := noticeText(parts)
	var dsn []dsnRecipient
	for _, p := range parts {
		switch p.mediaType {
		case "message/delivery-status", "message/global-delivery-status", "text/delivery-status":
			dsn = append(dsn, parseDSN(p.text)...)
		}
	}
	if len(dsn) == 0 && inlineDSN.MatchString(full) {
		// a notice that pasted its delivery-status fields into the text, or
		// a multipart whose Content-Type was lost
		for _, r := range parseDSN(inlineDSNText(full)) {
			if r.action != "" || r.status != "" {
				dsn = append(dsn, r)
			}
		}
	}
	if len(dsn) == 0 {
		if rs, ok := sesBounce(full); ok {
			if len(rs) == 0 {
				return nil // an SES delivery or complaint notification
			}
			dsn = rs
		}
	}
	exclude := senderAddrs(top)
	weak := toAddrs(top)
	ag := detectAgent(top, notice)
	var received []string
	for _, v := range top.Values("Received") {
		received = append(received, rfc5322.Text(v))
	}
	ag.origin = originHosts(received)
	if len(dsn) > 0 {
		rep.Kind = "dsn"
		blocks := textRecipients(notice, exclude, weak)
		for _, d := range dsn {
			if len(rep.Recipients) >= maxRecipients {
				break
			}
			switch d.action {
			case "delivered", "relayed", "expanded", "deliverable":
				// "deliverable": an answer to a verification request
				// (RFC 3464 section 2.3.3 leaves room for it), not a failure
				continue
			}
			if strings.HasPrefix(d.status, "2.") && d.action != "failed" && d.action != "delayed" {
				continue
			}
			addr := d.final
			if !plainAddr(addr) && plainAddr(d.original) {
				addr = d.original
			}
			if !plainAddr(addr) && len(dsn) == 1 {
				// a pipe, a file or a bare domain: the address the text or
				// X-Failed-Recipients names instead
				if xf := failedHeader(top); len(xf) == 1 {
					addr = xf[0]
				} else if len(blocks) == 1 && plainAddr(blocks[0].addr) {
					addr = blocks[0].addr
				}
			}
			b, ok := blockFor(blocks, addr, d.original)
			if !ok {
				// Exim names the address an alias or a forward led to,
				// "(generated from <addr>)", and that address failed: the
				// DSN's recipient is the one it was generated from
				b, ok = generatedFrom(blocks, addr)
				if ok {
					addr = b.addr
				}
			}
			r := Recipient{Address: addr, Action: d.action, RemoteMTA: d.remoteMTA, RemoteText: d.diagnostic}
			ctx, keep := "", false
			if ok {
				ctx = b.all
				if r.RemoteText == "" || !hasCode(r.RemoteText) && hasCode(b.remote) {
					r.RemoteText = b.remote
				}
			} else if !hasCode(r.RemoteText) && len(dsn) == 1 {
				// the text names the recipient otherwise (a pipe, an alias)
				if l := failureLine(notice); hasCode(l) {
					r.RemoteText, ctx = l, notice
					keep = validStatus(d.status)
				}
			}
			r.RemoteText = extendReply(r.RemoteText, notice)
			fill(&r, ag, d.status, ctx)
			if c, ok := powerMTACategory[d.category]; ok {
				// the sending PowerMTA classified the reply itself
				r.Reason = c
			}
			if keep {
				// words from the notice's transcript, not from this
				// recipient's Diagnostic-Code: the Status field stands
				r.Status = d.status
			}
			if d.diagType == "x-unix" && r.Reason != MailerError {
				// a local delivery program's own words: what they say
				// of the mailbox, the system or the content, else the
				// program failed
				r.Reason = unixReason(r.Status, normText(r.RemoteText))
			} else if strings.HasPrefix(d.final, "|") && (r.Reason == OnHold || r.Reason == Undefined || r.Reason == SystemError) {
				// delivered to a program or a file, and that failed
				r.Reason = MailerError
			}
			rep.Recipients = append(rep.Recipients, r)
		}
		if len(rep.Recipients) == 0 {
			return nil // a delivery success report, or nothing failed
		}
		return rep
	}
	if !looksLikeBounce(top, rep.Subject, rep.From, notice, exclude, weak) {
		return nil
	}
	rep.Kind = "text"
	// the best guess at the server's words apart from a recipient's
	// block, for every recipient that needs it, read once
	fallback := sync.OnceValue(func() string { return fallbackWords(notice) })
	blocks := textRecipients(notice, exclude, weak)
	if xf := failedHeader(top); len(xf) > 0 && !sameLocalParts(blocks, xf) {
		// Exim names the failed recipients in a header too: the text wins
		// where it names them (a rewritten header can disagree with its
		// domain), the header where the text gives only local parts
		var named []textBlock
		for _, a := range xf {
			if b, ok := blockFor(blocks, a); ok {
				named = append(named, b)
			} else {
				named = append(named, textBlock{addr: a, remote: fallback(), all: notice})
			}
		}
		blocks = named
	}
	if len(blocks) == 0 && depth < 3 {
		// a notice re-sent inside another one by a filter or a forwarder
		for _, p := range parts {
			if p.inOrig && (p.mediaType == "message/rfc822" || p.mediaType == "message/global") {
				if inner := parse([]byte(p.text), depth+1); inner != nil {
					return inner
				}
				break
			}
		}
	}
	if len(blocks) == 0 {
		// the notice names nobody: the original's recipients are the ones
		for _, a := range originalRecipients(full, parts) {
			if !exclude[strings.ToLower(a)] {
				blocks = append(blocks, textBlock{addr: a, remote: fallback(), all: notice})
				break
			}
		}
	}
	delayed := delayWords.MatchString(rep.Subject)
	for _, b := range blocks {
		if len(rep.Recipients) >= maxRecipients {
			break
		}
		r := Recipient{Address: b.addr, Action: "failed", RemoteText: b.remote}
		if delayed {
			r.Action = "delayed"
		}
		if !hasCode(r.RemoteText) && len(blocks) == 1 {
			// the notice puts the server's words apart from the address
			// ("Error message below: 550 ..." then "RCPT TO: a@b")
			if l := failureLine(notice); hasCode(l) {
				r.RemoteText = l
			}
		}
		if r.RemoteText == "" {
			r.RemoteText = fallback()
		}
		field := ""
		if len(blocks) == 1 && findStatus(r.RemoteText) == "" {
			// the only recipient's status code stated apart from the
			// server's words ("Error code: 5.1.1" a paragraph later), as
			// a DSN's Status field would be
			if s := findStatus(b.all); s != "" {
				field = s
			}
		}
		fill(&r, ag, field, b.all)
		if (r.Reason == OnHold || r.Reason == Undefined) && !hasCode(r.RemoteText) {
			// the boilerplate around the server's words may say more
			for _, more := range []string{b.all, notice} {
				if rr := Classify(r.Status, r.ReplyCode, more, r.Action); rr != OnHold && rr != Undefined {
					r.Reason = rr
					break
				}
			}
		}
		rep.Recipients = append(rep.Recipients, r)
	}
	if len(rep.Recipients) == 0 {
		return nil
	}
	return rep
}

// mayBeNotice looks at the header alone: a notice says what it is in its
// Content-Type, sender, subject, Return-Path or X-Failed-Recipients. The
// rest of the message is read only when one of them does (recover asks
// this of every message).
// receiptSubject: the subject of a delivery (or relay) receipt, as
// Exchange writes it in English, German, French, Spanish, Italian, Dutch
// and Japanese.
var receiptSubject = lazyRegexp(`(?i)^\s*(?:delivered|relayed|zugestellt|remis|entregado|recapitato|bezorgd|配信済み)\s*:`)

// listPost reports whether a message came through a mailing list (RFC
// 2369's List-Id or List-Post field).
func listPost(h rfc5322.Header) bool {
	_, id := h.Get("List-Id")
	_, post := h.Get("List-Post")
	return id || post
}

func mayBeNotice(msg []byte) bool {
	h, _, _ := rfc5322.Parse(msg)
	if len(h) == 0 {
		return false
	}
	if _, ok := h.Get("X-Failed-Recipients"); ok {
		return true
	}
	if v, ok := h.Get("Content-Type"); ok {
		ct := strings.ToLower(string(v))
		if strings.Contains(ct, "report") || strings.Contains(ct, "delivery-status") {
			return true
		}
	}
	if null, daemon := returnPath(h); null || daemon {
		return true
	}
	if _, ok := h.Get("X-Amz-Sns-Message-Id"); ok {
		return true // perhaps an Amazon SES bounce notification (JSON)
	}
	from, subject := headerText(h, "From"), headerText(h, "Subject")
	return senderWords.MatchString(from) || strings.Contains(strings.ToLower(from), "daemon") || subjectWords.MatchString(subject)
}

// fill sets the reply code, status and reason of r from the status field
// (if any) and the server's words. An enhanced code in the server's own
// words is preferred to a generic status field: it is first-hand.
func fill(r *Recipient, a agent, field, context string) {
	// the words are read, and kept, up to maxRemoteText bytes (a
	// runaway line is not read a megabyte at a time by every table)
	r.RemoteText = clipText(r.RemoteText, maxRemoteText)
	context = clipText(context, maxContext)
	text := r.RemoteText
	r.ReplyCode = findReply(text)
	st := field
	if !validStatus(st) {
		st = ""
	}
	if s := findStatus(text); s != "" && (st == "" || !specific(st) || specific(s) && s[0] == st[0]) {
		if st == "" || specific(s) || strings.HasSuffix(st, ".0.0") {
			st = s
		}
	}
	r.Status = st
	if r.Action == "" {
		switch {
		case strings.HasPrefix(st, "4."):
			r.Action = "delayed"
		default:
			r.Action = "failed"
		}
	}
	a.provider = detectProvider(a, r.Address, r.RemoteMTA, text+" "+context)
	r.Reason = classifyBy(a, r.Status, r.ReplyCode, text, text+" "+context, r.Action)
}

// Bounds on what fill reads: a server's words, and the notice around them.
const (
	maxRemoteText = 2000
	maxContext    = 64 << 10
)

// clipText cuts s to at most n bytes, at the start of a UTF-8 character.
func clipText(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// plainAddr reports whether a is an ordinary address: local@domain, no
// source route, no pipe or file.
func plainAddr(a string) bool {
	at := strings.LastIndexByte(a, '@')
	return at > 0 && at < len(a)-1 && !strings.HasPrefix(a, "@") && !strings.HasPrefix(a, "|") && !strings.HasPrefix(a, "/") &&
		!strings.Contains(a[:at], ":") && !strings.ContainsAny(a, " \t")
}

func hasCode(s string) bool { return findReply(s) != "" || findStatus(s) != "" }

func headerText(h rfc5322.Header, name string) string {
	v, ok := h.Get(name)
	if !ok {
		return ""
	}
	return rfc5322.DecodeText(v)
}

// inlineDSNText is the part of a text that holds delivery-status fields:
// from the first per-message or per-recipient field on.
func inlineDSNText(s string) string {
	if loc := dsnStart.FindStringIndex(s); loc != nil {
		return s[loc[0]:]
	}
	return s
}

var dsnStart = lazyRegexp(`(?im)^(reporting-mta|final-recipient|original-recipient)\s*:`)

var inlineDSN = lazyRegexp(`(?im)^(final-recipient|original-recipient)\s*:`)

// noticeText is the human-readable text of the notice: its text parts
// before the returned original (HTML made plain when there is no plain
// text), cut where a copy of the original starts.
func noticeText(parts []part) (notice, full string) {
	var b strings.Builder
	plain := false
	for _, p := range parts {
		if !p.inOrig && p.mediaType == "text/plain" {
			plain = true
		}
	}
	for _, p := range parts {
		if p.inOrig {
			break
		}
		switch {
		case p.mediaType == "text/plain" || p.mediaType == "text/enriched":
			b.WriteString(p.text)
		case p.mediaType == "text/html" && !plain:
			b.WriteString(htmlText(p.text))
		case strings.HasSuffix(p.mediaType, "delivery-status") && len(parseDSN(p.text)) == 0 && !dsnStart.MatchString(p.text):
			// human text in a part labelled delivery-status
			b.WriteString(p.text)
		default:
			continue
		}
		b.WriteString("\n")
		if b.Len() > maxPartText {
			break
		}
	}
	full = b.String()
	return cutOriginal(full), full
}

// origMarker finds where a free-text notice starts quoting the original
// message.
var origMarker = lazyRegexp(`(?im)^[ \t>]*(?:(?:-{2,}|={2,}|_{2,}|\*{2,})[^\n]{0,40}(?:` + origPhrases +
	`)|[^\n]{0,40}(?:` + origPhrases + `)[^\n]{0,30}(?::|-{2,}|follows|below)[.:]?[ \t]*\r?$|[ \t]*(?:` + origPhrases + `)[.:]?[ \t]*\r?$)`)

const origPhrases = `original message|the original message|below this line is a copy of the message|this is a copy of the message|` +
	`a copy of the original message|copy of the message|copy of your message|original message follows|returned message|unsent message|` +
	`undelivered message|headers of the original message|the header of the original message|original message header|` +
	`message header follows|rfc822 header|your message reads|original mail|included is a copy|text of the original|` +
	`元のメッセージ|送信されたメッセージ|オリジナルメッセージ`

func cutOriginal(s string) string {
	if loc := origMarker.FindStringIndex(s); loc != nil && loc[0] > 0 {
		return s[:loc[0]]
	}
	return s
}

// toAddrs are the notice's own To addresses: the original's sender, who
// is seldom (but can be) a failed recipient too.
func toAddrs(top rfc5322.Header) map[string]bool {
	m := map[string]bool{}
	for _, v := range top.Values("To") {
		for _, a := range addrRe.FindAllString(rfc5322.DecodeText(v), 20) {
			m[strings.ToLower(a)] = true
		}
	}
	return m
}

// senderAddrs are the addresses a notice names that are not failed
// recipients: its own From, To, Reply-To and Return-Path.
func senderAddrs(top rfc5322.Header) map[string]bool {
	ex := map[string]bool{}
	for _, f := range []string{"From", "Return-Path", "Sender", "List-Subscribe", "List-Unsubscribe", "List-Help", "List-Post", "List-Owner"} {
		for _, v := range top.Values(f) {
			for _, a := range addrRe.FindAllString(rfc5322.DecodeText(v), 20) {
				ex[strings.ToLower(a)] = true
			}
		}
	}
	return ex
}

var (
	// what the sender and subject of a notice say, as lower-case
	// substrings: every message recover writes is asked about them, and a
	// case-insensitive regular expression of this many alternatives cost
	// some 14% of carving's CPU (bounce_test.go checks these against the
	// expressions they replace)
	senderWords = wordList{"mailer-daemon", "mailer daemon", "postmaster", "post_master", "poostmaster", "mail delivery",
		"delivery subsystem", "delivery system", "mail administrator", "mail system", "mailerdaemon", "nobody@", "bounce",
		"-admin@", "-owner@", "メール配信", "mail deliver system", "interscan", "content-filter at", "sysadmin@"}
	subjectWords = wordList(append([]string{"undeliver", "returned mail", "returning message", "delivery status", "delivery failure",
		"delivery failed", "delivery has failed", "delivery notification", "delivery report", "failure notice",
		"mail delivery", "mail system error", "non-delivery", "non delivery", "nondelivery", "could not be delivered",
		"not delivered", "not be delivered", "returned to sender", "delayed mail", "delivery delayed",
		"message you sent blocked", "message you sent was blocked", "mail failed", "rejected",
		"配信", "zustellung", "remis", "mail failure", "message frozen", "error(s) in forwarding", "[bounce]",
		"bulk email filter", "delivery_failure", "recapitabile", "failed delivery", "error sending your mail",
		"no entregado", "non consegnato", "returned message", "bounced mail", "delivery problem",
		"delivery error", "failed to deliver", "could not deliver", "not deliverable", "unable to deliver", "nondeliverable",
		"mail error", "warning:"}, undeliverableWords...))
	failureWords = lazyRegexp(`(?i)could not be delivered|couldn't be delivered|undeliver|not (been )?delivered|delivery (to the following|has failed|failed|problem|status)|permanent (error|failure)|unable to deliver|was not delivered|failed|rejected|returned|error|unknown|invalid|did not reach|not (a )?member|failure|able to deliver|could not deliver|届きません|送信できません|配信できません|nicht erreicht|pas pu être remis|impossible de joindre|non remis|no se pudo entregar|no ha podido ser entregado|non è stato recapitato|non recapitabile|não pôde ser entregue|não foi entregue|` +
		strings.Join(undeliverableWords, "|"))
	// undeliverableWords say "not delivered" in other languages than
	// English, in notices' subjects and texts alike: German, Russian,
	// Japanese, and Outlook's "Undeliverable:" in its other languages (no
	// regular-expression syntax in them: they go into failureWords as
	// written)
	undeliverableWords = []string{"unzustellbar", "nicht zugestellt", "не доставлен", "不達", "エラー",
		"onbestelbaar", "nicht zustellbar", "olevererbart", "kézbesíthetetlen", "nedoručitelné", "niedostarczalne",
		"kan ikke leveres", "ikke leveret", "ei voitu toimittaa", "impossible de remettre", "non distribuibile",
		"não entregue", "no se puede entregar", "ανεπίδοτο", "teslim edilemedi", "недоставл", "无法传递", "無法傳遞",
		"配信不能", "未送達", "배달되지 않음", "전달되지 않음"}
	delayWords = lazyRegexp(`(?i)\bdelay|delayed|still being retried|warning|will (continue|retry)`)
)

// wordList matches text that holds one of its lower-case words, case
// ignored.
type wordList []string

func (l wordList) MatchString(s string) bool {
	if s == "" {
		return false
	}
	s = strings.ToLower(s)
	for _, w := range l {
		if strings.Contains(s, w) {
			return true
		}
	}
	return false
}

// looksLikeBounce decides whether a message with no delivery-status part
// is a free-text delivery failure notice: it comes from a mail system
// (or names failed recipients in X-Failed-Recipients) and says so.
func looksLikeBounce(top rfc5322.Header, subject, from, text string, exclude, weak map[string]bool) bool {
	if _, ok := top.Get("X-Failed-Recipients"); ok {
		return true
	}
	if receiptSubject.MatchString(subject) && !notDelivered.MatchString(text) {
		// Exchange's delivery receipt ("Delivered: <subject>"), whose
		// copy of the original may say anything
		return false
	}
	if delivered.MatchString(text) && !notDelivered.MatchString(text) && !replyOrStatus.MatchString(text) && !failedWords.MatchString(text) {
		// a success notice in free text ("Your message has been
		// successfully relayed to the following recipients"): nothing
		// failed
		return false
	}
	// From: <> is the null sender itself (RFC 5321 section 4.5.5): a
	// mail system, never a person or a person's auto-responder
	f, hasFrom := top.Get("From")
	nullFrom := hasFrom && (strings.TrimSpace(string(f)) == "<>" || strings.TrimSpace(string(f)) == "")
	if v, ok := top.Get("Auto-Submitted"); ok && strings.Contains(strings.ToLower(string(v)), "auto-replied") &&
		!senderWords.MatchString(from) && !nullFrom {
		return false // an auto-reply (RFC 3834), not a bounce
	}
	null, daemon := returnPath(top)
	fromDaemon := daemon || senderWords.MatchString(from) || strings.Contains(strings.ToLower(from), "daemon")
	if null {
		fromDaemon = fromDaemon || subjectWords.MatchString(subject)
		if notDelivered.MatchString(text) || nullFrom && Classify("", "", text, "failed") != OnHold || refusal(text) {
			// sent with the null reverse path, as notices are, and
			// saying that a message could not be delivered (KDDI's
			// "Could not be delivered to: <a@b>"), or why ("That's
			// not a valid user here.", "550 5.1.1 User unknown")
			return true
		}
	}
	if mailSystem.MatchString(from) && !personReply.MatchString(subject) && !autoReply.MatchString(subject) &&
		!listingSubject.MatchString(subject) && listsAddress(text, exclude, weak) {
		// a mail system's message that lists an address on a line of its
		// own: a notice in words we do not know ("系统退信", "Zwrot
		// poczty"), as sisimai reads it too; not a postmaster's answer
		// or auto-reply ("please write to:  support@example.net"), nor
		// a system message that lists addresses for another reason (a
		// spam quarantine's summary, a list's membership report)
		return true
	}
	if !fromDaemon && !subjectWords.MatchString(subject) {
		return false
	}
	if !fromDaemon && personReply.MatchString(subject) {
		// a person forwarding or answering a notice: a bounce only when
		// the notice itself is in the text, its sender line and all
		return quotedNotice.MatchString(text) && failureWords.MatchString(text) && replyOrStatus.MatchString(text)
	}
	if !fromDaemon && listPost(top) {
		// a post to a mailing list about delivery problems, its log
		// lines or session transcript full of reply codes, is not a
		// notice: one sent through a list (a filter's "Non-Delivery"
		// answer to a list message keeps the list's fields) says that
		// a message could not be delivered
		return failureWords.MatchString(text) && notDelivered.MatchString(text)
	}
	if !fromDaemon {
		// a person's message about delivery problems is not a notice:
		// require the notice's wording as well as its subject
		return failureWords.MatchString(text) && (replyOrStatus.MatchString(text) || notDelivered.MatchString(text))
	}
	return failureWords.MatchString(text) || failureWords.MatchString(subject)
}

// returnPath reads the envelope sender that the delivering server wrote
// in Return-Path: null is the null reverse path notices are sent with
// (RFC 5321 section 4.5.5; "<#@[]>" is how qmail writes it), daemon a
// MAILER-DAEMON address some servers put in its place ("<MAILER-DAEMON>",
// "MAILER-DAEMON@host").
func returnPath(h rfc5322.Header) (null, daemon bool) {
	v, ok := h.Get("Return-Path")
	if !ok {
		return false, false
	}
	rp := strings.ToLower(strings.TrimSpace(string(v)))
	return rp == "<>" || rp == "<#@[]>", strings.Contains(rp, "mailer-daemon")
}

// refusal reports whether a notice's first line with a code is a server's
// failure reply that names its cause ("550 5.1.1 User unknown"): with the
// null reverse path, that is a notice even when its sender and subject
// say nothing.
func refusal(text string) bool {
	l := failureLine(text)
	r := findReply(l)
	if r == "" {
		return false
	}
	c := Classify(findStatus(l), r, l, "failed")
	return c != OnHold && c != Undefined
}

// mailSystem names the senders only a mail system uses: the ones that
// send delivery failure notices (RFC 5321 section 4.5.1 for postmaster).
var mailSystem = wordList{"mailer-daemon", "mailerdaemon", "mailer daemon", "postmaster", "mail delivery"}

// listsAddress reports whether a line of text is an address and nothing
// else but list marks, brackets and a colon, one that is not the notice's
// own sender's or receiver's.
func listsAddress(text string, exclude, weak map[string]bool) bool {
	for _, l := range strings.Split(text, "\n") {
		l = strings.Trim(l, " \t\r-*>•<\"':,;")
		if len(l) > 254 || !strings.Contains(l, "@") {
			continue
		}
		if a := addrRe.FindString(l); a == l && !exclude[strings.ToLower(a)] && !weak[strings.ToLower(a)] {
			return true
		}
	}
	return false
}

// delivered says that a message reached its recipients; failedWords that
// something did not.
var (
	delivered   = lazyRegexp(`(?i)successfully (been )?(delivered|relayed)|(has|have) been (delivered|relayed) to|(was|were) delivered to`)
	failedWords = lazyRegexp(`(?i)fail|reject|unknown|undeliver|cannot|can't|could not|couldn't|unable|error|denied|refused|bounce|invalid`)
)

// listingSubject is the subject of a system message that lists addresses
// without anything having failed.
var listingSubject = lazyRegexp(`(?i)quarantin|digest|summary|subscri|membership|welcome|confirm|newsletter|spam report|junk mail report`)

// quotedNotice is the header line of a notice quoted in a forward.
var quotedNotice = lazyRegexp(`(?im)^[ \t>]*from:.*(mailer-daemon|postmaster|mail delivery)`)

// autoReply is the subject of an automatic answer (RFC 3834), in English
// and a few of the other languages notices come in.
var autoReply = lazyRegexp(`(?i)^\s*(auto(matic)?[ -]?(reply|response|antwort)|auto:|autoreply|out of (the )?office|abwesen|réponse automatique|respuesta automática|risposta automatica|resposta automática|automatisch antwoord|自動応答|自動返信|自动回复|自動回覆)`)

var personReply = lazyRegexp(`(?i)^\s*(fw|fwd|re|aw|tr|wg|sv|vs|antw|rif|r)\s*(\[\d+\])?\s*:`)

var replyOrStatus = lazyRegexp(`(?m)(^|\s)[45][0-9][0-9][ -]|[45]\.[0-9]{1,3}\.[0-9]{1,3}(?:[^0-9]|$)`)

// failureLine is the first line of a notice that carries a reply or status
// code, the best guess at the server's words when no recipient is named.
func failureLine(notice string) string {
	lines := strings.Split(notice, "\n")
	for _, l := range lines {
		if replyOrStatus.MatchString(l) && !boxLine.MatchString(l) {
			return collapse(l)
		}
	}
	for _, l := range lines {
		if notDelivered.MatchString(l) && !boilerplate.MatchString(l) && !boxLine.MatchString(l) && !addrRe.MatchString(l) {
			return collapse(l)
		}
	}
	return ""
}

var (
	// a line saying what happened to the message, in a notice that
	// puts no code beside the recipient
	notDelivered = lazyRegexp(`(?i)could not be delivered|couldn't be delivered|not (been )?delivered|undeliverable|unable to deliver|permanent (error|failure)|did not reach|エラー|不達|届きませんでした|送信できませんでした|配信できませんでした`)
	// the opening sentences every notice carries
	boilerplate = lazyRegexp(`(?i)one or more|following|below|attached|this (is|message was) (an )?automatic|created automatically`)
)

// boxLine is a notice's own section heading: "----- Transcript -----".
var boxLine = lazyRegexp(`^\s*[-=*_]{3,}.*[-=*_]{3,}\s*$`)

// extendReply completes a server's reply that a DSN field cut after its
// first line, from the SMTP transcript of the notice ("<<< 552-5.7.0 ...",
// "<<< 552 5.7.0 ..." lines).
func extendReply(diag, notice string) string {
	if diag == "" || len(notice) > maxPartText {
		return diag
	}
	lines := strings.Split(notice, "\n")
	for i, l := range lines {
		t := collapse(strings.TrimPrefix(strings.TrimSpace(l), "<<<"))
		if t == "" || t != diag {
			continue
		}
		code := findReply(t)
		if code == "" || !strings.HasPrefix(t, code+"-") {
			return diag // not the first line of a multi-line reply
		}
		out := diag
		for _, m := range lines[i+1:] {
			m = collapse(strings.TrimPrefix(strings.TrimSpace(m), "<<<"))
			if !strings.HasPrefix(m, code+"-") && !strings.HasPrefix(m, code+" ") {
				break
			}
			out += " " + m
			if strings.HasPrefix(m, code+" ") {
				break // the last line of a multi-line reply
			}
		}
		return out
	}
	return diag
}

// fallbackWords is the best guess at the server's words when the notice
// does not put them beside a recipient: the first line with a code, else
// the last paragraph of the notice.
func fallbackWords(notice string) string {
	if l := failureLine(notice); l != "" {
		return l
	}
	paras := strings.Split(strings.ReplaceAll(strings.TrimSpace(notice), "\r", ""), "\n\n")
	if last := paras[len(paras)-1]; len(paras) > 1 && !boxLine.MatchString(last) && !onlyAddresses(last) {
		return collapse(last)
	}
	return ""
}

// onlyAddresses reports whether s holds addresses and nothing else but
// list marks and punctuation: a notice's list of failed recipients, which
// says nothing of why they failed.
func onlyAddresses(s string) bool {
	rest := addrRe.ReplaceAllString(s, "")
	return rest != s && strings.TrimFunc(rest, func(c rune) bool { return !unicode.IsLetter(c) && !unicode.IsDigit(c) }) == ""
}

// sameLocalParts reports whether the text found a recipient for each
// address of X-Failed-Recipients, by local part.
func sameLocalParts(blocks []textBlock, xf []string) bool {
	if len(blocks) == 0 {
		return false
	}
	for _, a := range xf {
		ok := false
		for _, b := range blocks {
			if strings.EqualFold(localPart(a), localPart(b.addr)) {
				ok = true
			}
		}
		if !ok {
			return false
		}
	}
	return true
}

func localPart(a string) string {
	if i := strings.LastIndexByte(a, '@'); i >= 0 {
		return a[:i]
	}
	return a
}

// failedHeader returns the addresses of X-Failed-Recipients fields.
func failedHeader(top rfc5322.Header) []string {
	var out []string
	for _, v := range top.Values("X-Failed-Recipients") {
		out = append(out, addrRe.FindAllString(rfc5322.Text(v), 100)...)
	}
	return out
}

// fieldLine is the first line of a header field.
var fieldLine = lazyRegexp(`^[A-Za-z0-9-]+:`)

// originalRecipients returns the To, Cc addresses of the returned original.
func originalRecipients(full string, parts []part) []string {
	var hdr string
	for _, p := range parts {
		if p.inOrig && p.text != "" {
			hdr = p.text
			break
		}
	}
	if hdr == "" {
		// single-part notice: the original follows the marker (in
		// the decoded text: a base64 body hides it from the raw bytes)
		if loc := origMarker.FindStringIndex(full); loc != nil {
			hdr = full[loc[1]:]
			if i := strings.IndexByte(hdr, '\n'); i >= 0 {
				hdr = strings.TrimLeft(hdr[i+1:], "\r\n")
			}
			// more words of the marker ("------ No more than 1K
			// characters of the body are included.") before the header
			for n := 0; n < 3 && !fieldLine.MatchString(hdr); n++ {
				i := strings.IndexByte(hdr, '\n')
				if i < 0 {
					break
				}
				hdr = strings.TrimLeft(hdr[i+1:], "\r\n")
			}
		}
	}
	if hdr == "" {
		return nil
	}
	h, _, _ := rfc5322.Parse([]byte(hdr))
	var out []string
	for _, f := range []string{"To", "Cc"} {
		for _, v := range h.Values(f) {
			out = append(out, addrRe.FindAllString(rfc5322.DecodeText(v), 50)...)
		}
	}
	return out
}
