package mbox

import (
	"os"
	"testing"
)

func TestDebugSplit(t *testing.T) {
	path := os.Getenv("MBOX")
	if path == "" {
		t.Skip()
	}
	f, _ := os.Open(path)
	st, _ := f.Stat()
	s := NewScanner(f, st.Size())
	for {
		sp, err := s.Next()
		if err != nil {
			t.Logf("end %v trailer %v", err, func() []int64 { a, b := s.Trailer(); return []int64{a, b} }())
			break
		}
		t.Logf("#%d begin=%d sep=%d start=%d end=%d found=%s esc=%d cl=%v partial=%v warn=%v sep=%q", sp.Index, sp.Begin, sp.Sep, sp.Start, sp.End, sp.Found, sp.Escaped, sp.ContentLength, sp.Partial, sp.Warnings, sp.SepLine)
	}
}
