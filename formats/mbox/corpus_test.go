package mbox

import (
	"bytes"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mailsalvage/mailsalvage/formats"
	"github.com/mailsalvage/mailsalvage/formats/rfc5322"
	"github.com/mailsalvage/mailsalvage/internal/corpus"
	"github.com/mailsalvage/mailsalvage/internal/synth"
)

// Every corpus file the mbox format claims splits with every byte
// accounted for and without a fatal error.
func TestCorpusAccounting(t *testing.T) {
	claimed := 0
	for _, dir := range []string{"mbox", "eml", "maildir", "bounces", "misc"} {
		for _, f := range corpus.Files(t, dir) {
			data, err := os.ReadFile(f)
			if err != nil || len(data) == 0 {
				continue
			}
			if Match(&formats.Probe{Head: data[:min(len(data), formats.HeadSize)]}) == 0 {
				continue
			}
			claimed++
			checkAccounting(t, data)
			out, _ := readAll(t, data)
			if len(out) == 0 {
				t.Errorf("%s: claimed as mbox but no message read", f)
			}
		}
	}
	if claimed < 10 {
		t.Errorf("only %d corpus files claimed as mbox", claimed)
	}
}

func readFile(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Skipf("%v", err)
	}
	return b
}

func TestCorpusKnownCounts(t *testing.T) {
	d := corpus.Dir(t, "mbox")
	cases := map[string]int{
		"MailBox__mbox.src.mbox":                    45,
		"MailBox__mbox.win.mbox":                    45,
		"IPED__test_mbox.mbox":                      8,
		"Tika__complex.mbox":                        3,
		"Tika__simple.mbox":                         2,
		"thunderbird_panorama_migration/migration":  3,
		"thunderbird_local_test_data/movemailspool": 3,
		"mime4j_mbox/test-1/mbox.rlug":              5,
		"Aspose__ExampleMbox.mbox":                  1,
		"Tika__testMBOX_lengthy_x-headers.mbox":     1,
	}
	ids := map[string][]string{}
	for name, want := range cases {
		out, problems := readAll(t, readFile(t, filepath.Join(d, name)))
		if len(out) != want {
			t.Errorf("%s: %d messages, want %d", name, len(out), want)
		}
		if len(problems) > 0 {
			t.Errorf("%s: problems %v", name, problems)
		}
		for _, g := range out {
			s, _, _ := rfc5322.ReadSummary(bytes.NewReader(g.bytes))
			ids[name] = append(ids[name], s.MessageID)
			if g.m.State != formats.Intact && !strings.HasPrefix(name, "Tika__") {
				t.Errorf("%s %s: state %s (%v)", name, g.m.Chain, g.m.State, g.m.Warnings)
			}
		}
	}
	// the CRLF copy holds the same messages
	a, b := ids["MailBox__mbox.src.mbox"], ids["MailBox__mbox.win.mbox"]
	if strings.Join(a, " ") != strings.Join(b, " ") {
		t.Errorf("LF and CRLF copies differ in Message-IDs")
	}
}

// mime4j ships the rlug mbox with the messages split out; ours must match
// them (mime4j keeps the blank lines before each separator, we drop the
// one the mbox format adds).
func TestCorpusMime4jSplit(t *testing.T) {
	d := corpus.Dir(t, "mbox/mime4j_mbox/test-1")
	out, _ := readAll(t, readFile(t, filepath.Join(d, "mbox.rlug")))
	for i, g := range out {
		want := readFile(t, filepath.Join(d, "mbox.rlug-"+string(rune('0'+i))))
		if !bytes.Equal(bytes.TrimRight(g.bytes, "\n"), bytes.TrimRight(want, "\n")) {
			t.Errorf("message %d differs from mime4j's split: %s", i, firstDiff(g.bytes, want))
		}
		if !bytes.HasPrefix(want, g.bytes) {
			t.Errorf("message %d is not a prefix of mime4j's split", i)
		}
	}
}

// plantable returns real messages from the corpus as synth.Messages.
func plantable(t *testing.T, limit int) []synth.Message {
	t.Helper()
	var msgs []synth.Message
	for i, m := range corpus.Messages(t, limit, 50) {
		date := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(i) * time.Hour)
		msgs = append(msgs, synth.Message{ID: m.ID, Bytes: m.Bytes, Date: date})
	}
	return msgs
}

