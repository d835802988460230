package synth

import (
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
	"strings"
	"unicode"
	"unicode/utf16"
)

// A compound file writer (MS-CFB, the "Compound File Binary File Format"):
// version 3, 512-byte sectors, 64-byte mini sectors for streams under the
// 4096-byte cutoff. The output is a function of the tree alone: no
// timestamps (creation and modification times are zero), zero CLSIDs and
// state bits, entries numbered in a fixed order, sectors laid out in one
// pass. Outlook .msg files (MS-OXMSG) are compound files; see MSG.

// CFBEntry is a storage or a stream to write into a compound file.
type CFBEntry struct {
	Name     string
	Storage  bool        // a storage (directory) rather than a stream
	Data     []byte      // a stream's bytes
	Children []*CFBEntry // a storage's streams and storages
}

// CFBStream returns a stream entry.
func CFBStream(name string, data []byte) *CFBEntry { return &CFBEntry{Name: name, Data: data} }

// CFBStorage returns a storage entry holding children.
func CFBStorage(name string, children ...*CFBEntry) *CFBEntry {
	return &CFBEntry{Name: name, Storage: true, Children: children}
}

// Fixed values of MS-CFB version 3 (sections 2.1 and 2.2).
const (
	cfbSectorSize     = 512
	cfbMiniSectorSize = 64
	cfbMiniCutoff     = 4096
	cfbDirEntrySize   = 128
	cfbHeaderDIFAT    = 109 // FAT sector locations in the header
	cfbMaxStreamSize  = 0x80000000

	cfbMaxRegSect  = 0xFFFFFFFA
	cfbDIFSect     = 0xFFFFFFFC
	cfbFATSect     = 0xFFFFFFFD
	cfbEndOfChain  = 0xFFFFFFFE
	cfbFreeSect    = 0xFFFFFFFF
	cfbNoStream    = 0xFFFFFFFF
	cfbMaxNameLen  = 31 // UTF-16 code units, without the terminator
	cfbTypeStorage = 1
	cfbTypeStream  = 2
	cfbTypeRoot    = 5
	cfbRed         = 0
	cfbBlack       = 1
)

var cfbSignature = []byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}

// ErrCFB is wrapped by the errors CFB returns for a tree it cannot write.
var ErrCFB = errors.New("synth: cannot write compound file")

// cfbDirEntry is one directory entry being written (MS-CFB section 2.6).
type cfbDirEntry struct {
	name               []uint16
	typ, color         byte
	left, right, child uint32
	start              uint32
	size               uint32
	data               []byte
}

