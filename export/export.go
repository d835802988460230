// Package export writes what the readers recover: one .eml file per
// distinct message under OUT/messages/<folder>/, a provenance log
// (OUT/provenance.jsonl) with one line per message occurrence, and a run
// summary (OUT/summary.json), as DESIGN.md fixes them; and, from those,
// when the exporter is closed, OUT/report.html, OUT/dfxml.xml and
// OUT/timeline.csv (see WriteReports). Verify checks an OUT against its
// provenance log.
//
// Output is deterministic: file names derive from the message's date,
// subject and SHA-256, and provenance lines are written in the order the
// readers return messages, with no times or run details in them; the one
// run record (tool version, start time, arguments) is in summary.json.
// Every .eml is written to a temporary file and renamed into place, so an
// interrupted run leaves no half-written message. Identical messages are
// written once; each occurrence still gets its own provenance line.
package export

import (
	"bufio"
	"bytes"
	"crypto/md5"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/mailsalvage/mailsalvage/formats"
	"github.com/mailsalvage/mailsalvage/formats/rfc5322"
)

// File names inside OUT.
const (
	MessagesDir    = "messages"
	ProvenanceFile = "provenance.jsonl"
	SummaryFile    = "summary.json"
	tmpDir         = ".mailsalvage-tmp"
)

// headerCapture bounds the bytes kept from each message to summarize its
// header.
const headerCapture = 256 << 10

// Record is one provenance line: one occurrence of a recovered message.
type Record struct {
	File      string            `json:"file"` // the .eml, relative to OUT, slash-separated
	SHA256    string            `json:"sha256"`
	MD5       string            `json:"md5"`
	Size      int64             `json:"size"`
	MessageID string            `json:"message_id"`
	Subject   string            `json:"subject"`
	Date      string            `json:"date"` // RFC 3339 when the Date field parsed, else ""
	From      string            `json:"from"`
	To        string            `json:"to"`
	Folder    string            `json:"folder"` // the source folder path, "/"-joined, as the source names it
	State     formats.State     `json:"state"`
	Method    string            `json:"method"`
	Source    Evidence          `json:"source"`
	Chain     formats.Chain     `json:"chain"`
	Warnings  []string          `json:"warnings"`
	Attrs     map[string]string `json:"attrs,omitempty"`
	// Duplicate is set when the same bytes were already written for an
	// earlier occurrence; File then names that copy.
	Duplicate bool `json:"duplicate,omitempty"`
	// Bounce lists the failed recipients when the message is a delivery
	// failure notice (filled by Options.Bounce).
	Bounce []BounceRecipient `json:"bounce,omitempty"`
}

// BounceRecipient is one failed recipient of a delivery failure notice.
type BounceRecipient struct {
	Recipient string `json:"recipient"`
	ReplyCode string `json:"reply_code"` // SMTP reply code ("550"), "" when the notice has none
	Status    string `json:"status"`     // RFC 3463 enhanced status ("5.1.1"), "" when the notice has none
	Reason    string `json:"reason"`     // sisimai's reason name ("userunknown")
}

// Evidence identifies the evidence file a message came from.
type Evidence struct {
	Path   string `json:"path"`
	SHA256 string `json:"sha256"`
}

// Options control an export.
type Options struct {
	// Force allows writing into an OUT that already holds files.
	Force bool
	// Run record for summary.json.
	Tool    string
	Version string
	Args    []string
	// Now returns the time; tests fix it. Defaults to time.Now.
	Now func() time.Time
	// Transform, if set, may rewrite a message before it is written (the
	// CLI decodes TNEF parts with it). It returns the new bytes and true,
	// recording what it did in m (a hop, a warning, the method), or false
	// to keep the message as read. It runs on the worker goroutines, so it
	// must be safe for concurrent use; messages too big to buffer (over
	// 16 MiB) are written as read.
	Transform func(m *formats.Message, content []byte) ([]byte, bool)
	// Bounce, if set, reads a message as written and returns its failed
	// recipients when it is a delivery failure notice (the CLI uses
	// package bounce), or nil. It runs on the worker goroutines; messages
	// over 16 MiB are not given to it.
	Bounce func(content []byte) []BounceRecipient
}

