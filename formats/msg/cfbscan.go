package msg

// The tolerant walk of a compound file (MS-CFB), for files mscfb refuses.
//
// mscfb reads sound files well, but it stops at the first inconsistency:
// a DIFAT or FAT sector it cannot read, a directory whose red-black trees
// visit an entry twice, a chain that runs past the end of a truncated
// file. It has no notion of reading past damage, of a sector that is there
// but wrong (a zeroed FAT sector reads as a FAT of zeros), or of finding
// directory entries that no chain reaches. A recovery tool needs all of
// that, and needs to say where each problem is, so this file has its own
// reader. It trusts nothing it has not checked:
//
//   - the header (MS-CFB section 2.2) is read as far as it is sane: a bad
//     sector shift is guessed from the version or the root entry's place;
//   - the FAT (section 2.3) is gathered from the DIFAT (section 2.5) and its
//     chain, with a visited set; a FAT sector that is beyond the end of the
//     file, all zero or full of impossible values is treated as unknown, and
//     if the DIFAT itself is damaged, FAT sectors are found by scanning for
//     sectors that look like FAT sectors and mark themselves as such; FAT
//     entries that point several sectors at the same next sector are
//     treated as unknown too;
//   - the directory (section 2.6) is followed along its chain; where that
//     breaks, every sector is scanned for plausible 128-byte directory
//     entries, and the sectors found are put back in directory order by the
//     ids that the entries already placed point at, checked against the
//     ordering of the red-black trees (section 2.6.4);
//   - the tree is rebuilt from the left, right and child ids with a visited
//     set, so cycles end; entries that no path reaches are grouped by their
//     sibling trees and kept where they can be recognized (a lost root's
//     children, attachment and recipient storages that lost their own
//     entry);
//   - streams are read along the FAT or the mini FAT (section 2.4; streams
//     under the cutoff live in the mini stream, the root entry's chain); a
//     chain that breaks is read on as contiguous sectors, the way writers
//     usually lay streams out, skipping sectors known to hold structures.
//
// Every guess is a warning naming the structure and its byte offset. The
// directory part is in cfbscan_dir.go.

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
	"sort"
)

// Sector numbers with a special meaning (MS-CFB section 2.1).
const (
	maxRegSect uint32 = 0xFFFFFFFA
	fatUnknown uint32 = 0xFFFFFFFB // ours: this FAT entry could not be read (the spec's reserved value)
	difSect    uint32 = 0xFFFFFFFC
	fatSect    uint32 = 0xFFFFFFFD
	endOfChain uint32 = 0xFFFFFFFE
	freeSect   uint32 = 0xFFFFFFFF
	noStream   uint32 = 0xFFFFFFFF
)

// cfbMagic is the compound file signature (MS-CFB section 2.2).
var cfbMagic = []byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}

const (
	miniSectorSize = 64
	miniCutoff     = 4096
	dirEntrySize   = 128
	// maxLooseSectors bounds the directory sectors the placement search
	// works on; beyond it, the rest are left unplaced.
	maxLooseSectors = 8192
)

// cfbHeader is the compound file header (MS-CFB section 2.2).
type cfbHeader struct {
	major, shift, miniShift              uint16
	numDir, numFAT, dirStart, cutoff     uint32
	miniFATStart, numMiniFAT, difatStart uint32
	numDIFAT                             uint32
	difat                                [109]uint32
	magicOK                              bool
}

func parseHeader(b []byte) cfbHeader {
	le := binary.LittleEndian
	h := cfbHeader{
		magicOK:      bytes.Equal(b[:8], cfbMagic),
		major:        le.Uint16(b[26:]),
		shift:        le.Uint16(b[30:]),
		miniShift:    le.Uint16(b[32:]),
		numDir:       le.Uint32(b[40:]),
		numFAT:       le.Uint32(b[44:]),
		dirStart:     le.Uint32(b[48:]),
		cutoff:       le.Uint32(b[56:]),
		miniFATStart: le.Uint32(b[60:]),
		numMiniFAT:   le.Uint32(b[64:]),
		difatStart:   le.Uint32(b[68:]),
		numDIFAT:     le.Uint32(b[72:]),
	}
	for i := range h.difat {
		h.difat[i] = le.Uint32(b[76+4*i:])
	}
	return h
}

// What a sector is known to hold.
const (
	kindData uint8 = iota
	kindFAT
	kindDIFAT
	kindDir
	kindMiniFAT
	kindMini    // part of the mini stream
	kindClaimed // a stream's, while the mini stream is looked for
)

