package centre

import (
	"bytes"
	"encoding/base64"
	"errors"
	"image"
	"image/png"
	"strings"
	"testing"
	"time"
)

func validSite() *Site {
	return &Site{Slug: "demo", Title: "Demo", Languages: []string{"en", "fr"}, Publisher: "Assoc",
		Contact: Contact{Email: "press@example.org"}, Status: SiteActive}
}

func validEntry() *Entry {
	return &Entry{Content: Content{Type: TypeStatement, Title: "A statement"}, Slug: "a-statement", Lang: "en", Status: StatusDraft}
}

func fields(err error) map[string]bool {
	var e *Error
	if !errors.As(err, &e) || e.Code != EINVALID {
		return nil
	}
	out := map[string]bool{}
	for _, f := range e.Fields {
		out[f.Field] = true
	}
	return out
}

func TestSiteValidate(t *testing.T) {
	if err := validSite().Validate(); err != nil {
		t.Fatalf("valid site: %v", err)
	}
	cases := map[string]func(s *Site){
		"slug":           func(s *Site) { s.Slug = "Not-OK" },
		"title":          func(s *Site) { s.Title = " " },
		"publisher":      func(s *Site) { s.Publisher = "" },
		"languages":      func(s *Site) { s.Languages = []string{"en", "EN"} },
		"contact":        func(s *Site) { s.Contact = Contact{} },
		"contact.email":  func(s *Site) { s.Contact.Email = "Press <press@example.org>" },
		"contact.url":    func(s *Site) { s.Contact.URL = "javascript:alert(1)" },
		"theme.accent":   func(s *Site) { s.Theme.Accent = "blue" },
		"theme.logo_url": func(s *Site) { s.Theme.LogoURL = "data:image/png;base64,AAAA" },
		"hosts":          func(s *Site) { s.Hosts = []string{"Bad Host"} },
		"status":         func(s *Site) { s.Status = "closed" },
		"tagline":        func(s *Site) { s.Tagline = strings.Repeat("x", MaxTaglineLen+1) },
	}
	for field, mutate := range cases {
		s := validSite()
		mutate(s)
		if got := fields(s.Validate()); !got[field] {
			t.Errorf("%s: fields %v", field, got)
		}
	}
	s := validSite()
	s.Slug = "api"
	if !fields(s.Validate())["slug"] {
		t.Error("reserved slug accepted")
	}
}

func TestEntryValidate(t *testing.T) {
	site := validSite()
	if err := validEntry().Validate(site); err != nil {
		t.Fatalf("valid entry: %v", err)
	}
	cases := map[string]func(e *Entry){
		"type":          func(e *Entry) { e.Type = "blog" },
		"slug":          func(e *Entry) { e.Slug = "two--hyphens" },
		"lang":          func(e *Entry) { e.Lang = "de" },
		"title":         func(e *Entry) { e.Title = strings.Repeat("é", MaxTitleLen+1) },
		"body":          func(e *Entry) { e.Body = strings.Repeat("x", MaxBodyBytes+1) },
		"tags":          func(e *Entry) { e.Tags = []string{"ok", "ok"} },
		"organisations": func(e *Entry) { e.Organisations = []string{"Société X", "societe x"} },
		"attachments[0].url": func(e *Entry) {
			e.Attachments = []Attachment{{Title: "a", URL: "/relative", MediaType: "application/pdf"}}
		},
		"attachments[0].title": func(e *Entry) { e.Attachments = []Attachment{{URL: "https://x.org/a", MediaType: "application/pdf"}} },
		"attachments[0].media_type": func(e *Entry) {
			e.Attachments = []Attachment{{Title: "a", URL: "https://x.org/a", MediaType: "PDF"}}
		},
		"status":        func(e *Entry) { e.Status = "hidden" },
		"publish_at":    func(e *Entry) { e.Status = StatusScheduled },
		"superseded_by": func(e *Entry) { e.SupersededBy = "Not A Slug" },
	}
	for field, mutate := range cases {
		e := validEntry()
		mutate(e)
		if got := fields(e.Validate(site)); !got[field] {
			t.Errorf("%s: fields %v", field, got)
		}
	}
	// Every problem is named at once, sorted by field.
	e := validEntry()
	e.Type, e.Slug, e.Title = "x", "X", ""
	err := e.Validate(site)
	var de *Error
	if !errors.As(err, &de) || len(de.Fields) != 3 || de.Fields[0].Field != "slug" {
		t.Fatalf("all fields: %+v", err)
	}
}

