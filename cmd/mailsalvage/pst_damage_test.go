package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"runtime/debug"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mailsalvage/mailsalvage/formats/pst/ndb"
	"github.com/mailsalvage/mailsalvage/internal/corpus"
	"github.com/mailsalvage/mailsalvage/internal/damage"
	"github.com/mailsalvage/mailsalvage/internal/peers"
)

// The damaged-corpus recall test: real corpus PSTs and OSTs damaged the
// ways users meet (internal/damage), each damaged copy recovered by
// `mailsalvage recover` (in a child process, so that a panic, a hang or
// runaway memory is seen and measured), readpst and pffexport, and what
// each gets back compared with the items of the intact file
// (damage.Reference, damage.Match).
//
//	go test ./cmd/mailsalvage -run 'TestPSTDamage$' -v                 # 3 files, one seed
//	go test ./cmd/mailsalvage -run 'TestPSTDamage$' -short -v          # 2 small files
//	go test ./cmd/mailsalvage -run 'TestPSTDamage$' -v -args -damage-files=ost/pst-extractor-npm__mtnman1965@outlook.com.ost
//	go test ./cmd/mailsalvage -run 'TestPSTDamage$' -v -args -damage-long -damage-table=t.md
//
// bench/pst-damage.sh prints the table for the README.

var (
	damageLong  = flag.Bool("damage-long", os.Getenv("MAILSALVAGE_DAMAGE_LONG") != "", "TestPSTDamage: every corpus PST/OST with 5 items or more, three seeds per random damage (or MAILSALVAGE_DAMAGE_LONG=1)")
	damageTable = flag.String("damage-table", "", "TestPSTDamage: also write the recall table (Markdown) to this file")
)

// Thresholds of the issue (Message-ID recall on damaged copies of real
// PSTs).
const (
	damageFlipBits   = 300  // bits flipped
	damageSectors    = 16   // 512-byte sectors zeroed
	damageTruncateAt = 0.6  // share of the file kept
	damageRecallRand = 0.99 // zeroed sectors, flipped bits
	damageRecallRoot = 0.95 // both B-tree roots destroyed
)

// Files: one corpus file of each 512-byte-page variant (Unicode OST,
// Unicode PST, ANSI PST), small enough for the default run to stay well
// under a minute of CI; -short keeps the two smaller ones; -damage-long
// takes every corpus PST/OST with 5 items or more (the 16 MiB OST 2013
// among them) with three seeds per random damage.
var damageFiles = []string{
	"ost/Aspose__SampleOstFile.ost",                                      // Unicode OST, 92 items
	"pst/Aspose__Outlook_1.pst",                                          // Unicode PST (permute), 17 items
	"pst/hughbe-PstReader__simiden__pst2john__2k_outlook_qwerty1234.pst", // ANSI PST, 73 items without Message-ID
}

var damageShortFiles = []string{
	"pst/Aspose__Outlook_1.pst",
	"pst/hughbe-PstReader__simiden__pst2john__2k_outlook_qwerty1234.pst",
}

// damageExtra names more files for one run (-damage-files), such as the
// OST 2013 of the corpus bench/pst-damage.sh adds.
var damageExtra = flag.String("damage-files", "", "TestPSTDamage: comma-separated corpus-relative files to damage instead of the default set")

// Timeouts: a run that takes longer is a hang.
const (
	damageOursTimeout = 3 * time.Minute
	damagePeerTimeout = time.Minute
)

// damageMaxRSS bounds the peak RSS of one `mailsalvage recover` of one
// damaged copy (the race detector multiplies memory by 5 to 10).
func damageMaxRSS() int64 {
	if damageRace() {
		return 3 << 30
	}
	return 512 << 20
}

func damageRace() bool {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return false
	}
	for _, s := range bi.Settings {
		if s.Key == "-race" && s.Value == "true" {
			return true
		}
	}
	return false
}

// damageOurs is one `mailsalvage recover` of one file in a child process.
type damageOurs struct {
	found   []damage.Found
	code    int
	maxRSS  int64 // bytes
	elapsed time.Duration
	stderr  string
	problem string // a crash, a hang, a data race: what makes the case fail
}

