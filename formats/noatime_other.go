//go:build !linux

package formats

const oNoATime = 0
