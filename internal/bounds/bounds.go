// Package bounds measures, for the tests of hostile input, the two things
// a reader must keep bounded whatever a file declares: the memory it
// allocates and the time it takes (a hang).
package bounds

import (
	"runtime"
	"testing"
	"time"
)

// Allocated returns the bytes allocated while fn runs (by any goroutine:
// run it where little else allocates).
func Allocated(fn func()) uint64 {
	var a, b runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&a)
	fn()
	runtime.ReadMemStats(&b)
	return b.TotalAlloc - a.TotalAlloc
}

// Within fails the test when fn is still running after d: a hang.
func Within(t testing.TB, d time.Duration, fn func()) {
	t.Helper()
	done := make(chan struct{})
	go func() {
		defer close(done)
		fn()
	}()
	select {
	case <-done:
	case <-time.After(d):
		t.Fatalf("hang: still running after %v", d)
	}
}
