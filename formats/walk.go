package formats

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
	"strings"
)

// Walk returns a Source over every mail file and mail folder below the root
// of fsys, in lexical order. Each sub-folder is first offered to the folder
// formats (a Maildir is read as a Maildir, not file by file); otherwise it
// is descended into. Each file is detected by content; files no format
// claims are reported as Problems, except well-known mail client metadata
// files, which are counted but not reported (Ignored).
//
// The folder path of a message found this way is its directory below the
// root, with mail client decorations removed (Thunderbird's ".sbd", Apple
// Mail's ".mbox" and the UUID/Data/Messages levels below it), followed by
// the folder path its own format gives it.
//
// name is used in Probe.Path for the formats' benefit only.
func Walk(fsys fs.FS, name string) (Source, error) {
	entries, err := fs.ReadDir(fsys, ".")
	if err != nil {
		return nil, &OpenError{Path: name, Err: unwrapPathError(err)}
	}
	return &walker{fsys: fsys, name: name, stack: []walkDir{{rel: ".", entries: entries}}}, nil
}

type walkDir struct {
	rel     string
	entries []fs.DirEntry
}

type walker struct {
	fsys  fs.FS
	name  string
	stack []walkDir
	// the child source being drained, with where it lives
	child    Source
	childRel string // path of the child below the root
	childDir bool
	found    int // messages returned so far
	expected []FolderCount
	headers  bool // ListHeaders: passed on to every child
	// Ignored counts metadata files skipped without a Problem.
	Ignored int
}

// Expected gathers what the sources inside the folder expected, with
// their folder paths below the walk root.
func (w *walker) Expected() []FolderCount { return w.expected }

// ListHeaders passes the request on to the sources inside the folder.
func (w *walker) ListHeaders() {
	w.headers = true
	if w.child != nil {
		ListHeaders(w.child)
	}
}

func (w *walker) Close() error {
	if w.child != nil {
		w.child.Close()
		w.child = nil
	}
	w.stack = nil
	return nil
}

func (w *walker) Next() (*Message, error) {
	for {
		if w.child != nil {
			m, err := w.child.Next()
			if m != nil {
				w.found++
				return w.adopt(m), w.adoptErr(err)
			}
			if err == nil {
				continue
			}
			var p *Problem
			if errors.As(err, &p) {
				return nil, w.adoptErr(err)
			}
			if err == io.EOF {
				dir := w.childRel
				if !w.childDir {
					dir = path.Dir(w.childRel)
				}
				for _, fc := range ExpectedOf(w.child) {
					w.expected = append(w.expected, FolderCount{Folder: append(FolderOf(dir), fc.Folder...), Count: fc.Count})
				}
			}
			w.child.Close()
			w.child = nil
			if err == io.EOF {
				continue
			}
			return nil, &Problem{Path: w.childRel, Offset: -1, Err: err}
		}
		if len(w.stack) == 0 {
			if w.found == 0 {
				return nil, &OpenError{Path: w.name, Err: ErrUnknown, Detail: "folder holds no mail files or Maildir folders"}
			}
			return nil, io.EOF
		}
		top := &w.stack[len(w.stack)-1]
		if len(top.entries) == 0 {
			w.stack = w.stack[:len(w.stack)-1]
			continue
		}
		e := top.entries[0]
		top.entries = top.entries[1:]
		rel := path.Join(top.rel, e.Name())
		if err := w.open(rel, e); err != nil {
			return nil, err
		}
	}
}

// open starts the child source for one directory entry, or pushes a folder
// to descend into. It returns a Problem for entries it cannot read.
func (w *walker) open(rel string, e fs.DirEntry) error {
	info, err := e.Info()
	if err != nil {
		return &Problem{Path: rel, Offset: -1, Err: unwrapPathError(err)}
	}
	p := &Probe{Path: joinPath(w.name, rel), Info: info, Root: w.fsys, Rel: rel}
	switch {
	case info.Mode()&fs.ModeSymlink != 0:
		return &Problem{Path: rel, Offset: -1, Err: errors.New("symbolic link not followed")}
	case info.IsDir() && e.Name() == "Attachments" && inAppleMailbox(rel):
		// Apple Mail's separately stored attachments: the emlx reader puts
		// them back into their .partial.emlx messages
		w.Ignored++
		return nil
	case info.IsDir() && e.Name() == "com.microsoft.__Attachments":
		// Outlook for Mac's attachments: the olm reader puts them in
		// their messages
		w.Ignored++
		return nil
	case info.IsDir():
		sub, err := SubFS(w.fsys, rel)
		if err != nil {
			return &Problem{Path: rel, Offset: -1, Err: err}
		}
		p.FS = sub
		if f, ok := best(p, true); ok {
			src, err := f.OpenDir(sub, p)
			if err != nil {
				return &Problem{Path: rel, Offset: -1, Err: err}
			}
			w.child, w.childRel, w.childDir = src, rel, true
			if w.headers {
				ListHeaders(src)
			}
			return nil
		}
		entries, err := fs.ReadDir(w.fsys, rel)
		if err != nil {
			return &Problem{Path: rel, Offset: -1, Err: unwrapPathError(err)}
		}
		w.stack = append(w.stack, walkDir{rel: rel, entries: entries})
		return nil
	case !info.Mode().IsRegular():
		return &Problem{Path: rel, Offset: -1, Err: fmt.Errorf("%w (%s)", ErrNotRegular, describeMode(info.Mode()))}
	case info.Size() == 0:
		if ignorable(rel) {
			w.Ignored++
			return nil
		}
		return &Problem{Path: rel, Offset: -1, Err: ErrEmpty}
	}
	file, err := w.fsys.Open(rel)
	if err != nil {
		return &Problem{Path: rel, Offset: -1, Err: unwrapPathError(err)}
	}
	ra, ok := file.(io.ReaderAt)
	if !ok {
		file.Close()
		return &Problem{Path: rel, Offset: -1, Err: errors.New("file system gives no random access")}
	}
	head := make([]byte, min(info.Size(), HeadSize))
	n, err := ra.ReadAt(head, 0)
	if err != nil && err != io.EOF {
		file.Close()
		return &Problem{Path: rel, Offset: -1, Err: unwrapPathError(err)}
	}
	p.Head = head[:n]
	src, _, err := openDetected(ra, info.Size(), p)
	switch {
	case err == ErrUnknown:
		file.Close()
		if ignorable(rel) {
			w.Ignored++
			return nil
		}
		return &Problem{Path: rel, Offset: -1, Err: fmt.Errorf("%w (%s)", ErrUnknown, DescribeContent(p.Head))}
	case err != nil:
		file.Close()
		return &Problem{Path: rel, Offset: -1, Err: err}
	}
	w.child, w.childRel, w.childDir = &closeWith{Source: src, c: file}, rel, false
	if w.headers {
		ListHeaders(src)
	}
	return nil
}

