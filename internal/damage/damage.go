package damage

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math/rand/v2"
	"sort"
	"strings"

	"github.com/mailsalvage/mailsalvage/formats/pst/ndb"
)

// Kind names a damage.
type Kind string

// The damages.
const (
	KindZeroSectors   Kind = "zero-sectors"   // ZeroSectors
	KindFlipBits      Kind = "flip-bits"      // FlipBits
	KindRoots         Kind = "roots"          // DestroyRoots: header references and root pages
	KindRootRefs      Kind = "root-refs"      // DestroyRootRefs
	KindRootPages     Kind = "root-pages"     // DestroyRootPages
	KindTruncate      Kind = "truncate"       // Truncate
	KindOverwritePage Kind = "overwrite-page" // OverwritePage
	KindLoopDataTree  Kind = "loop"           // LoopDataTree
	KindZeroBlock     Kind = "zero-block"     // ZeroBlock
	KindNone          Kind = "intact"         // no damage (the baseline)
)

// SectorSize is the sector ZeroSectors zeroes and Truncate cuts at.
const SectorSize = 512

// maxDescRanges is how many ranges a description names.
const maxDescRanges = 6

// ErrNotApplicable is returned (wrapped) when a damage cannot be made in
// a file: no page but the root to overwrite, no data tree to make loop,
// no such block.
var ErrNotApplicable = errors.New("damage: not applicable to this file")

// Damage says what was done to a copy.
type Damage struct {
	Kind Kind
	// Desc says what was done and what it hit, in one line.
	Desc string
	// Changed are the byte ranges of the original that the copy changes,
	// ascending and merged; for a truncation, the bytes cut off.
	Changed []Range
	// Size is the size of the copy.
	Size int64
	// Hits is what Changed touches in the intact file's structure (empty
	// when the file could not be mapped).
	Hits Hits
	// Target is the structure aimed at, when the damage aims: the page or
	// block offset; -1 otherwise.
	Target int64
}

// finish fills in the ranges changed (by comparing the copy with the
// original, or as given), the hits and the description.
func finish(kind Kind, orig, out []byte, m *Map, changed []Range, target int64, what string) Damage {
	if changed == nil {
		changed = diff(orig, out)
	}
	d := Damage{Kind: kind, Changed: mergeRanges(changed), Size: int64(len(out)), Target: target}
	desc := what
	if m != nil {
		d.Hits = m.Hit(d.Changed)
		desc += "; " + m.Describe(d.Hits)
	} else {
		desc += "; structure not mapped"
	}
	d.Desc = desc
	return d
}

// diff returns the ranges where a and b differ (b no longer than a) and
// the bytes of a past the end of b.
func diff(a, b []byte) []Range {
	var out []Range
	n := min(len(a), len(b))
	for i := 0; i < n; i++ {
		if a[i] == b[i] {
			continue
		}
		j := i
		for j < n && a[j] != b[j] {
			j++
		}
		out = append(out, Range{int64(i), int64(j - i)})
		i = j
	}
	if len(a) > n {
		out = append(out, Range{int64(n), int64(len(a) - n)})
	}
	return out
}

// mergeRanges sorts ranges and merges those that touch.
func mergeRanges(rs []Range) []Range {
	rs = append([]Range(nil), rs...)
	sort.Slice(rs, func(i, j int) bool { return rs[i].Off < rs[j].Off })
	var out []Range
	for _, r := range rs {
		if r.Len <= 0 {
			continue
		}
		if k := len(out) - 1; k >= 0 && r.Off <= out[k].End() {
			if r.End() > out[k].End() {
				out[k].Len = r.End() - out[k].Off
			}
			continue
		}
		out = append(out, r)
	}
	return out
}

func rangesString(rs []Range) string {
	var s []string
	for i, r := range rs {
		if i == maxDescRanges {
			s = append(s, fmt.Sprintf("… %d more", len(rs)-i))
			break
		}
		s = append(s, fmt.Sprintf("0x%X", r.Off))
	}
	return strings.Join(s, ", ")
}

func newRand(seed uint64) *rand.Rand {
	return rand.New(rand.NewPCG(seed, seed^0x9E3779B97F4A7C15))
}

// mapOf maps b, or returns nil when it is not a file ndb can walk (the
// damages that do not aim still work on it).
func mapOf(b []byte) *Map {
	m, err := NewMap(b)
	if err != nil {
		return nil
	}
	return m
}

