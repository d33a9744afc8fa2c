package centre

import (
	"crypto/rand"
	"encoding/binary"
	"sync"
	"time"
)

// IDs are ULIDs (https://github.com/ulid/spec) written in lowercase: 48
// bits of Unix milliseconds, then 80 bits of entropy, in 26 characters of
// Crockford base 32. They are made here rather than with a ULID library:
// the library seeds a random source and buffers a reader when its package
// is initialised, which every cold start of every function paid for.

// maxIDTime is the last millisecond a ULID can hold (the year 10889).
const maxIDTime = 1<<48 - 1

// idEntropy is an ID's random part: the high 16 and the low 64 of its 80
// bits.
type idEntropy struct {
	hi uint16
	lo uint64
}

var (
	idMu   sync.Mutex
	idLast struct {
		made    bool
		ms      uint64
		entropy idEntropy
	}
)

// NewID returns a new unique ID (a lowercase ULID: 26 characters, time
// first). IDs made in this process with non-decreasing times sort in the
// order they were made: within one millisecond, each takes the one before
// it plus one, as the ULID specification's monotonic generator does.
func NewID(now time.Time) string {
	ms, ok := idTime(now)
	if !ok {
		panic("centre: NewID: time out of the ULID range: " + now.String())
	}
	idMu.Lock()
	defer idMu.Unlock()
	var e idEntropy
	if idLast.made && ms == idLast.ms {
		e = idLast.entropy
		e.lo++
		if e.lo == 0 {
			e.hi++
			if e.hi == 0 {
				// 2^80 IDs in one millisecond: carry into the time so
				// that the order still holds.
				if ms++; ms > maxIDTime {
					panic("centre: NewID: out of IDs at the last ULID millisecond")
				}
			}
		}
	} else {
		var b [10]byte
		if _, err := rand.Read(b[:]); err != nil {
			panic("crypto/rand failed: " + err.Error()) // never happens on supported platforms
		}
		e = idEntropy{hi: binary.BigEndian.Uint16(b[:2]), lo: binary.BigEndian.Uint64(b[2:])}
	}
	idLast.made, idLast.ms, idLast.entropy = true, ms, e
	return formatID(ms, e)
}

// derivedID returns the ID of time at (the Unix epoch when at is outside
// the range an ID holds) whose random part is the first 80 bits of sum.
func derivedID(at time.Time, sum *[32]byte) string {
	ms, _ := idTime(at)
	return formatID(ms, idEntropy{hi: binary.BigEndian.Uint16(sum[:2]), lo: binary.BigEndian.Uint64(sum[2:10])})
}

// idTime returns t in Unix milliseconds and whether an ID can hold it.
func idTime(t time.Time) (uint64, bool) {
	ms := t.UnixMilli()
	if ms < 0 || ms > maxIDTime {
		return 0, false
	}
	return uint64(ms), true
}

// idDigits is Crockford's base 32 in lowercase.
const idDigits = "0123456789abcdefghjkmnpqrstvwxyz"

// formatID writes the 128 bits of (ms, e) as 26 digits of base 32, the
// first holding the top 3 bits.
func formatID(ms uint64, e idEntropy) string {
	// hi holds bits 127–64 (time, then the entropy's high 16), lo 63–0.
	hi, lo := ms<<16|uint64(e.hi), e.lo
	var b [26]byte
	for i := len(b) - 1; i >= 0; i-- {
		b[i] = idDigits[lo&31]
		lo = lo>>5 | hi<<59
		hi >>= 5
	}
	return string(b[:])
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
