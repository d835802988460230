package export

import (
	"bytes"
	"encoding/csv"
	"os"
	"path/filepath"
	"testing"
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
		left, _ := filepath.Glob(filepath.Join(r.out, ".timeline-run-*"))
		if len(left) > 0 {
			t.Errorf("run files left: %v", left)
		}
	}
}
