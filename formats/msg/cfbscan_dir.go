package msg

// The directory of a damaged compound file (MS-CFB section 2.6), for the
// tolerant walk of cfbscan.go: finding directory sectors when their chain
// is lost, putting them back in order, and linking the entries into a
// tree with what no path reaches kept where it can be recognized.

import (
	"encoding/binary"
	"fmt"
	"sort"
	"strings"
	"unicode/utf16"
)

// --- directory (MS-CFB section 2.6) ---

// readDirectory finds the directory sectors and parses their entries.
func (s *scanner) readDirectory() {
	start := s.h.dirStart
	if start >= s.nsec || !s.rootSectorAt(start) {
		if alt, ok := s.findRootSector(); ok {
			if start < s.nsec {
				s.warnf("directory: the header's first directory sector %d (0x%x) holds no root entry; the root entry was found by scanning in sector %d (0x%x)", start, s.secOff(start), alt, s.secOff(alt))
			} else {
				s.warnf("directory: the header's first directory sector 0x%x is beyond the end of the file; the root entry was found by scanning in sector %d (0x%x)", start, alt, s.secOff(alt))
			}
			start = alt
		} else if start < s.nsec {
			s.warnf("directory: the first directory sector %d (0x%x) holds no root entry, and none was found elsewhere", start, s.secOff(start))
		} else {
			s.warnf("directory: the header's first directory sector 0x%x is beyond the end of the file, and no root entry was found elsewhere", start)
		}
	}
	// along the chain
	complete := false
	limit := s.nsec
	if s.h.major == 4 && s.h.numDir > 0 && s.h.numDir < limit {
		limit = s.h.numDir
	}
	cur, seen := start, map[uint32]bool{}
	for uint32(len(s.dirSecs)) < limit {
		if cur >= s.nsec || seen[cur] || (s.kind[cur] != kindData && s.kind[cur] != kindDir) {
			if len(s.dirSecs) > 0 {
				s.warnf("directory: chain breaks after %d sectors (next 0x%x)", len(s.dirSecs), cur)
			}
			break
		}
		seen[cur] = true
		s.kind[cur] = kindDir
		pos := len(s.dirSecs)
		s.dirSecs = append(s.dirSecs, s.secOff(cur))
		s.parseDirSector(pos, cur, true)
		nx := s.fat[cur]
		if nx == endOfChain {
			complete = true
			break
		}
		if nx >= maxRegSect || nx >= s.nsec {
			s.warnf("directory: chain breaks after sector %d (0x%x): next is %s", cur, s.secOff(cur), describeNext(nx, s.nsec, seen))
			break
		}
		cur = nx
	}
	if complete && !s.dangling() {
		return
	}
	s.placeLoose()
}

// rootSectorAt reports whether sector n starts with a root entry.
func (s *scanner) rootSectorAt(n uint32) bool {
	b := s.sector(n)
	if len(b) < dirEntrySize {
		return false
	}
	e, ok := parseDirEntry(b[:dirEntrySize], 0, 0, s.maxID())
	return ok && e.typ == 5
}

// findRootSector looks for the sector holding the root entry elsewhere
// than the header says. It must be a .msg's (an attached document can
// hold a compound file of its own, with its own root entry): its other
// entries have .msg names, and the FAT, where known, does not mark it
// free (stale copies of directory sectors stay behind in edited files).
func (s *scanner) findRootSector() (uint32, bool) {
	for n := uint32(0); n < s.nsec; n++ {
		if s.kind[n] != kindData || s.knownFree(n) || !s.rootSectorAt(n) {
			continue
		}
		b := s.sector(n)
		msgNames := 0
		for at := dirEntrySize; at+dirEntrySize <= len(b); at += dirEntrySize {
			if e, ok := parseDirEntry(b[at:at+dirEntrySize], -1, 0, s.maxID()); ok && isMsgName(e.name) {
				msgNames++
			}
		}
		if msgNames > 0 {
			return n, true
		}
	}
	return 0, false
}

