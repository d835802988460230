package pst

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"runtime"
	"strings"

	"github.com/mailsalvage/mailsalvage/formats"
	"github.com/mailsalvage/mailsalvage/formats/mapi"
	"github.com/mailsalvage/mailsalvage/formats/pst/ndb"
)

// The messaging layer's reading of one file as a formats.Source; how each
// item was found is in its Method and provenance:
//
//   - "pst": through the header's node B-tree and its folder's contents
//     table;
//   - "pst-rebuilt": its node entry was taken from a leaf page found by
//     scanning (the header's B-tree was damaged there);
//   - "pst-orphan": in the node B-tree, in no contents table (state
//     orphaned, folder Recovered/<parent>);
//   - "pst-deleted": a dead node entry (past cEnt of a live NBT page, or in
//     a page no tree reaches) whose blocks still read soundly (state
//     deleted, folder Recovered/<parent>);
//   - "pst-block-scan": its node entry is lost with the NBT page that held
//     it; found by its data block, which no node refers to (state
//     orphaned, folder Recovered/unknown folder; no subnodes, so no
//     recipients or attachments).
//
// An item some of whose blocks are damaged is exported with what survived
// as state partial, each warning naming the structure and its offset; an
// item none of whose data survives is a placeholder saying why.

func init() {
	formats.Register(formats.Format{
		Name:     "pst",
		Match:    Match,
		OpenFile: openFile,
	})
}

// Match claims files starting with the PST magic "!BDN" and a client
// magic of a PST ("SM") or OST ("SO"); failing the magic (a damaged
// header), files whose first bytes hold a page of some PST variant with
// a sound trailer (ndb.Sniff).
func Match(p *formats.Probe) int {
	h := p.Head
	if len(h) >= 12 && string(h[:4]) == "!BDN" {
		if c := string(h[8:10]); c != "SM" && c != "SO" {
			return 10 // damaged client magic: still worth a try
		}
		return 95
	}
	if _, ok := ndb.Sniff(h); ok {
		return 60
	}
	return 0
}

// openFile opens the file for recovery: the whole file is scanned once
// (ndb.OpenRecovered), so that damaged or lost B-trees are rebuilt and
// deleted items found. r may be any io.ReaderAt (a window of a disk image
// handed over by the carver).
func openFile(r io.ReaderAt, size int64, p *formats.Probe) (formats.Source, error) {
	f, err := OpenRecovered(r, size)
	if err != nil {
		return nil, err
	}
	name := strings.TrimSuffix(filepath.Base(p.Path), filepath.Ext(p.Path))
	if name == "" || name == "." {
		name = "pst"
	}
	s := &source{f: f, top: name, names: map[ndb.NID]string{}}
	s.folders = f.Folders()
	for _, fo := range s.folders {
		s.names[fo.NID] = fo.Name
	}
	if rec := f.db.Recovery(); rec != nil {
		s.rebuilt = rec.HeaderRebuilt || len(rec.LostNBT) > 0 || len(rec.LostBBT) > 0 || rec.BlocksCorrected > 0
	}
	if s.rebuilt {
		// what was rebuilt, said once for the file (each item's
		// provenance says how it was found)
		for _, w := range f.db.Warnings() {
			if strings.HasPrefix(w, "HEADER") || strings.HasPrefix(w, "recovery: the header's B-trees") {
				s.report = append(s.report, w)
			}
		}
	}
	return s, nil
}

