package centre

import (
	"time"
)

// Banner severities, from least to most urgent. They are the CAP 1.2
// <severity> values a banner is published with (Minor, Moderate, Severe,
// Extreme).
const (
	SeverityInfo    = "info"
	SeverityWarning = "warning"
	SeveritySevere  = "severe"
	SeverityExtreme = "extreme"
)

// Severities lists the banner severities, least urgent first.
var Severities = []string{SeverityInfo, SeverityWarning, SeveritySevere, SeverityExtreme}

// Limits on banner fields.
const (
	MaxBannerHeadingLen = 120
	MaxBannerTextLen    = 500
	// MaxBannerLifetime is how far ahead a banner's expiry may be.
	MaxBannerLifetime = 366 * 24 * time.Hour
)

// BannerInput is what staff set of a site's emergency banner.
type BannerInput struct {
	Severity string `json:"severity"`
	Heading  string `json:"heading"`
	Text     string `json:"text,omitempty"`
	// URL is where the banner leads for more: an absolute http(s) URL.
	URL string `json:"url,omitempty"`
	// ExpiresAt takes the banner off every page, feed and profile at that
	// time; zero means it stays until removed.
	ExpiresAt time.Time `json:"expires_at,omitzero"`
}

// Banner is a site's emergency banner: shown at the top of every page of
// the site, in its public profile and feeds, and published as a CAP alert,
// from the time it is set until it expires or is removed.
type Banner struct {
	BannerInput
	// ID identifies the alert across its updates: it is given when a
	// banner is set on a site without one, and kept while staff change it.
	ID string `json:"id"`
	// SetAt is when the banner was first set, UpdatedAt when it last
	// changed; Updates counts the changes since it was set.
	SetAt     time.Time `json:"set_at"`
	UpdatedAt time.Time `json:"updated_at"`
	Updates   int       `json:"updates"`
	// RemovedAt is when staff removed the banner (never shown to the
	// public as a banner; kept for the CAP Cancel message).
	RemovedAt time.Time `json:"removed_at,omitzero"`
}

// ActiveAt reports whether b is shown at time t: set, not removed and not
// expired.
func (b *Banner) ActiveAt(t time.Time) bool {
	return b != nil && b.RemovedAt.IsZero() && (b.ExpiresAt.IsZero() || t.Before(b.ExpiresAt))
}

// ActiveBanner returns the site's banner if it is shown at time t, else nil.
func (s *Site) ActiveBanner(t time.Time) *Banner {
	if s.Banner.ActiveAt(t) {
		return s.Banner
	}
	return nil
}

// validate puts the banner's texts in NFC and adds a problem for every bad
// field, named under "banner.".
func (b *BannerInput) validate(p *Problems) {
	normalizeText(&b.Heading, &b.Text)
	switch b.Severity {
	case SeverityInfo, SeverityWarning, SeveritySevere, SeverityExtreme:
	default:
		p.Add("banner.severity", "must be one of info, warning, severe, extreme")
	}
	checkText(p, "banner.heading", b.Heading, 1, MaxBannerHeadingLen)
	checkVisible(p, "banner.heading", b.Heading)
	checkText(p, "banner.text", b.Text, 0, MaxBannerTextLen)
	checkVisible(p, "banner.text", b.Text)
	if b.URL != "" && !ValidHTTPURL(b.URL) {
		p.Add("banner.url", "must be an absolute http(s) URL")
	}
}

// validateExpiry adds a problem if a banner being set at now would expire
// before it is shown, or too far ahead.
func (b *BannerInput) validateExpiry(p *Problems, now time.Time) {
	switch {
	case b.ExpiresAt.IsZero():
	case !b.ExpiresAt.After(now):
		p.Add("banner.expires_at", "must be in the future")
	case b.ExpiresAt.Sub(now) > MaxBannerLifetime:
		p.Add("banner.expires_at", "must be within %d days", int(MaxBannerLifetime/(24*time.Hour)))
	}
}

// applyBanner sets (in non-nil) or removes (remove) the banner of site at
// now, keeping the alert's identity while a shown banner is changed.
// It reports whether anything changed.
func applyBanner(site *Site, in *BannerInput, remove bool, now time.Time) bool {
	cur := site.Banner
	switch {
	case remove:
		if cur == nil || !cur.RemovedAt.IsZero() {
			return false
		}
		c := *cur
		c.RemovedAt = now
		site.Banner = &c
		return true
	case in == nil:
		return false
	}
	in.ExpiresAt = in.ExpiresAt.UTC().Truncate(time.Millisecond)
	if cur.ActiveAt(now) {
		if cur.BannerInput == *in {
			return false
		}
		c := *cur
		c.BannerInput, c.UpdatedAt, c.Updates = *in, now, cur.Updates+1
		site.Banner = &c
		return true
	}
	site.Banner = &Banner{BannerInput: *in, ID: NewID(now), SetAt: now, UpdatedAt: now}
	return true
}
