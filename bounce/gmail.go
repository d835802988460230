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
//
// reason is the state's reason; decides says whether it stands whatever
// the words say (else only where they say nothing).
var gmailStates = map[int]struct {
	stage, reason string
	decides       bool
}{
	6:  {"", SystemError, false},
	8:  {"", SystemError, false},
	9:  {"", SystemError, false},
	12: {"", NoRelaying, true},
	13: {"HELO", "", false}, // the stage says it: blocked
	14: {"RCPT", "", false},
	15: {"DATA", Filtered, true},
	17: {"DATA", Filtered, true},
	18: {"DATA", Filtered, true},
}

var gmailStateRe = lazyRegexp(`\(state ([0-9]{1,2})\)\.?$`)

// gmailState reads the "(state N)" that ends the server's words t
// (normalised) in a notice Gmail wrote, whose enhanced status code is
// status (or one in t): the SMTP stage the state stands for, the reason
// it gives, and whether that reason stands whatever the words say. A specific
// enhanced status code in the words (X.1.1 to X.7.9, not X.Y.0) says
// more than the state and leaves the reason to the code (and, at EHLO,
// the stage too: "5.7.1 ... Access denied (state 13)" is a security
// policy's refusal, not a blocked host).
func gmailState(status, t string) (stage, reason string, decides bool) {
	m := gmailStateRe.FindStringSubmatch(t)
	if m == nil {
		return "", "", false
	}
	n, _ := strconv.Atoi(m[1])
	s, ok := gmailStates[n]
	if !ok {
		return "", "", false
	}
	if status == "" {
		status = findStatus(t)
	}
	if status != "" && !strings.HasSuffix(status, ".0") {
		if s.stage == "HELO" {
			// a refusal at EHLO is the sending host's (blocked)
			// only where the code does not say what it was
			return "", "", false
		}
		return s.stage, "", false
	}
	return s.stage, s.reason, s.decides
}
