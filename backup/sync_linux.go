package backup

import (
	"os"

	"golang.org/x/sys/unix"
)

// syncFiles makes every file written under dir durable: on Linux, one
// syncfs of the file system that holds it, which waits for all of its
// data and reports a failed write-back.
func syncFiles(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return unix.Syncfs(int(d.Fd()))
}
