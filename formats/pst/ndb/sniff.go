package ndb

// Telling a PST or OST whose header is gone from any other file: the
// pages of every variant end with a trailer (MS-PST 2.2.2.7.1) whose
// ptype is repeated, whose CRC covers the page and whose wSig (B-tree and
// DList pages) or BID (the allocation maps, whose BID is their offset)
// depends on where the page is. Random bytes pass those checks with odds
// below 2^-40 per offset.

// Sniff looks for a page with a sound trailer at every 512-byte offset of
// head, the first bytes of a file, in the layout of each variant, and
// returns the variant of the first one found. It is for files whose
// header is damaged: a sound header says its variant itself.
func Sniff(head []byte) (Version, bool) {
	for off := 0; off+512 <= len(head); off += 512 {
		for _, v := range []Version{Unicode, ANSI, OST2013} {
			lay := layouts[v]
			if off+lay.pageSize > len(head) {
				continue
			}
			if soundPage(head[off:off+lay.pageSize], int64(off), lay) {
				return v, true
			}
		}
	}
	return 0, false
}

// soundPage reports whether b, the bytes at off, is a page of layout lay
// with a sound trailer.
func soundPage(b []byte, off int64, lay layout) bool {
	pt := parsePageTrailer(b, lay)
	if pt.PType != pt.PTypeRepeat || pt.PType < PTypeBBT || pt.PType > PTypeDL {
		return false
	}
	if CRC(b[:lay.pageCRCLen]) != pt.CRC {
		return false
	}
	switch pt.PType {
	case PTypeBBT, PTypeNBT, PTypeDL:
		return ComputeSig(uint64(off), pt.BID) == pt.Sig
	default:
		return uint64(pt.BID) == uint64(off) && pt.Sig == 0
	}
}
