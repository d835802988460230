package maildir

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/mailsalvage/mailsalvage/formats"
	"github.com/mailsalvage/mailsalvage/formats/eml"
	"github.com/mailsalvage/mailsalvage/formats/rfc5322"
)

// Method is the formats.Message.Method of every message this package reads.
const Method = "maildir"

// HeadCheck is how much of each message file Next reads to see whether the
// file starts with a header section.
const HeadCheck = formats.HeadSize

// MaxDepth bounds how deep nested (LAYOUT=fs) folders are followed below the
// root. Deeper folders are reported as a Problem and not read.
const MaxDepth = 64

// Errors carried by the Problems that Next returns.
var (
	ErrSymlink     = errors.New("symbolic link not followed")
	ErrFolderInSub = errors.New("folder inside a cur/, new/ or tmp/ directory, not read")
	ErrTooDeep     = fmt.Errorf("folder nested more than %d levels deep, not read", MaxDepth)
	errClosed      = errors.New("maildir: reader closed")
)

// Reader reads the messages of a Maildir. It implements formats.Source.
// Directories are listed as Next reaches them; of each message file Next
// reads only the first HeadCheck bytes, and Message.Open reads the rest.
type Reader struct {
	fsys   fs.FS
	todo   []*folder // folders not yet started, the next one last
	cur    *folder
	buf    []byte
	closed bool
}

// folder is one mail folder: the root, a Maildir++ ".Sub" folder or a
// nested plain directory.
type folder struct {
	rel    string   // directory below the root, "." for the root
	path   []string // formats.Message.Folder
	depth  int      // directories between the root and this one
	plus   bool     // a Maildir++ ".Sub" folder
	listed bool
	// what listing found, consumed by Next in this order
	problems []error
	subs     []string      // of cur, new, tmp: those present, in that order
	stray    []fs.DirEntry // files beside cur/new/tmp, read after them
	// the directory being read: one of subs, or "" for the stray files
	sub     string
	entries []fs.DirEntry
	// Dovecot keyword names, loaded on first need
	hasKeywords    bool
	keywordsLoaded bool
	keywords       []string
}

// New returns a Reader over the Maildir whose root is the root of fsys. The
// root is the INBOX; Maildir++ folders (".Sub.Folder") in it and nested
// maildirs in plain sub-directories (Dovecot's LAYOUT=fs) are read as
// folders below it. Only the root is listed before New returns, so that an
// unreadable root fails here rather than at the first Next.
func New(fsys fs.FS) (*Reader, error) {
	entries, err := fs.ReadDir(fsys, ".")
	if err != nil {
		return nil, err
	}
	r := &Reader{fsys: fsys}
	root := &folder{rel: "."}
	root.listed = true
	r.classify(root, entries, nil)
	r.cur = root
	return r, nil
}

// Close ends reading. It releases nothing that the caller must wait for:
// every file a Message opens is closed by the caller of Message.Open.
func (r *Reader) Close() error {
	r.closed = true
	r.todo, r.cur, r.buf = nil, nil, nil
	return nil
}

// Next returns the next message, a *formats.Problem for something that could
// not be read (call Next again to go on), or io.EOF after the last message.
//
// Folders come root first, then each sub-folder (sorted by directory name)
// followed by its own nested folders; within a folder the files of cur/, then
// new/, then tmp/, each sorted by name, then message files that lie beside
// those directories.
func (r *Reader) Next() (*formats.Message, error) {
	for {
		if r.closed {
			return nil, errClosed
		}
		if r.cur == nil {
			if len(r.todo) == 0 {
				return nil, io.EOF
			}
			r.cur = r.todo[len(r.todo)-1]
			r.todo = r.todo[:len(r.todo)-1]
		}
		f := r.cur
		switch {
		case !f.listed:
			f.listed = true
			entries, err := fs.ReadDir(r.fsys, f.rel)
			r.classify(f, entries, err)
		case len(f.problems) > 0:
			err := f.problems[0]
			f.problems = f.problems[1:]
			return nil, err
		case len(f.entries) > 0:
			e := f.entries[0]
			f.entries = f.entries[1:]
			if m, err := r.message(f, e); m != nil || err != nil {
				return m, err
			}
		case len(f.subs) > 0:
			f.sub = f.subs[0]
			f.subs = f.subs[1:]
			dir := path.Join(f.rel, f.sub)
			entries, err := fs.ReadDir(r.fsys, dir)
			sortEntries(entries)
			f.entries = entries
			if err != nil {
				return nil, problem(dir, err)
			}
		case f.stray != nil:
			f.sub = ""
			f.entries, f.stray = f.stray, nil
		default:
			r.cur = nil
		}
	}
}