// isMsgName reports whether a directory entry name is one MS-OXMSG
// defines.
func isMsgName(name string) bool {
	k := key(name)
	for _, p := range []string{"__SUBSTG1.0_", "__PROPERTIES_VERSION1.0", "__RECIP_VERSION1.0_#", "__ATTACH_VERSION1.0_#", "__NAMEID_VERSION1.0"} {
		if strings.HasPrefix(k, p) {
			return true
		}
	}
	return false
}

// propStreamScore says how well data parses as a property stream of any
// of the three header sizes: entries of known types count for it,
// others against.
func propStreamScore(data []byte) int {
	best := -1 << 30
	for _, hdr := range []int{headerSub, headerEmbedded, headerTopLevel} {
		_, entries, _, _ := parsePropertyStream(data, hdr)
		sc := 0
		for _, pe := range entries {
			if knownType(pe.Tag.Type()) && pe.Tag.ID() != 0 {
				sc++
			} else {
				sc--
			}
		}
		best = max(best, sc)
	}
	return best
}

func (s *scanner) maxID() uint32 {
	m := uint64(s.nsec) * uint64(s.perSec)
	if m >= uint64(maxRegSect) {
		return maxRegSect
	}
	return uint32(m)
}

// parseDirSector parses the entries of the directory sector at position
// pos; chained says it was reached along the chain (then a bad slot is
// damage worth a warning).
func (s *scanner) parseDirSector(pos int, sec uint32, chained bool) int {
	b := s.sector(sec)
	good, bad := 0, 0
	for slot := 0; slot < s.perSec; slot++ {
		id := pos*s.perSec + slot
		at := slot * dirEntrySize
		if at+dirEntrySize > len(b) {
			bad++
			continue
		}
		raw := b[at : at+dirEntrySize]
		if raw[66] == 0 { // unallocated
			continue
		}
		e, ok := parseDirEntry(raw, id, s.secOff(sec)+int64(at), s.maxID())
		if !ok {
			bad++
			continue
		}
		if e.typ == 5 && id != 0 {
			e.typ = 1 // a second root: read it as a storage
		}
		s.entries[id] = e
		good++
	}
	if bad > 0 && chained {
		s.warnf("directory sector %d (sector %d at 0x%x): %d of %d entries are not valid directory entries", pos, sec, s.secOff(sec), bad, s.perSec)
	}
	return good
}

// parseDirEntry parses and checks one 128-byte directory entry.
func parseDirEntry(b []byte, id int, off int64, maxID uint32) (*dirEntry, bool) {
	le := binary.LittleEndian
	nameLen := int(le.Uint16(b[64:]))
	typ := b[66]
	if typ != 1 && typ != 2 && typ != 5 {
		return nil, false
	}
	if nameLen < 4 || nameLen > 64 || nameLen%2 != 0 || b[67] > 1 {
		return nil, false
	}
	units := make([]uint16, nameLen/2-1)
	for i := range units {
		units[i] = le.Uint16(b[2*i:])
		if units[i] == 0 {
			return nil, false
		}
	}
	if le.Uint16(b[nameLen-2:]) != 0 {
		return nil, false
	}
	e := &dirEntry{
		id: id, off: off, units: units, typ: typ,
		name:  string(utf16.Decode(units)),
		left:  le.Uint32(b[68:]),
		right: le.Uint32(b[72:]),
		child: le.Uint32(b[76:]),
		start: le.Uint32(b[116:]),
		size:  le.Uint64(b[120:]),
	}
	for _, p := range []uint32{e.left, e.right, e.child} {
		if p != noStream && p >= maxID {
			return nil, false
		}
	}
	if typ == 2 && e.child != noStream {
		return nil, false
	}
	return e, true
}

// dangling reports whether an entry points at an id no placed sector
// holds.
func (s *scanner) dangling() bool {
	for _, e := range s.entries {
		for _, p := range []uint32{e.left, e.right, e.child} {
			if p != noStream {
				pos := int(p) / s.perSec
				if pos >= len(s.dirSecs) || s.dirSecs[pos] < 0 {
					return true
				}
			}
		}
	}
	return false
}

