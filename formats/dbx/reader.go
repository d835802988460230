package dbx

import (
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/mailsalvage/mailsalvage/formats"
	"github.com/mailsalvage/mailsalvage/formats/rfc5322"
)

func init() {
	formats.Register(formats.Format{
		Name:  "dbx",
		Match: Match,
		OpenFile: func(r io.ReaderAt, size int64, p *formats.Probe) (formats.Source, error) {
			rd := NewReader(r, size)
			if _, err := rd.File(); err != nil {
				return nil, err
			}
			rd.Folder = FolderName(p.Path)
			return rd, nil
		},
	})
}

// Match claims files that start with the dbx magic: 95 with a class id
// this package knows (message stores, and Folders.dbx, Pop3uidl.dbx and
// Offline.dbx, which are read as holding no messages rather than refused),
// 40 with an unknown class id (read as a message store).
func Match(p *formats.Probe) int {
	c, ok := ClassOf(p.Head)
	switch {
	case !ok:
		return 0
	case c == ClassUnknown:
		return 40
	}
	return 95
}

// FolderName names the folder a message store holds: its file name
// without the .dbx extension ("Inbox.dbx" -> Inbox), as formats/mbox
// names an mbox file's folder.
func FolderName(path string) []string {
	if path == "" {
		return nil
	}
	base := filepath.Base(path)
	if strings.EqualFold(filepath.Ext(base), ".dbx") {
		base = base[:len(base)-len(filepath.Ext(base))]
	}
	if base == "" || base == "." || base == string(filepath.Separator) {
		return nil
	}
	return []string{base}
}

// Reader reads the messages of a dbx message store as formats.Messages:
// first those of the tree, in tree order (method "dbx"), then those found
// by scanning the file for chains of data blocks that no indexed message
// uses (method "dbx-scan"; state deleted or orphaned). A folder store, a
// POP3 UIDL store or an offline store yields no messages.
type Reader struct {
	// Folder is given to every message; the registry sets it from the
	// file name (see FolderName).
	Folder []string

	r    io.ReaderAt
	size int64
	f    *File
	ferr error

	started  bool
	problems []error
	infos    []uint32 // message info offsets, tree order
	i        int
	used     []uint32 // blocks of indexed messages (sorted before the scan)
	firsts   map[uint32]int64
	scanned  bool
	found    []Unindexed
	j        int
}

// NewReader returns a Reader of the size bytes of r. Nothing is read until
// File or Next is called.
func NewReader(r io.ReaderAt, size int64) *Reader {
	return &Reader{r: r, size: size}
}

// File returns the opened file (reading its header the first time).
func (rd *Reader) File() (*File, error) {
	if rd.f == nil && rd.ferr == nil {
		rd.f, rd.ferr = NewFile(rd.r, rd.size)
	}
	return rd.f, rd.ferr
}

// Close releases nothing; the caller owns r.
func (rd *Reader) Close() error { return nil }

func problem(err error) *formats.Problem {
	var fe *FormatError
	if errors.As(err, &fe) {
		return &formats.Problem{Offset: fe.Off, Err: err}
	}
	return &formats.Problem{Offset: -1, Err: err}
}

// Next returns the next message. Damage in the tree, unreadable message
// infos and unused blocks that start no message are reported as
// *formats.Problem; a file that is not a dbx file is a fatal error.
func (rd *Reader) Next() (*formats.Message, error) {
	f, err := rd.File()
	if err != nil {
		return nil, err
	}
	if !rd.started {
		rd.started = true
		rd.firsts = map[uint32]int64{}
		switch f.Header.Class {
		case ClassFolders, ClassPOP3UIDL, ClassOffline:
			// no messages: nothing to report either
			rd.scanned = true
			return nil, io.EOF
		}
		var errs []error
		rd.infos, errs = f.MessageInfos()
		for _, e := range errs {
			rd.problems = append(rd.problems, problem(e))
		}
	}
	for {
		if len(rd.problems) > 0 {
			p := rd.problems[0]
			rd.problems = rd.problems[1:]
			return nil, p
		}
		if rd.i < len(rd.infos) {
			off := rd.infos[rd.i]
			rd.i++
			m, err := rd.indexed(f, int64(off))
			if err != nil {
				return nil, problem(err)
			}
			return m, nil
		}
		if !rd.scanned {
			rd.scanned = true
			rd.scan(f)
			continue
		}
		if rd.j < len(rd.found) {
			u := rd.found[rd.j]
			rd.found[rd.j] = Unindexed{}
			rd.j++
			return rd.unindexed(f, u), nil
		}
		return nil, io.EOF
	}
}

