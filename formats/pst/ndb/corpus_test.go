package ndb

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/mailsalvage/mailsalvage/internal/corpus"
)

// manifestNotes returns the notes column of the corpus manifest by path.
func manifestNotes(t testing.TB) map[string]string {
	t.Helper()
	root := corpus.Root()
	out := map[string]string{}
	fh, err := os.Open(filepath.Join(root, "MANIFEST.tsv"))
	if err != nil {
		return out
	}
	defer fh.Close()
	sc := bufio.NewScanner(fh)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		f := strings.Split(sc.Text(), "\t")
		if len(f) >= 5 {
			out[f[0]] = f[4]
		}
	}
	return out
}

var wverRE = regexp.MustCompile(`wVer=(\d+)`)

// expectedWVer reads the version the manifest states for a file: an
// explicit wVer=N, else "OST 2013" 36, "ANSI" 14, "Unicode" 23; 0 when it
// says nothing.
func expectedWVer(notes string) uint16 {
	if m := wverRE.FindStringSubmatch(notes); m != nil {
		n, _ := strconv.Atoi(m[1])
		return uint16(n)
	}
	switch {
	case strings.Contains(notes, "OST 2013"):
		return 36
	case strings.Contains(notes, "ANSI"):
		return 14
	case strings.Contains(notes, "Unicode"):
		return 23
	}
	return 0
}

func corpusPSTs(t testing.TB) []string {
	return append(corpus.Files(t, "pst"), corpus.Files(t, "ost")...)
}