// classify sorts the entries of a folder directory into its cur/new/tmp
// directories, the folders below it (pushed onto r.todo) and the files
// beside them. A folder without any of cur, new and tmp has no messages of
// its own; a Maildir++ folder without them is not a folder at all (".git",
// ".notmuch" and the like).
func (r *Reader) classify(f *folder, entries []fs.DirEntry, err error) {
	var problems []error
	if err != nil {
		problems = append(problems, problem(f.rel, err))
	}
	sortEntries(entries)
	var have [3]bool
	subLink := false // cur, new or tmp is a symbolic link
	var children []*folder
	var stray []fs.DirEntry
	for _, e := range entries {
		name := e.Name()
		if name == "" || name == "." || name == ".." {
			continue
		}
		switch t := e.Type(); {
		case t.IsDir():
			switch name {
			case "cur":
				have[0] = true
				continue
			case "new":
				have[1] = true
				continue
			case "tmp":
				have[2] = true
				continue
			}
			if metadataDir(name) {
				continue
			}
			rel := path.Join(f.rel, name)
			if name[0] == '.' {
				// Maildir++ folders live in the root only.
				if f.rel == "." {
					children = append(children, &folder{rel: rel, path: folderPath(name), depth: 1, plus: true})
				}
				continue
			}
			if f.depth >= MaxDepth {
				problems = append(problems, &formats.Problem{Path: rel, Offset: -1, Err: ErrTooDeep})
				continue
			}
			p := make([]string, len(f.path), len(f.path)+1)
			copy(p, f.path)
			children = append(children, &folder{rel: rel, path: append(p, decodeOrRaw(name)), depth: f.depth + 1})
		case metadataFile(name):
			if name == "dovecot-keywords" && t.IsRegular() {
				f.hasKeywords = true
			}
		case t&fs.ModeSymlink != 0:
			// may be a folder (".Sent" -> elsewhere) or a message
			subLink = subLink || name == "cur" || name == "new" || name == "tmp"
			problems = append(problems, &formats.Problem{Path: path.Join(f.rel, name), Offset: -1, Err: ErrSymlink})
		case name[0] == '.':
			// hidden files: .customflags, .DS_Store, mu's .noindex
		default:
			// regular files and odd ones: message() sorts them out
			stray = append(stray, e)
		}
	}
	maildir := have[0] || have[1] || have[2]
	if f.plus && !maildir && err == nil && !subLink {
		return
	}
	f.problems = problems
	for i, sub := range []string{"cur", "new", "tmp"} {
		if have[i] {
			f.subs = append(f.subs, sub)
		}
	}
	if maildir && len(stray) > 0 {
		f.stray = stray
	}
	for i := len(children) - 1; i >= 0; i-- {
		r.todo = append(r.todo, children[i])
	}
}

