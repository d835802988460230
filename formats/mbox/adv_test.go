package mbox

import (
	"strings"
	"testing"
)

// Inputs built to make a naive splitter quadratic or lost: long runs of
// field lines with no message in them, damage alternating with fields,
// huge lines, NUL floods, From lines only. Each must be split with every
// byte accounted for; BenchmarkAdversarial times them.
var adversarial = map[string]string{
	"fields":       "\x00\x00\x00\x00\x01\n" + strings.Repeat("A: b\n", 200000),
	"blank-fields": "From a@b Mon Jan  1 00:00:00 2001\nA: b\n\n" + strings.Repeat("x\n\nA: b\nB: c\n", 100000),
	"long-lines":   "From a@b Mon Jan  1 00:00:00 2001\nA: b\n\n" + strings.Repeat(strings.Repeat("y", 100000)+"\n", 20),
	"nul":          "From a@b Mon Jan  1 00:00:00 2001\nA: b\n\n" + strings.Repeat("\x00", 2<<20),
	"from-lines":   strings.Repeat("From a@b Mon Jan  1 00:00:00 2001\n", 50000),
	"dmg-fields":   "From a@b Mon Jan  1 00:00:00 2001\nA: b\n\n" + strings.Repeat("\x00\x00\x00\x00\x00\nA: b\n", 100000),
	"separators":   strings.Repeat("From a@b Mon Jan  1 00:00:00 2001\nA: b\n\n", 50000),
}

func TestAdversarial(t *testing.T) {
	for name, data := range adversarial {
		t.Run(name, func(t *testing.T) {
			spans := checkAccounting(t, []byte(data))
			if name == "separators" && len(spans) != 50000 {
				t.Errorf("%d spans, want 50000", len(spans))
			}
		})
	}
}

func BenchmarkAdversarial(b *testing.B) {
	for name, data := range adversarial {
		b.Run(name, func(b *testing.B) {
			b.SetBytes(int64(len(data)))
			for i := 0; i < b.N; i++ {
				checkAccounting(b, []byte(data))
			}
		})
	}
}