// dirEntry is a directory entry (MS-CFB section 2.6.1).
type dirEntry struct {
	id                 int
	off                int64
	name               string
	units              []uint16 // the name as stored, for comparisons
	typ                byte     // 1 storage, 2 stream, 5 root
	left, right, child uint32
	start              uint32
	size               uint64
	placed             bool // its sector was placed by scanning, not by the chain
}

// scanner is the tolerant reader of one compound file.
type scanner struct {
	r      io.ReaderAt
	size   int64
	h      cfbHeader
	ss     int64  // sector size
	nsec   uint32 // sectors in the file, the last one possibly partial
	perSec int    // directory entries per sector

	fat        []uint32
	fatScanned map[uint32]bool // FAT sectors found by scanning, not through the DIFAT
	kind       []uint8

	miniFAT     []uint32
	miniFATSecs []uint32 // sectors of the mini FAT, in order
	miniSecs    []uint32 // sectors of the mini stream, in order
	// miniGuessedFrom is the index in miniSecs from which the mini
	// stream's sectors are guesses
	miniGuessedFrom int
	miniSize        int64

	dirSecs []int64 // file offset of the directory sector at each position; -1 if unknown
	entries map[int]*dirEntry

	warnings []string
	damaged  bool
}

func (s *scanner) warnf(format string, args ...any) {
	s.warnings = append(s.warnings, fmt.Sprintf(format, args...))
	s.damaged = true
}

// notef records something unusual that is not damage.
func (s *scanner) notef(format string, args ...any) {
	s.warnings = append(s.warnings, fmt.Sprintf(format, args...))
}

// secOff is the file offset of sector n (MS-CFB section 2.2: sectors are
// numbered from the one after the header).
func (s *scanner) secOff(n uint32) int64 { return (int64(n) + 1) * s.ss }

// readAt reads up to len(b) bytes at off, returning how many were there.
func (s *scanner) readAt(b []byte, off int64) int {
	if off >= s.size || off < 0 {
		return 0
	}
	if rem := s.size - off; int64(len(b)) > rem {
		b = b[:rem]
	}
	n, _ := s.r.ReadAt(b, off)
	return n
}

// sector reads sector n whole or as far as the file goes.
func (s *scanner) sector(n uint32) []byte {
	b := make([]byte, s.ss)
	return b[:s.readAt(b, s.secOff(n))]
}

// openTolerant reads what it can of a compound file.
func openTolerant(r io.ReaderAt, size int64) (*compound, error) {
	s, root, err := scan(r, size)
	if err != nil {
		return nil, err
	}
	cf := &compound{size: size, recovered: true}
	cf.root = s.buildTree(root)
	cf.countStreams()
	cf.warnings = s.warnings
	cf.damaged = s.damaged
	return cf, nil
}

// scan reads the structures of a compound file: header, FAT, directory,
// mini FAT and mini stream. root is the root entry, nil when lost.
func scan(r io.ReaderAt, size int64) (s *scanner, root *dirEntry, err error) {
	if size < 512 {
		return nil, nil, &FormatError{Off: 0, Msg: fmt.Sprintf("%d bytes, too short for a compound file header (512)", size)}
	}
	s = &scanner{r: r, size: size, entries: make(map[int]*dirEntry), miniGuessedFrom: 1 << 30, fatScanned: make(map[uint32]bool)}
	hb := make([]byte, 512)
	if n := s.readAt(hb, 0); n < 512 {
		return nil, nil, &FormatError{Off: 0, Msg: "header unreadable"}
	}
	s.h = parseHeader(hb)
	if !s.h.magicOK {
		s.warnf("compound file header at 0x0: signature is % x, not % x", hb[:8], cfbMagic)
	}
	s.chooseSectorSize()
	if size <= s.ss {
		return nil, nil, &FormatError{Off: s.ss, Msg: "no sectors after the header"}
	}
	nsec := (size - s.ss + s.ss - 1) / s.ss
	if nsec > int64(maxRegSect) {
		nsec = int64(maxRegSect)
	}
	s.nsec = uint32(nsec)
	s.perSec = int(s.ss / dirEntrySize)
	s.kind = make([]uint8, s.nsec)
	s.readFAT()
	if rem := (size - s.ss) % s.ss; rem != 0 {
		last := s.nsec - 1
		if v := s.fat[last]; v == freeSect {
			s.notef("file size %d is not a whole number of %d-byte sectors: %d bytes after the last whole sector, at 0x%x, which the FAT marks free", size, s.ss, rem, s.secOff(last))
		} else {
			s.warnf("file size %d is not a whole number of %d-byte sectors: the last sector (%d at 0x%x) is cut short after %d bytes; the file is probably truncated", size, s.ss, last, s.secOff(last), rem)
		}
	}
	s.readDirectory()
	if len(s.entries) == 0 {
		if !s.h.magicOK {
			return nil, nil, &FormatError{Off: 0, Msg: "no compound file signature and no directory entries found"}
		}
		return nil, nil, &FormatError{Off: s.secOff(min(s.h.dirStart, s.nsec)), Msg: "no directory entry could be read"}
	}
	root = s.entries[0]
	if root != nil && root.typ != 5 {
		root = nil
	}
	s.readMiniFAT(root)
	s.readMiniStream(root)
	return s, root, nil
}

