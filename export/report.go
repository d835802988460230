package export

// The reports written after a run, from what the run logged: report.html
// (a self-contained page for people), dfxml.xml (for forensic tools) and
// timeline.csv (for spreadsheets and timeline tools). They are made in one
// streaming pass over provenance.jsonl, so their memory does not grow with
// the number of messages, except where a bound is stated: report.html lists
// at most ReportOptions.MaxRows messages (the totals count all of them) and
// timeline.csv is sorted in runs spilled to temporary files.

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/mailsalvage/mailsalvage/formats"
)

// File names of the reports inside OUT.
const (
	ReportFile   = "report.html"
	DFXMLFile    = "dfxml.xml"
	TimelineFile = "timeline.csv"
)

// ReportOptions bound the reports. The zero value gives the defaults.
type ReportOptions struct {
	// MaxRows is the number of messages listed in report.html; default
	// 100,000 (a page of about 40 MB that a browser still handles). The
	// totals and byte maps count every message; a note says how many
	// are not listed.
	MaxRows int
	// MaxMarks is the number of spans drawn one by one in each byte map;
	// default 20,000. Past it, the map is drawn from per-state counts in
	// 1,000 equal slices of the image (each slice split by state).
	MaxMarks int
	// SortRun is the number of timeline rows sorted in memory before a
	// run is spilled to a temporary folder in OUT; default 200,000. A run
	// is spilled earlier when its rows take 8 MiB (sortMemory).
	SortRun int
}

func (o *ReportOptions) defaults() {
	if o.MaxRows <= 0 {
		o.MaxRows = 100_000
	}
	if o.MaxMarks <= 0 {
		o.MaxMarks = 20_000
	}
	if o.SortRun <= 0 {
		o.SortRun = 200_000
	}
}

// ProvLine is one provenance line as the reports and verify read it: the
// Record plus the fields other stages may add (bounce, kept raw so any
// shape is shown).
type ProvLine struct {
	Record
	Bounce json.RawMessage `json:"bounce,omitempty"`
}

// maxProvLine bounds one provenance line (a message with thousands of
// warnings is still far below it); a longer line is reported as bad.
const maxProvLine = 64 << 20

// ReadProvenance calls fn for every line of OUT/provenance.jsonl, in order,
// with its 1-based line number. A line that is not a provenance record is
// passed to bad (when not nil) and skipped. An error from fn stops the read
// and is returned.
func ReadProvenance(out string, fn func(line int, l *ProvLine) error, bad func(line int, err error)) error {
	return scanProvenance(out, func(n int, b []byte) error {
		var l ProvLine
		if !decodeProvLine(b, &l) {
			if err := json.Unmarshal(b, &l); err != nil {
				if bad != nil {
					bad(n, err)
				}
				return nil
			}
		}
		return fn(n, &l)
	}, bad)
}

// scanProvenance calls fn with every non-blank line of
// OUT/provenance.jsonl and its 1-based number; lines too long to read go
// to bad.
func scanProvenance(out string, fn func(line int, b []byte) error, bad func(line int, err error)) error {
	f, err := os.Open(filepath.Join(out, ProvenanceFile))
	if err != nil {
		return err
	}
	defer f.Close()
	r := bufio.NewReaderSize(f, 1<<20)
	for n := 1; ; n++ {
		b, err := readLine(r)
		if len(bytes.TrimSpace(b)) > 0 {
			if ferr := fn(n, b); ferr != nil {
				return ferr
			}
		}
		if err == io.EOF {
			return nil
		}
		if errors.Is(err, errLongLine) {
			if bad != nil {
				bad(n, err)
			}
			continue
		}
		if err != nil {
			return err
		}
	}
}

var errLongLine = fmt.Errorf("line longer than %d bytes", maxProvLine)

// readLine returns the next line without its newline; a line over
// maxProvLine is skipped to its end and reported as errLongLine. The
// line is valid until the next call.
func readLine(r *bufio.Reader) ([]byte, error) {
	chunk, err := r.ReadSlice('\n')
	if err != bufio.ErrBufferFull {
		// the whole line was in the buffer: no copy
		return bytes.TrimSuffix(chunk, []byte("\n")), err
	}
	line := append([]byte(nil), chunk...)
	for {
		chunk, err := r.ReadSlice('\n')
		if len(line)+len(chunk) <= maxProvLine {
			line = append(line, chunk...)
		} else {
			line = nil
			for err == bufio.ErrBufferFull {
				_, err = r.ReadSlice('\n')
			}
			if err == nil || err == io.EOF {
				return nil, errLongLine
			}
			return nil, err
		}
		if err == bufio.ErrBufferFull {
			continue
		}
		return bytes.TrimSuffix(line, []byte("\n")), err
	}
}

// ReadSummary reads OUT/summary.json.
func ReadSummary(out string) (*Summary, error) {
	b, err := os.ReadFile(filepath.Join(out, SummaryFile))
	if err != nil {
		return nil, err
	}
	var s Summary
	if err := json.Unmarshal(b, &s); err != nil {
		return nil, fmt.Errorf("%s: %w", SummaryFile, err)
	}
	return &s, nil
}

