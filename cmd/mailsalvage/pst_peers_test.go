package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mailsalvage/mailsalvage/export"
	"github.com/mailsalvage/mailsalvage/formats"
	"github.com/mailsalvage/mailsalvage/internal/corpus"
	"github.com/mailsalvage/mailsalvage/internal/damage"
	"github.com/mailsalvage/mailsalvage/internal/peers"
)

// The PST/OST checks against the peer tools (internal/peers): pffexport
// (Debian pff-tools) and readpst (Debian pst-utils), which .ci/run
// installs. They skip while this build has no "pst" format, without the
// tools, or without the corpus.

// pstRequireFormat skips the test unless this binary reads PST/OST.
func pstRequireFormat(t *testing.T) {
	t.Helper()
	if _, ok := formats.Lookup("pst"); !ok {
		t.Skipf("the \"pst\" format is not registered in this build (formats/pst is not imported by cmd/mailsalvage yet; registered: %s)",
			strings.Join(formats.Registered(), ", "))
	}
}

// pstInputs returns the PST and OST files of the corpus, known by their
// content (the "!BDN" signature), sorted. With MAILSALVAGE_PSTS set to a
// folder, its files instead: held-out PSTs and OSTs kept outside the
// project get the same checks against the peers.
func pstInputs(t *testing.T) []string {
	t.Helper()
	candidates := func(sub string) []string { return corpus.Files(t, sub) }
	subs := []string{"pst", "ost"}
	if dir := os.Getenv("MAILSALVAGE_PSTS"); dir != "" {
		subs = []string{dir}
		candidates = func(dir string) []string {
			names, err := filepath.Glob(filepath.Join(dir, "*"))
			if err != nil {
				t.Fatal(err)
			}
			return names
		}
	}
	var files []string
	for _, sub := range subs {
		for _, f := range candidates(sub) {
			b := make([]byte, 4)
			fh, err := os.Open(f)
			if err != nil {
				continue
			}
			n, _ := fh.Read(b)
			fh.Close()
			if n == 4 && string(b) == "!BDN" {
				files = append(files, f)
			}
		}
	}
	if len(files) == 0 {
		t.Skipf("no PST or OST files in %s", strings.Join(subs, ", "))
	}
	sort.Strings(files)
	return files
}

// pstRun is one `mailsalvage recover` over PST/OST inputs.
type pstRun struct {
	out    string
	recs   map[string][]export.Record // by input (evidence) path
	inputs map[string]*export.InputSummary
}

func pstRecover(t *testing.T, files ...string) *pstRun {
	t.Helper()
	out := filepath.Join(t.TempDir(), "out")
	args := append([]string{"recover"}, files...)
	code, _, stderr := runCmd(t, append(args, "-o", out, "-q")...)
	if code != exitOK && code != exitInputFail {
		t.Fatalf("recover: exit %d: %s", code, stderr)
	}
	r := &pstRun{out: out, recs: map[string][]export.Record{}, inputs: map[string]*export.InputSummary{}}
	for _, rec := range provenance(t, out) {
		r.recs[rec.Source.Path] = append(r.recs[rec.Source.Path], rec)
	}
	var s export.Summary
	b, err := os.ReadFile(filepath.Join(out, export.SummaryFile))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &s); err != nil {
		t.Fatal(err)
	}
	for _, in := range s.Inputs {
		r.inputs[in.Path] = in
	}
	return r
}

// pstPeerResult is what a peer tool made of one file.
type pstPeerResult struct {
	e   *peers.Export
	err error
}

