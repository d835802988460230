package carve

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mailsalvage/mailsalvage/formats"
	"github.com/mailsalvage/mailsalvage/internal/corpus"
	"github.com/mailsalvage/mailsalvage/internal/synth"
)

// tally is how a carve did against ground truth.
type tally struct {
	contiguous, contiguousOK   int
	truncated, truncatedOK     int
	truncatedExact             int
	fragmented, fragmentedOK   int
	outputs, junk, glued       int
	junkExamples, missExamples []string
}

func (t tally) String() string {
	pct := func(a, b int) float64 {
		if b == 0 {
			return 100
		}
		return 100 * float64(a) / float64(b)
	}
	return fmt.Sprintf("contiguous %d/%d exact (%.2f%%); truncated %d/%d partial (%.1f%%, %d with exactly the surviving bytes); fragmented %d/%d whole (%.1f%%); outputs %d, junk %d (%.2f%%), glued %d",
		t.contiguousOK, t.contiguous, pct(t.contiguousOK, t.contiguous),
		t.truncatedOK, t.truncated, pct(t.truncatedOK, t.truncated), t.truncatedExact,
		t.fragmentedOK, t.fragmented, pct(t.fragmentedOK, t.fragmented),
		t.outputs, t.junk, pct(t.junk, t.outputs), t.glued)
}

func sum(b []byte) [32]byte { return sha256.Sum256(b) }

// score compares carved messages with the planted ones.
func score(planted []synth.PlantedMessage, out []carved) tally {
	var t tally
	byHash := map[[32]byte]bool{}
	byOff := map[int64][]carved{}
	for _, o := range out {
		byHash[sum(o.bytes)] = true
		if o.off >= 0 {
			byOff[o.off] = append(byOff[o.off], o)
		}
	}
	known := map[[32]byte]bool{}
	starts := map[int64]int{} // piece start -> planted index
	for i, p := range planted {
		known[sum(p.Bytes)] = true
		for _, e := range p.Pieces {
			starts[e.Off] = i
		}
	}
	for _, p := range planted {
		switch p.Kind {
		case synth.PlantContiguous:
			t.contiguous++
			if byHash[sum(p.Bytes)] {
				t.contiguousOK++
			} else if len(t.missExamples) < 10 {
				t.missExamples = append(t.missExamples, fmt.Sprintf("contiguous @0x%x+%d: %s", p.Pieces[0].Off, len(p.Bytes), describe(byOff[p.Pieces[0].Off])))
			}
		case synth.PlantFragmented:
			t.fragmented++
			if byHash[sum(p.Bytes)] {
				t.fragmentedOK++
			}
		case synth.PlantTruncated:
			t.truncated++
			ok := false
			for _, o := range byOff[p.Pieces[0].Off] {
				n := min(len(o.bytes), p.Kept)
				if o.m.State == formats.Partial && bytes.Equal(o.bytes[:n], p.Bytes[:n]) && n >= p.Kept/2 {
					ok = true
					if len(o.bytes) == p.Kept {
						t.truncatedExact++
					}
				}
			}
			if ok {
				t.truncatedOK++
			} else if len(t.missExamples) < 20 {
				t.missExamples = append(t.missExamples, fmt.Sprintf("truncated @0x%x kept %d of %d: %s", p.Pieces[0].Off, p.Kept, len(p.Bytes), describe(byOff[p.Pieces[0].Off])))
			}
		}
	}
	for _, o := range out {
		t.outputs++
		if o.off >= 0 {
			// glued: the output's bytes hold the starts of pieces of two
			// different planted messages (the pieces of one fragmented
			// message inside its span are not two messages)
			msgs := map[int]bool{}
			for off, i := range starts {
				if off >= o.off && off < o.off+o.n {
					msgs[i] = true
				}
			}
			if len(msgs) > 1 {
				t.glued++
			}
		}
		if known[sum(o.bytes)] {
			continue
		}
		if _, ok := starts[o.off]; ok && o.off >= 0 {
			continue
		}
		t.junk++
		if len(t.junkExamples) < 10 {
			t.junkExamples = append(t.junkExamples, fmt.Sprintf("%s %s %q: %.80q", o.m.Chain, o.m.State, o.m.Attrs, o.bytes))
		}
	}
	return t
}