// A demand is a pointer from a placed entry into a directory position no
// sector has been placed at yet, with the bounds the entry pointed at
// must sort between.
type demand struct {
	slot   int
	rel    int // -1 left sibling (a smaller name), +1 right sibling, 0 child
	from   *dirEntry
	lo, hi []uint16
}

// placeLoose scans the file for directory sectors off the chain and puts
// them at the directory positions that placed entries point into, the
// best fitting first: each slot pointed at must hold an entry, a left
// sibling must sort before the entry pointing at it and a right one
// after (MS-CFB section 2.6.4), and the sector's own pointers must land on
// entries. This recovers the directory's order when its chain is lost.
func (s *scanner) placeLoose() {
	type loose struct {
		sec     uint32
		entries []*dirEntry // by slot; nil for empty slots
		placed  bool
	}
	var cands []*loose
	buf := make([]byte, s.ss)
	for n := uint32(0); n < s.nsec && len(cands) < maxLooseSectors; n++ {
		// a sector the FAT marks free holds nothing now: directory sectors
		// there are stale copies an earlier save left behind
		if s.kind[n] != kindData || s.knownFree(n) {
			continue
		}
		b := buf[:s.readAt(buf, s.secOff(n))]
		if int64(len(b)) < s.ss {
			continue
		}
		l := &loose{sec: n, entries: make([]*dirEntry, s.perSec)}
		good, bad := 0, 0
		for slot := 0; slot < s.perSec; slot++ {
			raw := b[slot*dirEntrySize : (slot+1)*dirEntrySize]
			if raw[66] == 0 {
				if !allZeroOrUnused(raw) {
					bad++
				}
				continue
			}
			e, ok := parseDirEntry(raw, -1, s.secOff(n)+int64(slot*dirEntrySize), s.maxID())
			if !ok {
				bad++
				continue
			}
			l.entries[slot] = e
			good++
		}
		if good > 0 && (bad == 0 || good >= 2*bad) {
			cands = append(cands, l)
		}
	}
	if len(cands) == 0 {
		return
	}
	pos := make(map[int]*loose) // directory position -> sector
	entryAt := func(id uint32) (*dirEntry, bool) {
		p := int(id) / s.perSec
		if p < len(s.dirSecs) && s.dirSecs[p] >= 0 {
			return s.entries[int(id)], true
		}
		if l := pos[p]; l != nil {
			return l.entries[int(id)%s.perSec], true
		}
		return nil, false
	}
	isPlaced := func(p int) bool {
		return p >= 0 && ((p < len(s.dirSecs) && s.dirSecs[p] >= 0) || pos[p] != nil)
	}
	secAt := func(p int) (uint32, bool) {
		if p < 0 {
			return 0, false
		}
		if p < len(s.dirSecs) && s.dirSecs[p] >= 0 {
			return uint32(s.dirSecs[p]/s.ss - 1), true
		}
		if l := pos[p]; l != nil {
			return l.sec, true
		}
		return 0, false
	}
	// the name bounds each entry's place in its sibling tree imposes on
	// the entries below it (MS-CFB section 2.6.4: a red-black tree sorted
	// by name)
	type bound struct{ lo, hi []uint16 }
	bounds := make(map[*dirEntry]bound)
	{
		type walk struct {
			id uint32
			b  bound
		}
		seen := make(map[uint32]bool)
		stack := []walk{{0, bound{}}}
		for len(stack) > 0 {
			w := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			e := s.entries[int(w.id)]
			if e == nil || seen[w.id] {
				continue
			}
			seen[w.id] = true
			bounds[e] = w.b
			if w.id != 0 {
				stack = append(stack, walk{e.left, bound{w.b.lo, e.units}}, walk{e.right, bound{e.units, w.b.hi}})
			}
			stack = append(stack, walk{e.child, bound{}})
		}
	}
	demands := make(map[int][]demand)
	addDemands := func(e *dirEntry) {
		b := bounds[e]
		for _, d := range []demand{
			{int(e.left), -1, e, b.lo, e.units},
			{int(e.right), 1, e, e.units, b.hi},
			{int(e.child), 0, e, nil, nil},
		} {
			if uint32(d.slot) == noStream {
				continue
			}
			p := d.slot / s.perSec
			if !isPlaced(p) {
				d.slot %= s.perSec
				demands[p] = append(demands[p], d)
			}
		}
	}
	placedIDs := make([]int, 0, len(s.entries))
	for id := range s.entries {
		placedIDs = append(placedIDs, id)
	}
	sort.Ints(placedIDs)
	for _, id := range placedIDs {
		addDemands(s.entries[id])
	}
	if len(s.dirSecs) == 0 || s.dirSecs[0] < 0 {
		// no anchor: the root's sector, if a candidate has it
		for _, l := range cands {
			if e := l.entries[0]; e != nil && e.typ == 5 {
				demands[0] = append(demands[0], demand{slot: 0, from: nil})
				break
			}
		}
	}
	// within counts the bounds an entry's name satisfies and breaks
	within := func(x []uint16, lo, hi []uint16) (ok, bad int) {
		if lo != nil {
			if cmpNames(x, lo) > 0 {
				ok++
			} else {
				bad++
			}
		}
		if hi != nil {
			if cmpNames(x, hi) < 0 {
				ok++
			} else {
				bad++
			}
		}
		return
	}
	const reject = -1 << 30
	score := func(l *loose, p int) int {
		sc := 0
		got := make([]bound, s.perSec) // bounds the demands give the sector's entries
		for _, d := range demands[p] {
			e := l.entries[d.slot]
			if e == nil {
				return reject
			}
			if d.from == nil { // the root anchor
				if e.typ != 5 {
					return reject
				}
				sc += 3
				continue
			}
			if d.rel == 0 {
				sc++
				continue
			}
			ok, bad := within(e.units, d.lo, d.hi)
			if bad > 0 {
				return reject // names out of order: not this sector
			}
			sc += 2 * ok
			got[d.slot] = bound{d.lo, d.hi}
		}
		for slot, e := range l.entries {
			if e == nil {
				continue
			}
			b := got[slot]
			for _, q := range []struct {
				p      uint32
				lo, hi []uint16
			}{{e.left, b.lo, e.units}, {e.right, e.units, b.hi}, {e.child, nil, nil}} {
				if q.p == noStream {
					continue
				}
				tp := int(q.p) / s.perSec
				var t *dirEntry
				switch {
				case tp == p:
					if int(q.p)%s.perSec == slot {
						return reject
					}
					t = l.entries[int(q.p)%s.perSec]
				case isPlaced(tp):
					t, _ = entryAt(q.p)
				default:
					continue
				}
				if t == nil {
					sc -= 3
					continue
				}
				ok, bad := within(t.units, q.lo, q.hi)
				sc += ok - 3*bad
			}
		}
		// writers allocate directory sectors in order: a neighbour bonus
		if prev, ok := secAt(p - 1); ok && prev+1 == l.sec {
			sc += 3
		}
		if next, ok := secAt(p + 1); ok && next == l.sec+1 {
			sc += 3
		}
		return sc
	}
	// the best fitting (position, sector) first; each position's best
	// candidate is kept until something that changes its score happens:
	// a new pointer into it, its candidate placed elsewhere, a neighbour
	// placed
	type best struct {
		l     *loose
		score int
	}
	cache := make(map[int]*best)
	evaluate := func(p int) *best {
		b := &best{}
		for _, l := range cands {
			if l.placed {
				continue
			}
			if sc := score(l, p); sc > b.score {
				b.l, b.score = l, sc
			}
		}
		return b
	}
	placedCount := 0
	for placedCount < len(cands) {
		ps := make([]int, 0, len(demands))
		for p := range demands {
			if !isPlaced(p) {
				ps = append(ps, p)
			}
		}
		sort.Ints(ps)
		bestP := -1
		var top *best
		for _, p := range ps {
			b := cache[p]
			if b == nil || (b.l != nil && b.l.placed) {
				b = evaluate(p)
				cache[p] = b
			}
			if b.l != nil && (top == nil || b.score > top.score) {
				bestP, top = p, b
			}
		}
		if top == nil {
			break
		}
		p, l := bestP, top.l
		l.placed = true
		pos[p] = l
		for _, d := range demands[p] {
			if e := l.entries[d.slot]; e != nil && d.from != nil && d.rel != 0 {
				if _, ok := bounds[e]; !ok {
					bounds[e] = bound{d.lo, d.hi}
				}
			}
		}
		delete(demands, p)
		delete(cache, p)
		delete(cache, p-1)
		delete(cache, p+1)
		s.kind[l.sec] = kindDir
		for slot, e := range l.entries {
			if e == nil {
				continue
			}
			e.id = p*s.perSec + slot
			e.placed = true
			if e.typ == 5 && e.id != 0 {
				e.typ = 1
			}
			s.entries[e.id] = e
			for _, q := range []uint32{e.left, e.right, e.child} {
				if q != noStream {
					delete(cache, int(q)/s.perSec)
				}
			}
			addDemands(e)
		}
		placedCount++
	}
	if placedCount > 0 {
		var ps []int
		for p := range pos {
			ps = append(ps, p)
		}
		sort.Ints(ps)
		desc := ""
		for i, p := range ps {
			if i == 8 {
				desc += ", ..."
				break
			}
			if i > 0 {
				desc += ", "
			}
			desc += fmt.Sprintf("%d at 0x%x", p, s.secOff(pos[p].sec))
		}
		s.warnf("directory: %d directory sectors off the chain were found by scanning and placed by the entries pointing into them (positions %s)", placedCount, desc)
		for _, p := range ps {
			for len(s.dirSecs) <= p {
				s.dirSecs = append(s.dirSecs, -1)
			}
			s.dirSecs[p] = s.secOff(pos[p].sec)
		}
	}
	left := 0
	for _, l := range cands {
		if !l.placed {
			left++
		}
	}
	if left > 0 && placedCount > 0 {
		s.warnf("directory: %d more sectors look like directory sectors but nothing points into them; not used", left)
	}
}