// pstPeers runs a peer tool over files, four at a time, the largest
// first.
func pstPeers(t *testing.T, files []string, tool func(context.Context, string, string) (*peers.Export, error)) map[string]pstPeerResult {
	t.Helper()
	files = append([]string(nil), files...)
	size := func(f string) int64 {
		st, err := os.Stat(f)
		if err != nil {
			return 0
		}
		return st.Size()
	}
	sort.SliceStable(files, func(i, j int) bool { return size(files[i]) > size(files[j]) })
	res := map[string]pstPeerResult{}
	var mu sync.Mutex
	var wg sync.WaitGroup
	sem := make(chan struct{}, 4)
	tmp := t.TempDir()
	for _, f := range files {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
			defer cancel()
			e, err := tool(ctx, f, tmp)
			mu.Lock()
			res[f] = pstPeerResult{e, err}
			mu.Unlock()
		}()
	}
	wg.Wait()
	return res
}

// pstFolder returns our folder path of an item of the PST/OST file as
// the PST names it: the reader puts the file's name (less its extension)
// first, as an mbox file's name is its folder; the PST's own folders,
// from the children of its root folder down, follow.
func pstFolder(file, folder string) string {
	stem := strings.TrimSuffix(filepath.Base(file), filepath.Ext(file))
	if folder == stem {
		return ""
	}
	if rest, ok := strings.CutPrefix(folder, stem+"/"); ok {
		return rest
	}
	return folder
}

var pstNodeLocator = regexp.MustCompile(`(?i)\bnode 0x([0-9a-f]+)`)

// pstItemRecords returns the records of PST/OST items: those not pulled
// out of another message (no "attachment" hop).
func pstItemRecords(recs []export.Record) (items []export.Record, other int) {
	for _, r := range recs {
		if !damage.ItemRecord(r) {
			other++
			continue
		}
		items = append(items, r)
	}
	return items, other
}

// pstItem reads our .eml of r into the peers' common form, with the
// folder and, when the chain names it ("node 0x200024"), the node id.
func pstItem(t *testing.T, out string, r export.Record, cache map[string]*peers.Item) *peers.Item {
	parsed, ok := cache[r.File]
	if !ok {
		b, err := os.ReadFile(filepath.Join(out, filepath.FromSlash(r.File)))
		if err != nil {
			t.Errorf("%s: %v", r.File, err)
		}
		parsed, err = peers.ParseEML(b)
		if err != nil {
			parsed.Errors = append(parsed.Errors, err.Error())
		}
		cache[r.File] = parsed
	}
	it := *parsed
	it.Folder, it.Path = pstFolder(r.Source.Path, r.Folder), r.File
	for _, h := range r.Chain {
		if h.Format != "pst" && h.Format != "ost" {
			continue
		}
		if m := pstNodeLocator.FindStringSubmatch(h.Locator); m != nil {
			if v, err := strconv.ParseUint(m[1], 16, 32); err == nil {
				it.NID = uint32(v)
			}
		}
	}
	return &it
}

