package feed

import (
	"encoding/json"
	"encoding/xml"
	"strings"
	"testing"
	"time"
)

var t0 = time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)

func sample() *Feed {
	return &Feed{
		Title:       "Crisis <Centre> & co",
		Description: "Statements and updates",
		Lang:        "en",
		HomeURL:     "https://example.org/sites/c/",
		SelfURL:     "https://example.org/sites/c/feed.atom",
		Author:      "Example Association",
		Updated:     t0.Add(72 * time.Hour),
		Items: []Item{
			{
				ID: "urn:infocentre:c:01a", URL: "https://example.org/sites/c/en/first", Title: "First & <best>",
				Type: "statement", Lang: "en", Summary: "We act <now>.", Published: t0, Updated: t0.Add(time.Hour),
				Tags: []string{"health", "supply"}, Organisations: []string{"Société A"},
				ChangeNotes: []ChangeNote{{At: t0.Add(48 * time.Hour), Note: "Corrected the date of the meeting"}},
			},
			{
				ID: "urn:infocentre:c:01b", URL: "https://example.org/sites/c/fr/rapport", Title: "Rapport",
				Type: "publication", Lang: "fr", Published: t0.Add(2 * time.Hour),
				Attachments: []Attachment{
					{Title: "Full report", URL: "https://files.example.org/r.pdf", MediaType: "application/pdf", Size: 123456},
					{Title: "Data", URL: "https://files.example.org/r.csv", MediaType: "text/csv", Size: 99},
				},
			},
			{
				ID: "urn:infocentre:c:01c", URL: "https://example.org/sites/c/en/old", Title: "Old advice",
				Type: "news", Lang: "en", Published: t0.Add(-time.Hour), Withdrawn: true, WithdrawnAt: t0.Add(70 * time.Hour),
				WithdrawnReason: "Superseded by new guidance", SupersededByURL: "https://example.org/sites/c/en/new",
			},
		},
	}
}

func TestAtom(t *testing.T) {
	f := sample()
	b, err := Atom(f)
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		XMLName xml.Name `xml:"http://www.w3.org/2005/Atom feed"`
		Lang    string   `xml:"http://www.w3.org/XML/1998/namespace lang,attr"`
		ID      string   `xml:"id"`
		Title   string   `xml:"title"`
		Updated string   `xml:"updated"`
		Links   []struct {
			Rel  string `xml:"rel,attr"`
			Href string `xml:"href,attr"`
		} `xml:"link"`
		Entries []struct {
			ID        string `xml:"id"`
			Title     string `xml:"title"`
			Published string `xml:"published"`
			Updated   string `xml:"updated"`
			Links     []struct {
				Rel    string `xml:"rel,attr"`
				Href   string `xml:"href,attr"`
				Type   string `xml:"type,attr"`
				Length string `xml:"length,attr"`
			} `xml:"link"`
			Authors    []string `xml:"author>name"`
			Categories []struct {
				Term string `xml:"term,attr"`
			} `xml:"category"`
			Content struct {
				Type string `xml:"type,attr"`
				Body string `xml:",chardata"`
			} `xml:"content"`
		} `xml:"entry"`
	}
	if err := xml.Unmarshal(b, &doc); err != nil {
		t.Fatalf("Atom does not parse: %v\n%s", err, b)
	}
	if doc.Title != f.Title || doc.ID != f.SelfURL || doc.Lang != "en" || doc.Updated != "2026-03-04T09:00:00Z" {
		t.Errorf("feed head = %+v", doc)
	}
	if len(doc.Links) != 2 || doc.Links[0].Rel != "self" || doc.Links[0].Href != f.SelfURL {
		t.Errorf("links = %+v", doc.Links)
	}
	if len(doc.Entries) != len(f.Items) {
		t.Fatalf("got %d entries, want %d", len(doc.Entries), len(f.Items))
	}
	for i, e := range doc.Entries {
		it := f.Items[i]
		if e.ID != it.ID || e.Links[0].Href != it.URL {
			t.Errorf("entry %d = %+v", i, e)
		}
	}
	e0 := doc.Entries[0]
	if e0.Title != "First & <best>" || e0.Authors[0] != "Société A" || len(e0.Categories) != 2 {
		t.Errorf("entry 0 = %+v", e0)
	}
	if e0.Updated != "2026-03-03T09:00:00Z" {
		t.Errorf("entry 0 updated = %s, want the time of its change note", e0.Updated)
	}
	if e0.Content.Type != "html" || !strings.Contains(e0.Content.Body, "Corrected the date of the meeting") ||
		!strings.Contains(e0.Content.Body, "We act &lt;now&gt;.") {
		t.Errorf("entry 0 content = %q", e0.Content.Body)
	}
	e1 := doc.Entries[1]
	if len(e1.Links) != 3 || e1.Links[1].Rel != "enclosure" || e1.Links[1].Length != "123456" || e1.Links[2].Type != "text/csv" {
		t.Errorf("entry 1 links = %+v", e1.Links)
	}
	e2 := doc.Entries[2]
	if !strings.HasPrefix(e2.Title, "[Withdrawn]") || !strings.Contains(e2.Content.Body, "Superseded by new guidance") ||
		!strings.Contains(e2.Content.Body, `href="https://example.org/sites/c/en/new"`) {
		t.Errorf("withdrawn entry = %+v", e2)
	}
}

