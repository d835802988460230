package ltp_test

import (
	"fmt"
	"log"
	"os"

	"github.com/mailsalvage/mailsalvage/formats/mapi"
	"github.com/mailsalvage/mailsalvage/formats/pst/ltp"
	"github.com/mailsalvage/mailsalvage/formats/pst/ndb"
)

// subnodes serves the subnodes of one node to the LTP layer.
type subnodes struct {
	f *ndb.File
	m map[ndb.NID]ndb.SubnodeEntry
}

func (s subnodes) Subnode(nid ndb.NID) ([][]byte, error) {
	e, ok := s.m[nid]
	if !ok {
		return nil, fmt.Errorf("no subnode %v", nid)
	}
	return s.f.Data(e.Data)
}

// Read the message store's properties and list the root folder's
// subfolders from its hierarchy table.
func Example() {
	fh, err := os.Open("mailbox.pst")
	if err != nil {
		log.Fatal(err)
	}
	defer fh.Close()
	st, _ := fh.Stat()
	f, err := ndb.Open(fh, st.Size())
	if err != nil {
		log.Fatal(err)
	}
	read := func(nid ndb.NID) ([][]byte, ltp.Reader) {
		e, err := f.Node(nid)
		if err != nil {
			log.Fatal(err)
		}
		blocks, _ := f.Data(e.Data)
		m, _ := f.Subnodes(e.Subnodes)
		return blocks, subnodes{f, m}
	}

	pc, err := ltp.ReadPCDetailed(read(ndb.NIDMessageStore))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("store:", pc.Props.Str(mapi.PidTagDisplayName))
	for _, w := range pc.Warnings {
		fmt.Println("warning:", w)
	}

	t, err := ltp.ReadTC(read(ndb.NIDRootFolder.WithType(ndb.NIDTypeHierarchyTable)))
	if err != nil {
		log.Fatal(err)
	}
	for i := 0; i < t.Rows(); i++ {
		row, err := t.Row(i)
		if err != nil {
			continue
		}
		fmt.Printf("folder %v: %s\n", ndb.NID(t.RowID(i)), row.Str(mapi.PidTagDisplayName))
	}
}
