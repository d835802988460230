package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/mailsalvage/mailsalvage/export"
	"github.com/mailsalvage/mailsalvage/formats/mapi"
	"github.com/mailsalvage/mailsalvage/internal/synth"
)

// carvedImage writes a disk image to carve: loose messages among clusters
// of other data (some truncated, some fragmented), with a Thunderbird
// mbox (some messages flagged deleted) and a PST laid over clusters of
// it, as a disk holds files.
func carvedImage(t *testing.T) string {
	t.Helper()
	g := synth.NewGen(11)
	var msgs [][]byte
	for i := 0; i < 220; i++ {
		msgs = append(msgs, g.Next().Bytes)
	}
	img, _ := synth.Image(synth.ImageOptions{Size: 3 << 20, Seed: 5}, msgs)
	var mb []synth.Message
	for i := 0; i < 24; i++ {
		mb = append(mb, g.Next())
	}
	mbox, _ := synth.Mbox(mb, synth.MboxOptions{Style: synth.Thunderbird, Deleted: func(i int) bool { return i%4 == 1 }})
	pst, err := synth.PST(synth.PSTStore{DisplayName: "Mail", Folders: []*synth.PSTFolder{
		{Name: "Inbox", Class: "IPF.Note", Messages: []*mapi.Message{synth.OutlookNote(g), synth.OutlookNote(g), synth.OutlookNote(g)}},
	}})
	if err != nil {
		t.Fatal(err)
	}
	// whole clusters, as a file system places files
	const cluster = 2048
	at := func(frac float64) int { return int(float64(len(img))*frac) / cluster * cluster }
	copy(img[at(0.55):], mbox)
	copy(img[at(0.8):], pst)
	p := filepath.Join(t.TempDir(), "disk.img")
	if err := os.WriteFile(p, img, 0o444); err != nil {
		t.Fatal(err)
	}
	return p
}

// carveRun carves the image into a new OUT and returns OUT and its
// provenance.
func carveRun(t *testing.T) (string, []export.Record) {
	t.Helper()
	img := carvedImage(t)
	out := filepath.Join(t.TempDir(), "out")
	if code, _, stderr := runCmd(t, "carve", img, "-o", out, "-q"); code != exitOK {
		t.Fatalf("carve: exit %d: %s", code, stderr)
	}
	return out, provenance(t, out)
}

func TestReportFilesAfterCarve(t *testing.T) {
	out, recs := carveRun(t)
	states := map[string]int{}
	imageHops := 0
	for _, r := range recs {
		states[string(r.State)]++
		if len(r.Chain) > 0 && r.Chain[0].Format == "image" {
			imageHops++
		}
	}
	t.Logf("%d messages carved: %v", len(recs), states)
	if len(recs) < 150 || imageHops != len(recs) || states["carved"] == 0 || states["deleted"] == 0 {
		t.Fatalf("the carve is not what this test needs: %d messages, %d with image hops, %v", len(recs), imageHops, states)
	}
	for _, f := range []string{export.ReportFile, export.DFXMLFile, export.TimelineFile} {
		if info, err := os.Stat(filepath.Join(out, f)); err != nil || info.Size() == 0 {
			t.Errorf("%s: %v", f, err)
		}
	}
	// report regenerates them the same
	before, _ := os.ReadFile(filepath.Join(out, export.TimelineFile))
	os.Remove(filepath.Join(out, export.TimelineFile))
	if code, _, stderr := runCmd(t, "report", out); code != exitOK {
		t.Fatalf("report: exit %d: %s", code, stderr)
	}
	after, _ := os.ReadFile(filepath.Join(out, export.TimelineFile))
	if string(before) != string(after) {
		t.Error("report wrote a different timeline.csv")
	}
	if code, _, _ := runCmd(t, "report", t.TempDir()); code != exitUsage {
		t.Errorf("report of an empty folder: exit %d", code)
	}
}

func TestVerifyCommand(t *testing.T) {
	out := filepath.Join(t.TempDir(), "out")
	if code, _, stderr := runCmd(t, "recover", demoDir, "-o", out, "-q"); code != exitOK {
		t.Fatalf("recover: exit %d: %s", code, stderr)
	}
	code, stdout, stderr := runCmd(t, "verify", out)
	if code != exitOK || !strings.HasPrefix(stdout, "OK: ") {
		t.Fatalf("clean run: exit %d\n%s%s", code, stdout, stderr)
	}
	recs := provenance(t, out)
	changed, missing := recs[0].File, recs[1].File
	os.WriteFile(filepath.Join(out, changed), []byte("changed\n"), 0o644)
	os.Remove(filepath.Join(out, missing))
	os.WriteFile(filepath.Join(out, "messages", "extra.eml"), []byte("extra\n"), 0o644)
	code, stdout, _ = runCmd(t, "verify", out)
	if code != exitMismatch {
		t.Errorf("tampered: exit %d", code)
	}
	for _, want := range []string{"CHANGED  " + changed, "MISSING  " + missing, "EXTRA    messages/extra.eml", "MISMATCH: "} {
		if !strings.Contains(stdout, want) {
			t.Errorf("output lacks %q:\n%s", want, stdout)
		}
	}
	code, stdout, _ = runCmd(t, "verify", "--json", out)
	var res struct {
		Clean   bool `json:"clean"`
		Changed []struct {
			File string `json:"file"`
		} `json:"changed"`
		Missing []string `json:"missing"`
		Extra   []string `json:"extra"`
	}
	if err := json.Unmarshal([]byte(stdout), &res); err != nil {
		t.Fatalf("--json: %v\n%s", err, stdout)
	}
	if code != exitMismatch || res.Clean || len(res.Changed) != 1 || res.Changed[0].File != changed ||
		len(res.Missing) != 1 || res.Missing[0] != missing || len(res.Extra) != 1 {
		t.Errorf("--json: exit %d, %+v", code, res)
	}
	if code, _, stderr := runCmd(t, "verify", t.TempDir()); code != exitMismatch || !strings.Contains(stderr, "provenance.jsonl") {
		t.Errorf("not an output folder: exit %d, %s", code, stderr)
	}
}

