package export

import (
	"crypto/md5"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"
)

// Verification of an output folder against its provenance log: every
// file the log names is hashed again (SHA-256 and MD5) and compared with
// the log, and every file under OUT/messages that the log does not name
// is reported. Several lines naming one file (duplicates) are fine as
// long as they agree on its hashes.

// Mismatch is a file whose bytes are not what the log says.
type Mismatch struct {
	File      string `json:"file"`
	Reason    string `json:"reason"`
	WantSHA   string `json:"want_sha256"`
	GotSHA    string `json:"got_sha256,omitempty"`
	WantMD5   string `json:"want_md5"`
	GotMD5    string `json:"got_md5,omitempty"`
	WantSize  int64  `json:"want_size"`
	GotSize   int64  `json:"got_size"`
	FirstLine int    `json:"line"` // the first provenance line naming it
}

// VerifyResult is what Verify found.
type VerifyResult struct {
	Out   string `json:"out"`
	Lines int    `json:"lines"` // provenance lines read
	Files int    `json:"files"` // distinct files they name
	OK    int    `json:"ok"`    // files whose bytes match
	// Changed: files present whose size or hashes differ from the log.
	Changed []Mismatch `json:"changed"`
	// Missing: files the log names that are not there.
	Missing []string `json:"missing"`
	// Extra: files under messages/ that no line names.
	Extra []string `json:"extra"`
	// Inconsistent: files that two lines of the log give different
	// hashes for, and lines naming a file outside OUT/messages.
	Inconsistent []string `json:"inconsistent"`
	// BadLines: lines of the log that could not be read.
	BadLines []string `json:"bad_lines"`
	// More counts the log problems not listed (past 1,000 of each kind).
	More int `json:"more_log_problems,omitempty"`
}

// maxListed bounds the log problems listed by kind.
const maxListed = 1000

// Clean reports whether nothing was found wrong.
func (v *VerifyResult) Clean() bool {
	return len(v.Changed) == 0 && len(v.Missing) == 0 && len(v.Extra) == 0 &&
		len(v.Inconsistent) == 0 && len(v.BadLines) == 0 && v.More == 0
}

// expected is what the log says of one file: about 170 bytes a file
// with its name, the one thing Verify holds per file.
type expected struct {
	sha  [sha256.Size]byte
	md5  [md5.Size]byte
	size int64
	line int
	bad  bool // the log's hashes are not hex of the right length
}

// verifyLine is the part of a provenance line Verify reads.
type verifyLine struct {
	File   string `json:"file"`
	SHA256 string `json:"sha256"`
	MD5    string `json:"md5"`
	Size   int64  `json:"size"`
}

func (v *verifyLine) expected(n int) expected {
	e := expected{size: v.Size, line: n}
	s, err1 := hex.DecodeString(v.SHA256)
	m, err2 := hex.DecodeString(v.MD5)
	if err1 != nil || err2 != nil || len(s) != sha256.Size || len(m) != md5.Size {
		e.bad = true
		return e
	}
	copy(e.sha[:], s)
	copy(e.md5[:], m)
	return e
}