// TestPSTAgainstPffexport recovers every corpus PST/OST with mailsalvage
// and exports it with `pffexport -m items` (the allocated items of the
// folder tree), then checks that every item pffexport writes is written
// by us too (per folder: ours >= pffexport's; folder paths compared after
// pffexport's name sanitizing, peers.PffPath, ours less the file's name
// that comes first, see pstFolder), and compares each item
// (paired by node id, Message-ID, subject and date: peers.Pair) field by
// field (peers.Compare): Message-ID, subject, sender, recipients, date,
// attachment names, sizes and SHA-256. Every disagreement is logged; the
// test fails when an item is missing, when fewer than 98% of pffexport's
// items can be paired, or when a field agrees on fewer than 98% of the
// pairs where it is comparable.
func TestPSTAgainstPffexport(t *testing.T) {
	pstRequireFormat(t)
	if !peers.Available("pffexport") {
		t.Skip("pffexport not installed (apt-get install pff-tools)")
	}
	files := pstInputs(t)
	run := pstRecover(t, files...)
	theirs := pstPeers(t, files, peers.PffExport)

	var total, missing, paired, theyFail, pulled int
	agree, compared := map[string]int{}, map[string]int{}
	var notes []string
	note := func(f, format string, args ...any) {
		notes = append(notes, filepath.Base(f)+": "+fmt.Sprintf(format, args...))
	}
	cache := map[string]*peers.Item{}
	for _, f := range files {
		res := theirs[f]
		if res.err != nil {
			theyFail++
			note(f, "pffexport: %v", res.err)
		}
		e := res.e
		if e == nil || e.Count() == 0 {
			continue
		}
		in := run.inputs[f]
		if in == nil || in.Format != "pst" {
			format, why := "", ""
			if in != nil {
				format, why = in.Format, in.Error
			}
			t.Errorf("%s: pffexport writes %d items; mailsalvage read it as %q (%s)", filepath.Base(f), e.Count(), format, why)
		}
		items, other := pstItemRecords(run.recs[f])
		pulled += other
		// deleted and orphaned items are found by other means than the
		// folder tree: paired last
		var got, later []*peers.Item
		ours := map[string][]*peers.Item{}
		for _, r := range items {
			it := pstItem(t, run.out, r, cache)
			if r.State == formats.Intact || r.State == formats.Partial {
				got = append(got, it)
			} else {
				later = append(later, it)
			}
		}
		got = append(got, later...)
		for _, it := range got {
			ours[peers.PffPath(it.Folder)] = append(ours[peers.PffPath(it.Folder)], it)
		}
		total += e.Count()
		note(f, "%s; mailsalvage %d items in %d folders", e.Summary(), len(items), len(ours))

		// every item pffexport writes, folder by folder; then pairs within
		// the folder, and what is left across folders
		var leftW, leftG []*peers.Item
		var pairs [][2]*peers.Item
		seen := map[string]bool{}
		for _, pf := range e.Folders {
			key := peers.PffPath(pf.Path)
			seen[key] = true
			if n := len(ours[key]); n < len(pf.Items) {
				missing += len(pf.Items) - n
				note(f, "folder %q: pffexport writes %d items, mailsalvage %d", pf.Path, len(pf.Items), n)
			}
			p, lw, lg := peers.Pair(pf.Items, ours[key])
			pairs = append(pairs, p...)
			leftW, leftG = append(leftW, lw...), append(leftG, lg...)
		}
		for key, its := range ours {
			if !seen[key] {
				note(f, "folder %q: mailsalvage writes %d items, pffexport has no such folder", key, len(its))
				leftG = append(leftG, its...)
			}
		}
		p, lw, _ := peers.Pair(leftW, leftG)
		pairs = append(pairs, p...)
		for _, w := range lw {
			note(f, "pffexport's %s (%s, %q) paired with no item of ours", w.Path, w.Class, w.Subject)
		}
		paired += len(pairs)
		for _, pr := range pairs {
			for _, c := range peers.Compare(pr[0], pr[1]) {
				if c.Status == peers.NotComparable {
					continue
				}
				compared[c.Field]++
				if c.Status == peers.Agree {
					agree[c.Field]++
				} else {
					note(f, "%s vs %s: %s differs: %s", pr[0].Path, pr[1].Path, c.Field, c.Detail)
				}
			}
		}
	}
	t.Logf("%d files: pffexport writes %d items (failed on %d files); mailsalvage misses %d of them; %d paired; %d records pulled out of other messages left aside",
		len(files), total, theyFail, missing, paired, pulled)
	for _, k := range peers.Fields {
		t.Logf("%-11s agree on %d/%d comparable pairs", k, agree[k], compared[k])
	}
	for _, s := range notes {
		t.Log(s)
	}
	if missing > 0 {
		t.Errorf("mailsalvage misses %d of the %d items pffexport writes", missing, total)
	}
	if paired < total*98/100 {
		t.Errorf("only %d of pffexport's %d items paired with ours", paired, total)
	}
	for _, k := range peers.Fields {
		if agree[k] < compared[k]*98/100 {
			t.Errorf("%s agrees on only %d/%d", k, agree[k], compared[k])
		}
	}
}