// Exporter writes one run's output. Its methods are called from one
// goroutine; inside, messages are hashed and written by a pool of workers
// and committed (named, deduplicated, logged) in the order they were added,
// so the output does not depend on scheduling.
type Exporter struct {
	out     string
	opt     Options
	started time.Time
	prov    *provLog
	inputs  []*InputSummary
	cur     *InputSummary
	closed  bool

	// the pipeline: Add -> jobs -> workers -> results -> committer
	jobs      chan *job
	results   chan *job
	workers   sync.WaitGroup
	committer sync.WaitGroup
	budget    *budget
	seq       uint64 // jobs issued
	drained   *sync.Cond
	done      uint64          // jobs committed, under drained.L
	commitMu  sync.Mutex      // one commit at a time
	writtenMu sync.RWMutex    // written is read by workers, changed by commits
	written   *fileIndex      // content hash -> file relative to OUT
	dirs      map[string]bool // directories already created
	tmp       *tmpFiles       // OUT/.mailsalvage-tmp
}

// ErrOutNotEmpty is returned by Create for an OUT that already has files.
var ErrOutNotEmpty = errors.New("output folder is not empty (use --force to write into it anyway)")

const (
	// maxBuffered: messages up to this size are read into memory and handed
	// to the workers; larger ones are streamed to disk in the caller.
	maxBuffered = 16 << 20
	// maxInFlight bounds the message bytes held by the pipeline.
	maxInFlight = 64 << 20
)

// Create prepares OUT: it creates it if needed and refuses a non-empty one
// unless opt.Force is set.
func Create(out string, opt Options) (*Exporter, error) {
	if opt.Now == nil {
		opt.Now = time.Now
	}
	if entries, err := os.ReadDir(out); err == nil && len(entries) > 0 && !opt.Force {
		return nil, fmt.Errorf("%s: %w", out, ErrOutNotEmpty)
	} else if err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, err
	}
	// what an interrupted run left there (with --force) would stand in
	// the way of this run's temporary files
	temp := filepath.Join(out, tmpDir) // TempDir's
	if err := os.RemoveAll(temp); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(temp, 0o755); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(filepath.Join(out, MessagesDir), 0o755); err != nil {
		return nil, err
	}
	tmp, err := openTmpFiles(temp)
	if err != nil {
		return nil, err
	}
	p, err := newProvLog(filepath.Join(out, ProvenanceFile))
	if err != nil {
		tmp.close()
		return nil, err
	}
	idx, err := newFileIndex(filepath.Join(temp, "index"))
	if err != nil {
		tmp.close()
		return nil, err
	}
	n := max(2, runtime.GOMAXPROCS(0))
	e := &Exporter{
		out: out, opt: opt, started: opt.Now(), prov: p,
		jobs: make(chan *job, 2*n), results: make(chan *job, 2*n),
		budget:  newBudget(maxInFlight),
		drained: sync.NewCond(new(sync.Mutex)),
		written: idx,
		dirs:    map[string]bool{"": true},
		tmp:     tmp,
	}
	for i := 0; i < n; i++ {
		e.workers.Add(1)
		go e.worker()
	}
	e.committer.Add(1)
	go e.commitLoop()
	return e, nil
}

// TempDir is OUT/.mailsalvage-tmp: a folder for what a run needs to
// unpack, removed at Close.
func (e *Exporter) TempDir() string { return filepath.Join(e.out, tmpDir) }

// BeginInput starts accounting for one command-line input.
func (e *Exporter) BeginInput(path, format string) {
	e.cur = newInputSummary(path, format)
	if info, err := os.Stat(path); err == nil && info.Mode().IsRegular() {
		e.cur.Size = info.Size()
	}
	e.inputs = append(e.inputs, e.cur)
}

// SetInputSize records the size of the current input where it is not the
// size of the file named (the media size of an EWF or split raw image):
// the byte map of report.html spans it.
func (e *Exporter) SetInputSize(n int64) {
	if e.cur != nil && n > 0 {
		e.cur.Size = n
	}
}

// Problem records a non-fatal problem of the current input.
func (e *Exporter) Problem(err error) {
	if e.cur == nil {
		e.BeginInput("", "")
	}
	e.commitMu.Lock()
	e.cur.addProblem(err)
	e.commitMu.Unlock()
}

// EndInput closes the accounting of the current input; err, if not nil, is
// why the input could not be read (to the end). It waits for the input's
// messages to be written and logged.
func (e *Exporter) EndInput(err error) error {
	e.drain()
	if e.cur != nil && err != nil {
		e.cur.Error = err.Error()
	}
	e.cur = nil
	return e.prov.flush(true)
}

// Expect records how many messages a folder of the current input should
// hold, as the container's own tables say (see formats.Expecter).
func (e *Exporter) Expect(folder []string, n int) {
	if e.cur == nil {
		return
	}
	e.commitMu.Lock()
	defer e.commitMu.Unlock()
	f := e.cur.folder(strings.Join(validUTF8(folder), "/"))
	total := n
	if f.Expected != nil {
		total += *f.Expected
	}
	f.Expected = &total
}