// allZeroOrUnused reports whether an unallocated directory slot is clean:
// zero, or zero with the "no stream" sibling and child ids.
func allZeroOrUnused(b []byte) bool {
	for i, c := range b {
		if c != 0 && !(i >= 68 && i < 80 && c == 0xFF) {
			return false
		}
	}
	return true
}

// cmpNames compares directory entry names the way the red-black trees are
// ordered (MS-CFB section 2.6.4): shorter names first, then by code unit
// after simple upper-casing.
func cmpNames(a, b []uint16) int {
	if len(a) != len(b) {
		if len(a) < len(b) {
			return -1
		}
		return 1
	}
	for i := range a {
		x, y := upper16(a[i]), upper16(b[i])
		if x != y {
			if x < y {
				return -1
			}
			return 1
		}
	}
	return 0
}

func upper16(u uint16) uint16 {
	if u >= 'a' && u <= 'z' {
		return u - 32
	}
	if u >= 0xE0 && u <= 0xFE && u != 0xF7 {
		return u - 32
	}
	return u
}

// --- the tree ---

// buildTree links the entries into storages from the root, with a
// visited set, and keeps what it can of the entries no path reaches.
func (s *scanner) buildTree(root *dirEntry) *node {
	rootNode := &node{name: "Root Entry", id: 0, off: -1}
	visited := make(map[int]bool)
	if root != nil {
		rootNode.off = root.off
		visited[0] = true
		s.linkChildren(rootNode, root.child, visited)
	} else {
		s.warnf("directory: the root entry (entry 0) is lost")
	}
	// entries no path reaches, grouped by their sibling trees
	referenced := make(map[int]bool)
	var orphans []int
	for id, e := range s.entries {
		if !visited[id] {
			orphans = append(orphans, id)
			for _, p := range []uint32{e.left, e.right, e.child} {
				if p != noStream {
					referenced[int(p)] = true
				}
			}
		}
	}
	if len(orphans) == 0 {
		return rootNode
	}
	sort.Ints(orphans)
	type group struct {
		top   int
		nodes *node // a storage holding the group's entries
		kind  string
		score int
	}
	var groups []*group
	for _, id := range orphans {
		if referenced[id] || visited[id] {
			continue
		}
		g := &group{top: id, nodes: &node{name: fmt.Sprintf("orphan entry %d", id), id: -1, off: -1}}
		s.linkChildren(g.nodes, uint32(id), visited)
		g.kind, g.score = classify(g.nodes)
		groups = append(groups, g)
	}
	lost := 0
	for _, id := range orphans {
		if !visited[id] {
			lost++
		}
	}
	if root == nil {
		// the lost root's children: the message-like group that scores best,
		// with the fragments that add to it
		var best *group
		for _, g := range groups {
			if g.kind == "message" && (best == nil || g.score > best.score) {
				best = g
			}
		}
		if best != nil {
			s.warnf("directory: the root storage's children are taken from the orphaned entries under entry %d", best.top)
			for _, c := range best.nodes.children {
				rootNode.add(c)
			}
			best.kind = "used"
		}
	}
	n := 0
	for _, g := range groups {
		var st *node
		switch g.kind {
		case "attachment":
			st = &node{name: fmt.Sprintf("__attach_version1.0_#recovered-%d", g.top), id: -1, off: -1}
			st.children, st.byKey = g.nodes.children, g.nodes.byKey
		case "recipient":
			st = &node{name: fmt.Sprintf("__recip_version1.0_#recovered-%d", g.top), id: -1, off: -1}
			st.children, st.byKey = g.nodes.children, g.nodes.byKey
		case "nameid":
			if rootNode.child(nameidStorage) != nil {
				s.warnf("directory: %d orphaned entries under entry %d look like a second named property map; not used", countNodes(g.nodes), g.top)
				continue
			}
			st = &node{name: nameidStorage, id: -1, off: -1, children: g.nodes.children, byKey: g.nodes.byKey}
		case "message":
			if g.nodes.child(propStreamName) == nil {
				if root == nil {
					for _, c := range g.nodes.children {
						rootNode.add(c)
					}
					s.warnf("directory: orphaned entries under entry %d (%s) are taken as more children of the lost root", g.top, describeGroup(g.nodes))
				} else {
					s.warnf("directory: %d orphaned entries under entry %d (%s) belong to no recognizable storage; not used", countNodes(g.nodes), g.top, describeGroup(g.nodes))
				}
				continue
			}
			inner := &node{name: "__substg1.0_3701000D", id: -1, off: -1, children: g.nodes.children, byKey: g.nodes.byKey}
			st = &node{name: fmt.Sprintf("__attach_version1.0_#recovered-%d", g.top), id: -1, off: -1}
			st.add(inner)
		case "used":
			continue
		default:
			s.warnf("directory: %d orphaned entries under entry %d (%s) belong to no recognizable storage; not used", countNodes(g.nodes), g.top, describeGroup(g.nodes))
			continue
		}
		rootNode.add(st)
		n++
		s.warnf("directory: orphaned entries under entry %d look like %s storage; kept as %s", g.top, article(g.kind), st.name)
	}
	if lost > 0 {
		s.warnf("directory: %d entries are reachable from no other entry (cycles among lost entries); not used", lost)
	}
	return rootNode
}

