// Package export writes what the readers recover: one .eml file per
// distinct message under OUT/messages/<folder>/, a provenance log
// (OUT/provenance.jsonl) with one line per message occurrence, and a run
// summary (OUT/summary.json), as DESIGN.md fixes them.
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
	"crypto/md5"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"io"
	"os"
	"path"
	"path/filepath"
	"strings"
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
}

// Exporter writes one run's output. It is not safe for concurrent use.
type Exporter struct {
	out     string
	opt     Options
	started time.Time
	prov    *provLog
	written map[[32]byte]string // content hash -> file relative to OUT
	names   map[string]bool     // files written, relative to OUT
	dirs    map[string]bool     // directories already created
	inputs  []*InputSummary
	cur     *InputSummary
	tmpSeq  int
	closed  bool
	// reused for every message
	sha, md5 hash.Hash
	capture  *capWriter
	bw       *bufio.Writer
	copyBuf  []byte
}

// ErrOutNotEmpty is returned by Create for an OUT that already has files.
var ErrOutNotEmpty = errors.New("output folder is not empty (use --force to write into it anyway)")

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
	if err := os.MkdirAll(filepath.Join(out, tmpDir), 0o755); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(filepath.Join(out, MessagesDir), 0o755); err != nil {
		return nil, err
	}
	p, err := newProvLog(filepath.Join(out, ProvenanceFile))
	if err != nil {
		return nil, err
	}
	return &Exporter{
		out: out, opt: opt, started: opt.Now(), prov: p,
		written: make(map[[32]byte]string), names: make(map[string]bool),
		dirs: map[string]bool{"": true},
		sha:  sha256.New(), md5: md5.New(), capture: &capWriter{max: headerCapture},
		bw: bufio.NewWriterSize(nil, 256<<10), copyBuf: make([]byte, 256<<10),
	}, nil
}

// BeginInput starts accounting for one command-line input.
func (e *Exporter) BeginInput(path, format string) {
	e.cur = newInputSummary(path, format)
	e.inputs = append(e.inputs, e.cur)
}

// Problem records a non-fatal problem of the current input.
func (e *Exporter) Problem(err error) {
	if e.cur == nil {
		e.BeginInput("", "")
	}
	e.cur.addProblem(err)
}

// EndInput closes the accounting of the current input; err, if not nil, is
// why the input could not be read (to the end).
func (e *Exporter) EndInput(err error) error {
	if e.cur != nil && err != nil {
		e.cur.Error = err.Error()
	}
	e.cur = nil
	return e.prov.flush(true)
}

// Add writes one message occurrence: its .eml (unless the same bytes were
// written already) and its provenance line. The returned Record is what
// was logged.
func (e *Exporter) Add(m *formats.Message) (*Record, error) {
	if e.cur == nil {
		e.BeginInput(m.Evidence, "")
	}
	rec, err := e.write(m)
	if err != nil {
		e.cur.Failed++
		e.cur.addProblem(fmt.Errorf("%s: message could not be written: %w", m.Chain, err))
		return nil, err
	}
	e.cur.count(rec)
	return rec, e.prov.add(rec, m.Evidence)
}

func (e *Exporter) write(m *formats.Message) (*Record, error) {
	rc, err := m.Open()
	if err != nil {
		return nil, err
	}
	defer rc.Close()

	e.tmpSeq++
	tmpName := filepath.Join(e.out, tmpDir, fmt.Sprintf("msg-%d.eml", e.tmpSeq))
	f, err := os.OpenFile(tmpName, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return nil, err
	}
	removeTmp := true
	defer func() {
		if removeTmp {
			os.Remove(tmpName)
		}
	}()
	e.sha.Reset()
	e.md5.Reset()
	e.capture.buf = e.capture.buf[:0]
	e.bw.Reset(f)
	n, err := io.CopyBuffer(io.MultiWriter(e.bw, e.sha, e.md5, e.capture), rc, e.copyBuf)
	if err == nil {
		err = e.bw.Flush()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return nil, err
	}
	if n == 0 {
		return nil, errors.New("message has no bytes")
	}
	var sum [32]byte
	e.sha.Sum(sum[:0])
	shaHex := hex.EncodeToString(sum[:])

	h, _, _ := rfc5322.Parse(e.capture.buf)
	s := rfc5322.Summarize(h)
	rec := &Record{
		SHA256:    shaHex,
		MD5:       hexSum(e.md5),
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
	}
	if !s.Date.IsZero() {
		rec.Date = s.Date.Format(time.RFC3339)
	}
	if m.Size >= 0 && m.Size != n {
		rec.Warnings = append(rec.Warnings, fmt.Sprintf("reader announced %d bytes but gave %d", m.Size, n))
	}
	if len(h) == 0 {
		rec.Warnings = append(rec.Warnings, "no header fields at the start of the message")
	}
	if !rec.State.Valid() {
		rec.Warnings = append(rec.Warnings, fmt.Sprintf("reader gave unknown state %q", rec.State))
		rec.State = formats.Partial
	}

	if prev, ok := e.written[sum]; ok {
		rec.File, rec.Duplicate = prev, true
		return rec, nil
	}
	dir := path.Join(MessagesDir, FolderPath(m.Folder))
	name := MessageName(s.Date, s.Subject, shaHex)
	rel := path.Join(dir, name)
	for i := 2; e.names[rel]; i++ {
		rel = path.Join(dir, strings.TrimSuffix(name, ".eml")+fmt.Sprintf("_%d.eml", i))
	}
	if !e.dirs[dir] {
		if err := os.MkdirAll(filepath.Join(e.out, filepath.FromSlash(dir)), 0o755); err != nil {
			return nil, err
		}
		e.dirs[dir] = true
	}
	if err := os.Rename(tmpName, filepath.Join(e.out, filepath.FromSlash(rel))); err != nil {
		return nil, err
	}
	removeTmp = false
	e.written[sum] = rel
	e.names[rel] = true
	rec.File = rel
	return rec, nil
}

// Close finishes the provenance log and writes summary.json.
func (e *Exporter) Close() error {
	if e.closed {
		return nil
	}
	e.closed = true
	err := e.prov.close()
	os.RemoveAll(filepath.Join(e.out, tmpDir))
	if serr := e.writeSummary(); err == nil {
		err = serr
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
	s.Totals.Files = len(e.written)
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