// TestPSTAgainstReadpst recovers every corpus PST/OST and runs `readpst
// -e -D` on it: every Message-ID readpst writes must be in our provenance,
// as many times as readpst writes it (a message in two folders is two
// occurrences). readpst's folder counts are logged beside ours: they are
// not a bound, since readpst skips tasks, notes, distribution lists and
// posts and writes hidden (associated) items of class IPM or IPM.Note*.
func TestPSTAgainstReadpst(t *testing.T) {
	pstRequireFormat(t)
	if !peers.Available("readpst") {
		t.Skip("readpst not installed (apt-get install pst-utils)")
	}
	files := pstInputs(t)
	run := pstRecover(t, files...)
	theirs := pstPeers(t, files, peers.ReadPST)

	var ids, found, fewer, theyFail int
	var notes []string
	for _, f := range files {
		res := theirs[f]
		name := filepath.Base(f)
		if res.err != nil {
			theyFail++
			notes = append(notes, fmt.Sprintf("%s: readpst: %v", name, res.err))
		}
		if res.e == nil {
			continue
		}
		ours := map[string]int{}
		byFolder := map[string]int{}
		for _, r := range run.recs[f] {
			if r.MessageID != "" {
				ours[r.MessageID]++
			}
			byFolder[pstFolder(f, r.Folder)]++
		}
		notes = append(notes, fmt.Sprintf("%s: %s (store %q); mailsalvage %d records", name, res.e.Summary(), res.e.Store, len(run.recs[f])))
		for id, n := range res.e.MessageIDs() {
			ids++
			switch {
			case ours[id] == 0:
				var where []string
				for _, it := range res.e.Items() {
					if it.MessageID == id {
						where = append(where, fmt.Sprintf("%s (%q)", it.Path, it.Subject))
					}
				}
				notes = append(notes, fmt.Sprintf("%s: Message-ID %s not in our provenance: readpst's %s", name, id, strings.Join(where, ", ")))
			case ours[id] < n:
				found++
				fewer++
				notes = append(notes, fmt.Sprintf("%s: Message-ID %s: readpst writes it %d times, our provenance has %d", name, id, n, ours[id]))
			default:
				found++
			}
		}
		for _, rf := range res.e.Folders {
			if len(rf.Items) == 0 || rf.Path == "" {
				continue
			}
			n := 0
			for folder, c := range byFolder {
				if strings.HasSuffix("/"+pstReadpstPath(folder), "/"+rf.Path) {
					n += c
				}
			}
			if n < len(rf.Items) {
				notes = append(notes, fmt.Sprintf("%s: folder %q: readpst writes %d files, mailsalvage %d records", name, rf.Path, len(rf.Items), n))
			}
		}
	}
	t.Logf("%d files: readpst writes %d distinct Message-IDs (failed on %d files); %d in our provenance", len(files), ids, theyFail, found)
	for _, s := range notes {
		t.Log(s)
	}
	if found < ids {
		t.Errorf("%d of the %d Message-IDs readpst writes are not in our provenance", ids-found, ids)
	}
	if fewer > 0 {
		t.Errorf("%d Message-IDs occur fewer times in our provenance than in readpst's output", fewer)
	}
}

// pstReadpstPath is a folder path as readpst names its directories.
func pstReadpstPath(p string) string {
	parts := strings.Split(p, "/")
	for i, s := range parts {
		parts[i] = peers.ReadpstName(s)
	}
	return strings.Join(parts, "/")
}