func article(kind string) string {
	if kind == "attachment" {
		return "an attachment"
	}
	if kind == "nameid" {
		return "the named property map's"
	}
	return "a " + kind
}

// linkChildren adds to parent the entries of the sibling tree at top, and
// below every storage among them its own children, with a visited set.
func (s *scanner) linkChildren(parent *node, top uint32, visited map[int]bool) {
	type work struct {
		parent *node
		top    uint32
	}
	queue := []work{{parent, top}}
	for len(queue) > 0 {
		w := queue[0]
		queue = queue[1:]
		stack := []uint32{w.top}
		for len(stack) > 0 {
			id := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			if id == noStream {
				continue
			}
			e := s.entries[int(id)]
			if e == nil {
				s.warnf("directory: entry %d (in storage %s) is missing or unreadable", id, printable(w.parent.name))
				continue
			}
			if visited[int(id)] {
				s.warnf("directory: cycle at entry %d (%s at 0x%x), reached again from storage %s; not followed", id, printable(e.name), e.off, printable(w.parent.name))
				continue
			}
			visited[int(id)] = true
			n := &node{name: e.name, id: e.id, off: e.off, stream: e.typ == 2}
			if n.stream {
				n.size = s.streamSize(e)
				n.read = s.streamReader(e, n)
			}
			if !w.parent.add(n) {
				s.warnf("directory: entry %d at 0x%x repeats the name %q in storage %s; the first is used", id, e.off, printable(e.name), printable(w.parent.name))
			}
			stack = append(stack, e.right, e.left)
			if !n.stream && e.child != noStream {
				queue = append(queue, work{n, e.child})
			}
		}
	}
}

