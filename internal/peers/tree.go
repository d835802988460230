package peers

import (
	"bufio"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"
)

// TreeFolder is one folder of a folder tree listing.
type TreeFolder struct {
	Path  string // names from the top of the listing down, "/"-joined
	Items []TreeItem
}

// TreeItem is one item a folder tree listing names under a folder.
type TreeItem struct {
	NID     uint32 // the item's node id (descriptor id)
	Subject string
}

var (
	treeLine = regexp.MustCompile(`^ ((?:\|  )*)\|- (.*)$`)
	treeItem = regexp.MustCompile(`^Email: (\d+) - (.*)$`)
)

// ReadTree reads a folder tree as pst-extractor's tests print it (the
// corpus's ost/pst-extractor-npm__mtnman_tree.txt): one line per folder,
// " |- Name", indented by " |  " per level below the root folder (which
// is not listed), and items as "Email: <node id> - <subject>" lines one
// level below their folder. Every kind of item is listed as "Email", and
// not every item of a folder need be listed. Folders come in the order
// listed.
func ReadTree(r io.Reader) ([]*TreeFolder, error) {
	var out []*TreeFolder
	var stack []*TreeFolder
	sc := bufio.NewScanner(r)
	n := 0
	for sc.Scan() {
		n++
		line := strings.TrimRight(sc.Text(), "\r")
		if strings.TrimSpace(line) == "" {
			continue
		}
		m := treeLine.FindStringSubmatch(line)
		if m == nil {
			return out, fmt.Errorf("line %d: not a tree line: %q", n, line)
		}
		depth := len(m[1]) / len("|  ")
		if depth > len(stack) {
			return out, fmt.Errorf("line %d: %q is nested below nothing", n, line)
		}
		if it := treeItem.FindStringSubmatch(m[2]); it != nil {
			if depth == 0 {
				return out, fmt.Errorf("line %d: item outside any folder", n)
			}
			nid, _ := strconv.ParseUint(it[1], 10, 32)
			f := stack[depth-1]
			f.Items = append(f.Items, TreeItem{NID: uint32(nid), Subject: it[2]})
			continue
		}
		stack = stack[:depth]
		p := m[2]
		if depth > 0 {
			p = stack[depth-1].Path + "/" + p
		}
		f := &TreeFolder{Path: p}
		out = append(out, f)
		stack = append(stack, f)
	}
	return out, sc.Err()
}
