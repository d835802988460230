package main

import (
	"bytes"
	"encoding/binary"
	"flag"
	"fmt"
	"hash/fnv"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime/debug"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/mailsalvage/mailsalvage/export"
	"github.com/mailsalvage/mailsalvage/internal/corpus"
	"github.com/mailsalvage/mailsalvage/internal/damage"
)

// The corruption sweep: every real file of ../shared/corpus (a
// deterministic sample by default, all of them with -sweep-long), damaged
// in seeded ways (sweepDamages), each damaged copy recovered by the full
// `mailsalvage recover` in a child process with a deadline and a memory
// ceiling. It asserts: no panic, no hang, peak RSS under the ceiling, and
// for mbox and .eml files every message whose bytes (and separator) the
// damage did not touch is still recovered, by Message-ID.
//
//	go test ./cmd/mailsalvage -run 'TestSweep$' -v                       # sample, well under 20 s
//	go test ./cmd/mailsalvage -run 'TestSweep$' -v -args -sweep-long     # every corpus file
//	go test ./cmd/mailsalvage -run 'TestSweep$' -args -sweep-report=t.md # also write the table
//
// One child process recovers the intact file and all its damaged copies
// at once (one `recover` with many inputs): a panic names the file, the
// damage is found by running its copies one by one (the test does so and
// reports which).

var (
	sweepLong   = flag.Bool("sweep-long", os.Getenv("MAILSALVAGE_SWEEP_LONG") != "", "TestSweep: every corpus file, not a sample (or MAILSALVAGE_SWEEP_LONG=1)")
	sweepReport = flag.String("sweep-report", "", "TestSweep: write a Markdown table of files, variants, time and peak RSS here")
)

// sweepMaxRSS is the memory ceiling of one child (all copies of one file):
// the race detector multiplies memory several times.
func sweepMaxRSS() int64 {
	if damageRace() {
		return 3 << 30
	}
	return 512 << 20
}

func sweepTimeout() time.Duration {
	if *sweepLong || damageRace() {
		return 10 * time.Minute
	}
	return 2 * time.Minute
}

// span is a byte range [off, end) of the original file.
type span struct{ off, end int64 }

func (s span) meets(o span) bool { return s.off < o.end && o.off < s.end }

// sweepVariant is one damaged copy.
type sweepVariant struct {
	name string
	data []byte
	hurt []span // ranges of the original file the damage changed
}

// fileKind is what a file is, by its first bytes, for the damages that aim
// at structures.
func fileKind(b []byte) string {
	switch {
	case bytes.HasPrefix(b, []byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}):
		return "cfb"
	case bytes.HasPrefix(b, []byte("!BDN")):
		return "pst"
	case bytes.HasPrefix(b, []byte{0x78, 0x9F, 0x3E, 0x22}):
		return "tnef"
	}
	return "text"
}

func seedOf(name string) uint64 {
	h := fnv.New64a()
	h.Write([]byte(name))
	return h.Sum64()
}

