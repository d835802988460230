package bounds

import (
	"runtime"
	"testing"
	"time"
)

var sink []byte

func TestAllocated(t *testing.T) {
	n := Allocated(func() { sink = make([]byte, 1<<20) })
	if n < 1<<20 || n > 2<<20 {
		t.Errorf("a 1 MiB allocation measured as %d bytes", n)
	}
	if n := Allocated(func() {}); n > 64<<10 {
		t.Errorf("nothing measured as %d bytes", n)
	}
}

func TestWithin(t *testing.T) {
	Within(t, time.Second, func() {})
	// a hang is reported: run Within on a fake T that records Fatalf
	ft := &fakeT{}
	done := make(chan struct{})
	go func() {
		defer close(done)
		Within(ft, 10*time.Millisecond, func() { time.Sleep(200 * time.Millisecond) })
	}()
	<-done
	if !ft.failed {
		t.Error("a 200 ms function within 10 ms was not reported")
	}
}

type fakeT struct {
	testing.TB
	failed bool
}

func (f *fakeT) Helper() {}
func (f *fakeT) Fatalf(string, ...any) {
	f.failed = true
	runtimeGoexit()
}

// runtimeGoexit stops the goroutine as testing.T.Fatalf does.
func runtimeGoexit() { runtime.Goexit() }