func damageRunOurs(t *testing.T, file string) *damageOurs {
	t.Helper()
	out := filepath.Join(t.TempDir(), "out")
	c := childRun(t, damageOursTimeout, "recover", file, "-o", out, "-q")
	r := &damageOurs{elapsed: c.elapsed, stderr: c.stderr, code: c.code, maxRSS: c.maxRSS}
	r.problem = c.problem(damageOursTimeout, lastLinesOf(r.stderr, 12))
	if _, err := os.Stat(filepath.Join(out, "provenance.jsonl")); err == nil {
		r.found = damage.FoundInRecords(provenance(t, out))
	} else if r.problem == "" && r.code == exitOK {
		r.problem = "no provenance.jsonl written"
	}
	return r
}

func lastLinesOf(s string, n int) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// damagePeers is what readpst and pffexport made of one file.
type damagePeers struct {
	readpst, pff []damage.Found
	notes        []string
}

func damageRunPeers(file, tmp string) *damagePeers {
	p := &damagePeers{}
	var wg sync.WaitGroup
	var mu sync.Mutex
	note := func(tool string, err error) {
		if err == nil {
			return
		}
		msg := err.Error()
		var te *peers.ToolError
		if errors.As(err, &te) {
			msg = te.Err.Error()
			if errors.Is(err, context.DeadlineExceeded) {
				msg = fmt.Sprintf("timed out after %v", damagePeerTimeout)
			}
		}
		mu.Lock()
		p.notes = append(p.notes, tool+": "+msg)
		mu.Unlock()
	}
	if peers.Available("readpst") {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ctx, cancel := context.WithTimeout(context.Background(), damagePeerTimeout)
			defer cancel()
			e, err := peers.ReadPST(ctx, file, tmp)
			p.readpst = damage.FoundInExport(e, false)
			note("readpst", err)
		}()
	}
	if peers.Available("pffexport") {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ctx, cancel := context.WithTimeout(context.Background(), damagePeerTimeout)
			defer cancel()
			a, err := peers.PffExportAll(ctx, file, tmp)
			p.pff = damage.FoundInPff(a)
			note("pffexport", err)
		}()
	}
	wg.Wait()
	sort.Strings(p.notes)
	return p
}

// damageCase is one damage of one file.
type damageCase struct {
	name string
	kind damage.Kind
	make func(b []byte) ([]byte, damage.Damage, error)
}

func damageCases(m *damage.Map, long bool) []damageCase {
	seeds := []uint64{1}
	if long {
		seeds = []uint64{1, 2, 3}
	}
	cs := []damageCase{{"intact", damage.KindNone, func(b []byte) ([]byte, damage.Damage, error) {
		return b, damage.Damage{Kind: damage.KindNone, Desc: "the intact file", Size: int64(len(b)), Target: -1}, nil
	}}}
	for _, s := range seeds {
		cs = append(cs,
			damageCase{fmt.Sprintf("zero-sectors %d (seed %d)", damageSectors, s), damage.KindZeroSectors, func(b []byte) ([]byte, damage.Damage, error) {
				return damage.ZeroSectors(b, damageSectors, s)
			}},
			damageCase{fmt.Sprintf("flip-bits %d (seed %d)", damageFlipBits, s), damage.KindFlipBits, func(b []byte) ([]byte, damage.Damage, error) {
				return damage.FlipBits(b, damageFlipBits, s)
			}})
	}
	cs = append(cs,
		damageCase{"roots (header refs + root pages)", damage.KindRoots, damage.DestroyRoots},
		damageCase{fmt.Sprintf("truncate %.0f%%", 100*damageTruncateAt), damage.KindTruncate, func(b []byte) ([]byte, damage.Damage, error) {
			return damage.Truncate(b, damageTruncateAt)
		}},
		damageCase{"loop (data tree)", damage.KindLoopDataTree, damage.LoopDataTree})
	if long {
		cs = append(cs,
			damageCase{"root-refs (header only)", damage.KindRootRefs, damage.DestroyRootRefs},
			damageCase{"truncate 30%", damage.KindTruncate, func(b []byte) ([]byte, damage.Damage, error) { return damage.Truncate(b, 0.3) }},
			damageCase{"truncate 90%", damage.KindTruncate, func(b []byte) ([]byte, damage.Damage, error) { return damage.Truncate(b, 0.9) }})
	}
	for _, s := range seeds {
		for _, tree := range []damage.Tree{damage.NBT, damage.BBT} {
			cs = append(cs, damageCase{fmt.Sprintf("overwrite %v page (seed %d)", tree, s), damage.KindOverwritePage, func(b []byte) ([]byte, damage.Damage, error) {
				return damage.OverwritePage(b, tree, s)
			}})
		}
		if bid, ok := m.MessageBlock(s); ok {
			cs = append(cs, damageCase{fmt.Sprintf("zero-block %v (seed %d)", bid, s), damage.KindZeroBlock, func(b []byte) ([]byte, damage.Damage, error) {
				return damage.ZeroBlock(b, bid)
			}})
		}
	}
	return cs
}

