package synth

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"strings"
)

// ImageOptions shape a generated raw image of clusters: message files
// among clusters of random bytes (compressed files), zeros (free space)
// and text (documents, logs, source), the way a carver finds them on a
// disk. Some messages are truncated (their last clusters overwritten by
// other data) and some fragmented (their clusters in two or three runs
// with other data between).
type ImageOptions struct {
	Size        int64 // image size; rounded down to whole clusters
	ClusterSize int   // default 2048
	Seed        uint64
	// Truncated and Fragmented are the shares of the messages long
	// enough (two clusters or more) that are cut short or broken up;
	// defaults 0.15 and 0.15. Negative: none.
	Truncated, Fragmented float64
	// CRLF is the share of messages stored with CRLF line endings;
	// default 0.5. Negative: none.
	CRLF float64
}

// Extent is a run of image bytes.
type Extent struct{ Off, Len int64 }

// Planted kinds.
const (
	PlantContiguous = "contiguous"
	PlantTruncated  = "truncated"
	PlantFragmented = "fragmented"
)

// PlantedMessage is the ground truth for one message put into an image.
type PlantedMessage struct {
	Index int
	Kind  string
	// Bytes is the message file as written.
	Bytes []byte
	// Kept is how many of Bytes are still in the image (all but for a
	// truncated message: the clusters before the cut).
	Kept int
	// Pieces are where the kept bytes lie, in message order.
	Pieces []Extent
}

// Image lays msgs out in an image of clusters and says where each went.
// Messages that do not fit are left out. The filler after each message
// file's last byte is zeros to the end of the sector (as systems write),
// then, to the end of the cluster, zeros, old random bytes or old text.
func Image(opt ImageOptions, msgs [][]byte) ([]byte, []PlantedMessage) {
	if opt.ClusterSize <= 0 {
		opt.ClusterSize = 2048
	}
	def := func(v *float64, d float64) {
		if *v == 0 {
			*v = d
		} else if *v < 0 {
			*v = 0
		}
	}
	def(&opt.Truncated, 0.15)
	def(&opt.Fragmented, 0.15)
	def(&opt.CRLF, 0.5)
	C := int64(opt.ClusterSize)
	n := opt.Size / C
	img := make([]byte, n*C)
	rng := rand.New(rand.NewPCG(opt.Seed, opt.Seed^0x5eed))
	f := &filler{rng: rng}
	used := make([]bool, n)
	next := int64(0) // next free cluster for sequential allocation
	var planted []PlantedMessage

	// fill writes filler of the given kind over clusters [c, c+k)
	fillRun := func(c, k int64) {
		for i := c; i < c+k && i < n; i++ {
			f.fill(img[i*C:(i+1)*C], rng.IntN(3))
			used[i] = true
		}
	}
	// place writes b at cluster c and pads its last cluster
	place := func(c int64, b []byte) {
		copy(img[c*C:], b)
		k := (int64(len(b)) + C - 1) / C
		for i := c; i < c+k; i++ {
			used[i] = true
		}
		end := c*C + int64(len(b))
		if end%C != 0 {
			sector := (end + 511) / 512 * 512
			slackEnd := (c + k) * C
			clear(img[end:sector])
			if sector < slackEnd {
				f.fill(img[sector:slackEnd], rng.IntN(3))
			}
		}
	}
	clusters := func(b []byte) int64 { return (int64(len(b)) + C - 1) / C }

	for i, m := range msgs {
		b := m
		if rng.Float64() < opt.CRLF {
			b = toCRLF(b)
		}
		k := clusters(b)
		// filler before the message: 0 to 6 clusters
		gap := int64(rng.IntN(7))
		if next+gap+k+8 > n {
			break
		}
		fillRun(next, gap)
		next += gap
		kind := PlantContiguous
		if k >= 2 {
			switch r := rng.Float64(); {
			case r < opt.Truncated:
				kind = PlantTruncated
			case r < opt.Truncated+opt.Fragmented:
				kind = PlantFragmented
			}
		}
		p := PlantedMessage{Index: i, Kind: kind, Bytes: b, Kept: len(b)}
		switch kind {
		case PlantContiguous:
			place(next, b)
			p.Pieces = []Extent{{next * C, int64(len(b))}}
			next += k
		case PlantTruncated:
			keep := 1 + int64(rng.IntN(int(k-1))) // clusters kept, at least one lost
			p.Kept = int(keep * C)
			copy(img[next*C:], b[:p.Kept])
			for j := next; j < next+keep; j++ {
				used[j] = true
			}
			p.Pieces = []Extent{{next * C, keep * C}}
			next += keep
			// what overwrote the rest: filler of any kind, or the next
			// message right away
			if rng.IntN(4) > 0 {
				fillRun(next, 1)
				next++
			}
		case PlantFragmented:
			// two or three runs; the later runs go some clusters on
			cuts := []int64{0, 1 + int64(rng.IntN(int(k-1))), k}
			if k-cuts[1] >= 2 && rng.IntN(3) == 0 {
				c2 := cuts[1] + 1 + int64(rng.IntN(int(k-cuts[1]-1)))
				if c2 < k {
					cuts = []int64{0, cuts[1], c2, k}
				}
			}
			for j := 0; j+1 < len(cuts); j++ {
				piece := b[cuts[j]*C : min(int64(len(b)), cuts[j+1]*C)]
				if j > 0 {
					g := 1 + int64(rng.IntN(24))
					if next+g+clusters(piece)+8 > n {
						g = 1
					}
					fillRun(next, g)
					next += g
				}
				place(next, piece)
				p.Pieces = append(p.Pieces, Extent{next * C, int64(len(piece))})
				next += clusters(piece)
			}
		}
		planted = append(planted, p)
	}
	// the rest of the image
	for i := int64(0); i < n; i++ {
		if !used[i] {
			f.fill(img[i*C:(i+1)*C], rng.IntN(3))
		}
	}
	return img, planted
}

