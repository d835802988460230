package image

import (
	"fmt"
	"io"
	"sort"

	"github.com/mailsalvage/mailsalvage/formats"
)

// rawPart is one file of a raw image: its bytes are those of the medium
// from start to start+size.
type rawPart struct {
	name  string
	r     io.ReaderAt
	start int64
	size  int64
}

// concat reads raw parts one after the other as one image.
type concat struct {
	parts []rawPart
	size  int64
}

func (c *concat) ReadAt(p []byte, off int64) (int, error) {
	n := 0
	// The first part that ends after off.
	i := sort.Search(len(c.parts), func(i int) bool { return c.parts[i].start+c.parts[i].size > off })
	for n < len(p) && i < len(c.parts) {
		pt := c.parts[i]
		rel := off + int64(n) - pt.start
		want := p[n:]
		if rest := pt.size - rel; int64(len(want)) > rest {
			want = want[:rest]
		}
		k, err := pt.r.ReadAt(want, rel)
		n += k
		if k < len(want) {
			if err == nil || err == io.EOF {
				err = io.ErrUnexpectedEOF
			}
			return n, fmt.Errorf("%s: reading at offset %d: %w (the file is shorter than when it was opened)", pt.name, rel+int64(k), err)
		}
		i++
	}
	if n < len(p) {
		return n, io.EOF
	}
	return n, nil
}

// openSplit opens the files of a split raw set, in order, as one image.
func openSplit(names []string) (*Image, error) {
	img := &Image{format: FormatSplitRaw, warn: &warnings{}}
	c := &concat{}
	var first int64 = -1
	for i, name := range names {
		f, err := formats.OpenEvidence(name)
		if err != nil {
			img.Close()
			return nil, err
		}
		img.closers = append(img.closers, f)
		size, err := evidenceSize(f, name)
		if err != nil {
			img.Close()
			return nil, err
		}
		if i == 0 {
			first = size
		} else if i < len(names)-1 && size != first {
			img.warn.at(name, -1, "segment is %d bytes, the first one %d: a split set normally has segments of one size but the last (truncated or missing data?)", size, first)
		}
		c.parts = append(c.parts, rawPart{name: name, r: f, start: c.size, size: size})
		c.size += size
		img.segments = append(img.segments, name)
	}
	img.r, img.size = c, c.size
	return img, nil
}
