package ndb

import "hash/crc32"

// CRC computes the 32-bit cyclic redundancy check of MS-PST 5.3 that
// headers, pages and blocks carry: the IEEE polynomial (the table MS-PST
// gives is the reflected 0xEDB88320 one) started at 0 and without the
// final inversion, so it differs from crc32.ChecksumIEEE.
func CRC(b []byte) uint32 {
	// crc32.Update inverts on entry and on exit; starting from ^0 and
	// inverting the result yields the raw table loop started at 0.
	return ^crc32.Update(0xFFFFFFFF, crc32.IEEETable, b)
}

// ComputeSig computes the wSig of a block or page trailer (MS-PST 5.5)
// from the structure's file offset and BID.
func ComputeSig(ib uint64, bid BID) uint16 {
	ib ^= uint64(bid)
	return uint16(ib>>16) ^ uint16(ib)
}
