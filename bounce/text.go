package bounce

import (
	"sort"
	"strings"
	"unicode"
)

// addrRe matches an email address in free text. The local part admits
// what RFC 5322 atoms admit (so encoded words survive), the domain needs a
// dot.
var addrRe = lazyRegexp(`[A-Za-z0-9._%+\-=/!#$&'*?^{|}~]+@[A-Za-z0-9](?:[A-Za-z0-9\-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9\-]*[A-Za-z0-9])?)+`)

// textBlock is a failed recipient found in a free-text notice, with the
// lines that go with it.
type textBlock struct {
	addr   string
	remote string // the server's words: from the first line with a code on
	all    string // every line of the block
}

var (
	// a line that starts with the recipient: Postfix "<a@b>: host ... said",
	// qmail "<a@b>:", Exim and Gmail's indented "  a@b", Sendmail's
	// "a@b... User unknown"
	leadAddr = lazyRegexp(`^[ \t]*(?:[-*>•]+[ \t]*)?(?:(?:to|recipient|recipients|address|addresses|rcpt to|original-recipient|final-recipient|destinataire|empfänger|宛先|受信者)[^:<@]{0,30}:[ \t]*)?[<"'(\[]?(` + addrRe.String() + `)`)
	// a line that names the recipient in an SMTP transcript or a phrase:
	// "RCPT TO:<a@b>", "<<< 550 <a@b>... User unknown", "to a@b failed"
	// "addressed to 'a@b'", "your message to a@b", Exchange's X.400 form
	// "c=US;...;dda:SMTP=a@b;", MailEnable's "Recipient: [SMTP:a@b]"
	rcptAddr = lazyRegexp(`(?i)(?:rcpt to:?|recipient:?|to:|for|delivery to|deliver to|delivered to:?|undeliverable to|addressed to|(?:message|mail) to|generated (?:by|from)|\bmailbox:?[ \t]|address:?|userid:?|destinataire:?|宛先:?|\bsmtp=|\[smtp:)[ \t]*[<"']?(` + addrRe.String() + `)`)
	// a line of a summary of the original's header ("To: list@example.org"
	// above "Subject: ..."), and the header field names around it
	summaryTo    = lazyRegexp(`(?i)^[ \t]*(?:to|cc)[ \t]*:`)
	summaryOther = lazyRegexp(`(?i)^[ \t]*(?:subject|sent|date)[ \t]*:`)
	// the sender's address in an SMTP transcript
	mailFrom = lazyRegexp(`(?i)mail from:?\s*<`)
	// reply-code line: the server's own words begin here
	// (after the labels of fewer products, "replied:", MDaemon's "<--",
	// "(550 ...)", only a failure's code: "(250 bytes)" is not a reply)
	codeLine = lazyRegexp(`(?im)(?:^|said:|returned was:|\<\<\<|error:|reason:|diagnostic[- ]code:|remote host said:)[ \t]*(?:smtp;[ \t]*)?#?[245][0-9][0-9](?:[ -]|$)|(?:<--|replied:|response:|status:?|returned '|\(|\s#)[ \t]*[45][0-9][0-9](?:[ -]|$)|(?:^|[^0-9.])[245]\.[0-9]{1,3}\.[0-9]{1,3}(?:[^0-9.]|$)`)
)