// sweepDamages returns the damaged copies of b.
func sweepDamages(name string, b []byte) []sweepVariant {
	rng := rand.New(rand.NewPCG(seedOf(name), 8))
	n := int64(len(b))
	var out []sweepVariant
	add := func(v sweepVariant) {
		if v.data != nil && !bytes.Equal(v.data, b) {
			out = append(out, v)
		}
	}
	page := func(size int64) (int64, bool) {
		if n < 2*size {
			return 0, false
		}
		return rng.Int64N(n/size) * size, true
	}
	// zeroed sectors, as a failing disk leaves them
	{
		c := bytes.Clone(b)
		var hurt []span
		for i := 0; i < 4; i++ {
			if off, ok := page(512); ok {
				clear(c[off:min(off+512, n)])
				hurt = append(hurt, span{off, min(off+512, n)})
			}
		}
		add(sweepVariant{name: "zero-sectors", data: c, hurt: hurt})
	}
	// the first sector zeroed: no magic, no header
	{
		c := bytes.Clone(b)
		clear(c[:min(512, n)])
		add(sweepVariant{name: "zero-header", data: c, hurt: []span{{0, min(512, n)}}})
	}
	// bit flips, few and many
	for _, k := range []int{16, 512} {
		c := bytes.Clone(b)
		var hurt []span
		for i := 0; i < k && n > 0; i++ {
			o := rng.Int64N(n)
			c[o] ^= 1 << rng.IntN(8)
			hurt = append(hurt, span{o, o + 1})
		}
		add(sweepVariant{name: fmt.Sprintf("flip-%d-bits", k), data: c, hurt: hurt})
	}
	// truncation at several points
	for _, f := range []float64{0.1, 0.5, 0.9} {
		t := int64(float64(n) * f)
		add(sweepVariant{name: fmt.Sprintf("truncate-%d%%", int(f*100)), data: bytes.Clone(b[:t]), hurt: []span{{t, n}}})
	}
	if n > 1 {
		add(sweepVariant{name: "truncate-last-byte", data: bytes.Clone(b[:n-1]), hurt: []span{{n - 1, n}}})
	}
	// a page duplicated over another, and two pages swapped
	for _, size := range []int64{512, 4096} {
		from, ok1 := page(size)
		to, ok2 := page(size)
		if !ok1 || !ok2 || from == to {
			continue
		}
		c := bytes.Clone(b)
		copy(c[to:min(to+size, n)], b[from:min(from+size, n)])
		add(sweepVariant{name: fmt.Sprintf("dup-page-%d", size), data: c, hurt: []span{{to, min(to+size, n)}}})
		c = bytes.Clone(b)
		copy(c[to:min(to+size, n)], b[from:min(from+size, n)])
		copy(c[from:min(from+size, n)], b[to:min(to+size, n)])
		if min(from+size, n)-from == min(to+size, n)-to {
			add(sweepVariant{name: fmt.Sprintf("swap-pages-%d", size), data: c, hurt: []span{{to, min(to+size, n)}, {from, min(from+size, n)}}})
		}
	}
	// huge declared sizes and loops, where the format has them
	if v, ok := hugeSizes(b); ok {
		add(v)
	}
	if v, ok := loops(b); ok {
		add(v)
	}
	return out
}

// hugeSizes sets length fields to huge values: compound file stream sizes
// and FAT counts, TNEF attribute lengths, mbox/eml Content-Length fields
// and the byte count line of an .emlx.
func hugeSizes(b []byte) (sweepVariant, bool) {
	c := bytes.Clone(b)
	var hurt []span
	set32 := func(off int, v uint32) {
		if off+4 <= len(c) {
			binary.LittleEndian.PutUint32(c[off:], v)
			hurt = append(hurt, span{int64(off), int64(off + 4)})
		}
	}
	switch fileKind(b) {
	case "cfb":
		set32(0x2C, 0x7FFFFFFF) // number of FAT sectors
		set32(0x40, 0x7FFFFFFF) // number of mini FAT sectors
		ss := 512
		if len(b) > 0x1F && b[0x1E] == 12 {
			ss = 4096
		}
		dir := int(binary.LittleEndian.Uint32(b[0x30:]))
		base := (dir + 1) * ss
		for i := 0; i < ss/128 && base+i*128+128 <= len(c); i++ {
			e := base + i*128
			if c[e+0x42] == 2 { // stream
				set32(e+0x78, 0xFFFFFFF0)
			}
		}
	case "tnef":
		// attributes after the 6-byte header: level, id (4), length (4)
		off := 6
		for i := 0; i < 8 && off+9 <= len(b); i++ {
			l := int(binary.LittleEndian.Uint32(b[off+5:]))
			set32(off+5, 0xFFFFFFF0)
			off += 9 + l + 2
			if l < 0 || off > len(b) {
				break
			}
		}
	case "pst":
		return sweepVariant{}, false
	default:
		// an .emlx byte count line
		if i := bytes.IndexByte(b, '\n'); i > 0 && i < 12 && allDigits(bytes.TrimSpace(b[:i])) {
			for j := 0; j < i && c[j] >= '0' && c[j] <= '9'; j++ {
				c[j] = '9'
			}
			hurt = append(hurt, span{0, int64(i)})
		}
		// Content-Length fields, and header lines turned into them
		for _, name := range []string{"\nContent-Length:", "\nSubject:", "\nX-"} {
			for p, k := 0, 0; k < 3; k++ {
				i := bytes.Index(b[p:], []byte(name))
				if i < 0 {
					break
				}
				s := p + i + 1
				e := bytes.IndexByte(b[s:], '\n')
				if e < 0 {
					break
				}
				line := "Content-Length: 99999999999"
				if e >= len(line) {
					copy(c[s:], line+strings.Repeat(" ", e-len(line)))
					hurt = append(hurt, span{int64(s), int64(s + e)})
				}
				p = s + e
			}
		}
	}
	if len(hurt) == 0 {
		return sweepVariant{}, false
	}
	return sweepVariant{name: "huge-sizes", data: c, hurt: hurt}, true
}