func TestRSS(t *testing.T) {
	f := sample()
	b, err := RSS(f)
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		XMLName xml.Name `xml:"rss"`
		Version string   `xml:"version,attr"`
		Channel struct {
			Title         string `xml:"title"`
			LastBuildDate string `xml:"lastBuildDate"`
			Links         []struct {
				XMLName xml.Name
				Href    string `xml:"href,attr"`
				Rel     string `xml:"rel,attr"`
				Text    string `xml:",chardata"`
			} `xml:"link"`
			Items []struct {
				Title       string   `xml:"title"`
				Link        string   `xml:"link"`
				GUID        string   `xml:"guid"`
				PubDate     string   `xml:"pubDate"`
				Description string   `xml:"description"`
				Categories  []string `xml:"category"`
				Enclosure   *struct {
					URL    string `xml:"url,attr"`
					Length string `xml:"length,attr"`
				} `xml:"enclosure"`
			} `xml:"item"`
		} `xml:"channel"`
	}
	if err := xml.Unmarshal(b, &doc); err != nil {
		t.Fatalf("RSS does not parse: %v\n%s", err, b)
	}
	if doc.Version != "2.0" || doc.Channel.Title != f.Title {
		t.Errorf("channel = %+v", doc.Channel)
	}
	var home, self string
	for _, l := range doc.Channel.Links {
		switch l.XMLName.Space {
		case "":
			home = l.Text
		case atomNS:
			if l.Rel == "self" {
				self = l.Href
			}
		}
	}
	if home != f.HomeURL || self != f.SelfURL {
		t.Errorf("channel link = %q, atom:link self = %q", home, self)
	}
	if _, err := time.Parse(time.RFC1123Z, doc.Channel.LastBuildDate); err != nil {
		t.Errorf("lastBuildDate: %v", err)
	}
	if len(doc.Channel.Items) != len(f.Items) {
		t.Fatalf("got %d items, want %d", len(doc.Channel.Items), len(f.Items))
	}
	for i, it := range doc.Channel.Items {
		if it.GUID != f.Items[i].ID || it.Link != f.Items[i].URL {
			t.Errorf("item %d = %+v", i, it)
		}
		if p, err := time.Parse(time.RFC1123Z, it.PubDate); err != nil || !p.Equal(f.Items[i].Published) {
			t.Errorf("item %d pubDate %q: %v", i, it.PubDate, err)
		}
	}
	if !strings.Contains(doc.Channel.Items[0].Description, "Corrected the date") {
		t.Errorf("change note missing: %q", doc.Channel.Items[0].Description)
	}
	if e := doc.Channel.Items[1].Enclosure; e == nil || e.URL != "https://files.example.org/r.pdf" || e.Length != "123456" {
		t.Errorf("enclosure = %+v", e)
	}
}