// textRecipients finds the failed recipients of a free-text notice and the
// lines that belong to each. Addresses of the notice's own sender and
// receiver (exclude) are skipped.
//
// Addresses in weak (the notice's To) are kept only when nothing else is
// found.
func textRecipients(text string, exclude, weak map[string]bool) []textBlock {
	lines := strings.Split(text, "\n")
	if len(lines) > 5000 {
		lines = lines[:5000]
	}
	for i, l := range lines {
		// a line is read to 4 KiB: no address line or reply is longer,
		// and a runaway one is not searched by every expression
		lines[i] = clipText(l, maxLine)
	}
	type hit struct {
		line  int
		addr  string
		minor bool // kept only when no other address is found
	}
	var hits []hit
	seen := map[string]int{} // address -> its hit
	add := func(i int, a string, minor bool) {
		a = strings.Trim(a, ".")
		k := strings.ToLower(a)
		if exclude[k] || looksLikeID(a) || strings.HasPrefix(a, "/") || strings.HasPrefix(a, "|") {
			return
		}
		if j, ok := seen[k]; ok {
			if hits[j].minor && !minor {
				// named in a summary of the original's header first
				// ("To: a@b"), then as the failed recipient: its block
				// starts at the second
				hits[j] = hit{i, a, false}
			}
			return
		}
		seen[k] = len(hits)
		hits = append(hits, hit{i, a, minor})
	}
	// under: an address was found on one of the two lines above
	under := func(i int) bool {
		for _, h := range hits {
			if !h.minor && h.line < i && i-h.line <= 2 {
				return true
			}
		}
		return false
	}
	for i, l := range lines {
		if m := leadAddr.FindStringSubmatchIndex(l); m != nil {
			// the leftmost match may stop short of the whole domain;
			// the "To:" line of a summary of the original's header
			// names the original's recipients, not the failed ones
			a := addrRe.FindString(l[m[2]:])
			if n := nameAddr.FindStringSubmatch(l[m[2]+len(a):]); n != nil {
				// "x@example.com <a@example.net>": an address used as a
				// display name, the address is the one in brackets
				a = n[1]
			}
			add(i, a, summaryTo.MatchString(l) && summaryNear(lines, i))
			continue
		}
		if m := rcptAddr.FindStringSubmatchIndex(l); m != nil {
			// an address in the server's reply ("552 Quota violation
			// for a@b") after the notice named the recipient itself,
			// or in a summary of the original's header
			// (and one the message did reach: "was delivered to a@b")
			// (and the address an alias or forward was generated from,
			// under the address it led to, which is the one that failed)
			pre := l[:m[2]]
			add(i, l[m[2]:m[3]], replyOrStatus.MatchString(pre) || summaryTo.MatchString(l) && summaryNear(lines, i) ||
				delivered.MatchString(pre) && !failedWords.MatchString(pre) || generatedFromLabel.MatchString(pre) && under(i))
		}
	}
	for i, l := range lines {
		// "You are not a member of this mailing list <list@example.org>.",
		// "User's mailbox is full: <a@example.jp>"
		if m := angleAddr.FindStringSubmatchIndex(l); m != nil && !leadAddr.MatchString(l) && !mailFrom.MatchString(l) &&
			(failureWords.MatchString(l) || Classify("", "", l, "failed") != OnHold) {
			// after a reply code ("host mx [ip]: 550 5.1.1 <a@b>: ..."),
			// the address the server quotes: a recipient only if the
			// notice names none of its own; a line that starts with
			// the code and the address (sendmail's "554 <a@b>...
			// Remote protocol error") names one
			pre := l[:m[2]-1]
			add(i, l[m[2]:m[3]], replyOrStatus.MatchString(pre) && !codeOnly.MatchString(pre))
		}
	}
	if len(hits) == 0 {
		// no address of addrRe's form: one in angle brackets whose
		// domain is a bare host name ("<gone@mailhost>", an intranet's)
		// or an address literal ("<gone@[192.0.2.1]>"), or whose local
		// part is quoted, on a line it leads or that says what failed
		for i, l := range lines {
			if m := bracketAddr.FindStringSubmatchIndex(l); m != nil &&
				(strings.TrimSpace(l[:m[0]]) == "" || failureWords.MatchString(l) || replyOrStatus.MatchString(l)) {
				add(i, l[m[2]:m[3]], false)
			}
		}
	}
	sort.SliceStable(hits, func(a, b int) bool { return hits[a].line < hits[b].line })
	var major []hit
	for _, h := range hits {
		if !h.minor {
			major = append(major, h)
		}
	}
	if len(major) > 0 {
		hits = major
	}
	if len(weak) > 0 {
		var strong []hit
		for _, h := range hits {
			if !weak[strings.ToLower(h.addr)] {
				strong = append(strong, h)
			}
		}
		if len(strong) > 0 {
			hits = strong
		}
	}
	if len(hits) == 0 {
		// no line is led by an address: take addresses on lines that carry
		// failure wording or a code
		for i, l := range lines {
			if !failureWords.MatchString(l) && !replyOrStatus.MatchString(l) && !saidOfAddr.MatchString(l) {
				continue
			}
			for _, a := range addrRe.FindAllString(l, 4) {
				add(i, a, false)
			}
		}
	}
	var out []textBlock
	for n, h := range hits {
		end := len(lines)
		if n+1 < len(hits) && hits[n+1].line > h.line {
			end = hits[n+1].line
		}
		end = min(end, h.line+25)
		blk := lines[h.line:end]
		b := textBlock{addr: h.addr, all: collapse(strings.Join(blk, "\n"))}
		b.remote = remoteWords(blk, h.addr)
		if w := transcriptReply(lines, h.line); w != "" {
			b.remote = w
		}
		out = append(out, b)
	}
	// several recipients sharing one block: the words after the last one
	// (Gmail lists the addresses, then one error) belong to all
	for i := len(out) - 2; i >= 0; i-- {
		if out[i].remote == "" || !hasCode(out[i].remote) && hasCode(out[i+1].remote) && hits[i+1].line-hits[i].line <= 2 {
			out[i].remote = out[i+1].remote
		}
	}
	return out
}