// filler makes the data between files.
type filler struct {
	rng  *rand.Rand
	text []byte // a long text to take pieces of
}

// fill fills b with random bytes (0), zeros (1) or text (2).
func (f *filler) fill(b []byte, kind int) {
	switch kind {
	case 0:
		for i := 0; i+8 <= len(b); i += 8 {
			v := f.rng.Uint64()
			for j := 0; j < 8; j++ {
				b[i+j] = byte(v >> (8 * j))
			}
		}
	case 1:
		clear(b)
	default:
		if len(f.text) < 1<<20 {
			f.text = FillerText(f.rng.Uint64(), 2<<20)
		}
		off := f.rng.IntN(len(f.text) - len(b))
		copy(b, f.text[off:])
	}
}

// FillerText returns n bytes of text of the kinds a disk holds besides
// mail: prose, log lines, configuration and source code, HTTP headers,
// CSV. Much of it has colons, some has "Name: value" lines; none is a
// mail header block.
func FillerText(seed uint64, n int) []byte {
	rng := rand.New(rand.NewPCG(seed, 77))
	g := &Gen{rng: rng}
	var b bytes.Buffer
	for b.Len() < n {
		switch rng.IntN(8) {
		case 0, 1, 2:
			b.WriteString(g.paragraph())
			b.WriteByte('\n')
		case 3:
			for i := 0; i < 5+rng.IntN(20); i++ {
				fmt.Fprintf(&b, "2021-%02d-%02d %02d:%02d:%02d INFO worker[%d]: processed %d items in %dms\n",
					1+rng.IntN(12), 1+rng.IntN(28), rng.IntN(24), rng.IntN(60), rng.IntN(60), rng.IntN(64), rng.IntN(9999), rng.IntN(999))
			}
		case 4:
			fmt.Fprintf(&b, "HTTP/1.1 200 OK\nDate: Mon, 0%d Mar 2021 10:%02d:00 GMT\nServer: nginx\nContent-Type: text/html; charset=utf-8\nContent-Length: %d\nConnection: keep-alive\n\n<html><body>%s</body></html>\n",
				1+rng.IntN(9), rng.IntN(60), rng.IntN(99999), strings.TrimSpace(g.paragraph()))
		case 5:
			fmt.Fprintf(&b, "[section%d]\nname: %s\nenabled: true\ntimeout: %d\npath: /var/lib/app%d\n\n", rng.IntN(99), g.pick(words), rng.IntN(300), rng.IntN(9))
		case 6:
			fmt.Fprintf(&b, "func handle%d(w http.ResponseWriter, r *http.Request) {\n\tlog.Printf(\"from: %%s to: %%s\", r.RemoteAddr, r.Host)\n\tw.Write([]byte(%q))\n}\n\n", rng.IntN(999), g.pick(words))
		default:
			fmt.Fprintf(&b, "Note: %s\nSubject: %s\nTo do: %s\n\n", strings.TrimSpace(g.paragraph()), g.pick(topics), g.pick(words))
		}
	}
	return b.Bytes()[:n]
}
