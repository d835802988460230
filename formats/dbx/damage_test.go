package dbx

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"github.com/mailsalvage/mailsalvage/formats"
)

func clone(b []byte) []byte { return append([]byte(nil), b...) }

// byFirstBlock indexes read messages by the offset of their first block.
func byFirstBlock(out []got) map[int64]got {
	m := map[int64]got{}
	for _, g := range out {
		m[*g.m.Chain[0].Offset] = g
	}
	return m
}

func joinErrs(errs []error) string {
	var s []string
	for _, e := range errs {
		s = append(s, e.Error())
	}
	return strings.Join(s, "\n")
}

// A zeroed tree root loses every message info: the messages come back by
// scanning, orphaned, byte for byte, and the damage is reported.
func TestZeroedTreeRoot(t *testing.T) {
	msgs := synthMsgs(40)
	sf := buildDBX(msgs, synthOpts{Interleave: true})
	data := clone(sf.Data)
	copy(data[sf.Root:], make([]byte, TreeNodeSize))
	out, problems := readAll(t, data)
	if len(out) != len(msgs) {
		t.Fatalf("%d messages, want %d; problems:\n%s", len(out), len(msgs), joinErrs(problems))
	}
	if !strings.Contains(joinErrs(problems), fmt.Sprintf("tree node @0x%x", sf.Root)) {
		t.Errorf("no problem names the root node: %v", problems)
	}
	found := byFirstBlock(out)
	for i, m := range msgs {
		g, ok := found[sf.Blocks[i][0]]
		if !ok {
			t.Fatalf("message %d not found", i)
		}
		if !bytes.Equal(g.bytes, m.Text) || g.m.State != formats.Orphaned || g.m.Method != "dbx-scan" || g.m.Attrs["dbx_found"] != FoundUnlisted {
			t.Errorf("message %d: %s %s %v equal=%v", i, g.m.State, g.m.Method, g.m.Attrs, bytes.Equal(g.bytes, m.Text))
		}
	}
	// the same with the header's root pointer gone
	data = clone(sf.Data)
	le32(data, hdrTreeRoots, 0)
	out, _ = readAll(t, data)
	if len(out) != len(msgs) {
		t.Errorf("root pointer zeroed: %d messages, want %d", len(out), len(msgs))
	}
}

// A leaf of the tree lost: the messages of the other nodes come through
// the tree, those of the lost leaf by scanning.
func TestLostLeaf(t *testing.T) {
	msgs := synthMsgs(130)
	sf := buildDBX(msgs, synthOpts{})
	if len(sf.Nodes) < 3 {
		t.Fatalf("tree of %d nodes", len(sf.Nodes))
	}
	data := clone(sf.Data)
	leaf := sf.Nodes[1]
	copy(data[leaf:], make([]byte, TreeNodeSize))
	out, problems := readAll(t, data)
	if len(out) != len(msgs) {
		t.Fatalf("%d messages, want %d: %v", len(out), len(msgs), problems)
	}
	indexed, scanned := 0, 0
	found := byFirstBlock(out)
	for i, m := range msgs {
		g := found[sf.Blocks[i][0]]
		if !bytes.Equal(g.bytes, m.Text) {
			t.Errorf("message %d differs", i)
		}
		switch g.m.Method {
		case "dbx":
			indexed++
		case "dbx-scan":
			scanned++
		}
	}
	if indexed == 0 || scanned == 0 || indexed+scanned != len(msgs) {
		t.Errorf("indexed %d, scanned %d", indexed, scanned)
	}
	t.Logf("indexed %d, scanned %d; problems: %v", indexed, scanned, problems)
}

// A loop in the tree (a child pointer back to the root) is cut: every
// message is read once.
func TestTreeLoop(t *testing.T) {
	msgs := synthMsgs(130)
	sf := buildDBX(msgs, synthOpts{})
	data := clone(sf.Data)
	leaf := sf.Nodes[len(sf.Nodes)-1]
	le32(data, leaf+8, uint32(sf.Root))
	le32(data, leaf+0x14, 5)
	out, problems := readAll(t, data)
	if len(out) != len(msgs) {
		t.Errorf("%d messages, want %d", len(out), len(msgs))
	}
	if !strings.Contains(joinErrs(problems), "loop") {
		t.Errorf("loop not reported: %v", problems)
	}
}

