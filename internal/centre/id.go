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

// NewID returns a new unique ID (a lowercase ULID: 26 characters, time
// first). IDs made in this process with non-decreasing times sort in the
// order they were made.
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

// ValidID reports whether s has the form NewID gives: 26 characters of
// lowercase Crockford base 32, the first one at most 7.
func ValidID(s string) bool {
	if len(s) != 26 || s[0] < '0' || s[0] > '7' {
		return false
	}
	for i := 1; i < len(s); i++ {
		c := s[i]
		switch {
		case '0' <= c && c <= '9':
		case 'a' <= c && c <= 'z' && c != 'i' && c != 'l' && c != 'o' && c != 'u':
		default:
			return false
		}
	}
	return true
}
