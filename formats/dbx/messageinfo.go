package dbx

import (
	"strings"
	"time"
)

// The message info object (Schloh, "OE dbx file format: message info";
// Tesic's additions): an indexed info whose entries describe one message
// of a message store. The ids this package reads:
const (
	miIndex           = 0x00 // int4: the message's index in the store
	miFlags           = 0x01 // int4: flags (see Flag)
	miSent            = 0x02 // FILETIME: created or sent
	miBodyLines       = 0x03 // int4: lines of the body, if set
	miData            = 0x04 // int4: offset of the first data block
	miOriginalSubject = 0x05 // string: subject without "Re:"
	miSaved           = 0x06 // FILETIME: saved in this folder
	miMessageID       = 0x07 // string
	miSubject         = 0x08 // string
	miSender          = 0x09 // string: sender address and name
	miInReplyTo       = 0x0a // string: message id answered
	miNewsgroups      = 0x0b // string: server/newsgroup/number list
	miServer          = 0x0c // string
	miSenderName      = 0x0d // string
	miSenderAddress   = 0x0e // string
	miPriority        = 0x10 // int4: 1 high, 3 normal, 5 low
	miSize            = 0x11 // int4: length of the message text ("can be wrong")
	miReceived        = 0x12 // FILETIME: created or received
	miReceiverName    = 0x13 // string
	miReceiverAddress = 0x14 // string
	miAccount         = 0x1a // string: account name
	miAccountKey      = 0x1b // string: account registry key
)

// Flag is a bit of a message info's flags (Schloh's table; the bits it
// marks unknown are kept in the raw value only).
type Flag uint32

const (
	FlagDownloaded  Flag = 0x01     // body downloaded
	FlagDraft       Flag = 0x08     // in work
	FlagMarked      Flag = 0x20     // flagged by the user
	FlagRead        Flag = 0x80     // read
	FlagForDownload Flag = 0x0100   // marked for download
	FlagNews        Flag = 0x0800   // a news posting
	FlagSigned      Flag = 0x1000   // digitally signed
	FlagAttachment  Flag = 0x4000   // has an attachment
	FlagAnswered    Flag = 0x080000 // answered
	FlagForwarded   Flag = 0x100000 // forwarded
	FlagWatched     Flag = 0x400000 // thread watched
	FlagIgnored     Flag = 0x800000 // thread ignored
)

var flagNames = []struct {
	f    Flag
	name string
}{
	{FlagDownloaded, "downloaded"}, {FlagDraft, "draft"}, {FlagMarked, "marked"}, {FlagRead, "read"},
	{FlagForDownload, "marked-for-download"}, {FlagNews, "news"}, {FlagSigned, "signed"},
	{FlagAttachment, "attachment"}, {FlagAnswered, "answered"}, {FlagForwarded, "forwarded"},
	{FlagWatched, "watched"}, {FlagIgnored, "ignored"},
}

// Names lists the known flags set, comma separated.
func (f Flag) Names() string {
	var s []string
	for _, n := range flagNames {
		if f&n.f != 0 {
			s = append(s, n.name)
		}
	}
	return strings.Join(s, ",")
}

// MessageInfo is the decoded message info of one message. Fields the
// record does not hold are zero; Has tells which ints were present.
type MessageInfo struct {
	*IndexedInfo
	Index     uint32
	Flags     Flag
	Data      uint32 // offset of the first data block (0: none)
	Size      uint32 // the length the record claims (may be wrong)
	BodyLines uint32
	Priority  uint32
	HasIndex  bool
	HasFlags  bool
	HasData   bool
	HasSize   bool

	Sent, Saved, Received time.Time

	Subject, OriginalSubject, MessageID, InReplyTo string
	Sender, SenderName, SenderAddress              string
	ReceiverName, ReceiverAddress                  string
	Account, AccountKey, Server, Newsgroups        string
}

// ReadMessageInfo reads the message info object at off (a value of tree
// 0 of a message store).
func (f *File) ReadMessageInfo(off int64) (*MessageInfo, error) {
	ii, err := f.ReadIndexedInfo(off, "message info")
	if err != nil {
		return nil, err
	}
	m := &MessageInfo{IndexedInfo: ii}
	var fl uint32
	m.Index, m.HasIndex = ii.Uint32(miIndex)
	fl, m.HasFlags = ii.Uint32(miFlags)
	m.Flags = Flag(fl)
	m.Data, m.HasData = ii.Uint32(miData)
	m.Size, m.HasSize = ii.Uint32(miSize)
	m.BodyLines, _ = ii.Uint32(miBodyLines)
	m.Priority, _ = ii.Uint32(miPriority)
	m.Sent, _ = ii.Time(miSent)
	m.Saved, _ = ii.Time(miSaved)
	m.Received, _ = ii.Time(miReceived)
	str := func(id uint8) string { s, _ := ii.String(id); return s }
	m.Subject = str(miSubject)
	m.OriginalSubject = str(miOriginalSubject)
	m.MessageID = str(miMessageID)
	m.InReplyTo = str(miInReplyTo)
	m.Sender = str(miSender)
	m.SenderName = str(miSenderName)
	m.SenderAddress = str(miSenderAddress)
	m.ReceiverName = str(miReceiverName)
	m.ReceiverAddress = str(miReceiverAddress)
	m.Account = str(miAccount)
	m.AccountKey = str(miAccountKey)
	m.Server = str(miServer)
	m.Newsgroups = str(miNewsgroups)
	return m, nil
}
