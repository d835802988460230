// Package gcfloor keeps the garbage collector from running while the heap
// is small.
//
// Go's collector starts a cycle when the heap has grown by GOGC percent
// (100) over what the last cycle left live, and the first cycle at 4 MiB.
// A short run of the command (a 17 MB OST, a folder of .msg files)
// allocates tens of megabytes of short-lived buffers over a live heap of a
// few megabytes, so it spends a quarter of its time collecting: cycle
// after cycle that frees memory the process would have given back at exit
// anyway. A long run keeps the collector's default behaviour.
//
// Start sets a floor under the heap goal: after each cycle the collector's
// percentage is chosen so that the next cycle starts when the heap reaches
// the floor or twice the live heap, whichever is larger. Below the floor
// the process may hold up to the floor in garbage; above it nothing
// changes. A memory limit (debug.SetMemoryLimit, GOMEMLIMIT) still
// applies and wins over the floor.
package gcfloor

import (
	"os"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"sync"
	"sync/atomic"
)

// minLive is the runtime's own minimum heap goal at GOGC=100 (4 MiB). The
// runtime scales that minimum by the percentage too, so a percentage
// computed from a smaller live heap would put the goal above the floor.
const minLive = 4 << 20

var (
	once  sync.Once
	floor uint64
)

// Start sets the floor, in bytes, for the rest of the process. It does
// nothing when GOGC is set in the environment (the user's choice wins) or
// when called again. It returns whether the floor is in force.
func Start(bytes uint64) bool {
	if os.Getenv("GOGC") != "" {
		return false
	}
	started := false
	once.Do(func() {
		floor = bytes
		adjust()
		arm()
		started = true
	})
	return started
}

// Percent returns the collector percentage that puts the next cycle at
// the floor or at twice live bytes, whichever is larger.
func Percent(live, floor uint64) int {
	if live < minLive {
		live = minLive
	}
	if 2*live >= floor {
		return 100
	}
	return int(floor*100/live) - 100
}

// sentinel is an object nobody refers to: its cleanup runs after the
// first collection that finds it unreachable, i.e. once per cycle.
type sentinel struct{ _ [16]byte }

func arm() {
	runtime.AddCleanup(new(sentinel), func(struct{}) {
		adjust()
		arm()
	}, struct{}{})
}

var (
	live     = []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	adjusted atomic.Uint64 // calls of adjust, for tests
)

// adjust runs on the cleanup goroutine, one call at a time.
func adjust() {
	metrics.Read(live)
	var n uint64
	if live[0].Value.Kind() == metrics.KindUint64 {
		n = live[0].Value.Uint64()
	}
	debug.SetGCPercent(Percent(n, floor))
	adjusted.Add(1)
}