// CFB writes a compound file whose root storage ("Root Entry") holds
// entries. Streams of fewer than 4096 bytes go to the mini stream (MS-CFB
// section 2.5 and 2.6.3); the others get sectors of their own. The FAT
// grows a DIFAT chain past the 109 sector locations the header holds
// (section 2.5). The children of each storage form a red-black tree
// (section 2.6.4): balanced, its last level red when it is not full, so
// every path has the same number of black nodes.
//
// Names must be 1 to 31 UTF-16 code units without '/', '\', ':' or '!',
// and unique, case-insensitively, within their storage; streams must be
// smaller than 2 GiB (the version 3 limit).
func CFB(entries []*CFBEntry) ([]byte, error) {
	var dir []*cfbDirEntry
	var add func(e *CFBEntry, typ byte, path string) (uint32, error)
	add = func(e *CFBEntry, typ byte, path string) (uint32, error) {
		id := uint32(len(dir))
		d := &cfbDirEntry{name: utf16.Encode([]rune(e.Name)), typ: typ, color: cfbBlack,
			left: cfbNoStream, right: cfbNoStream, child: cfbNoStream}
		dir = append(dir, d)
		if typ == cfbTypeStream {
			if int64(len(e.Data)) >= cfbMaxStreamSize {
				return 0, fmt.Errorf("%w: stream %s is %d bytes, the limit is %d", ErrCFB, path, len(e.Data), cfbMaxStreamSize-1)
			}
			d.data = e.Data
			d.size = uint32(len(e.Data))
			return id, nil
		}
		kids := slices.Clone(e.Children)
		for _, c := range kids {
			if c == nil {
				return 0, fmt.Errorf("%w: nil entry in storage %s", ErrCFB, path)
			}
			if err := checkCFBName(c.Name); err != nil {
				return 0, fmt.Errorf("%w: %s/%s: %v", ErrCFB, path, c.Name, err)
			}
		}
		slices.SortStableFunc(kids, func(a, b *CFBEntry) int { return cfbCompare(a.Name, b.Name) })
		for i := 1; i < len(kids); i++ {
			if cfbCompare(kids[i-1].Name, kids[i].Name) == 0 {
				return 0, fmt.Errorf("%w: storage %s holds %q and %q, the same name to MS-CFB", ErrCFB, path, kids[i-1].Name, kids[i].Name)
			}
		}
		ids := make([]uint32, len(kids))
		for i, c := range kids {
			t := byte(cfbTypeStream)
			if c.Storage {
				t = cfbTypeStorage
			}
			cid, err := add(c, t, path+"/"+c.Name)
			if err != nil {
				return 0, err
			}
			ids[i] = cid
		}
		d.child = cfbTree(dir, ids)
		return id, nil
	}
	if _, err := add(&CFBEntry{Name: "Root Entry", Storage: true, Children: entries}, cfbTypeRoot, ""); err != nil {
		return nil, err
	}

	// The mini stream: the small streams, each from a mini sector
	// boundary, in directory order; its chains in the mini FAT.
	var mini []byte
	var miniFAT []uint32
	var big []*cfbDirEntry
	for _, d := range dir {
		if d.typ != cfbTypeStream {
			continue
		}
		switch {
		case d.size == 0:
			d.start = cfbEndOfChain
		case d.size < cfbMiniCutoff:
			first := uint32(len(mini) / cfbMiniSectorSize)
			n := ceilDiv(int(d.size), cfbMiniSectorSize)
			for i := 1; i < n; i++ {
				miniFAT = append(miniFAT, first+uint32(i))
			}
			miniFAT = append(miniFAT, cfbEndOfChain)
			d.start = first
			mini = append(mini, d.data...)
			mini = append(mini, make([]byte, n*cfbMiniSectorSize-len(d.data))...)
		default:
			big = append(big, d)
		}
	}

	// Sector counts. The FAT must map every sector, its own and the
	// DIFAT's included.
	nDir := ceilDiv(len(dir)*cfbDirEntrySize, cfbSectorSize)
	nMiniFAT := ceilDiv(len(miniFAT)*4, cfbSectorSize)
	nMini := ceilDiv(len(mini), cfbSectorSize)
	nData := nDir + nMiniFAT + nMini
	for _, d := range big {
		nData += ceilDiv(int(d.size), cfbSectorSize)
	}
	const perSector = cfbSectorSize / 4
	nFAT, nDIFAT := 0, 0
	for {
		nDIFAT = 0
		if nFAT > cfbHeaderDIFAT {
			nDIFAT = ceilDiv(nFAT-cfbHeaderDIFAT, perSector-1)
		}
		if nFAT*perSector >= nFAT+nDIFAT+nData {
			break
		}
		nFAT++
	}
	total := nFAT + nDIFAT + nData
	if total > cfbMaxRegSect {
		return nil, fmt.Errorf("%w: %d sectors, more than MS-CFB can number", ErrCFB, total)
	}

	out := make([]byte, cfbSectorSize*(1+total))
	sector := func(s int) []byte { return out[cfbSectorSize*(1+s) : cfbSectorSize*(2+s)] }
	fat := make([]uint32, nFAT*perSector)
	for i := range fat {
		fat[i] = cfbFreeSect
	}
	next := 0
	// alloc gives n consecutive sectors as one chain and returns the first.
	alloc := func(n int) uint32 {
		if n == 0 {
			return cfbEndOfChain
		}
		first := next
		for i := 0; i < n; i++ {
			fat[first+i] = uint32(first + i + 1)
		}
		fat[first+n-1] = cfbEndOfChain
		next += n
		return uint32(first)
	}
	put := func(first uint32, data []byte) {
		if len(data) == 0 {
			return
		}
		copy(out[cfbSectorSize*(1+int(first)):], data)
	}

	// Layout: FAT, DIFAT, directory, mini FAT, mini stream, large streams.
	fatSecs := make([]uint32, nFAT)
	for i := range fatSecs {
		fatSecs[i] = uint32(next)
		fat[next] = cfbFATSect
		next++
	}
	difatSecs := make([]uint32, nDIFAT)
	for i := range difatSecs {
		difatSecs[i] = uint32(next)
		fat[next] = cfbDIFSect
		next++
	}
	dirStart := alloc(nDir)
	miniFATStart := alloc(nMiniFAT)
	miniStart := alloc(nMini)
	for _, d := range big {
		d.start = alloc(ceilDiv(int(d.size), cfbSectorSize))
		put(d.start, d.data)
	}
	put(miniStart, mini)
	root := dir[0]
	root.start, root.size = miniStart, uint32(len(mini))

	mf := make([]byte, nMiniFAT*cfbSectorSize)
	for i := range mf {
		mf[i] = 0xFF // free
	}
	for i, v := range miniFAT {
		binary.LittleEndian.PutUint32(mf[4*i:], v)
	}
	put(miniFATStart, mf)

	db := make([]byte, nDir*cfbSectorSize)
	for i := range nDir * cfbSectorSize / cfbDirEntrySize {
		b := db[i*cfbDirEntrySize : (i+1)*cfbDirEntrySize]
		binary.LittleEndian.PutUint32(b[68:], cfbNoStream)
		binary.LittleEndian.PutUint32(b[72:], cfbNoStream)
		binary.LittleEndian.PutUint32(b[76:], cfbNoStream)
		if i >= len(dir) {
			continue // unused: type 0, no name
		}
		d := dir[i]
		for j, u := range d.name {
			binary.LittleEndian.PutUint16(b[2*j:], u)
		}
		binary.LittleEndian.PutUint16(b[64:], uint16(2*len(d.name)+2))
		b[66], b[67] = d.typ, d.color
		binary.LittleEndian.PutUint32(b[68:], d.left)
		binary.LittleEndian.PutUint32(b[72:], d.right)
		binary.LittleEndian.PutUint32(b[76:], d.child)
		// CLSID, state bits, creation and modification times stay zero
		if d.typ != cfbTypeStorage {
			binary.LittleEndian.PutUint32(b[116:], d.start)
			binary.LittleEndian.PutUint32(b[120:], d.size)
		}
	}
	put(dirStart, db)

	for i, s := range fatSecs {
		b := sector(int(s))
		for j := 0; j < perSector; j++ {
			binary.LittleEndian.PutUint32(b[4*j:], fat[i*perSector+j])
		}
	}
	// DIFAT sectors: 127 FAT sector locations, then the next DIFAT sector.
	for i, s := range difatSecs {
		b := sector(int(s))
		for j := 0; j < perSector-1; j++ {
			v := uint32(cfbFreeSect)
			if k := cfbHeaderDIFAT + i*(perSector-1) + j; k < nFAT {
				v = fatSecs[k]
			}
			binary.LittleEndian.PutUint32(b[4*j:], v)
		}
		nextDIFAT := uint32(cfbEndOfChain)
		if i+1 < nDIFAT {
			nextDIFAT = difatSecs[i+1]
		}
		binary.LittleEndian.PutUint32(b[cfbSectorSize-4:], nextDIFAT)
	}

	// The header (MS-CFB section 2.2).
	h := out[:cfbSectorSize]
	copy(h, cfbSignature)
	binary.LittleEndian.PutUint16(h[24:], 0x003E) // minor version
	binary.LittleEndian.PutUint16(h[26:], 0x0003) // major version
	binary.LittleEndian.PutUint16(h[28:], 0xFFFE) // byte order: little-endian
	binary.LittleEndian.PutUint16(h[30:], 9)      // sector shift: 512
	binary.LittleEndian.PutUint16(h[32:], 6)      // mini sector shift: 64
	// 34..39 reserved; 40: directory sectors, 0 in version 3
	binary.LittleEndian.PutUint32(h[44:], uint32(nFAT))
	binary.LittleEndian.PutUint32(h[48:], dirStart)
	// 52: transaction signature, 0
	binary.LittleEndian.PutUint32(h[56:], cfbMiniCutoff)
	binary.LittleEndian.PutUint32(h[60:], miniFATStart)
	binary.LittleEndian.PutUint32(h[64:], uint32(nMiniFAT))
	firstDIFAT := uint32(cfbEndOfChain)
	if nDIFAT > 0 {
		firstDIFAT = difatSecs[0]
	}
	binary.LittleEndian.PutUint32(h[68:], firstDIFAT)
	binary.LittleEndian.PutUint32(h[72:], uint32(nDIFAT))
	for i := 0; i < cfbHeaderDIFAT; i++ {
		v := uint32(cfbFreeSect)
		if i < nFAT {
			v = fatSecs[i]
		}
		binary.LittleEndian.PutUint32(h[76+4*i:], v)
	}
	return out, nil
}

