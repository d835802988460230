package archive

import (
	"archive/tar"
	"bufio"
	"fmt"
	"io"
	"strings"

	"github.com/mailsalvage/mailsalvage/formats"
)

func init() {
	formats.Register(formats.Format{Name: "tar", Match: MatchTar, OpenFile: OpenTar})
}

// Match recognizes a ustar header ("ustar" at offset 257, POSIX and GNU)
// whose checksum is right.
func MatchTar(p *formats.Probe) int {
	h := p.Head
	if len(h) < 512 || string(h[257:262]) != "ustar" || !checksumOK(h[:512]) {
		return 0
	}
	return 80
}

// checksumOK reports whether a header block's chksum field (octal, at
// 148) is the sum of its bytes with the field read as spaces.
func checksumOK(b []byte) bool {
	var sum, want int64
	for i, c := range b {
		if i >= 148 && i < 156 {
			c = ' '
		}
		sum += int64(c)
	}
	field := strings.TrimRight(strings.TrimLeft(string(b[148:156]), " "), " \x00")
	if _, err := fmt.Sscanf(field, "%o", &want); err != nil {
		return false
	}
	return sum == want
}

// OpenTar lists a tar archive's members and walks them as a folder. It
// fails only when no member could be listed.
func OpenTar(r io.ReaderAt, size int64, p *formats.Probe) (formats.Source, error) {
	a, problems := listTar(r, size)
	return a.walk(p, problems)
}

// counter counts the bytes read through it.
type counter struct {
	r io.Reader
	n int64
}

func (c *counter) Read(b []byte) (int, error) {
	n, err := c.r.Read(b)
	c.n += int64(n)
	return n, err
}

// listTar reads the headers of a tar archive.
func listTar(r io.ReaderAt, size int64) (*archive, []string) {
	a := newArchive("tar", r)
	// a Reader only: archive/tar then reads through each member's data
	// rather than seeking over it, and the count is the data's offset
	c := &counter{r: bufio.NewReaderSize(io.NewSectionReader(r, 0, size), 256<<10)}
	tr := tar.NewReader(struct{ io.Reader }{c})
	var problems []string
	skipped := map[string]int{}
	for n := 0; ; n++ {
		if n >= maxMembers {
			problems = append(problems, fmt.Sprintf("tar: more than %d members: the rest is not listed", maxMembers))
			break
		}
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			problems = append(problems, fmt.Sprintf("tar: the header after %d members, near offset 0x%x, does not read (%v): the rest of the archive is not listed", n, c.n, err))
			break
		}
		// archive/tar reads headers in whole blocks and nothing of the
		// data before it is asked: the data starts where it has read to
		off := c.n
		name, ok := cleanName(h.Name)
		if !ok {
			skipped["names outside the archive"]++
			continue
		}
		switch h.Typeflag {
		case tar.TypeDir:
			a.dir(name, h.ModTime)
		case tar.TypeReg, '\x00': // '0', and old tars' NUL
			if off+h.Size > size {
				problems = append(problems, fmt.Sprintf("tar: member %s: %d bytes declared, the archive ends after %d of them", name, h.Size, max(0, size-off)))
				h.Size = max(0, size-off)
			}
			a.file(&member{name: name, off: off, stored: h.Size, size: h.Size, mod: h.ModTime})
		case tar.TypeLink:
			// a hard link: the same data as a member before it (a
			// message delivered to two folders, in a spool)
			if target, ok := cleanName(h.Linkname); ok && a.members[target] != nil && !a.members[target].dir {
				t := *a.members[target]
				t.name, t.mod = name, h.ModTime
				a.file(&t)
			} else {
				skipped["hard links to no member listed before them"]++
			}
		case tar.TypeGNUSparse:
			skipped["sparse members"]++
		default:
			skipped["symbolic links, devices and other special members"]++
		}
	}
	problems = append(problems, leftOut("tar", skipped)...)
	return a, problems
}
