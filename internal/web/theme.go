package web

import (
	"crypto/sha256"
	"encoding/hex"
	"math"
	"strconv"
	"strings"

	"infocentre/internal/centre"
)

// Colours of the site's stylesheet that an accent colour must contrast with.
const (
	BackgroundColour = "#ffffff" // page background; also the text colour on the accent header
	TextColour       = "#1b1b1b"
	MinContrast      = 4.5 // WCAG 2.1 AA for normal text
)

// CheckAccent returns an EINVALID error unless hex (#rrggbb) can be used as
// a site's accent colour: links are drawn in it on the page background and
// the header draws background-coloured text on it, so it needs a contrast
// ratio of at least 4.5:1 with the background. (Links are underlined, so
// they need no contrast with the surrounding text colour.)
func CheckAccent(hex string) error {
	c, ok := parseHex(hex)
	if !ok {
		return &centre.Error{Code: centre.EINVALID, Message: "invalid fields: theme.accent",
			Fields: []centre.FieldError{{Field: "theme.accent", Reason: "must be a colour like #0b5394"}}}
	}
	bg, _ := parseHex(BackgroundColour)
	if r := contrast(c, bg); r < MinContrast {
		return &centre.Error{Code: centre.EINVALID, Message: "invalid fields: theme.accent",
			Fields: []centre.FieldError{{Field: "theme.accent", Reason: "contrast with the white background is " +
				strconv.FormatFloat(math.Floor(r*100)/100, 'f', 2, 64) + ":1; WCAG AA needs at least 4.5:1 (choose a darker colour)"}}}
	}
	return nil
}

// Contrast returns the WCAG contrast ratio of two #rrggbb colours, or 0 if
// either does not parse.
func Contrast(a, b string) float64 {
	ca, ok1 := parseHex(a)
	cb, ok2 := parseHex(b)
	if !ok1 || !ok2 {
		return 0
	}
	return contrast(ca, cb)
}

func parseHex(s string) ([3]float64, bool) {
	var c [3]float64
	if len(s) != 7 || s[0] != '#' {
		return c, false
	}
	for i := range 3 {
		v, err := strconv.ParseUint(s[1+2*i:3+2*i], 16, 8)
		if err != nil {
			return c, false
		}
		c[i] = float64(v) / 255
	}
	return c, true
}

// luminance is the relative luminance of WCAG 2.1.
func luminance(c [3]float64) float64 {
	var l [3]float64
	for i, v := range c {
		if v <= 0.04045 {
			l[i] = v / 12.92
		} else {
			l[i] = math.Pow((v+0.055)/1.055, 2.4)
		}
	}
	return 0.2126*l[0] + 0.7152*l[1] + 0.0722*l[2]
}

func contrast(a, b [3]float64) float64 {
	la, lb := luminance(a), luminance(b)
	if la < lb {
		la, lb = lb, la
	}
	return (la + 0.05) / (lb + 0.05)
}

func accentHash(accent string) string {
	sum := sha256.Sum256([]byte(strings.ToLower(accent)))
	return hex.EncodeToString(sum[:])[:10]
}

// themeStylesheet is the stylesheet of accent colour accent: the header
// and, in light mode, the links in it; in dark mode links in a light shade
// of it (darkLink).
func themeStylesheet(accent string) string {
	return ":root{--accent:" + accent + "}\n@media (prefers-color-scheme:dark){:root{--link:" + darkLink(accent) + "}}\n"
}

// themeCSS serves the site's accent colour as a tiny stylesheet whose name
// carries a hash of the colour, so that it can be cached for good.
func (s *Site) themeCSS(q *req) {
	accent := strings.ToLower(q.site.Theme.Accent)
	if accent == "" || CheckAccent(accent) != nil {
		s.notFound(q.w, q.r, q, "")
		return
	}
	s.securityHeaders(q.w, q.r)
	cc := cacheControlPage
	if q.path == "/theme."+accentHash(accent)+".css" {
		cc = cacheControlAsset
	}
	et := s.newETag(q, "theme")
	et.add(accent)
	if notModified(q.w, q.r, et.String(), cc) {
		return
	}
	write(q.w, q.r, 200, "text/css; charset=utf-8", []byte(themeStylesheet(accent)))
}

// logoPath returns the path of the site's logo — a name carrying a hash of
// the image, so that it can be cached for good — or "" when the site has
// no logo it can serve itself.
func logoPath(site *centre.Site) string {
	mt, data, err := centre.LogoImage(site.Theme.LogoURL)
	if err != nil {
		return ""
	}
	sum := sha256.Sum256(data)
	return "/logo." + hex.EncodeToString(sum[:])[:12] + centre.LogoExt(mt)
}

// logo serves the site's own logo image.
func (s *Site) logo(q *req) {
	mt, data, err := centre.LogoImage(q.site.Theme.LogoURL)
	if err != nil {
		s.notFound(q.w, q.r, q, "")
		return
	}
	s.securityHeaders(q.w, q.r)
	cc := cacheControlPage
	if q.path == logoPath(q.site) {
		cc = cacheControlAsset
	}
	et := s.newETag(q, "logo")
	et.add(q.site.Theme.LogoURL)
	if notModified(q.w, q.r, et.String(), cc) {
		return
	}
	write(q.w, q.r, 200, mt, data)
}

// logoSrc returns the address of the site's logo on its pages, or "" for
// none (the header then shows the title): a data: logo is served by the
// site itself (logoPath); a path is one of the site's own files, such as a
// hosted file (/files/{hash}/{name}, below the site's base; a path under
// /sites/{slug}/ is taken as the same). A logo on another host is never
// shown: pages make no third-party request.
func logoSrc(q *req) string {
	l := q.site.Theme.LogoURL
	switch {
	case strings.HasPrefix(l, "data:"):
		if lp := logoPath(q.site); lp != "" {
			return q.url(lp)
		}
	case centre.ValidLogoPath(l):
		return q.url("/" + strings.TrimPrefix(strings.TrimPrefix(l, "/sites/"+q.site.Slug+"/"), "/"))
	}
	return ""
}

// Dark-mode colours of the stylesheet (assets/style.css) that link colours
// must contrast with.
const (
	DarkBackground = "#121212"
	DarkTint       = "#1d2733" // notices
)

// darkLink returns the link colour of a site with accent colour accent in
// dark mode: the accent lightened towards white until it has a contrast
// ratio of at least MinContrast with the dark background and the dark
// notice tint.
func darkLink(accent string) string {
	c, ok := parseHex(accent)
	if !ok {
		return "#ffffff"
	}
	bg, _ := parseHex(DarkBackground)
	tint, _ := parseHex(DarkTint)
	for step := 0; step <= 40; step++ {
		t := float64(step) / 40
		var m [3]float64
		for i := range 3 {
			m[i] = math.Round((c[i]+(1-c[i])*t)*255) / 255
		}
		if contrast(m, bg) >= MinContrast && contrast(m, tint) >= MinContrast {
			return "#" + hexByte(m[0]) + hexByte(m[1]) + hexByte(m[2])
		}
	}
	return "#ffffff"
}

func hexByte(v float64) string {
	s := strconv.FormatInt(int64(math.Round(v*255)), 16)
	if len(s) < 2 {
		s = "0" + s
	}
	return s
}
