package formats_test

import (
	"testing"

	"github.com/mailsalvage/mailsalvage/formats"
	"github.com/mailsalvage/mailsalvage/internal/srctest"
)

func TestReadableSize(t *testing.T) {
	b := make([]byte, 1000)
	for _, n := range []int{0, 1, 2, 511, 999, 1000} {
		if got := formats.ReadableSize(srctest.Short{B: b, N: n}, 1000); got != int64(n) {
			t.Errorf("ReadableSize of %d readable bytes = %d", n, got)
		}
	}
}

func TestInflateLimit(t *testing.T) {
	for _, c := range []struct{ in, want int64 }{{0, 1024}, {1, 1024}, {1000, 1024000}, {1 << 40, formats.MaxInflated}} {
		if got := formats.InflateLimit(c.in); got != c.want {
			t.Errorf("InflateLimit(%d) = %d, want %d", c.in, got, c.want)
		}
	}
	// a member's info as the walk sees it
	fi := formats.FileInfo{Path: "a/b/c.eml", Len: 7}
	if fi.Name() != "c.eml" || fi.Size() != 7 || fi.IsDir() || !(formats.FileInfo{Dir: true}).Mode().IsDir() {
		t.Errorf("FileInfo %v %v %v", fi.Name(), fi.Size(), fi.Mode())
	}
}
