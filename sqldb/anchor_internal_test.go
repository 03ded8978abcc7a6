package sqldb

import (
	"fmt"
	"testing"

	"golang.org/x/mod/sumdb/tlog"
)

// TestTreeBuilder checks the streaming tree against tlog: the same stored
// hashes in the same order, and the same root at every size.
func TestTreeBuilder(t *testing.T) {
	var b treeBuilder
	var stored memHashes
	for i := range int64(70) {
		data := []byte(fmt.Sprintf("entry %d", i))
		want, err := tlog.StoredHashes(i, data, stored)
		if err != nil {
			t.Fatal(err)
		}
		got := b.add(data)
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("entry %d: hashes %v, want %v", i, got, want)
		}
		stored = append(stored, want...)
		root, err := tlog.TreeHash(i+1, stored)
		if err != nil {
			t.Fatal(err)
		}
		if b.root() != root {
			t.Fatalf("size %d: root %v, want %v", i+1, b.root(), root)
		}
	}
}
