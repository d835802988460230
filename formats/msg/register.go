package msg

import (
	"bytes"
	"fmt"
	"io"
	"strconv"

	"github.com/mailsalvage/mailsalvage/formats"
	"github.com/mailsalvage/mailsalvage/formats/mapi"
)

func init() {
	formats.Register(formats.Format{Name: "msg", Match: Match, OpenFile: OpenFile})
}

// Confidence values Match returns.
const (
	// ConfidenceMsg: a compound file whose first 64 KiB name .msg streams.
	ConfidenceMsg = 90
	// ConfidenceFarDirectory: a compound file whose directory starts past
	// the probe, so that the names cannot be seen; a large .msg can look
	// like this (and so can a large Word file, which OpenFile then
	// rejects with ErrNotMessage).
	ConfidenceFarDirectory = 10
)

// The UTF-16LE directory entry names only an Outlook item's compound file
// has (MS-OXMSG section 2.2).
var msgNames = [][]byte{
	mapi.EncodeUTF16("__substg1.0_"),
	mapi.EncodeUTF16("__properties_version1.0"),
	mapi.EncodeUTF16("__recip_version1.0_#"),
	mapi.EncodeUTF16("__attach_version1.0_#"),
	mapi.EncodeUTF16("__nameid_version1.0"),
}

// Match reports whether the probed file is an Outlook .msg (or .oft): a
// compound file (MS-CFB signature at offset 0) whose directory, as far as
// the probe shows it, has the entry names of MS-OXMSG. A compound file
// without them (a Word or Excel file) is not mail: 0.
func Match(p *formats.Probe) int {
	if p == nil || len(p.Head) < 512 || !bytes.Equal(p.Head[:8], cfbMagic) {
		return 0
	}
	for _, n := range msgNames {
		if bytes.Contains(p.Head, n) {
			return ConfidenceMsg
		}
	}
	// the first directory sector, when it lies beyond what the probe holds
	shift := uint(p.Head[30]) | uint(p.Head[31])<<8
	if shift != 9 && shift != 12 {
		return 0
	}
	dirStart := int64(p.Head[48]) | int64(p.Head[49])<<8 | int64(p.Head[50])<<16 | int64(p.Head[51])<<24
	dirOff := (dirStart + 1) << shift
	if len(p.Head) == formats.HeadSize && dirOff+128 > int64(len(p.Head)) && dirStart < int64(maxRegSect) {
		return ConfidenceFarDirectory
	}
	return 0
}

// OpenFile opens a .msg file as a formats.Source of exactly one message:
// the item converted to RFC 5322 by mapi.Convert. A damaged file read by
// the tolerant walk gives a message with Method "msg-recovered" and, when
// damage was found, State Partial.
func OpenFile(r io.ReaderAt, size int64, p *formats.Probe) (formats.Source, error) {
	f, err := NewFile(r, size)
	if err != nil {
		return nil, err
	}
	return &source{f: f}, nil
}

// source yields the one message of a .msg file.
type source struct {
	f    *File
	done bool
}

func (s *source) Close() error {
	s.f = nil
	return nil
}

func (s *source) Next() (*formats.Message, error) {
	if s.done || s.f == nil {
		return nil, io.EOF
	}
	s.done = true
	f := s.f
	var buf bytes.Buffer
	rep, err := mapi.Convert(&buf, f.Message, mapi.Options{MaxDepth: MaxDepth})
	if err != nil {
		return nil, fmt.Errorf("msg: converting the %s item: %w", f.Class, err)
	}
	data := buf.Bytes()
	m := &formats.Message{
		Open:   func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(data)), nil },
		Size:   int64(len(data)),
		State:  formats.Intact,
		Chain:  formats.Chain{{Format: "msg", Locator: f.Class}},
		Method: "msg",
	}
	if f.Recovered {
		m.Method = "msg-recovered"
	}
	if f.Damaged {
		m.State = formats.Partial
	}
	seen := make(map[string]bool)
	for _, w := range append(Warnings(f.Message), rep.Warnings...) {
		if !seen[w] {
			seen[w] = true
			m.Warnings = append(m.Warnings, w)
		}
	}
	m.SetAttr("msg_class", f.Class)
	m.SetAttr("msg_codepage", strconv.Itoa(f.CodePage))
	m.SetAttr("msg_codepage_source", f.CodePageSource)
	store := "ansi"
	if f.Unicode {
		store = "unicode"
	}
	m.SetAttr("msg_store", store)
	m.SetAttr("msg_stream_count", strconv.Itoa(f.Streams))
	if f.Embedded > 0 {
		m.SetAttr("msg_embedded_count", strconv.Itoa(f.Embedded))
	}
	return m, nil
}
