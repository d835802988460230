// Package eml reads single-message files: RFC 5322 messages stored one per
// file (.eml, and the .raw, .txt or extensionless files other tools write),
// and Apple Mail's .emlx and .partial.emlx. Importing it registers two
// formats with the formats registry: "eml" and "emlx".
//
// # eml
//
// A file whose first line (after an optional UTF-8 byte order mark) is a
// header field and whose start looks like a header section. The message is
// the file byte for byte, line endings untouched, without the trailing run
// of NUL or other binary bytes that disk slack and damaged copies leave
// (see Trim); what is trimmed is named in a warning with its offset and
// length. The message is Partial when no empty line ends its header
// section within 1 MiB (or before the file ends), or when its multipart
// body lacks the closing delimiter "--boundary--" (RFC 2046 section
// 5.1.1), the usual sign of a truncated file. A closing delimiter cut
// short by one dash at the very end ("--boundary-", which Apple Mail
// sometimes writes) is only a warning.
//
// # emlx
//
// Apple Mail keeps each message in its own file: a first line with the
// decimal length of the message, the RFC 5322 message, then an XML property
// list with Apple Mail's metadata: flags, date-received, date-last-viewed,
// remote-id, color, conversation-id... The message is the declared bytes;
// the property list's scalar values go to the message's Attrs as
// "emlx_<key>" (dates as RFC 3339), the flags decoded into
// "emlx_flag_names", "emlx_attachment_count" and "emlx_priority" (see
// Flags). A message with the deleted flag is Deleted.
//
// A damaged .emlx is read as far as its bytes allow (see ReadLayout): a
// count larger than what the file holds makes the message Partial, taken up
// to the property list or the end of the file; a count that ends before the
// property list keeps the bytes in between as message; a missing or
// unreadable property list is a warning. A message both damaged and
// flagged deleted is Deleted (see formats.State); the damage stays in its
// warnings.
//
// A .partial.emlx stores the data of its larger MIME parts outside the
// message, in <mailbox>/Attachments/<message number>/<IMAP part
// number>/<file name> beside <mailbox>/Messages; those parts keep their
// header with an X-Apple-Content-Length field and have an empty body. When
// every such file is found (through Probe.Path, opened read-only), the
// message is rebuilt: each empty body is filled with its file encoded as
// the part's Content-Transfer-Encoding says (base64 in 76-character lines,
// quoted-printable, or as is), everything else kept byte for byte,
// including the X-Apple-Content-Length fields. Such a message has Method
// "emlx-reassembled", a second hop in its Chain saying so, and Attrs naming
// each file used, relative to the .emlx's folder, with its SHA-256. When a file is missing the message is
// exported as stored, Partial, with a warning naming the parts.
//
// To find such parts, the message of a multipart .emlx is read once, line
// by line, when it is opened; parts are numbered as IMAP numbers body
// sections (RFC 3501 section 6.4.5), the scheme Apple Mail names the
// folders by.
//
// Both formats yield exactly one message per file and stream it from the
// evidence; nothing is read whole into memory. Offsets in warnings are
// offsets in the evidence file.
package eml

import "github.com/mailsalvage/mailsalvage/formats"

func init() {
	formats.Register(formats.Format{Name: "eml", Match: MatchEML, OpenFile: OpenEML})
	formats.Register(formats.Format{Name: "emlx", Match: MatchEMLX, OpenFile: OpenEMLX})
}
