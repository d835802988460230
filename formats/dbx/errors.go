package dbx

import (
	"errors"
	"fmt"
)

// Sentinel errors, wrapped by every *FormatError so that a caller can
// decide with errors.Is: skip the structure, try the scan, or stop.
var (
	// ErrFormat: a structure is not what the format says it should be
	// (a wrong magic, a count past its bound, an offset outside the file).
	ErrFormat = errors.New("dbx: malformed structure")
	// ErrChain: a message's chain of data blocks is broken (a next pointer
	// outside the file, a loop, a block whose self offset is wrong); what
	// came before the break is still read.
	ErrChain = errors.New("dbx: broken data block chain")
	// ErrNotFolderStore: folder infos were asked of a file that is not
	// Folders.dbx.
	ErrNotFolderStore = errors.New("dbx: not a folder store (Folders.dbx)")
)

// FormatError says where in the file a structure is wrong and how, in the
// manner of debug/elf's FormatError.
type FormatError struct {
	Off       int64  // byte offset of the structure in the file
	Structure string // "file header", "tree node", "message info", "data block"...
	Msg       string // what is wrong
	Val       any    // the offending value, if any
	Err       error  // ErrFormat or ErrChain
}

func (e *FormatError) Error() string {
	s := fmt.Sprintf("dbx: %s @0x%x: %s", e.Structure, e.Off, e.Msg)
	if e.Val != nil {
		switch v := e.Val.(type) {
		case uint32, int64, int, uint64:
			s += fmt.Sprintf(" (0x%x)", v)
		default:
			s += fmt.Sprintf(" (%v)", v)
		}
	}
	return s
}

func (e *FormatError) Unwrap() error {
	if e.Err == nil {
		return ErrFormat
	}
	return e.Err
}

func formatErr(off int64, structure, msg string, val any) *FormatError {
	return &FormatError{Off: off, Structure: structure, Msg: msg, Val: val, Err: ErrFormat}
}

func chainErr(off int64, msg string, val any) *FormatError {
	return &FormatError{Off: off, Structure: "data block", Msg: msg, Val: val, Err: ErrChain}
}
