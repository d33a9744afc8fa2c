// Package httpcache adjusts Cache-Control policies for responses that
// change at a known time, such as a page that shows a banner until it
// expires.
package httpcache

import (
	"strconv"
	"strings"
	"time"
)

// Until returns the Cache-Control policy cc with its freshness and
// staleness allowances cut so that no cache following them keeps the
// response beyond left from now: max-age and s-maxage are at most left,
// and each stale-* window at most what remains after the freshness it
// extends. A left of zero or less gives "no-cache" freshness (max-age=0,
// s-maxage=0, no stale windows). Other directives are kept.
func Until(cc string, left time.Duration) string {
	secs := int64(left / time.Second)
	if secs < 0 {
		secs = 0
	}
	parts := strings.Split(cc, ",")
	ages := map[string]int64{}
	for _, p := range parts {
		k, v, ok := strings.Cut(strings.TrimSpace(p), "=")
		if n, err := strconv.ParseInt(v, 10, 64); ok && err == nil {
			ages[strings.ToLower(k)] = n
		}
	}
	fresh := min(ages["max-age"], secs)
	sfresh, hasS := ages["s-maxage"]
	if hasS {
		sfresh = min(sfresh, secs)
	} else {
		sfresh = fresh
	}
	out := make([]string, 0, len(parts))
	for _, p := range parts {
		p = strings.TrimSpace(p)
		k, _, ok := strings.Cut(p, "=")
		if !ok {
			out = append(out, p)
			continue
		}
		switch strings.ToLower(k) {
		case "max-age":
			out = append(out, "max-age="+strconv.FormatInt(fresh, 10))
		case "s-maxage":
			out = append(out, "s-maxage="+strconv.FormatInt(sfresh, 10))
		case "stale-while-revalidate", "stale-if-error":
			if w := min(ages[strings.ToLower(k)], secs-max(fresh, sfresh)); w > 0 {
				out = append(out, k+"="+strconv.FormatInt(w, 10))
			}
		default:
			out = append(out, p)
		}
	}
	return strings.Join(out, ", ")
}
