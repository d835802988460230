package peers

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
)

// Recovered is what pffexport's recovery mode wrote for one PST or OST
// file: the items libpff recovered (NBT entries outside the live tree
// whose blocks it found in unallocated space) and its orphans (live nodes
// whose parent is missing).
type Recovered struct {
	Version string
	Source  string
	Dir     string // the folder pffexport wrote below
	// Items lists the items pffexport wrote at the top of its .recovered
	// and .orphans folders, in its order. Items it recovered but could
	// not type or chose to skip are not written, and are not here.
	Items []RecoveredItem
	// Output is what pffexport printed.
	Output string
}

// RecoveredItem is one item of a Recovered.
type RecoveredItem struct {
	Kind string // "folder", "email", "appointment"... as the log says
	NID  uint32 // the item's node id
	Dir  string // its directory, relative to Recovered.Dir
	// Orphan: in the .orphans folder (a live node without its parent),
	// else in .recovered.
	Orphan bool
}

var logRecoveredItem = regexp.MustCompile(`^Processing ([a-zA-Z ]+): (\d+) \(identifier: (\d+)\) in path: (.*)$`)

// PffRecovered runs
//
//	pffexport -q -m recovered -f all -l recovered.log -t rec PST
//
// below tmpDir and reads its log: the items it wrote at the top of
// rec.recovered/ and rec.orphans/, each with its node id ("Processing
// email: 00009 (identifier: 32974) in path: rec.recovered/" followed by
// "Created directory: rec.recovered/Message00010."). Items nested below
// them (a recovered folder's messages, attachments) are not listed: they
// are exported because their parent was.
func PffRecovered(ctx context.Context, pstPath, tmpDir string) (*Recovered, error) {
	if !Available("pffexport") {
		return nil, fmt.Errorf("pffexport: %w", ErrNotInstalled)
	}
	src, err := filepath.Abs(pstPath)
	if err != nil {
		return nil, err
	}
	base, err := os.MkdirTemp(tmpDir, "pffrecovered-")
	if err != nil {
		return nil, err
	}
	rec := &Recovered{Version: version(ctx, "pffexport"), Source: pstPath, Dir: base}
	out, runErr := run(ctx, base, "pffexport", "-q", "-m", "recovered", "-f", "all", "-l", "recovered.log", "-t", "rec", src)
	rec.Output = out
	logText, err := os.ReadFile(filepath.Join(base, "recovered.log"))
	if err != nil {
		if runErr == nil {
			runErr = err
		}
		return rec, runErr
	}
	rec.Items = parseRecoveredLog(decodeText(logText))
	return rec, runErr
}

// parseRecoveredLog reads the items at the top of rec.recovered/ and
// rec.orphans/ from pffexport's log.
func parseRecoveredLog(text string) []RecoveredItem {
	var out []RecoveredItem
	var pending *RecoveredItem
	var pendingTop string
	for _, line := range strings.Split(text, "\n") {
		line = strings.TrimSuffix(line, "\r")
		if m := logRecoveredItem.FindStringSubmatch(line); m != nil {
			pending = nil
			top := strings.TrimSuffix(m[4], "/")
			if top != "rec.recovered" && top != "rec.orphans" {
				continue
			}
			nid, err := strconv.ParseUint(m[3], 10, 32)
			if err != nil {
				continue
			}
			pending = &RecoveredItem{Kind: m[1], NID: uint32(nid), Orphan: top == "rec.orphans"}
			pendingTop = top + "/"
			continue
		}
		if rest, ok := strings.CutPrefix(line, "Created directory: "); ok && pending != nil {
			dir := strings.TrimSuffix(rest, ".")
			if name, ok := strings.CutPrefix(dir, pendingTop); ok && !strings.Contains(name, "/") {
				pending.Dir = dir
				out = append(out, *pending)
				pending = nil
			}
		}
	}
	return out
}