// ZeroSectors returns a copy of b with n distinct 512-byte sectors,
// chosen at random (seeded), set to zero, as a failing disk leaves them
// (the last, partial sector included; n is capped at the number of
// sectors).
func ZeroSectors(b []byte, n int, seed uint64) ([]byte, Damage, error) {
	out := append([]byte(nil), b...)
	sectors := (len(b) + SectorSize - 1) / SectorSize
	n = min(max(n, 0), sectors)
	rng := newRand(seed)
	var ranges []Range
	for _, s := range rng.Perm(sectors)[:n] {
		off := s * SectorSize
		end := min(off+SectorSize, len(out))
		clear(out[off:end])
		ranges = append(ranges, Range{int64(off), int64(end - off)})
	}
	ranges = mergeRanges(ranges)
	what := fmt.Sprintf("%d sectors of %d bytes zeroed (seed %d) at %s", n, SectorSize, seed, rangesString(ranges))
	return out, finish(KindZeroSectors, b, out, mapOf(b), ranges, -1, what), nil
}

// FlipBits returns a copy of b with n distinct bits, chosen at random
// (seeded), inverted (n is capped at the number of bits).
func FlipBits(b []byte, n int, seed uint64) ([]byte, Damage, error) {
	out := append([]byte(nil), b...)
	bits := len(b) * 8
	n = min(max(n, 0), bits)
	rng := newRand(seed)
	seen := map[int]bool{}
	var ranges []Range
	for len(seen) < n {
		p := rng.IntN(bits)
		if seen[p] {
			continue
		}
		seen[p] = true
		out[p/8] ^= 1 << (p % 8)
		ranges = append(ranges, Range{int64(p / 8), 1})
	}
	// two flips in one byte may cancel only if they are the same bit,
	// which distinct bits never are
	ranges = mergeRanges(ranges)
	what := fmt.Sprintf("%d bits flipped (seed %d) in %d byte runs", n, seed, len(ranges))
	return out, finish(KindFlipBits, b, out, mapOf(b), ranges, -1, what), nil
}

// DestroyRootRefs returns a copy of b with both root references of the
// header (the NBT's and the BBT's BREF) zeroed. The header's CRCs are
// left as they were, so they no longer match, as when a sector of the
// header is damaged.
func DestroyRootRefs(b []byte) ([]byte, Damage, error) {
	m, err := NewMap(b)
	if err != nil {
		return nil, Damage{}, err
	}
	out := append([]byte(nil), b...)
	ranges, what := m.destroyRefs(out)
	return out, finish(KindRootRefs, b, out, m, ranges, -1, what), nil
}

// DestroyRootPages returns a copy of b with the root pages of the NBT
// and the BBT zeroed; the header still points at them. When a root is
// also a leaf (a small file), its entries are gone with it.
func DestroyRootPages(b []byte) ([]byte, Damage, error) {
	m, err := NewMap(b)
	if err != nil {
		return nil, Damage{}, err
	}
	out := append([]byte(nil), b...)
	ranges, what := m.destroyPages(out)
	return out, finish(KindRootPages, b, out, m, ranges, -1, what), nil
}

// DestroyRoots returns a copy of b with both B-tree roots destroyed: the
// header's root references zeroed (as DestroyRootRefs) and the root
// pages zeroed too (as DestroyRootPages). A reader gets items back only
// by finding the other pages, or the blocks, by scanning.
func DestroyRoots(b []byte) ([]byte, Damage, error) {
	m, err := NewMap(b)
	if err != nil {
		return nil, Damage{}, err
	}
	out := append([]byte(nil), b...)
	r1, what1 := m.destroyRefs(out)
	r2, what2 := m.destroyPages(out)
	return out, finish(KindRoots, b, out, m, append(r1, r2...), -1, what1+"; "+what2), nil
}

func (m *Map) destroyRefs(out []byte) ([]Range, string) {
	for _, r := range []Range{m.NBTRootRef, m.BBTRootRef} {
		clear(out[r.Off:r.End()])
	}
	what := fmt.Sprintf("header root references zeroed (NBT root %v at 0x%X, BBT root %v at 0x%X)",
		m.Header.NBTRoot, m.NBTRootRef.Off, m.Header.BBTRoot, m.BBTRootRef.Off)
	return []Range{m.NBTRootRef, m.BBTRootRef}, what
}

func (m *Map) destroyPages(out []byte) ([]Range, string) {
	var ranges []Range
	var what []string
	for _, t := range []Tree{NBT, BBT} {
		i := m.Root(t)
		if i < 0 {
			continue
		}
		p := m.Pages[i]
		clear(out[p.Offset : p.Offset+int64(p.Size)])
		ranges = append(ranges, p.Range())
		what = append(what, fmt.Sprintf("%v root page (level %d) at 0x%X", t, p.Level, p.Offset))
	}
	return ranges, "zeroed " + strings.Join(what, " and ")
}

