package gcfloor

import (
	"math"
	"runtime"
	"runtime/debug"
	"testing"
	"time"
)

func TestPercent(t *testing.T) {
	const mib = 1 << 20
	for _, c := range []struct {
		live, floor uint64
		want        int
	}{
		{0, 64 * mib, 1500},       // runtime minimum: 4 MiB * 16 = 64 MiB
		{2 * mib, 64 * mib, 1500}, // below the minimum, same goal
		{8 * mib, 64 * mib, 700},  // 8 MiB * 8 = 64 MiB
		{16 * mib, 64 * mib, 300},
		{32 * mib, 64 * mib, 100}, // twice live reaches the floor
		{500 * mib, 64 * mib, 100},
	} {
		if got := Percent(c.live, c.floor); got != c.want {
			t.Errorf("Percent(%d MiB, %d MiB) = %d, want %d", c.live/mib, c.floor/mib, got, c.want)
		}
	}
}

var sink []byte

// churn allocates n bytes of garbage in 4 KiB pieces and returns how
// many collections ran meanwhile.
func churn(n int) uint32 {
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	for i := 0; i < n/(4<<10); i++ {
		sink = make([]byte, 4<<10)
	}
	runtime.ReadMemStats(&after)
	return after.NumGC - before.NumGC
}

func TestStart(t *testing.T) {
	if adjusted.Load() > 0 {
		t.Skip("the floor is already in force in this process (-count > 1)")
	}
	t.Setenv("GOGC", "") // an inherited GOGC would turn the floor off
	defer debug.SetGCPercent(debug.SetGCPercent(100))
	runtime.GC()
	without := churn(96 << 20)
	if without < 3 {
		t.Fatalf("without a floor 96 MiB of garbage caused %d collections; the test expects the default collector to run often", without)
	}
	if !Start(256 << 20) {
		t.Fatal("Start refused")
	}
	if Start(1 << 20) {
		t.Error("a second Start was accepted")
	}
	collect(t) // the cleanup sets the percentage from what is live now
	if with := churn(96 << 20); with > 1 {
		t.Errorf("with a 256 MiB floor 96 MiB of garbage caused %d collections (without: %d)", with, without)
	}
	// A large live heap gets the default percentage back.
	keep := make([][]byte, 0, 1024)
	for i := 0; i < 2048; i++ {
		keep = append(keep, make([]byte, 64<<10)) // 128 MiB live
	}
	collect(t)
	p := debug.SetGCPercent(100)
	debug.SetGCPercent(p)
	if p != 100 {
		t.Errorf("percentage with 128 MiB live = %d, want 100", p)
	}
	runtime.KeepAlive(keep)
}

// collect runs collections until the floor's cleanup has adjusted the
// settings after one of them that started once the caller's allocations
// were done: twice, as a cleanup queued by a collection that ran during
// them may be the first to come (and a sentinel made during a collection
// survives it). Seen flaky on a loaded machine with one collection.
func collect(t *testing.T) {
	t.Helper()
	for range 2 {
		n := adjusted.Load()
		runtime.GC()
		last := time.Now()
		for deadline := time.Now().Add(10 * time.Second); adjusted.Load() == n; {
			if time.Now().After(deadline) {
				t.Fatal("the floor was not adjusted after a collection")
			}
			if time.Since(last) > 100*time.Millisecond {
				runtime.GC()
				last = time.Now()
			}
			time.Sleep(time.Millisecond)
		}
	}
}

func TestLimit(t *testing.T) {
	const mib = 1 << 20
	for _, c := range []struct{ live, base, want uint64 }{
		{0, 160 * mib, 160 * mib},
		{100 * mib, 160 * mib, 160 * mib},
		{200 * mib, 160 * mib, 300 * mib},
	} {
		if got := Limit(c.live, c.base); got != int64(c.want) {
			t.Errorf("Limit(%d MiB, %d MiB) = %d MiB, want %d", c.live/mib, c.base/mib, got/mib, c.want/mib)
		}
	}
}

// TestSoftLimit: the limit follows the live heap up past its base, and
// back down to it.
func TestSoftLimit(t *testing.T) {
	t.Setenv("GOMEMLIMIT", "")
	defer func() {
		mu.Lock()
		limitBase = 0
		mu.Unlock()
		debug.SetMemoryLimit(math.MaxInt64)
	}()
	const base = 64 << 20
	if !SoftLimit(base) {
		t.Fatal("SoftLimit refused")
	}
	if SoftLimit(1 << 30) {
		t.Error("a second SoftLimit was accepted")
	}
	collect(t)
	if got := debug.SetMemoryLimit(-1); got != base {
		t.Errorf("limit with little live: %d MiB, want %d", got>>20, base>>20)
	}
	keep := make([][]byte, 0, 2048)
	for i := 0; i < 2048; i++ {
		keep = append(keep, make([]byte, 64<<10)) // 128 MiB live
	}
	collect(t)
	// 1.5 times the live heap the last collection measured: about 192 MiB
	// (a collection that ran while the last blocks were being made saw a
	// little less live, hence the margin; the base is 64)
	if got := debug.SetMemoryLimit(-1); got < 176<<20 {
		t.Errorf("limit with 128 MiB live: %d MiB, want at least 176", got>>20)
	}
	runtime.KeepAlive(keep)
	keep = nil
	collect(t)
	collect(t)
	if got := debug.SetMemoryLimit(-1); got != base {
		t.Errorf("limit after the live heap went: %d MiB, want %d", got>>20, base>>20)
	}
}
