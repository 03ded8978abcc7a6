//go:build !unix

package localkeys

// LockRotation holds nothing where file locks are not known: run one
// rotation of an organisation at a time.
func (k *Keyring) LockRotation(orgID string) (unlock func(), err error) {
	return func() {}, nil
}