// TestOSTTreeMatchesCorpusList recovers the Outlook 2013 OST of the corpus
// and compares the folders of summary.json with the folder tree listed
// beside it (pst-extractor's "mtnman tree.txt"): every folder we write
// messages in is in the list, under the same path (less the file's name
// that comes first, see pstFolder); every folder the list
// shows items in is ours, with at least as many messages, and, when our
// chain names node ids, those very items. summary.json lists only folders
// holding messages: the list's empty folders are checked only when it
// lists empty folders too.
func TestOSTTreeMatchesCorpusList(t *testing.T) {
	pstRequireFormat(t)
	dir := corpus.Dir(t, "ost")
	ost := filepath.Join(dir, "pst-extractor-npm__mtnman1965@outlook.com.ost")
	list := filepath.Join(dir, "pst-extractor-npm__mtnman_tree.txt")
	for _, f := range []string{ost, list} {
		if _, err := os.Stat(f); err != nil {
			t.Skipf("corpus file %s not found", filepath.Base(f))
		}
	}
	b, err := os.ReadFile(list)
	if err != nil {
		t.Fatal(err)
	}
	tree, err := peers.ReadTree(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("%s: %v", list, err)
	}
	run := pstRecover(t, ost)
	in := run.inputs[ost]
	if in == nil || in.Format != "pst" {
		t.Fatalf("the OST was not read as pst: %+v", in)
	}
	listed := map[string]*peers.TreeFolder{}
	for _, f := range tree {
		listed[f.Path] = f
	}
	nids := map[string]map[uint32]bool{}
	haveNIDs := false
	cache := map[string]*peers.Item{}
	items, _ := pstItemRecords(run.recs[ost])
	for _, r := range items {
		it := pstItem(t, run.out, r, cache)
		if nids[it.Folder] == nil {
			nids[it.Folder] = map[uint32]bool{}
		}
		if it.NID != 0 {
			nids[it.Folder][it.NID] = true
			haveNIDs = true
		}
	}
	var ours []string
	folders := map[string]*export.FolderSummary{}
	empties := false
	for raw, fs := range in.Folders {
		p := pstFolder(ost, raw)
		folders[p] = fs
		ours = append(ours, p)
		if fs.Messages == 0 {
			empties = true
		}
		switch {
		case p == "":
			t.Logf("%d messages in no folder (states %v)", fs.Messages, fs.ByState)
		case strings.HasPrefix(p, "Recovered/"):
			// deleted and orphaned items (formats/pst): in no folder of
			// the tree
			t.Logf("%s: %d deleted or orphaned messages (states %v)", p, fs.Messages, fs.ByState)
		case listed[p] == nil:
			t.Errorf("folder %q (%d messages) is not in the tree list", raw, fs.Messages)
		}
	}
	sort.Strings(ours)
	t.Logf("tree list: %d folders; summary.json: %d folders with messages: %s", len(tree), len(ours), strings.Join(ours, ", "))
	if !haveNIDs {
		t.Log("our chains name no node ids: the listed items are checked by count only")
	}
	var emptyMissing []string
	for _, f := range tree {
		fs := folders[f.Path]
		switch {
		case len(f.Items) > 0 && fs == nil:
			t.Errorf("folder %q: the tree list shows %d items, summary.json has no such folder", f.Path, len(f.Items))
		case len(f.Items) > 0 && fs.Messages < len(f.Items):
			t.Errorf("folder %q: the tree list shows %d items, summary.json %d messages", f.Path, len(f.Items), fs.Messages)
		case fs == nil:
			emptyMissing = append(emptyMissing, f.Path)
		}
		if haveNIDs {
			for _, it := range f.Items {
				if !nids[f.Path][it.NID] {
					t.Errorf("folder %q: item node %d (%s) is not in our provenance", f.Path, it.NID, it.Subject)
				}
			}
		}
	}
	if empties && len(emptyMissing) > 0 {
		t.Errorf("summary.json lists empty folders but not these of the tree list: %s", strings.Join(emptyMissing, ", "))
	} else if len(emptyMissing) > 0 {
		t.Logf("not checked (no messages, so not in summary.json): %s", strings.Join(emptyMissing, ", "))
	}
}
