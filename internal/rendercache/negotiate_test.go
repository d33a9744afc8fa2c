package rendercache

import "testing"

// TestCommonEncodings: the table Negotiate answers common Accept-Encoding
// values from agrees with the full parse.
func TestCommonEncodings(t *testing.T) {
	for in, want := range commonEncodings {
		if got := negotiate([]string{in}); got != want {
			t.Errorf("commonEncodings[%q] = %q, the parse says %q", in, want, got)
		}
	}
}