// loops makes chains and trees point back at themselves: in a compound
// file FAT entries that point at their own sector and directory entries
// whose sibling or child is themselves.
func loops(b []byte) (sweepVariant, bool) {
	if fileKind(b) == "pst" {
		// a data tree (XBLOCK) or subnode tree (SLBLOCK) that names
		// itself, CRC made right (internal/damage)
		c, d, err := damage.LoopDataTree(b)
		if err != nil {
			return sweepVariant{}, false
		}
		var hurt []span
		for _, r := range d.Changed {
			hurt = append(hurt, span{r.Off, r.Off + r.Len})
		}
		return sweepVariant{name: "loops", data: c, hurt: hurt}, true
	}
	if fileKind(b) != "cfb" || len(b) < 1024 {
		return sweepVariant{}, false
	}
	c := bytes.Clone(b)
	var hurt []span
	set32 := func(off int, v uint32) {
		if off+4 <= len(c) {
			binary.LittleEndian.PutUint32(c[off:], v)
			hurt = append(hurt, span{int64(off), int64(off + 4)})
		}
	}
	ss := 512
	if b[0x1E] == 12 {
		ss = 4096
	}
	if fat := int(binary.LittleEndian.Uint32(b[0x4C:])); fat < 1<<20 {
		base := (fat + 1) * ss
		for k := 0; k < ss/4 && base+4*k+4 <= len(b); k += 3 {
			if v := binary.LittleEndian.Uint32(b[base+4*k:]); v < 0xFFFFFFFA {
				set32(base+4*k, uint32(k))
			}
		}
	}
	if dir := int(binary.LittleEndian.Uint32(b[0x30:])); dir < 1<<20 {
		base := (dir + 1) * ss
		set32(base+0x4C, 0) // the root's child is the root
		for i := 1; i < ss/128 && base+i*128+128 <= len(b); i += 2 {
			set32(base+i*128+0x48, uint32(i)) // right sibling is itself
		}
	}
	if len(hurt) == 0 {
		return sweepVariant{}, false
	}
	return sweepVariant{name: "loops", data: c, hurt: hurt}, true
}

func allDigits(b []byte) bool {
	for _, c := range b {
		if c < '0' || c > '9' {
			return false
		}
	}
	return len(b) > 0
}

// sweepFiles returns the corpus files to sweep: all of them with
// -sweep-long, else a deterministic sample of small files of every kind.
func sweepFiles(t *testing.T, root string) []string {
	var all []string
	filepath.WalkDir(root, func(p string, e os.DirEntry, err error) error {
		if err != nil || !e.Type().IsRegular() {
			return nil
		}
		rel, _ := filepath.Rel(root, p)
		if !strings.Contains(rel, string(filepath.Separator)) {
			return nil // MANIFEST.tsv, README.md
		}
		switch filepath.Ext(rel) {
		case ".tsv", ".md":
			return nil
		}
		all = append(all, rel)
		return nil
	})
	sort.Strings(all)
	if *sweepLong {
		return all
	}
	// the sample: multi-message mailboxes of each kind named below, and
	// per top folder the files whose name hashes lowest among those of
	// at most 256 KiB
	out := []string{}
	for _, rel := range sweepAnchors {
		if _, err := os.Stat(filepath.Join(root, rel)); err == nil {
			out = append(out, filepath.FromSlash(rel))
		}
	}
	per := map[string]int{"mbox": 3, "eml": 4, "maildir": 2, "emlx": 2, "msg": 3, "pst": 1, "tnef": 2, "bounces": 1, "dbx": 1, "misc": 1}
	type cand struct {
		rel string
		h   uint64
	}
	by := map[string][]cand{}
	for _, rel := range all {
		st, err := os.Stat(filepath.Join(root, rel))
		if err != nil || st.Size() > 256<<10 || st.Size() == 0 || slices.Contains(out, rel) {
			continue
		}
		top := strings.SplitN(rel, string(filepath.Separator), 2)[0]
		by[top] = append(by[top], cand{rel, seedOf(rel)})
	}
	for top, cs := range by {
		sort.Slice(cs, func(i, j int) bool { return cs[i].h < cs[j].h })
		for i := 0; i < len(cs) && i < per[top]; i++ {
			out = append(out, cs[i].rel)
		}
	}
	sort.Strings(out)
	return out
}

