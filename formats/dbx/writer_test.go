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

type (
	synthMsg    = synth.DBXMessage
	synthOpts   = synth.DBXOptions
	synthFolder = synth.DBXFolder
	synthFile   = synth.DBXMap
)

func le32(b []byte, off int64, v uint32) { binary.LittleEndian.PutUint32(b[off:], v) }

// buildDBX writes a message store holding msgs.
func buildDBX(msgs []synthMsg, o synthOpts) *synthFile { return synth.DBXWithMap(msgs, o) }

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
		out = append(out, synthMsg{Text: t, Index: uint32(i + 1), Flags: 0x81, Subject: fmt.Sprintf("synthetic message %d", i), MessageID: fmt.Sprintf("<synth.%d@example.net>", i)})
	}
	return out
}