func describe(cs []carved) string {
	if len(cs) == 0 {
		return "nothing carved there"
	}
	s := ""
	for _, c := range cs {
		s += fmt.Sprintf("[%d bytes %s %s end=%s %q] ", len(c.bytes), c.m.State, c.m.Method, c.m.Attrs["carve_end"], c.m.Warnings)
	}
	return s
}

// imageMessages returns the messages for a generated image: synthetic
// ones, a tenth with a large attachment, and real corpus messages when
// the corpus is there.
func imageMessages(t testing.TB, n int) [][]byte {
	g := synth.NewGen(42)
	var msgs [][]byte
	for i := 0; i < n; i++ {
		if i%10 == 5 {
			g.BigAttachment = 8<<10 + i%7*1024
		} else {
			g.BigAttachment = 0
		}
		msgs = append(msgs, g.Next().Bytes)
	}
	if corpus.Root() != "" {
		for i, m := range corpus.Messages(t, 400, 0) {
			// spread them among the synthetic ones
			at := (i*37 + 11) % len(msgs)
			msgs = append(msgs[:at], append([][]byte{m.Bytes}, msgs[at:]...)...)
		}
	}
	return msgs
}

// clustersImage is the must-show image: 64 MiB of clusters (short: the
// given size) holding corpus and generated messages among random bytes,
// zeros and text, some truncated, some fragmented.
func clustersImage(t *testing.T, short int64) ([]byte, []synth.PlantedMessage) {
	size := int64(64 << 20)
	if testing.Short() {
		size = short
	}
	return synth.Image(synth.ImageOptions{Size: size, Seed: 7}, imageMessages(t, 12000))
}

// TestCarveClusters is the must-show on 64 MiB of clusters: messages
// among random bytes, zeros and text, some truncated, some fragmented.
func TestCarveClusters(t *testing.T) {
	img, planted := clustersImage(t, 8<<20)
	out, probs := carveBytes(t, img, Options{})
	if len(probs) > 0 {
		t.Errorf("problems: %v", probs[:min(len(probs), 5)])
	}
	tl := score(planted, out)
	t.Log(tl)
	for _, e := range tl.missExamples {
		t.Log("missed: ", e)
	}
	for _, e := range tl.junkExamples {
		t.Log("junk: ", e)
	}
	check(t, tl)
}

// check asserts the thresholds.
func check(t *testing.T, tl tally) {
	t.Helper()
	if tl.contiguousOK*100 < tl.contiguous*99 {
		t.Errorf("contiguous messages exact: %d of %d, want >= 99%%", tl.contiguousOK, tl.contiguous)
	}
	if tl.truncatedOK*100 < tl.truncated*90 {
		t.Errorf("truncated messages partial: %d of %d, want >= 90%%", tl.truncatedOK, tl.truncated)
	}
	if tl.fragmentedOK*100 < tl.fragmented*50 {
		t.Errorf("fragmented messages whole: %d of %d, want >= 50%%", tl.fragmentedOK, tl.fragmented)
	}
	if tl.junk*100 > tl.outputs {
		t.Errorf("junk outputs: %d of %d, want <= 1%%", tl.junk, tl.outputs)
	}
	if tl.glued > 0 {
		t.Errorf("%d outputs glue two messages", tl.glued)
	}
}