// damageInputs returns the corpus files to damage.
func damageInputs(t *testing.T) []string {
	t.Helper()
	root := corpus.Root()
	if root == "" {
		t.Skip("corpus not found (../shared/corpus or $MAILSALVAGE_CORPUS)")
	}
	var names []string
	switch {
	case *damageExtra != "":
		names = strings.Split(*damageExtra, ",")
	case *damageLong:
		for _, f := range pstInputs(t) {
			rel, _ := filepath.Rel(root, f)
			names = append(names, rel)
		}
	case testing.Short():
		names = damageShortFiles
	default:
		names = damageFiles
	}
	var files []string
	for _, n := range names {
		f := filepath.Join(root, n)
		if _, err := os.Stat(f); err != nil {
			t.Logf("%s: not in the corpus, left out", n)
			continue
		}
		files = append(files, f)
	}
	if len(files) == 0 {
		t.Skip("none of the damage test's PST/OST files is in the corpus")
	}
	return files
}

// TestPSTDamage damages real corpus PSTs and OSTs (internal/damage) and
// checks what comes back from each damaged copy:
//
//   - no panic, hang, data race or unbounded memory (each `mailsalvage
//     recover` runs in a child process with a timeout; its peak RSS is
//     measured);
//   - every item still reachable through undamaged header roots and
//     B-tree pages comes back (Expect.Reachable);
//   - the thresholds: every item of the intact file, its deleted
//     items (those any tool finds) included; for zeroed sectors and
//     flipped bits 99% of the items, or all items whose blocks are
//     untouched when fewer are (a small file where 300 flipped bits hit
//     more than 1% of the items' blocks); for a truncation, every item
//     whose blocks lie in the kept bytes (but for items whose NBT entry
//     is cut off and whose data block other items share too, which
//     nothing can tell apart: damage.Expect.Findable); for destroyed
//     roots 95% of the items;
//   - never fewer items than readpst or pffexport on the same copy,
//     items of the NBT and all items (deleted ones included) alike.
func TestPSTDamage(t *testing.T) {
	pstRequireFormat(t)
	files := damageInputs(t)
	start := time.Now()
	var mu sync.Mutex
	var rows []damage.Row
	var peak struct {
		rss  int64
		what string
	}
	for _, file := range files {
		name := filepath.Base(file)
		b, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		m, err := damage.NewMap(b)
		if err != nil {
			if *damageLong {
				// the corpus keeps a few files that are not whole PSTs
				// (pstreader's truncated-in-header.bin): nothing to damage
				t.Logf("%s: left out: %v", name, err)
				continue
			}
			t.Errorf("%s: %v", name, err)
			continue
		}
		if *damageLong && len(m.Messages()) < 5 {
			continue
		}
		// the reference: the intact file's items, as we and the peers read it
		intact := damageRunOurs(t, file)
		if intact.problem != "" {
			t.Errorf("%s (intact): %s", name, intact.problem)
		}
		ip := damageRunPeers(file, t.TempDir())
		ref := damage.Reference(m, intact.found, damage.ToolFound{Tool: "pffexport", Items: ip.pff}, damage.ToolFound{Tool: "readpst", Items: ip.readpst})
		var live []ndb.NID
		for _, r := range ref {
			if r.InNBT {
				live = append(live, r.NID)
			}
		}
		t.Logf("%s: %v, NBT %d levels, BBT %d levels, %d pages, %d blocks; %d items (%d in the NBT)",
			name, m.Header.Version, m.Depth(damage.NBT), m.Depth(damage.BBT), len(m.Pages), len(m.Blocks), len(ref), len(live))
		for _, r := range ref {
			if !r.InNBT || r.Source != "mailsalvage" {
				t.Logf("%s: item %v %s %q known from %s (in the NBT: %v)", name, r.NID, r.MessageID, r.Subject, r.Source, r.InNBT)
			}
		}

		t.Run(name, func(t *testing.T) {
			for _, c := range damageCases(m, *damageLong) {
				t.Run(c.name, func(t *testing.T) {
					t.Parallel()
					row, rss := damageCheck(t, file, b, m, ref, live, c, intact, ip)
					mu.Lock()
					rows = append(rows, *row)
					if rss > peak.rss {
						peak.rss, peak.what = rss, name+" / "+c.name
					}
					mu.Unlock()
				})
			}
		})
	}
	damage.SortRows(rows)
	table := damage.Table(rows)
	t.Logf("recall on damaged copies (Message-IDs recovered of the items with one · all items; items without Message-ID matched by node id and subject, or by subject):\n%s", table)
	for _, r := range rows {
		for _, n := range r.Notes {
			t.Logf("%s / %s: %s", r.File, r.Damage, n)
		}
	}
	t.Logf("peak RSS of one `mailsalvage recover` of a damaged copy: %.1f MiB (%s); race detector: %v; %v in all",
		float64(peak.rss)/(1<<20), peak.what, damageRace(), time.Since(start).Round(time.Second))
	if *damageTable != "" {
		if err := os.WriteFile(*damageTable, []byte(table), 0o644); err != nil {
			t.Error(err)
		}
	}
}

