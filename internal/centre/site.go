package centre

import (
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"net/mail"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"
)

// Site statuses.
const (
	SiteActive   = "active"
	SiteArchived = "archived"
)

// Site is one information centre (a crisis microsite).
type Site struct {
	Slug        string   `json:"slug"`
	Title       string   `json:"title"`
	Tagline     string   `json:"tagline,omitempty"`
	Description string   `json:"description,omitempty"`
	Languages   []string `json:"languages"` // BCP 47 tags, default first
	Publisher   string   `json:"publisher"`
	Contact     Contact  `json:"contact"`
	Theme       Theme    `json:"theme"`
	// TimeZone is the IANA name of the zone the site's pages show times
	// in ("Europe/Brussels"); empty means UTC.
	TimeZone string   `json:"time_zone,omitempty"`
	Hosts    []string `json:"hosts,omitempty"` // host names that serve this site at "/"
	// Translations are the title, tagline and description in the site's
	// other languages (see Text).
	Translations []SiteText `json:"translations,omitempty"`
	// Labels are the display names of tags and organisations per language
	// (see LabelOf).
	Labels []Label `json:"labels,omitempty"`
	// Banner is the site's emergency banner, or nil; once removed it is
	// kept with its RemovedAt (for the CAP Cancel message) until the next
	// one is set. See Banner.ActiveAt for when the public sees it.
	Banner *Banner `json:"banner,omitempty"`
	// ReviewRequired is the two-person rule: an entry is published (or
	// scheduled) only once someone other than its last author, with the
	// publisher role, has approved its current content (Service.Approve);
	// owners may force it with a reason (Service.ForcePublish).
	ReviewRequired bool      `json:"review_required"`
	Status         string    `json:"status"`
	ArchivedAt     time.Time `json:"archived_at,omitzero"`
	CreatedAt      time.Time `json:"created_at"`
	UpdatedAt      time.Time `json:"updated_at"`
	Version        int64     `json:"version"`
}

// Contact is how the public reaches the site's publisher.
type Contact struct {
	Email string `json:"email,omitempty"`
	URL   string `json:"url,omitempty"`
}

// Theme is the site's visual identity.
type Theme struct {
	Accent string `json:"accent,omitempty"` // #rrggbb
	// LogoURL is the site's logo: a data:image/png, jpeg or webp base64
	// URL of at most MaxLogoBytes, which the site serves itself (so pages
	// make no third-party request), or an http(s) URL kept for other uses
	// (pages show only a logo they can serve themselves), or a path of one
	// of the site's files (a hosted file: /files/{hash}/{name}).
	LogoURL string `json:"logo_url,omitempty"`
}

// Location returns the site's time zone (UTC if it has none or an unknown
// one).
func (s *Site) Location() *time.Location {
	if s.TimeZone == "" {
		return time.UTC
	}
	loc, err := time.LoadLocation(s.TimeZone)
	if err != nil {
		return time.UTC
	}
	return loc
}

// ValidTimeZone reports whether name is an IANA time zone name this build
// knows ("Europe/Brussels", "UTC"); not "Local" or a file path.
func ValidTimeZone(name string) bool {
	if name == "" || name == "Local" || len(name) > 64 || strings.Contains(name, "..") || strings.HasPrefix(name, "/") {
		return false
	}
	_, err := time.LoadLocation(name)
	return err == nil
}

// DefaultLanguage returns the site's first language.
func (s *Site) DefaultLanguage() string {
	if len(s.Languages) == 0 {
		return "en"
	}
	return s.Languages[0]
}

// HasLanguage reports whether lang is one of the site's languages.
func (s *Site) HasLanguage(lang string) bool {
	for _, l := range s.Languages {
		if strings.EqualFold(l, lang) {
			return true
		}
	}
	return false
}

// Limits on site fields.
const (
	MaxSlugLen      = 64
	MaxTitleLen     = 200
	MaxTaglineLen   = 300
	MaxSiteDescLen  = 2000
	MaxLanguages    = 24
	MaxHosts        = 10
	MaxPublisherLen = 200
)

// lazyRegexp is a regular expression compiled on its first use:
// validation patterns cost nothing at start (a Lambda cold start) in a
// process that never validates (the public function). Its variables are
// static data: nothing is made for them as the process starts.
type lazyRegexp struct {
	expr string
	once sync.Once
	re   *regexp.Regexp
}

// MatchString reports whether s matches the expression.
func (l *lazyRegexp) MatchString(s string) bool {
	l.once.Do(func() { l.re = regexp.MustCompile(l.expr) })
	return l.re.MatchString(s)
}

