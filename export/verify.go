package export

import (
	"crypto/md5"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"runtime"
	"slices"
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

// expected is what the log says of one file.
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
//
// Its memory does not grow with the number of files: the log's lines and
// the files found under messages/ are each sorted by name through a
// keySorter (spilling to a temporary folder outside OUT), then read side
// by side, and files are hashed a batch at a time.
func Verify(out string) (*VerifyResult, error) {
	res := &VerifyResult{Out: out, Changed: []Mismatch{}, Missing: []string{}, Extra: []string{},
		Inconsistent: []string{}, BadLines: []string{}}
	badLine := func(n int, err error) {
		if len(res.BadLines) < maxListed {
			res.BadLines = append(res.BadLines, fmt.Sprintf("%s line %d: %v", ProvenanceFile, n, err))
		} else {
			res.More++
		}
	}
	// notes about the log are listed in line order, the first maxListed
	notes := &lineNotes{res: res}
	logged := newKeySorter("", "mailsalvage-sort-", 0)
	defer logged.close()
	err := scanProvenance(out, func(n int, b []byte) error {
		var l verifyLine
		if err := json.Unmarshal(b, &l); err != nil {
			badLine(n, err)
			return nil
		}
		res.Lines++
		f := l.File
		if !validOutName(f) {
			notes.add(n, fmt.Sprintf("%s line %d: file %q is not a path under %s/", ProvenanceFile, n, f, MessagesDir))
			return nil
		}
		e := l.expected(n)
		if e.bad {
			notes.add(n, fmt.Sprintf("%s line %d: %s: sha256 or md5 is not a hash", ProvenanceFile, n, f))
		}
		return logged.add(f, int64(n), e.encode())
	}, badLine)
	if err != nil {
		return nil, err
	}

	// the files under messages/
	found := newKeySorter("", "mailsalvage-sort-", 0)
	defer found.close()
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
		return found.add(filepath.ToSlash(rel), 0, nil)
	})
	if werr != nil {
		return nil, werr
	}
	// files on disk, in name order, for the pairing
	var onDisk []string
	onDiskDone := false
	diskNames := make(chan string, 1024)
	diskErr := make(chan error, 1)
	stop := make(chan struct{})
	defer close(stop)
	go func() {
		defer close(diskNames)
		diskErr <- found.each(func(r sortRec) error {
			select {
			case diskNames <- r.key:
				return nil
			case <-stop:
				return errVerifyStopped
			}
		})
	}()
	nextDisk := func() (string, bool) {
		if len(onDisk) > 0 {
			return onDisk[0], true
		}
		if onDiskDone {
			return "", false
		}
		n, ok := <-diskNames
		if !ok {
			onDiskDone = true
			return "", false
		}
		onDisk = append(onDisk, n)
		return n, true
	}
	popDisk := func() { onDisk = onDisk[1:] }
	// files on disk before name that no line names
	extrasBefore := func(name string, all bool) {
		for {
			d, ok := nextDisk()
			if !ok || !all && d >= name {
				return
			}
			res.Extra = append(res.Extra, d)
			popDisk()
		}
	}

	// the log's files, by name, each with what its first line says
	var batch []verifyJob
	flush := func() {
		hashBatch(out, batch)
		for _, j := range batch {
			switch {
			case j.missing:
				res.Missing = append(res.Missing, j.name)
			case j.mis != nil:
				res.Changed = append(res.Changed, *j.mis)
			default:
				res.OK++
			}
		}
		batch = batch[:0]
	}
	var cur verifyJob
	have, conflict := false, false
	finish := func() {
		if !have {
			return
		}
		res.Files++
		extrasBefore(cur.name, false)
		if d, ok := nextDisk(); ok && d == cur.name {
			popDisk()
		}
		batch = append(batch, cur)
		if len(batch) >= verifyBatch {
			flush()
		}
	}
	err = logged.each(func(r sortRec) error {
		e, ok := decodeExpected(r.val, int(r.seq))
		if !ok {
			return errSortRun
		}
		if !have || r.key != cur.name {
			finish()
			cur, have, conflict = verifyJob{name: r.key, want: e}, true, false
			return nil
		}
		prev := cur.want
		if (prev.sha != e.sha || prev.md5 != e.md5 || prev.size != e.size || prev.bad || e.bad) && !conflict {
			conflict = true
			notes.add(e.line, fmt.Sprintf("%s: lines %d and %d of %s give different hashes", r.key, prev.line, e.line, ProvenanceFile))
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	finish()
	flush()
	extrasBefore("", true)
	if err := <-diskErr; err != nil {
		return nil, err
	}
	notes.done()
	sort.Strings(res.Extra)
	return res, nil
}

var errVerifyStopped = errors.New("export: verify stopped")

// verifyBatch is how many files are hashed at a time.
const verifyBatch = 4096

// verifyJob is one file the log names and what became of it.
type verifyJob struct {
	name    string
	want    expected
	mis     *Mismatch
	missing bool
}

// hashBatch hashes the files of a batch, several at once.
func hashBatch(out string, batch []verifyJob) {
	var wg sync.WaitGroup
	next := make(chan int)
	for w := 0; w < max(2, runtime.GOMAXPROCS(0)); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				j := &batch[i]
				f, e := j.name, j.want
				sha, md, size, err := hashFile(filepath.Join(out, filepath.FromSlash(f)))
				switch {
				case err != nil && os.IsNotExist(err):
					j.missing = true
				case err != nil:
					j.mis = &Mismatch{File: f, Reason: err.Error(), WantSHA: hex.EncodeToString(e.sha[:]),
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
					j.mis = &Mismatch{File: f, Reason: strings.Join(why, "; "),
						WantSHA: hex.EncodeToString(e.sha[:]), GotSHA: hex.EncodeToString(sha[:]),
						WantMD5: hex.EncodeToString(e.md5[:]), GotMD5: hex.EncodeToString(md[:]),
						WantSize: e.size, GotSize: size, FirstLine: e.line}
				}
			}
		}()
	}
	for i := range batch {
		next <- i
	}
	close(next)
	wg.Wait()
}

