package pst

import (
	"bytes"
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"github.com/mailsalvage/mailsalvage/formats"
	"github.com/mailsalvage/mailsalvage/formats/mapi"
	"github.com/mailsalvage/mailsalvage/formats/pst/ndb"
)

func init() {
	formats.Register(formats.Format{
		Name:     "pst",
		Match:    Match,
		OpenFile: openFile,
	})
}

// Match claims files starting with the PST magic "!BDN" and a client
// magic of a PST ("SM") or OST ("SO").
func Match(p *formats.Probe) int {
	h := p.Head
	if len(h) < 12 || string(h[:4]) != "!BDN" {
		return 0
	}
	if c := string(h[8:10]); c != "SM" && c != "SO" {
		return 10 // damaged client magic: still worth a try
	}
	return 95
}

func openFile(r io.ReaderAt, size int64, p *formats.Probe) (formats.Source, error) {
	f, err := Open(r, size)
	if err != nil {
		return nil, err
	}
	name := strings.TrimSuffix(filepath.Base(p.Path), filepath.Ext(p.Path))
	if name == "" || name == "." {
		name = "pst"
	}
	s := &source{f: f, top: name}
	s.folders = f.Folders()
	return s, nil
}

// source yields every message of every folder, reading one message at a
// time: memory is bounded by the largest item, not the file.
type source struct {
	f        *File
	top      string // the file's name, the top of every folder path
	folders  []*Folder
	fi       int       // next folder
	pending  []ndb.NID // messages of the current folder still to read
	cur      *Folder
	seen     map[ndb.NID]bool
	reported int // warnings of the file already handed out
	started  bool
	expected []formats.FolderCount
	orphans  []ndb.NodeEntry // message nodes no contents table lists, read after the folders
	orphaned bool            // orphans were looked for
}

// Expected says how many messages each folder's contents table lists
// (none for search folders, whose items are exported in their own
// folders).
func (s *source) Expected() []formats.FolderCount { return s.expected }

func (s *source) Close() error { return nil }

func (s *source) Next() (*formats.Message, error) {
	if !s.started {
		s.started = true
		s.seen = map[ndb.NID]bool{}
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
			return nil, &formats.Problem{Offset: -1, Err: fmt.Errorf("folder %s (NID 0x%X): contents table unreadable: %w", pathString(fo.Path), uint32(fo.NID), err)}
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

// orphan makes the message of an orphaned node, in Recovered/<the folder
// its NBT entry names as parent>.
func (s *source) orphan(e ndb.NodeEntry) *formats.Message {
	s.seen[e.NID] = true
	parent := fmt.Sprintf("unknown folder 0x%X", uint32(e.Parent))
	for _, fo := range s.folders {
		if fo.NID == e.Parent {
			parent = fo.Name
			break
		}
	}
	m := s.build(e.NID, &Folder{NID: e.Parent, Path: []string{"Recovered", parent}})
	if m.State == formats.Intact {
		m.State = formats.Orphaned
	}
	m.Method = "pst-orphan"
	m.SetAttr("pst_found", "in the node B-tree, in no folder's contents table")
	m.Warnf("orphaned item: in the node B-tree (parent folder 0x%X) but listed by no folder's contents table", uint32(e.Parent))
	return m
}

// message makes the formats.Message of one item of the current folder.
func (s *source) message(nid ndb.NID) *formats.Message { return s.build(nid, s.cur) }

// build reads and converts one item (one item at a time, so memory is
// bounded by the largest item) and makes its formats.Message.
func (s *source) build(nid ndb.NID, fo *Folder) *formats.Message {
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
	before := len(s.f.db.Warnings())
	item, err := s.f.Message(nid)
	var data []byte
	if err == nil {
		var buf bytes.Buffer
		rep, cerr := mapi.Convert(&buf, item, mapi.Options{MaxDepth: MaxDepth})
		if cerr != nil {
			err = cerr
		} else {
			data = buf.Bytes()
			m.Warnings = append(m.Warnings, item.Warnings...)
			m.Warnings = append(m.Warnings, rep.Warnings...)
			m.SetAttr("pst_class", item.Class())
		}
	}
	for _, w := range s.f.db.Warnings()[before:] {
		m.Warnings = append(m.Warnings, w)
		m.State = formats.Partial
	}
	if err != nil {
		m.State = formats.Partial
		m.Warnf("item unreadable: %v", err)
		data = placeholder(nid, err)
	}
	m.Size = int64(len(data))
	m.Open = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(data)), nil }
	return m
}

// placeholder is the .eml of an item that could not be read: it keeps its
// place and says why, so that nothing disappears without a trace.
func placeholder(nid ndb.NID, err error) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "Subject: [unreadable item, node 0x%X]\r\nX-Mailsalvage-Error: %s\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n", uint32(nid), strings.ReplaceAll(err.Error(), "\n", " "))
	fmt.Fprintf(&b, "This item of the PST could not be read: %s\r\n", err)
	return b.Bytes()
}