// Verify checks OUT against OUT/provenance.jsonl. It returns an error
// only when the log cannot be read at all; everything else is in the
// result.
func Verify(out string) (*VerifyResult, error) {
	res := &VerifyResult{Out: out, Changed: []Mismatch{}, Missing: []string{}, Extra: []string{},
		Inconsistent: []string{}, BadLines: []string{}}
	want := map[string]expected{}
	inconsistent := map[string]bool{}
	badLine := func(n int, err error) {
		if len(res.BadLines) < maxListed {
			res.BadLines = append(res.BadLines, fmt.Sprintf("%s line %d: %v", ProvenanceFile, n, err))
		} else {
			res.More++
		}
	}
	note := func(s string) {
		if len(res.Inconsistent) < maxListed {
			res.Inconsistent = append(res.Inconsistent, s)
		} else {
			res.More++
		}
	}
	err := scanProvenance(out, func(n int, b []byte) error {
		var l verifyLine
		if err := json.Unmarshal(b, &l); err != nil {
			badLine(n, err)
			return nil
		}
		res.Lines++
		f := l.File
		if !validOutName(f) {
			note(fmt.Sprintf("%s line %d: file %q is not a path under %s/", ProvenanceFile, n, f, MessagesDir))
			return nil
		}
		e := l.expected(n)
		if e.bad {
			note(fmt.Sprintf("%s line %d: %s: sha256 or md5 is not a hash", ProvenanceFile, n, f))
		}
		prev, ok := want[f]
		if !ok {
			want[f] = e
			return nil
		}
		if (prev.sha != e.sha || prev.md5 != e.md5 || prev.size != e.size || prev.bad || e.bad) && !inconsistent[f] {
			inconsistent[f] = true
			note(fmt.Sprintf("%s: lines %d and %d of %s give different hashes", f, prev.line, n, ProvenanceFile))
		}
		return nil
	}, badLine)
	if err != nil {
		return nil, err
	}
	res.Files = len(want)

	// hash what the log names, in parallel
	names := make([]string, 0, len(want))
	for f := range want {
		names = append(names, f)
	}
	sort.Strings(names)
	type outcome struct {
		mis     *Mismatch
		missing bool
	}
	outcomes := make([]outcome, len(names))
	var wg sync.WaitGroup
	next := make(chan int)
	for w := 0; w < max(2, runtime.GOMAXPROCS(0)); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				f := names[i]
				e := want[f]
				sha, md, size, err := hashFile(filepath.Join(out, filepath.FromSlash(f)))
				switch {
				case err != nil && os.IsNotExist(err):
					outcomes[i].missing = true
				case err != nil:
					outcomes[i].mis = &Mismatch{File: f, Reason: err.Error(), WantSHA: hex.EncodeToString(e.sha[:]),
						WantMD5: hex.EncodeToString(e.md5[:]), WantSize: e.size, FirstLine: e.line}
				case sha != e.sha || md != e.md5 || size != e.size:
					var why []string
					if size != e.size {
						why = append(why, fmt.Sprintf("size %d, log says %d", size, e.size))
					}
					if sha != e.sha {
						why = append(why, "SHA-256 differs")
					}
					if md != e.md5 {
						why = append(why, "MD5 differs")
					}
					outcomes[i].mis = &Mismatch{File: f, Reason: strings.Join(why, "; "),
						WantSHA: hex.EncodeToString(e.sha[:]), GotSHA: hex.EncodeToString(sha[:]),
						WantMD5: hex.EncodeToString(e.md5[:]), GotMD5: hex.EncodeToString(md[:]),
						WantSize: e.size, GotSize: size, FirstLine: e.line}
				}
			}
		}()
	}
	for i := range names {
		next <- i
	}
	close(next)
	wg.Wait()
	for i, o := range outcomes {
		switch {
		case o.missing:
			res.Missing = append(res.Missing, names[i])
		case o.mis != nil:
			res.Changed = append(res.Changed, *o.mis)
		default:
			res.OK++
		}
	}

	// files nobody names
	root := filepath.Join(out, MessagesDir)
	werr := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if p == root && os.IsNotExist(err) {
				return nil
			}
			res.Extra = append(res.Extra, fmt.Sprintf("%s (cannot be read: %v)", p, err))
			return nil
		}
		if d.IsDir() {
			return nil
		}
		rel, err := filepath.Rel(out, p)
		if err != nil {
			return err
		}
		rel = filepath.ToSlash(rel)
		if _, ok := want[rel]; !ok {
			res.Extra = append(res.Extra, rel)
		}
		return nil
	})
	if werr != nil {
		return nil, werr
	}
	sort.Strings(res.Extra)
	return res, nil
}

// validOutName reports whether f is a clean relative path below messages/.
func validOutName(f string) bool {
	if !strings.HasPrefix(f, MessagesDir+"/") || path.Clean(f) != f || strings.Contains(f, "\\") {
		return false
	}
	return filepath.IsLocal(filepath.FromSlash(f))
}

// hashFile hashes a regular file; a symbolic link or other non-regular
// file is an error, since the exporter writes only regular files.
func hashFile(name string) (sha [sha256.Size]byte, md [md5.Size]byte, size int64, err error) {
	info, err := os.Lstat(name)
	if err != nil {
		return sha, md, 0, err
	}
	if !info.Mode().IsRegular() {
		return sha, md, 0, fmt.Errorf("not a regular file (%s)", info.Mode().Type())
	}
	f, err := os.Open(name)
	if err != nil {
		return sha, md, 0, err
	}
	defer f.Close()
	hs, hm := sha256.New(), md5.New()
	size, err = io.Copy(io.MultiWriter(hs, hm), f)
	if err != nil {
		return sha, md, size, err
	}
	hs.Sum(sha[:0])
	hm.Sum(md[:0])
	return sha, md, size, nil
}
