package export

import (
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/mailsalvage/mailsalvage/formats"
)

// reportTemplate is the page: style and script, with two places for the
// data. All data reaches the page as JSON inside <script
// type="application/json"> blocks (json.Marshal escapes <, > and &, so no
// text from the evidence can end the block) and is put into the document
// by the script as text, never as markup.
//
//go:embed report.html.tmpl
var reportTemplate string

const (
	rowsMark = "/*@ROWS@*/"
	metaMark = "/*@META@*/"
)

// Bounds on what one row carries into the page.
const (
	maxRowWarnings = 8
	maxRowText     = 400 // bytes of one warning or header field
	mapBins        = 1000
)

// Row columns, in the order the page's script reads them.
var rowColumns = []string{"date", "from", "to", "subject", "state", "folder", "file",
	"chain", "input", "warnings", "bounce", "duplicate", "size", "message_id",
	"method", "sha256", "md5", "source"}

// byteMap is the data of one image's byte map.
type byteMap struct {
	Path  string `json:"path"`
	Input int    `json:"input"`
	Size  int64  `json:"size"` // the image's size; 0 if unknown (then the furthest mark)
	End   int64  `json:"end"`  // the furthest byte marked
	// Marks: [offset, length, state index, row index or -1] for messages.
	Marks [][4]int64 `json:"marks"`
	// Containers: [offset, length, messages inside] with their kind in
	// ContainerKinds.
	Containers     [][3]int64 `json:"containers"`
	ContainerKinds []string   `json:"container_kinds"`
	// Bins, when Truncated: per slice of Size/len(Bins) bytes, the number
	// of messages of each state that touch it.
	Bins      [][]int `json:"bins,omitempty"`
	Truncated bool    `json:"truncated"`
	Messages  int     `json:"messages"`  // messages located in the image
	Unplaced  int     `json:"unplaced"`  // carved from it with no offsets in their chain
	Reported  int     `json:"reported"`  // marks drawn one by one
	Contained int     `json:"contained"` // messages known only by their container

	containers map[Extent]int // index in Containers
}

// reportMeta is everything but the rows.
type reportMeta struct {
	Summary                   // the run record and accounting, as in summary.json
	States    []formats.State `json:"states"`
	Columns   []string        `json:"columns"`
	Images    []*byteMap      `json:"images"`
	Rows      int             `json:"rows"`       // rows in the page
	Lines     int             `json:"lines"`      // provenance lines read
	BadLines  []string        `json:"bad_lines"`  // lines that could not be read
	HasBounce bool            `json:"has_bounce"` // some row has a bounce field
	InputRows []int           `json:"input_rows"` // lines per input (last: none matched)
	// ByFormat counts messages by the format of their chain's first hop
	// (the container they were read from) and state.
	ByFormat map[string]map[formats.State]int `json:"by_format"`
}

// maxFormats bounds the formats counted apart in by_format.
const maxFormats = 100

// htmlReport builds report.html while provenance lines stream by.
type htmlReport struct {
	out    string
	opt    ReportOptions
	file   *atomicFile
	meta   reportMeta
	inputs inputOf
	images map[string]*byteMap
	sizes  map[string]int64 // input path -> size
	err    error
	row    []byte // the row being written
	chain  []byte
}

func newHTMLReport(out string, sum *Summary, opt ReportOptions) (*htmlReport, error) {
	head, _, ok := strings.Cut(reportTemplate, rowsMark)
	if !ok || !strings.Contains(reportTemplate, metaMark) {
		return nil, errors.New("report template has no data marks")
	}
	f, err := createAtomic(filepath.Join(out, ReportFile))
	if err != nil {
		return nil, err
	}
	h := &htmlReport{
		out: out, opt: opt, file: f,
		meta: reportMeta{
			Summary: *sum,
			States:  formats.States, Columns: rowColumns,
			Images: []*byteMap{}, BadLines: []string{},
			InputRows: make([]int, len(sum.Inputs)+1),
			ByFormat:  map[string]map[formats.State]int{},
		},
		inputs: inputOf{inputs: sum.Inputs, cache: map[string]int{}},
		images: map[string]*byteMap{},
		sizes:  map[string]int64{},
	}
	if h.meta.Inputs == nil {
		h.meta.Inputs = []*InputSummary{}
	}
	for _, in := range sum.Inputs {
		if in.Size > 0 {
			h.sizes[in.Path] = in.Size
		}
	}
	f.w.WriteString(head)
	f.w.WriteString("[")
	return h, nil
}

