// Package brcompress compresses bodies with Brotli for the render cache
// (rendercache.Options.Brotli). It is a package of its own so that a
// binary without it (the public function, which leaves Brotli to the CDN)
// links no Brotli encoder: 0.85 MB of code and tables, and megabytes of
// writer state.
package brcompress

import (
	"bytes"
	"sync"

	"github.com/andybalholm/brotli"
)

// Quality trades compression time (once per render) against size (every
// response): quality 6 is within a few percent of 9 on pages, at a
// fraction of the time and of the writer's memory.
const Quality = 6

// Writers are pooled: a Brotli writer's state is megabytes, and making one
// per response would cost more than the compression.
var pool = sync.Pool{New: func() any { return brotli.NewWriterLevel(nil, Quality) }}

// Bytes returns b compressed with Brotli at Quality, in a slice of its own
// (not the pooled buffer's: it is kept for long).
func Bytes(b []byte) []byte {
	var buf bytes.Buffer
	bw := pool.Get().(*brotli.Writer)
	bw.Reset(&buf)
	_, _ = bw.Write(b)
	_ = bw.Close()
	bw.Reset(nil) // let go of buf while pooled
	pool.Put(bw)
	return bytes.Clone(buf.Bytes())
}
