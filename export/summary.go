package export

import (
	"github.com/mailsalvage/mailsalvage/formats"
)

// maxProblems bounds the problems kept per input in summary.json; the
// count goes on.
const maxProblems = 1000

// Summary is the content of summary.json: the run record and the
// accounting of every input.
type Summary struct {
	Tool     string          `json:"tool"`
	Version  string          `json:"version"`
	Args     []string        `json:"args"`
	Started  string          `json:"started"`
	Finished string          `json:"finished"`
	Out      string          `json:"out"`
	Totals   Totals          `json:"totals"`
	Inputs   []*InputSummary `json:"inputs"`
}

// Totals add up the inputs.
type Totals struct {
	Messages     int                   `json:"messages"`   // occurrences logged
	Files        int                   `json:"files"`      // distinct .eml files written
	Duplicates   int                   `json:"duplicates"` // occurrences whose bytes were already written
	ByState      map[formats.State]int `json:"by_state"`
	WithWarnings int                   `json:"with_warnings"`
	Failed       int                   `json:"failed"` // messages found but not written
	Problems     int                   `json:"problems"`
	InputsFailed int                   `json:"inputs_failed"`
}

// InputSummary accounts for one command-line input.
type InputSummary struct {
	Path         string                    `json:"path"`
	Format       string                    `json:"format"`
	Size         int64                     `json:"size,omitempty"` // bytes, when the input is a file (the byte map of report.html spans it)
	Messages     int                       `json:"messages"`
	Duplicates   int                       `json:"duplicates"`
	ByState      map[formats.State]int     `json:"by_state"`
	WithWarnings int                       `json:"with_warnings"`
	Failed       int                       `json:"failed"`
	Folders      map[string]*FolderSummary `json:"folders"`
	ProblemCount int                       `json:"problem_count"`
	Problems     []string                  `json:"problems"`
	Error        string                    `json:"error,omitempty"` // why the input could not be read (to the end)
}

// FolderSummary counts the messages of one source folder: how many its
// container's tables say it holds (Expected, when the format knows), how
// many were written by state, and how many were found but could not be
// written (Failed).
type FolderSummary struct {
	Expected *int                  `json:"expected,omitempty"`
	Messages int                   `json:"messages"`
	ByState  map[formats.State]int `json:"by_state"`
	Failed   int                   `json:"failed,omitempty"`
}

func (in *InputSummary) folder(name string) *FolderSummary {
	f := in.Folders[name]
	if f == nil {
		f = &FolderSummary{ByState: map[formats.State]int{}}
		in.Folders[name] = f
	}
	return f
}

func newInputSummary(path, format string) *InputSummary {
	return &InputSummary{
		Path: path, Format: format,
		ByState:  map[formats.State]int{},
		Folders:  map[string]*FolderSummary{},
		Problems: []string{},
	}
}

func (in *InputSummary) count(r *Record) {
	in.Messages++
	in.ByState[r.State]++
	if r.Duplicate {
		in.Duplicates++
	}
	if len(r.Warnings) > 0 {
		in.WithWarnings++
	}
	f := in.folder(r.Folder)
	f.Messages++
	f.ByState[r.State]++
}

func (in *InputSummary) addProblem(err error) {
	in.ProblemCount++
	if len(in.Problems) < maxProblems {
		in.Problems = append(in.Problems, err.Error())
	}
}
