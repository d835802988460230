package bounce

import (
	"os"
	"path/filepath"
	"testing"
)

// FuzzParse: no input makes Parse panic, hang or return a recipient
// without an address or with a reason outside the vocabulary.
func FuzzParse(f *testing.F) {
	seeds, _ := filepath.Glob(filepath.Join("testdata", "*.eml"))
	for _, s := range seeds {
		if b, err := os.ReadFile(s); err == nil {
			f.Add(b)
		}
	}
	f.Add([]byte("From: MAILER-DAEMON\r\nSubject: failure notice\r\n\r\n<a@b.example>:\r\n550 5.1.1 no such user\r\n"))
	// the paths of the free-text reader: a quoted local part and a bare
	// host, a label before the reply, Gmail's state, Exim's framing
	f.Add([]byte("From: MAILER-DAEMON@x.example\nSubject: failure notice\n\n<\"a b\"@host>:\nRemote server replied: 550 (state 14).\n"))
	f.Add([]byte("From: Mail Delivery Subsystem <mailer-daemon@googlemail.com>\nSubject: Delivery Status Notification (Delay)\n\nDelivery to the following recipient has been delayed:\n\n     a@b.example\n\nTechnical details of temporary failure:\n550 550 5.7.0 Header error (state 18).\n"))
	f.Add([]byte("From: Mailer-Daemon@x.example\nSubject: Mail delivery failed\n\n  a@b.example\n    SMTP error from remote mail server after RCPT TO:<a@b.example>:\n    host mx [192.0.2.1]: 550 5.1.1 <c@d.example>: (reason: 550 x)\n"))
	// this session's paths: an address listed by a mail system in words
	// no table knows, a MAILER-DAEMON Return-Path, a base64 single part,
	// lines ended with CR alone
	f.Add([]byte("From: MAILER-DAEMON@x.example\nSubject: =?utf-8?B?6YCA5L+h?=\nContent-Type: text/plain; charset=utf-8\n\n\u7cfb\u7edf\u9000\u4fe1\n\n  a@b.example\n"))
	f.Add([]byte("Return-Path: <MAILER-DAEMON@x.example>\nFrom: server@x.example\nSubject: Notice\nContent-Transfer-Encoding: base64\n\nICAgLS0tLS0gVW5zZW50IG1lc3NhZ2UgZm9sbG93cyAtLS0tLQpUbzogYUBiLmV4YW1wbGUKCg==\n"))
	f.Add([]byte("From: MAILER-DAEMON@x.example\rSubject: failure notice\r\r<a@b.example>:\r550 5.1.1 no such user\r"))
	valid := map[string]bool{}
	for _, r := range Reasons {
		valid[r] = true
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		rep := Parse(b)
		if rep == nil {
			return
		}
		for _, r := range rep.Recipients {
			if r.Address == "" && rep.Kind == "text" {
				t.Errorf("recipient without address: %+v", r)
			}
			if !valid[r.Reason] {
				t.Errorf("reason %q not in the vocabulary", r.Reason)
			}
		}
	})
}
