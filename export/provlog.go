package export

import (
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"os"

	"github.com/mailsalvage/mailsalvage/formats"
)

// syncHashLimit: evidence files up to this size are hashed on the spot;
// larger ones (a 20 GB mbox) are hashed in the background while their
// messages are written, and their provenance lines wait for the hash.
const syncHashLimit = 1 << 20

// maxPending bounds the encoded provenance lines held back waiting for a
// background evidence hash; past it, writing waits for the hash.
const maxPending = 4 << 20

// evidenceHash is the SHA-256 of one evidence file, computed once.
type evidenceHash struct {
	done chan struct{}
	sum  string
	err  error
	big  bool // hashed in the background
}

func (h *evidenceHash) wait() string {
	<-h.done
	if h.err != nil {
		return ""
	}
	return h.sum
}

func hashEvidence(path string) (string, error) {
	f, err := formats.OpenEvidence(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	// 1 MiB reads: io.Copy's 32 KiB would take 32 times as many system
	// calls (500 for a 16 MB file); the struct hides os.File's WriteTo,
	// which would bring them back.
	if _, err := io.CopyBuffer(h, struct{ io.Reader }{f}, make([]byte, 1<<20)); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

type pendingLine struct {
	rec *Record
	h   *evidenceHash
}

// provLog writes provenance lines in order, filling in evidence hashes.
type provLog struct {
	name    string
	f       *os.File
	w       *bufio.Writer
	line    []byte // the line being encoded
	hashes  map[string]*evidenceHash
	pending []pendingLine
	bytes   int // rough size of pending records
	err     error
}

func newProvLog(name string) (*provLog, error) {
	f, err := os.OpenFile(name+".partial", os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return nil, err
	}
	w := bufio.NewWriterSize(f, 1<<20)
	return &provLog{name: name, f: f, w: w, hashes: make(map[string]*evidenceHash)}, nil
}

// maxHashes bounds the evidence hashes kept: a folder of a million .eml
// files is a million evidence files, one per message.
const maxHashes = 4096

// hashOf returns the (maybe still running) hash of an evidence file.
func (p *provLog) hashOf(path string) *evidenceHash {
	if h, ok := p.hashes[path]; ok {
		return h
	}
	if len(p.hashes) >= maxHashes {
		p.forget()
	}
	h := &evidenceHash{done: make(chan struct{})}
	p.hashes[path] = h
	info, err := os.Stat(path)
	if err == nil && info.Size() > syncHashLimit {
		h.big = true
		go func() {
			h.sum, h.err = hashEvidence(path)
			close(h.done)
		}()
		return h
	}
	h.sum, h.err = hashEvidence(path)
	close(h.done)
	return h
}

// forget drops the hashes of small evidence files: one seen again is
// hashed again (it is at most syncHashLimit bytes), while a large one is
// hashed once per run.
func (p *provLog) forget() {
	for path, h := range p.hashes {
		if !h.big {
			delete(p.hashes, path)
		}
	}
}

func (p *provLog) add(rec *Record, evidence string) error {
	h := p.hashOf(evidence)
	p.pending = append(p.pending, pendingLine{rec, h})
	p.bytes += 512 + len(rec.Subject) + len(rec.From) + len(rec.To)
	for _, w := range rec.Warnings {
		p.bytes += len(w)
	}
	return p.flush(p.bytes > maxPending)
}

// flush writes the pending lines whose evidence hash is known; with wait,
// it waits for the hashes and writes them all.
func (p *provLog) flush(wait bool) error {
	i := 0
	for ; i < len(p.pending); i++ {
		pl := p.pending[i]
		if !wait {
			select {
			case <-pl.h.done:
			default:
				goto out
			}
		}
		pl.rec.Source.SHA256 = pl.h.wait()
		if pl.h.err != nil {
			pl.rec.Warnings = append(pl.rec.Warnings, "evidence file could not be hashed: "+pl.h.err.Error())
		}
		// the bytes json.Encoder (HTML left unescaped) would write
		p.line = append(appendRecord(p.line[:0], pl.rec), '\n')
		if _, err := p.w.Write(p.line); err != nil && p.err == nil {
			p.err = err
		}
	}
out:
	p.pending = append(p.pending[:0], p.pending[i:]...)
	if len(p.pending) == 0 {
		p.bytes = 0
	}
	return p.err
}

// close writes what is pending and moves the log into place.
func (p *provLog) close() error {
	err := p.flush(true)
	if ferr := p.w.Flush(); err == nil {
		err = ferr
	}
	if cerr := p.f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	return os.Rename(p.name+".partial", p.name)
}
