package main

import (
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"

	"github.com/mailsalvage/mailsalvage/formats"
)

// Progress modes (--progress).
const (
	progressAuto   = "auto"   // a bar when stderr is a terminal and not --quiet
	progressAlways = "always" // a bar whatever stderr is (tests, logs that want it)
	progressNever  = "never"
)

// progressOn decides whether to draw a bar on w.
func progressOn(mode string, quiet bool, w io.Writer) (bool, error) {
	switch mode {
	case progressNever:
		return false, nil
	case progressAlways:
		return true, nil
	case progressAuto, "":
		if quiet {
			return false, nil
		}
		f, ok := w.(*os.File)
		return ok && term.IsTerminal(int(f.Fd())), nil
	}
	return false, fmt.Errorf("--progress must be auto, always or never, not %q", mode)
}

// inputProgress draws one input's bar on stderr: bytes read of the
// input's size (a folder's size is added up in the background; until it
// is known the bar spins), rate, ETA, and the messages found so far by
// state. The readers count their bytes into read (formats.OpenCounting);
// found is called for every message. A nil *inputProgress does nothing.
type inputProgress struct {
	bar   *progressbar.ProgressBar
	w     io.Writer
	name  string
	read  *atomic.Int64
	total atomic.Int64 // -1 until known

	mu    sync.Mutex
	found map[formats.State]int
	n     int

	stop chan struct{}
	done sync.WaitGroup
}

// refresh is how often the bar is redrawn.
const refresh = 150 * time.Millisecond

// startProgress starts input's bar, counting the bytes the readers add to
// read (a new counter if read is nil).
func startProgress(w io.Writer, on bool, input string, read *atomic.Int64) *inputProgress {
	if !on {
		return nil
	}
	if read == nil {
		read = new(atomic.Int64)
	}
	p := &inputProgress{w: w, read: read, name: filepath.Base(input), found: map[formats.State]int{}, stop: make(chan struct{})}
	p.total.Store(-1)
	if info, err := os.Stat(input); err == nil {
		if info.IsDir() {
			go func() { p.total.Store(treeSize(input)) }()
		} else {
			p.total.Store(info.Size())
		}
	}
	p.bar = progressbar.NewOptions64(-1,
		progressbar.OptionSetWriter(w),
		progressbar.OptionShowBytes(true),
		progressbar.OptionShowTotalBytes(true),
		progressbar.OptionSetWidth(24),
		progressbar.OptionThrottle(refresh),
		progressbar.OptionSetPredictTime(true),
		progressbar.OptionSetElapsedTime(true),
		progressbar.OptionSetRenderBlankState(true),
		progressbar.OptionShowDescriptionAtLineEnd(),
		progressbar.OptionSetDescription(p.describe()),
		progressbar.OptionUseIECUnits(true),
	)
	p.done.Add(1)
	go p.loop()
	return p
}

// counter is where the readers add the bytes they read (nil: no bar).
func (p *inputProgress) counter() *atomic.Int64 {
	if p == nil {
		return nil
	}
	return p.read
}

func (p *inputProgress) message(s formats.State) {
	if p == nil {
		return
	}
	p.mu.Lock()
	p.found[s]++
	p.n++
	p.mu.Unlock()
}

func (p *inputProgress) describe() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	var b strings.Builder
	fmt.Fprintf(&b, "%s: %d messages", p.name, p.n)
	if p.n > 0 {
		b.WriteString(stateList(p.found))
	}
	return b.String()
}

func (p *inputProgress) update() {
	total := p.total.Load()
	if total >= 0 && p.bar.GetMax64() != total {
		p.bar.ChangeMax64(total)
	}
	read := p.read.Load()
	if total >= 0 && read > total {
		read = total // random-access readers read some bytes twice
	}
	p.bar.Describe(p.describe())
	p.bar.Set64(read)
}

func (p *inputProgress) loop() {
	defer p.done.Done()
	t := time.NewTicker(refresh)
	defer t.Stop()
	for {
		select {
		case <-p.stop:
			return
		case <-t.C:
			p.update()
		}
	}
}

// finish draws the final state and ends the bar's line.
func (p *inputProgress) finish() {
	if p == nil {
		return
	}
	close(p.stop)
	p.done.Wait()
	if total := p.total.Load(); total >= 0 {
		p.read.Store(total) // the input was read to its end (or given up on)
	}
	p.update()
	p.bar.Finish()
	p.bar.Exit()
	fmt.Fprintln(p.w)
}

// clear removes the bar's line so that a message can be printed; the bar
// comes back at its next refresh.
func (p *inputProgress) clear() {
	if p != nil {
		p.bar.Clear()
	}
}

// treeSize adds up the sizes of the regular files below dir, without
// following symbolic links.
func treeSize(dir string) int64 {
	var n int64
	filepath.WalkDir(dir, func(_ string, d fs.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return nil
		}
		if info, err := d.Info(); err == nil {
			n += info.Size()
		}
		return nil
	})
	return n
}
