package static

import (
	"context"
	"encoding/json"
	"encoding/xml"
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/html"

	"infocentre/internal/boltstore"
	"infocentre/internal/centre"
	"infocentre/internal/markdown"
	"infocentre/internal/search"
	"infocentre/internal/web"
	"infocentre/internal/web/fixture"
)

const baseURL = "https://archive.example.net"

// liveHosts are the names the live site answers on: no exported file may
// link back to them.
var liveHosts = []string{fixture.Host, "static.invalid", "centre.example.net"}

func seeded(t *testing.T) centre.Store {
	t.Helper()
	st, err := boltstore.Open(filepath.Join(t.TempDir(), "static.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	ctx := context.Background()
	if err := fixture.Seed(ctx, st); err != nil {
		t.Fatal(err)
	}
	// An entry whose body links into the site through its live host and
	// through /sites/{slug}/, and one that has expired.
	body := "See [about](https://" + fixture.Host + "/en/about) and [news](/sites/demo/news/)."
	bodyHTML, _ := markdown.Render(body)
	at := fixture.Base.Add(30 * 24 * time.Hour)
	for _, e := range []*centre.Entry{
		{Slug: "links-inside", Lang: "en", BodyHTML: bodyHTML,
			Status: centre.StatusPublished, PublishedAt: at, UpdatedAt: at,
			Content: centre.Content{
				Type:  centre.TypeNews,
				Title: "Links inside the site",
				Body:  body,
				Tags:  []string{"links"},
			},
		},
		{Slug: "old-guidance", Lang: "en",
			Status: centre.StatusPublished, PublishedAt: at, UpdatedAt: at, ExpiresAt: at.Add(time.Hour),
			Content: centre.Content{
				Type:  centre.TypePublication,
				Title: "Old guidance",
				Body:  "Superseded.",
			},
		},
	} {
		e.Site, e.ID, e.CreatedAt = fixture.Site, centre.NewID(at), at
		if err := st.CreateEntry(ctx, e); err != nil {
			t.Fatal(err)
		}
	}
	return st
}

func export(t *testing.T, st centre.Store, o Options) (string, *Result) {
	t.Helper()
	out := filepath.Join(t.TempDir(), "site")
	o.Now = fixture.Base.Add(60 * 24 * time.Hour)
	calls, last := 0, map[string][2]int{}
	res, err := o.Export(context.Background(), &centre.Service{Store: st}, fixture.Site, out, func(phase string, done, total int) {
		calls++
		last[phase] = [2]int{done, total}
	})
	if err != nil {
		t.Fatal(err)
	}
	if calls == 0 {
		t.Error("no progress reported")
	}
	// The counts agree with the progress (issue 15, defect 9): every path
	// the "paths" progress counted was written, followed or reported broken,
	// and the files are those and the API snapshots.
	snapshots := last["api lists"][1] + last["api entries"][1]
	if p := last["paths"]; p[0] != p[1] || p[0] != res.Paths || res.Files != res.Paths-res.Redirects-len(res.Broken)+snapshots+1 /* the site profile */ {
		t.Errorf("progress %v, result %+v", last, res)
	}
	t.Logf("%d paths, %d pages, %d files, %d bytes, %d entries", res.Paths, res.Pages, res.Files, res.Bytes, res.Entries)
	return out, res
}

// resolve returns the file that a static host serves for the URL path p:
// p itself, or p/index.html for a directory.
func resolve(root, p string) (string, bool) {
	full := filepath.Join(root, filepath.FromSlash(path.Clean("/"+p)))
	st, err := os.Stat(full)
	if err != nil {
		return "", false
	}
	if st.IsDir() {
		full = filepath.Join(full, "index.html")
		if _, err := os.Stat(full); err != nil {
			return "", false
		}
	}
	return full, true
}

func hrefs(t *testing.T, file string) []string {
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	z := html.NewTokenizer(strings.NewReader(string(b)))
	for {
		tt := z.Next()
		if tt == html.ErrorToken {
			return out
		}
		if tt != html.StartTagToken && tt != html.SelfClosingTagToken {
			continue
		}
		for {
			k, v, more := z.TagAttr()
			if string(k) == "href" || string(k) == "src" {
				out = append(out, string(v))
			}
			if !more {
				break
			}
		}
	}
}

// crawl follows every link of every page from index.html and returns the
// files reached; it fails on a broken internal link, a query string, or a
// link to a live host.
func crawl(t *testing.T, root, origin string) map[string]bool {
	t.Helper()
	reached := map[string]bool{}
	queue := []string{"/"}
	seen := map[string]bool{"/": true}
	for len(queue) > 0 {
		page := queue[0]
		queue = queue[1:]
		file, ok := resolve(root, page)
		if !ok {
			t.Fatalf("start %s missing", page)
		}
		reached[file] = true
		if !strings.HasSuffix(file, ".html") {
			continue
		}
		for _, ref := range hrefs(t, file) {
			u, err := url.Parse(ref)
			if err != nil {
				t.Errorf("%s: bad link %q", page, ref)
				continue
			}
			if u.Scheme == "mailto" {
				continue
			}
			if u.Host != "" {
				for _, h := range liveHosts {
					if strings.EqualFold(u.Hostname(), h) {
						t.Errorf("%s: absolute link to the live host: %s", page, ref)
					}
				}
				if origin == "" || u.Scheme+"://"+u.Host != origin {
					continue // another site
				}
			}
			if u.RawQuery != "" {
				t.Errorf("%s: link with a query string, which a static host ignores: %s", page, ref)
			}
			target := (&url.URL{Path: page}).ResolveReference(u).Path
			f, ok := resolve(root, target)
			if !ok {
				t.Errorf("%s: broken link %s", page, ref)
				continue
			}
			reached[f] = true
			if !seen[target] && strings.HasSuffix(f, ".html") {
				seen[target] = true
				queue = append(queue, target)
			}
		}
	}
	return reached
}

var absURL = regexp.MustCompile(`(?i)(?:https?:)?//[a-z0-9.-]+`)

func TestExportWithBaseURL(t *testing.T) {
	st := seeded(t)
	out, res := export(t, st, Options{BaseURL: baseURL})
	if len(res.Broken) > 0 {
		t.Errorf("broken links reported: %v", res.Broken)
	}
	reached := crawl(t, out, baseURL)

	for _, want := range []string{
		"index.html", "fr/index.html", "404.html", "robots.txt", "sitemap.xml", "feed.atom", "feed.rss", "feed.json",
		"statements/index.html", "publications/index.html", "news/index.html", "news/page/2/index.html", "news/fr/index.html",
		"news/feed.atom", "tags/medicines/index.html", "tags/medicines/feed.json", "tags/medicines/fr/index.html",
		"organisations/societe-francaise-d-exemple/index.html", "tags/index.html", "organisations/index.html", "tags/fr/index.html",
		"en/medicine-supply/index.html", "fr/medicine-supply/index.html", "en/early-mask-advice/index.html", "en/about/index.html",
		"en/old-guidance/index.html", "en/links-inside/index.html",
		"api/v1/sites/demo/index.json", "api/v1/sites/demo/entries/index.json", "api/v1/sites/demo/entries/medicine-supply/fr.json",
		"api/v1/sites/demo/entries/old-guidance/en.json",
	} {
		if _, err := os.Stat(filepath.Join(out, want)); err != nil {
			t.Errorf("missing %s", want)
		}
	}
	for _, page := range []string{"news/page/2/index.html", "en/early-mask-advice/index.html", "tags/medicines/feed.json", "fr/index.html"} {
		if !reached[filepath.Join(out, page)] {
			t.Errorf("%s is not reachable from index.html", page)
		}
	}
	for _, gone := range []string{"en/secret-draft", "en/embargoed-figures", "en/removed-notice", "sites"} {
		if _, err := os.Stat(filepath.Join(out, gone)); err == nil {
			t.Errorf("%s exported", gone)
		}
	}

	// No file outside the API snapshots names a live host or a /sites/
	// path; nothing anywhere shows a non-public entry.
	err := filepath.WalkDir(out, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(out, p)
		s := string(b)
		for _, bad := range []string{fixture.DraftTitle, fixture.ScheduledTitle, fixture.OtherTitle} {
			if strings.Contains(s, bad) {
				t.Errorf("%s shows %q", rel, bad)
			}
		}
		if strings.HasPrefix(rel, "api"+string(filepath.Separator)) {
			if !json.Valid(b) {
				t.Errorf("%s is not JSON", rel)
			}
			return nil
		}
		for _, m := range absURL.FindAllString(s, -1) {
			for _, h := range liveHosts {
				if strings.HasSuffix(strings.ToLower(m), "//"+h) {
					t.Errorf("%s links to the live host: %s", rel, m)
				}
			}
		}
		if strings.Contains(s, `"/sites/`) {
			t.Errorf("%s names a /sites/ path", rel)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}

	entry := read(t, out, "en/medicine-supply/index.html")
	for _, want := range []string{`<link rel="canonical" href="` + baseURL + `/en/medicine-supply/">`, `href="/tags/medicines/"`,
		`href="/fr/medicine-supply/"`, `href="/en/mask-advice"`} {
		if !strings.Contains(entry, want) {
			t.Errorf("entry page lacks %s", want)
		}
	}
	if links := read(t, out, "en/links-inside/index.html"); !strings.Contains(links, `href="/en/about"`) || !strings.Contains(links, `href="/news/"`) {
		t.Errorf("body links not made local:\n%s", links)
	}
	if old := read(t, out, "en/old-guidance/index.html"); !strings.Contains(old, "This information expired on") {
		t.Error("expired entry lacks its notice")
	}
	if list := read(t, out, "publications/index.html"); strings.Contains(list, "Old guidance") {
		t.Error("expired entry listed")
	}
	if nf := read(t, out, "404.html"); !strings.Contains(nf, "Page not found") {
		t.Error("404.html is not the not-found page")
	}
	if robots := read(t, out, "robots.txt"); !strings.Contains(robots, "Sitemap: "+baseURL+"/sitemap.xml") {
		t.Errorf("robots.txt: %s", robots)
	}

	// The sitemap and the feeds name pages of the copy.
	var sm struct {
		URLs []struct {
			Loc string `xml:"loc"`
		} `xml:"url"`
	}
	if err := xml.Unmarshal([]byte(read(t, out, "sitemap.xml")), &sm); err != nil {
		t.Fatal(err)
	}
	if len(sm.URLs) < 30 {
		t.Errorf("sitemap has %d URLs", len(sm.URLs))
	}
	for _, u := range sm.URLs {
		p, ok := strings.CutPrefix(u.Loc, baseURL)
		if _, found := resolve(out, p); !ok || !found {
			t.Errorf("sitemap URL %s does not resolve in the copy", u.Loc)
		}
	}
	var jf struct {
		Items []struct {
			URL string `json:"url"`
		} `json:"items"`
	}
	if err := json.Unmarshal([]byte(read(t, out, "feed.json")), &jf); err != nil {
		t.Fatal(err)
	}
	for _, it := range jf.Items {
		p, ok := strings.CutPrefix(it.URL, baseURL)
		if _, found := resolve(out, p); !ok || !found {
			t.Errorf("feed item %s does not resolve in the copy", it.URL)
		}
	}

	// API snapshots: list pages chained by "next", one file per entry.
	var list struct {
		Items []struct{ Slug, Lang string } `json:"items"`
		Next  string                        `json:"next"`
	}
	if err := json.Unmarshal([]byte(read(t, out, "api/v1/sites/demo/entries/index.json")), &list); err != nil {
		t.Fatal(err)
	}
	if len(list.Items) < 30 || list.Next != "" {
		t.Errorf("entry list: %d items, next %q", len(list.Items), list.Next)
	}
	for _, it := range list.Items {
		if _, err := os.Stat(filepath.Join(out, "api/v1/sites/demo/entries", it.Slug, it.Lang+".json")); err != nil {
			t.Errorf("no snapshot of %s/%s", it.Lang, it.Slug)
		}
	}

	// A plain file server serves the copy, directories and all.
	srv := httptest.NewServer(http.FileServer(http.Dir(out)))
	defer srv.Close()
	for _, p := range []string{"/", "/news/page/2/", "/tags/medicines/", "/en/mask-advice/", "/fr/"} {
		res, err := http.Get(srv.URL + p)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != 200 || !strings.Contains(string(b), "</html>") {
			t.Errorf("file server GET %s: %d", p, res.StatusCode)
		}
	}

	// The directory must be new.
	if _, err := Export(context.Background(), &centre.Service{Store: st}, fixture.Site, out, nil); !centre.IsCode(err, centre.ECONFLICT) {
		t.Errorf("export into a full directory: %v", err)
	}
	if _, err := Export(context.Background(), &centre.Service{Store: st}, "no-such-site", filepath.Join(t.TempDir(), "x"), nil); !centre.IsCode(err, centre.ENOTFOUND) {
		t.Errorf("export of a missing site: %v", err)
	}
	if _, err := (Options{BaseURL: "ftp://x"}).Export(context.Background(), &centre.Service{Store: st}, fixture.Site, filepath.Join(t.TempDir(), "y"), nil); !centre.IsCode(err, centre.EINVALID) {
		t.Errorf("bad base URL: %v", err)
	}
}

func TestExportRootRelative(t *testing.T) {
	st := seeded(t)
	out, res := export(t, st, Options{})
	if len(res.Broken) > 0 {
		t.Errorf("broken links reported: %v", res.Broken)
	}
	crawl(t, out, "")
	for _, f := range []string{"index.html", "en/medicine-supply/index.html", "feed.atom", "sitemap.xml", "robots.txt"} {
		s := read(t, out, f)
		for _, h := range liveHosts {
			if strings.Contains(s, "//"+h) {
				t.Errorf("%s names %s", f, h)
			}
		}
	}
	if s := read(t, out, "en/medicine-supply/index.html"); !strings.Contains(s, `<link rel="canonical" href="/en/medicine-supply/">`) {
		t.Error("canonical link is not root-relative")
	}
	if s := read(t, out, "robots.txt"); strings.Contains(s, "Sitemap:") {
		t.Errorf("robots.txt names a relative sitemap: %s", s)
	}
}

func read(t *testing.T, dir, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(name)))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestExportMatchesLivePages: the live site and its static copy share one
// URL scheme (web/sitepath.go), so every page of the copy is the page the
// live site serves at the same path below /sites/{site}/, byte for byte
// once the base is taken out. Only the link to the next page of a list
// differs: a cursor live, a page number in the copy.
func TestExportMatchesLivePages(t *testing.T) {
	st := seeded(t)
	out, _ := export(t, st, Options{BaseURL: baseURL})
	svc := (&centre.Service{Store: st}).At(fixture.Base.Add(60 * 24 * time.Hour))
	live := web.New(svc, web.Options{PublicOrigin: baseURL, PageSize: 20, BuildID: "live",
		Counts: &search.Service{Store: st, Now: func() time.Time { return fixture.Base.Add(60 * 24 * time.Hour) }}})
	next := regexp.MustCompile(`<a href="[^"]*" rel="next">`)
	norm := func(s string) string {
		s = strings.ReplaceAll(s, "https://"+fixture.Host+"/", "/") // body links made local in the copy
		s = strings.ReplaceAll(s, "/sites/"+fixture.Site+"/", "/")
		s = strings.ReplaceAll(s, "%2Fsites%2F"+fixture.Site+"%2F", "%2F") // in share links
		return next.ReplaceAllString(s, `<a rel="next">`)
	}
	compared := 0
	err := filepath.WalkDir(out, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || d.Name() != "index.html" {
			return err
		}
		rel, _ := filepath.Rel(out, filepath.Dir(p))
		page := "/"
		if rel != "." {
			page = "/" + filepath.ToSlash(rel) + "/"
		}
		copyBody, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		r := httptest.NewRequest(http.MethodGet, "/sites/"+fixture.Site+page, nil)
		w := httptest.NewRecorder()
		live.ServeHTTP(w, r)
		if w.Code != http.StatusOK {
			t.Errorf("live %s: %d", page, w.Code)
			return nil
		}
		if got, want := norm(w.Body.String()), norm(string(copyBody)); got != want {
			t.Errorf("live %s differs from the copy:\nlive: %.2000s\ncopy: %.2000s", page, got, want)
		}
		compared++
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if compared < 40 {
		t.Errorf("compared %d pages", compared)
	}
}
