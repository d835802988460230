package pst

import (
	"fmt"

	"github.com/mailsalvage/mailsalvage/formats/mapi"
	"github.com/mailsalvage/mailsalvage/formats/pst/ndb"
)

const (
	pidTagContentCount   = 0x3602
	pidTagContainerClass = 0x3613
	maxFolderDepth       = 64
)

// Folder is one folder of the store (MS-PST 2.4.4).
type Folder struct {
	NID    ndb.NID
	Name   string
	Path   []string // folder names from below the root folder down to this one
	Class  string   // PidTagContainerClass: IPF.Note, IPF.Appointment...
	Count  int      // PidTagContentCount: items the folder says it holds
	Search bool     // a search folder: its items live in other folders
	// Unlisted: the folder is in the node B-tree but no readable
	// hierarchy table lists it (its parent's is damaged); its path comes
	// from the parent NIDs of the node entries, under Recovered when they
	// lead nowhere.
	Unlisted bool
}

// Folders walks the folder hierarchy from the root folder, depth first in
// the order of each hierarchy table. A folder that cannot be read is
// reported in Warnings and its subtree skipped; loops are cut. When a
// hierarchy table could not be read, the folders of the node B-tree it
// would have led to follow, Unlisted, with the paths their parent NIDs
// give.
func (f *File) Folders() []*Folder {
	var out []*Folder
	broken := false
	seen := map[ndb.NID]bool{ndb.NIDRootFolder: true}
	var walk func(nid ndb.NID, path []string, depth int)
	walk = func(nid ndb.NID, path []string, depth int) {
		if depth > maxFolderDepth {
			f.warnf("folder 0x%X: nested more than %d levels; deeper folders not read", uint32(nid), maxFolderDepth)
			return
		}
		t, err := f.readTC(nid.WithType(ndb.NIDTypeHierarchyTable))
		if err != nil {
			f.warnf("folder 0x%X (%s): hierarchy table unreadable: %v", uint32(nid), pathString(path), err)
			broken = true
			return
		}
		for i := 0; i < t.Rows(); i++ {
			child := ndb.NID(t.RowID(i))
			if seen[child] {
				f.warnf("folder 0x%X listed twice in the hierarchy (loop cut)", uint32(child))
				continue
			}
			seen[child] = true
			fo := f.folder(child, path)
			out = append(out, fo)
			if !fo.Search { // search folders have no subfolders (MS-PST 2.4.8)
				walk(child, fo.Path, depth+1)
			}
		}
	}
	walk(ndb.NIDRootFolder, nil, 0)
	if broken {
		out = append(out, f.unlisted(out, seen)...)
	}
	return out
}

// unlisted returns the folders of the node B-tree the hierarchy walk did
// not reach, parents before children, each with the path its parent NIDs
// give: below a folder the walk reached, else below "Recovered".
func (f *File) unlisted(walked []*Folder, seen map[ndb.NID]bool) []*Folder {
	nodes := map[ndb.NID]ndb.NodeEntry{}
	var order []ndb.NID
	f.db.WalkNodes(func(e ndb.NodeEntry) bool {
		if t := e.NID.Type(); (t == ndb.NIDTypeNormalFolder || t == ndb.NIDTypeSearchFolder) && !seen[e.NID] {
			nodes[e.NID] = e
			order = append(order, e.NID)
		}
		return true
	})
	if len(order) == 0 {
		return nil
	}
	byNID := map[ndb.NID]*Folder{}
	for _, fo := range walked {
		byNID[fo.NID] = fo
	}
	var out []*Folder
	var resolve func(nid ndb.NID, depth int) ([]string, bool)
	resolve = func(nid ndb.NID, depth int) ([]string, bool) {
		if nid == ndb.NIDRootFolder {
			return nil, true
		}
		if fo, ok := byNID[nid]; ok {
			return fo.Path, true
		}
		e, ok := nodes[nid]
		if !ok || depth > maxFolderDepth {
			return nil, false
		}
		delete(nodes, nid) // a loop of parents ends here
		parent, ok := resolve(e.Parent, depth+1)
		if !ok {
			parent = []string{"Recovered"}
		}
		fo := f.folder(nid, parent)
		fo.Unlisted = true
		byNID[nid] = fo
		out = append(out, fo)
		f.warnf("folder 0x%X (%s): in the node B-tree, listed by no readable hierarchy table; placed by its parent NID 0x%X", uint32(nid), pathString(fo.Path), uint32(e.Parent))
		return fo.Path, true
	}
	for _, nid := range order {
		resolve(nid, 0)
	}
	return out
}

// folder reads one folder's properties.
func (f *File) folder(nid ndb.NID, parent []string) *Folder {
	fo := &Folder{NID: nid, Search: nid.Type() == ndb.NIDTypeSearchFolder}
	p, err := f.readPC(nid)
	if err != nil {
		f.warnf("folder 0x%X: properties unreadable: %v", uint32(nid), err)
		p = &mapi.Properties{}
	}
	p.CodePage = f.codePage(p)
	fo.Name = p.Str(mapi.PidTagDisplayName)
	if fo.Name == "" {
		fo.Name = fmt.Sprintf("Folder 0x%X", uint32(nid))
	}
	fo.Class = p.Str(pidTagContainerClass)
	if n, ok := p.Int(pidTagContentCount); ok {
		fo.Count = int(n)
	}
	fo.Path = append(append([]string(nil), parent...), fo.Name)
	return fo
}

// Contents returns the NIDs of the messages a folder's contents table
// lists, in table order.
func (f *File) Contents(fo *Folder) ([]ndb.NID, error) {
	typ := uint8(ndb.NIDTypeContentsTable)
	if fo.Search {
		typ = ndb.NIDTypeSearchContentsTable
	}
	t, err := f.readTC(fo.NID.WithType(typ))
	if err != nil {
		return nil, err
	}
	out := make([]ndb.NID, 0, t.Rows())
	for i := 0; i < t.Rows(); i++ {
		out = append(out, ndb.NID(t.RowID(i)))
	}
	return out, nil
}

// codePage is the store's code page for 8-bit strings outside messages.
func (f *File) codePage(p *mapi.Properties) int {
	return mapi.ChooseCodePage(p, 0, nil).CodePage
}

func pathString(p []string) string {
	if len(p) == 0 {
		return "root"
	}
	s := ""
	for i, e := range p {
		if i > 0 {
			s += "/"
		}
		s += e
	}
	return s
}
