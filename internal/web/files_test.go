package web

import (
	"bytes"
	"context"
	"image"
	_ "image/jpeg"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"infocentre/internal/centre"
	"infocentre/internal/cursor"
	"infocentre/internal/filestore"
	"infocentre/internal/media"
	"infocentre/internal/media/mediatest"
	"infocentre/internal/web/fixture"
)

// filesEnv is the fixture with a file store, and a PDF and an image
// uploaded through the service (not yet used by a public entry: see
// useFiles).
func filesEnv(t *testing.T) (*env, *centre.Service, *centre.File, *centre.File, []byte) {
	t.Helper()
	var svc *centre.Service
	e := newEnv(t, func(_ centre.Store, _ *Options, s *centre.Service) {
		fs, err := filestore.Open(filepath.Join(t.TempDir(), "files"))
		if err != nil {
			t.Fatal(err)
		}
		s.Files, s.Inspect, svc = fs, media.Inspector{}, s
	})
	owner := centre.Principal{KeyID: "k", Site: centre.AllSites, Role: centre.RoleOwner}
	pdf := mediatest.PDF(4, "Guidance")
	doc, _, err := svc.UploadFile(context.Background(), owner, fixture.Site, centre.FileInput{Name: "guidance 2026.pdf"}, bytes.NewReader(pdf))
	if err != nil {
		t.Fatal(err)
	}
	img, _, err := svc.UploadFile(context.Background(), owner, fixture.Site, centre.FileInput{Name: "chart.jpg", Alt: "Cases by week"},
		bytes.NewReader(mediatest.JPEGWithGPS(1000, 500, 1)))
	if err != nil {
		t.Fatal(err)
	}
	return e, svc, doc, img, pdf
}

var owner = centre.Principal{KeyID: "k", Site: centre.AllSites, Role: centre.RoleOwner}

// useFiles creates an entry of the fixture site with doc as its
// attachment and img as its lead image, in status (draft, published or
// scheduled at publishAt).
func useFiles(t *testing.T, svc *centre.Service, slug, status string, publishAt time.Time, doc, img *centre.File) *centre.Entry {
	t.Helper()
	in := centre.EntryInput{Slug: slug, Lang: "en", Status: status, PublishAt: publishAt, Content: centre.Content{
		Type: centre.TypePublication, Title: "Guidance " + slug,
		Attachments: []centre.Attachment{{Title: "Guidance", FileID: doc.ID}},
		Image:       centre.Image{FileID: img.ID, Alt: "Cases by week"},
	}}
	en, err := svc.CreateEntry(context.Background(), owner, fixture.Site, in)
	if err != nil {
		t.Fatal(err)
	}
	return en
}