// TestCarveClustersStreaming carves the clusters image with a join reach
// of 1 MiB, so tails are joined while the scan goes on and heads are
// dropped behind it: the same messages come out as when every tail waits
// for the end (whole fragmented ones at least as many: fewer far heads to
// pick wrongly), while the heads and tails kept at one time stay a small
// part of all.
func TestCarveClustersStreaming(t *testing.T) {
	img, planted := clustersImage(t, 32<<20)
	var whole, near joinStats
	all, _ := carveBytes(t, img, Options{joinStats: &whole})
	part, _ := carveBytes(t, img, Options{joinReach: 1 << 20, joinStats: &near})
	t.Logf("reach 256 MiB: %+v; reach 1 MiB: %+v", whole, near)
	ta, tp := score(planted, all), score(planted, part)
	t.Logf("reach 1 MiB: %s", tp)
	check(t, tp)
	if tp.fragmentedOK < ta.fragmentedOK || ta.contiguousOK != tp.contiguousOK || ta.truncatedOK != tp.truncatedOK || ta.outputs != tp.outputs {
		t.Errorf("reach 1 MiB gave %s; reach 256 MiB %s", tp, ta)
	}
	if near.joined < whole.joined || whole.joined == 0 {
		t.Errorf("tails joined: %d with reach 1 MiB, %d with 256 MiB", near.joined, whole.joined)
	}
	if near.allHeads != whole.allHeads || near.peakHeads*4 > near.allHeads {
		t.Errorf("heads: %d kept at most of %d (reach 256 MiB: %d of %d); want at most a quarter", near.peakHeads, near.allHeads, whole.peakHeads, whole.allHeads)
	}
	if near.peakHeld*4 > whole.peakHeld {
		t.Errorf("tails held at one time: %d with reach 1 MiB, %d with 256 MiB", near.peakHeld, whole.peakHeld)
	}
}

// TestCarveCorpusNotices: the corpus's real delivery failure notices
// (which quote headers, transcripts and whole messages in every way there
// is), each written at a sector boundary after zeros, random bytes or
// text (ending mid-line or with a line break), at 512-byte and at 4 KiB
// alignment, come back whole from where they were written, one output
// each: nothing split, glued or lost.
func TestCarveCorpusNotices(t *testing.T) {
	// files a carver cannot give back whole, and why
	notWhole := map[string]string{
		"lhost-amavis-03.eml": "text after the closing MIME delimiter, past the sector it ends in, is not taken for an epilogue",
		"lhost-x2-04.eml":     "a NUL byte near its end, where the carver takes the file to end",
		"make-test-06.eml":    "two messages, the second after the first's closing MIME delimiter",
	}
	var notices [][]byte
	for _, f := range corpus.Files(t, "bounces") {
		b, err := os.ReadFile(f)
		if err != nil || !strings.HasSuffix(f, ".eml") || bytes.HasPrefix(b, []byte("From ")) ||
			len(DetectHeader(b).First) == 0 || bytes.Count(b, []byte("\nFrom ")) > 0 || notWhole[filepath.Base(f)] != "" {
			continue // (a file that is an mbox itself, or whose header is not at its start)
		}
		notices = append(notices, b)
	}
	if len(notices) < 50 {
		t.Skipf("only %d notices", len(notices))
	}
	rng := rand.New(rand.NewPCG(3, 4))
	for _, align := range []int{512, 4096} {
		var img []byte
		var at []int64
		for i, b := range notices {
			n := align * (1 + rng.IntN(4))
			switch i % 4 {
			case 0:
				img = append(img, make([]byte, n)...)
			case 1:
				img = append(img, synth.Garbage(rng, n)...)
			case 2:
				img = append(img, strings.Repeat("lorem ipsum dolor sit amet\n", n/27+1)[:n]...) // mid-line
			case 3:
				img = append(img, strings.Repeat("lorem ipsum dolor sit amet\n", n/27+1)[:n-1]+"\n"...)
			}
			at = append(at, int64(len(img)))
			img = append(img, b...)
			img = append(img, make([]byte, (align-len(img)%align)%align)...)
		}
		img = append(img, make([]byte, 8192)...)
		out, _ := carveBytes(t, img, Options{})
		got := map[int64]carved{}
		for _, o := range out {
			got[o.off] = o
		}
		for i, off := range at {
			if o, ok := got[off]; !ok || !bytes.Equal(o.bytes, notices[i]) {
				t.Errorf("align %d: the notice at %d (%q...) is not carved whole from there", align, off, notices[i][:min(60, len(notices[i]))])
				for _, o := range out {
					if o.off >= off-8192 && o.off < off+int64(len(notices[i])) {
						t.Logf("  output near it: %s %s %d bytes %q", o.m.Chain, o.m.State, len(o.bytes), o.m.Warnings)
					}
				}
			}
		}
		if len(out) != len(at) {
			t.Errorf("align %d: %d outputs for %d notices", align, len(out), len(at))
		}
	}
}