// maxLine bounds the part of a line textRecipients reads.
const maxLine = 4 << 10

// generatedFromLabel: the text before an address is Exim's "(generated
// from" or "(ultimately generated from", the note of an alias or forward
// under the address it led to.
var generatedFromLabel = lazyRegexp(`(?i)^\s*\((?:ultimately )?generated from\s*$`)

// placeholder is a line a notice fills in for an empty field ("[No Cc
// Addresses]", GWAVA's): not the server's words.
var placeholder = lazyRegexp(`(?i)^\s*\[no [a-z ]{1,40}\]\s*$`)

// generatedNote is that note on a line of its own: not the server's words.
var generatedNote = lazyRegexp(`(?i)^\s*\((?:ultimately )?generated from [^()]*\)\s*$`)

// replyAt finds a reply code in a code line's match.
var replyAt = lazyRegexp(`[245][0-9][0-9](?:[ -]|$)`)

// closing is the mark that closes each opening one.
var closing = map[byte]byte{'(': ')', '\'': '\''}

// labelTail is a label that ends the text before the server's words.
var labelTail = lazyRegexp(`(?i)(?:reason|said|error):\s*$`)

// openedBefore is the bracket or quote that opens the server's words when
// the text before them (pre), a label left aside, ends with one: "(550
// ...)", sendmail's "(reason: 550 ...)", Office 365's "returned '550
// ...'"; else 0.
func openedBefore(pre string) byte {
	pre = strings.TrimRight(labelTail.ReplaceAllString(pre, ""), " \t")
	if pre != "" && closing[pre[len(pre)-1]] != 0 {
		return pre[len(pre)-1]
	}
	return 0
}

// codeOnly is a line's start that is a reply code and nothing else (an
// enhanced status code may follow): "554 ", "<<< 550 5.1.1 ".
var codeOnly = lazyRegexp(`^[ \t]*(?:<<<[ \t]*)?[45][0-9][0-9][ -][ \t]*(?:[45]\.[0-9]{1,3}\.[0-9]{1,3}[ \t]+)?$`)

// bracketAddr is an address in angle brackets that addrRe leaves out:
// its domain a host name without a dot or an address literal, or its
// local part quoted ("gone user"@example.com).
var bracketAddr = lazyRegexp(`<((?:[^<>\s@"]+@(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?|\[[0-9A-Fa-f.:]+\]))|"[^"<>\n]+"@[^<>\s@"]+)>`)

// nameAddr is the bracketed address right after a display name.
var nameAddr = lazyRegexp(`^[>"']?[ \t]+<(` + addrRe.String() + `)>`)

// saidOfAddr is a line that says what happened to an address it ends
// with: "Unknown user: a@b", "User mailbox exceeds allowed size: a@b"
// (IMail and others), not a label such as "To:" or "Recipient:".
var saidOfAddr = lazyRegexp(`(?i)^[ \t]*(?:[-*>•]+[ \t]*)?(?:[a-z'][a-z' ]*[a-z])[ \t]*:[ \t]*[<"']?` + addrRe.String() + `[>"']?[ \t.]*\r?$`)

