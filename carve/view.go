package carve

import (
	"fmt"
	"io"
)

// readPiece is the unit in which a failed read is retried: a bad stretch
// of a failing disk costs the pieces it touches, not the whole window.
const readPiece = 4 << 10

// backKeep is how many bytes before a requested offset a window keeps
// when it moves, so that a start can look at the line before it.
const backKeep = 8 << 10

// view is a read window over [lo, hi) of an io.ReaderAt. Its memory is
// fixed when it is made; reads beyond it slide the window.
type view struct {
	r      io.ReaderAt
	lo, hi int64
	buf    []byte // bytes [off, off+len(buf)) of r
	off    int64
	// bad records ranges that could not be read (filled with zeros, which
	// the scanner takes for junk); the owner drains it.
	bad []badRange
	// grain, when set, is the least a move of the window reads (what
	// at asks for, if more); 0 reads the whole window. A view that jumps
	// between scattered places (the merger's, looking at fragment
	// candidates) reads little at each.
	grain int
}

type badRange struct {
	off, n int64
	err    error
}

func newView(r io.ReaderAt, lo, hi int64, capacity int) *view {
	return &view{r: r, lo: lo, hi: hi, buf: make([]byte, 0, capacity), off: lo}
}

// max is the largest need at can satisfy.
func (v *view) max() int { return cap(v.buf) - backKeep }

// at returns the bytes from p on: at least min(need, hi-p) of them. The
// slice is valid until the next call. p must be in [lo, hi].
func (v *view) at(p int64, need int) []byte {
	if need > v.max() {
		need = v.max()
	}
	end := v.off + int64(len(v.buf))
	if p >= v.off && p <= end && (end-p >= int64(need) || end == v.hi) {
		return v.buf[p-v.off:]
	}
	start := max(v.lo, p-backKeep)
	v.fill(start, int(p-start)+need)
	return v.buf[p-v.off:]
}

// behind returns up to n bytes just before p (fewer at lo).
func (v *view) behind(p int64, n int) []byte {
	if int64(n) > p-v.lo {
		n = int(p - v.lo)
	}
	if n <= 0 {
		return nil
	}
	end := v.off + int64(len(v.buf))
	if p-int64(n) >= v.off && p <= end {
		return v.buf[p-int64(n)-v.off : p-v.off]
	}
	b := make([]byte, n)
	v.readAt(b, p-int64(n))
	return b
}

// peek returns up to n bytes from p without moving the window: from it
// when it holds them, else read into a buffer of their own. For looking
// at scattered places (reassembly) without reloading the window each time.
func (v *view) peek(p int64, n int) []byte {
	n = int(min(int64(n), v.hi-p))
	if n <= 0 {
		return nil
	}
	end := v.off + int64(len(v.buf))
	if p >= v.off && p+int64(n) <= end {
		return v.buf[p-v.off : p-v.off+int64(n)]
	}
	b := make([]byte, n)
	v.readAt(b, p)
	return b
}

// byteAt returns the byte at p, or 0 outside [lo, hi).
func (v *view) byteAt(p int64) byte {
	if p < v.lo || p >= v.hi {
		return 0
	}
	if p >= v.off && p < v.off+int64(len(v.buf)) {
		return v.buf[p-v.off]
	}
	var b [1]byte
	v.readAt(b[:], p)
	return b[0]
}

// fill loads the window from start, keeping what it already holds of it:
// the whole window, or with a grain at least need bytes.
func (v *view) fill(start int64, need int) {
	want := min(int64(cap(v.buf)), v.hi-start)
	if v.grain > 0 {
		want = min(want, int64(max(v.grain, need)))
	}
	end := v.off + int64(len(v.buf))
	keep := 0
	if start >= v.off && start < end {
		keep = copy(v.buf[:cap(v.buf)], v.buf[start-v.off:])
	}
	v.buf = v.buf[:want]
	v.off = start
	if keep < int(want) {
		v.readAt(v.buf[keep:want], start+int64(keep))
	}
}

// readAt fills b from off. What cannot be read is zero-filled and
// recorded in bad.
func (v *view) readAt(b []byte, off int64) {
	n, err := v.r.ReadAt(b, off)
	if n == len(b) || err == nil {
		return
	}
	// retry piece by piece
	for i := n; i < len(b); {
		j := min(len(b), (i/readPiece+1)*readPiece)
		m, err := v.r.ReadAt(b[i:j], off+int64(i))
		if m < j-i {
			clear(b[i+m : j])
			if err == nil || err == io.EOF {
				err = io.ErrUnexpectedEOF
			}
			v.bad = append(v.bad, badRange{off: off + int64(i+m), n: int64(j - i - m), err: err})
		}
		i = j
	}
}

func (b badRange) Error() string {
	return fmt.Sprintf("%d bytes at 0x%x could not be read (treated as zeros): %v", b.n, b.off, b.err)
}
