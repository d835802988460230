package msg

import (
	"fmt"
	"io"
	"sort"
	"strings"
	"unicode"

	"github.com/richardlehane/mscfb"
)

// node is a storage or a stream of a compound file (MS-CFB section 2.6),
// as a tree. Both readers of the compound file, mscfb for sound files and
// the tolerant walk of cfbscan.go for damaged ones, produce this tree; the
// .msg layer reads only this.
type node struct {
	name   string
	stream bool
	size   int64 // declared stream size
	id     int   // directory entry id, -1 when not known
	// guessed is set by read when locating the stream's bytes took a
	// guess (see cfbscan.go)
	guessed bool
	off     int64 // file offset of the directory entry, -1 when not known

	children []*node
	byKey    map[string]*node

	// read returns the stream's bytes and what went wrong reading them.
	// data is what could be read (possibly short); err says that nothing
	// could be.
	read func() (data []byte, warnings []string, err error)
}

// key is the form names are compared in: MS-CFB section 2.6.4 compares
// names case-insensitively.
func key(name string) string { return strings.ToUpper(name) }

// child returns the child with the given name, or nil.
func (n *node) child(name string) *node {
	if n == nil {
		return nil
	}
	return n.byKey[key(name)]
}

// add makes c a child of n. A second child of the same name is dropped
// and add reports false.
func (n *node) add(c *node) bool {
	k := key(c.name)
	if n.byKey == nil {
		n.byKey = make(map[string]*node)
	}
	if _, dup := n.byKey[k]; dup {
		return false
	}
	n.byKey[k] = c
	n.children = append(n.children, c)
	return true
}

// where names the node for warnings: its name, and its directory entry
// and that entry's offset when known.
func (n *node) where() string {
	s := printable(n.name)
	if n.id >= 0 {
		s += fmt.Sprintf(" (directory entry %d", n.id)
		if n.off >= 0 {
			s += fmt.Sprintf(" at 0x%x", n.off)
		}
		s += ")"
	}
	return s
}

// printable quotes control characters in a stream name ("\x01Ole10Native").
func printable(s string) string {
	for _, r := range s {
		if r < 0x20 || r == unicode.ReplacementChar {
			q := fmt.Sprintf("%q", s)
			return q[1 : len(q)-1]
		}
	}
	return s
}

// compound is an opened compound file.
type compound struct {
	root      *node
	size      int64 // of the file
	recovered bool  // read by the tolerant walk
	streams   int   // streams in the tree
	warnings  []string
	damaged   bool // the walk lost structures (entries, chains, sectors)
}

// countStreams sets cf.streams.
func (cf *compound) countStreams() {
	n := 0
	stack := []*node{cf.root}
	for len(stack) > 0 {
		x := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		for _, c := range x.children {
			if c.stream {
				n++
			} else {
				stack = append(stack, c)
			}
		}
	}
	cf.streams = n
}

// openStrict reads a compound file with mscfb. Any error, and any panic
// from inside mscfb, sends the caller to the tolerant walk.
func openStrict(r io.ReaderAt, size int64) (cf *compound, err error) {
	defer func() {
		if p := recover(); p != nil {
			cf, err = nil, fmt.Errorf("mscfb: %v", p)
		}
	}()
	doc, err := mscfb.New(io.NewSectionReader(r, 0, size))
	if err != nil {
		return nil, err
	}
	if len(doc.File) == 0 || !doc.File[0].FileInfo().IsDir() {
		return nil, fmt.Errorf("mscfb: no root storage")
	}
	root := &node{name: "Root Entry", id: 0, off: -1}
	dirs := map[string]*node{"": root}
	for i, f := range doc.File {
		if i == 0 || len(f.Path) >= maxStorageDepth {
			// (build reads no deeper: a compound file nesting storages
			// thousands deep must cost no more than one that stops at
			// the limit)
			continue
		}
		parentKey := pathKey(f.Path)
		parent := dirs[parentKey]
		if parent == nil {
			return nil, fmt.Errorf("mscfb: entry %q has no parent storage", f.Name)
		}
		name := f.Name
		// mscfb drops a first character that is not printable ("\x01CompObj"),
		// keeping it in Initial
		if f.Initial != 0 && !unicode.IsPrint(rune(f.Initial)) && len([]rune(name)) > 0 {
			name = string(rune(f.Initial)) + name
		}
		n := &node{name: name, id: -1, off: -1}
		if f.FileInfo().IsDir() {
			k := parentKey + "\x00" + key(f.Name)
			if _, dup := dirs[k]; !dup {
				dirs[k] = n
			}
		} else {
			n.stream = true
			n.size = f.Size
			n.read = strictReader(f, size)
		}
		parent.add(n)
	}
	cf = &compound{root: root, size: size}
	cf.countStreams()
	return cf, nil
}