// damageCheck damages one file one way, recovers it with the three
// tools and checks what came back. It returns the table row and the peak
// RSS of our run.
func damageCheck(t *testing.T, file string, b []byte, m *damage.Map, ref []damage.RefItem, live []ndb.NID, c damageCase, intact *damageOurs, ip *damagePeers) (*damage.Row, int64) {
	out, d, err := c.make(b)
	if errors.Is(err, damage.ErrNotApplicable) {
		t.Skipf("not applicable: %v", err)
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("damage: %s", d.Desc)
	ours, pp := intact, ip
	if c.kind != damage.KindNone {
		copyPath := filepath.Join(t.TempDir(), filepath.Base(file))
		if err := os.WriteFile(copyPath, out, 0o444); err != nil {
			t.Fatal(err)
		}
		var wg sync.WaitGroup
		wg.Add(1)
		go func() {
			defer wg.Done()
			pp = damageRunPeers(copyPath, t.TempDir())
		}()
		ours = damageRunOurs(t, copyPath)
		wg.Wait()
	}
	if ours.problem != "" {
		t.Errorf("mailsalvage: %s", ours.problem)
	}
	if ours.maxRSS > damageMaxRSS() {
		t.Errorf("mailsalvage: peak RSS %.0f MiB, more than %d MiB", float64(ours.maxRSS)/(1<<20), damageMaxRSS()>>20)
	}

	so := damage.Match(ref, ours.found)
	sr := damage.Match(ref, pp.readpst)
	sp := damage.Match(ref, pp.pff)
	e := m.Expect(d.Hits, live)
	row := &damage.Row{File: filepath.Base(file), Damage: c.name, Items: len(ref), IDs: so.IDs,
		Untouched: len(e.Untouched), Reachable: len(e.Reachable),
		Ours: so.Recovered, Readpst: sr.Recovered, Pff: sp.Recovered,
		OursIDs: so.IDsRecovered, ReadpstIDs: sr.IDsRecovered, PffIDs: sp.IDsRecovered}
	if c.kind == damage.KindNone {
		row.Untouched, row.Reachable = len(live), len(live)
	}
	row.Notes = append(row.Notes, pp.notes...)
	if ours.code != exitOK {
		row.Notes = append(row.Notes, fmt.Sprintf("mailsalvage: exit %d: %s", ours.code, lastLinesOf(ours.stderr, 1)))
	}
	isLive := func(r damage.RefItem) bool { return r.InNBT }
	oursLive, nLive := so.Count(ref, isLive)
	t.Logf("items %d (%d in the NBT, %d with a Message-ID); untouched %d (findable %d), scannable %d, reachable %d; mailsalvage %d (%d live, %d Message-IDs) in %v, peak RSS %.0f MiB; readpst %d; pffexport %d",
		len(ref), nLive, so.IDs, len(e.Untouched), len(e.Findable), len(e.Scannable), len(e.Reachable), so.Recovered, oursLive, so.IDsRecovered,
		ours.elapsed.Round(time.Millisecond), float64(ours.maxRSS)/(1<<20), sr.Recovered, sp.Recovered)
	for _, n := range pp.notes {
		t.Log(n)
	}

	// what survived in reachable structures always comes back
	reach := e.Reachable
	if c.kind == damage.KindNone {
		reach = map[ndb.NID]bool{}
		for _, nid := range live {
			reach[nid] = true
		}
	}
	var lost []string
	for i, r := range ref {
		if r.InNBT && reach[r.NID] && !so.Got[i] {
			lost = append(lost, fmt.Sprintf("%v %s %q", r.NID, r.MessageID, r.Subject))
		}
	}
	if len(lost) > 0 {
		t.Errorf("%d items reachable through undamaged structures not recovered: %s", len(lost), strings.Join(firstN(lost, 10), "; "))
	}

	// the thresholds
	threshold := func(what string, got, want int) {
		if got < want {
			t.Errorf("%s: %d of %d items, want %d (%s)", what, got, nLive, want, m.Describe(d.Hits))
		}
	}
	switch c.kind {
	case damage.KindNone:
		threshold("intact file", oursLive, nLive)
		if so.Recovered < len(ref) {
			var missed []string
			for i, r := range ref {
				if !so.Got[i] {
					missed = append(missed, fmt.Sprintf("%v %s %q (found by %s)", r.NID, r.MessageID, r.Subject, r.Source))
				}
			}
			t.Errorf("intact file: %d of the %d items (deleted ones included) recovered; missed: %s", so.Recovered, len(ref), strings.Join(firstN(missed, 10), "; "))
		}
	case damage.KindZeroSectors, damage.KindFlipBits:
		want := min(int(math.Ceil(damageRecallRand*float64(nLive))), len(e.Untouched))
		threshold(fmt.Sprintf("%.0f%% of the items, or every untouched one", 100*damageRecallRand), oursLive, want)
	case damage.KindTruncate:
		// every item whose blocks lie in the kept bytes, when they tell
		// it apart (damage.Expect.Findable)
		threshold("every item whose blocks lie in the kept bytes", oursLive, len(e.Findable))
	case damage.KindRoots, damage.KindRootRefs, damage.KindRootPages:
		threshold(fmt.Sprintf("roots destroyed: %.0f%% of the items", 100*damageRecallRoot), oursLive, int(math.Ceil(damageRecallRoot*float64(nLive))))
	}

	// never fewer than the peers: items of the NBT, and all items,
	// deleted items found by scanning included
	for _, p := range []struct {
		tool string
		s    damage.Score
	}{{"readpst", sr}, {"pffexport", sp}} {
		theirsLive, _ := p.s.Count(ref, isLive)
		if oursLive >= theirsLive && so.Recovered >= p.s.Recovered {
			continue
		}
		var only []string
		for i, r := range ref {
			if p.s.Got[i] && !so.Got[i] {
				where := "deleted"
				if r.InNBT {
					where = "in the NBT"
				}
				only = append(only, fmt.Sprintf("%v %s %q (%s)", r.NID, r.MessageID, r.Subject, where))
			}
		}
		t.Errorf("%s recovers %d items (%d in the NBT), mailsalvage %d (%d); only %s has: %s",
			p.tool, p.s.Recovered, theirsLive, so.Recovered, oursLive, p.tool, strings.Join(firstN(only, 10), "; "))
	}
	return row, ours.maxRSS
}

func firstN(s []string, n int) []string {
	if len(s) > n {
		return append(s[:n:n], fmt.Sprintf("… %d more", len(s)-n))
	}
	return s
}
