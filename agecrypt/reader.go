package agecrypt

import (
	"context"
	"hash"
	"io"
)

// Reader reads plaintext from a source and gives its encrypted payload,
// hashing the plaintext on another goroutine while it encrypts: on two
// cores the hash costs no time of its own. It reads the source in pieces
// of a megabyte.
type Reader struct {
	src    io.Reader
	stream *Stream
	final  bool // the last chunk is sealed at the source's end
	hashes chan []byte
	hashed chan struct{}
	plain  [2][]byte
	turn   int
	queued int // pieces given to the hasher, not yet hashed
	buf    []byte
	out    []byte
	n      int64
	err    error // the source's error, other than EOF
	eof    bool
	closed bool
}

// piece is how much plaintext is read and encrypted at once.
const piece = 1 << 20

// NewReader encrypts src into stream, hashing it into h. With final set,
// the payload ends with the last chunk when src ends; without, the last
// chunk waits in the stream (a part of a resumable upload). Close it.
func NewReader(src io.Reader, stream *Stream, h hash.Hash, final bool) *Reader {
	r := &Reader{src: src, stream: stream, final: final, hashes: make(chan []byte, 2), hashed: make(chan struct{}, 2),
		buf: make([]byte, 0, piece+piece/ChunkSize*ChunkOverhead+2*ChunkOverhead+16)}
	r.plain[0], r.plain[1] = make([]byte, piece), make([]byte, piece)
	go func() {
		for p := range r.hashes {
			h.Write(p)
			r.hashed <- struct{}{}
		}
	}()
	return r
}

// EncryptReader starts a stream for the organisation and returns its
// header and a Reader of its whole payload, which ends with src.
func (s Sealer) EncryptReader(ctx context.Context, orgID string, src io.Reader, h hash.Hash) (header []byte, payload io.ReadCloser, err error) {
	stream, err := NewStream(ctx, s.Keys, orgID)
	if err != nil {
		return nil, nil, err
	}
	return stream.Header(), NewReader(src, stream, h, true), nil
}

// fill encrypts the next piece. A source that breaks off ends the stream
// there: what arrived counts, and the error is kept for SrcErr.
func (r *Reader) fill() {
	if r.queued == 2 {
		<-r.hashed
		r.queued--
	}
	p := r.plain[r.turn]
	r.turn ^= 1
	n, err := readFull(r.src, p)
	r.buf = r.buf[:0]
	if n > 0 {
		r.hashes <- p[:n]
		r.queued++
		r.buf = r.stream.Write(r.buf, p[:n])
		r.n += int64(n)
	}
	switch {
	case err == io.EOF:
		r.eof = true
	case err != nil:
		r.eof, r.err = true, err
	}
	if r.eof && r.final && r.err == nil {
		r.buf = r.stream.Close(r.buf)
	}
	r.out = r.buf
}

// readFull reads into p until it is full or src ends (io.EOF) or fails.
// Unlike io.ReadFull it passes a source's io.ErrUnexpectedEOF on as the
// error it is (a request body cut short), never as a short last piece.
func readFull(src io.Reader, p []byte) (int, error) {
	n := 0
	for n < len(p) {
		m, err := src.Read(p[n:])
		n += m
		if err != nil {
			return n, err
		}
	}
	return n, nil
}

// Read gives the next ciphertext. When the source fails, Read returns
// that error.
func (r *Reader) Read(p []byte) (int, error) {
	for len(r.out) == 0 {
		if r.eof {
			if r.err != nil {
				return 0, r.err
			}
			return 0, io.EOF
		}
		r.fill()
	}
	n := copy(p, r.out)
	r.out = r.out[n:]
	return n, nil
}

// N is how many plaintext bytes were read from the source.
func (r *Reader) N() int64 { return r.n }

// SrcErr is the source's error, other than EOF.
func (r *Reader) SrcErr() error { return r.err }

// Close waits until everything read is hashed.
func (r *Reader) Close() error {
	if !r.closed {
		r.closed = true
		close(r.hashes)
		for ; r.queued > 0; r.queued-- {
			<-r.hashed
		}
	}
	return nil
}
