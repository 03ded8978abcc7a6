//go:build !linux

package backup

import (
	"io/fs"
	"os"
	"path/filepath"
)

// syncFiles makes every file written under dir durable, one by one.
func syncFiles(dir string) error {
	return filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		f, err := os.OpenFile(p, os.O_RDWR, 0)
		if err != nil {
			return err
		}
		defer f.Close()
		return f.Sync()
	})
}