// reportSink is one report fed line by line.
type reportSink interface {
	add(l *ProvLine) error
	finish() error // writes the file into place
	abort()        // removes what was written
}

// WriteReports writes OUT/report.html, OUT/dfxml.xml and OUT/timeline.csv
// from OUT/summary.json and OUT/provenance.jsonl, replacing earlier ones.
// Each is written to a temporary file and renamed into place.
func WriteReports(out string, opt ReportOptions) error {
	opt.defaults()
	sum, err := ReadSummary(out)
	if err != nil {
		return err
	}
	var sinks []reportSink
	abort := func() {
		for _, s := range sinks {
			s.abort()
		}
	}
	h, err := newHTMLReport(out, sum, opt)
	if err != nil {
		return err
	}
	sinks = append(sinks, h)
	d, err := newDFXMLWriter(out, sum)
	if err != nil {
		abort()
		return err
	}
	sinks = append(sinks, d)
	t, err := newTimeline(out, opt.SortRun)
	if err != nil {
		abort()
		return err
	}
	sinks = append(sinks, t)
	err = ReadProvenance(out, func(_ int, l *ProvLine) error {
		for _, s := range sinks {
			if err := s.add(l); err != nil {
				return err
			}
		}
		return nil
	}, func(n int, err error) {
		h.badLine(n, err)
	})
	if err != nil {
		abort()
		return fmt.Errorf("reports: %w", err)
	}
	for i, s := range sinks {
		if err := s.finish(); err != nil {
			for _, r := range sinks[i+1:] {
				r.abort()
			}
			return fmt.Errorf("reports: %w", err)
		}
	}
	return nil
}

// atomicFile is a file written under a temporary name and renamed into
// place when complete.
type atomicFile struct {
	name string
	f    *os.File
	w    *bufio.Writer
}

func createAtomic(name string) (*atomicFile, error) {
	f, err := os.OpenFile(name+".partial", os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return nil, err
	}
	return &atomicFile{name: name, f: f, w: bufio.NewWriterSize(f, 256<<10)}, nil
}

func (a *atomicFile) commit() error {
	err := a.w.Flush()
	if cerr := a.f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(a.f.Name())
		return err
	}
	return os.Rename(a.f.Name(), a.name)
}

func (a *atomicFile) abort() {
	a.f.Close()
	os.Remove(a.f.Name())
}

// Extent is a run of bytes of an evidence file.
type Extent struct {
	Off int64 `json:"off"`
	Len int64 `json:"len"`
}

// decodeHops are hop formats that transform the bytes of the hop before
// them without entering a container: a chain that ends in them still
// locates the message itself.
var decodeHops = map[string]bool{"utf-16le": true, "utf-16be": true, "tnef": true}

// packed reports whether a hop's bytes are compressed (a gzip file, a
// deflated zip member), so that the offsets of the hops after it are in
// its decompressed data.
func packed(h formats.Hop) bool {
	return h.Format == "gzip" || h.Format == "zip" && strings.Contains(h.Locator, "(deflate")
}

// Location is where a provenance chain puts its message in the evidence
// file, as far as the chain's offsets tell.
type Location struct {
	// Runs are the evidence bytes, in message order: one run for a
	// contiguous chain, several for a message reassembled from fragments.
	Runs []Extent
	// Whole is true when Runs are the message's own bytes; false when
	// they are only the container that holds it (a PST found in an
	// image, whose message lies in nodes with no single offset).
	Whole bool
	// Decoded names the decoding applied to the runs' bytes to give the
	// file (utf-16le), if any: then the file is not a byte copy of Runs.
	Decoded string
	// Container is the format of the hop Runs are the bytes of (pst,
	// gzip...), when they are a container's (not Whole).
	Container string
}

// Locate returns where the record's chain puts the message in its
// evidence file. The first hop's offset is in the evidence; each next
// hop's offset is relative to the bytes of the one before. ok is false
// when the first hop has no offset.
func Locate(r *Record) (loc Location, ok bool) {
	c := r.Chain
	if len(c) > 0 && c[0].Offset == nil && r.Attrs["carve_fragments"] != "" {
		// a carved message reassembled from fragments
		for _, f := range strings.Fields(r.Attrs["carve_fragments"]) {
			e, ok := parseExtent(f)
			if !ok {
				return Location{}, false
			}
			loc.Runs = append(loc.Runs, e)
		}
		loc.Whole = len(loc.Runs) > 0
		return loc, loc.Whole
	}
	if len(c) == 0 || c[0].Offset == nil || c[0].Length == nil {
		return Location{}, false
	}
	off, n := *c[0].Offset, *c[0].Length
	i := 1
	container := ""
	for ; i < len(c); i++ {
		h := c[i]
		if packed(c[i-1]) {
			// offsets after a compressed container's hop are in its
			// decompressed data, not in the evidence: the container is
			// where the message is
			container = c[i-1].Format
			break
		}
		if h.Offset == nil || h.Length == nil {
			container = h.Format // a PST whose nodes have no offsets
			break
		}
		off += *h.Offset
		n = *h.Length
	}
	loc.Runs = []Extent{{off, n}}
	loc.Whole = true
	for _, h := range c[i:] {
		if !decodeHops[h.Format] {
			loc.Whole = false
			loc.Decoded = ""
			loc.Container = container
			break
		}
		if loc.Decoded == "" {
			loc.Decoded = h.Format
		}
	}
	return loc, true
}