// sweepAnchors are always in the sample: mailboxes with many messages
// (LF and CRLF mbox, Thunderbird), a small OST and a small PST.
var sweepAnchors = []string{
	"mbox/Aspose__ExampleMbox.mbox",
	"mbox/MailBox__mbox.win.mbox",
	"mbox/Tika__complex.mbox",
	"mbox/thunderbird_local_test_data/mailformed_subject.eml",
	"ost/Aspose__PersonalStorageFile.ost",
}

// sweepRow is what one file's sweep measured.
type sweepRow struct {
	file     string
	size     int64
	variants int
	elapsed  time.Duration
	maxRSS   int64
	checked  int // messages whose untouched recovery was checked
	problem  string
}

func TestSweep(t *testing.T) {
	if testing.Short() && !*sweepLong {
		t.Skip("-short")
	}
	root := corpus.Root()
	if root == "" {
		t.Skip("corpus not found (../shared/corpus or $MAILSALVAGE_CORPUS)")
	}
	files := sweepFiles(t, root)
	if len(files) == 0 {
		t.Skip("no corpus files")
	}
	var rows []sweepRow
	totalVariants := 0
	for _, rel := range files {
		row := sweepOne(t, root, rel)
		rows = append(rows, row)
		totalVariants += row.variants
		if row.problem != "" {
			t.Errorf("%s: %s", rel, row.problem)
		}
	}
	var peak sweepRow
	for _, r := range rows {
		if r.maxRSS > peak.maxRSS {
			peak = r
		}
	}
	checked := 0
	for _, r := range rows {
		checked += r.checked
	}
	t.Logf("sweep: %d files, %d damaged copies (+%d intact), peak RSS %.1f MiB (%s), %d untouched messages checked",
		len(files), totalVariants, len(files), float64(peak.maxRSS)/(1<<20), peak.file, checked)
	if *sweepReport != "" {
		var b strings.Builder
		fmt.Fprintf(&b, "| file | size | damaged copies | time | peak RSS (MiB) | untouched messages checked | result |\n|---|---:|---:|---:|---:|---:|---|\n")
		for _, r := range rows {
			res := "ok"
			if r.problem != "" {
				res = strings.ReplaceAll(strings.SplitN(r.problem, "\n", 2)[0], "|", "/")
			}
			fmt.Fprintf(&b, "| %s | %d | %d | %.1fs | %.1f | %d | %s |\n", r.file, r.size, r.variants, r.elapsed.Seconds(), float64(r.maxRSS)/(1<<20), r.checked, res)
		}
		fmt.Fprintf(&b, "\n%d files, %d damaged copies, peak RSS %.1f MiB (%s)\n", len(files), totalVariants, float64(peak.maxRSS)/(1<<20), peak.file)
		if err := os.WriteFile(*sweepReport, []byte(b.String()), 0o644); err != nil {
			t.Error(err)
		}
	}
}

