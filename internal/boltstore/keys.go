package boltstore

import (
	"encoding/binary"
	"errors"
	"time"
)

// Keys of the bbolt buckets. A key is a sequence of length-prefixed parts
// (so that no part can run into the next, whatever bytes it holds),
// optionally followed by one raw tail that orders the keys sharing those
// parts.

// parts appends each part with its length (uvarint) to b.
func parts(b []byte, ps ...string) []byte {
	for _, p := range ps {
		b = binary.AppendUvarint(b, uint64(len(p)))
		b = append(b, p...)
	}
	return b
}

// key returns the parts followed by the raw tail.
func key(tail string, ps ...string) []byte {
	return append(parts(nil, ps...), tail...)
}

var errBadKey = errors.New("malformed key")

// splitPart reads one length-prefixed part off the front of b.
func splitPart(b []byte) (part string, rest []byte, err error) {
	n, w := binary.Uvarint(b)
	if w <= 0 || uint64(len(b)-w) < n {
		return "", nil, errBadKey
	}
	return string(b[w : w+int(n)]), b[w+int(n):], nil
}

// timeKey encodes t as 8 bytes that sort like the times themselves, with
// millisecond precision (the precision the store keeps).
func timeKey(t time.Time) []byte {
	return binary.BigEndian.AppendUint64(nil, uint64(t.UnixMilli())^(1<<63))
}

// upper returns the smallest key greater than every key that starts with
// prefix, or nil if there is none.
func upper(prefix []byte) []byte {
	b := append([]byte(nil), prefix...)
	for i := len(b) - 1; i >= 0; i-- {
		if b[i] < 0xff {
			b[i]++
			return b[:i+1]
		}
	}
	return nil
}
