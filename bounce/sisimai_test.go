package bounce

import (
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/mailsalvage/mailsalvage/internal/corpus"
)

// TestSisimaiAgreement runs Parse on every real bounce of the corpus and
// compares with what sisimai 4.25 concluded (SISIMAI.tsv beside the
// files). Every disagreement must be listed, with its justification, in
// differences_test.go.
func TestSisimaiAgreement(t *testing.T) {
	st := compareSisimai(t, corpus.Dir(t, "bounces"), true)
	t.Logf("sisimai agreement on %d files: recipient+status %d (%.1f%%), reason %d (%.1f%%; %.1f%% with the %d documented differences), bounce found in %d of %d",
		st.files, st.recipOK, st.pct(st.recipOK), st.reasonOK, st.pct(st.reasonOK), st.pct(st.reasonOK+st.explained), st.explained, st.found, st.files)
	if st.pct(st.recipOK) < 98 {
		t.Errorf("recipient and status agree on %.1f%% of files, want >= 98%%", st.pct(st.recipOK))
	}
	// The issue asks for 95%; the parser reaches 97.5% (117 of 120) and
	// every file where it differs is justified in differences_test.go.
	// This floor keeps it from slipping back.
	if st.pct(st.reasonOK) < 95 {
		t.Errorf("reason agrees on %.1f%% of files, want >= 95%%", st.pct(st.reasonOK))
	}
}

// TestSisimaiHeldOut compares with sisimai on another folder of bounces
// with its own SISIMAI.tsv (same columns as the corpus's), named by
// $MAILSALVAGE_BOUNCES: held-out files, to see how the tables generalise.
// It reports the figures and the disagreements; it fails only when
// bounces sisimai finds are missed in more than 2% of the files.
func TestSisimaiHeldOut(t *testing.T) {
	dir := os.Getenv("MAILSALVAGE_BOUNCES")
	if dir == "" {
		t.Skip("set MAILSALVAGE_BOUNCES to a folder of bounces with a SISIMAI.tsv")
	}
	st := compareSisimai(t, dir, false)
	t.Logf("held-out %s: %d files: recipient+status %d (%.1f%%), reason %d (%.1f%%), bounce found in %d (%.1f%%); reason where sisimai has one (not onhold or undefined): %d of %d (%.1f%%)",
		dir, st.files, st.recipOK, st.pct(st.recipOK), st.reasonOK, st.pct(st.reasonOK), st.found, st.pct(st.found),
		st.verdictOK, st.verdicts, 100*float64(st.verdictOK)/float64(max(st.verdicts, 1)))
	if st.pct(st.found) < 98 {
		t.Errorf("a bounce found in %.1f%% of the files sisimai finds one in", st.pct(st.found))
	}
}

// agreement counts files. verdicts are the files where sisimai gives
// every recipient a reason of its own, not onhold or undefined (its
// words for "no reason found"), and verdictOK those where ours is the
// same: agreeing with "none found" says little either way.
type agreement struct{ files, recipOK, reasonOK, found, explained, verdicts, verdictOK int }

func (a agreement) pct(n int) float64 { return 100 * float64(n) / float64(max(a.files, 1)) }

// compareSisimai runs Parse on every file SISIMAI.tsv in dir lists. Per
// file: the recipients sisimai names are among ours, with the same
// enhanced status wherever sisimai's is an RFC 3463 code (not one of its
// own X.0.9nn codes), and the same reason. With strict, a disagreement not
// listed in differences_test.go fails the test; otherwise disagreements
// are logged.
func compareSisimai(t *testing.T, dir string, strict bool) agreement {
	want := readSisimai(t, dir)
	var files []string
	for f := range want {
		if !strings.HasPrefix(f, "not-bounces/") {
			files = append(files, f)
		}
	}
	sort.Strings(files)
	report := t.Logf
	if strict {
		report = t.Errorf
	}
	var a agreement
	for _, f := range files {
		rows := want[f]
		b, err := os.ReadFile(filepath.Join(dir, f))
		if err != nil {
			t.Fatal(err)
		}
		rep := Parse(b)
		switch rows[0].reason {
		case "none", "":
			continue // sisimai finds no bounce in it (finding one is fine)
		case "feedback", "vacation", "delivered":
			// not a bounce: an abuse report, an auto-reply, a success
			if rep != nil {
				report("%s: sisimai says %s, we found a bounce: %+v", f, rows[0].reason, rep.Recipients)
			}
			continue
		}
		a.files++
		verdict := true
		for _, w := range rows {
			if w.reason == OnHold || w.reason == Undefined {
				verdict = false
			}
		}
		if verdict {
			a.verdicts++
		}
		if rep == nil {
			report("%s: no bounce found; sisimai: %s %s %s", f, rows[0].recipient, rows[0].status, rows[0].reason)
			continue
		}
		a.found++
		got := map[string]Recipient{}
		for _, r := range rep.Recipients {
			got[strings.ToLower(r.Address)] = r
		}
		rOK, reOK := true, true
		for _, w := range rows {
			g, ok := got[strings.ToLower(w.recipient)]
			if !ok {
				rOK, reOK = false, false
				if !strict || !documented(f, "recipient") {
					report("%s: sisimai's recipient %s not found; ours: %+v", f, w.recipient, rep.Recipients)
				}
				continue
			}
			if standardStatus(w.status) && g.Status != w.status {
				rOK = false
				if !strict || !documented(f, "status") {
					report("%s: status %q, sisimai %q (%s)", f, g.Status, w.status, g.RemoteText)
				}
			}
			if g.Reason != w.reason {
				reOK = false
				if !strict || !documented(f, "reason") {
					report("%s: reason %s, sisimai %s (status %q, server said %q)", f, g.Reason, w.reason, g.Status, g.RemoteText)
				}
			}
		}
		if rOK {
			a.recipOK++
		}
		if reOK {
			a.reasonOK++
			if verdict {
				a.verdictOK++
			}
		} else if strict && documented(f, "reason") {
			a.explained++
		}
	}
	return a
}

// TestNotBounces: nothing in the corpus's not-bounces folder (an Amazon
// SNS delivery notification, two vacation auto-replies) is a bounce.
func TestNotBounces(t *testing.T) {
	files := corpus.Files(t, "bounces/not-bounces")
	if len(files) == 0 {
		t.Skip("not-bounces is empty")
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if rep := Parse(b); rep != nil {
			t.Errorf("%s: found a bounce in a non-bounce: %+v", filepath.Base(f), rep.Recipients)
		}
	}
}
