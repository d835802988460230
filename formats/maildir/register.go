package maildir

import (
	"io/fs"

	"github.com/mailsalvage/mailsalvage/formats"
)

func init() {
	formats.Register(formats.Format{
		Name:  "maildir",
		Match: Match,
		OpenDir: func(fsys fs.FS, _ *formats.Probe) (formats.Source, error) {
			return New(fsys)
		},
	})
}

// Confidences returned by Match.
const (
	// MatchMaildir: the root holds cur/ and new/ (tmp/ may be gone: some
	// copies and backups leave it out).
	MatchMaildir = 90
	// MatchPartial: one of cur/ and new/, with tmp/.
	MatchPartial = 80
	// MatchPlusFolders: no cur/ or new/ in the root, but Maildir++ folders
	// (".Name" directories holding cur/ and new/): a Maildir++ tree whose
	// INBOX directories are missing.
	MatchPlusFolders = 60
	// MatchSubOnly: the root holds only cur/ or only new/ (mu and notmuch
	// test folders, copies of one directory).
	MatchSubOnly = 40
)

// maxPlusProbes bounds how many ".Name" directories Match looks into.
const maxPlusProbes = 32

// Match is the detection function registered for "maildir". It looks only
// at the directories in the root of p.FS (and at most a few levels of
// Maildir++ folders) and returns 0 for files and for folders that are not
// Maildirs.
func Match(p *formats.Probe) int {
	if p == nil || p.FS == nil {
		return 0
	}
	entries, err := fs.ReadDir(p.FS, ".")
	if err != nil {
		return 0
	}
	var cur, nw, tmp bool
	var plus []string
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		switch name := e.Name(); {
		case name == "cur":
			cur = true
		case name == "new":
			nw = true
		case name == "tmp":
			tmp = true
		case len(name) > 1 && name[0] == '.' && name != "..":
			plus = append(plus, name)
		}
	}
	switch {
	case cur && nw:
		return MatchMaildir
	case (cur || nw) && tmp:
		return MatchPartial
	}
	for i, name := range plus {
		if i == maxPlusProbes {
			break
		}
		if isDir(p.FS, name+"/cur") && isDir(p.FS, name+"/new") {
			return MatchPlusFolders
		}
	}
	if cur || nw {
		return MatchSubOnly
	}
	return 0
}

func isDir(fsys fs.FS, name string) bool {
	info, err := fs.Stat(fsys, name)
	return err == nil && info.IsDir()
}
