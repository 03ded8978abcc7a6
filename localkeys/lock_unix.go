//go:build unix

package localkeys

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
)

// LockRotation holds the organisation's rotation lock, a lock on the file
// ORG.rotation.lock in the keys folder, until unlock; a process that dies
// lets go of it. It fails at once when another process holds it.
func (k *Keyring) LockRotation(orgID string) (unlock func(), err error) {
	if !validID(orgID) {
		return nil, fmt.Errorf("localkeys: organisation id %q is not valid", orgID)
	}
	f, err := os.OpenFile(filepath.Join(k.dir, orgID+".rotation.lock"), os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("localkeys: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, ErrRotating
		}
		return nil, fmt.Errorf("localkeys: %w", err)
	}
	return func() { f.Close() }, nil
}