var (
	slugRE   = &lazyRegexp{expr: `^[a-z0-9]+(?:-[a-z0-9]+)*$`}
	langRE   = &lazyRegexp{expr: `^[A-Za-z]{2,3}(?:-[A-Za-z0-9]{2,8})*$`}
	colourRE = &lazyRegexp{expr: `^#[0-9a-fA-F]{6}$`}
	hostRE   = &lazyRegexp{expr: `^(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$`}
)

// ValidSlug reports whether s is a URL-safe slug: lowercase letters, digits
// and single hyphens, at most MaxSlugLen characters.
func ValidSlug(s string) bool { return len(s) <= MaxSlugLen && isSlug(s) }

// isSlug reports whether s matches slugRE (^[a-z0-9]+(?:-[a-z0-9]+)*$),
// without a regular expression: every public request checks its site's
// slug.
func isSlug(s string) bool {
	if s == "" || s[0] == '-' || s[len(s)-1] == '-' {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z', c >= '0' && c <= '9':
		case c == '-' && s[i-1] != '-':
		default:
			return false
		}
	}
	return true
}

// ValidLanguage reports whether s looks like a BCP 47 language tag.
func ValidLanguage(s string) bool { return len(s) <= 35 && langRE.MatchString(s) }

// ValidHTTPURL reports whether s is an absolute http or https URL.
func ValidHTTPURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != "" && len(s) <= 2048
}

// reservedSlug reports the names that cannot be site slugs because they
// name routes.
func reservedSlug(slug string) bool {
	switch slug {
	case "api", "admin", "assets", "static", "healthz":
		return true
	}
	return false
}

// Validate puts the site's names and titles in Unicode NFC, then checks
// every field of s and returns an EINVALID *Error naming each bad one, or
// nil.
func (s *Site) Validate() error {
	normalizeText(&s.Slug, &s.Title, &s.Tagline, &s.Description, &s.Publisher)
	var p Problems
	switch {
	case !ValidSlug(s.Slug):
		p.Add("slug", "must be 1-%d lowercase letters, digits and single hyphens", MaxSlugLen)
	case reservedSlug(s.Slug):
		p.Add("slug", "%q is reserved", s.Slug)
	}
	checkText(&p, "title", s.Title, 1, MaxTitleLen)
	checkVisible(&p, "title", s.Title)
	checkText(&p, "tagline", s.Tagline, 0, MaxTaglineLen)
	checkVisible(&p, "tagline", s.Tagline)
	checkText(&p, "description", s.Description, 0, MaxSiteDescLen)
	checkText(&p, "publisher", s.Publisher, 1, MaxPublisherLen)
	checkVisible(&p, "publisher", s.Publisher)
	checkLanguages(&p, s.Languages)
	s.Contact.check(&p)
	s.Theme.check(&p)
	checkHosts(&p, s.Hosts)
	s.checkTranslations(&p)
	s.checkLabels(&p)
	if s.TimeZone != "" && !ValidTimeZone(s.TimeZone) {
		p.Add("time_zone", "must be an IANA time zone name like Europe/Brussels")
	}
	if s.Banner != nil {
		s.Banner.validate(&p)
	}
	if s.Status != SiteActive && s.Status != SiteArchived {
		p.Add("status", "must be %q or %q", SiteActive, SiteArchived)
	}
	return p.Err()
}

func checkLanguages(p *Problems, langs []string) {
	if len(langs) == 0 {
		p.Add("languages", "at least one language is required")
	} else if len(langs) > MaxLanguages {
		p.Add("languages", "at most %d languages", MaxLanguages)
	}
	seen := map[string]bool{}
	for _, l := range langs {
		if !ValidLanguage(l) {
			p.Add("languages", "%q is not a BCP 47 language tag", l)
		} else if seen[strings.ToLower(l)] {
			p.Add("languages", "%q is listed twice", l)
		}
		seen[strings.ToLower(l)] = true
	}
}

func (c Contact) check(p *Problems) {
	if c.Email == "" && c.URL == "" {
		p.Add("contact", "an email address or a URL is required")
	}
	if c.Email != "" {
		if a, err := mail.ParseAddress(c.Email); err != nil || a.Address != c.Email {
			p.Add("contact.email", "must be a plain email address")
		}
	}
	if c.URL != "" && !ValidHTTPURL(c.URL) {
		p.Add("contact.url", "must be an absolute http(s) URL")
	}
}

