package centre

import (
	"crypto/rand"
	"sync"
	"time"

	"github.com/oklog/ulid/v2"
)

var (
	idMu      sync.Mutex
	idEntropy = ulid.Monotonic(rand.Reader, 0)
)

// NewID returns a new unique ID that sorts after every ID made before it
// in this process (a lowercase ULID: 26 characters, time first).
func NewID(now time.Time) string {
	idMu.Lock()
	defer idMu.Unlock()
	return toLower(ulid.MustNew(ulid.Timestamp(now), idEntropy).String())
}

func toLower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}
