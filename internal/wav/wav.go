// Package wav writes the header of a WAV file, for the benchmarks that
// stream recordings too large to hold.
package wav

import "encoding/binary"

// Header is the 44-byte header of a WAV file of size bytes in all: 8-bit
// mono PCM at 8 kHz, its data the size-44 bytes that follow.
func Header(size int64) []byte {
	h := make([]byte, 44)
	copy(h, "RIFF")
	binary.LittleEndian.PutUint32(h[4:], uint32(size-8))
	copy(h[8:], "WAVEfmt ")
	binary.LittleEndian.PutUint32(h[16:], 16)
	binary.LittleEndian.PutUint16(h[20:], 1)    // PCM
	binary.LittleEndian.PutUint16(h[22:], 1)    // mono
	binary.LittleEndian.PutUint32(h[24:], 8000) // sample rate
	binary.LittleEndian.PutUint32(h[28:], 8000) // byte rate
	binary.LittleEndian.PutUint16(h[32:], 1)    // block align
	binary.LittleEndian.PutUint16(h[34:], 8)    // bits per sample
	copy(h[36:], "data")
	binary.LittleEndian.PutUint32(h[40:], uint32(size-44))
	return h
}