// encode packs what a line says of its file for the sorter.
func (e expected) encode() []byte {
	b := make([]byte, 0, sha256.Size+md5.Size+11)
	b = append(b, e.sha[:]...)
	b = append(b, e.md5[:]...)
	b = binary.AppendVarint(b, e.size)
	if e.bad {
		return append(b, 1)
	}
	return append(b, 0)
}

func decodeExpected(b []byte, line int) (expected, bool) {
	e := expected{line: line}
	if len(b) < sha256.Size+md5.Size+2 {
		return e, false
	}
	copy(e.sha[:], b)
	copy(e.md5[:], b[sha256.Size:])
	size, n := binary.Varint(b[sha256.Size+md5.Size:])
	if n <= 0 || sha256.Size+md5.Size+n+1 != len(b) {
		return e, false
	}
	e.size, e.bad = size, b[len(b)-1] == 1
	return e, true
}

// lineNotes keeps the first maxListed notes by line number, counting the
// others in More.
type lineNotes struct {
	res   *VerifyResult
	notes []lineNote
}

type lineNote struct {
	line int
	text string
}

func (l *lineNotes) add(line int, text string) {
	l.notes = append(l.notes, lineNote{line, text})
	if len(l.notes) >= 4*maxListed {
		l.trim()
	}
}

func (l *lineNotes) trim() {
	slices.SortStableFunc(l.notes, func(a, b lineNote) int { return a.line - b.line })
	if len(l.notes) > maxListed {
		l.res.More += len(l.notes) - maxListed
		l.notes = l.notes[:maxListed]
	}
}

func (l *lineNotes) done() {
	l.trim()
	for _, n := range l.notes {
		l.res.Inconsistent = append(l.res.Inconsistent, n.text)
	}
}

// validOutName reports whether f is a clean relative path below messages/.
func validOutName(f string) bool {
	if !strings.HasPrefix(f, MessagesDir+"/") || path.Clean(f) != f || strings.Contains(f, "\\") {
		return false
	}
	return filepath.IsLocal(filepath.FromSlash(f))
}

var hashBufs = sync.Pool{New: func() any { b := make([]byte, 64<<10); return &b }}

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
	buf := hashBufs.Get().(*[]byte)
	defer hashBufs.Put(buf)
	// (the struct hides the file's WriteTo, which would take a new 32 KiB
	// buffer for every file)
	size, err = io.CopyBuffer(io.MultiWriter(hs, hm), struct{ io.Reader }{f}, *buf)
	if err != nil {
		return sha, md, size, err
	}
	hs.Sum(sha[:0])
	hm.Sum(md[:0])
	return sha, md, size, nil
}
