package main

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mailsalvage/mailsalvage/export"
	"github.com/mailsalvage/mailsalvage/formats"
	"github.com/mailsalvage/mailsalvage/formats/eml"
	"github.com/mailsalvage/mailsalvage/formats/rfc5322"
	"github.com/mailsalvage/mailsalvage/internal/corpus"
	"github.com/mailsalvage/mailsalvage/internal/synth"
)

// The acceptance scenario of the foundation, end to end through the CLI:
// real messages planted in a Thunderbird mbox (some expunged), a Maildir++
// tree (some trashed) and a damaged mbox; recover must give every message
// of the intact mailboxes back as its own byte-identical .eml with the
// right state, at least 97% of the damaged one with none glued, and the
// same output twice.
func TestPlantedEndToEnd(t *testing.T) {
	real := corpus.Messages(t, 300, 60)
	in := t.TempDir()
	third := len(real) / 3

	// Thunderbird mbox
	var tb []synth.Message
	for i, m := range real[:third] {
		tb = append(tb, synth.Message{ID: m.ID, Bytes: m.Bytes, Date: time.Date(2021, 3, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(i) * time.Hour)})
	}
	mboxData, placed := synth.Mbox(tb, synth.MboxOptions{Style: synth.Thunderbird, Deleted: func(i int) bool { return i%6 == 1 }})
	os.MkdirAll(filepath.Join(in, "Thunderbird"), 0o755)
	os.WriteFile(filepath.Join(in, "Thunderbird", "Inbox"), mboxData, 0o644)
	want := map[string][]byte{}  // Message-ID -> bytes
	deleted := map[string]bool{} // Message-ID -> must be deleted
	partial := map[string]bool{} // Message-ID -> must be partial (unless deleted)
	for _, p := range placed {
		want[p.ID] = p.Want
		deleted[p.ID] = p.Deleted
	}

	// Maildir++ tree
	for i, m := range real[third : 2*third] {
		dir := []string{"cur", ".Work/cur", ".Work.Old/cur", ".Trash/cur", "new"}[i%5]
		flags := "!2,S"
		if dir == ".Trash/cur" || i%11 == 0 {
			flags = "!2,ST"
		}
		if dir == "new" {
			flags = ""
		}
		p := filepath.Join(in, "Maildir", filepath.FromSlash(dir), fmt.Sprintf("%d.M%dP1.host,S=%d%s", 1600000000+i, i, len(m.Bytes), flags))
		os.MkdirAll(filepath.Dir(p), 0o755)
		os.WriteFile(p, m.Bytes, 0o644)
		want[m.ID] = m.Bytes
		deleted[m.ID] = strings.HasSuffix(flags, "T")
		// a message file is as whole as the same bytes in a .eml file
		// (a multipart without its closing delimiter is not)
		if src, err := eml.OpenEML(bytes.NewReader(m.Bytes), int64(len(m.Bytes)), nil); err == nil {
			if em, _ := src.Next(); em != nil && em.State == formats.Partial {
				partial[m.ID] = true
			}
		}
	}

	// damaged mbox
	var dm []synth.Message
	for i, m := range real[2*third:] {
		dm = append(dm, synth.Message{ID: m.ID, Bytes: m.Bytes, Date: time.Date(2022, 5, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(i) * time.Hour)})
	}
	dmg, dplaced := synth.Mbox(dm, synth.MboxOptions{Style: synth.MboxRD})
	rng := rand.New(rand.NewPCG(5, 6))
	for k := len(dplaced) - 2; k > 0; k-- {
		p := dplaced[k]
		switch k % 8 {
		case 1:
			dmg = synth.Insert(dmg, p.Sep, synth.Garbage(rng, 50+rng.IntN(3000)))
		case 3:
			dmg = synth.Replace(dmg, p.Sep+1, []byte{0})
		case 5:
			dmg = synth.Cut(dmg, p.Sep, p.Start-p.Sep)
		case 7:
			dmg = synth.Insert(dmg, p.Sep, make([]byte, 4096))
		}
	}
	dmg = dmg[:len(dmg)-len(dplaced[len(dplaced)-1].Want)/3]
	os.MkdirAll(filepath.Join(in, "recovered"), 0o755)
	os.WriteFile(filepath.Join(in, "recovered", "old.mbox"), dmg, 0o644)

	out := filepath.Join(t.TempDir(), "out")
	if code, _, stderr := runCmd(t, "recover", in, "-o", out, "-q"); code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	recs := provenance(t, out)

	got := map[string][]export.Record{}
	for _, r := range recs {
		got[r.MessageID] = append(got[r.MessageID], r)
		// none glued: an output's header holds one Message-ID, and no
		// other planted message starts inside it
		b, _ := os.ReadFile(filepath.Join(out, filepath.FromSlash(r.File)))
		h, _, _ := rfc5322.Parse(b)
		if n := len(h.Values("Message-ID")); n > 1 {
			t.Errorf("%s has %d Message-ID fields", r.File, n)
		}
	}
	for id, w := range want {
		rs := got[id]
		if len(rs) != 1 {
			t.Errorf("%s: %d provenance lines, want 1", id, len(rs))
			continue
		}
		b, err := os.ReadFile(filepath.Join(out, filepath.FromSlash(rs[0].File)))
		if err != nil || !bytes.Equal(b, w) {
			t.Errorf("%s: .eml is not the stored message (%v)", id, err)
		}
		wantState := formats.Intact
		if deleted[id] {
			wantState = formats.Deleted
		} else if partial[id] {
			wantState = formats.Partial
		}
		if rs[0].State != wantState {
			t.Errorf("%s: state %s, want %s", id, rs[0].State, wantState)
		}
	}
	found := 0
	for i, p := range dplaced {
		if len(got[p.ID]) > 0 {
			found++
		} else {
			t.Logf("damaged mbox: message %d (%s) not recovered", i, p.ID)
		}
	}
	recall := float64(found) / float64(len(dplaced))
	t.Logf("intact mailboxes: %d messages; damaged mbox: %d of %d recovered (%.1f%%)", len(want), found, len(dplaced), 100*recall)
	if recall < 0.97 {
		t.Errorf("damaged mbox recall %.3f < 0.97", recall)
	}

	out2 := filepath.Join(t.TempDir(), "out")
	runCmd(t, "recover", in, "-o", out2, "-q")
	sameOutput(t, out, out2)
}
