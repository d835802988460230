// Package peers runs the PST/OST tools mailsalvage is checked against —
// pffexport (libpff's pff-tools) and readpst (libpst's pst-utils) — and
// reads what they write into one common form, so that tests in several
// packages can compare mailsalvage's output with theirs item by item.
//
// Both tools are optional: Available reports whether one is installed, and
// the callers skip when it is not. Running a tool that fails part way
// returns what it wrote before failing together with the error.
//
// The folder paths in an Export are the PST's own folder names from the
// children of the root folder down, joined by "/" ("Top of Personal
// Folders/Inbox", "Root - Mailbox/IPM_SUBTREE/Inbox"): the root folder
// (NID 0x122, nameless) is not part of them. pffexport writes exactly that
// tree (with file-name-safe names, see PffName); readpst writes only the
// IPM subtree, under a folder named after the message store (see
// ReadPST).
package peers

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os/exec"
	"sort"
	"strings"
	"time"
)

// Export is what one peer tool wrote for one PST or OST file.
type Export struct {
	Tool    string // "pffexport" or "readpst"
	Version string // as the tool prints it
	Source  string // the PST/OST file
	Dir     string // where the tool wrote its output
	// Store is the folder readpst names after the message store (its
	// display name, or the file name when it has none); "" for pffexport.
	Store string
	// Folders lists every folder the tool wrote, parents before children,
	// in the tool's order.
	Folders []*Folder
	// Skipped lists what the tool says it left out, as it says it
	// ("item 2 out of 14 of type: IPM.AbchPerson" for pffexport; "Tasks:
	// 2 items skipped" for readpst).
	Skipped []string
	// Errors lists the error lines the tool printed.
	Errors []string
	// Output is what the tool printed (stdout and stderr).
	Output string
}

// Folder is one folder of an Export.
type Folder struct {
	// Path is the folder's path: for pffexport the PST's folder names
	// (as the tool's log gives them, unsanitized); for readpst the
	// directory names below the store folder (readpst turns / \ : into _
	// and appends 1, 2... to a name already taken).
	Path  string
	Dir   string // the tool's directory, relative to Export.Dir ("" for the top)
	NID   uint32 // pffexport: the folder's node id; 0 when unknown
	Items []*Item
}

// Item is one message, appointment, contact... as a tool wrote it, or as
// ParseEML reads an .eml file.
type Item struct {
	Folder string // Folder.Path of the folder holding it ("" for embedded items)
	Path   string // the file or directory written for it, relative to Export.Dir
	// Kind is, for pffexport, the kind it names the item's directory
	// after: Message (IPM.Note*, REPORT.IPM.Note*, IPM.Conflict.Message),
	// Appointment, Meeting, Contact, DistributionList, Task, Note (sticky
	// note), Activity (journal), Document, Feed (RSS); for readpst the
	// extension it wrote ("eml", "ics" or "vcf"); "eml" from ParseEML.
	Kind  string
	NID   uint32 // pffexport: node id (a subnode id for an embedded item); 0 when unknown
	Class string // PidTagMessageClass, when the tool shows it

	MessageID string // with its angle brackets
	Subject   string
	// From is who the message is from: the From field of an .eml; for
	// pffexport the "sent representing" properties (PidTagSentRepresenting*).
	From Address
	// Sender is the Sender field of an .eml; for pffexport the
	// PidTagSender* properties.
	Sender     Address
	Recipients []Recipient
	// RecipientsKnown is set when the tool writes an item's recipients
	// for this kind of item (pffexport does not for meetings and
	// distribution lists), so that none means none.
	RecipientsKnown bool

	// Date is the Date field of an .eml; for pffexport the Date field of
	// the transport headers, when the item has them.
	Date time.Time
	// The MAPI times pffexport shows (all UTC); zero when not set.
	ClientSubmitTime, DeliveryTime, CreationTime, ModificationTime time.Time

	// Headers holds the transport headers (pffexport: InternetHeaders.txt)
	// or the header section (.eml), as text.
	Headers string

	Attachments []*Attachment
	// AttachmentsKnown is set when the tool writes an item's attachments
	// for this kind of item (pffexport does not for meetings and
	// distribution lists).
	AttachmentsKnown bool

	// Errors lists what the tool reported about this item ("Unable to
	// export email item"), or what could not be parsed.
	Errors []string
}

// Address is an originator or recipient.
type Address struct {
	Name string // display name
	Addr string // address as stored: SMTP, or an Exchange DN for type EX
	Type string // address type (SMTP, EX...), when known
	SMTP string // the SMTP address when the tool shows one (PidTagSmtpAddress...)
}

// Recipient is one recipient of an item.
type Recipient struct {
	Address
	Kind string // To, CC, BCC (pffexport's words; the header field name from an .eml)
}