// tooDeepForStrict reports whether the directory of a compound file nests
// storages deeper than maxStorageDepth. mscfb's traversal allocates in
// proportion to entries times depth (a 3 MB file nesting 4,000 embedded
// messages costs it half a gigabyte), so such a file is left to the
// tolerant walk, which stops at the limit. A file under 256 KiB holds too
// few directory entries for that to matter and is not checked.
func tooDeepForStrict(r io.ReaderAt, size int64) bool {
	if size < 256<<10 {
		return false
	}
	s, root, err := scan(r, size)
	if err != nil || root == nil {
		return false
	}
	type level struct {
		top   uint32
		depth int
	}
	visited := map[uint32]bool{}
	queue := []level{{root.child, 1}}
	for len(queue) > 0 {
		l := queue[0]
		queue = queue[1:]
		stack := []uint32{l.top}
		for len(stack) > 0 {
			id := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			if id == noStream || visited[id] {
				continue
			}
			visited[id] = true
			e := s.entries[int(id)]
			if e == nil {
				continue
			}
			stack = append(stack, e.left, e.right)
			if e.typ != 2 && e.child != noStream {
				if l.depth >= maxStorageDepth {
					return true
				}
				queue = append(queue, level{e.child, l.depth + 1})
			}
		}
	}
	return false
}

// maxStorageDepth bounds the storage nesting openStrict keeps: an
// embedded message is two storages below its parent (the attachment and
// its object), so MaxDepth levels of messages, and an OLE object at the
// deepest one, fit.
const maxStorageDepth = 2*MaxDepth + 8

func pathKey(p []string) string {
	var b strings.Builder
	for _, s := range p {
		b.WriteByte(0)
		b.WriteString(key(s))
	}
	return b.String()
}

// strictReader reads an mscfb stream whole. The declared size is checked
// against the file size before anything is allocated.
func strictReader(f *mscfb.File, fileSize int64) func() ([]byte, []string, error) {
	return func() (data []byte, warnings []string, err error) {
		defer func() {
			if p := recover(); p != nil {
				data, err = nil, fmt.Errorf("mscfb: %v", p)
			}
		}()
		if f.Size <= 0 {
			return nil, nil, nil
		}
		if f.Size > fileSize {
			return nil, nil, fmt.Errorf("declared size %d is larger than the file (%d bytes)", f.Size, fileSize)
		}
		buf := make([]byte, f.Size)
		n, err := f.ReadAt(buf, 0)
		if n == len(buf) {
			return buf, nil, nil
		}
		if err == nil {
			err = io.ErrUnexpectedEOF
		}
		return buf[:n], nil, err
	}
}

// sortedChildren returns the children of st whose names start with prefix
// followed by "#" and eight hex digits, ordered by that number (MS-OXMSG
// section 2.2.1 and 2.2.2: "__recip_version1.0_#0000000A").
func sortedChildren(st *node, prefix string) []*node {
	type numbered struct {
		n   *node
		num uint64
	}
	var out []numbered
	for _, c := range st.children {
		k := key(c.name)
		if !strings.HasPrefix(k, key(prefix)) || c.stream {
			continue
		}
		num, ok := parseHex(k[len(prefix):])
		if !ok {
			num = 1 << 40 // unnumbered (a recovered storage): last
		}
		out = append(out, numbered{c, num})
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].num < out[j].num })
	nodes := make([]*node, len(out))
	for i, x := range out {
		nodes[i] = x.n
	}
	return nodes
}

// parseHex parses 1 to 8 hexadecimal digits.
func parseHex(s string) (uint64, bool) {
	if len(s) == 0 || len(s) > 8 {
		return 0, false
	}
	var v uint64
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= '0' && c <= '9':
			v = v<<4 | uint64(c-'0')
		case c >= 'A' && c <= 'F':
			v = v<<4 | uint64(c-'A'+10)
		case c >= 'a' && c <= 'f':
			v = v<<4 | uint64(c-'a'+10)
		default:
			return 0, false
		}
	}
	return v, true
}
