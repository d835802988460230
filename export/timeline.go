package export

import (
	"bytes"
	"encoding/binary"
	"encoding/csv"
	"path/filepath"
	"time"
)

// timeline.csv: one row per provenance line with date, from, to, subject,
// state and file, sorted by date (as an instant, whatever the zone each
// date was written in; rows with no date last) and then by file, then in
// log order. Dates are RFC 3339 as the message gave them. Values are
// written as they are: a subject that starts with "=" is not altered to
// keep a spreadsheet from reading it as a formula.
//
// Rows go through a keySorter (extsort.go), the one Verify uses: the key
// is the instant, eight bytes that sort as the signed number does, then
// the file; the value the CSV line. More rows than it holds
// (ReportOptions.SortRun rows, or sortMemory bytes) are sorted in runs
// spilled to a temporary folder in OUT and merged, so memory stays
// bounded.

var timelineHeader = []string{"date", "from", "to", "subject", "state", "file"}

const noDate = int64(^uint64(0) >> 1)

type timeline struct {
	sorter  *keySorter
	seq     int64
	key     []byte
	csv     *csv.Writer
	fields  [6]string
	scratch bytes.Buffer
	out     string
}

func newTimeline(out string, run int) (*timeline, error) {
	t := &timeline{out: out, sorter: newKeySorter(out, ".timeline-sort-", run)}
	t.csv = csv.NewWriter(&t.scratch)
	return t, nil
}

// timelineKey is the sort key of a row: its instant (Unix nanoseconds,
// noDate when unknown) with the sign bit flipped, big-endian, so that
// the bytes sort as the number does, then its file.
func timelineKey(b []byte, ts int64, file string) []byte {
	b = binary.BigEndian.AppendUint64(b[:0], uint64(ts)^1<<63)
	return append(b, file...)
}

func (t *timeline) add(l *ProvLine) error {
	r := &l.Record
	ts := noDate
	if r.Date != "" {
		if d, err := time.Parse(time.RFC3339, r.Date); err == nil {
			ts = d.UnixNano()
		}
	}
	t.seq++
	t.fields = [6]string{r.Date, r.From, r.To, r.Subject, string(r.State), r.File}
	t.scratch.Reset()
	t.csv.Write(t.fields[:])
	t.csv.Flush()
	if err := t.csv.Error(); err != nil {
		return err
	}
	t.key = timelineKey(t.key, ts, r.File)
	return t.sorter.add(string(t.key), t.seq, bytes.Clone(t.scratch.Bytes()))
}

func (t *timeline) finish() error {
	defer t.sorter.close()
	f, err := createAtomic(filepath.Join(t.out, TimelineFile))
	if err != nil {
		return err
	}
	w := csv.NewWriter(f.w)
	w.Write(timelineHeader)
	w.Flush()
	if err := t.sorter.each(func(r sortRec) error {
		_, err := f.w.Write(r.val)
		return err
	}); err != nil {
		f.abort()
		return err
	}
	return f.commit()
}

func (t *timeline) abort() { t.sorter.close() }
