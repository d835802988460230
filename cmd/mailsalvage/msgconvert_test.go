package main

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/emersion/go-message"
	_ "github.com/emersion/go-message/charset"
	"github.com/emersion/go-message/mail"

	"github.com/mailsalvage/mailsalvage/internal/corpus"
)

// emlFacts is what two .eml renderings of one Outlook item should agree on.
type emlFacts struct {
	subject     string
	from        string
	to, cc      []string
	date        time.Time
	text        string   // visible body text, words separated by single spaces
	attachments []string // "name size", sorted
}

var generatedName = regexp.MustCompile(`^attachment-\d+`)

// mojibake: UTF-8 read as Latin-1 and written again as UTF-8.
var mojibake = regexp.MustCompile(`Ã.|â\x{80}|Â\x{A0}`)

var tagRe = regexp.MustCompile(`(?s)<style.*?</style>|<script.*?</script>|<[^>]*>`)

func facts(b []byte) (emlFacts, error) {
	var f emlFacts
	e, err := message.Read(bytes.NewReader(b))
	if e == nil {
		return f, err
	}
	h := mail.Header{Header: e.Header}
	f.subject, _ = h.Subject()
	f.subject = strings.Join(strings.Fields(f.subject), " ")
	if a, err := h.AddressList("From"); err == nil && len(a) > 0 {
		f.from = strings.ToLower(a[0].Address)
	}
	for _, k := range []string{"To", "Cc"} {
		list, _ := h.AddressList(k)
		var out []string
		for _, a := range list {
			if strings.Contains(a.Address, "@") {
				out = append(out, strings.ToLower(a.Address))
			}
		}
		sort.Strings(out)
		if k == "To" {
			f.to = out
		} else {
			f.cc = out
		}
	}
	f.date, _ = h.Date()
	var plain, html []string
	var walk func(e *message.Entity, depth int)
	walk = func(e *message.Entity, depth int) {
		mt, params, _ := e.Header.ContentType()
		if mr := e.MultipartReader(); mr != nil {
			for {
				p, err := mr.NextPart()
				if err != nil {
					break
				}
				walk(p, depth+1)
			}
			return
		}
		disp, dp, _ := e.Header.ContentDisposition()
		name := dp["filename"]
		if name == "" {
			name = params["name"]
		}
		body, _ := io.ReadAll(e.Body)
		if generatedName.MatchString(name) {
			name = "" // ours for a nameless attachment
		}
		switch {
		case name == "" && disp != "attachment" && mt == "text/plain":
			plain = append(plain, string(body))
		case name == "" && disp != "attachment" && mt == "text/html":
			html = append(html, string(body))
		case name == "" && disp != "attachment":
			// a nameless part in the body (a calendar, an RTF body)
		case mt == "message/rfc822" || strings.HasSuffix(strings.ToLower(name), ".eml"):
			// converted differently by each tool, and named differently
			// (msgconvert gives none): count them
			f.attachments = append(f.attachments, "(message)")
		default:
			f.attachments = append(f.attachments, fmt.Sprintf("%s %d", name, len(body)))
		}
	}
	walk(e, 0)
	text := strings.Join(plain, " ")
	if strings.TrimSpace(text) == "" {
		text = tagRe.ReplaceAllString(strings.Join(html, " "), " ")
	}
	f.text = strings.Join(strings.Fields(text), " ")
	sort.Strings(f.attachments)
	return f, nil
}