func (h *htmlReport) badLine(n int, err error) {
	if len(h.meta.BadLines) < 100 {
		h.meta.BadLines = append(h.meta.BadLines, fmt.Sprintf("%s line %d: %v", ProvenanceFile, n, err))
	}
}

func clip(s string) string {
	if len(s) <= maxRowText {
		return s
	}
	s = s[:maxRowText]
	for len(s) > 0 && !isRuneStart(s[len(s)-1]) {
		s = s[:len(s)-1]
	}
	if len(s) > 0 {
		s = s[:len(s)-1] // the cut rune
	}
	return s + "…"
}

func isRuneStart(b byte) bool { return b&0xC0 != 0x80 }

func (h *htmlReport) add(l *ProvLine) error {
	r := &l.Record
	in := h.inputs.of(r.Source.Path)
	h.meta.Lines++
	if in >= 0 {
		h.meta.InputRows[in]++
	} else {
		h.meta.InputRows[len(h.meta.InputRows)-1]++
	}
	format := "(none)"
	if len(r.Chain) > 0 {
		format = clip(r.Chain[0].Format)
	}
	byState := h.meta.ByFormat[format]
	if byState == nil {
		if len(h.meta.ByFormat) >= maxFormats {
			format = "(other)"
			byState = h.meta.ByFormat[format]
		}
		if byState == nil {
			byState = map[formats.State]int{}
			h.meta.ByFormat[format] = byState
		}
	}
	byState[r.State]++
	bounce := bounceText(l.Bounce)
	if len(bounce) > 0 {
		h.meta.HasBounce = true
	}
	row := -1
	if h.meta.Rows < h.opt.MaxRows {
		row = h.meta.Rows
		h.meta.Rows++
		warnings := r.Warnings
		if len(warnings) > maxRowWarnings {
			warnings = append(append([]string{}, warnings[:maxRowWarnings]...),
				fmt.Sprintf("(%d more warnings in %s)", len(r.Warnings)-maxRowWarnings, ProvenanceFile))
		}
		ws := make([]string, len(warnings))
		for i, w := range warnings {
			ws[i] = clip(w)
		}
		dup := 0
		if r.Duplicate {
			dup = 1
		}
		h.chain = appendChainText(h.chain[:0], r.Chain)
		h.row = appendRow(h.row[:0], r, string(h.chain), in, ws, bounce, dup)
		b := h.row
		if row > 0 {
			h.file.w.WriteString(",\n")
		}
		h.file.w.Write(b)
	}
	if isImageChain(r) {
		h.mark(r, in, row)
	} else if ri, size, ok := inCompressedImage(r); ok {
		// a compressed disk image: mapped as the image inside
		if _, known := h.sizes[ri.Source.Path]; !known && size > 0 {
			h.sizes[ri.Source.Path] = size
		}
		h.mark(ri, in, row)
	}
	return nil
}