// summaryNear reports whether a "Subject:", "Sent:" or "Date:" line is
// within three lines of line i: a summary of a message's header.
func summaryNear(lines []string, i int) bool {
	for j := max(0, i-3); j < min(len(lines), i+4); j++ {
		if j != i && summaryOther.MatchString(lines[j]) {
			return true
		}
	}
	return false
}

// remoteWords picks the server's own words out of a recipient's lines:
// from the first line with a reply or status code to the end of that
// paragraph, or the lines themselves without the address when none has
// a code.
func remoteWords(blk []string, addr string) string {
	for i, l := range blk {
		loc := codeLine.FindStringIndex(l)
		if loc == nil {
			continue
		}
		start := loc[0]
		if m := replyAt.FindStringIndex(l[loc[0]:loc[1]]); m != nil && m[0] > 0 {
			// a label in front of the reply ("replied: 550 ...",
			// MDaemon's "<-- 550 ...", "returned '550 ...'"): the
			// words start at the code
			start = loc[0] + m[0]
		}
		if findReply(l[loc[0]:loc[1]]) == "" {
			// a status code alone: where it starts
			if l[start] != '#' && (l[start] < '0' || l[start] > '9') {
				start++
			}
			if start > 0 && !leadingCodes.MatchString(l[:start]) {
				// inside a sentence ("Sorry, I wasn't able to establish
				// an SMTP connection. (#4.4.1)"): the sentence is the
				// server's words
				start = 0
			}
		}
		if i == 0 {
			// the address line itself: never start inside the address
			if j := strings.Index(l, addr); j >= 0 && start < j+len(addr) {
				start = j + len(addr)
				start += len(l[start:]) - len(strings.TrimLeft(l[start:], ">\"' :;."))
			}
		}
		// a reply code just before a status code belongs to the words
		if m := leadingCodes.FindStringIndex(l[:start]); m != nil {
			start = m[0]
		}
		w := strings.TrimSpace(l[start:])
		w = strings.TrimSpace(replyLabel.ReplaceAllString(w, ""))
		if c := openedBefore(l[:start]); c != 0 {
			// "(550 ...)", "'550 ...'": without the closing mark
			w = strings.TrimSuffix(w, string(closing[c]))
		}
		var b strings.Builder
		b.WriteString(w)
		for _, m := range blk[i+1:] {
			if strings.TrimSpace(m) == "" || boxLine.MatchString(m) || reportField.MatchString(m) {
				break
			}
			b.WriteString(" ")
			b.WriteString(m)
		}
		return collapse(b.String())
	}
	// "The error that the other server returned was:" and the words on
	// the lines after it
	for i, l := range blk {
		if !replyIntro.MatchString(l) {
			continue
		}
		var b strings.Builder
		for _, m := range blk[i+1:] {
			if strings.TrimSpace(m) == "" {
				if b.Len() > 0 {
					break
				}
				continue
			}
			if dashEdge.MatchString(m) {
				// Exim's "------ pipe to |... generated by a@b ------"
				// heading, over one or two lines
				continue
			}
			b.WriteString(m)
			b.WriteString(" ")
		}
		if b.Len() > 0 {
			return collapse(b.String())
		}
	}
	var b strings.Builder
	blank := 0
	for i, l := range blk {
		if boxLine.MatchString(l) || i > 0 && (generatedNote.MatchString(l) || placeholder.MatchString(l)) {
			continue
		}
		if i == 0 {
			if j := strings.Index(l, addr); j >= 0 {
				before := strings.TrimSpace(l[:j])
				after := strings.TrimLeft(l[j+len(addr):], ">\"' :;.")
				if len(strings.Fields(replyLabel.ReplaceAllString(before, ""))) >= 3 ||
					strings.TrimSpace(after) == "" && saidOfAddr.MatchString(l) {
					// "Reason: Unable to deliver message to <a@b> (...)",
					// "Unknown user: a@b": the sentence around the
					// address is the message
					l = replyLabel.ReplaceAllString(strings.TrimSpace(l), "")
				} else {
					l = after
					if !strings.ContainsFunc(l, func(c rune) bool { return unicode.IsLetter(c) || unicode.IsDigit(c) }) {
						l = "" // a closing bracket or a full stop
					}
				}
			}
		}
		if strings.TrimSpace(l) == "" {
			blank++
			if blank > 1 && b.Len() > 0 {
				break
			}
			continue
		}
		b.WriteString(l)
		b.WriteString(" ")
	}
	return collapse(b.String())
}