// message turns one directory entry into a message. It returns nil, nil for
// entries that are skipped without a word: hidden files, and files beside
// cur/new/tmp that are empty or do not look like a message.
func (r *Reader) message(f *folder, e fs.DirEntry) (*formats.Message, error) {
	name := e.Name()
	stray := f.sub == ""
	if name == "" || name[0] == '.' {
		return nil, nil
	}
	rel := path.Join(f.rel, f.sub, name)
	t := e.Type()
	switch {
	case t.IsDir():
		if stray {
			return nil, nil
		}
		return nil, &formats.Problem{Path: rel, Offset: -1, Err: ErrFolderInSub}
	case t&fs.ModeSymlink != 0:
		return nil, &formats.Problem{Path: rel, Offset: -1, Err: ErrSymlink}
	case !t.IsRegular():
		if stray {
			return nil, nil
		}
		return nil, notRegular(rel, t)
	}
	info, err := e.Info()
	if err != nil {
		return nil, problem(rel, err)
	}
	if mode := info.Mode(); !mode.IsRegular() {
		if stray {
			return nil, nil
		}
		return nil, notRegular(rel, mode)
	}
	size := info.Size()
	if size <= 0 {
		if stray {
			return nil, nil
		}
		return nil, &formats.Problem{Path: rel, Offset: -1, Err: formats.ErrEmpty}
	}
	file, head, err := r.readHead(rel, size)
	if err != nil {
		return nil, problem(rel, err)
	}
	defer file.Close() // kept open for checkMultipart
	mac := formats.ClassicMac(head)
	if mac {
		// lines ended with CR alone: read as the registry reads such a
		// file (formats.CRAsLF); head is r.buf, this file's alone
		n, _ := formats.CRAsLF(bytes.NewReader(head)).ReadAt(head, 0)
		head = head[:n]
	}
	// what comes before the header, read as in a .eml file
	lead := eml.FileLead(head)
	head = head[lead.Header:]
	blk, fromLine := examineHead(head)
	header := blk.Fields > 0 && (blk.Complete || blk.LooksLikeHeader())
	if stray && !blk.LooksLikeHeader() {
		// beside cur/new/tmp only what is clearly mail counts: not a note
		// that happens to start with "Word: text"
		return nil, nil
	}

	fsys := r.fsys
	m := &formats.Message{
		Open:     func() (io.ReadCloser, error) { return fsys.Open(rel) },
		Size:     size,
		Evidence: rel,
		State:    formats.Intact,
		Chain:    formats.Chain{formats.Span("maildir", 0, size, rel)},
		Method:   Method,
	}
	if len(f.path) > 0 {
		m.Folder = append([]string(nil), f.path...)
	}
	if mac {
		m.Warnf("%s", formats.MacLineEndsWarning)
	}
	if lead.Warning != "" && (lead.Start > 0 || !fromLine) {
		// (a byte order mark said to be kept is left out with a From line)
		m.Warnf("%s", lead.Warning)
	}
	start := lead.Start // where the message starts in the file
	if fromLine {
		// the separator line of the mbox the message came from, not
		// part of the message (as the mbox reader reads it)
		line := head[:bytes.IndexByte(head, '\n')]
		start = lead.Header + int64(len(line)) + 1
		m.SetAttr("mbox_separator", string(bytes.TrimRight(line, "\r")))
		m.Warnf("file starts with an mbox \"From \" line: left out of the message (kept as the mbox_separator attribute); the message starts at offset %d (0x%x)", start, start)
	}
	if start > 0 || mac {
		// as in a .eml file: the message starts at its header
		m.Open = func() (io.ReadCloser, error) { return openFrom(fsys, rel, start, mac) }
		m.Size = size - start
		m.Chain = formats.Chain{formats.Span("maildir", start, size-start, rel)}
	}
	n := ParseName(name)
	r.describe(m, f, n)
	if mt := info.ModTime(); !mt.IsZero() {
		// Dovecot and Courier keep a message's IMAP INTERNALDATE (when it
		// was received) as the file's modification time.
		m.SetAttr("maildir_mtime", mt.UTC().Format(time.RFC3339Nano))
	}

	partial := false
	switch f.sub {
	case "tmp":
		partial = true
		m.Warnf("file in tmp/: delivery not completed (half-delivered message)")
	case "":
		m.Warnf("message file outside cur/, new/ and tmp/")
	}
	if n.Size >= 0 && n.Size != size {
		if size < n.Size {
			partial = true
			m.Warnf("file is %d bytes but its name says S=%d: truncated, %d bytes missing", size, n.Size, n.Size-size)
		} else {
			m.Warnf("file is %d bytes but its name says S=%d: %d bytes more", size, n.Size, size-n.Size)
		}
	}
	if !header {
		partial = true
		m.Warnf("no message header at start of file")
	} else if cut, w := checkMultipart(file, head, lead.Header, fromLine, mac, size); w != "" {
		// the same test as a .eml file's: a message file is the message
		partial = partial || cut
		m.Warnf("%s", w)
	}
	switch {
	case n.Has(FlagTrashed):
		// formats.Deleted wins over Partial; the damage stays in the warnings
		m.State = formats.Deleted
		if partial {
			m.Warnf("also incomplete (see above); state is deleted, as the T flag says")
		}
	case partial:
		m.State = formats.Partial
	}
	return m, nil
}