// chromium returns the headless browser, skipping the test without one.
func chromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	t.Skip("chromium not installed (Debian package chromium)")
	return ""
}

func runChromium(t *testing.T, browser string, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute) // a hung browser, not a speed check
	defer cancel()
	base := []string{"--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
		"--user-data-dir=" + t.TempDir(), "--virtual-time-budget=10000", "--hide-scrollbars"}
	cmd := exec.CommandContext(ctx, browser, append(base, args...)...)
	cmd.Env = append(os.Environ(), "HOME="+t.TempDir())
	var stderr strings.Builder
	cmd.Stderr = &stderr
	b, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s: %v\n%s", browser, err, stderr.String())
	}
	return string(b)
}

var (
	countRe = regexp.MustCompile(`id="count"[^>]*data-shown="(\d+)"[^>]*data-total="(\d+)"|id="count"[^>]*data-total="(\d+)"[^>]*data-shown="(\d+)"`)
	rowRe   = regexp.MustCompile(`<tr class="msg[^"]*" data-state="(\w+)"`)
)

// pageState returns what a loaded report shows: the filtered count, the
// total and the states of the rows on the page.
func pageState(t *testing.T, dom string) (shown, total int, rows []string) {
	t.Helper()
	if !strings.Contains(dom, `data-ready="1"`) {
		t.Fatalf("the page's script did not finish:\n%.2000s", dom)
	}
	m := countRe.FindStringSubmatch(dom)
	if m == nil {
		t.Fatal("no count in the page")
	}
	if m[1] != "" {
		shown, _ = strconv.Atoi(m[1])
		total, _ = strconv.Atoi(m[2])
	} else {
		total, _ = strconv.Atoi(m[3])
		shown, _ = strconv.Atoi(m[4])
	}
	for _, r := range rowRe.FindAllStringSubmatch(dom, -1) {
		rows = append(rows, r[1])
	}
	return
}

// The must-show: report.html of a carved disk image, loaded in headless
// Chromium: the table lists every message, filtering by state through
// the URL works, and a screenshot with the byte map is kept.
func TestReportInChromium(t *testing.T) {
	browser := chromium(t)
	out, recs := carveRun(t)
	page, _ := filepath.Abs(filepath.Join(out, export.ReportFile))
	u := (&url.URL{Scheme: "file", Path: page}).String()
	byState := map[string]int{}
	for _, r := range recs {
		byState[string(r.State)]++
	}

	shown, total, rows := pageState(t, runChromium(t, browser, "--dump-dom", u))
	if total != len(recs) || shown != len(recs) {
		t.Errorf("page counts %d of %d, provenance has %d lines", shown, total, len(recs))
	}
	if len(rows) != min(len(recs), 100) {
		t.Errorf("%d table rows on the first page, want %d", len(rows), min(len(recs), 100))
	}
	// the byte map: a mark per run of each message located in the image
	// (a reassembled message has one per fragment), and the containers
	located, contained := 0, map[string]bool{}
	for _, r := range recs {
		loc, ok := export.Locate(&r)
		switch {
		case ok && loc.Whole:
			located += len(loc.Runs)
		case ok:
			contained[fmt.Sprint(loc.Runs[0])] = true
		}
	}
	m := regexp.MustCompile(`<canvas[^>]*data-marks="(\d+)" data-containers="(\d+)"`).FindStringSubmatch(runChromium(t, browser, "--dump-dom", u))
	if m == nil || m[1] != strconv.Itoa(located) || m[2] != strconv.Itoa(len(contained)) || located == 0 {
		t.Errorf("byte map drew %q; %d messages and %d containers are located", m, located, len(contained))
	}
	for _, st := range []string{"deleted", "carved", "partial"} {
		if byState[st] == 0 {
			continue
		}
		shown, total, rows := pageState(t, runChromium(t, browser, "--dump-dom", u+"#state="+st))
		if shown != byState[st] || total != len(recs) {
			t.Errorf("#state=%s: %d of %d shown, want %d", st, shown, total, byState[st])
		}
		if len(rows) != min(byState[st], 100) {
			t.Errorf("#state=%s: %d rows", st, len(rows))
		}
		for _, r := range rows {
			if r != st {
				t.Errorf("#state=%s shows a %s row", st, r)
				break
			}
		}
	}
	// a search through the URL too: one message by its file name
	name := filepath.Base(recs[0].File)
	if shown, _, _ := pageState(t, runChromium(t, browser, "--dump-dom", u+"#q="+url.QueryEscape(name))); shown < 1 || shown > 2 {
		t.Errorf("#q=%s: %d shown", name, shown)
	}

	dir := os.Getenv("MAILSALVAGE_ARTIFACTS")
	if dir == "" {
		dir = filepath.Join("..", "..", ".ci", "artifacts")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	shot, _ := filepath.Abs(filepath.Join(dir, "report-carved-image.png"))
	os.Remove(shot)
	runChromium(t, browser, "--screenshot="+shot, "--window-size=1440,1500", u)
	info, err := os.Stat(shot)
	if err != nil || info.Size() < 10_000 {
		t.Fatalf("screenshot %s: %v", shot, err)
	}
	t.Logf("screenshot: %s", shot)
}