// Broken chains end their message where they break: partial, with a
// warning naming the offset; the blocks cut off are reported.
func TestBrokenChains(t *testing.T) {
	msgs := synthMsgs(12)
	const victim = 4
	sf := buildDBX(msgs, synthOpts{Interleave: true})
	bl := sf.Blocks[victim]
	if len(bl) < 4 {
		t.Fatalf("victim has %d blocks", len(bl))
	}
	cases := []struct {
		name   string
		damage func(b []byte)
		keep   int    // blocks of the victim still read
		warn   string // in the warning
	}{
		{"next outside the file", func(b []byte) { le32(b, bl[1]+12, uint32(len(b)+0x1000)) }, 2, "next pointer outside the file"},
		{"loop", func(b []byte) { le32(b, bl[2]+12, uint32(bl[0])) }, 3, "loop"},
		{"wrong self offset", func(b []byte) { le32(b, bl[2], 0x1234) }, 2, fmt.Sprintf("@0x%x: self offset", bl[2])},
		{"zeroed block", func(b []byte) { copy(b[bl[1]:], make([]byte, BlockSize)) }, 1, fmt.Sprintf("@0x%x", bl[1])},
		{"misaligned next", func(b []byte) { le32(b, bl[0]+12, uint32(bl[1]+2)) }, 1, "data block"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			data := clone(sf.Data)
			tc.damage(data)
			out, problems := readAll(t, data)
			found := byFirstBlock(out)
			for i, m := range msgs {
				g, ok := found[sf.Blocks[i][0]]
				if !ok {
					t.Fatalf("message %d lost", i)
				}
				if i != victim {
					if !bytes.Equal(g.bytes, m.Text) || g.m.State != formats.Intact {
						t.Errorf("message %d: %s", i, g.m.State)
					}
					continue
				}
				want := m.Text[:min(len(m.Text), tc.keep*BlockDataSize)]
				if !bytes.Equal(g.bytes, want) || g.m.State != formats.Partial {
					t.Errorf("victim: %s, %d bytes, want %d", g.m.State, len(g.bytes), len(want))
				}
				if !strings.Contains(strings.Join(g.m.Warnings, "\n"), tc.warn) {
					t.Errorf("victim warnings %v lack %q", g.m.Warnings, tc.warn)
				}
			}
			if len(out) != len(msgs) {
				t.Errorf("%d messages, want %d", len(out), len(msgs))
			}
			t.Logf("problems: %v", problems)
		})
	}
}

// A truncated file keeps everything before the cut; the message cut in
// two is partial.
func TestTruncated(t *testing.T) {
	msgs := synthMsgs(10)
	sf := buildDBX(msgs, synthOpts{})
	// the message infos and the tree follow the blocks: move the cut to
	// the blocks of the last message by reading the tree of a copy
	// whose infos come first
	last := len(msgs) - 1
	cut := sf.Blocks[last][1] + BlockHeaderSize + 100
	data := clone(sf.Data)
	// keep the infos and tree: write them again before the cut is made,
	// by cutting the bytes of the victim's blocks only (zero what follows)
	for off := cut; off < sf.Blocks[last][len(sf.Blocks[last])-1]+BlockSize; off++ {
		data[off] = 0
	}
	out, _ := readAll(t, data)
	found := byFirstBlock(out)
	g := found[sf.Blocks[last][0]]
	if g.m == nil || g.m.State != formats.Partial || len(g.bytes) != 2*BlockDataSize {
		t.Errorf("zeroed tail: %+v", g.m)
	}

	// a real truncation: the tree is gone with the end of the file, the
	// blocks before the cut are found by scanning
	data = sf.Data[:cut]
	out, problems := readAll(t, data)
	found = byFirstBlock(out)
	for i, m := range msgs {
		g, ok := found[sf.Blocks[i][0]]
		if !ok {
			t.Fatalf("message %d lost; problems %v", i, problems)
		}
		if i == last {
			if g.m.State != formats.Partial || !bytes.Equal(g.bytes, m.Text[:BlockDataSize+100]) {
				t.Errorf("last message: %s %d bytes %v", g.m.State, len(g.bytes), g.m.Warnings)
			}
			continue
		}
		if !bytes.Equal(g.bytes, m.Text) || g.m.State != formats.Orphaned {
			t.Errorf("message %d: %s", i, g.m.State)
		}
	}
	// cut inside the header: not a dbx file
	if _, err := NewFile(bytes.NewReader(sf.Data[:0x80]), 0x80); err == nil {
		t.Errorf("header cut short: no error")
	}
	// cut after the used part of the header: no tree, nothing found, no panic
	out, _ = readAll(t, sf.Data[:0x200])
	if len(out) != 0 {
		t.Errorf("%d messages from a header", len(out))
	}
}