// sweepOne damages one corpus file and recovers the copies.
func sweepOne(t *testing.T, root, rel string) sweepRow {
	t.Helper()
	row := sweepRow{file: rel}
	b, err := os.ReadFile(filepath.Join(root, rel))
	if err != nil {
		row.problem = err.Error()
		return row
	}
	row.size = int64(len(b))
	tmp := t.TempDir()
	base := filepath.Base(rel)
	intact := filepath.Join(tmp, "intact", base)
	write := func(p string, data []byte) {
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, data, 0o444); err != nil {
			t.Fatal(err)
		}
	}
	write(intact, b)
	variants := sweepDamages(rel, b)
	row.variants = len(variants)
	paths := []string{intact}
	for i, v := range variants {
		p := filepath.Join(tmp, v.name, base)
		write(p, v.data)
		variants[i].data = nil // on disk now; keep this process small
		paths = append(paths, p)
	}
	b = nil
	debug.FreeOSMemory()
	res := sweepRun(t, paths, filepath.Join(tmp, "out"))
	row.elapsed, row.maxRSS = res.elapsed, res.maxRSS
	if res.problem != "" {
		// find the copies that cause it, one by one
		var bad []string
		for i, p := range paths {
			r := sweepRun(t, []string{p}, filepath.Join(tmp, fmt.Sprintf("out-%d", i)))
			if r.problem != "" {
				bad = append(bad, fmt.Sprintf("%s: %s", filepath.Base(filepath.Dir(p)), r.problem))
			}
		}
		row.problem = res.problem
		if len(bad) > 0 {
			row.problem = strings.Join(bad, "\n")
		}
		return row
	}
	if res.maxRSS > sweepMaxRSS() {
		row.problem = fmt.Sprintf("peak RSS %d MiB over the %d MiB ceiling", res.maxRSS>>20, sweepMaxRSS()>>20)
		return row
	}
	row.checked, row.problem = checkUntouched(res.recs, intact, variants, paths[1:])
	return row
}

type sweepResult struct {
	recs    []export.Record
	maxRSS  int64
	elapsed time.Duration
	problem string
}

// sweepRun runs `mailsalvage recover paths -o out` in a child process.
func sweepRun(t *testing.T, paths []string, out string) sweepResult {
	t.Helper()
	c := childRun(t, sweepTimeout(), append(append([]string{"recover"}, paths...), "-o", out, "-q")...)
	r := sweepResult{elapsed: c.elapsed, maxRSS: c.maxRSS}
	code := c.code
	tail := lastLinesOf(c.stderr, 30)
	if strings.Contains(c.stderr, "panic:") && !c.hung && !strings.Contains(c.stderr, "WARNING: DATA RACE") {
		tail = panicOf(c.stderr)
	}
	r.problem = c.problem(sweepTimeout(), tail)
	if r.problem != "" {
		return r
	}
	if _, err := os.Stat(filepath.Join(out, export.ProvenanceFile)); err == nil {
		r.recs = provenance(t, out)
	} else if code == exitOK {
		r.problem = "no provenance.jsonl written"
	}
	return r
}

// panicOf returns the panic message and the first frames of its stack.
func panicOf(s string) string {
	i := strings.Index(s, "panic:")
	if i < 0 {
		i = strings.Index(s, "fatal error:")
	}
	lines := strings.Split(s[i:], "\n")
	if len(lines) > 24 {
		lines = lines[:24]
	}
	return strings.Join(lines, "\n")
}

// checkUntouched checks that every message of the intact mbox or .eml
// file whose footprint (its bytes and the separator before them) no
// damage met is recovered from each damaged copy, by Message-ID. It
// returns how many (message, copy) pairs it checked.
func checkUntouched(recs []export.Record, intact string, variants []sweepVariant, paths []string) (int, string) {
	type msg struct {
		id string
		fp span
	}
	var msgs []msg
	ids := map[string]int{}
	for _, r := range recs {
		if r.Source.Path != intact || len(r.Chain) == 0 || r.MessageID == "" {
			continue
		}
		h := r.Chain[0]
		if (h.Format != "mbox" && h.Format != "eml") || h.Offset == nil || h.Length == nil {
			continue
		}
		ids[r.MessageID]++
		msgs = append(msgs, msg{r.MessageID, span{*h.Offset, *h.Offset + *h.Length}})
	}
	sort.Slice(msgs, func(i, j int) bool { return msgs[i].fp.off < msgs[j].fp.off })
	// the footprint runs from the end of the previous message (the
	// separator line) to one byte past the message (its line end)
	prev := int64(0)
	for i := range msgs {
		end := msgs[i].fp.end
		msgs[i].fp = span{min(prev, msgs[i].fp.off), end + 2}
		prev = end
	}
	found := map[string]map[string]bool{}
	for _, r := range recs {
		if found[r.Source.Path] == nil {
			found[r.Source.Path] = map[string]bool{}
		}
		found[r.Source.Path][r.MessageID] = true
	}
	checked := 0
	var missing []string
	for i, v := range variants {
		for _, m := range msgs {
			if ids[m.id] != 1 {
				continue
			}
			touched := false
			for _, h := range v.hurt {
				if h.meets(m.fp) {
					touched = true
					break
				}
			}
			if touched {
				continue
			}
			checked++
			if !found[paths[i]][m.id] {
				missing = append(missing, fmt.Sprintf("%s: %s (bytes %d..%d untouched) not recovered", v.name, m.id, m.fp.off, m.fp.end))
			}
		}
	}
	if len(missing) > 0 {
		if len(missing) > 10 {
			missing = append(missing[:10], fmt.Sprintf("and %d more", len(missing)-10))
		}
		return checked, strings.Join(missing, "\n")
	}
	return checked, ""
}

