// Package tnef decodes TNEF streams, the Transport Neutral Encapsulation
// Format that Outlook and Exchange use to carry MAPI properties through
// Internet mail: the winmail.dat attachment, MIME type application/ms-tnef
// (and application/vnd.ms-tnef). The stream becomes a *mapi.Message, which
// formats/mapi turns into an RFC 5322 message.
//
// Reference: [MS-OXTNEF] Transport Neutral Encapsulation Format (TNEF)
// Data Algorithm. The code follows its layers:
//
//   - stream.go: the stream (section 2.1.3): the signature 0x223E9F78, a
//     legacy key, then attributes, each a level (message or attachment),
//     an id, a length, the data and a 16-bit checksum, the sum of the data
//     bytes. Reader walks them as stored.
//   - attributes.go and decode.go: the attributes (section 2.1.3.3) and how
//     they map to properties: attMessageClass, attSubject, attFrom
//     (2.1.3.3.3), attDateSent, attDateRecd, attBody, attPriority,
//     attMessageStatus, attOemCodepage, attAttachRendData (2.1.3.3.15,
//     which starts each attachment), attAttachTitle, attAttachData,
//     attAttachMetaFile and the others.
//   - properties.go: the encapsulated properties (section 2.1.3.4) of
//     attMsgProps (2.1.3.3.21), attAttachment (2.1.3.3.23) and the rows of
//     attRecipTable, named properties included.
//
// # What Decode produces
//
// Message properties come from attMsgProps; the legacy attributes fill
// what it lacks (an encapsulated property wins over a mapped attribute
// with the same property id, as section 2.1.3 says). Among them:
// PidTagMessageClass, PidTagSubject, PidTagBody, PidTagHtml,
// PidTagRtfCompressed (0x10090102, the compressed RTF body, left
// compressed), PidTagInternetMessageId, the PidTagSender* properties from
// attFrom, PidTagClientSubmitTime from attDateSent,
// PidTagMessageDeliveryTime from attDateRecd, PidTagImportance from
// attPriority, PidTagMessageFlags from attMessageStatus.
//
// Each row of attRecipTable is one entry of Message.Recipients
// (PidTagRecipientType, PidTagDisplayName, PidTagEmailAddress,
// PidTagAddressType, PidTagSmtpAddress... as the writer gave them).
//
// Each attachment's properties come from attAttachment, with the legacy
// attributes filling in: attAttachRendData gives PidTagAttachMethod (by
// value, or OLE) and PidTagRenderingPosition; attAttachTitle gives
// PidTagAttachFilename (the 8.3 name) when attAttachment has none;
// attAttachData gives PidTagAttachDataBinary (PtypBinary, or PtypObject
// for an OLE attachment) when attAttachment carries no data;
// attAttachCreateDate and attAttachModifyDate give PidTagCreationTime and
// PidTagLastModificationTime. An embedded message is a PtypObject
// PidTagAttachDataObject (0x3701000D) whose value is IID_IMessage followed
// by a TNEF stream: it is decoded into Attachment.Embedded (nested at most
// MaxDepth deep) and the property is dropped; PidTagAttachMethod is
// afEmbeddedMessage. Any other PtypObject value is kept without its
// 16-byte IID.
//
// Named properties (property ids 0x8000 and above in the stream, each
// followed by its GUID and LID or name) get ids this package allocates
// from 0x8000, one per distinct name, recorded in Properties.Named; the
// map is shared by the message, its recipients and its attachments.
// 8-bit strings (PtypString8 properties and the string attributes) are
// kept as bytes and decoded with Properties.CodePage: the code page of
// attOemCodepage, else PidTagMessageCodepage, else the enclosing
// message's. String values are stored without their terminating NUL.
//
// # Damaged and hostile input
//
// Decode never panics and allocates in proportion to its input: every
// length and count is checked against the bytes left before anything is
// allocated, multi-valued properties keep at most 65536 values, and a
// stream keeps at most 16384 attachments, 65536 recipients and about four
// million property values. Input is limited to MaxSize (256 MiB).
//
// A checksum mismatch is a warning (Message.Warnings) and the data is
// kept. A property list that does not parse keeps the properties before
// the damage, with a warning, and decoding goes on with the next
// attribute. When the framing itself is broken (a wrong length, as when a
// copy turned CR LF into LF), Decode looks for the next attribute with a
// known id, a fitting length and a matching checksum and goes on from
// there, never past the signature of an embedded message's stream, so
// that no attribute lands in the wrong message. When there is none,
// decoding stops; an attachment's data cut short by the end of the input
// is kept. In both cases Decode returns a *FormatError with the message.
// A CR LF or zero padding after the last attribute is only a warning.
// Warnings and errors name the byte offset, counted from the start of the
// outermost stream, also inside embedded messages.
package tnef