// Real messages planted in a Thunderbird mbox come back byte for byte,
// expunged ones as deleted; damaged copies keep at least 97% of them, none
// glued to another.
func TestCorpusPlanted(t *testing.T) {
	msgs := plantable(t, 400)
	data, placed := synth.Mbox(msgs, synth.MboxOptions{Style: synth.Thunderbird, Deleted: func(i int) bool { return i%7 == 2 }})
	out, _ := readAll(t, data)
	if len(out) != len(placed) {
		t.Fatalf("intact: %d messages, want %d", len(out), len(placed))
	}
	for i, p := range placed {
		if !bytes.Equal(out[i].bytes, p.Want) {
			t.Errorf("intact: message %d (%s) differs: %s", i, p.ID, firstDiff(out[i].bytes, p.Want))
		}
		if (out[i].m.State == formats.Deleted) != p.Deleted {
			t.Errorf("intact: message %d state %s, deleted=%v", i, out[i].m.State, p.Deleted)
		}
	}

	// damaged copies, several seeds: back to front, garbage runs, NUL
	// holes between messages, mangled and missing separators, then a
	// truncated last message
	worst := 1.0
	for seed := uint64(0); seed < 8; seed++ {
		rng := rand.New(rand.NewPCG(11, seed))
		damaged := data
		for k := len(placed) - 2; k > 0; k-- {
			p := placed[k]
			switch (k + int(seed)) % 10 {
			case 1:
				damaged = synth.Insert(damaged, p.Sep, synth.Garbage(rng, 20+rng.IntN(3000)))
			case 3:
				damaged = synth.Replace(damaged, p.Sep+int64(rng.IntN(4)), []byte{byte(rng.IntN(32))})
			case 5:
				damaged = synth.Cut(damaged, p.Sep, p.Start-p.Sep)
			case 7:
				damaged = synth.Insert(damaged, p.Sep, make([]byte, 512+rng.IntN(4096)))
			case 8:
				// a hole that eats the end of the previous message too
				damaged = synth.Zero(damaged, p.Sep-int64(rng.IntN(200)), int64(300+rng.IntN(200)))
			}
		}
		damaged = damaged[:len(damaged)-len(placed[len(placed)-1].Want)/2]
		checkAccounting(t, damaged)
		out, _ = readAll(t, damaged)
		idx := recovered(t, out, placed)
		found := map[int]bool{}
		for _, j := range idx {
			if j >= 0 {
				found[j] = true
			}
		}
		// messages whose Message-ID line the damage left alone must all
		// come back; the others may be found by what is left of them
		survivors, back := 0, 0
		for j, p := range placed {
			if bytes.Contains(damaged, []byte("Message-ID: "+p.ID)) {
				survivors++
				if found[j] {
					back++
				}
			}
		}
		recall := float64(back) / float64(survivors)
		t.Logf("seed %d: %d of %d recovered (%.1f%%); of the %d whose Message-ID survived, %d (%.1f%%); %d outputs",
			seed, len(found), len(placed), 100*float64(len(found))/float64(len(placed)), survivors, back, 100*recall, len(out))
		worst = min(worst, recall)
	}
	recall := worst
	if recall < 0.99 {
		t.Errorf("recall of surviving messages %.3f < 0.99", recall)
	}
}

// TestCorpusNoticesInOneMbox: the corpus's real delivery failure notices
// (and the other single messages of the eml folder), written one after
// the other into an mboxrd file, come back one message each, from where
// each was written: notices quote headers, transcripts and "From" lines
// in every way there is, and none of it may split or glue them.
func TestCorpusNoticesInOneMbox(t *testing.T) {
	// files that hold more than one message without a separator
	more := map[string]int{
		"make-test-06.eml": 1, // a second message after the first's closing MIME delimiter
	}
	var data []byte
	var starts []int64
	var names []string
	want := 0
	for _, dir := range []string{"bounces", "eml"} {
		for _, f := range corpus.Files(t, dir) {
			b, err := os.ReadFile(f)
			if err != nil || !strings.HasSuffix(f, ".eml") {
				continue
			}
			b = bytes.ReplaceAll(b, []byte("\r\n"), []byte("\n"))
			if bytes.HasPrefix(b, []byte("From ")) || bytes.Contains(b, []byte("\nFrom ")) {
				continue // a file that is an mbox itself, or holds an unescaped From line
			}
			if len(rfc5322.Examine(b, 0).FirstName) == 0 || !bytes.HasSuffix(b, []byte("\n")) {
				continue
			}
			data = append(data, "From MAILER-DAEMON Mon Jan  1 00:00:00 2024\n"...)
			starts = append(starts, int64(len(data)))
			names = append(names, filepath.Base(f))
			want += 1 + more[filepath.Base(f)]
			data = append(data, escapeFrom(b)...)
			data = append(data, '\n')
		}
	}
	if len(names) < 100 {
		t.Skipf("only %d notices and messages in the corpus", len(names))
	}
	out, _ := readAll(t, data)
	got := map[int64]bool{}
	for _, g := range out {
		got[*g.m.Chain[0].Offset] = true
	}
	for i, s := range starts {
		if !got[s] {
			t.Errorf("%s: no message starts where it was written (offset %d)", names[i], s)
		}
	}
	if len(out) != want {
		t.Errorf("%d messages from %d files, want %d", len(out), len(starts), want)
		written := map[int64]bool{}
		for _, s := range starts {
			written[s] = true
		}
		for _, g := range out {
			if !written[*g.m.Chain[0].Offset] {
				t.Logf("not where a file was written: %s %q", g.m.Chain, g.m.Warnings)
			}
		}
	}
}

// escapeFrom quotes lines that start with ">*From " as an mboxrd writer does.
func escapeFrom(b []byte) []byte {
	var out []byte
	for _, l := range bytes.SplitAfter(b, []byte("\n")) {
		if t := bytes.TrimLeft(l, ">"); bytes.HasPrefix(t, []byte("From ")) {
			out = append(out, '>')
		}
		out = append(out, l...)
	}
	return out
}
