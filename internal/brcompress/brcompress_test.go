package brcompress

import (
	"bytes"
	"io"
	"strings"
	"sync"
	"testing"

	"github.com/andybalholm/brotli"
)

// TestBytesRoundTrip: what Bytes makes decodes to the input, from many
// goroutines at once (the writers are pooled), and is smaller for text.
func TestBytesRoundTrip(t *testing.T) {
	page := []byte(strings.Repeat("<p>Boil tap water for one minute before drinking it.</p>\n", 200))
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			in := append(bytes.Clone(page), byte('a'+i))
			out := Bytes(in)
			if len(out) >= len(in)/4 {
				t.Errorf("compressed %d bytes of text to %d", len(in), len(out))
			}
			got, err := io.ReadAll(brotli.NewReader(bytes.NewReader(out)))
			if err != nil || !bytes.Equal(got, in) {
				t.Errorf("round trip: %v, %d bytes back of %d", err, len(got), len(in))
			}
		}()
	}
	wg.Wait()
	if got, err := io.ReadAll(brotli.NewReader(bytes.NewReader(Bytes(nil)))); err != nil || len(got) != 0 {
		t.Errorf("empty input: %q, %v", got, err)
	}
}