func TestCorpus(t *testing.T) {
	notes := manifestNotes(t)
	crypts := map[uint8]int{}
	versions := map[Version]int{}
	for _, path := range corpusPSTs(t) {
		rel := filepath.Base(filepath.Dir(path)) + "/" + filepath.Base(path)
		t.Run(filepath.Base(path), func(t *testing.T) {
			fh, err := os.Open(path)
			if err != nil {
				t.Fatal(err)
			}
			defer fh.Close()
			st, _ := fh.Stat()
			f, err := Open(fh, st.Size())
			switch {
			case strings.HasSuffix(path, ".txt"):
				if !errors.Is(err, ErrNotPST) {
					t.Errorf("Open(text) = %v, want ErrNotPST", err)
				}
				return
			case strings.Contains(path, "truncated-in-header"):
				var fe *FormatError
				if !errors.As(err, &fe) || !errors.Is(err, io.ErrUnexpectedEOF) || fe.Structure != "HEADER" || !strings.Contains(err.Error(), "file has only 40") {
					t.Errorf("Open(truncated) = %v", err)
				}
				return
			case err != nil:
				t.Fatalf("Open: %v", err)
			}
			h := f.Header()
			if want := expectedWVer(notes[rel]); want != 0 && h.WVer != want {
				t.Errorf("wVer %d, the manifest says %d (%s)", h.WVer, want, notes[rel])
			}
			versions[h.Version]++
			crypts[h.Crypt]++
			name := strings.ToLower(path)
			switch {
			case strings.Contains(name, "high-encryption") && h.Crypt != CryptCyclic,
				strings.Contains(name, "compressable-encryption") && h.Crypt != CryptPermute,
				strings.Contains(notes[rel], "NDB_CRYPT_NONE") && h.Crypt != CryptNone:
				t.Errorf("crypt method %d does not match the file's description", h.Crypt)
			}
			if wantClient := map[bool]string{true: "SO", false: "SM"}[h.Version == OST2013]; h.Client != wantClient && !strings.Contains(notes[rel], "MISLABELED") && h.Version == OST2013 {
				t.Errorf("client %q", h.Client)
			}

			// the NBT, in key order, every entry found again by lookup
			var nodes []NodeEntry
			if err := f.WalkNodes(func(e NodeEntry) bool { nodes = append(nodes, e); return true }); err != nil {
				t.Fatalf("WalkNodes: %v", err)
			}
			for i, e := range nodes {
				if i > 0 && e.NID <= nodes[i-1].NID {
					t.Errorf("NBT out of order: %v after %v", e.NID, nodes[i-1].NID)
				}
				if got, err := f.Node(e.NID); err != nil || got != e {
					t.Errorf("Node(%v) = %+v, %v; walked %+v", e.NID, got, err, e)
				}
			}
			// the BBT, every block read
			var blocks, internal int
			var prev BID
			if err := f.WalkBlocks(func(e BlockEntry) bool {
				blocks++
				if blocks > 1 && e.BID.Key() <= prev {
					t.Errorf("BBT out of order: %v after %v", e.BID, prev)
				}
				prev = e.BID.Key()
				if e.BID.Internal() {
					internal++
				}
				if got, err := f.Block(e.BID); err != nil || got != e {
					t.Errorf("Block(%v) = %+v, %v", e.BID, got, err)
				}
				b, err := f.ReadBlockEntry(e)
				if err != nil {
					t.Errorf("block %v: %v", e.BID, err)
				} else if len(b) != e.InflatedSize {
					t.Errorf("block %v: %d bytes, BBT says %d", e.BID, len(b), e.InflatedSize)
				}
				return true
			}); err != nil {
				t.Fatalf("WalkBlocks: %v", err)
			}
			// every node's data and subnodes, subnodes' too
			var subnodes int
			var readSubs func(bid BID, depth int)
			readSubs = func(bid BID, depth int) {
				m, err := f.Subnodes(bid)
				if err != nil {
					t.Errorf("Subnodes(%v): %v", bid, err)
				}
				for _, s := range m {
					subnodes++
					if _, err := f.Data(s.Data); err != nil {
						t.Errorf("subnode %v data: %v", s.NID, err)
					}
					if s.Subnodes != 0 && depth < 8 {
						readSubs(s.Subnodes, depth+1)
					}
				}
			}
			for _, e := range nodes {
				d, err := f.Data(e.Data)
				if err != nil {
					t.Errorf("node %v data: %v", e.NID, err)
				}
				for i, b := range d {
					if b == nil {
						t.Errorf("node %v block %d missing", e.NID, i)
					}
				}
				readSubs(e.Subnodes, 0)
			}
			if len(nodes) == 0 || blocks == 0 {
				t.Errorf("%d nodes, %d blocks", len(nodes), blocks)
			}
			if _, err := f.Node(NIDMessageStore); err != nil {
				t.Errorf("no message store: %v", err)
			}
			w := f.Warnings()
			crc := 0
			for _, s := range w {
				if strings.Contains(s, "CRC") {
					crc++
				}
			}
			if len(w) > 0 {
				t.Errorf("%d warnings (%d CRC) on a sound file: %q", len(w), crc, w)
			}
			t.Logf("%s wVer=%d crypt=%d client=%s nodes=%d blocks=%d (internal %d) subnodes=%d CRC warnings=%d",
				h.Version, h.WVer, h.Crypt, h.Client, len(nodes), blocks, internal, subnodes, crc)
		})
	}
	for _, c := range []uint8{CryptNone, CryptPermute, CryptCyclic} {
		if crypts[c] == 0 {
			t.Errorf("no corpus file with crypt method %d", c)
		}
	}
	for _, v := range []Version{ANSI, Unicode, OST2013} {
		if versions[v] == 0 {
			t.Errorf("no corpus file of version %v", v)
		}
	}
}

// largestCorpusFile returns the largest PST/OST of the corpus, opened.
func largestCorpusFile(b *testing.B) *File {
	data := largestCorpusBytes(b)
	f, err := Open(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		b.Fatal(err)
	}
	return f
}

func BenchmarkWalkTrees(b *testing.B) {
	f := largestCorpusFile(b)
	for b.Loop() {
		n := 0
		f.WalkNodes(func(NodeEntry) bool { n++; return true })
		f.WalkBlocks(func(BlockEntry) bool { n++; return true })
	}
}

func BenchmarkReadAllBlocks(b *testing.B) {
	f := largestCorpusFile(b)
	b.SetBytes(f.Size())
	for b.Loop() {
		f.WalkBlocks(func(e BlockEntry) bool {
			if _, err := f.ReadBlockEntry(e); err != nil {
				b.Fatal(err)
			}
			return true
		})
	}
}

func BenchmarkNodeData(b *testing.B) {
	f := largestCorpusFile(b)
	for b.Loop() {
		f.WalkNodes(func(e NodeEntry) bool {
			if _, err := f.Data(e.Data); err != nil {
				b.Fatal(err)
			}
			return true
		})
	}
}
