package synth

import "math/rand/v2"

// The damage recovered and crashed mailboxes show, as operations on a
// copy of the file's bytes. Each returns the new bytes.

// Garbage returns n random bytes, as an overwritten or reused disk region
// leaves them.
func Garbage(rng *rand.Rand, n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(rng.IntN(256))
	}
	return b
}

// Insert returns b with ins inserted at off.
func Insert(b []byte, off int64, ins []byte) []byte {
	out := make([]byte, 0, len(b)+len(ins))
	out = append(out, b[:off]...)
	out = append(out, ins...)
	return append(out, b[off:]...)
}

// Zero returns b with n bytes at off set to NUL (a hole left by a crash or
// a zeroed sector).
func Zero(b []byte, off, n int64) []byte {
	out := append([]byte(nil), b...)
	for i := off; i < off+n && i < int64(len(out)); i++ {
		out[i] = 0
	}
	return out
}

// Replace returns b with the bytes at off overwritten by r.
func Replace(b []byte, off int64, r []byte) []byte {
	out := append([]byte(nil), b...)
	copy(out[off:], r)
	return out
}

// Cut returns b without the n bytes at off.
func Cut(b []byte, off, n int64) []byte {
	out := make([]byte, 0, len(b))
	out = append(out, b[:off]...)
	return append(out, b[off+n:]...)
}

// FlipBits returns b with n random single-bit flips.
func FlipBits(rng *rand.Rand, b []byte, n int) []byte {
	out := append([]byte(nil), b...)
	for i := 0; i < n && len(out) > 0; i++ {
		p := rng.IntN(len(out))
		out[p] ^= 1 << rng.IntN(8)
	}
	return out
}
