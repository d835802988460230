package carve

import (
	"errors"
	"fmt"
	"io"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/mailsalvage/mailsalvage/formats"
)

// Options control a carve. The zero value is usable.
type Options struct {
	// Progress, if set, is told how many bytes of the range were scanned
	// and how many messages were found so far. It is called from one
	// goroutine at a time, after each chunk and once at the end.
	Progress func(scanned int64, found int)
	// Workers scanning chunks in parallel; default GOMAXPROCS.
	Workers int
	// ChunkSize is the bytes each worker scans at a time; default 4 MiB.
	// Results do not depend on Workers; they may, in rare places where a
	// message straddles chunks differently, depend on ChunkSize.
	ChunkSize int
	// Offset and Length restrict the scan to a range of the image
	// (Length 0: to the end). Offsets in chains stay image offsets.
	Offset, Length int64
	// SectorSize is the alignment at which a file can start in the image
	// (a cluster starts on a sector); default 512.
	SectorSize int
	// MaxMessage bounds one carved message; default 64 MiB. A longer one
	// is cut there and is partial.
	MaxMessage int64
	// MaxHeld bounds the messages cut at a sector boundary that are kept
	// back for reassembly at one time (until the scan is far enough past
	// them); default 4096. Beyond it they are given as partial right
	// away.
	MaxHeld int

	// joinReach is how far from a piece its next piece is looked for:
	// maxJoinDistance; tests make it small.
	joinReach int64
	// joinStats, when set, receives the joiner's counts at the end of the
	// scan (tests)
	joinStats *joinStats
}

func (o *Options) defaults(size int64) {
	if o.Workers <= 0 {
		o.Workers = runtime.GOMAXPROCS(0)
	}
	if o.ChunkSize <= 0 {
		o.ChunkSize = 4 << 20
	}
	if o.SectorSize <= 0 {
		o.SectorSize = 512
	}
	o.ChunkSize = max(o.ChunkSize/o.SectorSize, 1) * o.SectorSize
	if o.MaxMessage <= 0 {
		o.MaxMessage = 64 << 20
	}
	if o.MaxHeld <= 0 {
		o.MaxHeld = 4096
	}
	if o.joinReach <= 0 {
		o.joinReach = maxJoinDistance
	}
	o.Offset = min(max(o.Offset, 0), size)
	if o.Length <= 0 || o.Length > size-o.Offset {
		o.Length = size - o.Offset
	}
}

// Carver scans raw bytes for messages and mail containers. It is a
// formats.Source: Next returns carved messages in the order of their
// offsets (a message held back for reassembly comes once the scan is
// past it by the distance its pieces are looked for in, or at the end),
// then io.EOF.
type Carver struct {
	r      io.ReaderAt
	lo, hi int64
	opt    Options

	events chan event
	quit   chan struct{}
	wg     sync.WaitGroup
	once   sync.Once
	found  atomic.Int64

	cur     formats.Source // a container being read
	curItem item
	done    bool

	// the first bytes of fragment heads, for reassembly (merger only)
	heads     map[int64][]byte
	headOrder []int64
}

// event is what the merger hands to Next: an item or a problem.
type event struct {
	it   item
	prob *formats.Problem
}

// New returns a Carver over the size bytes of r. The scan starts in the
// background at once; Close stops it.
func New(r io.ReaderAt, size int64, opt Options) *Carver {
	opt.defaults(size)
	c := &Carver{
		r: r, lo: opt.Offset, hi: opt.Offset + opt.Length, opt: opt,
		events: make(chan event, 256),
		quit:   make(chan struct{}),
	}
	c.start()
	return c
}

// chunkResult is what a worker found in one chunk.
type chunkResult struct {
	cs, ce int64
	items  []item
	heads  []int64
	bad    []badRange
}

type job struct {
	cs, ce int64
	res    chan *chunkResult
}

// start runs the pipeline: a feeder hands chunks to the workers in order,
// the workers scan them, and the merger takes their results in order,
// settles where chunks meet and hands items to Next.
func (c *Carver) start() {
	n := c.opt.Workers
	jobs := make(chan job)
	order := make(chan chan *chunkResult, 2*n)
	capacity := c.opt.ChunkSize + hdrLimit + maxLine + 2*backKeep
	c.wg.Add(2 + n)
	go func() { // feeder
		defer c.wg.Done()
		defer close(jobs)
		defer close(order)
		for cs := c.lo; cs < c.hi; cs += int64(c.opt.ChunkSize) {
			j := job{cs: cs, ce: min(c.hi, cs+int64(c.opt.ChunkSize)), res: make(chan *chunkResult, 1)}
			select {
			case order <- j.res:
			case <-c.quit:
				return
			}
			select {
			case jobs <- j:
			case <-c.quit:
				return
			}
		}
	}()
	for i := 0; i < n; i++ {
		go func() { // worker
			defer c.wg.Done()
			s := newScanner(c.r, c.lo, c.hi, &c.opt, capacity)
			for j := range jobs {
				s.heads = s.heads[:0]
				s.v.bad = nil
				items := s.scanChunk(j.cs, j.ce)
				j.res <- &chunkResult{cs: j.cs, ce: j.ce, items: items, heads: append([]int64(nil), s.heads...), bad: s.v.bad}
			}
		}()
	}
	go func() { // merger
		defer c.wg.Done()
		defer close(c.events)
		c.merge(order, capacity)
	}()
}