// TestSweepMaildir damages Maildir folders of the corpus file by file
// (some message files zeroed in part, truncated, bit-flipped, renamed with
// a garbage info suffix, emptied) and checks that every message in a file
// the damage did not touch is still recovered, by Message-ID, with the
// same deadline and memory ceiling as TestSweep.
func TestSweepMaildir(t *testing.T) {
	if testing.Short() && !*sweepLong {
		t.Skip("-short")
	}
	root := corpus.Root()
	if root == "" {
		t.Skip("corpus not found (../shared/corpus or $MAILSALVAGE_CORPUS)")
	}
	var dirs []string
	filepath.WalkDir(filepath.Join(root, "maildir"), func(p string, e os.DirEntry, err error) error {
		if err != nil || !e.IsDir() {
			return nil
		}
		if st, err := os.Stat(filepath.Join(p, "cur")); err == nil && st.IsDir() {
			rel, _ := filepath.Rel(root, p)
			for _, d := range dirs {
				if strings.HasPrefix(rel, d+string(filepath.Separator)) {
					return filepath.SkipDir // inside a maildir already taken
				}
			}
			dirs = append(dirs, rel)
			return filepath.SkipDir
		}
		return nil
	})
	if !*sweepLong {
		var sample []string
		for _, d := range dirs {
			if strings.Contains(d, "MailBox_maildir") || strings.Contains(d, "maildirpp") {
				sample = append(sample, d)
			}
		}
		dirs = sample
	}
	if len(dirs) == 0 {
		t.Skip("no corpus Maildir")
	}
	checked, copies := 0, 0
	var peak int64
	for _, rel := range dirs {
		c, n, rss := sweepMaildirOne(t, filepath.Join(root, rel), rel)
		checked += c
		copies += n
		peak = max(peak, rss)
	}
	t.Logf("maildir sweep: %d maildirs, %d damaged copies, peak RSS %.1f MiB, %d untouched messages checked", len(dirs), copies, float64(peak)/(1<<20), checked)
	if checked == 0 {
		t.Error("no untouched message checked")
	}
}

