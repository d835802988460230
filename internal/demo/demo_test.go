package demo

import (
	"bytes"
	"path/filepath"
	"sort"
	"testing"
)

// The committed demo data is what the generator makes: a change to either
// shows up here. Rebuild with: go run ./internal/demo/gendemo
func TestDemoUpToDate(t *testing.T) {
	got, err := Read(filepath.Join("..", "..", filepath.FromSlash(Dir)))
	if err != nil {
		t.Fatalf("reading committed demo data: %v (rebuild with go run ./internal/demo/gendemo)", err)
	}
	want := Files()
	var names []string
	for n := range want {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		if g, ok := got[n]; !ok {
			t.Errorf("%s: missing from %s", n, Dir)
		} else if !bytes.Equal(g, want[n]) {
			t.Errorf("%s: differs from the generator's output", n)
		}
	}
	for n := range got {
		if _, ok := want[n]; !ok {
			t.Errorf("%s: in %s but not made by the generator", n, Dir)
		}
	}
}

// Generating twice gives the same bytes.
func TestDeterministic(t *testing.T) {
	a, b := Files(), Files()
	for n := range a {
		if !bytes.Equal(a[n], b[n]) {
			t.Errorf("%s differs between two runs", n)
		}
	}
}