// source yields every message of every folder, then the orphaned items
// (in the NBT, in no contents table), the deleted ones (dead NBT entries
// whose blocks survive) and those found by their data blocks alone,
// reading one message at a time: memory is bounded by the largest item
// and the scan's index, not the file's bytes.
type source struct {
	f        *File
	top      string // the file's name, the top of every folder path
	folders  []*Folder
	names    map[ndb.NID]string // folder names by NID, "" for unknown
	rebuilt  bool               // the B-trees were rebuilt from a scan
	fi       int                // next folder
	pending  []ndb.NID          // messages of the current folder still to read
	cur      *Folder
	seen     map[ndb.NID]bool
	started  bool
	expected []formats.FolderCount
	orphans  []ndb.NodeEntry // message nodes no contents table lists, read after the folders
	orphaned bool            // orphans were looked for
	deleted  []ndb.DeletedNode
	dead     bool // deleted items were looked for
	lost     []UnindexedItem
	unindex  bool     // items whose node entries are lost were looked for
	report   []string // the file's recovery, handed out as problems first
	// ahead holds what the reading has yielded but Next not yet handed
	// out, in order: items whose MIME conversion runs on other
	// goroutines (at most maxAhead of them), and problems
	ahead []ahead
	eof   bool // the reading is done
	// headers: ListHeaders was called; items are read as far as their
	// header needs (the property context without the bodies) and
	// converted only when opened
	headers bool
}

// ListHeaders makes Next hand out items with their Header set from the
// property context alone: no body, recipient table or attachment is read
// until the item is opened (formats.HeaderLister).
func (s *source) ListHeaders() { s.headers = true }

// ahead is one item or problem read ahead of Next.
type ahead struct {
	j   *job
	err error
}

// maxAhead bounds the items read ahead of Next and converted in parallel:
// memory stays bounded by that many items.
func maxAhead() int { return min(2*runtime.GOMAXPROCS(0), 16) }

// Expected says how many messages each folder's contents table lists
// (none for search folders, whose items are exported in their own
// folders).
func (s *source) Expected() []formats.FolderCount { return s.expected }

func (s *source) Close() error {
	for _, a := range s.ahead {
		if a.j != nil {
			<-a.j.done
		}
	}
	s.ahead = nil
	return nil
}

// Next reads items in order on the caller's goroutine (so that the
// warnings raised while reading one are its own) and converts each to
// MIME on a goroutine of its own, reading up to maxAhead items ahead:
// what it hands out, and in what order, is what reading and converting
// one item at a time gives.
func (s *source) Next() (*formats.Message, error) {
	for !s.eof && len(s.ahead) < maxAhead() {
		j, err := s.read()
		if err == io.EOF {
			s.eof = true
			break
		}
		s.ahead = append(s.ahead, ahead{j, err})
		if err != nil {
			break // hand the problem out when its turn comes
		}
	}
	if len(s.ahead) == 0 {
		return nil, io.EOF
	}
	a := s.ahead[0]
	s.ahead[0] = ahead{}
	s.ahead = s.ahead[1:]
	if a.err != nil {
		return nil, a.err
	}
	return a.j.finish(), nil
}

// read yields the next item (read, its conversion started) or problem.
func (s *source) read() (*job, error) {
	if !s.started {
		s.started = true
		s.seen = map[ndb.NID]bool{}
	}
	if len(s.report) > 0 {
		w := s.report[0]
		s.report = s.report[1:]
		return nil, &formats.Problem{Offset: 0, Err: errors.New(w)}
	}
	for {
		if len(s.pending) > 0 {
			nid := s.pending[0]
			s.pending = s.pending[1:]
			if s.seen[nid] {
				continue // listed twice (a damaged table)
			}
			s.seen[nid] = true
			return s.message(nid), nil
		}
		if s.fi >= len(s.folders) {
			if !s.orphaned {
				s.orphaned = true
				s.findOrphans()
			}
			if len(s.orphans) > 0 {
				e := s.orphans[0]
				s.orphans = s.orphans[1:]
				return s.orphan(e), nil
			}
			if !s.dead {
				s.dead = true
				s.deleted = s.f.DeletedItems()
			}
			if len(s.deleted) > 0 {
				d := s.deleted[0]
				s.deleted = s.deleted[1:]
				return s.deletedItem(d), nil
			}
			if !s.unindex {
				s.unindex = true
				s.lost = s.f.UnindexedItems()
			}
			if len(s.lost) > 0 {
				u := s.lost[0]
				s.lost = s.lost[1:]
				return s.unindexed(u), nil
			}
			return nil, io.EOF
		}
		fo := s.folders[s.fi]
		s.fi++
		if fo.Search {
			// its items are other folders' items, exported with them: none
			// are expected here
			s.expected = append(s.expected, formats.FolderCount{Folder: append([]string{s.top}, fo.Path...)})
			continue
		}
		nids, err := s.f.Contents(fo)
		s.cur = fo
		if err == nil {
			s.expected = append(s.expected, formats.FolderCount{Folder: append([]string{s.top}, fo.Path...), Count: len(nids)})
		}
		if err != nil {
			return nil, &formats.Problem{Offset: -1, Err: fmt.Errorf("folder %s (NID 0x%X): contents table unreadable (its items in the node B-tree come back as orphaned, in Recovered/%s): %w", pathString(fo.Path), uint32(fo.NID), fo.Name, err)}
		}
		s.pending = nids
	}
}