// TestMsgconvertAgreement converts every corpus .msg with mailsalvage and
// with msgconvert (Debian libemail-outlook-message-perl, which .ci/run
// installs) and compares what a reader sees: subject, sender, To/Cc, date,
// body text and attachment names and sizes. It skips without msgconvert or
// the corpus.
func TestMsgconvertAgreement(t *testing.T) {
	if _, err := exec.LookPath("msgconvert"); err != nil {
		t.Skip("msgconvert not installed (apt-get install libemail-outlook-message-perl)")
	}
	files := corpus.Files(t, "msg")
	out := filepath.Join(t.TempDir(), "out")
	if code, _, stderr := runCmd(t, "recover", corpus.Dir(t, "msg"), "-o", out, "-q"); code != exitOK {
		t.Fatalf("recover: exit %d: %s", code, stderr)
	}
	ours := map[string]string{} // evidence path -> .eml
	for _, r := range provenance(t, out) {
		if len(r.Chain) == 1 {
			ours[r.Source.Path] = filepath.Join(out, filepath.FromSlash(r.File))
		}
	}

	tmp := t.TempDir()
	type result struct {
		file   string
		theirs []byte
	}
	results := make([]result, len(files))
	var wg sync.WaitGroup
	sem := make(chan struct{}, 4)
	for i, f := range files {
		wg.Add(1)
		go func(i int, f string) {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			dst := filepath.Join(tmp, fmt.Sprintf("%d.eml", i))
			cmd := exec.Command("msgconvert", "--outfile", dst, f)
			cmd.Stderr, cmd.Stdout = io.Discard, io.Discard
			if cmd.Run() == nil {
				b, _ := os.ReadFile(dst)
				results[i] = result{file: f, theirs: b}
			} else {
				results[i] = result{file: f}
			}
		}(i, f)
	}
	wg.Wait()

	var n, theyFail, weMiss int
	agree, skipped := map[string]int{}, map[string]int{}
	var notes []string
	for _, r := range results {
		mine, ok := ours[r.file]
		if !ok {
			if st, err := os.Stat(r.file); err == nil && st.Size() < 512 {
				notes = append(notes, "no .eml from either tool for "+filepath.Base(r.file)+": too short to be a compound file")
				continue
			}
			weMiss++
			notes = append(notes, "no .eml from mailsalvage: "+filepath.Base(r.file))
			continue
		}
		if len(r.theirs) == 0 {
			theyFail++
			notes = append(notes, "msgconvert failed, mailsalvage wrote "+filepath.Base(mine))
			continue
		}
		n++
		mb, _ := os.ReadFile(mine)
		a, _ := facts(mb)
		b, _ := facts(r.theirs)
		check := func(what string, same bool, detail string) {
			if same {
				agree[what]++
			} else {
				notes = append(notes, fmt.Sprintf("%s: %s differs: %s", filepath.Base(r.file), what, detail))
			}
		}
		// where msgconvert writes what it cannot decode (8-bit bytes in a
		// header, UTF-8 read as Latin-1, the time of the run for an item
		// without a date), there is nothing to compare
		if !utf8.ValidString(b.subject) {
			skipped["subject"]++
		} else {
			check("subject", a.subject == b.subject, fmt.Sprintf("%q vs %q", a.subject, b.subject))
		}
		check("from", b.from == "" || a.from == b.from, fmt.Sprintf("%q vs %q", a.from, b.from))
		check("to", subset(b.to, a.to), fmt.Sprintf("%v vs %v", a.to, b.to))
		check("cc", subset(b.cc, a.cc), fmt.Sprintf("%v vs %v", a.cc, b.cc))
		if time.Since(b.date).Abs() < time.Hour {
			skipped["date"]++
		} else {
			// which property gives the date of an unsent item differs
			// (delivery, creation or modification time): same day
			check("date", b.date.IsZero() || a.date.Sub(b.date).Abs() <= 24*time.Hour, fmt.Sprintf("%v vs %v", a.date, b.date))
		}
		if mojibake.MatchString(b.text) {
			skipped["body"]++
		} else {
			check("body", sameWords(a.text, b.text), fmt.Sprintf("%.80q vs %.80q", a.text, b.text))
		}
		check("attachments", subset(b.attachments, a.attachments), fmt.Sprintf("%v vs %v", a.attachments, b.attachments))
	}
	t.Logf("%d files: msgconvert converted %d, failed on %d; mailsalvage wrote no .eml for %d", len(files), n, theyFail, weMiss)
	for _, k := range []string{"subject", "from", "to", "cc", "date", "body", "attachments"} {
		t.Logf("%-11s agree on %d/%d (%d not comparable: msgconvert's value is not decodable)", k, agree[k], n-skipped[k], skipped[k])
	}
	for _, s := range notes {
		t.Log(s)
	}
	if weMiss > 0 {
		t.Errorf("mailsalvage wrote no .eml for %d .msg files", weMiss)
	}
	for _, k := range []string{"subject", "from", "to", "cc", "date", "attachments", "body"} {
		if m := n - skipped[k]; agree[k] < m*98/100 {
			t.Errorf("%s agrees on only %d/%d", k, agree[k], m)
		}
	}
}

// subset reports whether every element of a is in b.
func subset(a, b []string) bool {
	have := map[string]int{}
	for _, s := range b {
		have[s]++
	}
	for _, s := range a {
		if have[s] == 0 {
			return false
		}
		have[s]--
	}
	return true
}

// sameWords reports whether the first words of b's text appear in a's,
// allowing for different wrapping and a few rendering differences.
func sameWords(a, b string) bool {
	bw := strings.Fields(b)
	if len(bw) == 0 {
		return true
	}
	if len(bw) > 60 {
		bw = bw[:60]
	}
	have := map[string]bool{}
	for _, w := range strings.Fields(a) {
		have[w] = true
	}
	hit := 0
	for _, w := range bw {
		if have[w] {
			hit++
		}
	}
	return hit*10 >= len(bw)*9
}
