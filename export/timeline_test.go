package export

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"testing"
	"time"

	"github.com/mailsalvage/mailsalvage/formats"
)

func readTimeline(t *testing.T, out string) [][]string {
	t.Helper()
	f, err := os.Open(filepath.Join(out, TimelineFile))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

func TestTimeline(t *testing.T) {
	r := newImageRun(t)
	rows := readTimeline(t, r.out)
	if len(rows) != 8 {
		t.Fatalf("%d rows", len(rows))
	}
	if got := rows[0]; len(got) != 6 || got[0] != "date" || got[5] != "file" {
		t.Errorf("header %q", got)
	}
	// by instant: the mbox message (-0500) is before the loose one
	// (+0100) though its local date is a day earlier; the two copies of
	// the loose one share a file and keep log order; no date last
	want := []string{"in the mbox", "loose one", "loose one", hostileSubject, "pst intact", "utf16", "fragments"}
	for i, w := range want {
		if rows[i+1][3] != w {
			t.Errorf("row %d: %q, want subject %q", i+1, rows[i+1], w)
		}
	}
	if rows[1][0] != "2018-12-31T23:30:00-05:00" || rows[7][0] != "" {
		t.Errorf("dates %q, %q", rows[1][0], rows[7][0])
	}
	if rows[2][5] != rows[3][5] || rows[2][4] != "carved" {
		t.Errorf("duplicates %q %q", rows[2], rows[3])
	}
}

// Sorting in spilled runs gives the same file as sorting in memory.
func TestTimelineSpill(t *testing.T) {
	r := newImageRun(t)
	mem, _ := os.ReadFile(filepath.Join(r.out, TimelineFile))
	for _, run := range []int{1, 2, 3} {
		if err := WriteReports(r.out, ReportOptions{SortRun: run}); err != nil {
			t.Fatal(err)
		}
		got, _ := os.ReadFile(filepath.Join(r.out, TimelineFile))
		if !bytes.Equal(got, mem) {
			t.Errorf("runs of %d:\n%s\nin memory:\n%s", run, got, mem)
		}
		left, _ := filepath.Glob(filepath.Join(r.out, ".timeline-*"))
		if len(left) > 0 {
			t.Errorf("run files left: %v", left)
		}
	}
}

// A log of many rows gives the same timeline sorted in memory, in runs
// of every size (with more runs than are merged at once) and by a plain
// sort of the rows; run files are removed.
func TestTimelineManyRuns(t *testing.T) {
	out := t.TempDir()
	os.WriteFile(filepath.Join(out, SummaryFile), []byte(`{"tool":"mailsalvage","inputs":[{"path":"/img"}]}`), 0o644)
	var log bytes.Buffer
	type row struct {
		t    int64
		seq  int
		line []string
	}
	var want []row
	for i := 0; i < 500; i++ {
		date := ""
		switch i % 5 {
		case 1:
			date = fmt.Sprintf("2019-01-%02dT10:00:00+01:00", 1+i%3)
		case 2:
			date = fmt.Sprintf("2019-01-%02dT09:00:00Z", 1+i%3) // the same instant as case 1
		case 3:
			date = "not a date"
		case 4:
			date = fmt.Sprintf("2018-12-31T23:%02d:00-05:00", i%60)
		}
		rec := Record{File: fmt.Sprintf("messages/f%d.eml", i%7), Date: date, From: fmt.Sprintf("a,\"b\" %d", i),
			To: "x\ny", Subject: fmt.Sprintf("=s%d", i), State: formats.Carved, Source: Evidence{Path: "/img"}, Warnings: []string{}}
		b, _ := json.Marshal(rec)
		log.Write(append(b, '\n'))
		ts := noDate
		if d, err := time.Parse(time.RFC3339, date); err == nil {
			ts = d.UnixNano()
		}
		want = append(want, row{ts, i, []string{rec.Date, rec.From, rec.To, rec.Subject, string(rec.State), rec.File}})
	}
	os.WriteFile(filepath.Join(out, ProvenanceFile), log.Bytes(), 0o644)
	sort.SliceStable(want, func(i, j int) bool {
		a, b := want[i], want[j]
		if a.t != b.t {
			return a.t < b.t
		}
		return a.line[5] < b.line[5]
	})
	var exp bytes.Buffer
	w := csv.NewWriter(&exp)
	w.Write(timelineHeader)
	for _, r := range want {
		w.Write(r.line)
	}
	w.Flush()
	for _, run := range []int{0, 1, 3, 499, 500, 501} {
		if err := WriteReports(out, ReportOptions{SortRun: run}); err != nil {
			t.Fatal(err)
		}
		got, _ := os.ReadFile(filepath.Join(out, TimelineFile))
		if !bytes.Equal(got, exp.Bytes()) {
			t.Errorf("runs of %d: timeline differs from a plain sort", run)
		}
		if left, _ := filepath.Glob(filepath.Join(out, ".timeline-*")); len(left) > 0 {
			t.Errorf("runs of %d: run files left: %v", run, left)
		}
	}
}
