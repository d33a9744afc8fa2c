package httpcache

import (
	"testing"
	"time"
)

func TestUntil(t *testing.T) {
	const cc = "public, max-age=60, s-maxage=300, stale-while-revalidate=600, stale-if-error=86400"
	for _, c := range []struct {
		left time.Duration
		want string
	}{
		{48 * time.Hour, "public, max-age=60, s-maxage=300, stale-while-revalidate=600, stale-if-error=86400"},
		{20 * time.Minute, "public, max-age=60, s-maxage=300, stale-while-revalidate=600, stale-if-error=900"},
		{200 * time.Second, "public, max-age=60, s-maxage=200"},
		{30*time.Second + 500*time.Millisecond, "public, max-age=30, s-maxage=30"},
		{-time.Minute, "public, max-age=0, s-maxage=0"},
	} {
		if got := Until(cc, c.left); got != c.want {
			t.Errorf("Until(%v) = %q, want %q", c.left, got, c.want)
		}
	}
	if got := Until("public, max-age=60", 10*time.Second); got != "public, max-age=10" {
		t.Errorf("without s-maxage: %q", got)
	}
}