// describe records the file name's Maildir information as attributes.
func (r *Reader) describe(m *formats.Message, f *folder, n Name) {
	if f.sub != "" {
		m.SetAttr("maildir_subdir", f.sub)
	}
	if n.Flags != "" {
		m.SetAttr("maildir_flags", n.Flags)
	}
	if n.Keywords != "" {
		m.SetAttr("maildir_keywords", n.Keywords)
		if names := r.keywordNames(f, n.Keywords); names != "" {
			m.SetAttr("maildir_keyword_names", names)
		}
	}
	if n.Size >= 0 {
		m.SetAttr("maildir_size", strconv.FormatInt(n.Size, 10))
	}
	if n.VSize >= 0 {
		m.SetAttr("maildir_vsize", strconv.FormatInt(n.VSize, 10))
	}
	if n.Sep != 0 && !strings.HasPrefix(n.Info, "2,") {
		// "1," experimental info, or a version the description does not define
		m.SetAttr("maildir_info", n.Info)
	}
}

// readHead opens a file and reads its first bytes, up to HeadCheck, into
// r.buf. The caller closes the file.
func (r *Reader) readHead(rel string, size int64) (fs.File, []byte, error) {
	file, err := r.fsys.Open(rel)
	if err != nil {
		return nil, nil, err
	}
	if r.buf == nil {
		r.buf = make([]byte, HeadCheck)
	}
	n, err := io.ReadFull(file, r.buf[:min(size, HeadCheck)])
	if err != nil && err != io.ErrUnexpectedEOF && err != io.EOF {
		file.Close()
		return nil, nil, err
	}
	return file, r.buf[:n], nil
}

// checkMultipart looks for the closing delimiter of a multipart message,
// as eml.CheckMultipart does for a .eml file, when its header ends within
// head (which starts at offset headAt of the file). It reads more of the
// file only for multipart messages, and gives an empty warning when there
// is nothing to say or the file cannot be read at random (a damaged
// file's read error is reported when the message itself is read).
func checkMultipart(file fs.File, head []byte, headAt int64, fromLine, mac bool, size int64) (partial bool, warning string) {
	start := 0
	if fromLine {
		start = bytes.IndexByte(head, '\n') + 1
	}
	h, n, complete := rfc5322.Parse(head[start:])
	if !complete {
		return false, ""
	}
	b := rfc5322.Boundary(h)
	if b == "" {
		return false, ""
	}
	ra, ok := file.(io.ReaderAt)
	if !ok {
		return false, ""
	}
	if mac {
		ra = formats.CRAsLF(ra)
	}
	partial, warning, err := eml.CheckMultipart(ra, headAt+int64(start+n), size, b)
	if err != nil {
		return false, ""
	}
	return partial, warning
}

// openFrom opens the file rel of fsys to be read from offset off, with
// lone CRs read as LF when mac.
func openFrom(fsys fs.FS, rel string, off int64, mac bool) (io.ReadCloser, error) {
	f, err := fsys.Open(rel)
	if err != nil {
		return nil, err
	}
	if _, err := io.CopyN(io.Discard, f, off); err != nil {
		f.Close()
		return nil, err
	}
	if mac {
		return readCloser{formats.CRAsLFStream(f), f}, nil
	}
	return f, nil
}

type readCloser struct {
	io.Reader
	io.Closer
}