// findOrphans lists the message nodes of the NBT that no folder's
// contents table lists: items Outlook lost track of (a crash, a damaged
// table), still whole in the file.
func (s *source) findOrphans() {
	s.f.db.WalkNodes(func(e ndb.NodeEntry) bool {
		if e.NID.Type() == ndb.NIDTypeNormalMessage && !s.seen[e.NID] {
			s.orphans = append(s.orphans, e)
		}
		return true
	})
}

// folderName returns the name of a folder for Recovered/<name>: the
// hierarchy's, else the folder node's own (live or deleted), else its
// NID.
func (s *source) folderName(nid ndb.NID) string {
	n, ok := s.names[nid]
	if !ok {
		n = s.f.FolderName(nid)
		s.names[nid] = n
	}
	if n == "" {
		return fmt.Sprintf("unknown folder 0x%X", uint32(nid))
	}
	return n
}

// orphan makes the message of an orphaned node, in Recovered/<the folder
// its NBT entry names as parent>.
func (s *source) orphan(e ndb.NodeEntry) *job {
	s.seen[e.NID] = true
	fo := &Folder{NID: e.Parent, Path: []string{"Recovered", s.folderName(e.Parent)}}
	return s.build(e.NID, fo, func() (ndb.NodeEntry, error) { return e, nil }, func(m *formats.Message) {
		s.orphanDone(m, e)
	})
}

func (s *source) orphanDone(m *formats.Message, e ndb.NodeEntry) {
	if m.State == formats.Intact {
		m.State = formats.Orphaned
	}
	m.Method = "pst-orphan"
	if m.Attrs["pst_found"] == "" {
		m.SetAttr("pst_found", "in the node B-tree, in no folder's contents table")
	}
	m.Warnf("orphaned item: in the node B-tree (parent folder 0x%X) but listed by no folder's contents table", uint32(e.Parent))
}

// deletedItem makes the message of a dead node entry, in
// Recovered/<the folder its entry names as parent>, state deleted.
func (s *source) deletedItem(d ndb.DeletedNode) *job {
	fo := &Folder{NID: d.Parent, Path: []string{"Recovered", s.folderName(d.Parent)}}
	return s.build(d.NID, fo, func() (ndb.NodeEntry, error) { return d.NodeEntry, nil }, func(m *formats.Message) {
		s.deletedDone(m, d)
	})
}

func (s *source) deletedDone(m *formats.Message, d ndb.DeletedNode) {
	m.State = formats.Deleted // damaged or not: what the warnings say
	m.Method = "pst-deleted"
	delete(m.Attrs, "pst_data_found") // noteOrigin's, of the live node's data
	how := "dead NBT entry"
	if d.How == ndb.DeadPage {
		how = "NBT entry in a page no tree reaches"
	}
	found := fmt.Sprintf("%s in page @0x%X (bid %v, slot %d, entry @0x%X, %s space)", how, d.Offset, d.PageBID, d.Slot, d.EntryOffset, d.PageAlloc)
	if d.DataLive {
		found += "; data blocks listed by the block B-tree"
	} else {
		found += "; data blocks found by their trailers outside the block B-tree (AMap-free or old copies)"
	}
	m.Chain[0].Locator = fmt.Sprintf("node 0x%X (deleted) from folder 0x%X: %s", uint32(d.NID), uint32(d.Parent), found)
	m.SetAttr("pst_found", found)
	m.SetAttr("pst_entry_offset", fmt.Sprintf("0x%X", d.EntryOffset))
	if d.OlderVersion {
		m.SetAttr("pst_older_version", "true")
		m.Warnf("deleted item: an older version of node 0x%X, which the node B-tree still has with other data", uint32(d.NID))
	} else {
		m.Warnf("deleted item: node 0x%X is in no live node B-tree page; %s", uint32(d.NID), found)
	}
	if !d.SubnodesOK {
		m.Warnf("deleted item: its subnode tree (bid %v) is not whole: recipients or attachments may be missing", d.Subnodes)
	}
}

