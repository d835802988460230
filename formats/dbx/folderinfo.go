package dbx

import "fmt"

// The folder info object (Schloh, "OE dbx file format: folder info"): an
// indexed info in Folders.dbx describing one folder of the folder pane
// (or one unsubscribed newsgroup). The ids this package reads:
const (
	fiIndex    = 0x00 // int4: the folder's index (0: the root, "Outlook Express")
	fiParent   = 0x01 // int4: the parent's index (0xffffffff for the root)
	fiName     = 0x02 // string: folder or newsgroup name
	fiFile     = 0x03 // string: the dbx file holding its messages
	fiFlags    = 0x06 // int4
	fiMessages = 0x07 // int4: messages in the folder
	fiUnread   = 0x08 // int4: unread messages
	fiType     = 0x09 // int4: 0 other, 1 inbox, 2 outbox, 3 sent, 4 deleted, 5 drafts
)

// FolderInfo is the decoded folder info of one folder.
type FolderInfo struct {
	*IndexedInfo
	Index, Parent    uint32
	Name             string
	FileName         string // "" for folders without a store (account roots)
	Flags            uint32
	Messages, Unread uint32
	Type             uint32
}

// ReadFolderInfo reads the folder info object at off (a value of tree 0
// of Folders.dbx).
func (f *File) ReadFolderInfo(off int64) (*FolderInfo, error) {
	ii, err := f.ReadIndexedInfo(off, "folder info")
	if err != nil {
		return nil, err
	}
	fi := &FolderInfo{IndexedInfo: ii}
	fi.Index, _ = ii.Uint32(fiIndex)
	fi.Parent, _ = ii.Uint32(fiParent)
	fi.Name, _ = ii.String(fiName)
	fi.FileName, _ = ii.String(fiFile)
	fi.Flags, _ = ii.Uint32(fiFlags)
	fi.Messages, _ = ii.Uint32(fiMessages)
	fi.Unread, _ = ii.Uint32(fiUnread)
	fi.Type, _ = ii.Uint32(fiType)
	return fi, nil
}

// Folders reads the folder infos of a folder store (Folders.dbx), in tree
// order, with the errors of the tree and of unreadable records.
func (f *File) Folders() ([]*FolderInfo, []error) {
	if f.Header.Class != ClassFolders {
		return nil, []error{ErrNotFolderStore}
	}
	var out []*FolderInfo
	var errs []error
	seen := map[uint32]bool{}
	errs = append(errs, f.WalkTree(0, func(v uint32, _ *TreeNode) bool {
		if seen[v] {
			errs = append(errs, formatErr(int64(v), "folder info", "listed twice in the tree", nil))
			return true
		}
		seen[v] = true
		fi, err := f.ReadFolderInfo(int64(v))
		if err != nil {
			errs = append(errs, err)
			return true
		}
		out = append(out, fi)
		return true
	})...)
	return out, errs
}

// FolderPaths maps each dbx file name a folder store names (as stored,
// e.g. "Inbox.dbx") to the folder's path from the top of its account
// ("Local Folders", "Inbox"). The root folder ("Outlook Express", index 0)
// is left out of the paths.
func FolderPaths(folders []*FolderInfo) map[string][]string {
	byIndex := map[uint32]*FolderInfo{}
	for _, fi := range folders {
		if _, dup := byIndex[fi.Index]; !dup {
			byIndex[fi.Index] = fi
		}
	}
	out := map[string][]string{}
	for _, fi := range folders {
		if fi.FileName == "" {
			continue
		}
		var path []string
		cur := fi
		for steps := 0; cur != nil && steps <= len(folders); steps++ {
			if cur.Index == 0 && cur.Parent == 0xffffffff {
				break // the root
			}
			name := cur.Name
			if name == "" {
				name = fmt.Sprintf("folder %d", cur.Index)
			}
			path = append([]string{name}, path...)
			if cur.Parent == 0xffffffff {
				break
			}
			cur = byIndex[cur.Parent]
		}
		out[fi.FileName] = path
	}
	return out
}