func TestSlugify(t *testing.T) {
	for in, want := range map[string]string{
		"Keep cancer care going!":       "keep-cancer-care-going",
		"Société Française d'Oncologie": "societe-francaise-d-oncologie",
		"  --Hello,   World--  ":        "hello-world",
		"Gesundheit für alle: 2026":     "gesundheit-fur-alle-2026",
		"数字":                            "",
		strings.Repeat("ab ", 40):       strings.TrimRight(strings.Repeat("ab-", 22)[:MaxSlugLen], "-"),
	} {
		got := Slugify(in)
		if got != want {
			t.Errorf("Slugify(%q) = %q, want %q", in, got, want)
		}
		if got != "" && !ValidSlug(got) {
			t.Errorf("Slugify(%q) = %q is not a valid slug", in, got)
		}
	}
}

func TestPrincipalCan(t *testing.T) {
	editor := Principal{Site: "demo", Role: RoleEditor}
	owner := Principal{Site: AllSites, Role: RoleOwner}
	checks := []struct {
		p          Principal
		site, role string
		want       bool
	}{
		{editor, "demo", RoleViewer, true},
		{editor, "demo", RoleEditor, true},
		{editor, "demo", RolePublisher, false},
		{editor, "other", RoleViewer, false},
		{owner, "anything", RoleOwner, true},
		{Principal{Site: "demo", Role: RoleAdmin}, "demo", RoleOwner, false},
		{Principal{Site: "demo", Role: "root"}, "demo", RoleViewer, false},
		{editor, "demo", "unknown-role", false},
	}
	for _, c := range checks {
		if got := c.p.Can(c.site, c.role); got != c.want {
			t.Errorf("%+v.Can(%s, %s) = %v", c.p, c.site, c.role, got)
		}
	}
}

func TestKeys(t *testing.T) {
	secret, hash := NewKeySecret()
	if !LooksLikeKey(secret) || HashKey(secret) != hash || strings.Contains(hash, secret) {
		t.Fatalf("secret %q hash %q", secret, hash)
	}
	other, _ := NewKeySecret()
	if other == secret {
		t.Fatal("two keys are equal")
	}
	for _, bad := range []string{"", "icsk_short", "xxxx_" + secret[5:], secret + "x"} {
		if LooksLikeKey(bad) {
			t.Errorf("LooksLikeKey(%q)", bad)
		}
	}
	now := time.Now()
	k := Key{ExpiresAt: now.Add(time.Hour)}
	if !k.Usable(now) || k.Usable(now.Add(2*time.Hour)) {
		t.Error("expiry not honoured")
	}
	k.RevokedAt = now
	if k.Usable(now) {
		t.Error("revoked key usable")
	}
}

func TestErrorHelpers(t *testing.T) {
	err := Errorf(ENOTFOUND, "no site %q", "x")
	wrapped := errors.Join(errors.New("context"), err)
	if ErrorCode(wrapped) != ENOTFOUND || ErrorMessage(wrapped) != `no site "x"` {
		t.Fatalf("code %q message %q", ErrorCode(wrapped), ErrorMessage(wrapped))
	}
	plain := errors.New("disk on fire")
	if ErrorCode(plain) != EINTERNAL || ErrorMessage(plain) != "internal error" || ErrorCode(nil) != "" {
		t.Fatal("internal errors must not leak")
	}
}

func pngDataURL(t *testing.T, w, h int) string {
	t.Helper()
	var buf bytes.Buffer
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	x := uint32(1)
	for i := range img.Pix { // noise, so that PNG cannot compress it
		x = x*1664525 + 1013904223
		img.Pix[i] = byte(x >> 24)
	}
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return "data:image/png;base64," + base64.StdEncoding.EncodeToString(buf.Bytes())
}

func TestLogo(t *testing.T) {
	good := pngDataURL(t, 8, 8)
	mt, data, err := LogoImage(good)
	if err != nil || mt != "image/png" || len(data) == 0 || LogoExt(mt) != ".png" {
		t.Fatalf("LogoImage: %s %d %v", mt, len(data), err)
	}
	for _, ok := range []string{good, "https://example.org/logo.png"} {
		s := validSite()
		s.Theme.LogoURL = ok
		if err := s.Validate(); err != nil {
			t.Errorf("%.40s: %v", ok, err)
		}
	}
	svg := "data:image/svg+xml;base64," + base64.StdEncoding.EncodeToString([]byte(`<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>`))
	lying := "data:image/png;base64," + base64.StdEncoding.EncodeToString([]byte("<html><script>alert(1)</script></html>"))
	for name, bad := range map[string]string{
		"svg":         svg,
		"not base64":  "data:image/png;base64,@@@",
		"plain data":  "data:image/png,abc",
		"html as png": lying,
		"too large":   pngDataURL(t, 200, 200),
		"javascript":  "javascript:alert(1)",
	} {
		s := validSite()
		s.Theme.LogoURL = bad
		if !fields(s.Validate())["theme.logo_url"] {
			t.Errorf("%s accepted", name)
		}
	}
}
