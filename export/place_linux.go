package export

import (
	"errors"
	"os"

	"golang.org/x/sys/unix"
)

// tmpFiles is the folder of temporary .eml files inside OUT. On Linux it
// is held open and its files named relative to it (openat, renameat2,
// unlinkat), which spares the kernel a walk of OUT's path for each
// message.
type tmpFiles struct {
	dir string
	fd  int
}

func openTmpFiles(dir string) (*tmpFiles, error) {
	fd, err := unix.Open(dir, unix.O_DIRECTORY|unix.O_RDONLY|unix.O_CLOEXEC|unix.O_NOFOLLOW, 0)
	if err != nil {
		return nil, &os.PathError{Op: "open", Path: dir, Err: err}
	}
	return &tmpFiles{dir: dir, fd: fd}, nil
}

// write creates the temporary file name (which must not exist) holding
// data: open, write, close.
func (t *tmpFiles) write(name string, data []byte) error {
	fd, err := unix.Openat(t.fd, name, unix.O_WRONLY|unix.O_CREAT|unix.O_EXCL|unix.O_CLOEXEC, 0o644)
	if err != nil {
		return &os.PathError{Op: "open", Path: t.path(name), Err: err}
	}
	for len(data) > 0 {
		n, err := unix.Write(fd, data)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			unix.Close(fd)
			return &os.PathError{Op: "write", Path: t.path(name), Err: err}
		}
		data = data[n:]
	}
	if err := unix.Close(fd); err != nil {
		return &os.PathError{Op: "close", Path: t.path(name), Err: err}
	}
	return nil
}

// place moves the finished temporary file name to the path to, never
// replacing a file already there (it returns an error wrapping
// fs.ErrExist instead): one rename with RENAME_NOREPLACE where the file
// system has it.
func (t *tmpFiles) place(name, to string) error {
	err := unix.Renameat2(t.fd, name, unix.AT_FDCWD, to, unix.RENAME_NOREPLACE)
	switch {
	case err == nil:
		return nil
	case errors.Is(err, unix.EEXIST):
		return &os.LinkError{Op: "rename", Old: t.path(name), New: to, Err: os.ErrExist}
	case errors.Is(err, unix.EINVAL), errors.Is(err, unix.ENOSYS):
		return linkPlace(t.path(name), to)
	}
	return &os.LinkError{Op: "rename", Old: t.path(name), New: to, Err: err}
}

func (t *tmpFiles) remove(name string) { unix.Unlinkat(t.fd, name, 0) }

func (t *tmpFiles) close() { unix.Close(t.fd) }
