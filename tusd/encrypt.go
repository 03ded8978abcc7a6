package tusd

import (
	"hash"
	"io"

	"github.com/opname/opname/agecrypt"
)

// encReader reads plaintext from src and gives its ciphertext: the bytes
// are hashed and encrypted in one pass, in pieces of a megabyte.
type encReader struct {
	src    io.Reader
	stream *agecrypt.Stream
	h      hash.Hash
	plain  []byte
	buf    []byte // ciphertext of the last piece
	out    []byte // what of buf was not yet read
	n      int64  // plaintext bytes taken
	err    error  // src's error, other than EOF
	eof    bool
}

const piece = 1 << 20

func newEncReader(src io.Reader, stream *agecrypt.Stream, h hash.Hash) *encReader {
	return &encReader{src: src, stream: stream, h: h, plain: make([]byte, piece), buf: make([]byte, 0, piece+piece/agecrypt.ChunkSize*agecrypt.ChunkOverhead+64)}
}

// fill encrypts the next piece. A src that breaks off ends the stream
// here: what arrived is kept, and the error is reported afterwards.
func (e *encReader) fill() {
	n, err := io.ReadFull(e.src, e.plain)
	if n > 0 {
		e.h.Write(e.plain[:n])
		e.buf = e.stream.Write(e.buf[:0], e.plain[:n])
		e.out = e.buf
		e.n += int64(n)
	}
	switch {
	case err == io.EOF || err == io.ErrUnexpectedEOF:
		e.eof = true
	case err != nil:
		e.eof, e.err = true, err
	}
}

func (e *encReader) Read(p []byte) (int, error) {
	for len(e.out) == 0 {
		if e.eof {
			return 0, io.EOF
		}
		e.fill()
	}
	n := copy(p, e.out)
	e.out = e.out[n:]
	return n, nil
}

// WriteTo hands the ciphertext to w without another copy.
func (e *encReader) WriteTo(w io.Writer) (int64, error) {
	var total int64
	for {
		if len(e.out) > 0 {
			n, err := w.Write(e.out)
			total += int64(n)
			e.out = e.out[n:]
			if err != nil {
				return total, err
			}
		}
		if e.eof {
			return total, nil
		}
		e.fill()
	}
}