// unindexed makes the message of a property context found by its block
// alone (its node entry lost), in Recovered/unknown folder.
func (s *source) unindexed(u UnindexedItem) *job {
	b := u.Block
	fo := &Folder{Path: []string{"Recovered", "unknown folder"}}
	return s.build(0, fo, func() (ndb.NodeEntry, error) { return ndb.NodeEntry{Data: b.BID}, nil }, func(m *formats.Message) {
		unindexedDone(m, b)
	})
}

func unindexedDone(m *formats.Message, b ndb.ScannedBlock) {
	delete(m.Attrs, "pst_nid")
	delete(m.Attrs, "pst_folder_nid")
	found := fmt.Sprintf("%s %v @0x%X (%s space) holding a message property context; no node entry refers to it", b.Kind, b.BID, b.Offset, b.Alloc)
	m.Chain[0].Locator = "block " + b.BID.String() + ": " + found
	m.Method = "pst-block-scan"
	m.SetAttr("pst_found", found)
	m.SetAttr("pst_block", fmt.Sprintf("%v @0x%X", b.BID, b.Offset))
	if m.State == formats.Intact {
		m.State = formats.Orphaned
	}
	m.Warnf("item found by its data block alone (its node entry is lost): its subnode tree is unknown, so recipients, attachments and properties kept in subnodes are not recovered")
}

// message makes the formats.Message of one item of the current folder.
func (s *source) message(nid ndb.NID) *job {
	return s.build(nid, s.cur, func() (ndb.NodeEntry, error) { return s.f.db.Node(nid) }, nil)
}

// job is one item read and being converted to MIME.
type job struct {
	m    *formats.Message
	nid  ndb.NID
	item *mapi.Message
	// header: the item was read for its header only; open reads and
	// converts the whole of it
	header bool
	open   func() (io.ReadCloser, error)
	err    error    // reading it
	warns  []string // of the node database and the file, raised while reading it
	post   func(*formats.Message)
	// set by the conversion, before done is closed
	done chan struct{}
	data []byte
	rep  mapi.Report
	cerr error
}

