package bagit

import (
	"bytes"
	"testing"
)

// FuzzVerify opens and checks whatever a zip holds: never a panic.
func FuzzVerify(f *testing.F) {
	good := makeBagF(f)
	f.Add(good)
	f.Add([]byte("PK\x05\x06" + string(make([]byte, 18))))
	f.Fuzz(func(t *testing.T, data []byte) {
		b, err := Open(bytes.NewReader(data), int64(len(data)))
		if err != nil {
			return
		}
		_ = b.Verify()
	})
}

func makeBagF(f *testing.F) []byte {
	var buf bytes.Buffer
	w, err := NewWriter(&buf, day)
	if err != nil {
		f.Fatal(err)
	}
	if _, err := w.Add("a.txt", bytes.NewReader([]byte("a")), true); err != nil {
		f.Fatal(err)
	}
	if err := w.Close(nil); err != nil {
		f.Fatal(err)
	}
	return buf.Bytes()
}
