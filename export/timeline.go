package export

import (
	"bufio"
	"bytes"
	"container/heap"
	"encoding/binary"
	"encoding/csv"
	"errors"
	"io"
	"os"
	"path/filepath"
	"slices"
	"time"
)

// timeline.csv: one row per provenance line with date, from, to, subject,
// state and file, sorted by date (as an instant, whatever the zone each
// date was written in; rows with no date last) and then by file, then in
// log order. Dates are RFC 3339 as the message gave them. Values are
// written as they are: a subject that starts with "=" is not altered to
// keep a spreadsheet from reading it as a formula.
//
// Rows are held as their CSV line in one byte arena with a small fixed
// key each (no pointers for the garbage collector to follow). More rows
// than fit one sort run (ReportOptions.SortRun rows, or tlRunBytes of
// lines) are sorted in runs spilled to temporary files in OUT and merged,
// so memory stays bounded; past tlMaxRuns runs, the runs are merged into
// one first.

var timelineHeader = []string{"date", "from", "to", "subject", "state", "file"}

const (
	tlRunBytes = 8 << 20 // arena bytes of one sort run
	tlMaxRuns  = 64      // run files merged at once
)

// tlRow is the sort key of one row and where its bytes are in the arena:
// the file field, then the CSV line.
type tlRow struct {
	t       int64 // Unix nanoseconds; noDate when the date is unknown
	seq     int64
	off     uint32 // file field at arena[off:off+fileLen]
	fileLen uint32
	lineLen uint32 // CSV line right after the file field
}

const noDate = int64(^uint64(0) >> 1)

// tlCompare orders rows: by instant, file, log order.
func tlCompare(at, bt int64, afile, bfile []byte, aseq, bseq int64) int {
	if at != bt {
		if at < bt {
			return -1
		}
		return 1
	}
	if c := bytes.Compare(afile, bfile); c != 0 {
		return c
	}
	if aseq < bseq {
		return -1
	}
	if aseq > bseq {
		return 1
	}
	return 0
}

type timeline struct {
	out     string
	run     int
	rows    []tlRow
	arena   []byte
	seq     int64
	spill   []string // sorted run files
	csv     *csv.Writer
	fields  [6]string
	scratch bytes.Buffer
}

func newTimeline(out string, run int) (*timeline, error) {
	t := &timeline{out: out, run: run}
	t.csv = csv.NewWriter(&t.scratch)
	return t, nil
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
	line := t.scratch.Bytes()
	if len(t.arena)+len(r.File)+len(line) > 1<<32-1 {
		// one row larger than the arena can address (4 GiB of
		// subject): it cannot be; refuse rather than wrap
		return errors.New("timeline row too large")
	}
	if len(t.rows) > 0 && len(t.arena)+len(r.File)+len(line) > tlRunBytes {
		if err := t.spillRun(); err != nil {
			return err
		}
	}
	t.rows = append(t.rows, tlRow{t: ts, seq: t.seq, off: uint32(len(t.arena)), fileLen: uint32(len(r.File)), lineLen: uint32(len(line))})
	t.arena = append(t.arena, r.File...)
	t.arena = append(t.arena, line...)
	if len(t.rows) >= t.run {
		return t.spillRun()
	}
	return nil
}

func (t *timeline) file(r *tlRow) []byte { return t.arena[r.off : r.off+r.fileLen] }

func (t *timeline) line(r *tlRow) []byte {
	s := r.off + r.fileLen
	return t.arena[s : s+r.lineLen]
}

func (t *timeline) sort() {
	slices.SortFunc(t.rows, func(a, b tlRow) int {
		return tlCompare(a.t, b.t, t.file(&a), t.file(&b), a.seq, b.seq)
	})
}

// runWriter writes rows to a run file: time, sequence, file, line.
type runWriter struct {
	f   *os.File
	w   *bufio.Writer
	buf []byte
}

func (t *timeline) newRun() (*runWriter, error) {
	f, err := os.CreateTemp(t.out, ".timeline-run-*")
	if err != nil {
		return nil, err
	}
	t.spill = append(t.spill, f.Name())
	return &runWriter{f: f, w: bufio.NewWriterSize(f, 256<<10)}, nil
}

func (w *runWriter) write(ts, seq int64, file, line []byte) error {
	b := binary.LittleEndian.AppendUint64(w.buf[:0], uint64(ts))
	b = binary.LittleEndian.AppendUint64(b, uint64(seq))
	b = binary.AppendUvarint(b, uint64(len(file)))
	b = binary.AppendUvarint(b, uint64(len(line)))
	w.buf = b
	w.w.Write(b)
	w.w.Write(file)
	_, err := w.w.Write(line)
	return err
}

func (w *runWriter) close() error {
	err := w.w.Flush()
	if cerr := w.f.Close(); err == nil {
		err = cerr
	}
	return err
}

