package ndb_test

import (
	"fmt"
	"log"
	"os"

	"github.com/mailsalvage/mailsalvage/formats/pst/ndb"
)

// Open a PST read-only, list its nodes and read the message store's data
// blocks.
func Example() {
	fh, err := os.Open("mailbox.pst")
	if err != nil {
		log.Fatal(err)
	}
	defer fh.Close()
	st, _ := fh.Stat()
	f, err := ndb.Open(fh, st.Size())
	if err != nil {
		log.Fatal(err) // ndb.ErrNotPST, *ndb.VersionError, *ndb.FormatError
	}
	h := f.Header()
	fmt.Println(h.Version, "crypt", h.Crypt)

	f.WalkNodes(func(e ndb.NodeEntry) bool {
		fmt.Printf("node %v type %d data %v subnodes %v\n", e.NID, e.NID.Type(), e.Data, e.Subnodes)
		return true
	})

	store, err := f.Node(ndb.NIDMessageStore)
	if err != nil {
		log.Fatal(err)
	}
	blocks, err := f.Data(store.Data) // decoded, one slice per data block
	if err != nil {
		log.Print(err)
	}
	fmt.Println(len(blocks), "blocks")
	for _, w := range f.Warnings() { // CRC mismatches, skipped pages...
		fmt.Println("warning:", w)
	}
}