// TestServeFile: a file is served from the site's own origin, immutable,
// with its ETag, Range, its original name, nosniff and, for documents, a
// sandboxing CSP.
func TestServeFile(t *testing.T) {
	e, svc, doc, img, pdf := filesEnv(t)
	path := base + doc.Path(0)
	useFiles(t, svc, "guidance", centre.StatusPublished, time.Time{}, doc, img)
	r := e.get(path)
	if r.StatusCode != 200 || r.body != string(pdf) {
		t.Fatalf("GET %s: %d, %d bytes", path, r.StatusCode, len(r.body))
	}
	h := r.Header
	for name, want := range map[string]string{
		"Content-Type":           "application/pdf",
		"Cache-Control":          "public, max-age=31536000, immutable",
		"ETag":                   `"` + doc.SHA256 + `"`,
		"X-Content-Type-Options": "nosniff",
		"Content-Disposition":    `inline; filename="guidance 2026.pdf"`,
		"Accept-Ranges":          "bytes",
	} {
		if h.Get(name) != want {
			t.Errorf("%s: %q, want %q", name, h.Get(name), want)
		}
	}
	if csp := h.Get("Content-Security-Policy"); !strings.HasPrefix(csp, "sandbox") || !strings.Contains(csp, "default-src 'none'") {
		t.Errorf("document CSP %q", csp)
	}
	if r := e.get(path, "Range", "bytes=5-14"); r.StatusCode != http.StatusPartialContent || r.body != string(pdf[5:15]) ||
		r.Header.Get("Content-Range") != "bytes 5-14/"+strconv.Itoa(len(pdf)) {
		t.Fatalf("Range: %d %q %q", r.StatusCode, r.body, r.Header.Get("Content-Range"))
	}
	if r := e.get(path, "If-None-Match", `"`+doc.SHA256+`"`); r.StatusCode != http.StatusNotModified {
		t.Fatalf("If-None-Match: %d", r.StatusCode)
	}
	// On the site's own host too.
	if r := e.get(doc.Path(0), "Host", fixture.Host); r.StatusCode != 200 || r.body != string(pdf) {
		t.Fatalf("own host: %d", r.StatusCode)
	}

	// The image and its variants.
	r = e.get(base + img.Path(0))
	if r.StatusCode != 200 || r.Header.Get("Content-Type") != "image/jpeg" || strings.Contains(r.body, "Exif") ||
		strings.Contains(r.body, mediatest.Secret) || strings.HasPrefix(r.Header.Get("Content-Security-Policy"), "sandbox") {
		t.Fatalf("image: %d %v", r.StatusCode, r.Header)
	}
	r = e.get(base + img.Path(480))
	if r.StatusCode != 200 || r.Header.Get("Content-Type") != "image/jpeg" {
		t.Fatalf("variant: %d %v", r.StatusCode, r.Header)
	}
	if m, err := decodeAny(r.body); err != nil || m != 480 {
		t.Fatalf("variant width %d, %v", m, err)
	}

	// Anything else is 404: another name, a variant the file does not
	// have, another site, an unknown or malformed hash.
	for _, p := range []string{
		base + "/files/" + doc.SHA256 + "/other.pdf",
		base + "/files/" + doc.SHA256 + "/480w/guidance%202026.pdf",
		base + "/files/" + img.SHA256 + "/2000w/chart.jpg",
		base + "/files/" + img.SHA256 + "/0480w/chart.jpg",
		"/sites/no-such-site" + doc.Path(0),
		base + "/files/" + strings.Repeat("0", 64) + "/x.pdf",
		base + "/files/not-a-hash/x.pdf",
	} {
		if r := e.get(p); r.StatusCode != 404 {
			t.Errorf("GET %s: %d, want 404", p, r.StatusCode)
		}
	}
}

// TestFileEmbargo: a file answers 404 until an entry that uses it is
// public — by a publisher, or by the scheduled publisher at its time —
// and keeps answering after the entry is withdrawn; a draft's files stay
// 404.
func TestFileEmbargo(t *testing.T) {
	e, svc, doc, img, _ := filesEnv(t)
	ctx := context.Background()
	now := time.Now()
	svc.Now = func() time.Time { return now }
	paths := []string{base + doc.Path(0), base + img.Path(0), base + img.Path(480), doc.Path(0)}
	status := func(when string, want int) {
		t.Helper()
		for _, p := range paths {
			host := ""
			if !strings.HasPrefix(p, base) {
				host = fixture.Host
			}
			if r := e.get(p, "Host", host); r.StatusCode != want {
				t.Errorf("%s: GET %s: %d, want %d", when, p, r.StatusCode, want)
			}
		}
	}
	status("uploaded", 404)
	useFiles(t, svc, "draft-guidance", centre.StatusDraft, time.Time{}, doc, img)
	status("used by a draft", 404)
	sched := useFiles(t, svc, "scheduled-guidance", centre.StatusScheduled, now.Add(time.Hour), doc, img)
	status("used by a scheduled entry", 404)
	if _, err := svc.PublishDue(ctx); err != nil {
		t.Fatal(err)
	}
	status("before the scheduled time", 404)

	now = now.Add(2 * time.Hour)
	if n, err := svc.PublishDue(ctx); err != nil || n != 1 {
		t.Fatalf("PublishDue: %d, %v", n, err)
	}
	status("after the scheduled publisher released the entry", 200)
	f, err := svc.File(ctx, owner, fixture.Site, doc.ID)
	if err != nil || f.PublicEntry != sched.ID || !f.PublicSince.Equal(now.UTC().Truncate(time.Millisecond)) {
		t.Fatalf("file after release: %+v, %v", f, err)
	}

	cur, err := svc.Entry(ctx, owner, fixture.Site, sched.ID)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Withdraw(ctx, owner, fixture.Site, sched.ID, cur.Version, "Superseded", ""); err != nil {
		t.Fatal(err)
	}
	status("after withdrawal", 200)
}

