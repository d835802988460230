package peers

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
)

// PffAll is what pffexport's "items" and "recovered" modes wrote: the
// allocated items of the folder tree, the orphan items and the recovered
// items, each read as an Export.
type PffAll struct {
	Items     *Export // -m items: as PffExport's first run, without the item values
	Orphans   *Export // -m recovered, .orphans: items in the node B-tree that no folder lists
	Recovered *Export // -m recovered, .recovered: deleted items libpff finds in unallocated index entries
}

// Parts returns the three exports, those that exist, in the order items,
// orphans, recovered.
func (a *PffAll) Parts() []*Export {
	var out []*Export
	for _, e := range []*Export{a.Items, a.Orphans, a.Recovered} {
		if e != nil {
			out = append(out, e)
		}
	}
	return out
}

// Count returns the number of items of the three exports.
func (a *PffAll) Count() int {
	n := 0
	for _, e := range a.Parts() {
		n += e.Count()
	}
	return n
}

// PffExportAll runs pffexport twice on pstPath, writing below tmpDir,
// and reads what it wrote:
//
//	pffexport -q -m items -f text -l items.log -t items PST
//	pffexport -q -m recovered -f text -l recovered.log -t recovered PST
//
// "-m items" writes the allocated items of the folder tree (Items);
// "-m recovered" writes the orphan items (Orphans) and the deleted items
// libpff recovers from unallocated B-tree entries (Recovered). Together
// they are the most a user of pffexport gets back from a damaged file,
// and what the damage recall harness compares with. They are two runs,
// not one "-m all": in that mode pffexport recovers first and gives up
// the whole export when recovering fails, as it does on most damaged
// files. The item values (-d) are not written: they triple the run time,
// and node ids and subjects identify the items (Message-IDs are read
// from InternetHeaders.txt where the item has transport headers).
// Folders and items are read as PffExport reads the first run's.
//
// A run that fails or times out part way still gives what it wrote; the
// first error is returned with it.
func PffExportAll(ctx context.Context, pstPath, tmpDir string) (*PffAll, error) {
	return pffExportModes(ctx, pstPath, tmpDir, "items", "recovered")
}

// PffExportRecovered is PffExportAll's second run alone: the orphan and
// recovered items of "-m recovered" (Items is nil).
func PffExportRecovered(ctx context.Context, pstPath, tmpDir string) (*PffAll, error) {
	return pffExportModes(ctx, pstPath, tmpDir, "recovered")
}

func pffExportModes(ctx context.Context, pstPath, tmpDir string, modes ...string) (*PffAll, error) {
	if !Available("pffexport") {
		return nil, fmt.Errorf("pffexport: %w", ErrNotInstalled)
	}
	src, err := filepath.Abs(pstPath)
	if err != nil {
		return nil, err
	}
	base, err := os.MkdirTemp(tmpDir, "pffexport-all-")
	if err != nil {
		return nil, err
	}
	version := version(ctx, "pffexport")
	a := &PffAll{}
	var first error
	for _, mode := range modes {
		out, runErr := run(ctx, base, "pffexport", "-q", "-m", mode, "-f", "text", "-l", mode+".log", "-t", mode, src)
		if runErr != nil && first == nil {
			first = fmt.Errorf("-m %s: %w", mode, runErr)
		}
		skipped, errs := pffOutput(out)
		logText, _ := os.ReadFile(filepath.Join(base, mode+".log"))
		text := decodeText(logText)
		parts := []struct {
			root string
			dst  **Export
		}{{"items.export", &a.Items}}
		if mode == "recovered" {
			parts = []struct {
				root string
				dst  **Export
			}{{"recovered.orphans", &a.Orphans}, {"recovered.recovered", &a.Recovered}}
		}
		for _, part := range parts {
			e := &Export{Tool: "pffexport", Version: version, Source: pstPath, Dir: filepath.Join(base, part.root),
				Output: out, Skipped: skipped, Errors: errs}
			if _, err := os.Stat(e.Dir); err != nil {
				continue
			}
			p := &pffParser{e: e, log: parsePffLog(text, part.root)}
			p.walk("", "", 0)
			*part.dst = e
		}
	}
	if a.Items == nil && first == nil && modes[0] == "items" {
		first = fmt.Errorf("pffexport wrote no %s", filepath.Join(base, "items.export"))
	}
	return a, first
}
