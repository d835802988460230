// Command pstfloor does, for bench/pst.sh, the part of recovering a PST or
// OST that no tool meeting our output contract can skip, and nothing
// else, so that its run time is a floor under `mailsalvage recover`:
//
//	pstfloor FILE MESSAGES-DIR SCRATCH-DIR
//
// On two goroutines, as the command would: the SHA-256 of FILE (every
// provenance line names the evidence's hash), and every block of FILE's
// block B-tree read, checked and decoded (decrypted, and inflated in an
// OST 2013 file) through formats/pst/ndb, once each. Then one file is
// written under SCRATCH-DIR for each .eml under MESSAGES-DIR (a recover's
// output of FILE), of the same size. It parses no property, builds no
// MIME and looks for no deleted item; readpst, the peer it is set beside,
// hashes nothing. It prints what it did on stderr; bench/pst.sh times the
// whole process, start-up included, as it times the tools.
package main

import (
	"crypto/sha256"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"

	"github.com/mailsalvage/mailsalvage/formats/pst/ndb"
)

func main() {
	if len(os.Args) != 4 {
		fmt.Fprintln(os.Stderr, "usage: pstfloor FILE MESSAGES-DIR SCRATCH-DIR")
		os.Exit(2)
	}
	if err := run(os.Args[1], os.Args[2], os.Args[3]); err != nil {
		fmt.Fprintln(os.Stderr, "pstfloor:", err)
		os.Exit(1)
	}
}

func run(path, messages, scratch string) error {
	sizes, err := emlSizes(messages)
	if err != nil {
		return err
	}
	var (
		wg      sync.WaitGroup
		hashErr error
		sum     []byte
	)
	wg.Add(1)
	go func() {
		defer wg.Done()
		sum, hashErr = hashFile(path)
	}()
	blocks, bytes, err := readBlocks(path)
	wg.Wait()
	if err != nil {
		return err
	}
	if hashErr != nil {
		return hashErr
	}
	written, err := writeFiles(scratch, sizes)
	if err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "pstfloor: sha256 %x; %d blocks, %d bytes decoded; %d files, %d bytes written\n",
		sum[:8], blocks, bytes, len(sizes), written)
	return nil
}

func hashFile(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.CopyBuffer(h, struct{ io.Reader }{f}, make([]byte, 1<<20)); err != nil {
		return nil, err
	}
	return h.Sum(nil), nil
}

// readBlocks reads and decodes every block the BBT lists, once.
func readBlocks(path string) (n int, total int64, err error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, 0, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return 0, 0, err
	}
	db, err := ndb.Open(f, st.Size())
	if err != nil {
		return 0, 0, err
	}
	var entries []ndb.BlockEntry
	if err := db.WalkBlocks(func(e ndb.BlockEntry) bool {
		entries = append(entries, e)
		return true
	}); err != nil {
		return 0, 0, err
	}
	for _, e := range entries {
		b, err := db.ReadBlockEntry(e)
		if err != nil {
			continue // a damaged block: the command warns and goes on
		}
		n++
		total += int64(len(b))
	}
	return n, total, nil
}

// emlSizes lists the size of every .eml under dir.
func emlSizes(dir string) ([]int64, error) {
	var sizes []int64
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, ".eml") {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		sizes = append(sizes, info.Size())
		return nil
	})
	return sizes, err
}

// writeFiles writes one file per size under dir, on two goroutines.
func writeFiles(dir string, sizes []int64) (int64, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return 0, err
	}
	var largest int64
	for _, s := range sizes {
		largest = max(largest, s)
	}
	buf := make([]byte, largest)
	for i := range buf {
		buf[i] = 'x'
	}
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		first error
		total int64
	)
	for w := range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < len(sizes); i += 2 {
				name := filepath.Join(dir, strconv.Itoa(i)+".eml")
				err := os.WriteFile(name, buf[:sizes[i]], 0o644)
				mu.Lock()
				if err != nil && first == nil {
					first = err
				}
				total += sizes[i]
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	return total, first
}