func decodeAny(body string) (int, error) {
	c, _, err := image.DecodeConfig(strings.NewReader(body))
	return c.Width, err
}

// BenchmarkServePDF2MB: serving a 2 MB PDF from the directory file store
// through the public handler (bytes/s is the throughput).
func BenchmarkServePDF2MB(b *testing.B) {
	var svc *centre.Service
	e := newEnv(b, func(_ centre.Store, _ *Options, s *centre.Service) {
		fs, err := filestore.Open(filepath.Join(b.TempDir(), "files"))
		if err != nil {
			b.Fatal(err)
		}
		s.Files, s.Inspect, svc = fs, media.Inspector{}, s
	})
	pdf := mediatest.PDFSized(1, "Big", 2<<20)
	f, _, err := svc.UploadFile(context.Background(), owner, fixture.Site, centre.FileInput{Name: "big.pdf"}, bytes.NewReader(pdf))
	if err != nil {
		b.Fatal(err)
	}
	if _, err := svc.CreateEntry(context.Background(), owner, fixture.Site, centre.EntryInput{Slug: "big", Lang: "en",
		Status: centre.StatusPublished, Content: centre.Content{Type: centre.TypePublication, Title: "Big",
			Attachments: []centre.Attachment{{Title: "Big", FileID: f.ID}}}}); err != nil {
		b.Fatal(err)
	}
	path := base + f.Path(0)
	b.SetBytes(f.Size)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		w := httptest.NewRecorder()
		e.mux.ServeHTTP(w, httptest.NewRequest("GET", path, nil))
		if w.Code != 200 || int64(w.Body.Len()) != f.Size {
			b.Fatalf("%d, %d bytes", w.Code, w.Body.Len())
		}
	}
}

// TestEntryPageFiles: the page of an entry with files shows the lead
// image with every copy in srcset, its size (no layout shift), its alt
// text and lazy loading; its social card is the large one with the 1600
// px copy; attachments say format, pages and size in the link, without
// naming the type twice, and the site's contact takes requests for an
// accessible format. The page stays within the first-load budget.
func TestEntryPageFiles(t *testing.T) {
	e, svc, doc, img, _ := filesEnv(t)
	ctx := context.Background()
	if _, err := svc.CreateEntry(ctx, owner, fixture.Site, centre.EntryInput{Slug: "guidance", Lang: "en", Status: centre.StatusPublished,
		Content: centre.Content{Type: centre.TypePublication, Title: "Flood guidance", Summary: "What to do.",
			Attachments: []centre.Attachment{{Title: "Guidance (PDF)", FileID: doc.ID}, {Title: "Chart", FileID: img.ID}},
			Image:       centre.Image{FileID: img.ID, Alt: "Cases by week"}}}); err != nil {
		t.Fatal(err)
	}
	r := e.get(base + "/en/guidance/")
	if r.StatusCode != 200 {
		t.Fatalf("%d", r.StatusCode)
	}
	checkHTML(t, r.body)
	v := func(w int) string { return base + img.Path(w) }
	for _, want := range []string{
		`<img class="lead-image" src="` + v(960) + `" srcset="` + v(480) + ` 480w, ` + v(960) + ` 960w, ` + base + img.Path(0) + ` 1000w" sizes="` + imageSizes + `" width="1000" height="500" alt="Cases by week" loading="lazy" decoding="async">`,
		// The image is 1000 px wide: no 1600 px copy, the card shows the original.
		`<meta property="og:image" content="http://centre.example.net` + base + img.Path(0) + `">`,
		`<meta property="og:image:width" content="1000">`,
		`<meta property="og:image:alt" content="Cases by week">`,
		`<meta name="twitter:card" content="summary_large_image">`,
		`<a href="` + base + doc.Path(0) + `">Download Guidance <small>(PDF, 4 pages, ` + humanSize(doc.Size) + `)</small></a>`,
		`>Download Chart <small>(JPEG image, ` + humanSize(img.Size) + `)</small></a>`,
		`<a href="mailto:press@example.org?subject=Accessible%20format:%20Flood%20guidance">Request an accessible format</a>`,
	} {
		if !strings.Contains(r.body, want) {
			t.Errorf("entry page lacks %s", want)
		}
	}
	_, list, _ := strings.Cut(r.body, `<section aria-labelledby="files">`)
	list, _, _ = strings.Cut(list, "</section>")
	if strings.Count(list, "PDF") != 1 {
		t.Errorf("the type is named twice:\n%s", r.body)
	}
	css := e.site.assets.files[strings.TrimPrefix(e.site.assets.url("style.css"), "/assets/")]
	if total := len(gzipBytes([]byte(r.body))) + len(css.gz()); total > 14*1024 {
		t.Errorf("the page weighs %d bytes gzip with its stylesheet, budget 14 KB", total)
	}
}

