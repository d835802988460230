package dbx

import (
	"encoding/binary"
	"fmt"
	"strings"

	"github.com/mailsalvage/mailsalvage/internal/synth"
)

// The tests' dbx stores come from internal/synth's writer (which the demo
// uses too), laid out the way Outlook Express lays them out so that damage
// can be done to known bytes. These are the tests' names for its types.

type synthMsg struct {
	text    []byte
	index   uint32
	flags   uint32
	subject string
	msgID   string
	// how the message is stored
	deleted  bool // blocks freed (free-list format), not in the tree
	unlisted bool // live blocks, not in the tree (a lost message info)
}

type synthOpts struct {
	interleave bool // allocate the messages' blocks round-robin
	// freeListLive names an unlisted message whose live chain the header's
	// free list (0x48) starts at
	freeListLive int
	folders      []synthFolder // write a Folders.dbx instead
}

type synthFolder struct {
	index, parent uint32
	name, file    string
}

// synthFile is a written file and where its parts are.
type synthFile struct {
	data     []byte
	info     []int64   // message info offset per message (0 when not in the tree)
	blocks   [][]int64 // block offsets per message
	root     int64     // tree root node
	nodes    []int64   // all tree nodes
	treeVals []int64   // tree values in order
}

func le32(b []byte, off int64, v uint32) { binary.LittleEndian.PutUint32(b[off:], v) }

// buildDBX writes a message store holding msgs.
func buildDBX(msgs []synthMsg, o synthOpts) *synthFile {
	var ms []synth.DBXMessage
	for _, m := range msgs {
		ms = append(ms, synth.DBXMessage{Text: m.text, Index: m.index, Flags: m.flags, Subject: m.subject, MessageID: m.msgID, Deleted: m.deleted, Unlisted: m.unlisted})
	}
	so := synth.DBXOptions{Interleave: o.interleave, FreeListLive: o.freeListLive}
	for _, f := range o.folders {
		so.Folders = append(so.Folders, synth.DBXFolder{Index: f.index, Parent: f.parent, Name: f.name, File: f.file})
	}
	if o.folders != nil && so.Folders == nil {
		so.Folders = []synth.DBXFolder{}
	}
	m := synth.DBXWithMap(ms, so)
	return &synthFile{data: m.Data, info: m.Info, blocks: m.Blocks, root: m.Root, nodes: m.Nodes, treeVals: m.TreeVals}
}

// synthText makes a message of about n bytes with CRLF line endings.
func synthText(i, n int) []byte {
	var b strings.Builder
	fmt.Fprintf(&b, "Received: from mx%d.example.net by mail.example.org; Mon, 3 Jan 2005 10:%02d:00 +0100\r\n", i, i%60)
	fmt.Fprintf(&b, "From: \"Sender %d\" <sender%d@example.net>\r\nTo: <rcpt@example.org>\r\n", i, i)
	fmt.Fprintf(&b, "Subject: synthetic message %d\r\nDate: Mon, 3 Jan 2005 10:%02d:00 +0100\r\n", i, i%60)
	fmt.Fprintf(&b, "Message-ID: <synth.%d@example.net>\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\n", i)
	for line := 0; b.Len() < n; line++ {
		fmt.Fprintf(&b, "Line %d of message %d: the quick brown fox jumps over the lazy dog.\r\n", line, i)
	}
	return []byte(b.String())
}

// synthMsgs makes n messages of various sizes, one exactly two blocks long.
func synthMsgs(n int) []synthMsg {
	var out []synthMsg
	for i := 0; i < n; i++ {
		size := 200 + (i*1237)%6000
		t := synthText(i, size)
		if i == 3 {
			t = synthText(i, 2*BlockDataSize)
			t = t[:2*BlockDataSize]
		}
		out = append(out, synthMsg{text: t, index: uint32(i + 1), flags: 0x81, subject: fmt.Sprintf("synthetic message %d", i), msgID: fmt.Sprintf("<synth.%d@example.net>", i)})
	}
	return out
}
