package export

import (
	"errors"
	"os"

	"golang.org/x/sys/unix"
)

// placeFile moves a finished temporary file to its name, never replacing a
// file already there (it returns an error wrapping fs.ErrExist instead):
// one rename with RENAME_NOREPLACE where the file system has it.
func placeFile(from, to string) error {
	err := unix.Renameat2(unix.AT_FDCWD, from, unix.AT_FDCWD, to, unix.RENAME_NOREPLACE)
	switch {
	case err == nil:
		return nil
	case errors.Is(err, unix.EEXIST):
		return &os.LinkError{Op: "rename", Old: from, New: to, Err: os.ErrExist}
	case errors.Is(err, unix.EINVAL), errors.Is(err, unix.ENOSYS):
		return linkPlace(from, to)
	}
	return &os.LinkError{Op: "rename", Old: from, New: to, Err: err}
}
