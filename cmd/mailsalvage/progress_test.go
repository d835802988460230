package main

import (
	"encoding/json"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/mailsalvage/mailsalvage/export"
)

// With --progress always the bar is drawn on stderr (a buffer here, so
// auto would draw nothing): it names the input and ends with the count
// of messages found by state; the table follows; --json puts
// summary.json on stdout.
func TestRecoverProgressTableJSON(t *testing.T) {
	out := filepath.Join(t.TempDir(), "out")
	code, stdout, stderr := runCmd(t, "recover", demoDir, "-o", out, "--progress", "always", "--json")
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var s export.Summary
	if err := json.Unmarshal([]byte(stdout), &s); err != nil {
		t.Fatalf("stdout is not summary.json: %v\n%s", err, stdout)
	}
	n := s.Totals.Messages
	if n == 0 || len(s.Inputs) != 1 {
		t.Fatalf("summary: %d messages, %d inputs", n, len(s.Inputs))
	}
	// the bar's last state: every message found, by state, and 100%
	last := stderr[strings.LastIndex(stderr[:strings.Index(stderr, "INPUT")], "\r")+1:]
	in := s.Inputs[0]
	want := "demo: " + strconv.Itoa(n) + " messages" + stateList(in.ByState)
	if !strings.Contains(last, want) || !strings.Contains(last, "100%") {
		t.Errorf("last bar %q does not show %q at 100%%", last, want)
	}
	// the table: a header and the input's row with its counts
	var row []string
	for _, line := range strings.Split(stderr, "\n") {
		if f := strings.Fields(line); len(f) > 2 && f[0] == demoDir {
			row = f
		}
	}
	if len(row) < 9 || row[1] != in.Format || row[2] != strconv.Itoa(n) || row[3] != strconv.Itoa(in.ByState["intact"]) {
		t.Errorf("table row %q does not match the summary (%s, %d messages, %d intact)", row, in.Format, n, in.ByState["intact"])
	}
}

// Without a terminal, auto draws no bar, and --quiet prints nothing.
func TestRecoverNoBar(t *testing.T) {
	out := filepath.Join(t.TempDir(), "out")
	code, _, stderr := runCmd(t, "recover", demoDir, "-o", out)
	if code != exitOK || strings.Contains(stderr, "\r") || strings.Contains(stderr, "%|") {
		t.Errorf("exit %d; a bar on a non-terminal: %q", code, stderr)
	}
	out = filepath.Join(t.TempDir(), "out")
	if code, stdout, stderr := runCmd(t, "recover", demoDir, "-o", out, "-q"); code != exitOK || stderr != "" || stdout != "" {
		t.Errorf("--quiet: exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
	if code, _, _ := runCmd(t, "recover", demoDir, "-o", out, "--progress", "sometimes"); code != exitUsage {
		t.Errorf("--progress sometimes: exit %d, want %d", code, exitUsage)
	}
}
