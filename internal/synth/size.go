package synth

import (
	"strconv"
	"strings"
)

// ParseSize reads a size as the benchmark generators take it: a number
// of bytes with an optional KiB, MiB or GiB suffix ("256MiB").
func ParseSize(s string) (int64, error) {
	mult := int64(1)
	for suf, m := range map[string]int64{"KiB": 1 << 10, "MiB": 1 << 20, "GiB": 1 << 30} {
		if strings.HasSuffix(s, suf) {
			s, mult = strings.TrimSuffix(s, suf), m
		}
	}
	n, err := strconv.ParseInt(s, 10, 64)
	return n * mult, err
}
