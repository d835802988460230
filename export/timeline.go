package export

import (
	"bufio"
	"container/heap"
	"encoding/csv"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"time"
)

// timeline.csv: one row per provenance line with date, from, to, subject,
// state and file, sorted by date (as an instant, whatever the zone each
// date was written in; rows with no date last) and then by file, then in
// log order. Dates are RFC 3339 as the message gave them. Values are
// written as they are: a subject that starts with "=" is not altered to
// keep a spreadsheet from reading it as a formula.
//
// More rows than fit one sort run are sorted in runs spilled to temporary
// files in OUT and merged, so memory stays bounded.

var timelineHeader = []string{"date", "from", "to", "subject", "state", "file"}

type tlRow struct {
	t      int64 // Unix nanoseconds; noDate when the date is unknown
	seq    int64
	fields []string
}

const noDate = int64(^uint64(0) >> 1)

func tlLess(a, b *tlRow) int {
	if a.t != b.t {
		if a.t < b.t {
			return -1
		}
		return 1
	}
	if a.fields[5] != b.fields[5] {
		if a.fields[5] < b.fields[5] {
			return -1
		}
		return 1
	}
	if a.seq < b.seq {
		return -1
	}
	if a.seq > b.seq {
		return 1
	}
	return 0
}

type timeline struct {
	out   string
	run   int
	rows  []*tlRow
	seq   int64
	spill []string // sorted run files
}

func newTimeline(out string, run int) (*timeline, error) {
	return &timeline{out: out, run: run}, nil
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
	t.rows = append(t.rows, &tlRow{t: ts, seq: t.seq, fields: []string{r.Date, r.From, r.To, r.Subject, string(r.State), r.File}})
	if len(t.rows) >= t.run {
		return t.spillRun()
	}
	return nil
}

// spillRun sorts the rows held and writes them to a run file: the key
// (time, sequence) then the fields.
func (t *timeline) spillRun() error {
	slices.SortFunc(t.rows, tlLess)
	f, err := os.CreateTemp(t.out, ".timeline-run-*")
	if err != nil {
		return err
	}
	t.spill = append(t.spill, f.Name())
	bw := bufio.NewWriterSize(f, 256<<10)
	w := csv.NewWriter(bw)
	for _, r := range t.rows {
		w.Write(append([]string{strconv.FormatInt(r.t, 10), strconv.FormatInt(r.seq, 10)}, r.fields...))
	}
	w.Flush()
	err = w.Error()
	if err == nil {
		err = bw.Flush()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	t.rows = t.rows[:0]
	return err
}

// runReader yields the rows of one run file in order.
type runReader struct {
	f   *os.File
	r   *csv.Reader
	cur *tlRow
}

func (rr *runReader) next() error {
	rec, err := rr.r.Read()
	if err != nil {
		rr.cur = nil
		if err == io.EOF {
			return nil
		}
		return err
	}
	ts, _ := strconv.ParseInt(rec[0], 10, 64)
	seq, _ := strconv.ParseInt(rec[1], 10, 64)
	rr.cur = &tlRow{t: ts, seq: seq, fields: rec[2:]}
	return nil
}

type runHeap []*runReader

func (h runHeap) Len() int           { return len(h) }
func (h runHeap) Less(i, j int) bool { return tlLess(h[i].cur, h[j].cur) < 0 }
func (h runHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *runHeap) Push(x any)        { *h = append(*h, x.(*runReader)) }
func (h *runHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}

func (t *timeline) finish() error {
	defer t.removeRuns()
	f, err := createAtomic(filepath.Join(t.out, TimelineFile))
	if err != nil {
		return err
	}
	w := csv.NewWriter(f.w)
	w.Write(timelineHeader)
	if len(t.spill) == 0 {
		slices.SortFunc(t.rows, tlLess)
		for _, r := range t.rows {
			w.Write(r.fields)
		}
	} else {
		if len(t.rows) > 0 {
			if err := t.spillRun(); err != nil {
				f.abort()
				return err
			}
		}
		if err := t.merge(w); err != nil {
			f.abort()
			return err
		}
	}
	t.rows = nil
	w.Flush()
	if err := w.Error(); err != nil {
		f.abort()
		return err
	}
	return f.commit()
}

func (t *timeline) merge(w *csv.Writer) error {
	var h runHeap
	defer func() {
		for _, rr := range h {
			rr.f.Close()
		}
	}()
	for _, name := range t.spill {
		f, err := os.Open(name)
		if err != nil {
			return err
		}
		rr := &runReader{f: f, r: csv.NewReader(bufio.NewReaderSize(f, 64<<10))}
		rr.r.ReuseRecord = false
		if err := rr.next(); err != nil {
			f.Close()
			return err
		}
		if rr.cur == nil {
			f.Close()
			continue
		}
		h = append(h, rr)
	}
	heap.Init(&h)
	for h.Len() > 0 {
		rr := h[0]
		if err := w.Write(rr.cur.fields); err != nil {
			return err
		}
		if err := rr.next(); err != nil {
			return err
		}
		if rr.cur == nil {
			rr.f.Close()
			heap.Pop(&h)
		} else {
			heap.Fix(&h, 0)
		}
	}
	return nil
}

func (t *timeline) removeRuns() {
	for _, name := range t.spill {
		os.Remove(name)
	}
	t.spill = nil
}

func (t *timeline) abort() {
	t.removeRuns()
	t.rows = nil
}
