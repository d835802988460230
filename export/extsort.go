package export

import (
	"bufio"
	"container/heap"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// keySorter sorts records by a string key, then by a number, holding at
// most sortMemory bytes of them (and at most maxRecs, when set) in memory
// and spilling sorted runs to a folder of its own: what Verify needs to
// pair a log of millions of lines with the files on disk without a map of
// them all, and what sorts timeline.csv.
type keySorter struct {
	parent  string // where the run folder is made ("": the system's)
	prefix  string // of the run folder's name
	dir     string // made on the first spill
	mem     []sortRec
	bytes   int
	runs    []string
	limit   int
	maxRecs int
	files   int // run files made, for their names
}

type sortRec struct {
	key string
	seq int64
	val []byte
}

// sortMemory bounds the records a keySorter holds before it spills (a
// variable: tests make it small).
var sortMemory = 8 << 20

// maxRuns bounds the run files merged at once; past it they are merged
// into one first.
const maxRuns = 64

// newKeySorter returns a sorter whose runs go to a folder named prefix…
// made in parent ("": the system's temporary folder) on the first spill;
// maxRecs > 0 bounds the records held in memory too.
func newKeySorter(parent, prefix string, maxRecs int) *keySorter {
	return &keySorter{parent: parent, prefix: prefix, limit: sortMemory, maxRecs: maxRecs}
}

func (s *keySorter) add(key string, seq int64, val []byte) error {
	s.mem = append(s.mem, sortRec{key, seq, val})
	s.bytes += len(key) + len(val) + 48
	if s.bytes >= s.limit || s.maxRecs > 0 && len(s.mem) >= s.maxRecs {
		return s.spill()
	}
	return nil
}

func cmpRec(a, b sortRec) int {
	if c := strings.Compare(a.key, b.key); c != 0 {
		return c
	}
	switch {
	case a.seq < b.seq:
		return -1
	case a.seq > b.seq:
		return 1
	}
	return 0
}

// spill writes the records held as a sorted run.
func (s *keySorter) spill() error {
	if len(s.mem) == 0 {
		return nil
	}
	if s.dir == "" {
		d, err := os.MkdirTemp(s.parent, s.prefix)
		if err != nil {
			return err
		}
		s.dir = d
	}
	slices.SortFunc(s.mem, cmpRec)
	name, err := s.writeRun(func(emit func(sortRec) error) error {
		for _, r := range s.mem {
			if err := emit(r); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	s.runs = append(s.runs, name)
	clear(s.mem) // let the records go
	s.mem, s.bytes = s.mem[:0], 0
	if len(s.runs) >= maxRuns {
		return s.mergeRuns()
	}
	return nil
}

// writeRun writes the records fill emits, in order, to a new run file.
func (s *keySorter) writeRun(fill func(emit func(sortRec) error) error) (string, error) {
	s.files++
	name := filepath.Join(s.dir, fmt.Sprintf("run-%d", s.files))
	f, err := os.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return "", err
	}
	w := bufio.NewWriterSize(f, 1<<20)
	var b []byte
	err = fill(func(r sortRec) error {
		b = appendRec(b[:0], r)
		_, err := w.Write(b)
		return err
	})
	if ferr := w.Flush(); err == nil {
		err = ferr
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return name, err
}

func appendRec(b []byte, r sortRec) []byte {
	b = binary.AppendUvarint(b, uint64(len(r.key)))
	b = append(b, r.key...)
	b = binary.AppendVarint(b, r.seq)
	b = binary.AppendUvarint(b, uint64(len(r.val)))
	return append(b, r.val...)
}

var errSortRun = errors.New("export: damaged sort run")

func readRec(r *bufio.Reader) (sortRec, error) {
	n, err := binary.ReadUvarint(r)
	if err != nil {
		return sortRec{}, err
	}
	if n > 1<<20 {
		return sortRec{}, errSortRun
	}
	k := make([]byte, n)
	if _, err := io.ReadFull(r, k); err != nil {
		return sortRec{}, errSortRun
	}
	seq, err := binary.ReadVarint(r)
	if err != nil {
		return sortRec{}, errSortRun
	}
	n, err = binary.ReadUvarint(r)
	if err != nil || n > 1<<20 {
		return sortRec{}, errSortRun
	}
	v := make([]byte, n)
	if _, err := io.ReadFull(r, v); err != nil {
		return sortRec{}, errSortRun
	}
	return sortRec{string(k), seq, v}, nil
}

// mergeRuns merges the run files into one.
func (s *keySorter) mergeRuns() error {
	name, err := s.writeRun(func(emit func(sortRec) error) error {
		return mergeFiles(s.runs, nil, emit)
	})
	if err != nil {
		return err
	}
	for _, r := range s.runs {
		os.Remove(r)
	}
	s.runs = []string{name}
	return nil
}

// each calls fn for every record in order.
func (s *keySorter) each(fn func(sortRec) error) error {
	slices.SortFunc(s.mem, cmpRec)
	return mergeFiles(s.runs, s.mem, fn)
}

// close removes the run files.
func (s *keySorter) close() {
	if s.dir != "" {
		os.RemoveAll(s.dir)
	}
}

// mergeFiles merges sorted run files and a sorted slice.
func mergeFiles(runs []string, mem []sortRec, fn func(sortRec) error) error {
	h := &recHeap{}
	var files []*os.File
	defer func() {
		for _, f := range files {
			f.Close()
		}
	}()
	for _, name := range runs {
		f, err := os.Open(name)
		if err != nil {
			return err
		}
		files = append(files, f)
		src := &recSource{r: bufio.NewReaderSize(f, 64<<10)}
		if err := src.next(); err != nil {
			return err
		}
		if src.ok {
			h.items = append(h.items, src)
		}
	}
	if len(mem) > 0 {
		src := &recSource{mem: mem}
		src.next()
		h.items = append(h.items, src)
	}
	heap.Init(h)
	for h.Len() > 0 {
		top := h.items[0]
		if err := fn(top.cur); err != nil {
			return err
		}
		if err := top.next(); err != nil {
			return err
		}
		if top.ok {
			heap.Fix(h, 0)
		} else {
			heap.Pop(h)
		}
	}
	return nil
}

// recSource is a sorted run being merged: a file or a slice.
type recSource struct {
	r   *bufio.Reader
	mem []sortRec
	cur sortRec
	ok  bool
}

func (s *recSource) next() error {
	if s.r == nil {
		if len(s.mem) == 0 {
			s.ok = false
			return nil
		}
		s.cur, s.mem, s.ok = s.mem[0], s.mem[1:], true
		return nil
	}
	r, err := readRec(s.r)
	if err == io.EOF {
		s.ok = false
		return nil
	}
	if err != nil {
		return err
	}
	s.cur, s.ok = r, true
	return nil
}

type recHeap struct{ items []*recSource }

func (h *recHeap) Len() int           { return len(h.items) }
func (h *recHeap) Less(i, j int) bool { return cmpRec(h.items[i].cur, h.items[j].cur) < 0 }
func (h *recHeap) Swap(i, j int)      { h.items[i], h.items[j] = h.items[j], h.items[i] }
func (h *recHeap) Push(x any)         { h.items = append(h.items, x.(*recSource)) }
func (h *recHeap) Pop() any {
	x := h.items[len(h.items)-1]
	h.items = h.items[:len(h.items)-1]
	return x
}