// job is one message occurrence on its way through the pipeline.
type job struct {
	seq uint64
	in  *InputSummary
	m   *formats.Message
	buf *bytes.Buffer // the message, when buffered
	r   io.Reader     // the message, when streamed (too big to buffer)
	// results
	rec  *Record
	sum  [32]byte
	tmp  string // temporary file holding the message (a name in tmpDir), "" if not written
	dir  string // folder below OUT for it
	name string // proposed file name
	err  error
}

var bufPool = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// Add queues one message occurrence: its .eml is written unless the same
// bytes were written already, and its provenance line is logged, in the
// order of the calls to Add. An error is returned only when the message
// cannot be read; it is also counted in the summary.
func (e *Exporter) Add(m *formats.Message) error {
	if e.cur == nil {
		e.BeginInput(m.Evidence, "")
	}
	j := &job{in: e.cur, m: m}
	rc, err := m.Open()
	if err != nil {
		e.fail(j, err)
		return err
	}
	defer rc.Close()
	buf := bufPool.Get().(*bytes.Buffer)
	buf.Reset()
	if m.Size > 0 && m.Size <= maxBuffered {
		// room for the end-of-file read too, or ReadFrom grows the
		// buffer again for it
		buf.Grow(int(m.Size) + bytes.MinRead)
	}
	n, err := buf.ReadFrom(io.LimitReader(rc, maxBuffered+1))
	if err != nil && n == 0 {
		bufPool.Put(buf)
		e.fail(j, err)
		return err
	}
	if err != nil {
		// a read error part way (a bad sector of a failing disk): keep
		// what was read
		m.Warnf("read error after %d bytes, the rest of the message is lost: %v", n, err)
		if m.State != formats.Deleted {
			m.State = formats.Partial
		}
	}
	if n > maxBuffered {
		// too big to hold: finish what is queued, then stream it here
		e.drain()
		j.r = io.MultiReader(bytes.NewReader(buf.Bytes()), rc)
		e.seq++
		j.seq = e.seq
		e.process(j, newHashers())
		bufPool.Put(buf)
		e.results <- j // committed in order, like the others
		e.drain()
		return nil
	}
	j.buf = buf
	e.budget.acquire(buf.Len())
	e.seq++
	j.seq = e.seq
	e.jobs <- j
	return nil
}

func (e *Exporter) fail(j *job, err error) {
	e.commitMu.Lock()
	defer e.commitMu.Unlock()
	j.in.Failed++
	j.in.folder(strings.Join(validUTF8(j.m.Folder), "/")).Failed++
	j.in.addProblem(fmt.Errorf("%s: %s: message could not be read: %w", j.m.Evidence, j.m.Chain, err))
}

// drain waits until every queued message is committed.
func (e *Exporter) drain() {
	e.drained.L.Lock()
	for e.done < e.seq {
		e.drained.Wait()
	}
	e.drained.L.Unlock()
}

type hashers struct {
	sha, md5 hash.Hash
}

func newHashers() *hashers { return &hashers{sha: sha256.New(), md5: md5.New()} }

func (e *Exporter) worker() {
	defer e.workers.Done()
	h := newHashers()
	for j := range e.jobs {
		e.process(j, h)
		e.results <- j
	}
}

// commitLoop commits results in the order their messages were added.
func (e *Exporter) commitLoop() {
	defer e.committer.Done()
	pending := map[uint64]*job{}
	next := uint64(1)
	for j := range e.results {
		pending[j.seq] = j
		for {
			j, ok := pending[next]
			if !ok {
				break
			}
			delete(pending, next)
			e.commit(j)
			next++
		}
	}
}

