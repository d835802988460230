// Package formats defines the record that every mailsalvage reader produces
// and the exporter consumes, and a registry through which format packages
// make themselves known, in the manner of the standard library's image
// package: a binary chooses the formats it understands by importing them.
//
// A reader yields one [Message] per recovered message occurrence. The message
// bytes are never held for the whole source: [Message.Open] streams them from
// the evidence on demand.
package formats

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
)

// State says how a message was found.
type State string

const (
	// Intact: the message is where its mailbox says it is.
	Intact State = "intact"
	// Deleted: flagged deleted but still present (Thunderbird's expunged
	// flag, Maildir's T flag, Apple Mail's deleted flag, a PST item in no
	// folder).
	Deleted State = "deleted"
	// Orphaned: reachable only by scanning the container's structures.
	Orphaned State = "orphaned"
	// Carved: cut out of raw bytes.
	Carved State = "carved"
	// Partial: truncated or damaged; what survived is kept.
	Partial State = "partial"
)

// A message can be both flagged deleted by its mailbox and damaged. It then
// has state Deleted: the flag is what the mailbox says, the damage is what
// we infer, and the warnings describe it.

// States lists every state in a stable order (for summaries and reports).
var States = []State{Intact, Deleted, Orphaned, Carved, Partial}

// Valid reports whether s is one of the defined states.
func (s State) Valid() bool {
	for _, v := range States {
		if s == v {
			return true
		}
	}
	return false
}

// Hop is one step of a provenance chain, from the evidence file down to the
// message bytes. Offset and Length, when present, are relative to the bytes
// of the previous hop (for the first hop: the evidence file itself; a
// Maildir file taken whole is offset 0, length its size); a hop whose bytes
// are not one contiguous run (a PST node, a decoded attachment) leaves them
// nil.
type Hop struct {
	// Format of the container this hop enters: "mbox", "maildir", "eml",
	// "emlx", "pst", "image"...
	Format string `json:"format"`
	// Offset and Length of the bytes this hop covers, if known.
	Offset *int64 `json:"offset,omitempty"`
	Length *int64 `json:"length,omitempty"`
	// Locator names the item inside the container: "message 12",
	// "cur/1234.host:2,S", "node 0x200024", "attachment 2".
	Locator string `json:"locator,omitempty"`
}

// Span returns a hop that covers length bytes at offset.
func Span(format string, offset, length int64, locator string) Hop {
	return Hop{Format: format, Offset: &offset, Length: &length, Locator: locator}
}

// String renders the hop for humans: "mbox @0x1f000+512 message 3".
func (h Hop) String() string {
	s := h.Format
	if h.Offset != nil {
		s += fmt.Sprintf(" @0x%x", *h.Offset)
		if h.Length != nil {
			s += fmt.Sprintf("+%d", *h.Length)
		}
	}
	if h.Locator != "" {
		s += " " + h.Locator
	}
	return s
}

// Chain is a provenance chain, outermost hop first.
type Chain []Hop

// String renders the chain as "hop -> hop -> hop".
func (c Chain) String() string {
	s := ""
	for i, h := range c {
		if i > 0 {
			s += " -> "
		}
		s += h.String()
	}
	return s
}

// Message is one recovered message occurrence.
type Message struct {
	// Open returns a reader of the RFC 5322 bytes: the message as the
	// source stored it, or as rebuilt from the source's structures. It may
	// be called more than once, but only until the source's Next is called
	// again. The caller closes the reader.
	Open func() (io.ReadCloser, error)
	// Size is the length of what Open returns, or -1 if not known in advance.
	Size int64
	// Header, when set, is the message's header block (RFC 5322 fields
	// and the blank line) as the reader has it without reading the whole
	// message: set by sources told to ListHeaders, for listings. Open
	// still gives the whole message.
	Header []byte

	// Evidence is the path of the evidence file the first hop of Chain
	// refers to. Readers of a single file leave it empty and the caller fills
	// in the path it opened; readers of folders set it to the path of the
	// file, relative to the folder they were given.
	Evidence string
	// Folder is the folder path inside the source, outermost first
	// (["Inbox", "Projects"]). The elements are the source's own names,
	// unsanitized; the exporter makes them safe.
	Folder []string
	State  State
	Chain  Chain
	// Method names the reader and technique that found the message
	// ("mbox-split", "mbox-header-scan", "maildir", "eml", "emlx").
	Method string
	// Warnings about this message: damage, trimmed bytes, inconsistencies.
	// Each names the structure and the byte offset where there is one.
	Warnings []string
	// Attrs holds source metadata worth keeping with the message for an
	// examiner: mailbox flags, the mbox From line, Maildir info fields.
	Attrs map[string]string
}