func sweepMaildirOne(t *testing.T, src, rel string) (checked, copies int, maxRSS int64) {
	t.Helper()
	var files []string // relative to src
	filepath.WalkDir(src, func(p string, e os.DirEntry, err error) error {
		if err == nil && e.Type().IsRegular() {
			r, _ := filepath.Rel(src, p)
			files = append(files, r)
		}
		return nil
	})
	sort.Strings(files)
	tmp := t.TempDir()
	type variant struct {
		name string
		hurt map[string]bool // files damaged, renamed or removed
	}
	damagesOf := []struct {
		name string
		fn   func(b []byte, rng *rand.Rand) ([]byte, bool) // new bytes, false: remove the file
	}{
		{"zero-sector", func(b []byte, rng *rand.Rand) ([]byte, bool) {
			c := bytes.Clone(b)
			if len(c) > 0 {
				o := rng.IntN(len(c))
				clear(c[o:min(o+512, len(c))])
			}
			return c, true
		}},
		{"truncate", func(b []byte, rng *rand.Rand) ([]byte, bool) { return bytes.Clone(b[:len(b)/2]), true }},
		{"flip-bits", func(b []byte, rng *rand.Rand) ([]byte, bool) {
			c := bytes.Clone(b)
			for i := 0; i < 64 && len(c) > 0; i++ {
				c[rng.IntN(len(c))] ^= 1 << rng.IntN(8)
			}
			return c, true
		}},
		{"empty", func(b []byte, rng *rand.Rand) ([]byte, bool) { return nil, true }},
		{"removed", func(b []byte, rng *rand.Rand) ([]byte, bool) { return nil, false }},
		{"garbage-name", func(b []byte, rng *rand.Rand) ([]byte, bool) { return bytes.Clone(b), true }},
	}
	copyTree := func(dst string, hurtBy func(f string, b []byte) ([]byte, string, bool)) map[string]bool {
		hurt := map[string]bool{}
		for _, f := range files {
			b, err := os.ReadFile(filepath.Join(src, f))
			if err != nil {
				t.Fatal(err)
			}
			name := f
			if hurtBy != nil {
				nb, newName, keep := hurtBy(f, b)
				if !keep || newName != f || !bytes.Equal(nb, b) {
					hurt[f] = true
				}
				if !keep {
					continue
				}
				b, name = nb, newName
			}
			p := filepath.Join(dst, name)
			os.MkdirAll(filepath.Dir(p), 0o755)
			if err := os.WriteFile(p, b, 0o444); err != nil {
				t.Fatal(err)
			}
		}
		// keep empty cur/new/tmp folders a Maildir needs
		filepath.WalkDir(src, func(p string, e os.DirEntry, err error) error {
			if err == nil && e.IsDir() {
				r, _ := filepath.Rel(src, p)
				os.MkdirAll(filepath.Join(dst, r), 0o755)
			}
			return nil
		})
		return hurt
	}
	intact := filepath.Join(tmp, "intact")
	copyTree(intact, nil)
	paths := []string{intact}
	var variants []variant
	for _, d := range damagesOf {
		rng := rand.New(rand.NewPCG(seedOf(rel+d.name), 3))
		dst := filepath.Join(tmp, d.name)
		hurt := copyTree(dst, func(f string, b []byte) ([]byte, string, bool) {
			// one message file in four, chosen by the seed
			if sub := filepath.Base(filepath.Dir(f)); sub != "cur" && sub != "new" {
				return b, f, true
			}
			if rng.IntN(4) != 0 {
				return b, f, true
			}
			nb, keep := d.fn(b, rng)
			name := f
			if d.name == "garbage-name" {
				name = f + ":2,\xff\x01,S=999999999999"
			}
			return nb, name, keep
		})
		variants = append(variants, variant{d.name, hurt})
		paths = append(paths, dst)
	}
	copies = len(variants)
	res := sweepRun(t, paths, filepath.Join(tmp, "out"))
	if res.problem != "" {
		t.Errorf("%s: %s", rel, res.problem)
		return 0, copies, res.maxRSS
	}
	if res.maxRSS > sweepMaxRSS() {
		t.Errorf("%s: peak RSS %d MiB over the %d MiB ceiling", rel, res.maxRSS>>20, sweepMaxRSS()>>20)
	}
	// Message-IDs of the intact copy by file, and those found per copy
	idOf := map[string]string{}
	count := map[string]int{}
	found := map[string]map[string]bool{}
	for _, r := range res.recs {
		for _, p := range paths {
			if strings.HasPrefix(r.Source.Path, p+string(filepath.Separator)) {
				if found[p] == nil {
					found[p] = map[string]bool{}
				}
				found[p][r.MessageID] = true
				if p == intact && r.MessageID != "" {
					f, _ := filepath.Rel(intact, r.Source.Path)
					idOf[f] = r.MessageID
					count[r.MessageID]++
				}
			}
		}
	}
	var missing []string
	for i, v := range variants {
		for f, id := range idOf {
			if v.hurt[f] || count[id] != 1 {
				continue
			}
			checked++
			if !found[paths[i+1]][id] {
				missing = append(missing, fmt.Sprintf("%s: %s (%s, untouched) not recovered", v.name, id, f))
			}
		}
	}
	if len(missing) > 0 {
		sort.Strings(missing)
		if len(missing) > 10 {
			missing = append(missing[:10], fmt.Sprintf("and %d more", len(missing)-10))
		}
		t.Errorf("%s:\n%s", rel, strings.Join(missing, "\n"))
	}
	return checked, copies, res.maxRSS
}
