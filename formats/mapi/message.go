package mapi

// Message is an Outlook item: its properties, recipients and attachments,
// as a container reader found them.
type Message struct {
	Props       Properties
	Recipients  []*Properties
	Attachments []*Attachment
	// Warnings collects damage the reader met while building the message
	// (a missing stream, an unreadable property), each naming where.
	Warnings []string
}

// Attachment is one attachment object. Its data is in Props
// (PidTagAttachDataBinary for an attachment by value, PidTagAttachDataObject
// for OLE objects), unless it is an embedded message.
type Attachment struct {
	Props    Properties
	Embedded *Message // for PidTagAttachMethod afEmbeddedMessage
}

// Attachment methods (PidTagAttachMethod, MS-OXCMSG 2.2.2.9).
const (
	AttachNone            = 0
	AttachByValue         = 1
	AttachByReference     = 2
	AttachByReferenceOnly = 4
	AttachEmbeddedMessage = 5
	AttachOLE             = 6
	AttachByWebReference  = 7
)

// Recipient types (PidTagRecipientType).
const (
	RecipOriginator = 0
	RecipTo         = 1
	RecipCc         = 2
	RecipBcc        = 3
)

// Class returns the item's message class (PidTagMessageClass), "IPM.Note"
// when absent.
func (m *Message) Class() string {
	if s, ok := m.Props.String(PidTagMessageClass); ok && s != "" {
		return s
	}
	return "IPM.Note"
}
