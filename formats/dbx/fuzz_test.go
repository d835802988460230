package dbx

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/mailsalvage/mailsalvage/formats"
)

var updateSeeds = flag.Bool("update-seeds", false, "rewrite testdata/fuzz/FuzzDBX from the synthetic writer")

// fuzzSeeds are small stores made by the test writer, whole and damaged.
func fuzzSeeds() map[string][]byte {
	sized := func(n, step int) []synthMsg {
		var out []synthMsg
		for i := 0; i < n; i++ {
			out = append(out, synthMsg{Text: synthText(i, 300+i*step), Index: uint32(i + 1), Flags: 0x81, Subject: fmt.Sprint("s", i), MessageID: fmt.Sprintf("<%d@x>", i)})
		}
		return out
	}
	small := func(n int) []synthMsg { return sized(n, 400) }
	seeds := map[string][]byte{}
	sf := buildDBX(small(3), synthOpts{Interleave: true})
	seeds["intact"] = sf.Data
	d := clone(sf.Data)
	copy(d[sf.Root:], make([]byte, TreeNodeSize))
	seeds["zeroed-root"] = d
	d = clone(sf.Data)
	le32(d, sf.Blocks[2][1]+12, uint32(sf.Blocks[2][0]))
	seeds["chain-loop"] = d
	seeds["truncated"] = sf.Data[:sf.Blocks[2][1]+40]
	m := small(4)
	m[1].Deleted, m[2].Deleted, m[3].Unlisted = true, true, true
	seeds["deleted"] = buildDBX(m, synthOpts{}).Data
	seeds["folders"] = buildDBX(nil, synthOpts{Folders: []synthFolder{{Index: 0, Parent: 0xffffffff, Name: "Outlook Express", File: ""}, {Index: 1, Parent: 0, Name: "Local Folders", File: ""}, {Index: 4, Parent: 1, Name: "Inbox", File: "Inbox.dbx"}}}).Data
	many := buildDBX(sized(60, 0), synthOpts{})
	d = clone(many.Data)
	le32(d, many.Nodes[len(many.Nodes)-1]+8, uint32(many.Root))
	seeds["tree-loop"] = d
	return seeds
}

// TestWriteFuzzSeeds writes the seed corpus when asked (-update-seeds).
func TestWriteFuzzSeeds(t *testing.T) {
	if !*updateSeeds {
		t.Skip("run with -update-seeds to rewrite testdata/fuzz/FuzzDBX")
	}
	dir := filepath.Join("testdata", "fuzz", "FuzzDBX")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for name, b := range fuzzSeeds() {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(fmt.Sprintf("go test fuzz v1\n[]byte(%q)\n", b)), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// FuzzDBX feeds arbitrary bytes to the reader and the structure API: no
// panic, no hang, every message reads back with its announced size, and
// only a file without the dbx header is a fatal error.
func FuzzDBX(f *testing.F) {
	for _, b := range fuzzSeeds() {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		size := int64(len(data))
		fl, ferr := NewFile(bytes.NewReader(data), size)
		rd := NewReader(bytes.NewReader(data), size)
		for i := 0; ; i++ {
			if int64(i) > size+10 {
				t.Fatalf("more results than bytes")
			}
			m, err := rd.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				var p *formats.Problem
				if errors.As(err, &p) {
					continue
				}
				if ferr == nil {
					t.Fatalf("fatal error on a file with a header: %v", err)
				}
				break
			}
			rc, _ := m.Open()
			b, err := io.ReadAll(rc)
			if err != nil || int64(len(b)) != m.Size {
				t.Fatalf("%s: read %d bytes (%v), Size %d", m.Chain, len(b), err, m.Size)
			}
		}
		if ferr != nil {
			return
		}
		fl.Folders()
		fl.FreeList()
		for i := 0; i < Trees; i++ {
			fl.WalkTree(i, func(v uint32, _ *TreeNode) bool {
				fl.ReadMessageInfo(int64(v))
				fl.ReadFolderInfo(int64(v))
				return true
			})
		}
	})
}