func countNodes(n *node) int {
	c := 0
	for _, x := range n.children {
		c++
		if !x.stream {
			c += countNodes(x)
		}
	}
	return c
}

func describeGroup(n *node) string {
	s := ""
	for i, c := range n.children {
		if i == 3 {
			return s + ", ..."
		}
		if i > 0 {
			s += ", "
		}
		s += printable(c.name)
	}
	return s
}

// classify says what storage a group of orphaned siblings was in, by
// their names: a message (the named property map, recipient and
// attachment storages, message properties), an attachment (properties
// 0x37xx, the attachment data) or a recipient (0x0C15, 0x3001-0x3003,
// 0x39FE, 0x5FF6).
func classify(g *node) (string, int) {
	msgScore, attScore, recScore, nameScore := 0, 0, 0, 0
	ps := g.child(propStreamName)
	hasProps := ps != nil
	if ps != nil && ps.stream && ps.size%16 == 0 {
		msgScore += 5 // a 32-byte header: the top-level message's property stream
	}
	for _, c := range g.children {
		switch key(c.name) {
		case key(guidStream), key(entryStream), key(stringStream):
			nameScore += 10
		}
		if t, ok := parseSubstg(c.name); ok && t.Type() == 0x0102 && t.ID() >= 0x1000 && t.ID() <= 0x101E {
			nameScore++ // the id-to-name mapping streams, or (0x1009) compressed RTF
		}
		k := key(c.name)
		switch {
		case k == key(nameidStorage):
			msgScore += 10
		case strings.HasPrefix(k, "__RECIP_VERSION1.0_#") || strings.HasPrefix(k, "__ATTACH_VERSION1.0_#"):
			msgScore += 3
		}
		if len(k) > 20 && k[20] == '-' {
			k = k[:20] // a value of a multi-valued property
		}
		tag, ok := parseSubstg(k)
		if !ok {
			continue
		}
		switch id := tag.ID(); {
		case id == 0x3701 || id == 0x3705 || id == 0x3707 || id == 0x3704 || id == 0x370E || id == 0x3712:
			attScore += 3
		case id >= 0x3700 && id < 0x3800:
			attScore++
		case id == 0x0C15 || id == 0x3001 || id == 0x3002 || id == 0x3003 || id == 0x39FE || id == 0x5FF6 || id == 0x5FF7 || id == 0x3A00:
			recScore += 2
		case id < 0x0C00 || (id >= 0x0E00 && id < 0x3000):
			msgScore++
		}
	}
	switch {
	case !hasProps && nameScore >= 10:
		return "nameid", nameScore
	case hasProps && msgScore > attScore && msgScore > recScore:
		return "message", msgScore + 100
	case attScore > 0 && attScore >= recScore:
		return "attachment", attScore
	case recScore > 0:
		return "recipient", recScore
	case msgScore > 0:
		return "message", msgScore
	}
	return "", 0
}
