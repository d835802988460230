package carve

import (
	"bytes"
	"errors"
	"io"
	"testing"

	"github.com/mailsalvage/mailsalvage/formats"
)

// FuzzDetectHeader runs the header-block detector on any bytes: it must
// not panic, and what it reports must lie inside the input. Seeds:
// testdata/fuzz/FuzzDetectHeader.
func FuzzDetectHeader(f *testing.F) {
	f.Add([]byte("From: a@b.example\nTo: c@d.example\nDate: Mon, 1 Jan 2001 00:00:00 +0000\n\nbody\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		h := DetectHeader(b)
		if h.Len < 0 || h.Len > len(b) {
			t.Fatalf("Len %d of %d bytes", h.Len, len(b))
		}
		if h.stop == stopJunk && (h.JunkAt < 0 || h.JunkAt > len(b)) {
			t.Fatalf("JunkAt %d of %d bytes", h.JunkAt, len(b))
		}
		if h.Known > h.Fields || h.Ext > h.Fields || h.Unknown > h.Fields {
			t.Fatalf("counts %+v", h)
		}
		for _, ctx := range []startCtx{ctxText, ctxBlank, ctxJunk, ctxSector, ctxRange, ctxFrom, ctxCount, ctxInBody} {
			h.Accepts(ctx)
		}
	})
}

// FuzzCarve runs the whole carver (start detection, the end finder,
// container checks, reassembly) over any bytes, with small chunks and
// sectors so that chunk seams and sector rules are exercised: it must not
// panic or hang, every loose message must be a range of the input read
// back exactly, Seeds: testdata/fuzz/FuzzCarve.
func FuzzCarve(f *testing.F) {
	f.Add([]byte("Return-Path: <a@b.example>\nReceived: from x by y; Mon, 1 Jan 2001 00:00:00 +0000\nFrom: a@b.example\nMessage-ID: <1@b.example>\n\nhi\n\x00\x00"))
	f.Fuzz(func(t *testing.T, b []byte) {
		if len(b) > 64<<10 {
			return
		}
		opt := Options{ChunkSize: 1024, SectorSize: 64, Workers: 2}
		if len(b)%2 == 1 {
			opt.joinReach = 2048 // tails joined while the scan goes on
		}
		c := New(bytes.NewReader(b), int64(len(b)), opt)
		defer c.Close()
		for i := 0; ; i++ {
			if i > 4*len(b)+16 {
				t.Fatalf("more messages than bytes")
			}
			m, err := c.Next()
			if m != nil {
				rc, oerr := m.Open()
				if oerr != nil {
					t.Fatalf("Open: %v", oerr)
				}
				got, rerr := io.ReadAll(rc)
				rc.Close()
				if rerr != nil {
					t.Fatalf("read: %v", rerr)
				}
				if m.Method == "carve-message" {
					off, n := *m.Chain[0].Offset, *m.Chain[0].Length
					if off < 0 || n < 0 || off+n > int64(len(b)) || !bytes.Equal(got, b[off:off+n]) {
						t.Fatalf("message %s: not the input's bytes", m.Chain)
					}
				}
			}
			if err == io.EOF {
				return
			}
			if err != nil {
				var p *formats.Problem
				if !errors.As(err, &p) {
					t.Fatalf("Next: %v", err)
				}
			}
		}
	})
}