// Attachment is one attachment of an item.
type Attachment struct {
	// Name is the attachment's file name: for pffexport the name of the
	// file it wrote less its "N_" prefix (so sanitized, see PffName), ""
	// when the attachment has no long file name (pffexport writes
	// "N_Attachment.txt" then); from an .eml the filename or name
	// parameter.
	Name   string
	Path   string // the file written, relative to Export.Dir (pffexport)
	Size   int64
	SHA256 string // hex, of the attachment's bytes
	// LongName is PidTagAttachLongFilename as pffexport shows it in its
	// item values (unsanitized), when known.
	LongName string
	// Embedded is the attached item of an embedded message
	// (pffexport: Attachments/AttachmentNNNNN/<Kind>NNNNN; .eml:
	// message/rfc822).
	Embedded *Item
	// Method is PidTagAttachMethod as pffexport shows it in its item
	// values (1 by value, 5 embedded message, 6 OLE object...); 0 when
	// unknown. For an OLE object pffexport writes the OLE storage (a
	// compound file) as the attachment's bytes.
	Method int
	// Type is the part's media type (.eml).
	Type string
}

// Items returns every item of the export (embedded ones aside), folder by
// folder.
func (e *Export) Items() []*Item {
	var out []*Item
	for _, f := range e.Folders {
		out = append(out, f.Items...)
	}
	return out
}

// Count returns the number of items written (embedded ones aside).
func (e *Export) Count() int {
	n := 0
	for _, f := range e.Folders {
		n += len(f.Items)
	}
	return n
}

// Counts returns the number of items per folder path, for folders holding
// any.
func (e *Export) Counts() map[string]int {
	m := map[string]int{}
	for _, f := range e.Folders {
		if len(f.Items) > 0 {
			m[f.Path] += len(f.Items)
		}
	}
	return m
}

// Kinds returns the number of items of each Kind.
func (e *Export) Kinds() map[string]int {
	m := map[string]int{}
	for _, it := range e.Items() {
		m[it.Kind]++
	}
	return m
}

// MessageIDs returns how many items carry each Message-ID.
func (e *Export) MessageIDs() map[string]int {
	m := map[string]int{}
	for _, it := range e.Items() {
		if it.MessageID != "" {
			m[it.MessageID]++
		}
	}
	return m
}

// Folder returns the folder with the given path, or nil.
func (e *Export) Folder(path string) *Folder {
	for _, f := range e.Folders {
		if f.Path == path {
			return f
		}
	}
	return nil
}

// Summary describes the export in one line: items per kind, folders,
// what was skipped, errors.
func (e *Export) Summary() string {
	kinds := e.Kinds()
	var ks []string
	for k, n := range kinds {
		ks = append(ks, fmt.Sprintf("%s %d", k, n))
	}
	sort.Strings(ks)
	nonEmpty := 0
	for _, f := range e.Folders {
		if len(f.Items) > 0 {
			nonEmpty++
		}
	}
	return fmt.Sprintf("%s: %d items (%s) in %d of %d folders, %d skipped, %d error lines",
		e.Tool, e.Count(), strings.Join(ks, ", "), nonEmpty, len(e.Folders), len(e.Skipped), len(e.Errors))
}

// Available reports whether tool ("pffexport" or "readpst") is installed.
func Available(tool string) bool {
	_, err := exec.LookPath(tool)
	return err == nil
}

// ErrNotInstalled is returned (wrapped) by PffExport and ReadPST when the
// tool is not on $PATH.
var ErrNotInstalled = errors.New("not installed")

// ToolError is returned when a tool exits with an error or is killed; what
// it wrote before is still parsed and returned with it.
type ToolError struct {
	Tool   string
	Args   []string
	Err    error  // from exec
	Output string // the last lines the tool printed
}

func (e *ToolError) Error() string {
	s := e.Tool + " " + strings.Join(e.Args, " ") + ": " + e.Err.Error()
	if e.Output != "" {
		s += ": " + e.Output
	}
	return s
}

func (e *ToolError) Unwrap() error { return e.Err }

// run runs tool with args in dir and returns its combined output.
func run(ctx context.Context, dir, tool string, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, tool, args...)
	cmd.Dir = dir
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	cmd.WaitDelay = 5 * time.Second
	err := cmd.Run()
	s := out.String()
	if err != nil {
		if ctx.Err() != nil {
			err = errors.Join(err, ctx.Err())
		}
		return s, &ToolError{Tool: tool, Args: args, Err: err, Output: lastLines(s, 3)}
	}
	return s, nil
}

// version runs tool with -V and returns the first line that names a
// version ("pffexport 20180714", "ReadPST / LibPST v0.6.76").
func version(ctx context.Context, tool string) string {
	out, _ := exec.CommandContext(ctx, tool, "-V").CombinedOutput()
	for _, l := range strings.Split(string(out), "\n") {
		if l = strings.TrimSpace(l); l != "" {
			return l
		}
	}
	return ""
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, " / ")
}
