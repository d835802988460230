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
//
// SoftLimit is the other end: a memory limit that keeps the heap of a long
// run near what it holds live instead of twice that, but that rises when
// the live heap itself grows past it. A fixed limit below the live heap
// makes the collector run back to back (a damaged 1.1 GB PST, which keeps
// about 60 bytes a block, took 72 s instead of 17.5 s with its limit set
// under what it held live).
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
	mu        sync.Mutex
	floor     uint64 // 0: no floor
	limitBase uint64 // 0: no soft limit
	armed     bool
)

// Start sets the floor, in bytes, for the rest of the process. It does
// nothing when GOGC is set in the environment (the user's choice wins) or
// when a floor is set already. It returns whether the floor is in force.
func Start(bytes uint64) bool {
	if os.Getenv("GOGC") != "" || bytes == 0 {
		return false
	}
	mu.Lock()
	defer mu.Unlock()
	if floor != 0 {
		return false
	}
	floor = bytes
	start()
	return true
}

// SoftLimit sets the memory limit to bytes, or to one and a half times
// the live heap when that is more, and keeps it so after each collection.
// It does nothing when GOMEMLIMIT is set in the environment or a soft
// limit is set already; it returns whether the limit is in force.
func SoftLimit(bytes uint64) bool {
	if os.Getenv("GOMEMLIMIT") != "" || bytes == 0 {
		return false
	}
	mu.Lock()
	defer mu.Unlock()
	if limitBase != 0 {
		return false
	}
	limitBase = bytes
	start()
	return true
}

// start applies the settings now and, the first time, arms the cleanup
// that applies them after every collection. The caller holds mu.
func start() {
	adjustLocked()
	if !armed {
		armed = true
		arm()
	}
}

// Limit returns the memory limit for a live heap: base, or one and a
// half times live when that is more.
func Limit(live, base uint64) int64 {
	return int64(max(base, live+live/2))
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

// adjust runs on the cleanup goroutine after each collection.
func adjust() {
	mu.Lock()
	defer mu.Unlock()
	adjustLocked()
}

func adjustLocked() {
	metrics.Read(live)
	var n uint64
	if live[0].Value.Kind() == metrics.KindUint64 {
		n = live[0].Value.Uint64()
	}
	if floor != 0 {
		debug.SetGCPercent(Percent(n, floor))
	}
	if limitBase != 0 {
		debug.SetMemoryLimit(Limit(n, limitBase))
	}
	adjusted.Add(1)
}
