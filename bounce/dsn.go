package bounce

import (
	"strings"
)

// dsnRecipient is one per-recipient block of a message/delivery-status
// body (RFC 3464 section 2.3).
type dsnRecipient struct {
	final, original string
	action, status  string
	diagnostic      string
	diagType        string // "smtp", "x-unix"... lower case
	remoteMTA       string
	lastAttempt     string
	category        string // PowerMTA's X-PowerMTA-BounceCategory, lower case
}

// dsnFields splits a delivery-status body into its field blocks (RFC 3464
// section 2.1: blocks separated by empty lines), unfolding continuation
// lines. Each block maps lower-case field names to their values; repeated
// fields are joined with a space.
func dsnFields(s string) []map[string]string {
	var blocks []map[string]string
	cur := map[string]string{}
	last := ""
	flush := func() {
		if len(cur) > 0 {
			blocks = append(blocks, cur)
		}
		cur, last = map[string]string{}, ""
	}
	for _, line := range strings.Split(s, "\n") {
		line = strings.TrimRight(line, "\r")
		if strings.TrimSpace(line) == "" {
			flush()
			continue
		}
		if (line[0] == ' ' || line[0] == '\t') && last != "" {
			cur[last] += " " + strings.TrimSpace(line)
			continue
		}
		i := strings.IndexByte(line, ':')
		if i <= 0 || strings.ContainsAny(line[:i], " \t") {
			// not a field: in free text an unindented continuation
			if last != "" && len(cur[last]) < 4096 {
				cur[last] += " " + strings.TrimSpace(line)
			}
			continue
		}
		name := strings.ToLower(line[:i])
		if _, dup := cur[name]; dup && (name == "final-recipient" || name == "original-recipient" && cur["final-recipient"] != "") {
			// a new recipient without the empty line before it
			flush()
		}
		val := strings.TrimSpace(line[i+1:])
		if old, ok := cur[name]; ok && old != "" {
			val = old + " " + val
		}
		cur[name] = val
		last = name
		if len(blocks) > 1000 {
			break
		}
	}
	flush()
	return blocks
}

// addrType strips the address-type prefix of a recipient field
// ("rfc822; a@b") and the angle brackets some servers add.
func addrType(v string) string {
	if i := strings.IndexByte(v, ';'); i >= 0 && i < 20 && !strings.Contains(v[:i], "@") {
		v = v[i+1:]
	}
	v = strings.TrimSpace(v)
	if m := angleAddr.FindStringSubmatch(v); m != nil {
		return m[1]
	}
	if f := strings.Fields(v); len(f) > 0 && !strings.HasPrefix(v, "\"") {
		v = f[0]
	}
	return strings.Trim(v, "<>")
}

var angleAddr = lazyRegexp(`<([^<>\s]+@[^<>\s]+)>`)

// powerMTACategory is the reason of each bounce category PowerMTA writes
// into its X-PowerMTA-BounceCategory field: the sending server's own
// classification of the remote reply, by its documented names.
var powerMTACategory = map[string]string{
	"bad-mailbox":         UserUnknown,
	"bad-domain":          HostUnknown,
	"inactive-mailbox":    Suspend,
	"quota-issues":        MailboxFull,
	"message-expired":     Expired,
	"no-answer-from-host": NetworkError,
	"policy-related":      PolicyViolation,
	"routing-errors":      SystemError,
	"spam-related":        SpamDetected,
}

// diagText strips the diagnostic-type prefix of a Diagnostic-Code
// ("smtp; 550 5.1.1 ...").
func diagText(v string) string {
	if i := strings.IndexByte(v, ';'); i >= 0 && i < 16 && !strings.ContainsAny(v[:i], " @") {
		v = v[i+1:]
	}
	return strings.Join(strings.Fields(v), " ")
}

// parseDSN reads the per-recipient blocks of a delivery-status body.
func parseDSN(s string) []dsnRecipient {
	var out []dsnRecipient
	for _, b := range dsnFields(s) {
		r := dsnRecipient{
			final:       addrType(b["final-recipient"]),
			original:    addrType(b["original-recipient"]),
			action:      strings.ToLower(firstWord(b["action"])),
			status:      strings.TrimPrefix(firstWord(b["status"]), "#"), // "#5.1.1" (as some write it in text)
			diagnostic:  diagText(b["diagnostic-code"]),
			diagType:    diagTypeOf(b["diagnostic-code"]),
			remoteMTA:   diagText(b["remote-mta"]),
			lastAttempt: b["last-attempt-date"],
			category:    strings.ToLower(firstWord(b["x-powermta-bouncecategory"])),
		}
		if r.final == "" && r.original == "" {
			if v := b["x-actual-recipient"]; v != "" {
				r.final = addrType(v)
			} else {
				continue
			}
		}
		if r.diagnostic == "" {
			// non-standard fields some servers use for the same thing
			for _, k := range []string{"x-supplementary-info", "x-display-name", "x-diagnostic"} {
				if v := b[k]; v != "" && k != "x-display-name" {
					r.diagnostic = diagText(v)
					break
				}
			}
		}
		out = append(out, r)
	}
	return out
}

// diagTypeOf returns the diagnostic-type of a Diagnostic-Code value
// (RFC 3464 section 2.3.6), lower case.
func diagTypeOf(v string) string {
	if i := strings.IndexByte(v, ';'); i > 0 && i < 16 && !strings.ContainsAny(v[:i], " @") {
		return strings.ToLower(strings.TrimSpace(v[:i]))
	}
	return ""
}

func firstWord(s string) string {
	if f := strings.Fields(s); len(f) > 0 {
		return strings.Trim(f[0], "();,")
	}
	return ""
}
