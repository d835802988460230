package dbx_test

import (
	"fmt"
	"io"
	"os"

	"github.com/mailsalvage/mailsalvage/formats/dbx"
)

// Listing the messages of a store with their provenance.
func ExampleReader() {
	fh, err := os.Open("Inbox.dbx")
	if err != nil {
		return
	}
	defer fh.Close()
	st, _ := fh.Stat()
	rd := dbx.NewReader(fh, st.Size())
	rd.Folder = dbx.FolderName(fh.Name())
	for {
		m, err := rd.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			fmt.Println("problem:", err) // damage: reading goes on
			continue
		}
		fmt.Println(m.State, m.Size, m.Chain)
	}
}

// Walking the structures of a store: the tree, a message info, its chain.
func ExampleFile() {
	fh, err := os.Open("Inbox.dbx")
	if err != nil {
		return
	}
	defer fh.Close()
	st, _ := fh.Stat()
	f, err := dbx.NewFile(fh, st.Size())
	if err != nil {
		fmt.Println(err)
		return
	}
	infos, damage := f.MessageInfos()
	fmt.Println(f.Header.Class, len(infos), "messages in the tree;", len(damage), "damaged nodes")
	for _, off := range infos {
		mi, err := f.ReadMessageInfo(int64(off))
		if err != nil {
			continue
		}
		c := f.ReadChain(int64(mi.Data))
		fmt.Printf("index %d %q: %d blocks, %d bytes\n", mi.Index, mi.Subject, len(c.Blocks), c.Size)
	}
}