// parseExtent parses "0x1f000+512".
func parseExtent(s string) (Extent, bool) {
	a, b, ok := strings.Cut(s, "+")
	if !ok {
		return Extent{}, false
	}
	off, err1 := strconv.ParseInt(strings.TrimPrefix(a, "0x"), 16, 64)
	n, err2 := strconv.ParseInt(b, 10, 64)
	if err1 != nil || err2 != nil || off < 0 || n < 0 {
		return Extent{}, false
	}
	return Extent{off, n}, true
}

// isImageChain reports whether a chain starts in a raw image: the records
// the byte map shows.
func isImageChain(r *Record) bool {
	return len(r.Chain) > 0 && r.Chain[0].Format == "image"
}

// inCompressedImage returns, for a record carved from a gzip-compressed
// image (chain gzip, image, ...), the record as if the decompressed image
// were its evidence (named "<file> (decompressed)"), and the image's size
// from the gzip hop.
func inCompressedImage(r *Record) (*Record, int64, bool) {
	if len(r.Chain) < 2 || r.Chain[0].Format != "gzip" || r.Chain[1].Format != "image" {
		return nil, 0, false
	}
	var size int64
	fmt.Sscanf(r.Chain[0].Locator, "decompressed: %d bytes", &size)
	in := *r
	in.Chain = r.Chain[1:]
	in.Source.Path = r.Source.Path + " (decompressed)"
	return &in, size, true
}

// bounceText renders the bounce field, whatever its shape, as one short
// string per failed recipient.
func bounceText(raw json.RawMessage) []string {
	if len(raw) == 0 || string(raw) == "null" {
		return nil
	}
	var list []map[string]any
	if err := json.Unmarshal(raw, &list); err != nil {
		var one map[string]any
		if err := json.Unmarshal(raw, &one); err != nil {
			return []string{string(raw)}
		}
		list = []map[string]any{one}
	}
	var out []string
	for _, b := range list {
		var parts []string
		for _, k := range []string{"recipient", "reply_code", "status", "reason"} {
			if v, ok := b[k]; ok && v != nil && fmt.Sprint(v) != "" {
				parts = append(parts, fmt.Sprint(v))
			}
		}
		var rest []string
		for k := range b {
			switch k {
			case "recipient", "reply_code", "status", "reason":
			default:
				rest = append(rest, k)
			}
		}
		sort.Strings(rest)
		for _, k := range rest {
			if s, ok := b[k].(string); ok && s != "" && len(s) < 200 {
				parts = append(parts, k+"="+s)
			}
		}
		out = append(out, strings.Join(parts, " "))
	}
	return out
}

// inputOf maps evidence paths to the index of the input they came from.
type inputOf struct {
	inputs []*InputSummary
	cache  map[string]int
}

func (m *inputOf) of(path string) int {
	if i, ok := m.cache[path]; ok {
		return i
	}
	i := -1
	best := -1
	for j, in := range m.inputs {
		p := in.Path
		if path == p {
			i = j
			break
		}
		pre := strings.TrimSuffix(p, "/") + "/"
		if strings.HasPrefix(path, pre) && len(p) > best {
			i, best = j, len(p)
		}
	}
	if len(m.cache) >= 4096 {
		// a folder of .eml files has an evidence path per message:
		// keep the memory flat, the inputs are few to search again
		clear(m.cache)
	}
	m.cache[path] = i
	return i
}

// formatState is the order of states in the report's data.
func stateIndex(s formats.State) int {
	for i, v := range formats.States {
		if v == s {
			return i
		}
	}
	return len(formats.States) - 1 // partial: the reader gave something unknown
}

// appendChainText appends c.String(), without its allocations.
func appendChainText(dst []byte, c formats.Chain) []byte {
	for i := range c {
		h := &c[i]
		if i > 0 {
			dst = append(dst, " -> "...)
		}
		dst = append(dst, h.Format...)
		if h.Offset != nil {
			dst = append(dst, " @0x"...)
			dst = strconv.AppendInt(dst, *h.Offset, 16)
			if h.Length != nil {
				dst = append(dst, '+')
				dst = strconv.AppendInt(dst, *h.Length, 10)
			}
		}
		if h.Locator != "" {
			dst = append(dst, ' ')
			dst = append(dst, h.Locator...)
		}
	}
	return dst
}