// process hashes one message, summarizes its header and writes it to a
// temporary file (unless an identical message was committed already).
func (e *Exporter) process(j *job, h *hashers) {
	m := j.m
	h.sha.Reset()
	h.md5.Reset()
	var bounced []BounceRecipient
	var head []byte
	var n int64
	if j.buf != nil {
		b := j.buf.Bytes()
		if e.opt.Transform != nil {
			if out, ok := e.opt.Transform(m, b); ok {
				b = out
				m.Size = int64(len(b))
			}
		}
		h.sha.Write(b)
		h.md5.Write(b)
		head, n = b[:min(len(b), headerCapture)], int64(len(b))
		if e.opt.Bounce != nil {
			bounced = e.opt.Bounce(b)
		}
		h.sha.Sum(j.sum[:0])
		e.writtenMu.RLock()
		dup := e.written.has(j.sum)
		e.writtenMu.RUnlock()
		if !dup && n > 0 {
			j.tmp = tmpName(j.seq)
			if err := e.tmp.write(j.tmp, b); err != nil {
				j.tmp, j.err = "", err
				return
			}
		}
	} else {
		j.tmp = tmpName(j.seq)
		capture := &capWriter{max: headerCapture}
		n, j.err = streamTo(e.tmp.path(j.tmp), io.MultiWriter(h.sha, h.md5, capture), j.r)
		if j.err != nil {
			e.tmp.remove(j.tmp)
			j.tmp = ""
			return
		}
		head = capture.buf
		h.sha.Sum(j.sum[:0])
	}
	if n == 0 {
		j.err = errors.New("message has no bytes")
		return
	}
	shaHex := hex.EncodeToString(j.sum[:])
	hdr, _, _ := rfc5322.Parse(head)
	s := rfc5322.Summarize(hdr)
	rec := &Record{
		SHA256:    shaHex,
		MD5:       hexSum(h.md5),
		Size:      n,
		MessageID: s.MessageID,
		Subject:   s.Subject,
		From:      s.From,
		To:        s.To,
		Folder:    strings.Join(validUTF8(m.Folder), "/"),
		State:     m.State,
		Method:    m.Method,
		Source:    Evidence{Path: m.Evidence},
		Chain:     m.Chain,
		Warnings:  append([]string{}, m.Warnings...),
		Attrs:     m.Attrs,
		Bounce:    bounced,
	}
	if !s.Date.IsZero() {
		rec.Date = s.Date.Format(time.RFC3339)
	}
	if m.Size >= 0 && m.Size != n {
		rec.Warnings = append(rec.Warnings, fmt.Sprintf("reader announced %d bytes but gave %d", m.Size, n))
	}
	if len(hdr) == 0 {
		rec.Warnings = append(rec.Warnings, "no header fields at the start of the message")
	}
	if !rec.State.Valid() {
		rec.Warnings = append(rec.Warnings, fmt.Sprintf("reader gave unknown state %q", rec.State))
		rec.State = formats.Partial
	}
	j.rec = rec
	j.dir = path.Join(MessagesDir, FolderPath(m.Folder))
	j.name = MessageName(s.Date, s.Subject, shaHex)
}

// tmpName names the temporary file of the seq'th message.
func tmpName(seq uint64) string {
	var b [32]byte
	return string(append(strconv.AppendUint(append(b[:0], "msg-"...), seq, 10), ".eml"...))
}

// streamTo writes r to a new file at name through w as well.
func streamTo(name string, w io.Writer, r io.Reader) (int64, error) {
	f, err := os.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return 0, err
	}
	bw := bufio.NewWriterSize(f, 256<<10)
	n, err := io.Copy(io.MultiWriter(bw, w), r)
	if err == nil {
		err = bw.Flush()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return n, err
}

// commit names and places one processed message and logs it.
func (e *Exporter) commit(j *job) {
	e.commitMu.Lock()
	defer func() {
		e.commitMu.Unlock()
		if j.buf != nil {
			e.budget.release(j.buf.Len())
			bufPool.Put(j.buf)
			j.buf = nil
		}
		e.drained.L.Lock()
		e.done++
		e.drained.Broadcast()
		e.drained.L.Unlock()
	}()
	if j.err == nil {
		j.err = e.place(j)
	}
	if j.err != nil {
		if j.tmp != "" {
			e.tmp.remove(j.tmp)
		}
		j.in.Failed++
		j.in.folder(strings.Join(validUTF8(j.m.Folder), "/")).Failed++
		j.in.addProblem(fmt.Errorf("%s: %s: message could not be written: %w", j.m.Evidence, j.m.Chain, j.err))
		return
	}
	j.in.count(j.rec)
	if err := e.prov.add(j.rec, j.m.Evidence); err != nil {
		j.in.addProblem(fmt.Errorf("provenance log: %w", err))
	}
}

// place moves the message's temporary file to its name, or marks it a
// duplicate of the file already written with the same bytes.
func (e *Exporter) place(j *job) error {
	if prev, ok, err := e.written.lookup(j.sum); ok {
		if err != nil {
			return err
		}
		if j.tmp != "" {
			e.tmp.remove(j.tmp)
		}
		j.rec.File, j.rec.Duplicate = prev, true
		return nil
	}
	if j.tmp == "" {
		return errors.New("message was not written") // cannot happen: not a duplicate
	}
	if !e.dirs[j.dir] {
		if err := mkdirInside(e.out, j.dir); err != nil {
			return err
		}
		e.dirs[j.dir] = true
	}
	rel := path.Join(j.dir, j.name)
	for i := 2; ; i++ {
		dst := filepath.Join(e.out, filepath.FromSlash(rel))
		err := e.tmp.place(j.tmp, dst)
		if err == nil {
			break
		}
		if !errors.Is(err, fs.ErrExist) {
			return err
		}
		if sameContent(dst, j.sum) {
			// left by an earlier run into this OUT (--force): keep it
			e.tmp.remove(j.tmp)
			break
		}
		// another message has this name (same date, subject and
		// 48-bit hash prefix): never replace it
		rel = path.Join(j.dir, strings.TrimSuffix(j.name, ".eml")+fmt.Sprintf("_%d.eml", i))
	}
	j.tmp = ""
	e.writtenMu.Lock()
	err := e.written.add(j.sum, rel)
	e.writtenMu.Unlock()
	j.rec.File = rel
	return err
}