// chooseSectorSize sets the sector size from the header's sector shift,
// or guesses it.
func (s *scanner) chooseSectorSize() {
	switch s.h.shift {
	case 9:
		s.ss = 512
		return
	case 12:
		s.ss = 4096
		return
	}
	guess := int64(512)
	why := "the default"
	if s.h.major == 4 {
		guess, why = 4096, "major version 4"
	} else if off := s.findRootEntry(); off > 0 {
		switch {
		case off%4096 == 0 && off/4096-1 == int64(s.h.dirStart):
			guess, why = 4096, fmt.Sprintf("the root entry at 0x%x", off)
		case off%512 == 0 && off/512-1 == int64(s.h.dirStart):
			guess, why = 512, fmt.Sprintf("the root entry at 0x%x", off)
		}
	}
	s.warnf("compound file header at 0x1e: sector shift %d is invalid; sectors taken as %d bytes (%s)", s.h.shift, guess, why)
	s.ss = guess
}

// findRootEntry returns the offset of the first 512-aligned root
// directory entry in the file, or -1.
func (s *scanner) findRootEntry() int64 {
	buf := make([]byte, 64<<10)
	for off := int64(512); off < s.size; off += int64(len(buf)) {
		n := s.readAt(buf, off)
		for i := 0; i+dirEntrySize <= n; i += 512 {
			if e, ok := parseDirEntry(buf[i:i+dirEntrySize], 0, 0, 1<<31); ok && e.typ == 5 {
				return off + int64(i)
			}
		}
		if n < len(buf) {
			break
		}
	}
	return -1
}

// --- FAT (MS-CFB sections 2.3 and 2.5) ---

// readFAT gathers the FAT through the DIFAT. Entries it cannot read stay
// fatUnknown.
func (s *scanner) readFAT() {
	s.fat = make([]uint32, s.nsec)
	for i := range s.fat {
		s.fat[i] = fatUnknown
	}
	per := uint32(s.ss / 4)
	need := (s.nsec + per - 1) / per // FAT sectors that cover the file
	locs := make([]uint32, 0, need)
	for i := 0; i < len(s.h.difat) && uint32(len(locs)) < need; i++ {
		locs = append(locs, s.h.difat[i])
	}
	// the DIFAT chain: 127 (or 1023) FAT sector numbers and the next DIFAT sector
	cur, seen := s.h.difatStart, map[uint32]bool{}
	for k := uint32(0); k < s.h.numDIFAT && uint32(len(locs)) < need && cur != endOfChain && cur != freeSect; k++ {
		if cur >= s.nsec {
			s.warnf("DIFAT sector %d: points at sector 0x%x, beyond the end of the file (%d sectors); FAT sectors from %d on are not known", k, cur, s.nsec, len(locs))
			break
		}
		if seen[cur] {
			s.warnf("DIFAT sector %d: cycle back to sector %d at 0x%x", k, cur, s.secOff(cur))
			break
		}
		seen[cur] = true
		s.kind[cur] = kindDIFAT
		b := s.sector(cur)
		if int64(len(b)) < s.ss {
			s.warnf("DIFAT sector %d (sector %d at 0x%x) is cut short by the end of the file", k, cur, s.secOff(cur))
		}
		for i := 0; i+4 <= len(b)-4 && uint32(len(locs)) < need; i += 4 {
			locs = append(locs, binary.LittleEndian.Uint32(b[i:]))
		}
		if len(b) < int(s.ss) {
			break
		}
		cur = binary.LittleEndian.Uint32(b[s.ss-4:])
	}
	declared := s.h.numFAT
	if declared == 0 || declared > s.nsec {
		// a damaged count: take the DIFAT entries up to the first free one
		n := uint32(0)
		for n < uint32(len(locs)) && locs[n] < maxRegSect {
			n++
		}
		s.warnf("compound file header at 0x2c: %d FAT sectors is impossible for a file of %d sectors; taking the %d the DIFAT lists", declared, s.nsec, n)
		declared = max(n, 1)
	}
	known := make([]bool, need)
	for k, loc := range locs {
		if uint32(k) >= declared {
			break
		}
		switch {
		case loc >= maxRegSect:
			s.warnf("FAT sector %d: the DIFAT has no sector for it (0x%x)", k, loc)
			continue
		case loc >= s.nsec:
			s.warnf("FAT sector %d: the DIFAT points at sector 0x%x, beyond the end of the file (%d sectors)", k, loc, s.nsec)
			continue
		}
		b := s.sector(loc)
		if !s.plausibleFAT(b, uint32(k)*per) {
			s.warnf("FAT sector %d (sector %d at 0x%x) is unreadable: zeroed or holding impossible sector numbers; chains through sectors %d-%d are read as contiguous", k, loc, s.secOff(loc), uint32(k)*per, uint32(k+1)*per-1)
			continue
		}
		s.kind[loc] = kindFAT
		s.setFAT(uint32(k), b)
		known[k] = true
		if int64(len(b)) < s.ss {
			s.warnf("FAT sector %d (sector %d at 0x%x) is cut short by the end of the file", k, loc, s.secOff(loc))
		}
	}
	missing := false
	for k := uint32(0); k < need && k < declared; k++ {
		if !known[k] {
			missing = true
		}
	}
	if missing {
		s.findFATSectors(known, min(need, declared))
	}
	s.dropConflicts(s.fat, "FAT")
	// the FAT says which sectors hold the FAT and the DIFAT
	for i, v := range s.fat {
		switch v {
		case fatSect:
			if s.kind[i] == kindData {
				s.kind[i] = kindFAT
			}
		case difSect:
			if s.kind[i] == kindData {
				s.kind[i] = kindDIFAT
			}
		}
	}
}

