package ndb

import (
	"errors"
	"fmt"
)

// Sentinel errors; test with errors.Is.
var (
	// ErrNotPST means the bytes do not start with the "!BDN" magic.
	ErrNotPST = errors.New("ndb: not a PST/OST file (no !BDN magic)")
	// ErrVersion means the header's wVer is not a known NDB version; the
	// error is a *VersionError carrying it.
	ErrVersion = errors.New("ndb: unsupported NDB version")
	// ErrNotFound means a NID is not in the NBT, a BID not in the BBT.
	ErrNotFound = errors.New("ndb: not found")
	// ErrFormat is matched by every *FormatError.
	ErrFormat = errors.New("ndb: malformed structure")
)

// VersionError reports a header whose wVer is not 14, 15 (ANSI), 21, 23
// (Unicode) or 36 (OST 2013). Is(ErrVersion) holds for it.
type VersionError struct {
	WVer   uint16
	Client string // wMagicClient: "SM" (PST), "SO" (OST), "AB" (PAB)
}

func (e *VersionError) Error() string {
	return fmt.Sprintf("ndb: unsupported NDB version wVer=%d (client %q); known: 14/15 ANSI, 23 Unicode, 36 OST 2013", e.WVer, e.Client)
}

// Is makes errors.Is(err, ErrVersion) true.
func (e *VersionError) Is(target error) bool { return target == ErrVersion }

// FormatError reports a structure that cannot be read: where it is (the
// absolute file offset, -1 when it has none), what it is (the MS-PST
// structure name, with the BID or NID that led there) and what is wrong.
// Is(ErrFormat) holds for it; Err, when set, is the underlying cause
// (io.ErrUnexpectedEOF, ErrNotFound...).
type FormatError struct {
	Offset    int64
	Structure string
	Msg       string
	Err       error
}

func (e *FormatError) Error() string {
	s := "ndb: " + e.Structure
	if e.Offset >= 0 {
		s += fmt.Sprintf(" at offset 0x%X", e.Offset)
	}
	s += ": " + e.Msg
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

// Unwrap returns the cause.
func (e *FormatError) Unwrap() error { return e.Err }

// Is makes errors.Is(err, ErrFormat) true.
func (e *FormatError) Is(target error) bool { return target == ErrFormat }

func formatErr(off int64, structure, format string, args ...any) *FormatError {
	return &FormatError{Offset: off, Structure: structure, Msg: fmt.Sprintf(format, args...)}
}