// spillRun sorts the rows held and writes them to a run file.
func (t *timeline) spillRun() error {
	if len(t.spill) >= tlMaxRuns {
		if err := t.mergeRuns(); err != nil {
			return err
		}
	}
	t.sort()
	w, err := t.newRun()
	if err != nil {
		return err
	}
	for i := range t.rows {
		r := &t.rows[i]
		if err := w.write(r.t, r.seq, t.file(r), t.line(r)); err != nil {
			break
		}
	}
	err = w.close()
	t.rows = t.rows[:0]
	t.arena = t.arena[:0]
	return err
}

// mergeRuns merges the run files into one.
func (t *timeline) mergeRuns() error {
	runs := t.spill
	t.spill = nil
	defer func() {
		for _, name := range runs {
			os.Remove(name)
		}
	}()
	w, err := t.newRun()
	if err != nil {
		return err
	}
	err = merge(runs, func(rr *runReader) error {
		return w.write(rr.t, rr.seq, rr.file, rr.line)
	})
	if cerr := w.close(); err == nil {
		err = cerr
	}
	return err
}

// runReader yields the rows of one run file in order.
type runReader struct {
	f    *os.File
	r    *bufio.Reader
	ok   bool
	t    int64
	seq  int64
	file []byte
	line []byte
	buf  []byte
}

var errRun = errors.New("timeline: damaged run file")

func (rr *runReader) next() error {
	var head [16]byte
	if _, err := io.ReadFull(rr.r, head[:]); err != nil {
		rr.ok = false
		if err == io.EOF {
			return nil
		}
		return err
	}
	rr.t = int64(binary.LittleEndian.Uint64(head[:8]))
	rr.seq = int64(binary.LittleEndian.Uint64(head[8:]))
	nf, err := binary.ReadUvarint(rr.r)
	if err != nil {
		return errRun
	}
	nl, err := binary.ReadUvarint(rr.r)
	if err != nil || nf > 1<<32 || nl > 1<<32 {
		return errRun
	}
	n := int(nf + nl)
	if cap(rr.buf) < n {
		rr.buf = make([]byte, n)
	}
	rr.buf = rr.buf[:n]
	if _, err := io.ReadFull(rr.r, rr.buf); err != nil {
		return errRun
	}
	rr.file, rr.line = rr.buf[:nf], rr.buf[nf:]
	rr.ok = true
	return nil
}

type runHeap []*runReader

func (h runHeap) Len() int { return len(h) }
func (h runHeap) Less(i, j int) bool {
	return tlCompare(h[i].t, h[j].t, h[i].file, h[j].file, h[i].seq, h[j].seq) < 0
}
func (h runHeap) Swap(i, j int) { h[i], h[j] = h[j], h[i] }
func (h *runHeap) Push(x any)   { *h = append(*h, x.(*runReader)) }
func (h *runHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}

// merge calls emit with the rows of the run files in order.
func merge(names []string, emit func(*runReader) error) error {
	var h runHeap
	defer func() {
		for _, rr := range h {
			rr.f.Close()
		}
	}()
	for _, name := range names {
		f, err := os.Open(name)
		if err != nil {
			return err
		}
		rr := &runReader{f: f, r: bufio.NewReaderSize(f, 64<<10)}
		if err := rr.next(); err != nil {
			f.Close()
			return err
		}
		if !rr.ok {
			f.Close()
			continue
		}
		h = append(h, rr)
	}
	heap.Init(&h)
	for h.Len() > 0 {
		rr := h[0]
		if err := emit(rr); err != nil {
			return err
		}
		if err := rr.next(); err != nil {
			return err
		}
		if !rr.ok {
			rr.f.Close()
			heap.Pop(&h)
		} else {
			heap.Fix(&h, 0)
		}
	}
	return nil
}

func (t *timeline) finish() error {
	defer t.removeRuns()
	f, err := createAtomic(filepath.Join(t.out, TimelineFile))
	if err != nil {
		return err
	}
	w := csv.NewWriter(f.w)
	w.Write(timelineHeader)
	w.Flush()
	if len(t.spill) == 0 {
		t.sort()
		for i := range t.rows {
			f.w.Write(t.line(&t.rows[i]))
		}
	} else {
		if len(t.rows) > 0 {
			if err := t.spillRun(); err != nil {
				f.abort()
				return err
			}
		}
		if err := merge(t.spill, func(rr *runReader) error {
			_, err := f.w.Write(rr.line)
			return err
		}); err != nil {
			f.abort()
			return err
		}
	}
	t.rows, t.arena = nil, nil
	return f.commit()
}

func (t *timeline) removeRuns() {
	for _, name := range t.spill {
		os.Remove(name)
	}
	t.spill = nil
}

func (t *timeline) abort() {
	t.removeRuns()
	t.rows, t.arena = nil, nil
}