// knownFree reports whether the FAT, as read through the DIFAT, marks
// sector n free.
func (s *scanner) knownFree(n uint32) bool {
	return s.fat[n] == freeSect && !s.fatScanned[n/uint32(s.ss/4)]
}

// setFAT copies FAT sector k into s.fat.
func (s *scanner) setFAT(k uint32, b []byte) {
	per := uint32(s.ss / 4)
	for i := uint32(0); int(4*i+4) <= len(b); i++ {
		at := k*per + i
		if at >= s.nsec {
			break
		}
		s.fat[at] = binary.LittleEndian.Uint32(b[4*i:])
	}
}

// plausibleFAT reports whether b can be the FAT sector covering sectors
// from base on: not all zero, and almost every entry either a special
// value or a sector the header's FAT could describe.
func (s *scanner) plausibleFAT(b []byte, base uint32) bool {
	if len(b) < 4 {
		return false
	}
	limit := max(uint64(s.nsec), uint64(s.h.numFAT)*uint64(s.ss/4))
	zero, bad, n := 0, 0, len(b)/4
	for i := 0; i < n; i++ {
		v := binary.LittleEndian.Uint32(b[4*i:])
		switch {
		case v == 0:
			zero++
		case v >= maxRegSect && v != fatUnknown:
		case uint64(v) >= limit || v == base+uint32(i):
			bad++
		}
	}
	return zero < n && zero <= n/2 && bad <= n/8
}

// findFATSectors looks for the FAT sectors the DIFAT lost: sectors that
// look like FAT sectors and, for a FAT sector k, mark as FAT sectors
// (FATSECT) the sectors in k's range that look like FAT sectors too.
func (s *scanner) findFATSectors(known []bool, need uint32) {
	per := uint32(s.ss / 4)
	var cands []uint32
	bufs := map[uint32][]byte{}
	for n := uint32(0); n < s.nsec && len(cands) < 4096; n++ {
		if s.kind[n] != kindData {
			continue
		}
		b := s.sector(n)
		if int64(len(b)) < s.ss || !s.plausibleFAT(b, 0) || !bytes.Contains(b, []byte{0xFD, 0xFF, 0xFF, 0xFF}) {
			continue
		}
		cands = append(cands, n)
		bufs[n] = b
	}
	isFAT := func(n uint32) bool { return s.kind[n] == kindFAT || bufs[n] != nil }
	dirLike := make(map[uint32]bool)
	for k := uint32(0); k < need; k++ {
		if known[k] {
			continue
		}
		best, bestScore := uint32(0), 0
		for _, c := range cands {
			if s.kind[c] != kindData {
				continue
			}
			b := bufs[c]
			score := 0
			ok := true
			for i := uint32(0); i < per; i++ {
				sec := k*per + i
				if sec >= s.nsec {
					break
				}
				v := binary.LittleEndian.Uint32(b[4*i:])
				if sec == c && v != fatSect {
					ok = false
					break
				}
				if v == fatSect {
					if isFAT(sec) {
						score++
					} else {
						score--
					}
				}
			}
			if !ok || score <= 0 {
				continue
			}
			// a stale copy of a FAT marks itself too; the FAT in use leads
			// the directory chain through directory sectors
			// a stale copy of a FAT, left by an earlier save, marks itself
			// too; the FAT in use leads the directory chain through
			// directory sectors (and where there is only a stale copy, it
			// is still the best guess there is)
			n, ended := s.dirChainWith(k, b, dirLike)
			score += 4 * n
			if ended {
				score += 4
			}
			if score > bestScore {
				best, bestScore = c, score
			}
		}
		if bestScore > 0 {
			s.warnf("FAT sector %d: found by scanning at sector %d (0x%x); it may be a copy an earlier save left behind", k, best, s.secOff(best))
			s.fatScanned[k] = true
			s.kind[best] = kindFAT
			s.setFAT(k, bufs[best])
			known[k] = true
		}
	}
}

