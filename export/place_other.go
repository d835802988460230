//go:build !linux

package export

// placeFile moves a finished temporary file to its name, never replacing a
// file already there.
func placeFile(from, to string) error { return linkPlace(from, to) }
