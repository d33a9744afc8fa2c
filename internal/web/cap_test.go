package web

import (
	"encoding/xml"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"infocentre/internal/centre"
	"infocentre/internal/web/fixture"
)

// capSchema returns the path of the OASIS CAP 1.2 schema that
// .ci/cap-schema.sh fetches (CAP_SCHEMA overrides it). Without it, or
// without xmllint, the test is skipped, or fails under CI=true.
func capSchema(t *testing.T) string {
	t.Helper()
	_, here, _, _ := runtime.Caller(0)
	path := os.Getenv("CAP_SCHEMA")
	if path == "" {
		path = filepath.Join(filepath.Dir(here), "..", "..", ".cache", "cap", "CAP-v1.2.xsd")
	}
	_, err := os.Stat(path)
	_, lerr := exec.LookPath("xmllint")
	if err != nil || lerr != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("the CAP 1.2 schema (%s) or xmllint is missing: run .ci/cap-schema.sh", path)
		}
		t.Skipf("the CAP 1.2 schema (%s) or xmllint is missing: run .ci/cap-schema.sh", path)
	}
	return path
}

// validCAP checks doc against the official CAP 1.2 schema with xmllint.
func validCAP(t *testing.T, schema, name, doc string) {
	t.Helper()
	f := filepath.Join(t.TempDir(), "msg.xml")
	if err := os.WriteFile(f, []byte(doc), 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("xmllint", "--noout", "--schema", schema, f).CombinedOutput()
	if err != nil {
		t.Errorf("%s does not validate against CAP 1.2: %v\n%s\n%s", name, err, out, doc)
	}
}

type capAlert struct {
	Identifier string `xml:"identifier"`
	Sent       string `xml:"sent"`
	MsgType    string `xml:"msgType"`
	References string `xml:"references"`
	Info       []struct {
		Language string `xml:"language"`
		Severity string `xml:"severity"`
		Headline string `xml:"headline"`
		Expires  string `xml:"expires"`
	} `xml:"info"`
}

type capIndexDoc struct {
	Entries []struct {
		ID   string `xml:"id"`
		Link struct {
			Href string `xml:"href,attr"`
			Type string `xml:"type,attr"`
		} `xml:"link"`
	} `xml:"entry"`
}

// TestCAP: the banner and an entry marked as an alert are published as CAP
// 1.2 messages — Alert, then Update and Cancel with references, one
// <info> per language — listed in the Atom index at /cap.xml, each at its
// own URL, every one valid against the official schema.
func TestCAP(t *testing.T) {
	schema := capSchema(t)
	now := time.Now().UTC().Truncate(time.Second)
	var svc *centre.Service
	e := newEnv(t, func(_ centre.Store, _ *Options, s *centre.Service) {
		s.Now = func() time.Time { return now }
		s.Render = func(md string) (string, error) { return "<p>" + md + "</p>", nil }
		svc = s
	})
	ctx := t.Context()
	pub := centre.Principal{KeyID: "test", Site: fixture.Site, Role: centre.RolePublisher}
	site := func() *centre.Site { s, _ := svc.Site(ctx, fixture.Site); return s }

	index := func() (capIndexDoc, string) {
		t.Helper()
		r := e.get(base + "/cap.xml")
		if r.StatusCode != 200 || !strings.HasPrefix(r.Header.Get("Content-Type"), "application/atom+xml") {
			t.Fatalf("cap.xml: %d %s", r.StatusCode, r.Header.Get("Content-Type"))
		}
		var ix capIndexDoc
		if err := xml.Unmarshal([]byte(r.body), &ix); err != nil {
			t.Fatalf("cap.xml: %v\n%s", err, r.body)
		}
		return ix, r.body
	}
	message := func(href string) capAlert {
		t.Helper()
		path := strings.TrimPrefix(href, "https://centre.example.net")
		path = strings.TrimPrefix(path, "http://centre.example.net")
		r := e.get(path)
		if r.StatusCode != 200 || r.Header.Get("Content-Type") != "application/cap+xml; charset=utf-8" {
			t.Fatalf("%s: %d %s", path, r.StatusCode, r.Header.Get("Content-Type"))
		}
		validCAP(t, schema, path, r.body)
		var a capAlert
		if err := xml.Unmarshal([]byte(r.body), &a); err != nil {
			t.Fatal(err)
		}
		return a
	}
	find := func(ix capIndexDoc, kind string) capAlert {
		t.Helper()
		for _, x := range ix.Entries {
			if strings.Contains(x.Link.Href, "."+kind+".") && x.Link.Type == "application/cap+xml" {
				return message(x.Link.Href)
			}
		}
		t.Fatalf("no %s message in the index: %+v", kind, ix)
		return capAlert{}
	}

	if ix, _ := index(); len(ix.Entries) != 0 {
		t.Fatalf("index without alerts: %+v", ix)
	}
	// The banner: Alert, Update, Cancel.
	in := centre.BannerInput{Severity: centre.SeverityExtreme, Heading: "Evacuate the river banks", Text: "Water is rising fast.",
		ExpiresAt: now.Add(6 * time.Hour)}
	if _, err := svc.UpdateSite(ctx, pub, fixture.Site, centre.SitePatch{Banner: &in}, site().Version); err != nil {
		t.Fatal(err)
	}
	ix, _ := index()
	a := find(ix, "banner")
	if a.MsgType != "Alert" || a.References != "" || len(a.Info) != 1 || a.Info[0].Severity != "Extreme" || a.Info[0].Language != "en" {
		t.Fatalf("banner alert: %+v", a)
	}
	first := a
	now = now.Add(time.Hour)
	in.Text = "Water is rising fast. Shelters are open."
	if _, err := svc.UpdateSite(ctx, pub, fixture.Site, centre.SitePatch{Banner: &in}, site().Version); err != nil {
		t.Fatal(err)
	}
	ix, _ = index()
	a = find(ix, "banner")
	if a.MsgType != "Update" || !strings.HasSuffix(a.References, ","+first.Identifier+","+first.Sent) {
		t.Fatalf("banner update: %+v (alert %+v)", a, first)
	}
	if r := e.get(base + "/cap/" + first.Identifier + ".xml"); r.StatusCode != 410 {
		t.Errorf("the superseded Alert: %d, want 410", r.StatusCode)
	}
	update := a
	now = now.Add(time.Hour)
	if _, err := svc.UpdateSite(ctx, pub, fixture.Site, centre.SitePatch{RemoveBanner: true}, site().Version); err != nil {
		t.Fatal(err)
	}
	ix, _ = index()
	a = find(ix, "banner")
	if a.MsgType != "Cancel" || !strings.Contains(a.References, first.Identifier) || !strings.Contains(a.References, update.Identifier) {
		t.Fatalf("banner cancel: %+v", a)
	}
	now = now.Add(centre.CancelListedFor)
	if ix, _ := index(); len(ix.Entries) != 0 {
		t.Fatalf("a day after the Cancel, the index still lists it: %+v", ix)
	}

	// An entry marked as an alert, in English and French.
	var en *centre.Entry
	for _, lang := range []string{"en", "fr"} {
		x, err := svc.CreateEntry(ctx, pub, fixture.Site, centre.EntryInput{Content: centre.Content{Type: centre.TypeNews,
			Title: "Boil water notice (" + lang + ")", Summary: "Boil tap water before drinking.", Alert: true},
			Slug: "boil-water", Lang: lang, Status: centre.StatusPublished})
		if err != nil {
			t.Fatal(err)
		}
		if lang == "en" {
			en = x
		}
	}
	ix, _ = index()
	a = find(ix, "entry")
	if a.MsgType != "Alert" || len(a.Info) != 2 || a.Info[0].Language != "en" || a.Info[1].Language != "fr" || a.Info[0].Severity != "Unknown" {
		t.Fatalf("entry alert: %+v", a)
	}
	first = a
	now = now.Add(time.Hour)
	note := "The notice now covers the north district."
	_, err := svc.UpdateEntry(ctx, pub, fixture.Site, en.ID, centre.EntryPatch{ChangeNote: &note}, en.Version)
	if err != nil {
		t.Fatal(err)
	}
	ix, _ = index()
	a = find(ix, "entry")
	if a.MsgType != "Update" || !strings.HasSuffix(a.References, ","+first.Identifier+","+first.Sent) {
		t.Fatalf("entry update: %+v", a)
	}
	update = a
	now = now.Add(time.Hour)
	all, _ := svc.Entries(ctx, pub, centre.EntryQuery{Site: fixture.Site, Limit: centre.MaxPageSize})
	for _, x := range all.Items {
		if x.Slug == "boil-water" {
			if _, err := svc.Withdraw(ctx, pub, fixture.Site, x.ID, x.Version, "Lifted.", ""); err != nil {
				t.Fatal(err)
			}
		}
	}
	ix, _ = index()
	a = find(ix, "entry")
	if a.MsgType != "Cancel" || !strings.Contains(a.References, first.Identifier) || !strings.Contains(a.References, update.Identifier) {
		t.Fatalf("entry cancel: %+v", a)
	}
	for _, bad := range []string{"/cap/nothing.xml", "/cap/" + fixture.Site + ".entry.no-such-slug.0.xml", "/cap/" + fixture.Site + ".banner.x.0"} {
		if r := e.get(base + bad); r.StatusCode != 404 {
			t.Errorf("%s: %d, want 404", bad, r.StatusCode)
		}
	}
}