// dirChainWith counts the directory sectors along the directory chain,
// from the header's first directory sector, with b taken as FAT sector k;
// ended says the chain ended in ENDOFCHAIN after a directory sector.
func (s *scanner) dirChainWith(k uint32, b []byte, dirLike map[uint32]bool) (n int, ended bool) {
	per := uint32(s.ss / 4)
	next := func(sec uint32) uint32 {
		if sec/per == k {
			return binary.LittleEndian.Uint32(b[4*(sec%per):])
		}
		return s.fat[sec]
	}
	seen := make(map[uint32]bool)
	for sec := s.h.dirStart; sec < s.nsec && !seen[sec] && n < 64; sec = next(sec) {
		seen[sec] = true
		d, ok := dirLike[sec]
		if !ok {
			d = s.looksLikeDirSector(sec)
			dirLike[sec] = d
		}
		if !d {
			break
		}
		n++
		if next(sec) == endOfChain {
			return n, true
		}
	}
	return n, false
}

// looksLikeDirSector reports whether sector n holds directory entries and
// nothing else.
func (s *scanner) looksLikeDirSector(n uint32) bool {
	b := s.sector(n)
	if int64(len(b)) < s.ss {
		return false
	}
	good := 0
	for at := 0; at+dirEntrySize <= len(b); at += dirEntrySize {
		raw := b[at : at+dirEntrySize]
		if raw[66] == 0 {
			if !allZeroOrUnused(raw) {
				return false
			}
			continue
		}
		if _, ok := parseDirEntry(raw, -1, 0, s.maxID()); !ok {
			return false
		}
		good++
	}
	return good > 0
}

// dropConflicts marks unknown the entries of a FAT or mini FAT that are
// impossible: several entries pointing at the same next sector (a sector
// has one predecessor), and a sector pointing at itself. A zeroed or
// scribbled table is caught this way even where its values look valid.
func (s *scanner) dropConflicts(fat []uint32, what string) {
	preds := make(map[uint32]int)
	for i, v := range fat {
		if v < maxRegSect {
			if v == uint32(i) {
				fat[i] = fatUnknown
				continue
			}
			preds[v]++
		}
	}
	dropped := 0
	for i, v := range fat {
		if v < maxRegSect && preds[v] > 1 {
			// writers lay chains out in order: of several entries claiming
			// the same next sector, the one just before it is believed
			if v > 0 && uint32(i) == v-1 {
				continue
			}
			if v > 0 && int(v-1) < len(fat) && fat[v-1] == v {
				fat[i] = fatUnknown
				dropped++
				continue
			}
			fat[i] = fatUnknown
			dropped++
		}
	}
	if dropped > 0 {
		s.warnf("%s: %d entries point at a sector another entry points at too; treated as unknown", what, dropped)
	}
}

// --- chains ---

