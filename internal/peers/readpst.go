package peers

import (
	"context"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

// ReadPST runs readpst (pst-utils, libpst) on pstPath, writing below
// tmpDir, and reads what it wrote:
//
//	readpst -e -D -b -j 0 -o out PST
//
// -e writes one file per item in a directory per folder: N.eml for mail
// (IPM.Note*, REPORT.IPM.Note*, IPM.Schedule.Meeting*, and the bare class
// IPM), N.ics for appointments and journal entries, N.vcf for contacts;
// N counts the folder's items, sub-folders included, so numbers have
// gaps. Tasks, sticky notes, distribution lists, posts and anything else
// are skipped (counted in "items skipped"). readpst writes only the IPM
// subtree (the children of "Top of Personal Folders"), under a directory
// named after the message store (its display name, or the PST's file
// name when the store has none): Export.Store, and Folder.Path is relative
// to it.
//
// -D: without it readpst does not go into any folder named "Deleted
// Items" (compared in English, whatever the PST's language: a Japanese or
// French PST's deleted items are written anyway). It has nothing to do
// with deleted (unallocated) items, which readpst never recovers.
// mailsalvage writes the Deleted Items folder like any other, so -D
// makes readpst's output comparable.
//
// -b leaves out the "rtf-body.rtf" attachment readpst adds to messages
// that have an RTF body, which is not an attachment of the item. -j 0
// keeps readpst in one process (by default it forks a process per folder
// and per message), so that its output and exit status are those of one
// run.
func ReadPST(ctx context.Context, pstPath, tmpDir string) (*Export, error) {
	if !Available("readpst") {
		return nil, fmt.Errorf("readpst: %w", ErrNotInstalled)
	}
	src, err := filepath.Abs(pstPath)
	if err != nil {
		return nil, err
	}
	base, err := os.MkdirTemp(tmpDir, "readpst-")
	if err != nil {
		return nil, err
	}
	out := filepath.Join(base, "out")
	if err := os.Mkdir(out, 0o755); err != nil {
		return nil, err
	}
	e := &Export{Tool: "readpst", Version: version(ctx, "readpst"), Source: pstPath, Dir: out}
	output, runErr := run(ctx, base, "readpst", "-e", "-D", "-b", "-j", "0", "-o", out, src)
	e.Output = output
	e.Skipped, e.Errors = readpstOutput(output)

	tops, err := os.ReadDir(out)
	if err != nil {
		return e, err
	}
	for _, top := range tops {
		if !top.IsDir() {
			continue
		}
		if e.Store == "" {
			e.Store = top.Name()
		} else {
			e.Errors = append(e.Errors, "more than one top folder: "+top.Name())
		}
		walkReadpst(e, top.Name(), "")
	}
	return e, runErr
}

var readpstDone = regexp.MustCompile(`^\t"(.*)" - (\d+) items done, (\d+) items skipped\.$`)

func readpstOutput(out string) (skipped, errs []string) {
	for _, l := range strings.Split(out, "\n") {
		if m := readpstDone.FindStringSubmatch(l); m != nil {
			if m[3] != "0" {
				skipped = append(skipped, fmt.Sprintf("%s: %s items skipped", m[1], m[3]))
			}
			continue
		}
		l = strings.TrimSpace(l)
		if l == "" || l == "Opening PST file and indexes..." || strings.HasPrefix(l, "Processing Folder ") {
			continue
		}
		errs = append(errs, l)
	}
	return skipped, errs
}

// walkReadpst reads the directory rel (relative to e.Dir) as the folder
// fpath.
func walkReadpst(e *Export, rel, fpath string) {
	f := &Folder{Path: fpath, Dir: rel}
	e.Folders = append(e.Folders, f)
	ents, err := os.ReadDir(filepath.Join(e.Dir, filepath.FromSlash(rel)))
	if err != nil {
		e.Errors = append(e.Errors, err.Error())
		return
	}
	num := func(name string) int {
		n, err := strconv.Atoi(strings.TrimSuffix(name, path.Ext(name)))
		if err != nil {
			return 1 << 30
		}
		return n
	}
	sort.SliceStable(ents, func(i, j int) bool { return num(ents[i].Name()) < num(ents[j].Name()) })
	var subs []string
	for _, ent := range ents {
		if ent.IsDir() {
			subs = append(subs, ent.Name())
			continue
		}
		ext := strings.TrimPrefix(path.Ext(ent.Name()), ".")
		it := &Item{Folder: fpath, Path: path.Join(rel, ent.Name()), Kind: ext}
		b, err := os.ReadFile(filepath.Join(e.Dir, filepath.FromSlash(it.Path)))
		if err != nil {
			it.Errors = append(it.Errors, err.Error())
		}
		switch ext {
		case "eml":
			parsed, err := ParseEML(b)
			parsed.Folder, parsed.Path = it.Folder, it.Path
			if err != nil {
				parsed.Errors = append(parsed.Errors, err.Error())
			}
			it = parsed
		case "ics":
			it.Subject = contentLine(b, "SUMMARY")
		case "vcf":
			it.Subject = contentLine(b, "FN")
		}
		f.Items = append(f.Items, it)
	}
	for _, s := range subs {
		p := s
		if fpath != "" {
			p = fpath + "/" + s
		}
		walkReadpst(e, path.Join(rel, s), p)
	}
}

// contentLine returns the value of the first iCalendar/vCard content line
// named name (its parameters dropped, folding undone, \, \; \n unescaped).
func contentLine(b []byte, name string) string {
	text := strings.ReplaceAll(decodeText(b), "\r\n", "\n")
	text = strings.ReplaceAll(text, "\n ", "")
	for _, l := range strings.Split(text, "\n") {
		k, v, ok := strings.Cut(l, ":")
		if !ok {
			continue
		}
		k, _, _ = strings.Cut(k, ";")
		if strings.EqualFold(k, name) {
			return strings.NewReplacer(`\,`, ",", `\;`, ";", `\n`, "\n", `\N`, "\n", `\\`, `\`).Replace(v)
		}
	}
	return ""
}