func ceilDiv(a, b int) int { return (a + b - 1) / b }

// checkCFBName checks a directory entry name (MS-CFB section 2.6.1).
func checkCFBName(name string) error {
	n := len(utf16.Encode([]rune(name)))
	switch {
	case n == 0:
		return errors.New("empty name")
	case n > cfbMaxNameLen:
		return fmt.Errorf("name of %d UTF-16 code units, the limit is %d", n, cfbMaxNameLen)
	case strings.ContainsAny(name, `/\:!`):
		return errors.New(`name contains one of / \ : !`)
	case strings.ContainsRune(name, 0):
		return errors.New("name contains NUL")
	}
	return nil
}

// cfbCompare orders names as MS-CFB section 2.6.4 does: the shorter name
// first, names of one length by their code units in upper case.
func cfbCompare(a, b string) int {
	ua, ub := utf16.Encode([]rune(a)), utf16.Encode([]rune(b))
	if len(ua) != len(ub) {
		return len(ua) - len(ub)
	}
	for i := range ua {
		ca, cb := cfbUpper(ua[i]), cfbUpper(ub[i])
		if ca != cb {
			return int(ca) - int(cb)
		}
	}
	return 0
}

func cfbUpper(u uint16) uint16 {
	if u >= 0xD800 && u <= 0xDFFF {
		return u // a surrogate: no case
	}
	r := unicode.ToUpper(rune(u))
	if r > 0xFFFF {
		return u
	}
	return uint16(r)
}

// cfbTree links the entries ids, sorted by name, into a balanced binary
// search tree and returns its root. Every node is black except those on
// the deepest level when that level is not full: splitting at the middle
// puts every missing child on the last two levels, so each path from the
// root to a leaf crosses the same number of black nodes and no red node
// has a red child (MS-CFB section 2.6.4).
func cfbTree(dir []*cfbDirEntry, ids []uint32) uint32 {
	n := len(ids)
	height := 0
	for (1<<height)-1 < n {
		height++
	}
	full := n == (1<<height)-1
	var build func(ids []uint32, depth int) uint32
	build = func(ids []uint32, depth int) uint32 {
		if len(ids) == 0 {
			return cfbNoStream
		}
		mid := len(ids) / 2
		d := dir[ids[mid]]
		d.left = build(ids[:mid], depth+1)
		d.right = build(ids[mid+1:], depth+1)
		d.color = cfbBlack
		if depth == height && depth > 1 && !full {
			d.color = cfbRed
		}
		return ids[mid]
	}
	return build(ids, 1)
}
