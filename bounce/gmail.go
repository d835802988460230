package bounce

import (
	"strconv"
	"strings"
)

// Gmail's notices of 2008-2012 end the remote server's words with the
// state its SMTP client was in when the session failed: "550 550 5.1.1
// <a@example.jp>... User Unknown (state 14)." The state says at which
// command the reply came. The table is the states found in real notices
// and the command each stands for, as sisimai 4.25's Gmail module reads
// them (with the words of the notices they were seen in):
//
//	 6  after the greeting, asking for TLS (MAIL): "Remote server does
//	    not support TLS"
//	 8  AUTH: "SMTP AUTH failed with the remote server"
//	 9  AUTH: "TLS missing certificate"
//	12  AUTH: "Remote server does not support SMTP Authenticated Relay"
//	13  EHLO: "Access denied"
//	14  RCPT TO: "User Unknown", "Mailbox Full"
//	15  DATA: "SPF unauthorized mail is prohibited", "no valid recipients"
//	17  DATA: "No such user here", "Address rejected"
//	18  DATA: "Unknown user", "Header error"
var gmailStates = map[int]struct{ stage, reason string }{
	6:  {"", SystemError},
	8:  {"", SystemError},
	9:  {"", SystemError},
	12: {"", NoRelaying},
	13: {"HELO", Blocked},
	14: {"RCPT", ""},
	15: {"DATA", Filtered},
	17: {"DATA", Filtered},
	18: {"DATA", Filtered},
}

var gmailStateRe = lazyRegexp(`\(state ([0-9]{1,2})\)\.?$`)

// gmailState reads the "(state N)" that ends the server's words t
// (normalised) in a notice Gmail wrote, whose enhanced status code is
// status (or one in t): the SMTP stage the state stands for and
// the reason it gives when nothing more specific is said. A specific
// enhanced status code in the words (X.1.1 to X.7.9, not X.Y.0) says
// more than the state and leaves the reason to the code (and, at EHLO,
// the stage too: "5.7.1 ... Access denied (state 13)" is a security
// policy's refusal, not a blocked host).
func gmailState(status, t string) (stage, reason string) {
	m := gmailStateRe.FindStringSubmatch(t)
	if m == nil {
		return "", ""
	}
	n, _ := strconv.Atoi(m[1])
	s, ok := gmailStates[n]
	if !ok {
		return "", ""
	}
	if status == "" {
		status = findStatus(t)
	}
	if status != "" && !strings.HasSuffix(status, ".0") {
		if s.stage == "HELO" {
			// a refusal at EHLO is the sending host's (blocked)
			// only where the code does not say what it was
			return "", ""
		}
		return s.stage, ""
	}
	return s.stage, s.reason
}