// Deleted messages: their blocks are free-list entries; they come back
// as deleted, the bytes the free list overwrote read as '?'; two of them
// linked by the free list are told apart.
func TestDeleted(t *testing.T) {
	msgs := synthMsgs(8)
	msgs[2].Deleted = true
	msgs[5].Deleted = true
	msgs[6].Unlisted = true
	sf := buildDBX(msgs, synthOpts{})
	out, problems := readAll(t, sf.Data)
	if len(problems) > 0 {
		t.Errorf("problems: %v", problems)
	}
	if len(out) != len(msgs) {
		t.Fatalf("%d messages, want %d", len(out), len(msgs))
	}
	found := byFirstBlock(out)
	for i, m := range msgs {
		g := found[sf.Blocks[i][0]]
		if g.m == nil {
			t.Fatalf("message %d lost", i)
		}
		switch {
		case m.Deleted:
			want := clone(m.Text)
			for k := 0; k < len(want); k += BlockDataSize {
				copy(want[k:min(len(want), k+freeClobbered)], "????")
			}
			if g.m.State != formats.Deleted || g.m.Attrs["dbx_found"] != FoundFree || !bytes.Equal(g.bytes, want) {
				t.Errorf("deleted message %d: %s %v %d bytes want %d\n%q", i, g.m.State, g.m.Attrs, len(g.bytes), len(want), g.bytes[:40])
			}
		case m.Unlisted:
			if g.m.State != formats.Orphaned || !bytes.Equal(g.bytes, m.Text) {
				t.Errorf("unlisted message %d: %s", i, g.m.State)
			}
		default:
			if g.m.State != formats.Intact || !bytes.Equal(g.bytes, m.Text) {
				t.Errorf("message %d: %s", i, g.m.State)
			}
		}
	}

	// a live chain on the header's free list is deleted too
	msgs = synthMsgs(5)
	msgs[3].Unlisted = true
	sf = buildDBX(msgs, synthOpts{FreeListLive: 3})
	out, _ = readAll(t, sf.Data)
	g := byFirstBlock(out)[sf.Blocks[3][0]]
	if g.m == nil || g.m.State != formats.Deleted || g.m.Attrs["dbx_found"] != FoundOnFreeList {
		t.Errorf("free-listed live chain: %+v", g.m)
	}
}

// Runs of blocks that start no message are reported, not returned.
func TestLeftoverBlocks(t *testing.T) {
	msgs := synthMsgs(4)
	msgs[1].Unlisted = true
	sf := buildDBX(msgs, synthOpts{})
	data := clone(sf.Data)
	// the unlisted message loses its first block: the rest is a headless run
	copy(data[sf.Blocks[1][0]:], make([]byte, BlockSize))
	out, problems := readAll(t, data)
	if len(out) != 3 {
		t.Errorf("%d messages, want 3", len(out))
	}
	if !strings.Contains(joinErrs(problems), fmt.Sprintf("first blocks 0x%x", sf.Blocks[1][1])) {
		t.Errorf("leftover not reported: %v", problems)
	}
}

// Scanning reads the file through a window: blocks on either side of
// its edges are all found.
func TestScanWindows(t *testing.T) {
	msgs := synthMsgs(800)
	sf := buildDBX(msgs, synthOpts{Interleave: true})
	if len(sf.Data) < 2*scanWindow+BlockSize {
		t.Fatalf("file of %d bytes does not cross two windows", len(sf.Data))
	}
	data := clone(sf.Data)
	le32(data, hdrTreeRoots, 0)
	out, problems := readAll(t, data)
	if len(out) != len(msgs) || len(problems) > 0 {
		t.Fatalf("%d messages, want %d; problems %v", len(out), len(msgs), problems)
	}
	found := byFirstBlock(out)
	for i, m := range msgs {
		if g := found[sf.Blocks[i][0]]; !bytes.Equal(g.bytes, m.Text) {
			t.Errorf("message %d differs", i)
		}
	}
	n := 0
	f, _ := NewFile(bytes.NewReader(data), int64(len(data)))
	f.ScanBlocks(func(Block) { n++ })
	total := 0
	for _, b := range sf.Blocks {
		total += len(b)
	}
	if n != total {
		t.Errorf("scan found %d blocks, the file has %d", n, total)
	}
}

func TestFreeListLoop(t *testing.T) {
	msgs := synthMsgs(6)
	msgs[1].Deleted, msgs[4].Deleted = true, true
	sf := buildDBX(msgs, synthOpts{})
	f, _ := NewFile(bytes.NewReader(sf.Data), int64(len(sf.Data)))
	fl, err := f.FreeList()
	if err != nil || len(fl) != len(sf.Blocks[1])+len(sf.Blocks[4]) {
		t.Fatalf("free list of %d blocks, %v", len(fl), err)
	}
	data := clone(sf.Data)
	last := sf.Blocks[4][len(sf.Blocks[4])-1]
	le32(data, last+12, uint32(sf.Blocks[1][1]))
	f, _ = NewFile(bytes.NewReader(data), int64(len(data)))
	fl, err = f.FreeList()
	if err == nil || !strings.Contains(err.Error(), "loop") || len(fl) != len(sf.Blocks[1])+len(sf.Blocks[4]) {
		t.Errorf("looped free list: %d blocks, %v", len(fl), err)
	}
	out, _ := readAll(t, data)
	if len(out) != len(msgs) {
		t.Errorf("%d messages, want %d", len(out), len(msgs))
	}
}