// indexed makes the message of the message info at off.
func (rd *Reader) indexed(f *File, off int64) (*formats.Message, error) {
	mi, err := f.ReadMessageInfo(off)
	if err != nil {
		return nil, fmt.Errorf("message info unreadable, its message is looked for by scanning: %w", err)
	}
	if !mi.HasData || mi.Data == 0 {
		return nil, formatErr(off, "message info", fmt.Sprintf("message index %d has no data block (only its headers were downloaded?)", mi.Index), nil)
	}
	if prev, dup := rd.firsts[mi.Data]; dup {
		return nil, formatErr(off, "message info", fmt.Sprintf("its data block @0x%x is that of the message info @0x%x too: read once", mi.Data, prev), nil)
	}
	rd.firsts[mi.Data] = off
	c := f.ReadChain(int64(mi.Data))
	if len(c.Blocks) == 0 {
		return nil, fmt.Errorf("message index %d (message info @0x%x): no readable data block: %w", mi.Index, off, c.Err)
	}
	rd.used = append(rd.used, c.Blocks...)
	m := rd.message(f, c, "dbx", formats.Intact)
	m.Chain[0].Locator = fmt.Sprintf("message info @0x%x index %d, %s", off, mi.Index, blocksLocator(c))
	m.SetAttr("dbx_info_offset", hexOff(off))
	if mi.HasIndex {
		m.SetAttr("dbx_index", strconv.FormatUint(uint64(mi.Index), 10))
	}
	if mi.HasFlags {
		m.SetAttr("dbx_flags", fmt.Sprintf("0x%08x", uint32(mi.Flags)))
		if n := mi.Flags.Names(); n != "" {
			m.SetAttr("dbx_flag_names", n)
		}
	}
	if mi.HasSize {
		m.SetAttr("dbx_info_size", strconv.FormatUint(uint64(mi.Size), 10))
	}
	for _, a := range []struct {
		k string
		t time.Time
	}{{"dbx_sent", mi.Sent}, {"dbx_received", mi.Received}, {"dbx_saved", mi.Saved}} {
		if !a.t.IsZero() {
			m.SetAttr(a.k, a.t.Format(time.RFC3339))
		}
	}
	for _, a := range []struct{ k, v string }{
		{"dbx_subject", mi.Subject}, {"dbx_message_id", mi.MessageID}, {"dbx_sender", mi.Sender},
		{"dbx_account", mi.Account}, {"dbx_newsgroups", mi.Newsgroups},
	} {
		if a.v != "" {
			m.SetAttr(a.k, rfc5322.Text([]byte(a.v)))
		}
	}
	if mi.Priority != 0 {
		m.SetAttr("dbx_priority", strconv.FormatUint(uint64(mi.Priority), 10))
	}
	if c.Err != nil {
		m.State = formats.Partial
		m.Warnf("partial: the data block chain breaks after %d blocks (%d bytes): %v", len(c.Blocks), c.Size, c.Err)
		if mi.HasSize && int64(mi.Size) > c.Size {
			m.Warnf("partial: the message info gives the message %d bytes; %d were read", mi.Size, c.Size)
		}
	}
	return m, nil
}

