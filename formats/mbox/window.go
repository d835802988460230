package mbox

import (
	"fmt"
	"io"
)

// windowSize bounds the bytes held in memory while scanning, whatever the
// size of the mbox. Lookahead requests never exceed it.
const windowSize = 4 << 20

// window is a sliding read buffer over an io.ReaderAt.
type window struct {
	r    io.ReaderAt
	size int64
	buf  []byte // file bytes [off, off+len(buf))
	off  int64
	err  error // first read error other than io.EOF
}

func newWindow(r io.ReaderAt, size int64) *window {
	// a small mbox (a Thunderbird folder of a few messages, a fuzz input)
	// gets a window of its own size, not 4 MiB
	c := windowSize
	if size >= 0 && size < int64(c) {
		c = int(size)
	}
	return &window{r: r, size: size, buf: make([]byte, 0, c)}
}

// at returns the file's bytes from offset p: at least min(need, size-p)
// bytes unless reading failed (then w.err is set and fewer are returned).
// The slice is only valid until the next call.
func (w *window) at(p int64, need int) []byte {
	if need > windowSize {
		need = windowSize
	}
	end := w.off + int64(len(w.buf))
	if p >= w.off && p <= end && (end-p >= int64(need) || end == w.size) {
		return w.buf[p-w.off:]
	}
	if p > w.size {
		p = w.size
	}
	// keep the part of the window at or after p, read the rest
	keep := 0
	if p >= w.off && p < end {
		keep = copy(w.buf[:cap(w.buf)], w.buf[p-w.off:])
	}
	want := min(int64(cap(w.buf)), w.size-p)
	w.buf = w.buf[:want]
	w.off = p
	for keep < int(want) {
		n, err := w.r.ReadAt(w.buf[keep:want], p+int64(keep))
		keep += n
		if err != nil {
			if err != io.EOF {
				w.err = fmt.Errorf("read error at offset 0x%x: %w", p+int64(keep), err)
			}
			w.buf = w.buf[:keep]
			w.size = min(w.size, p+int64(keep))
			break
		}
	}
	return w.buf
}