// scanChunk finds the items that start in [cs, ce).
func (s *scanner) scanChunk(cs, ce int64) []item {
	var items []item
	for p := cs; p < ce; {
		it, ok := s.next(p, ce)
		if !ok {
			break
		}
		it.end = max(it.end, it.start+1)
		items = append(items, it)
		p = it.end
	}
	return items
}

// headWindow is the window of the scanner reassembly reads heads with:
// small, since each head is somewhere else in the image.
const headWindow = 256<<10 + 2*backKeep

// mergeGrain is the least the merger's window reads when it moves.
const mergeGrain = 32 << 10

// maxAllHeads bounds the fragment candidates kept at one time.
const maxAllHeads = 1 << 20

// merge takes chunk results in order. Where an item of one chunk runs
// into the next, the next chunk's worker began its scan inside that item;
// its findings are taken from the first one that starts in a gap of the
// true scan, and the merger scans the stretch in between itself.
func (c *Carver) merge(order chan chan *chunkResult, capacity int) {
	ms := newScanner(c.r, c.lo, c.hi, &c.opt, capacity)
	ms.noHeads = true
	// the merger reads stretches between chunks and, for reassembly,
	// scattered fragment candidates: a little at a time
	ms.v.grain = mergeGrain
	pos := c.lo
	// heads are looked at in many places: through a small window
	hs := newScanner(c.r, c.lo, c.hi, &c.opt, headWindow)
	hs.noHeads = true
	hs.v.grain = mergeGrain
	j := c.newJoiner(hs)
	reported := map[int64]bool{}
	send := func(ev event) bool {
		select {
		case c.events <- ev:
			return true
		case <-c.quit:
			return false
		}
	}
	sendItem := func(it item) bool { return send(event{it: it}) }
	emit := func(it item) bool {
		if it.tail != nil && j.hold(it) {
			return true
		}
		return sendItem(it)
	}
	for resc := range order {
		var res *chunkResult
		select {
		case res = <-resc:
		case <-c.quit:
			return
		}
		for _, b := range append(res.bad, ms.v.bad...) {
			if !reported[b.off] && len(reported) < 10000 {
				reported[b.off] = true
				if !send(event{prob: &formats.Problem{Offset: b.off, Err: b}}) {
					return
				}
			}
		}
		ms.v.bad = nil
		start := pos
		var got []item
		w := res.items
		k := 0
		for {
			for k < len(w) && w[k].start < pos && w[k].end <= pos {
				k++
			}
			if k == len(w) {
				break
			}
			var it item
			if w[k].start >= pos {
				it = w[k]
				k++
			} else {
				x, ok := ms.next(pos, res.ce)
				if !ok {
					break
				}
				x.end = max(x.end, x.start+1)
				it = x
			}
			got = append(got, it)
			pos = it.end
			if !emit(it) {
				return
			}
		}
		pos = max(pos, res.ce)
		// fragment candidates in the gaps of what was taken
		k = 0
		for _, h := range res.heads {
			if h < start {
				continue
			}
			for k < len(got) && got[k].end <= h {
				k++
			}
			if k < len(got) && got[k].start <= h {
				continue
			}
			j.addHead(h)
		}
		// tails the scan has left far enough behind
		if !j.settle(min(pos, c.hi), false, sendItem) {
			return
		}
		if c.opt.Progress != nil {
			c.opt.Progress(min(pos, c.hi)-c.lo, int(c.found.Load()))
		}
	}
	j.settle(c.hi, true, sendItem)
	if c.opt.joinStats != nil {
		*c.opt.joinStats = j.stats
	}
}