// adopt places a child's message below the walk root.
func (w *walker) adopt(m *Message) *Message {
	dir := w.childRel
	if !w.childDir {
		dir = path.Dir(w.childRel)
		if m.Evidence == "" {
			m.Evidence = w.childRel
		}
	} else {
		m.Evidence = path.Join(w.childRel, m.Evidence)
	}
	m.Folder = append(FolderOf(dir), m.Folder...)
	return m
}

func (w *walker) adoptErr(err error) error {
	var p *Problem
	if errors.As(err, &p) {
		if w.childDir || p.Path != "" {
			p.Path = path.Join(w.childRel, p.Path)
		} else {
			p.Path = w.childRel
		}
	}
	return err
}

type closeWith struct {
	Source
	c io.Closer
}

func (s *closeWith) Expected() []FolderCount { return ExpectedOf(s.Source) }

func (s *closeWith) ListHeaders() { ListHeaders(s.Source) }

func (s *closeWith) Close() error {
	err := s.Source.Close()
	if cerr := s.c.Close(); err == nil {
		err = cerr
	}
	return err
}

// FolderOf turns a slash-separated directory below a walk root into a
// folder path, dropping what mail clients add to folder names on disk:
// Thunderbird's "Name.sbd" directories, Apple Mail's "Name.mbox" with the
// "<UUID>/Data/<digits>.../Messages" levels inside it.
func FolderOf(dir string) []string {
	if dir == "." || dir == "" {
		return nil
	}
	var out []string
	inAppleMailbox := false
	for _, e := range strings.Split(dir, "/") {
		switch {
		case strings.HasSuffix(e, ".sbd") && len(e) > 4:
			out = append(out, strings.TrimSuffix(e, ".sbd"))
			inAppleMailbox = false
		case (strings.HasSuffix(e, ".mbox") || strings.HasSuffix(e, ".imapmbox")) && len(e) > 5:
			out = append(out, strings.TrimSuffix(strings.TrimSuffix(e, ".mbox"), ".imapmbox"))
			inAppleMailbox = true
		case inAppleMailbox && (e == "Messages" || e == "Data" || isUUID(e) || isDigits(e)):
			// Apple Mail's storage levels inside a mailbox
		case e == "com.microsoft.__Messages":
			// Outlook for Mac's (an .olm archive's) root of its mail
			// folders, under "Local"
			if n := len(out); n > 0 && out[n-1] == "Local" {
				out = out[:n-1]
			}
		default:
			out = append(out, e)
			inAppleMailbox = false
		}
	}
	return out
}

// inAppleMailbox reports whether rel lies inside an Apple Mail "X.mbox"
// folder.
func inAppleMailbox(rel string) bool {
	for _, e := range strings.Split(path.Dir(rel), "/") {
		if strings.HasSuffix(e, ".mbox") && len(e) > 5 {
			return true
		}
	}
	return false
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

func isUUID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch i {
		case 8, 13, 18, 23:
			if c != '-' {
				return false
			}
		default:
			if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F') {
				return false
			}
		}
	}
	return true
}

// ignorable reports mail client metadata files: indexes, caches and lists
// that sit beside mailboxes and hold no messages. They are skipped only
// after content detection found no format in them.
func ignorable(rel string) bool {
	base := path.Base(rel)
	lower := strings.ToLower(base)
	switch {
	case strings.HasSuffix(lower, ".msf"), // Thunderbird index (Mork)
		strings.HasPrefix(lower, "dovecot"), // dovecot-uidlist, dovecot.index*, dovecot-keywords
		strings.HasPrefix(lower, "courierimap"),
		lower == "maildirfolder", lower == "subscriptions",
		lower == ".ds_store", lower == "thumbs.db", lower == "desktop.ini",
		lower == "info.plist", strings.HasSuffix(lower, ".plist"),
		strings.HasSuffix(lower, ".json"), strings.HasSuffix(lower, ".sqlite"),
		strings.HasSuffix(lower, ".dat") && strings.Contains(lower, "folder"),
		lower == "msgfilterrules.dat", lower == "popstate.dat",
		strings.HasPrefix(lower, "cyrus."), // Cyrus IMAP spool: cyrus.index, .cache, .header, .annotations
		strings.HasSuffix(lower, ".meta"):  // Zimbra export: a folder's or a message's metadata
		return true
	}
	return false
}
