package export

import (
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

func newTestIndex(t testing.TB) *fileIndex {
	t.Helper()
	x, err := newFileIndex(filepath.Join(t.TempDir(), "index"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { x.close() })
	return x
}

// sumWith is a made-up SHA-256 whose slot bits are head (the index's
// hashOf is replaced by taking the first 8 bytes) and whose last bytes
// are tail.
func sumWith(head uint64, tail int) (s [32]byte) {
	binary.LittleEndian.PutUint64(s[:8], head)
	binary.LittleEndian.PutUint64(s[24:], uint64(tail))
	return s
}

const absent = "\x00absent"

func checkLookup(t *testing.T, x *fileIndex, sum [32]byte, want string) {
	t.Helper()
	got, ok, err := x.lookup(sum)
	if want == absent {
		if ok || err != nil || x.has(sum) {
			t.Fatalf("%x: found %q %v %v, want absent", sum[:8], got, ok, err)
		}
		return
	}
	if !ok || err != nil || got != want {
		t.Fatalf("%x: %q %v %v, want %q", sum[:8], got, ok, err, want)
	}
	if !x.has(sum) {
		t.Fatalf("%x: has is false", sum[:8])
	}
}

// Hashes that share the bits kept in the table are told apart by the
// whole hash in the spill records, through growth and spills.
func TestFileIndexCollisions(t *testing.T) {
	x := newTestIndex(t)
	x.bits = func(sum *[32]byte) uint64 { return binary.LittleEndian.Uint64(sum[:8]) }
	want := map[[32]byte]string{}
	add := func(sum [32]byte, rel string) {
		t.Helper()
		if err := x.add(sum, rel); err != nil {
			t.Fatal(err)
		}
		want[sum] = rel
	}
	for i := 0; i < 300; i++ {
		// the same 64 bits for all: one long probe run
		add(sumWith(0xdeadbeefcafe, i), fmt.Sprintf("messages/same-bits-%d.eml", i))
		// the same home slot in every table size, different kept bits
		add(sumWith(uint64(i+1)<<20|7, i), fmt.Sprintf("messages/same-home-%d.eml", i))
	}
	for i := 0; i < 20000; i++ { // a table that grows, spills and wraps
		add(sha256.Sum256([]byte(fmt.Sprint(i))), fmt.Sprintf("messages/%d.eml", i))
	}
	add(sumWith(1<<hashBits-1, 1), "messages/last-slot.eml") // wraps to slot 0
	add(sumWith(1<<hashBits-1, 2), "messages/last-slot-2.eml")
	if x.len() != len(want) {
		t.Errorf("len %d, want %d", x.len(), len(want))
	}
	if x.flushed == 0 {
		t.Error("nothing was spilled")
	}
	for sum, rel := range want {
		checkLookup(t, x, sum, rel)
	}
	for _, sum := range [][32]byte{sumWith(0xdeadbeefcafe, -1), sumWith(7, 300), sumWith(5<<20|7, -1), sumWith(1<<hashBits-1, 3)} {
		checkLookup(t, x, sum, absent)
	}
}

// Adding a hash again keeps the first path and counts once.
func TestFileIndexDuplicate(t *testing.T) {
	x := newTestIndex(t)
	sum := sha256.Sum256([]byte("m"))
	for _, rel := range []string{"messages/first.eml", "messages/second.eml"} {
		if err := x.add(sum, rel); err != nil {
			t.Fatal(err)
		}
	}
	checkLookup(t, x, sum, "messages/first.eml")
	if x.len() != 1 {
		t.Errorf("len %d, want 1", x.len())
	}
}

// Paths of every length are read back whole, whether their record is in
// the buffer, in the spill file, or read across the two.
func TestFileIndexSpillReadBack(t *testing.T) {
	x := newTestIndex(t)
	want := map[[32]byte]string{}
	for i := 0; x.flushed < 3*indexBuf; i++ {
		sum := sha256.Sum256([]byte{byte(i), byte(i >> 8), byte(i >> 16)})
		n := []int{0, 1, 200, 233, 234, 235, 300, 5000, maxPath}[i%9]
		rel := strings.Repeat(string(rune('a'+i%26)), n)
		if err := x.add(sum, rel); err != nil {
			t.Fatal(err)
		}
		want[sum] = rel
		if i%97 == 0 { // some lookups while records are still buffered
			checkLookup(t, x, sum, rel)
		}
	}
	for sum, rel := range want {
		checkLookup(t, x, sum, rel)
	}
	if err := x.add(sha256.Sum256(nil), strings.Repeat("x", maxPath+1)); err == nil {
		t.Error("a path over maxPath was accepted")
	}
}

// A damaged spill file is an error, never a wrong path.
func TestFileIndexDamagedSpill(t *testing.T) {
	fill := func() (*fileIndex, [][32]byte) {
		x := newTestIndex(t)
		var sums [][32]byte
		for i := 0; x.flushed == 0; i++ {
			sum := sha256.Sum256([]byte(fmt.Sprint(i)))
			if err := x.add(sum, strings.Repeat("p", 1000)); err != nil {
				t.Fatal(err)
			}
			sums = append(sums, sum)
		}
		return x, sums
	}
	x, sums := fill()
	x.spill.WriteAt([]byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01}, recordHead) // a bad length
	if _, ok, err := x.lookup(sums[0]); !ok || err == nil {
		t.Errorf("lookup of a bad length: ok %v, err %v", ok, err)
	}
	checkLookup(t, x, sums[1], strings.Repeat("p", 1000))
	x, sums = fill()
	if err := x.spill.Truncate(0); err != nil {
		t.Fatal(err)
	}
	if _, ok, err := x.lookup(sums[0]); !ok || err == nil {
		t.Errorf("lookup in a truncated spill: ok %v, err %v", ok, err)
	}
	if x.has(sums[0]) {
		t.Error("has is true for a record that cannot be read")
	}
}

// BenchmarkFileIndex adds 200,000 hashes and looks each up; heap-B/msg is
// the live heap of the index per hash.
func BenchmarkFileIndex(b *testing.B) {
	const n = 200_000
	sums := make([][32]byte, n)
	for i := range sums {
		sums[i] = sha256.Sum256([]byte(fmt.Sprint(i)))
	}
	var heap float64
	for b.Loop() {
		var m0, m1 runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&m0)
		x, err := newFileIndex(filepath.Join(b.TempDir(), "index"))
		if err != nil {
			b.Fatal(err)
		}
		for i := range sums {
			if x.has(sums[i]) {
				b.Fatal("found before added")
			}
			if err := x.add(sums[i], "messages/2019-01-01_120000_Quarterly_report_0123456789ab.eml"); err != nil {
				b.Fatal(err)
			}
		}
		runtime.GC()
		runtime.ReadMemStats(&m1)
		heap = float64(m1.HeapAlloc-m0.HeapAlloc) / n
		for i := range sums {
			if _, ok, err := x.lookup(sums[i]); !ok || err != nil {
				b.Fatal(ok, err)
			}
		}
		runtime.KeepAlive(x)
		x.close()
	}
	b.ReportMetric(heap, "heap-B/msg")
}