// follow returns the units (sectors, or mini sectors when mini) of a chain
// of want units from start. Where the chain breaks it reads on as
// contiguous units, skipping sectors that hold structures, and says so;
// guessed is the index of the first unit taken that way (len(units) when
// none was).
func (s *scanner) follow(start uint32, want int64, mini bool, what string) (units []uint32, warns []string, guessed int) {
	next, n, unit := s.fat, s.nsec, "sector"
	if mini {
		next, n, unit = s.miniFAT, uint32(s.miniSize/miniSectorSize), "mini sector"
	}
	structural := func(u uint32) bool {
		return !mini && s.kind[u] != kindData && s.kind[u] != kindMini
	}
	units = make([]uint32, 0, min(want, int64(n)))
	guessed = -1
	seen := make(map[uint32]bool)
	cur, contiguous := start, false
	for int64(len(units)) < want {
		if cur >= n {
			if len(units) == 0 {
				warns = append(warns, fmt.Sprintf("%s starts at %s 0x%x, beyond the end (%d %ss)", what, unit, cur, n, unit))
			} else {
				warns = append(warns, fmt.Sprintf("%s: %d of %d %ss read; the chain runs past the end of the %s at %s 0x%x", what, len(units), want, unit, map[bool]string{false: "file", true: "mini stream"}[mini], unit, cur))
			}
			break
		}
		if structural(cur) && !seen[cur] {
			if contiguous {
				cur++
				continue
			}
			warns = append(warns, fmt.Sprintf("%s: %s %d (0x%x) holds a %s, not stream data; chain stops after %d %ss", what, unit, cur, s.secOff(cur), kindName(s.kind[cur]), len(units), unit))
			break
		}
		if seen[cur] {
			warns = append(warns, fmt.Sprintf("%s: chain cycles back to %s %d after %d %ss", what, unit, cur, len(units), unit))
			break
		}
		seen[cur] = true
		units = append(units, cur)
		if int64(len(units)) == want {
			break
		}
		if contiguous {
			cur++
			continue
		}
		nx := fatUnknown
		if int(cur) < len(next) {
			nx = next[cur]
		}
		if nx < n && !seen[nx] && !structural(nx) {
			cur = nx
			continue
		}
		warns = append(warns, fmt.Sprintf("%s: chain breaks after %s %d of %d (%s %d): next is %s; read on as contiguous %ss", what, unit, len(units), want, unit, cur, describeNext(nx, n, seen), unit))
		contiguous = true
		guessed = len(units)
		cur++
	}
	if guessed < 0 || guessed > len(units) {
		guessed = len(units)
	}
	return units, warns, guessed
}

func describeNext(v, n uint32, seen map[uint32]bool) string {
	switch {
	case v == fatUnknown:
		return "unknown (FAT damaged)"
	case v == endOfChain:
		return "end of chain, too early"
	case v == freeSect:
		return "a free sector"
	case v == fatSect, v == difSect:
		return "a FAT/DIFAT marker"
	case v >= n:
		return fmt.Sprintf("0x%x, out of range", v)
	case seen[v]:
		return fmt.Sprintf("%d, already in the chain (a cycle)", v)
	}
	return fmt.Sprintf("%d, a sector holding a structure", v)
}

func kindName(k uint8) string {
	switch k {
	case kindFAT:
		return "FAT sector"
	case kindDIFAT:
		return "DIFAT sector"
	case kindDir:
		return "directory sector"
	case kindMiniFAT:
		return "mini FAT sector"
	}
	return "stream sector"
}

// readUnits reads the bytes of a chain, n bytes at most.
func (s *scanner) readUnits(units []uint32, mini bool, n int64) ([]byte, int64) {
	unit := s.ss
	if mini {
		unit = miniSectorSize
	}
	total := min(int64(len(units))*unit, n)
	buf := make([]byte, total)
	got := int64(0)
	for i := 0; i < len(units) && int64(i)*unit < total; {
		// coalesce runs of units adjacent in the file
		off := s.unitOff(units[i], mini)
		if off < 0 {
			break
		}
		j := i + 1
		for j < len(units) && int64(j)*unit < total && s.unitOff(units[j], mini) == off+int64(j-i)*unit {
			j++
		}
		from, to := int64(i)*unit, min(int64(j)*unit, total)
		k := int64(s.readAt(buf[from:to], off))
		got = from + k
		if k < to-from {
			break
		}
		i = j
	}
	return buf[:got], got
}

// unitOff is the file offset of a sector, or of a mini sector through the
// mini stream's sectors; -1 when unknown.
func (s *scanner) unitOff(u uint32, mini bool) int64 {
	if !mini {
		return s.secOff(u)
	}
	at := int64(u) * miniSectorSize
	i := at / s.ss
	if i >= int64(len(s.miniSecs)) {
		return -1
	}
	return s.secOff(s.miniSecs[i]) + at%s.ss
}

// --- mini FAT and mini stream (MS-CFB section 2.4) ---

