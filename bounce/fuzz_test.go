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