// Next returns the next carved message. A *formats.Problem error is not
// fatal (an unreadable stretch of the image, a container that could not
// be read); call Next again.
func (c *Carver) Next() (*formats.Message, error) {
	for {
		if c.cur != nil {
			m, err := c.cur.Next()
			if m != nil {
				c.adopt(m, &c.curItem)
				c.found.Add(1)
				return m, c.containerErr(err)
			}
			if err == nil {
				continue
			}
			var p *formats.Problem
			if errors.As(err, &p) {
				return nil, c.containerErr(err)
			}
			c.cur.Close()
			c.cur = nil
			if err != io.EOF {
				return nil, &formats.Problem{Offset: c.curItem.start, Err: fmt.Errorf("%s at 0x%x: reading stopped: %w", c.curItem.kind, c.curItem.start, err)}
			}
			continue
		}
		if c.done {
			return nil, io.EOF
		}
		ev, ok := <-c.events
		if !ok {
			c.done = true
			if c.opt.Progress != nil {
				c.opt.Progress(c.hi-c.lo, int(c.found.Load()))
			}
			return nil, io.EOF
		}
		if ev.prob != nil {
			return nil, ev.prob
		}
		switch ev.it.kind {
		case kindMessage, kindUTF16:
			c.found.Add(1)
			return c.messageOf(&ev.it), nil
		}
		src, err := c.open(&ev.it)
		if err != nil {
			return nil, &formats.Problem{Offset: ev.it.start, Err: fmt.Errorf("%s at 0x%x (%d bytes) found but not readable: %w", ev.it.kind, ev.it.start, ev.it.end-ev.it.start, err)}
		}
		c.cur, c.curItem = src, ev.it
	}
}

// Close stops the scan and releases the Carver. The caller owns r.
func (c *Carver) Close() error {
	c.once.Do(func() {
		close(c.quit)
		if c.cur != nil {
			c.cur.Close()
			c.cur = nil
		}
		// let the goroutines see quit and leave
		go func() {
			for range c.events {
			}
		}()
		c.wg.Wait()
	})
	return nil
}

// containerErr turns a container reader's problem into one in image
// offsets.
func (c *Carver) containerErr(err error) error {
	var p *formats.Problem
	if err == nil || !errors.As(err, &p) {
		return err
	}
	q := *p
	if q.Offset >= 0 {
		q.Offset += c.curItem.start
	}
	q.Err = fmt.Errorf("%s at 0x%x: %w", c.curItem.kind, c.curItem.start, p.Err)
	return &q
}

// messageOf makes the formats.Message of a loose carved message.
func (c *Carver) messageOf(it *item) *formats.Message {
	r, start, n := c.r, it.start, it.end-it.start
	m := &formats.Message{
		Open: func() (io.ReadCloser, error) {
			return io.NopCloser(io.NewSectionReader(r, start, n)), nil
		},
		Size:   n,
		State:  formats.Carved,
		Chain:  formats.Chain{formats.Span("image", start, n, "message")},
		Method: "carve-message",
	}
	if it.kind == kindUTF16 {
		m.Open = func() (io.ReadCloser, error) {
			return io.NopCloser(newUTF16Reader(io.NewSectionReader(r, start, n))), nil
		}
		m.Size = -1
		m.Method = "carve-message-utf16le"
		m.Chain = append(m.Chain, formats.Hop{Format: "utf-16le", Locator: "decoded to UTF-8"})
	}
	if len(it.frags) > 1 {
		frags := it.frags
		var total int64
		var locs []string
		for _, f := range frags {
			total += f.n
			locs = append(locs, fmt.Sprintf("0x%x+%d", f.off, f.n))
		}
		m.Open = func() (io.ReadCloser, error) { return io.NopCloser(newFragReader(r, frags)), nil }
		m.Size = total
		m.Method = "carve-message-reassembled"
		m.Chain = formats.Chain{{Format: "image", Locator: fmt.Sprintf("message reassembled from %d fragments: %s", len(frags), strings.Join(locs, ", "))}}
		m.SetAttr("carve_fragments", strings.Join(locs, " "))
		m.Warnf("reassembled from %d pieces of the image (%s) by MIME boundary and encoding continuity", len(frags), strings.Join(locs, ", "))
	}
	for _, p := range it.partial {
		m.Warnings = append(m.Warnings, "partial: "+p)
	}
	if len(it.partial) > 0 {
		m.State = formats.Partial
	}
	m.Warnings = append(m.Warnings, it.warnings...)
	m.SetAttr("carve_start", it.ctx.String())
	m.SetAttr("carve_end", it.how)
	m.SetAttr("carve_score", strconv.Itoa(it.score))
	return m
}

// fragReader reads the pieces of a reassembled message one after another.
type fragReader struct {
	r     io.ReaderAt
	frags []frag
	i     int
	off   int64
}

func newFragReader(r io.ReaderAt, frags []frag) *fragReader {
	return &fragReader{r: r, frags: frags}
}

func (f *fragReader) Read(p []byte) (int, error) {
	for f.i < len(f.frags) && f.off >= f.frags[f.i].n {
		f.i++
		f.off = 0
	}
	if f.i >= len(f.frags) {
		return 0, io.EOF
	}
	fr := f.frags[f.i]
	n := int(min(int64(len(p)), fr.n-f.off))
	n, err := f.r.ReadAt(p[:n], fr.off+f.off)
	f.off += int64(n)
	if err == io.EOF && n > 0 {
		err = nil
	}
	return n, err
}