func (s *scanner) readMiniFAT(root *dirEntry) {
	if s.h.miniFATStart >= maxRegSect || s.h.numMiniFAT == 0 {
		return
	}
	want := int64(s.h.numMiniFAT)
	if want > int64(s.nsec) {
		want = int64(s.nsec)
	}
	secs, warns, guessed := s.follow(s.h.miniFATStart, want, false, "mini FAT")
	for _, w := range warns {
		s.warnf("%s", w)
	}
	s.miniFATSecs = secs
	s.miniFAT = make([]uint32, 0, len(secs)*int(s.ss/4))
	limit := uint64(s.nsec) * uint64(s.ss/miniSectorSize)
	for i, sec := range secs {
		b := s.sector(sec)
		vals := make([]uint32, 0, len(b)/4)
		bad := 0
		for j := 0; j+4 <= len(b); j += 4 {
			v := binary.LittleEndian.Uint32(b[j:])
			if v < maxRegSect && uint64(v) >= limit {
				bad++
			}
			vals = append(vals, v)
		}
		if i >= guessed && bad > 0 {
			// a sector taken on a guess that holds no mini FAT: the mini FAT
			// ends here, and chains through the rest read on contiguously
			s.warnf("mini FAT: sector %d (0x%x), the guess for mini FAT sector %d after the broken chain, holds impossible values; the mini FAT is taken to end there", sec, s.secOff(sec), i)
			s.miniFATSecs = secs[:i]
			break
		}
		s.kind[sec] = kindMiniFAT
		s.miniFAT = append(s.miniFAT, vals...)
	}
	// writers leave anything in the entries past the mini stream's end
	used := len(s.miniFAT)
	if root != nil {
		used = int(min(int64(used), int64(uint32(root.size))/miniSectorSize+1))
	}
	s.dropConflicts(s.miniFAT[:used], "mini FAT")
}

// readMiniStream finds the sectors of the mini stream: the root entry's
// chain, or, with the root entry lost, the unclaimed chain that best
// holds the small streams.
func (s *scanner) readMiniStream(root *dirEntry) {
	if root != nil {
		size := int64(root.size)
		if s.ss == 512 {
			size = int64(uint32(root.size))
		}
		if size == 0 || root.start >= maxRegSect {
			return
		}
		if max := int64(s.nsec) * s.ss; size > max || size < 0 {
			s.warnf("mini stream: the root entry declares %d bytes, more than the file holds; reading %d", size, max)
			size = max
		}
		want := (size + s.ss - 1) / s.ss
		secs, warns, guessed := s.follow(root.start, want, false, "mini stream")
		for _, w := range warns {
			s.warnf("%s", w)
		}
		if guessed < len(secs) {
			s.miniGuessedFrom = guessed
		}
		if guessed == len(secs) && int64(len(secs)) == want {
			// writers understate the root's size: a chain that goes on is
			// all mini stream (mscfb reads it so too)
			seen := make(map[uint32]bool, len(secs))
			for _, x := range secs {
				seen[x] = true
			}
			extra := 0
			for c := s.fat[secs[len(secs)-1]]; c < s.nsec && !seen[c] && s.kind[c] == kindData; c = s.fat[c] {
				seen[c] = true
				secs = append(secs, c)
				extra++
			}
			if extra > 0 {
				s.notef("mini stream: the root entry declares %d bytes, but its chain goes on for %d more sectors; all are read", size, extra)
				size = int64(len(secs)) * s.ss
			}
		}
		s.setMini(secs, size)
		return
	}
	s.guessMiniStream()
}

func (s *scanner) setMini(secs []uint32, size int64) {
	s.miniSecs = secs
	s.miniSize = min(size, int64(len(secs))*s.ss)
	for _, sec := range secs {
		if s.kind[sec] == kindData {
			s.kind[sec] = kindMini
		}
	}
}

