package rendercache

import "testing"

// TestCommonEncodings: the table Negotiate answers common Accept-Encoding
// values from agrees with the full parse.
func TestCommonEncodings(t *testing.T) {
	for _, in := range commonEncodings {
		want, ok := commonEncoding(in)
		if got := negotiate([]string{in}); !ok || got != want {
			t.Errorf("commonEncoding(%q) = %q, %v; the parse says %q", in, want, ok, got)
		}
	}
	if enc, ok := commonEncoding("gzip;q=0"); ok {
		t.Errorf("commonEncoding of a value not in the table = %q, true", enc)
	}
}