// appendRow appends one row of the page: the bytes json.Marshal writes
// for it as a []any (see rowColumns).
func appendRow(b []byte, r *Record, chain string, in int, ws, bounce []string, dup int) []byte {
	b = append(b, '[')
	b = appendJSONString(b, r.Date, true)
	for _, f := range [...]string{clip(r.From), clip(r.To), clip(r.Subject), string(r.State), clip(r.Folder), r.File, clip(chain)} {
		b = append(b, ',')
		b = appendJSONString(b, f, true)
	}
	b = append(b, ',')
	b = strconv.AppendInt(b, int64(in), 10)
	b = append(b, ',')
	b = appendJSONStrings(b, ws, true)
	b = append(b, ',')
	b = appendJSONStrings(b, bounce, true)
	b = append(b, ',')
	b = strconv.AppendInt(b, int64(dup), 10)
	b = append(b, ',')
	b = strconv.AppendInt(b, r.Size, 10)
	for _, f := range [...]string{clip(r.MessageID), r.Method, r.SHA256, r.MD5, r.Source.Path} {
		b = append(b, ',')
		b = appendJSONString(b, f, true)
	}
	return append(b, ']')
}

// mark places one record on the byte map of its image.
func (h *htmlReport) mark(r *Record, in, row int) {
	m := h.images[r.Source.Path]
	if m == nil {
		if len(h.images) >= 1000 {
			return
		}
		m = &byteMap{Path: r.Source.Path, Input: in, Marks: [][4]int64{}, Containers: [][3]int64{},
			ContainerKinds: []string{}, containers: map[Extent]int{}}
		if s, ok := h.sizes[r.Source.Path]; ok {
			m.Size = s
		} else if info, err := os.Stat(r.Source.Path); err == nil && info.Mode().IsRegular() {
			m.Size = info.Size()
		}
		h.images[r.Source.Path] = m
		h.meta.Images = append(h.meta.Images, m)
	}
	loc, ok := Locate(r)
	if !ok {
		m.Unplaced++
		return
	}
	m.Messages++
	st := int64(stateIndex(r.State))
	for _, e := range loc.Runs {
		m.End = max(m.End, e.Off+e.Len)
	}
	if !loc.Whole {
		m.Contained++
		e := loc.Runs[0]
		if i, ok := m.containers[e]; ok {
			m.Containers[i][2]++
			return
		}
		if len(m.Containers) >= h.opt.MaxMarks {
			return
		}
		m.containers[e] = len(m.Containers)
		m.Containers = append(m.Containers, [3]int64{e.Off, e.Len, 1})
		kind := r.Chain[0].Locator
		if len(r.Chain) > 1 {
			kind = r.Chain[1].Format
		}
		m.ContainerKinds = append(m.ContainerKinds, clip(kind))
		return
	}
	if m.Size > 0 {
		if m.Bins == nil {
			m.Bins = make([][]int, mapBins)
			for i := range m.Bins {
				m.Bins[i] = make([]int, len(formats.States))
			}
		}
		for _, e := range loc.Runs {
			first := min(e.Off*mapBins/m.Size, mapBins-1)
			last := min(max(e.Off+e.Len-1, e.Off)*mapBins/m.Size, mapBins-1)
			for b := max(first, 0); b <= last; b++ {
				m.Bins[b][st]++
			}
		}
	}
	if m.Truncated || m.Reported+len(loc.Runs) > h.opt.MaxMarks {
		m.Truncated = true
		return
	}
	for _, e := range loc.Runs {
		m.Marks = append(m.Marks, [4]int64{e.Off, e.Len, st, int64(row)})
		m.Reported++
	}
}

func (h *htmlReport) finish() error {
	_, rest, _ := strings.Cut(reportTemplate, rowsMark)
	mid, tail, _ := strings.Cut(rest, metaMark)
	h.file.w.WriteString("]")
	h.file.w.WriteString(mid)
	sort.SliceStable(h.meta.Images, func(i, j int) bool { return h.meta.Images[i].Path < h.meta.Images[j].Path })
	for _, m := range h.meta.Images {
		if !m.Truncated {
			m.Bins = nil
		}
		m.Size = max(m.Size, m.End)
	}
	b, err := json.Marshal(h.meta)
	if err != nil {
		h.file.abort()
		return err
	}
	h.file.w.Write(b)
	h.file.w.WriteString(tail)
	return h.file.commit()
}

func (h *htmlReport) abort() { h.file.abort() }