var (
	// a line that announces the server's reply on the lines after it
	replyIntro = lazyRegexp(`(?i)(returned was|server (said|returned|replied|responded)|the error (was|is)|error message( below)?|diagnostic( code)?|remote host said|reason|because|technical details|the following text was generated)[^:]{0,30}:\s*$`)
	// a line that opens or closes a heading of dashes
	dashEdge = lazyRegexp(`^\s*-{3,}|-{3,}\s*$`)
	// the words a notice puts before the server's reply
	replyLabel = lazyRegexp(`(?i)^(?:(?:(?:remote host |host \S+ |server )?said:|(?:the error that the other server )?returned was:|<<<|error:|reason:|diagnostic[- ]code:|smtp;)\s*)+`)
	// a line of report fields after the server's words ("Remote system:
	// dns;mx...", "Last-Attempt-Date: ..."): not more of them
	reportField = lazyRegexp(`(?i)^\s*(?:remote system|remote-mta|reporting-mta|last-attempt-date|final-recipient|original-recipient|action|status)\s*:`)
	// reply codes (and a label) ending a prefix: "said: 554 554 "
	leadingCodes = lazyRegexp(`(?i)(?:(?:said|was|error|reason):\s*)?(?:[245][0-9][0-9][ -]+)+$`)
)

// transcriptReply returns the remote server's reply in a Sendmail-style
// session transcript when the recipient's line is the MTA's own summary of
// it ("554 <a@b>... Remote protocol error" after "<<< 550 Insecure Mail
// Relay"): the "<<<" lines just before, or "".
func transcriptReply(lines []string, at int) string {
	if !strings.Contains(lines[at], "...") {
		return ""
	}
	var got []string
	for i := at - 1; i >= 0 && i >= at-6; i-- {
		l := strings.TrimSpace(lines[i])
		if strings.HasPrefix(l, "<<<") {
			r := strings.TrimSpace(strings.TrimPrefix(l, "<<<"))
			if c := findReply(r); c != "" && strings.HasPrefix(r, c) {
				got = append([]string{r}, got...)
				continue
			}
		}
		if len(got) > 0 || strings.HasPrefix(l, ">>>") || l == "" {
			break
		}
	}
	return collapse(strings.Join(got, " "))
}

// blockFor finds the free-text block of a DSN recipient.
func blockFor(blocks []textBlock, addrs ...string) (textBlock, bool) {
	for _, a := range addrs {
		if a == "" {
			continue
		}
		for _, b := range blocks {
			if strings.EqualFold(b.addr, a) {
				return b, true
			}
		}
	}
	return textBlock{}, false
}

// generatedFrom finds the free-text block of an address that an alias or
// a forward generated from addr (Exim: "(generated from addr)" or
// "(ultimately generated from addr)" under the address that failed).
func generatedFrom(blocks []textBlock, addr string) (textBlock, bool) {
	if addr == "" {
		return textBlock{}, false
	}
	want := "generated from " + strings.ToLower(addr)
	for _, b := range blocks {
		if strings.Contains(strings.ToLower(b.all), want) && !strings.EqualFold(b.addr, addr) {
			return b, true
		}
	}
	return textBlock{}, false
}

// looksLikeID tells a Message-ID or a bounce token from an address: long
// hex runs, or a local part that is mostly digits and dashes.
func looksLikeID(a string) bool {
	at := strings.LastIndexByte(a, '@')
	if at < 0 {
		return true
	}
	local := a[:at]
	if len(local) > 40 {
		hex := 0
		for _, c := range local {
			if c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c == '-' {
				hex++
			}
		}
		return hex*10 > len(local)*9
	}
	return false
}

func collapse(s string) string { return strings.Join(strings.Fields(s), " ") }
