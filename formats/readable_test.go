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