func TestJSON(t *testing.T) {
	f := sample()
	b, err := JSON(f)
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Version string `json:"version"`
		Title   string `json:"title"`
		FeedURL string `json:"feed_url"`
		Items   []struct {
			ID            string `json:"id"`
			URL           string `json:"url"`
			Title         string `json:"title"`
			ContentHTML   string `json:"content_html"`
			DatePublished string `json:"date_published"`
			DateModified  string `json:"date_modified"`
			Language      string `json:"language"`
			Attachments   []struct {
				URL  string `json:"url"`
				Mime string `json:"mime_type"`
				Size int64  `json:"size_in_bytes"`
			} `json:"attachments"`
			Ext struct {
				Type        string `json:"type"`
				ChangeNotes []struct {
					At   string `json:"at"`
					Note string `json:"note"`
				} `json:"change_notes"`
				Withdrawn    bool   `json:"withdrawn"`
				SupersededBy string `json:"superseded_by"`
			} `json:"_infocentre"`
		} `json:"items"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatalf("JSON Feed does not parse: %v\n%s", err, b)
	}
	if doc.Version != JSONFeedVersion || doc.Title != f.Title || doc.FeedURL != f.SelfURL {
		t.Errorf("feed = %+v", doc)
	}
	if len(doc.Items) != len(f.Items) {
		t.Fatalf("got %d items, want %d", len(doc.Items), len(f.Items))
	}
	for i, it := range doc.Items {
		if it.ID != f.Items[i].ID || it.URL != f.Items[i].URL || it.Ext.Type != f.Items[i].Type || it.Language != f.Items[i].Lang {
			t.Errorf("item %d = %+v", i, it)
		}
	}
	if n := doc.Items[0].Ext.ChangeNotes; len(n) != 1 || n[0].Note != "Corrected the date of the meeting" || n[0].At != "2026-03-03T09:00:00Z" {
		t.Errorf("change notes = %+v", n)
	}
	if a := doc.Items[1].Attachments; len(a) != 2 || a[0].Size != 123456 || a[1].Mime != "text/csv" {
		t.Errorf("attachments = %+v", a)
	}
	if x := doc.Items[2].Ext; !x.Withdrawn || x.SupersededBy != "https://example.org/sites/c/en/new" {
		t.Errorf("withdrawn = %+v", x)
	}
	if doc.Items[2].DateModified != "2026-03-04T07:00:00Z" {
		t.Errorf("date_modified of withdrawn = %s, want the withdrawal time", doc.Items[2].DateModified)
	}
}

func TestEmptyJSONFeedHasItemsArray(t *testing.T) {
	b, err := JSON(&Feed{Title: "x", HomeURL: "https://e.org/", SelfURL: "https://e.org/feed.json"})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), `"items": []`) {
		t.Errorf("items must be an empty array: %s", b)
	}
}

func TestSitemap(t *testing.T) {
	b, err := Sitemap([]SitemapURL{
		{Loc: "https://example.org/sites/c/"},
		{Loc: "https://example.org/sites/c/en/a", LastMod: t0, Alternates: []Alternate{
			{Lang: "en", Href: "https://example.org/sites/c/en/a"}, {Lang: "fr", Href: "https://example.org/sites/c/fr/a"},
		}},
	})
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		XMLName xml.Name `xml:"http://www.sitemaps.org/schemas/sitemap/0.9 urlset"`
		URLs    []struct {
			Loc     string `xml:"loc"`
			LastMod string `xml:"lastmod"`
			Links   []struct {
				Rel      string `xml:"rel,attr"`
				HrefLang string `xml:"hreflang,attr"`
				Href     string `xml:"href,attr"`
			} `xml:"http://www.w3.org/1999/xhtml link"`
		} `xml:"url"`
	}
	if err := xml.Unmarshal(b, &doc); err != nil {
		t.Fatalf("sitemap does not parse: %v\n%s", err, b)
	}
	if len(doc.URLs) != 2 || doc.URLs[1].LastMod != "2026-03-01T09:00:00Z" || len(doc.URLs[1].Links) != 2 ||
		doc.URLs[1].Links[1].HrefLang != "fr" || doc.URLs[1].Links[1].Rel != "alternate" {
		t.Errorf("sitemap = %+v\n%s", doc, b)
	}
}

func TestRobots(t *testing.T) {
	got := string(Robots([]string{"https://example.org/sitemap.xml"}, "/api/"))
	want := "User-agent: *\nDisallow: /api/\n\nSitemap: https://example.org/sitemap.xml\n"
	if got != want {
		t.Errorf("Robots = %q, want %q", got, want)
	}
	if got := string(Robots(nil)); got != "User-agent: *\nDisallow:\n" {
		t.Errorf("Robots(nil) = %q", got)
	}
}

// TestHub: with a hub, each format names it (rel="hub") beside the feed's
// own address (rel="self"), as WebSub subscribers look for them; without
// one, none does.
func TestHub(t *testing.T) {
	const hub = "https://hub.example.net/"
	f := sample()
	f.Hub = hub
	atom, err := Atom(f)
	if err != nil {
		t.Fatal(err)
	}
	rss, err := RSS(f)
	if err != nil {
		t.Fatal(err)
	}
	js, err := JSON(f)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name string
		doc  []byte
		want []string
	}{
		{"atom", atom, []string{`<link rel="hub" href="` + hub + `"></link>`, `<link rel="self" type="application/atom+xml" href="` + f.SelfURL + `"></link>`}},
		{"rss", rss, []string{`<atom:link href="` + hub + `" rel="hub"></atom:link>`, `<atom:link href="` + f.SelfURL + `" rel="self" type="application/rss+xml"></atom:link>`}},
		{"json", js, []string{"\"hubs\": [\n  {\n   \"type\": \"WebSub\",\n   \"url\": \"" + hub + "\"", `"feed_url": "` + f.SelfURL + `"`}},
	} {
		for _, w := range c.want {
			if !strings.Contains(string(c.doc), w) {
				t.Errorf("%s: no %s in\n%s", c.name, w, c.doc)
			}
		}
	}
	f.Hub = ""
	for _, write := range []func(*Feed) ([]byte, error){Atom, RSS, JSON} {
		b, err := write(f)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(string(b), "hub") {
			t.Errorf("a feed without a hub names one:\n%s", b)
		}
	}
}
