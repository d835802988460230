package bounce

import (
	"regexp"
	"testing"
)

// TestLazyRegexps compiles every expression made with lazyRegexp, so that
// a bad one fails here and not on the first notice that needs it.
func TestLazyRegexps(t *testing.T) {
	if len(lazyREs) < 30 {
		t.Fatalf("%d lazy expressions registered; the package declares about 40", len(lazyREs))
	}
	for _, l := range lazyREs {
		if l.re != nil {
			continue // compiled already by an earlier test
		}
		if _, err := regexp.Compile(l.expr); err != nil {
			t.Errorf("%q: %v", l.expr, err)
		}
	}
	if !addrRe.MatchString("a@example.com") || addrRe.String() == "" {
		t.Error("addrRe does not match an address")
	}
}
