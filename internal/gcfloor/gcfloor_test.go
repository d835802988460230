package gcfloor

import (
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

// collect runs a collection and waits for the floor's cleanup to adjust
// the percentage after it.
func collect(t *testing.T) {
	t.Helper()
	n := adjusted.Load()
	runtime.GC()
	for deadline := time.Now().Add(10 * time.Second); adjusted.Load() == n; {
		if time.Now().After(deadline) {
			t.Fatal("the floor was not adjusted after a collection")
		}
		time.Sleep(time.Millisecond)
	}
}