// Truncate returns the first fraction of b (0 to 1), cut down to a
// multiple of 512 bytes, as an interrupted copy leaves a file.
func Truncate(b []byte, fraction float64) ([]byte, Damage, error) {
	if fraction < 0 || fraction > 1 || fraction != fraction {
		return nil, Damage{}, fmt.Errorf("damage: truncation to %v of the file: want 0 to 1", fraction)
	}
	keep := int64(float64(len(b))*fraction) / SectorSize * SectorSize
	out := append([]byte(nil), b[:keep]...)
	cut := []Range{{keep, int64(len(b)) - keep}}
	what := fmt.Sprintf("truncated to %d of %d bytes (%.0f%%)", keep, len(b), 100*fraction)
	return out, finish(KindTruncate, b, out, mapOf(b), cut, keep, what), nil
}

// OverwritePage returns a copy of b with one page of tree, other than its
// root, overwritten with random bytes (seeded), as when the disk space
// is reused. The page is chosen at random among the tree's non-root
// pages. ErrNotApplicable when the tree is its root alone.
func OverwritePage(b []byte, tree Tree, seed uint64) ([]byte, Damage, error) {
	m, err := NewMap(b)
	if err != nil {
		return nil, Damage{}, err
	}
	var cand []int
	for i, p := range m.Pages {
		if p.Tree == tree && p.Parent >= 0 {
			cand = append(cand, i)
		}
	}
	if len(cand) == 0 {
		return nil, Damage{}, fmt.Errorf("%w: the %v has only its root page", ErrNotApplicable, tree)
	}
	rng := newRand(seed)
	p := m.Pages[cand[rng.IntN(len(cand))]]
	out := append([]byte(nil), b...)
	page := out[p.Offset : p.Offset+int64(p.Size)]
	for i := range page {
		page[i] = byte(rng.UintN(256))
	}
	kind := "leaf"
	if p.Level > 0 {
		kind = fmt.Sprintf("level-%d", p.Level)
	}
	what := fmt.Sprintf("%v %s page at 0x%X (bid %v, %d entries) overwritten with random bytes (seed %d)", tree, kind, p.Offset, p.BID, p.Entries, seed)
	return out, finish(KindOverwritePage, b, out, m, []Range{p.Range()}, p.Offset, what), nil
}

// ZeroBlock returns a copy of b with the block bid names zeroed, data,
// padding and trailer. ErrNotApplicable when the BBT has no such block.
func ZeroBlock(b []byte, bid ndb.BID) ([]byte, Damage, error) {
	m, err := NewMap(b)
	if err != nil {
		return nil, Damage{}, err
	}
	bl, ok := m.Block(bid)
	if !ok {
		return nil, Damage{}, fmt.Errorf("%w: no block %v in the BBT", ErrNotApplicable, bid)
	}
	out := append([]byte(nil), b...)
	r := bl.Range()
	if r.End() > int64(len(out)) {
		return nil, Damage{}, fmt.Errorf("%w: block %v at 0x%X lies past the end of the file", ErrNotApplicable, bid, bl.Offset)
	}
	clear(out[r.Off:r.End()])
	kind := "data"
	if bl.Internal {
		kind = "internal"
	}
	what := fmt.Sprintf("%s block %v at 0x%X (%d bytes on disk) zeroed%s", kind, bl.BID, bl.Offset, bl.Span, m.usersOf(bl.BID))
	return out, finish(KindZeroBlock, b, out, m, []Range{r}, bl.Offset, what), nil
}

// usersOf names the message nodes using a block: " (used by message
// 0x200024)".
func (m *Map) usersOf(bid ndb.BID) string {
	i, ok := m.blockOf[bid.Key()]
	if !ok {
		return ""
	}
	var users []string
	for _, nid := range m.Messages() {
		for _, j := range m.ItemBlocks(nid) {
			if j == i {
				users = append(users, nid.String())
				break
			}
		}
	}
	switch {
	case len(users) == 0:
		return " (used by no message)"
	case len(users) > 4:
		return fmt.Sprintf(" (used by %d messages: %s…)", len(users), strings.Join(users[:4], ", "))
	}
	return " (used by message " + strings.Join(users, ", ") + ")"
}

// MessageBlock returns a block of a message, chosen at random (seeded)
// among the messages and then among the blocks of the one chosen: a
// target for ZeroBlock. ok is false when the file has no message with
// blocks.
func (m *Map) MessageBlock(seed uint64) (bid ndb.BID, ok bool) {
	var msgs []ndb.NID
	for _, nid := range m.Messages() {
		if len(m.ItemBlocks(nid)) > 0 {
			msgs = append(msgs, nid)
		}
	}
	if len(msgs) == 0 {
		return 0, false
	}
	rng := newRand(seed)
	blocks := m.ItemBlocks(msgs[rng.IntN(len(msgs))])
	return m.Blocks[blocks[rng.IntN(len(blocks))]].BID, true
}

