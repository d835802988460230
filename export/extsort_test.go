package export

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
)

// TestKeySorter: records come back in key order, then sequence order,
// whether they stayed in memory, spilled to runs, or to more runs than
// are merged at once.
func TestKeySorter(t *testing.T) {
	for _, limit := range []int{1 << 30, 4096, 200} {
		rng := rand.New(rand.NewPCG(uint64(limit), 1))
		s := newKeySorter("", "mailsalvage-sort-", 0)
		s.limit = limit
		var want []sortRec
		for i := 0; i < 5000; i++ {
			r := sortRec{key: fmt.Sprintf("messages/%c/%d.eml", 'a'+rng.IntN(26), rng.IntN(300)), seq: int64(rng.IntN(1000)), val: []byte{byte(i), byte(i >> 8)}}
			want = append(want, r)
			if err := s.add(r.key, r.seq, r.val); err != nil {
				t.Fatal(err)
			}
		}
		slices.SortStableFunc(want, cmpRec)
		var got []sortRec
		if err := s.each(func(r sortRec) error { got = append(got, r); return nil }); err != nil {
			t.Fatal(err)
		}
		if len(got) != len(want) {
			t.Fatalf("limit %d: %d records back, want %d", limit, len(got), len(want))
		}
		for i := range got {
			if cmpRec(got[i], want[i]) != 0 {
				t.Fatalf("limit %d: record %d is %+v, want %+v", limit, i, got[i], want[i])
			}
		}
		if len(s.runs) >= maxRuns || limit == 200 && s.files <= maxRuns {
			t.Errorf("limit %d: %d runs left of %d made; want fewer than %d, and more made than that (merged)", limit, len(s.runs), s.files, maxRuns)
		}
		s.close()
	}
}

// TestVerifySpilled runs the Verify tests with a sorter that spills at
// once.
func TestVerifySpilled(t *testing.T) {
	old := sortMemory
	sortMemory = 64
	defer func() { sortMemory = old }()
	t.Run("clean", TestVerifyClean)
	t.Run("mismatches", TestVerifyMismatches)
	t.Run("log problems", TestVerifyLogProblems)
}