// build reads one item (its node entry from entry), on the caller's
// goroutine, and starts its conversion on a goroutine of its own; finish
// makes its formats.Message (post, if not nil, completes it). In header
// mode only the item's header is read.
func (s *source) build(nid ndb.NID, fo *Folder, entry func() (ndb.NodeEntry, error), post func(*formats.Message)) *job {
	m := &formats.Message{
		Size:   -1,
		Folder: append([]string{s.top}, fo.Path...),
		State:  formats.Intact,
		Method: "pst",
		Chain:  formats.Chain{{Format: "pst", Locator: fmt.Sprintf("node 0x%X in folder 0x%X", uint32(nid), uint32(fo.NID))}},
	}
	m.SetAttr("pst_nid", fmt.Sprintf("0x%X", uint32(nid)))
	m.SetAttr("pst_folder_nid", fmt.Sprintf("0x%X", uint32(fo.NID)))
	h := s.f.db.Header()
	m.SetAttr("pst_version", fmt.Sprint(h.WVer))
	if crc, ok := s.f.Password(); ok {
		// the password is a property Outlook checks; it protects nothing
		m.SetAttr("pst_password_crc", fmt.Sprintf("0x%08X", crc))
	}
	if s.rebuilt {
		s.noteOrigin(m, nid)
	}
	mark := s.f.db.WarningMark()
	fmark := len(s.f.warnings)
	var item *mapi.Message
	e, err := entry()
	switch {
	case err != nil:
		err = fmt.Errorf("message %v: %w", nid, err)
	case s.headers:
		item, err = s.f.MessageHeader(e)
	default:
		item, err = s.f.MessageAt(e)
	}
	j := &job{m: m, nid: nid, item: item, err: err, post: post, done: make(chan struct{})}
	j.warns = append(j.warns, s.f.db.WarningsSince(mark)...)
	if fmark <= len(s.f.warnings) {
		j.warns = append(j.warns, s.f.warnings[fmark:]...)
	}
	if err != nil {
		close(j.done)
		return j
	}
	if s.headers {
		j.header = true
		j.open = func() (io.ReadCloser, error) {
			// the whole item, when asked: read and converted now
			full, err := s.f.MessageAt(e)
			if err != nil {
				return nil, err
			}
			var buf bytes.Buffer
			if _, err := mapi.Convert(&buf, full, mapi.Options{MaxDepth: MaxDepth}); err != nil {
				return nil, err
			}
			return io.NopCloser(&buf), nil
		}
		close(j.done)
		return j
	}
	go func() {
		// the item is in memory: converting it reads nothing of the file
		var buf bytes.Buffer
		j.rep, j.cerr = mapi.Convert(&buf, j.item, mapi.Options{MaxDepth: MaxDepth})
		j.data = buf.Bytes()
		close(j.done)
	}()
	return j
}

// finish waits for the item's conversion and makes its formats.Message.
func (j *job) finish() *formats.Message {
	<-j.done
	m, err, item, data, nid := j.m, j.err, j.item, j.data, j.nid
	if err == nil {
		if j.cerr != nil {
			err = j.cerr
		} else {
			m.Warnings = append(m.Warnings, item.Warnings...)
			m.Warnings = append(m.Warnings, j.rep.Warnings...)
			m.SetAttr("pst_class", item.Class())
		}
	}
	damaged := false
	for _, w := range j.warns {
		m.Warnings = append(m.Warnings, w)
		damaged = true
	}
	if damaged {
		m.State = formats.Partial
	}
	switch {
	case err != nil:
		m.State = formats.Partial
		m.Warnf("item unreadable: %v", err)
		data = placeholder(nid, err)
	case j.header:
		m.Header = mapi.Headers(item)
		m.Size = -1
		m.Open = j.open
	}
	if m.Open == nil {
		m.Size = int64(len(data))
		m.Open = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(data)), nil }
	}
	if j.post != nil {
		j.post(m)
	}
	*j = job{}
	return m
}

// noteOrigin says, in a file whose B-trees were rebuilt, how the item's
// node entry and data were found.
func (s *source) noteOrigin(m *formats.Message, nid ndb.NID) {
	e, err := s.f.db.Node(nid)
	if err != nil {
		return
	}
	if s.f.db.Origin(nid) == ndb.OriginScan {
		m.Method = "pst-rebuilt"
		found := fmt.Sprintf("rebuilt NBT: entry in leaf page @0x%X found by scanning", e.Offset)
		m.SetAttr("pst_found", found)
		m.Chain[0].Locator += " (" + found + ")"
	}
	switch s.f.db.BlockOrigin(e.Data) {
	case ndb.OriginScan:
		m.SetAttr("pst_data_found", "rebuilt BBT: data block found by its trailer")
	case ndb.OriginFree:
		m.SetAttr("pst_data_found", "AMap-free block found by its trailer")
	}
}

// placeholder is the .eml of an item that could not be read: it keeps its
// place and says why, so that nothing disappears without a trace.
func placeholder(nid ndb.NID, err error) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "Subject: [unreadable item, node 0x%X]\r\nX-Mailsalvage-Error: %s\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n", uint32(nid), strings.ReplaceAll(err.Error(), "\n", " "))
	fmt.Fprintf(&b, "This item of the PST could not be read: %s\r\n", err)
	return b.Bytes()
}
