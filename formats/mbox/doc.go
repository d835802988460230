// Package mbox reads mbox files in all their variants and survives their
// damage.
//
// Variants (RFC 4155 and the practice it describes): mboxo and mboxrd
// (messages separated by "From " lines, body lines that would look like one
// quoted as ">From "; one '>' is removed from every >From, >>From... line
// when a message is read), mboxcl and mboxcl2 (a Content-Length field
// delimits the body; it is used only when it lands exactly on the next
// separator or the end of the file, and an mboxcl2 body with raw "From "
// lines is not unescaped), Thunderbird's files ("From - " separators,
// X-Mozilla-Status flag 0x0008 = expunged but still present, read as state
// deleted), and the Status/X-Status "D" flag of Unix mailers. LF and CRLF
// files are read alike, and each message is kept byte for byte, less the
// empty line that the format adds after it.
//
// Damage: a recovered or crashed mbox has garbage between messages,
// separator lines with broken bytes ("Fr\x00m - ..."), NUL-filled holes,
// a truncated last message, and messages whose separator is gone. The
// Scanner walks the file line by line (eight bytes at a time for control
// bytes) and finds message starts three ways: a "From " line followed by a
// header field or carrying an asctime date after an empty line; a damaged
// From line followed by a header field; and, where the separator is
// missing, a convincing header block (rfc5322.Block.LooksLikeMessage) after
// an empty line or right after damage, unless a MIME part header or a
// bounce's "copy of the message follows" line shows that it is an embedded
// message. Damage runs between messages are skipped and reported; damage
// inside a message is kept in it and the message is marked partial. Every
// byte of the file is accounted for: in a message, in a separator line, or
// in a reported gap.
//
// Memory: the Scanner reads through a 4 MiB window and message bytes are
// streamed from the io.ReaderAt when asked for, so a 20 GB mbox costs no
// more memory than a small one.
//
// Why not github.com/emersion/go-mbox: its reader stops with
// ErrInvalidFormat at the first byte before a "From " line, rewrites line
// endings to CRLF (so the stored bytes are not kept), knows nothing of
// Content-Length, flags or damage, and reports no offsets. Recovery needs
// all of that, so this package has its own splitter.
package mbox
