package console

import (
	"fmt"
	"strings"
	"time"
)

// Times in forms are <input type="datetime-local"> values: a wall-clock
// time without a zone, meant in the site's time zone.
const (
	localLayout        = "2006-01-02T15:04"
	localLayoutSeconds = "2006-01-02T15:04:05"
)

// formatLocal returns t as a datetime-local value in loc ("" for zero).
// Seconds are shown only when t has some, so that a value read back
// unchanged is the same instant.
func formatLocal(t time.Time, loc *time.Location) string {
	if t.IsZero() {
		return ""
	}
	t = t.In(loc)
	if t.Second() != 0 || t.Nanosecond() != 0 {
		return t.Format(localLayoutSeconds)
	}
	return t.Format(localLayout)
}

// parseLocal returns the instant a datetime-local value names in loc
// (zero for ""). A wall-clock time that happens twice (when the clocks go
// back) is its first occurrence; one that does not exist (when the
// clocks go forward) is an error, never silently moved.
func parseLocal(s string, loc *time.Location) (time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, nil
	}
	layout := localLayout
	if len(s) > len(localLayout) {
		layout = localLayoutSeconds
	}
	wall, err := time.Parse(layout, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("must be a date and time like 2026-03-01T14:30")
	}
	// The offsets in force around that wall time (a zone changes its
	// offset at most once a day); each gives a candidate instant, which
	// counts only if it shows that wall time in loc.
	var best time.Time
	for _, probe := range []time.Duration{-26 * time.Hour, 0, 26 * time.Hour} {
		_, off := wall.Add(probe).In(loc).Zone()
		t := wall.Add(-time.Duration(off) * time.Second)
		if t.In(loc).Format(localLayoutSeconds) != wall.Format(localLayoutSeconds) {
			continue
		}
		if best.IsZero() || t.Before(best) {
			best = t
		}
	}
	if best.IsZero() {
		return time.Time{}, fmt.Errorf("%s does not exist in %s (the clocks go forward then); choose another time", strings.Replace(s, "T", " ", 1), loc)
	}
	return best.UTC(), nil
}
