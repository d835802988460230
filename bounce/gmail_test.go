package bounce

import "testing"

// TestGmailState: in a notice Gmail wrote, "(state N)" gives the SMTP
// stage and, for some states, the reason; a specific status code says
// more than the state. The same words in a notice of another system are
// read without it.
func TestGmailState(t *testing.T) {
	gmail := agent{name: "Gmail", kind: agentLookup}
	for _, c := range []struct {
		a                  agent
		status, text, want string
	}{
		{gmail, "", "500 Remote server does not support TLS (state 6).", SystemError},
		{agent{}, "", "500 Remote server does not support TLS (state 6).", OnHold},
		{gmail, "", "500 Remote server does not support SMTP Authenticated Relay (state 12).", NoRelaying},
		{gmail, "", "550 550 Access denied (state 13).", Blocked},
		{gmail, "5.7.1", "550 550 5.7.1 <a@example.com>... Access denied (state 13).", SecurityError},
		{gmail, "", "550 550 <a@example.jp>: User unknown (state 14).", UserUnknown},
		{agent{}, "", "550 550 <a@example.jp>: User unknown (state 14).", Filtered},
		{gmail, "4.2.2", "450 450 4.2.2 <a@example.jp>... Mailbox Full (state 14).", MailboxFull},
		{gmail, "5.7.0", "554 554 5.7.0 Header error (state 18).", Filtered},
		{gmail, "", "550 550 Unknown user a@example.jp (state 18).", Filtered},
		// a state not in the table: read as any notice of Gmail (a lookup)
		{gmail, "", "550 550 Unknown user a@example.jp (state 99).", UserUnknown},
	} {
		if got := classifyBy(c.a, c.status, "", c.text, c.text, "failed"); got != c.want {
			t.Errorf("%s: classify(%q, %q) = %s, want %s", c.a.name, c.status, c.text, got, c.want)
		}
	}
}
