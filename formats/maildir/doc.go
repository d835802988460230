// Package maildir reads Maildir and Maildir++ folders: every file that holds
// a message becomes one formats.Message, with the folder it was in, the
// flags its name carries and what looks wrong with it.
//
// # Layout
//
// A Maildir (D. J. Bernstein, https://cr.yp.to/proto/maildir.html) is a
// directory with three sub-directories: tmp/, where a delivery writes a new
// file; new/, where the file is moved once complete; cur/, where a mail
// reader moves it once seen, appending ":2,<flags>" to its name. Each file
// holds one message.
//
// Maildir++ (Courier, https://www.courier-mta.org/imap/README.maildirquota.html
// and maildir(5); Dovecot,
// https://doc.dovecot.org/admin_manual/mailbox_formats/maildir/) keeps
// the INBOX in the root and every other folder in a ".Name" directory beside
// cur/new/tmp, the hierarchy spelled with dots: ".Work.2024" is the folder
// Work/2024. Folder names are in IMAP's modified UTF-7 (RFC 3501 section
// 5.1.3; "&AOQ-" is "ä"). Dovecot's LAYOUT=fs, and tools such as mu, nest
// maildirs in plain directories instead ("Work/2024/cur").
//
// # What is read
//
//   - The root is the INBOX: Message.Folder is nil.
//   - A ".A.B" directory in the root with cur/, new/ or tmp/ in it is the
//     folder ["A", "B"]. The name is decoded from modified UTF-7 when every
//     element is valid modified UTF-7, and kept as on disk otherwise. A name
//     with an empty element (".A..B") is kept whole as one element. A ".Name"
//     directory without cur/, new/ and tmp/ is not a folder (".notmuch").
//   - Any other directory below a folder (except cur/, new/, tmp/ and mail
//     server metadata such as courierimapkeywords/) is a nested folder
//     named after it, to a depth of MaxDepth; it has messages of its own
//     when it holds cur/, new/ or tmp/.
//   - Every regular file in cur/, new/ and tmp/ whose name does not start
//     with a dot is a message. Files in tmp/ were never delivered: their
//     state is formats.Partial.
//   - Files beside cur/new/tmp are metadata (dovecot-uidlist,
//     dovecot-keywords, dovecot.index*, maildirfolder, maildirsize,
//     subscriptions, courierimapuiddb...) and are skipped silently, except
//     that a file there that starts with a mail header is read too, with a
//     warning: some tools (notmuch's test corpus, hand copies) leave
//     messages there, and a recovery tool should not lose them.
//
// Order is deterministic: the root first, then its sub-folders sorted by
// directory name, each followed by the folders nested in it; within a folder
// cur/, new/, tmp/, each sorted by file name, then the files beside them.
//
// # File names
//
// ParseName takes a file name apart: the unique part with Courier's and
// Dovecot's ",S=<size>" and ",W=<virtual size>" fields, the info after ':'
// (or '!' or ';' on file systems without colons), the flags of "2," info
// (P passed, R replied, S seen, T trashed, D draft, F flagged; lowercase
// letters are Dovecot keywords) and the raw text of "1," experimental info.
//
// # Attributes
//
// Each message carries, where they apply (formats.Message.Attrs):
//
//	maildir_subdir         cur, new or tmp (absent for a file beside them)
//	maildir_flags          the uppercase flags, as in the name ("RST")
//	maildir_keywords       Dovecot keyword letters ("ab")
//	maildir_keyword_names  their names from the folder's dovecot-keywords
//	maildir_size           the S= field
//	maildir_vsize          the W= field
//	maildir_info           info other than "2,": "1,<experimental>" and the like
//	maildir_mtime          the file's modification time, RFC 3339 in UTC
//	                       (Dovecot and Courier keep the received date there)
//
// # States and warnings
//
// A message is formats.Intact unless: it is in tmp/, shorter than its S=
// field says, does not start with a header section (read from its first
// HeadCheck bytes), or is a multipart message without its closing
// delimiter (eml.CheckMultipart: the test a .eml file gets), which make it
// formats.Partial; or it carries the T flag,
// which makes it formats.Deleted. Deleted wins over Partial (the mailbox's
// own flag is a fact; damage is an inference), and the damage stays in the
// warnings. A file larger than its S= field is only
// warned about. Blank lines before the header are left out of the message,
// as eml.FileLead says, with a warning; so is an mbox "From " line
// that some tools leave at the top of a message file when they move mail
// from an mbox into a Maildir (as the mbox reader leaves it out), kept as
// the mbox_separator attribute.
//
// Unreadable files and directories, empty files, symbolic links (never
// followed) and devices are returned from Next as *formats.Problem; reading
// goes on with the next file.
//
// Files are only ever opened for reading through the fs.FS given to New.
package maildir