// TestPreviewFiles: a draft's preview shows its attachment and lead image,
// which are not public yet, through the preview link (uncached, no
// Referer, not indexed), while their public URLs stay 404; the link opens
// only the files the draft references, and nothing once revoked.
func TestPreviewFiles(t *testing.T) {
	e, svc, doc, img, pdf := filesEnv(t)
	ctx := context.Background()
	sealer, err := cursor.New([]byte("preview-secret-0123456789abcdef"))
	if err != nil {
		t.Fatal(err)
	}
	svc.Signer = sealer
	other, _, err := svc.UploadFile(ctx, owner, fixture.Site, centre.FileInput{Name: "other.pdf"}, bytes.NewReader(mediatest.PDF(1, "Other")))
	if err != nil {
		t.Fatal(err)
	}
	draft := useFiles(t, svc, "draft-guidance", centre.StatusDraft, time.Time{}, doc, img)
	link, err := svc.CreatePreview(ctx, owner, fixture.Site, draft.ID, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	pre := "/preview/" + link.Token
	page := e.get(pre)
	if page.StatusCode != 200 {
		t.Fatalf("preview: %d", page.StatusCode)
	}
	for _, want := range []string{`href="` + pre + doc.Path(0) + `"`, `src="` + pre + img.Path(960) + `"`, pre + img.Path(480) + ` 480w`} {
		if !strings.Contains(page.body, want) {
			t.Errorf("preview page lacks %s", want)
		}
	}
	r := e.get(pre + doc.Path(0))
	if r.StatusCode != 200 || r.body != string(pdf) {
		t.Fatalf("preview file: %d, %d bytes", r.StatusCode, len(r.body))
	}
	h := r.Header
	if h.Get("Cache-Control") != "private, no-store" || h.Get("Referrer-Policy") != "no-referrer" || h.Get("X-Robots-Tag") != "noindex" ||
		h.Get("X-Content-Type-Options") != "nosniff" || !strings.HasPrefix(h.Get("Content-Security-Policy"), "sandbox") {
		t.Errorf("preview file headers: %v", h)
	}
	if r := e.get(pre + img.Path(480)); r.StatusCode != 200 || r.Header.Get("Content-Type") != "image/jpeg" {
		t.Errorf("preview variant: %d", r.StatusCode)
	}
	for _, p := range []string{
		base + doc.Path(0),                            // still not public
		pre + other.Path(0),                           // a file the draft does not use
		pre + "/files/" + doc.SHA256 + "/renamed.pdf", // another name
		pre + img.Path(2000),                          // no such variant
		"/preview/not-a-token" + doc.Path(0),
	} {
		if r := e.get(p); r.StatusCode != 404 {
			t.Errorf("GET %s: %d, want 404", p, r.StatusCode)
		}
	}
	if _, err := svc.RevokePreviews(ctx, owner, fixture.Site, draft.ID); err != nil {
		t.Fatal(err)
	}
	if r := e.get(pre + doc.Path(0)); r.StatusCode != 404 {
		t.Errorf("revoked link: %d, want 404", r.StatusCode)
	}
}