// examineHead examines the start of a file as a header section, after an
// mbox "From " line if there is one (some tools leave it when they move mail
// from an mbox into a Maildir). A file in cur/, new/ or tmp/ starts with a
// header when it has field lines ended by an empty line or, when the head
// ends first, field lines that look like mail
// (rfc5322.Block.LooksLikeHeader).
func examineHead(head []byte) (blk rfc5322.Block, fromLine bool) {
	if bytes.HasPrefix(head, []byte("From ")) {
		if i := bytes.IndexByte(head, '\n'); i >= 0 {
			head = head[i+1:]
			fromLine = true
		}
	}
	return rfc5322.Examine(head, len(head)), fromLine
}

// keywordNames maps Dovecot keyword letters to the names in the folder's
// dovecot-keywords file ("<index> <name>" lines, index 0 for 'a'). Letters
// the file does not name are left out.
func (r *Reader) keywordNames(f *folder, letters string) string {
	if !f.keywordsLoaded {
		f.keywordsLoaded = true
		if f.hasKeywords {
			f.keywords = r.loadKeywords(path.Join(f.rel, "dovecot-keywords"))
		}
	}
	var names []string
	for i := 0; i < len(letters); i++ {
		k := int(letters[i] - 'a')
		if k >= 0 && k < len(f.keywords) && f.keywords[k] != "" {
			names = append(names, f.keywords[k])
		}
	}
	return strings.Join(names, " ")
}

// maxKeywordsFile bounds how much of a dovecot-keywords file is read; 26
// keywords fit in far less.
const maxKeywordsFile = 64 << 10

func (r *Reader) loadKeywords(rel string) []string {
	file, err := r.fsys.Open(rel)
	if err != nil {
		return nil
	}
	defer file.Close()
	data, err := io.ReadAll(io.LimitReader(file, maxKeywordsFile))
	if err != nil {
		return nil
	}
	kw := make([]string, 26)
	for line := range strings.SplitSeq(string(data), "\n") {
		idx, name, ok := strings.Cut(strings.TrimRight(line, "\r"), " ")
		if !ok {
			continue
		}
		i, err := strconv.Atoi(idx)
		name = strings.TrimSpace(name)
		if err != nil || i < 0 || i >= len(kw) || name == "" {
			continue
		}
		kw[i] = name
	}
	return kw
}

// metadataFile reports the files that Courier, Dovecot and Maildir++ keep
// beside cur/new/tmp. They hold no messages and are skipped silently.
func metadataFile(name string) bool {
	lower := strings.ToLower(name)
	switch {
	case strings.HasPrefix(lower, "dovecot"), // dovecot-uidlist, dovecot-keywords, dovecot.index*, dovecot.mailbox.log, dovecot-uidvalidity*, dovecot-acl*
		strings.HasPrefix(lower, "courierimap"), // courierimapuiddb, courierimapacl, courierimaphieracl
		lower == "maildirfolder", lower == "maildirsize", lower == "subscriptions",
		lower == "maildirshared", lower == "shared-maildirs", lower == "shared-folders":
		return true
	}
	return false
}

// metadataDir reports directories of mail server metadata beside cur/new/tmp.
func metadataDir(name string) bool {
	lower := strings.ToLower(name)
	return strings.HasPrefix(lower, "courierimap") || strings.HasPrefix(lower, "dovecot") ||
		lower == "shared-folders"
}

func sortEntries(entries []fs.DirEntry) {
	sort.Slice(entries, func(i, j int) bool { return entries[i].Name() < entries[j].Name() })
}

func problem(rel string, err error) *formats.Problem {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		err = pe.Err
	}
	return &formats.Problem{Path: rel, Offset: -1, Err: err}
}

func notRegular(rel string, mode fs.FileMode) *formats.Problem {
	kind := "special file"
	switch {
	case mode&fs.ModeCharDevice != 0:
		kind = "character device"
	case mode&fs.ModeDevice != 0:
		kind = "block device"
	case mode&fs.ModeNamedPipe != 0:
		kind = "named pipe"
	case mode&fs.ModeSocket != 0:
		kind = "socket"
	case mode&fs.ModeIrregular != 0:
		kind = "irregular file"
	}
	return &formats.Problem{Path: rel, Offset: -1, Err: fmt.Errorf("%w (%s, not read)", formats.ErrNotRegular, kind)}
}