// SetAttr records a source attribute, allocating Attrs as needed.
func (m *Message) SetAttr(key, value string) {
	if m.Attrs == nil {
		m.Attrs = make(map[string]string)
	}
	m.Attrs[key] = value
}

// Warnf appends a formatted warning.
func (m *Message) Warnf(format string, args ...any) {
	m.Warnings = append(m.Warnings, fmt.Sprintf(format, args...))
}

// Pending is a queue of problems a container's source reports before its
// next message (what it met unpacking or listing its data).
type Pending []string

// Pop returns the first pending problem as a *Problem with no offset, or
// nil when none is left.
func (q *Pending) Pop() error {
	if len(*q) == 0 {
		return nil
	}
	p := (*q)[0]
	*q = (*q)[1:]
	return &Problem{Offset: -1, Err: errors.New(p)}
}

// Source is an opened input: a mailbox file, a folder, a container. Next
// returns the next message, or io.EOF when there are no more. A *Problem
// error is not fatal: the source skipped something it could not read, says
// so, and the caller may call Next again. Any other error ends the source.
type Source interface {
	Next() (*Message, error)
	Close() error
}

// HeaderLister is a Source that can list its messages more cheaply than
// it reads them (a PST item's properties without its body, recipients and
// attachments). After ListHeaders, the messages Next returns have Header
// set, and Open reads the rest only when it is called.
type HeaderLister interface {
	ListHeaders()
}

// ListHeaders asks a source for header-only messages, if it can give
// them; it reports whether it can.
func ListHeaders(s Source) bool {
	if l, ok := s.(HeaderLister); ok {
		l.ListHeaders()
		return true
	}
	return false
}

// Problem is a non-fatal error from Source.Next: something in the input
// could not be read (an unreadable file inside a Maildir, a run of garbage
// between messages). Recovery goes on with the rest of the input.
type Problem struct {
	Path   string // file the problem is in, relative to the source's root when it has one
	Offset int64  // byte offset in that file, or -1
	Err    error
}

func (p *Problem) Error() string {
	s := p.Path
	if p.Offset >= 0 {
		s += fmt.Sprintf(" @0x%x", p.Offset)
	}
	if s != "" {
		s += ": "
	}
	return s + p.Err.Error()
}

func (p *Problem) Unwrap() error { return p.Err }

// MarshalJSON renders a problem as its message, so summaries stay readable.
func (p *Problem) MarshalJSON() ([]byte, error) { return json.Marshal(p.Error()) }

// One returns a Source of exactly one message: for formats whose files
// hold a single message (.eml, .emlx, a winmail.dat).
func One(m *Message) Source { return &one{m: m} }

type one struct{ m *Message }

func (s *one) Next() (*Message, error) {
	if s.m == nil {
		return nil, io.EOF
	}
	m := s.m
	s.m = nil
	return m, nil
}

func (s *one) Close() error {
	s.m = nil
	return nil
}

// FolderCount says how many messages a folder should hold.
type FolderCount struct {
	Folder []string
	Count  int
}

// Expecter is implemented by sources that know, from the container's own
// tables, how many messages each folder should hold (a PST's contents
// tables), so that a run's accounting shows what was lost. Expected is
// asked once the source has returned io.EOF.
type Expecter interface {
	Expected() []FolderCount
}

// ExpectedOf returns what a source expects, if it says.
func ExpectedOf(s Source) []FolderCount {
	if e, ok := s.(Expecter); ok {
		return e.Expected()
	}
	return nil
}
