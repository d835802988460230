// Command carvefloor measures what no carver can beat on this machine, for
// bench/carve.sh: how fast the image can be read from the page cache and
// passed over by the cheapest byte searches, and how long writing the
// carved files takes by itself.
//
//	carvefloor IMAGE [MESSAGES-DIR SCRATCH-DIR]
//
// Reads use 1 MiB pread calls, on one and on two goroutines (as cat reads
// 128 KiB at a time). "newlines" counts '\n' with bytes.Count, "colons"
// stops at every ':' with bytes.IndexByte: a carver that looks at each
// header-field colon or line start can go no faster than these. With a
// messages folder (a carve's output), every file in it is written again
// under SCRATCH-DIR with os.WriteFile on two goroutines: the time any tool
// needs to write the same files, one per message.
package main

import (
	"bytes"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"time"
)

func main() {
	if len(os.Args) != 2 && len(os.Args) != 4 {
		fmt.Fprintln(os.Stderr, "usage: carvefloor IMAGE [MESSAGES-DIR SCRATCH-DIR]")
		os.Exit(2)
	}
	if err := passes(os.Args[1]); err != nil {
		fmt.Fprintln(os.Stderr, "carvefloor:", err)
		os.Exit(1)
	}
	if len(os.Args) == 4 {
		if err := rewrite(os.Args[2], os.Args[3]); err != nil {
			fmt.Fprintln(os.Stderr, "carvefloor:", err)
			os.Exit(1)
		}
	}
}

// passes times reading the image, bare and with the two searches.
func passes(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return err
	}
	size := st.Size()
	work := map[string]func([]byte) int{
		"read":     func([]byte) int { return 0 },
		"newlines": func(b []byte) int { return bytes.Count(b, []byte{'\n'}) },
		"colons": func(b []byte) int {
			n := 0
			for {
				i := bytes.IndexByte(b, ':')
				if i < 0 {
					return n
				}
				n++
				b = b[i+1:]
			}
		},
	}
	for _, name := range []string{"read", "newlines", "colons"} {
		for _, workers := range []int{1, 2} {
			best := time.Duration(1 << 62)
			var found int
			for range 3 {
				d, n, err := pass(f, size, workers, work[name])
				if err != nil {
					return err
				}
				best, found = min(best, d), n
			}
			fmt.Printf("%s, %d goroutine(s): %.0f MB/s (%d found)\n", name, workers, float64(size)/1e6/best.Seconds(), found)
		}
	}
	return nil
}

func pass(f *os.File, size int64, workers int, work func([]byte) int) (time.Duration, int, error) {
	start := time.Now()
	var wg sync.WaitGroup
	found := make([]int, workers)
	errs := make([]error, workers)
	for g := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			buf := make([]byte, 1<<20)
			for off := int64(g) << 20; off < size; off += int64(workers) << 20 {
				n, err := f.ReadAt(buf, off)
				if n == 0 && err != nil {
					errs[g] = err
					return
				}
				found[g] += work(buf[:n])
			}
		}()
	}
	wg.Wait()
	d := time.Since(start)
	total := 0
	for g := range workers {
		if errs[g] != nil {
			return 0, 0, errs[g]
		}
		total += found[g]
	}
	return d, total, nil
}

// rewrite writes every file under src again under dst, two at a time.
func rewrite(src, dst string) error {
	var data [][]byte
	var total int64
	err := filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return err
		}
		b, err := os.ReadFile(p)
		data = append(data, b)
		total += int64(len(b))
		return err
	})
	if err != nil {
		return err
	}
	if err := os.MkdirAll(dst, 0o755); err != nil {
		return err
	}
	defer os.RemoveAll(dst)
	start := time.Now()
	var wg sync.WaitGroup
	errs := make([]error, 2)
	for g := range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := g; i < len(data); i += 2 {
				if err := os.WriteFile(filepath.Join(dst, strconv.Itoa(i)+".eml"), data[i], 0o644); err != nil {
					errs[g] = err
					return
				}
			}
		}()
	}
	wg.Wait()
	d := time.Since(start)
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	fmt.Printf("writing the %d carved files again (%d bytes) under %s: %.2f s\n", len(data), total, dst, d.Seconds())
	return nil
}