// mkdirInside creates the slash-separated folder rel below out, one
// level at a time, refusing to go through anything that is not a real
// folder: with --force, an OUT may already hold a symbolic link where a
// message folder goes, and following it would write outside OUT.
func mkdirInside(out, rel string) error {
	dir := out
	for _, elem := range strings.Split(rel, "/") {
		if elem == "" || elem == "." {
			continue
		}
		if elem == ".." {
			return fmt.Errorf("folder %q leaves the output folder", rel)
		}
		dir = filepath.Join(dir, elem)
		info, err := os.Lstat(dir)
		switch {
		case errors.Is(err, fs.ErrNotExist):
			if err := os.Mkdir(dir, 0o755); err != nil && !errors.Is(err, fs.ErrExist) {
				return err
			}
			if info, err = os.Lstat(dir); err != nil {
				return err
			}
		case err != nil:
			return err
		}
		if !info.IsDir() {
			return fmt.Errorf("%s is not a folder (%s); refusing to write through it", dir, info.Mode().Type())
		}
	}
	return nil
}

// sameContent reports whether the file at name has the given SHA-256.
func sameContent(name string, sum [32]byte) bool {
	f, err := os.Open(name)
	if err != nil {
		return false
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return false
	}
	var got [32]byte
	h.Sum(got[:0])
	return got == sum
}

// Close finishes the provenance log and writes summary.json.
func (e *Exporter) Close() error {
	if e.closed {
		return nil
	}
	e.closed = true
	e.drain()
	close(e.jobs)
	e.workers.Wait()
	close(e.results)
	e.committer.Wait()
	err := e.prov.close()
	e.written.close()
	e.tmp.close()
	os.RemoveAll(e.TempDir())
	if serr := e.writeSummary(); err == nil {
		err = serr
	}
	if err == nil {
		// report.html, dfxml.xml and timeline.csv, from what was logged
		err = WriteReports(e.out, ReportOptions{})
	}
	return err
}

// Inputs returns the per-input accounting so far.
func (e *Exporter) Inputs() []*InputSummary { return e.inputs }

func (e *Exporter) writeSummary() error {
	s := Summary{
		Tool: e.opt.Tool, Version: e.opt.Version, Args: e.opt.Args,
		Started:  e.started.UTC().Format(time.RFC3339),
		Finished: e.opt.Now().UTC().Format(time.RFC3339),
		Out:      e.out,
		Inputs:   e.inputs,
	}
	s.Totals.ByState = map[formats.State]int{}
	for _, in := range e.inputs {
		s.Totals.Messages += in.Messages
		s.Totals.Duplicates += in.Duplicates
		s.Totals.WithWarnings += in.WithWarnings
		s.Totals.Problems += in.ProblemCount
		s.Totals.Failed += in.Failed
		for st, n := range in.ByState {
			s.Totals.ByState[st] += n
		}
		if in.Error != "" {
			s.Totals.InputsFailed++
		}
	}
	s.Totals.Files = e.written.len()
	b, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return err
	}
	return writeAtomic(filepath.Join(e.out, SummaryFile), append(b, '\n'))
}

// writeAtomic writes a small file through a temporary file and a rename.
func writeAtomic(name string, data []byte) error {
	tmp := name + ".tmp"
	if err := os.WriteFile(tmp, data, 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, name)
}

func hexSum(h hash.Hash) string { return hex.EncodeToString(h.Sum(nil)) }

func validUTF8(ss []string) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = strings.ToValidUTF8(s, "\uFFFD")
	}
	return out
}

// capWriter keeps the first max bytes written to it.
type capWriter struct {
	buf []byte
	max int
}

func (c *capWriter) Write(p []byte) (int, error) {
	if room := c.max - len(c.buf); room > 0 {
		c.buf = append(c.buf, p[:min(room, len(p))]...)
	}
	return len(p), nil
}