func (t Theme) check(p *Problems) {
	if t.Accent != "" && !colourRE.MatchString(t.Accent) {
		p.Add("theme.accent", "must be a colour like #0b5394")
	}
	if l := t.LogoURL; l != "" {
		if strings.HasPrefix(l, "data:") {
			if _, _, err := LogoImage(l); err != nil {
				p.Add("theme.logo_url", "%s", err.Error())
			}
		} else if !ValidHTTPURL(l) && !ValidLogoPath(l) {
			p.Add("theme.logo_url", "must be a path of one of the site's files (/files/{hash}/{name}), a data:image/png (or jpeg or webp) base64 URL, or an absolute http(s) URL")
		}
	}
}

func checkHosts(p *Problems, hosts []string) {
	if len(hosts) > MaxHosts {
		p.Add("hosts", "at most %d host names", MaxHosts)
	}
	for _, h := range hosts {
		if len(h) > 253 || !hostRE.MatchString(h) {
			p.Add("hosts", "%q is not a lowercase host name", h)
		}
	}
}

func checkText(p *Problems, field, v string, min, max int) {
	n := len([]rune(v))
	switch {
	case min > 0 && strings.TrimSpace(v) == "":
		p.Add(field, "is required")
	case n > max:
		p.Add(field, "must be at most %d characters (got %d)", max, n)
	case strings.ContainsRune(v, 0):
		p.Add(field, "must not contain NUL characters")
	}
}

// MaxLogoBytes is the largest logo image a site may carry.
const MaxLogoBytes = 48 << 10

// LogoExt returns the file extension of a logo's media type, "" for a
// type a logo may not have. SVG is not among them: a site serves its logo
// from its own origin, and SVG can carry script.
func LogoExt(mediaType string) string {
	switch mediaType {
	case "image/png":
		return ".png"
	case "image/jpeg":
		return ".jpg"
	case "image/webp":
		return ".webp"
	}
	return ""
}

// LogoImage decodes a data: logo URL into its media type and bytes. It
// returns an error for any other URL, another media type, bad base64,
// bytes that are not that kind of image, or more than MaxLogoBytes.
func LogoImage(dataURL string) (mediaType string, data []byte, err error) {
	head, body, ok := strings.Cut(strings.TrimPrefix(dataURL, "data:"), ",")
	mt, enc, _ := strings.Cut(head, ";")
	if !ok || !strings.HasPrefix(dataURL, "data:") || enc != "base64" {
		return "", nil, errors.New("must be a data:image/png;base64,… URL (or jpeg or webp)")
	}
	if LogoExt(mt) == "" {
		return "", nil, fmt.Errorf("a logo must be PNG, JPEG or WebP, not %q", mt)
	}
	if base64.StdEncoding.DecodedLen(len(body)) > MaxLogoBytes+3 {
		return "", nil, fmt.Errorf("a logo must be at most %d KiB", MaxLogoBytes>>10)
	}
	data, err = base64.StdEncoding.DecodeString(body)
	if err != nil {
		return "", nil, errors.New("the logo's base64 data is malformed")
	}
	if len(data) > MaxLogoBytes {
		return "", nil, fmt.Errorf("a logo must be at most %d KiB", MaxLogoBytes>>10)
	}
	if sniffed := http.DetectContentType(data); sniffed != mt {
		return "", nil, fmt.Errorf("the logo's bytes are %s, not %s", sniffed, mt)
	}
	return mt, data, nil
}

// ValidLogoPath reports whether l is a logo given as a path of one of the
// site's own files: relative to the site's base, like a hosted file's
// /files/{hash}/{name} (or the same under /sites/{slug}/); no "//", "..",
// backslash, query, fragment or space.
func ValidLogoPath(l string) bool {
	return len(l) > 1 && len(l) <= 2048 && strings.HasPrefix(l, "/") && !strings.HasPrefix(l, "//") &&
		!strings.Contains(l, "..") && !strings.ContainsAny(l, "\\?#%\" <>\x00\t\r\n")
}

// SiteStamp is the change stamp of a site (see Store.SiteStamp).
type SiteStamp struct {
	// Value changes with every write the public can see; it is opaque.
	Value string
	// ChangedAt is when the store last changed Value, if it knows (zero
	// otherwise). A store whose public lists are read from an eventually
	// consistent index reports it, so that what is read shortly after a
	// change is not taken as settled.
	ChangedAt time.Time
	// Site is the site record the stamp was read with, when the store
	// read it in the same request (nil otherwise).
	Site *Site
	// Front is the site's front at the stamp (see SiteFront), or nil when
	// the store keeps none for the site (a site created before fronts
	// were kept, until it is created again or imported).
	Front *SiteFront
}

// Clone returns a deep copy of s.
func (s *Site) Clone() *Site {
	c := *s
	c.Languages = slices.Clone(s.Languages)
	c.Hosts = slices.Clone(s.Hosts)
	if s.Banner != nil {
		b := *s.Banner
		c.Banner = &b
	}
	return &c
}