// guessMiniStream looks for the mini stream when the root entry is lost:
// among the FAT chains that nothing else claims, the one in which the
// small property streams parse best.
func (s *scanner) guessMiniStream() {
	need := int64(0)
	var probes []*dirEntry
	ids := make([]int, 0, len(s.entries))
	for id := range s.entries {
		ids = append(ids, id)
	}
	sort.Ints(ids)
	for _, id := range ids {
		e := s.entries[id]
		size := int64(uint32(e.size))
		if e.typ != 2 || size == 0 || size >= miniCutoff {
			if e.typ == 2 && size >= miniCutoff && e.start < s.nsec {
				// claim the big streams' sectors
				secs, _, _ := s.follow(e.start, (size+s.ss-1)/s.ss, false, "")
				for _, sec := range secs {
					if s.kind[sec] == kindData {
						s.kind[sec] = kindClaimed
					}
				}
			}
			continue
		}
		need = max(need, int64(e.start)*miniSectorSize+size)
		if e.name == propStreamName && len(probes) < 32 {
			probes = append(probes, e)
		}
	}
	if need == 0 {
		return
	}
	hasPred := make([]bool, s.nsec)
	for _, v := range s.fat {
		if v < s.nsec {
			hasPred[v] = true
		}
	}
	type chain struct {
		secs  []uint32
		score int
	}
	var best *chain
	for h := uint32(0); h < s.nsec; h++ {
		if s.kind[h] != kindData || hasPred[h] || s.fat[h] == freeSect || s.fat[h] == fatUnknown {
			continue
		}
		var secs []uint32
		seen := map[uint32]bool{}
		for c := h; c < s.nsec && !seen[c] && s.kind[c] == kindData; c = s.fat[c] {
			seen[c] = true
			secs = append(secs, c)
		}
		if int64(len(secs))*s.ss < need {
			continue
		}
		s.miniSecs, s.miniSize = secs, int64(len(secs))*s.ss
		score := 0
		for _, e := range probes {
			units, _, _ := s.follow(e.start, (int64(uint32(e.size))+63)/64, true, "")
			data, _ := s.readUnits(units, true, int64(uint32(e.size)))
			score += propStreamScore(data)
		}
		if best == nil || score > best.score || (score == best.score && len(secs) < len(best.secs)) {
			best = &chain{secs, score}
		}
	}
	s.miniSecs, s.miniSize = nil, 0
	for i := range s.kind {
		if s.kind[i] == kindClaimed {
			s.kind[i] = kindData
		}
	}
	if best == nil || best.score <= 0 {
		s.warnf("mini stream: lost with the root entry and not found; streams under %d bytes cannot be read", miniCutoff)
		return
	}
	s.warnf("mini stream: lost with the root entry; taken to be the unclaimed chain of %d sectors from sector %d (0x%x), in which the property streams parse", len(best.secs), best.secs[0], s.secOff(best.secs[0]))
	s.setMini(best.secs, int64(len(best.secs))*s.ss)
	s.miniGuessedFrom = 0
}

// streamSize is an entry's stream size: 32 bits in version 3 files,
// whose high half may hold junk (MS-CFB section 2.6.3).
func (s *scanner) streamSize(e *dirEntry) int64 {
	if s.ss == 512 {
		return int64(uint32(e.size))
	}
	if e.size > uint64(s.size) {
		return s.size + 1 // capped on reading, with a warning
	}
	return int64(e.size)
}

// streamReader reads an entry's stream through the FAT or the mini FAT.
// Whatever in locating the bytes was a guess (a directory sector placed
// by scanning, a chain read on as contiguous sectors, a mini stream found
// without its root entry) marks the node guessed, so that the .msg layer
// can check what it reads.
func (s *scanner) streamReader(e *dirEntry, n *node) func() ([]byte, []string, error) {
	return func() ([]byte, []string, error) {
		n.guessed = e.placed
		size := s.streamSize(e)
		if size <= 0 {
			return nil, nil, nil
		}
		var warns []string
		what := fmt.Sprintf("stream %s", printable(e.name))
		if size < miniCutoff {
			if s.miniSecs == nil {
				return nil, nil, fmt.Errorf("%s (%d bytes) lives in the mini stream, which is lost", what, size)
			}
			if int64(e.start) >= s.miniSize/miniSectorSize {
				return nil, nil, fmt.Errorf("%s starts at mini sector %d, beyond the mini stream (%d bytes)", what, e.start, s.miniSize)
			}
			units, w, guessed := s.follow(e.start, (size+miniSectorSize-1)/miniSectorSize, true, what)
			warns = append(warns, w...)
			if guessed < len(units) {
				n.guessed = true
			}
			for _, u := range units {
				if int(int64(u)*miniSectorSize/s.ss) >= s.miniGuessedFrom {
					n.guessed = true
				}
			}
			data, _ := s.readUnits(units, true, size)
			if int64(len(data)) < size {
				warns = append(warns, fmt.Sprintf("%s: %d of %d bytes read", what, len(data), size))
			}
			return data, warns, nil
		}
		if e.start >= s.nsec {
			return nil, nil, fmt.Errorf("%s starts at sector 0x%x, beyond the end of the file (%d sectors)", what, e.start, s.nsec)
		}
		if avail := s.size - s.secOff(e.start); size > avail {
			warns = append(warns, fmt.Sprintf("%s declares %d bytes; the file holds %d from its first sector (0x%x)", what, size, avail, s.secOff(e.start)))
			size = avail
		}
		units, w, guessed := s.follow(e.start, (size+s.ss-1)/s.ss, false, what)
		warns = append(warns, w...)
		if guessed < len(units) {
			n.guessed = true
		}
		data, _ := s.readUnits(units, false, size)
		if int64(len(data)) < size {
			warns = append(warns, fmt.Sprintf("%s: %d of %d bytes read (the file ends at 0x%x)", what, len(data), size, s.size))
		}
		return data, warns, nil
	}
}
