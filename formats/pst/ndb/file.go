package ndb

import (
	"fmt"
	"io"
	"sync"
)

// Limits that keep damaged input from looping or allocating without bound.
const (
	// MaxBTreeDepth bounds the levels of the NBT and the BBT (real files
	// have 2 to 4).
	MaxBTreeDepth = 8
	// MaxDataTreeDepth is the deepest data tree MS-PST allows
	// (XXBLOCK -> XBLOCK -> data blocks, 2.2.2.8.3.2).
	MaxDataTreeDepth = 2
	// MaxSubnodeDepth bounds SIBLOCK levels; MS-PST allows one, a little
	// slack is kept for writers that go further.
	MaxSubnodeDepth = 4
	// MaxWarnings bounds the warnings a File keeps.
	MaxWarnings = 1000
	// pageCacheSize bounds the B-tree pages kept decoded (4 KiB each at
	// most).
	pageCacheSize = 256
)

// layout holds the sizes that differ between the variants.
type layout struct {
	pageSize     int // 512 or 4096
	pageTrailer  int // PAGETRAILER size: 12, 16, 24
	pageCRCLen   int // bytes the page CRC covers (all before the trailer)
	btMeta       int // offset of cEnt in a BTPAGE (= size of rgentries)
	idSize       int // BID/NID field width: 4 or 8
	branchEntry  int // BTENTRY size
	nbtLeafEntry int // NBTENTRY size
	bbtLeafEntry int // BBTENTRY size
	blockTrailer int // BLOCKTRAILER size
	blockAlign   int // block allocation granularity
	maxBlock     int // largest block, trailer included
}

var layouts = map[Version]layout{
	ANSI:    {512, 12, 500, 496, 4, 12, 16, 12, 12, 64, 8192},
	Unicode: {512, 16, 496, 488, 8, 24, 32, 24, 16, 64, 8192},
	// 4 KiB pages; a block's cb is 16 bits, so a block is at most 64 KiB
	// plus its trailer, rounded up to 512.
	OST2013: {4096, 24, 4072, 4056, 8, 24, 32, 24, 24, 512, 65536 + 512},
}

// File is an opened PST or OST file at the NDB layer. It reads through the
// io.ReaderAt it was given, only what is asked for, and is safe for
// concurrent use.
type File struct {
	r    io.ReaderAt
	size int64
	hdr  Header
	lay  layout

	mu       sync.Mutex
	warnings []string
	warnSeen map[string]bool
	dropped  int
	pages    map[int64]*BTPage // decoded B-tree pages by offset
	// raised counts every warning raised, repeats and dropped ones
	// included; recent holds the last recentWarnings of them (a ring), for
	// WarningsSince.
	raised int
	recent []string

	// rec, set by OpenRecovered, holds the rebuilt trees Node, Block,
	// WalkNodes and WalkBlocks read instead of the header's.
	rec *recovery
}

// Open reads and checks the file header; nothing else is read until asked.
// size is the real size of the data behind r (a truncated file is read as
// far as it goes). Errors: ErrNotPST, a *VersionError (errors.Is
// ErrVersion) or a *FormatError for a header too short.
func Open(r io.ReaderAt, size int64) (*File, error) {
	if size < 0 {
		return nil, fmt.Errorf("ndb: negative size %d", size)
	}
	n := int64(HeaderSizeUnicode)
	if size < n {
		n = size
	}
	b := make([]byte, n)
	if got, err := r.ReadAt(b, 0); got < len(b) {
		if err == nil {
			err = io.ErrUnexpectedEOF
		}
		return nil, &FormatError{Offset: 0, Structure: "HEADER", Msg: "cannot read the header", Err: err}
	}
	h, warn, err := ParseHeader(b)
	if err != nil {
		return nil, err
	}
	f := &File{r: r, size: size, hdr: h, lay: layouts[h.Version], warnSeen: map[string]bool{}, pages: map[int64]*BTPage{}}
	for _, w := range warn {
		f.warn(w)
	}
	if h.FileSize > uint64(size) {
		f.warnf("HEADER at offset 0x0: ibFileEof says the file is %d bytes, it has %d: truncated", h.FileSize, size)
	}
	return f, nil
}

// Header returns the decoded file header.
func (f *File) Header() Header { return f.hdr }

// Size returns the size the File was opened with.
func (f *File) Size() int64 { return f.size }

// PageSize returns the size of B-tree pages: 512, or 4096 in OST 2013.
func (f *File) PageSize() int { return f.lay.pageSize }

// Warnings returns the damage met so far, oldest first: each names the
// structure, the BID or NID and the file offset. At most MaxWarnings are
// kept (repeats once); a last line counts the rest.
func (f *File) Warnings() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := append([]string(nil), f.warnings...)
	if f.dropped > 0 {
		out = append(out, fmt.Sprintf("... and %d more warnings", f.dropped))
	}
	return out
}

// recentWarnings bounds what WarningsSince can return.
const recentWarnings = 64

// WarningMark returns a mark for WarningsSince: the number of warnings
// raised so far.
func (f *File) WarningMark() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.raised
}

// WarningsSince returns the warnings raised since mark (WarningMark), in
// order, repeats of earlier ones and those past MaxWarnings included, so
// that a reader of one item learns all the damage that item met. When
// more than the last 64 were raised, the first line counts the others.
// The File is safe for concurrent use, but the warnings of two items read
// at the same time mix.
func (f *File) WarningsSince(mark int) []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := f.raised - mark
	if n <= 0 {
		return nil
	}
	var out []string
	if n > len(f.recent) {
		out = append(out, fmt.Sprintf("%d earlier warnings not kept", n-len(f.recent)))
		n = len(f.recent)
	}
	for i := f.raised - n; i < f.raised; i++ {
		out = append(out, f.recent[i%recentWarnings])
	}
	return out
}

func (f *File) warn(msg string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.recent) < recentWarnings {
		f.recent = append(f.recent, msg)
	} else {
		f.recent[f.raised%recentWarnings] = msg
	}
	f.raised++
	if f.warnSeen[msg] {
		return
	}
	if len(f.warnings) >= MaxWarnings {
		f.dropped++
		return
	}
	f.warnSeen[msg] = true
	f.warnings = append(f.warnings, msg)
}

func (f *File) warnf(format string, args ...any) { f.warn(fmt.Sprintf(format, args...)) }

// readAt reads exactly n bytes at off, after checking that they lie inside
// the file, so that no damaged offset or size allocates more than the file
// holds.
func (f *File) readAt(off int64, n int, structure string) ([]byte, error) {
	if off < 0 || n < 0 || off > f.size || int64(n) > f.size-off {
		return nil, &FormatError{Offset: off, Structure: structure, Msg: fmt.Sprintf("%d bytes at offset 0x%X lie outside the file (size 0x%X)", n, uint64(off), f.size)}
	}
	b := make([]byte, n)
	got, err := f.r.ReadAt(b, off)
	if got < n {
		if err == nil || err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		return nil, &FormatError{Offset: off, Structure: structure, Msg: fmt.Sprintf("read %d of %d bytes", got, n), Err: err}
	}
	return b, nil
}