// LoopDataTree returns a copy of b in which a data tree loops: the last
// entry of an XBLOCK (or XXBLOCK) of a message names the XBLOCK itself,
// and the block's CRC is made right again, so that only a reader that
// remembers what it visited gets out. The XBLOCK is the first of the
// message with the lowest NID that has one, in its own data tree before
// its subnodes'. A file with no XBLOCK (small items, or OST 2013 blocks
// of 64 KiB) gets a subnode tree loop instead: the first SLBLOCK entry of
// a message names the SLBLOCK as its own subnode tree. ErrNotApplicable
// when there is neither.
func LoopDataTree(b []byte) ([]byte, Damage, error) {
	m, err := NewMap(b)
	if err != nil {
		return nil, Damage{}, err
	}
	if bl, nid, ok := m.findInternal(ndb.BTypeXBlock); ok {
		out := append([]byte(nil), b...)
		data := out[bl.Offset : bl.Offset+int64(bl.Size)]
		n := int(binary.LittleEndian.Uint16(data[2:]))
		slot := 8 + (n-1)*m.idSize
		old := putID(data[slot:], m.idSize, uint64(bl.BID))
		m.fixCRC(out, bl)
		what := fmt.Sprintf("XBLOCK %v at 0x%X (level %d, of message %v): entry %d of %d changed from %v to the XBLOCK itself, CRC fixed",
			bl.BID, bl.Offset, data[1], nid, n, n, ndb.BID(old))
		return out, finish(KindLoopDataTree, b, out, m, nil, bl.Offset, what), nil
	}
	if bl, nid, ok := m.findInternal(ndb.BTypeSLBlock); ok {
		out := append([]byte(nil), b...)
		data := out[bl.Offset : bl.Offset+int64(bl.Size)]
		hdr := 4
		if m.idSize == 8 {
			hdr = 8
		}
		slot := hdr + 2*m.idSize // bidSub of entry 0
		old := putID(data[slot:], m.idSize, uint64(bl.BID))
		m.fixCRC(out, bl)
		what := fmt.Sprintf("no XBLOCK in the file; SLBLOCK %v at 0x%X (of message %v): entry 0's subnode tree changed from %v to the SLBLOCK itself, CRC fixed",
			bl.BID, bl.Offset, nid, ndb.BID(old))
		return out, finish(KindLoopDataTree, b, out, m, nil, bl.Offset, what), nil
	}
	return nil, Damage{}, fmt.Errorf("%w: no message has an XBLOCK or an SLBLOCK", ErrNotApplicable)
}

// findInternal returns the first internal block of btype (XBLOCK or
// SLBLOCK, level 0 or 1 for XBLOCKs, 0 for SLBLOCKs) used by a message,
// stored uncompressed, with at least one entry.
func (m *Map) findInternal(btype byte) (Block, ndb.NID, bool) {
	for _, nid := range m.Messages() {
		n, _ := m.Node(nid)
		// the node's own data tree first
		order := m.ItemBlocks(nid)
		if root, ok := m.blockOf[n.Data.Key()]; ok {
			order = append([]int{root}, order...)
		}
		for _, i := range order {
			bl := m.Blocks[i]
			if !bl.Internal || bl.InflatedSize != bl.Size || bl.Size < 8 || bl.Offset+int64(bl.Span) > m.Size {
				continue
			}
			data, err := m.read(bl)
			if err != nil || len(data) < 8 || data[0] != btype || binary.LittleEndian.Uint16(data[2:]) == 0 {
				continue
			}
			if btype == ndb.BTypeSLBlock && data[1] != 0 {
				continue
			}
			return bl, nid, true
		}
	}
	return Block{}, 0, false
}

// putID writes an ID of size 4 or 8 and returns the old value.
func putID(b []byte, size int, v uint64) uint64 {
	if size == 4 {
		old := binary.LittleEndian.Uint32(b)
		binary.LittleEndian.PutUint32(b, uint32(v))
		return uint64(old)
	}
	old := binary.LittleEndian.Uint64(b)
	binary.LittleEndian.PutUint64(b, v)
	return old
}

// fixCRC rewrites the trailer CRC of block bl in out after its data
// changed.
func (m *Map) fixCRC(out []byte, bl Block) {
	data := out[bl.Offset : bl.Offset+int64(bl.Size)]
	t := out[bl.Offset+int64(bl.Span)-int64(m.trailer):]
	crc := ndb.CRC(data)
	if m.idSize == 4 {
		binary.LittleEndian.PutUint32(t[8:], crc)
	} else {
		binary.LittleEndian.PutUint32(t[4:], crc)
	}
}