// unindexed makes the message of a chain found by scanning.
func (rd *Reader) unindexed(f *File, u Unindexed) *formats.Message {
	state := formats.Orphaned
	if u.How != FoundUnlisted {
		state = formats.Deleted
	}
	m := rd.message(f, u.Chain, "dbx-scan", state)
	m.Chain[0].Locator = fmt.Sprintf("data block chain found by scanning (%s), %s", u.How, blocksLocator(u.Chain))
	m.SetAttr("dbx_found", u.How)
	switch u.How {
	case FoundFree:
		m.Warnf("deleted: the data blocks are free-list entries (message deleted, its text still in the file); the first %d bytes of each %d-byte block were overwritten by the free list and read as '?'", freeClobbered, BlockDataSize)
	case FoundOnFreeList:
		m.Warnf("deleted: the first data block @0x%x is on the free list of the file header (0x48); no message info refers to the chain", u.Blocks[0])
	default:
		m.Warnf("orphaned: no message info of the tree refers to this chain of data blocks from @0x%x", u.Blocks[0])
	}
	if u.Err != nil {
		if state == formats.Orphaned {
			m.State = formats.Partial
		}
		m.Warnf("partial: the data block chain breaks after %d blocks (%d bytes): %v", len(u.Blocks), u.Size, u.Err)
	}
	return m
}

// message makes the parts every message of a chain shares.
func (rd *Reader) message(f *File, c *Chain, method string, state formats.State) *formats.Message {
	first := int64(c.Blocks[0])
	m := &formats.Message{
		Open: func() (io.ReadCloser, error) {
			return io.NopCloser(f.chainReader(c)), nil
		},
		Size:   c.Size,
		Folder: append([]string(nil), rd.Folder...),
		State:  state,
		Chain:  formats.Chain{formats.Span("dbx", first, min(BlockSize, f.size-first), "")},
		Method: method,
	}
	m.SetAttr("dbx_block_count", strconv.Itoa(len(c.Blocks)))
	if len(c.Blocks) <= 16 {
		s := make([]string, len(c.Blocks))
		for i, b := range c.Blocks {
			s[i] = hexOff(int64(b))
		}
		m.SetAttr("dbx_blocks", strings.Join(s, ","))
	}
	if f.Info.FolderName != "" {
		m.SetAttr("dbx_store_folder", rfc5322.Text([]byte(f.Info.FolderName)))
	}
	return m
}

// scan looks for the chains no indexed message uses.
func (rd *Reader) scan(f *File) {
	sort.Slice(rd.used, func(i, j int) bool { return rd.used[i] < rd.used[j] })
	used := rd.used
	isUsed := func(off uint32) bool {
		i := sort.Search(len(used), func(i int) bool { return used[i] >= off })
		return i < len(used) && used[i] == off
	}
	found, left, err := f.FindUnindexed(isUsed)
	rd.used = nil
	rd.found = found
	if err != nil {
		rd.problems = append(rd.problems, problem(err))
	}
	if left.Runs > 0 {
		s := make([]string, len(left.First))
		for i, o := range left.First {
			s[i] = hexOff(int64(o))
		}
		more := ""
		if left.Runs > len(left.First) {
			more = ", ..."
		}
		rd.problems = append(rd.problems, &formats.Problem{Offset: int64(left.First[0]), Err: fmt.Errorf(
			"%d runs of data blocks (%d blocks, %d bytes of text) belong to no indexed message and start no message header (remains of deleted or damaged messages), not recovered; first blocks %s%s",
			left.Runs, left.Blocks, left.Bytes, strings.Join(s, ","), more)})
	}
}

func blocksLocator(c *Chain) string {
	if len(c.Blocks) == 1 {
		return fmt.Sprintf("1 block @0x%x", c.Blocks[0])
	}
	return fmt.Sprintf("%d blocks from @0x%x", len(c.Blocks), c.Blocks[0])
}

func hexOff(v int64) string { return "0x" + strconv.FormatInt(v, 16) }

// Expected says how many messages the store's header says its tree holds
// (formats.Expecter), so that a summary shows what a damaged tree lost.
// Folder, POP3 UIDL and offline stores expect nothing.
func (rd *Reader) Expected() []formats.FolderCount {
	f, err := rd.File()
	if err != nil || (f.Header.Class != ClassMessages && f.Header.Class != ClassUnknown) {
		return nil
	}
	return []formats.FolderCount{{Folder: append([]string(nil), rd.Folder...), Count: int(f.Header.TreeCount[0])}}
}
