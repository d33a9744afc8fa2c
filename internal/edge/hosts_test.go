package edge

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"infocentre/internal/centre"
	"infocentre/internal/httpapi"
	"infocentre/internal/search"
	"infocentre/internal/web"
	"infocentre/internal/web/fixture"
)

// liveThroughCDN returns the public handler as the API origin runs it
// behind the distribution (origin secret, viewer host), and a function
// that asks it for path as the distribution does for a visitor of host.
func liveThroughCDN(t *testing.T, w *world) func(host, path string) *httptest.ResponseRecorder {
	t.Helper()
	const secret = "origin-secret-of-the-edge-test-0123456789"
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	site := web.New(w.svc, web.Options{PublicOrigin: origin, TrustForwarded: true, PageSize: 20, Logger: log,
		SiteForHost: web.HostLookup(w.svc, time.Minute),
		Counts:      &search.Service{Store: w.st, Log: log, Now: func() time.Time { return w.now }}})
	h := httpapi.New(httpapi.Config{Service: w.svc, Log: log, Web: site.Register, PublicOrigin: origin, TrustForwarded: true,
		OriginSecret: secret}).Public()
	return func(host, path string) *httptest.ResponseRecorder {
		r := httptest.NewRequest(http.MethodGet, path, nil)
		r.Host = "abc123.execute-api.eu-west-1.amazonaws.com"
		r.Header.Set("X-Forwarded-Proto", "https")
		r.Header.Set(httpapi.OriginSecretHeader, secret)
		r.Header.Set(httpapi.ViewerHostHeader, host)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, r)
		return rec
	}
}

// TestHostMirrorEqualsLivePages: a site served at the root of a host of
// its own (demo.example.org) fails over too. The distribution's
// viewer-request function asks for /en/x/ on that host as
// /hosts/demo.example.org/en/x/ (httpapi.ViewerHostPath); after the whole
// copy and a publication, the mirror (moto_server S3) holds every page of
// the host at the key that request names (the path without its leading
// "/"), with the Content-Type the API answers, and the bytes the API
// origin serves for that request: the live page of the host (only the
// link to a list's next page differs, a cursor live, a number in the
// copy). The purge covers the rewritten paths.
func TestHostMirrorEqualsLivePages(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	site, err := w.svc.Site(ctx, fixture.Site)
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	rep, err := w.h.Apply(ctx, []Record{{ID: "whole", Created: w.now, Change: Change{Site: fixture.Site, OldSite: site, NewSite: site}}})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("whole mirror, the base and the host's copy: %d files written in %s", rep.Written, time.Since(start).Round(time.Millisecond))
	if _, err := w.svc.CreateEntry(ctx, w.owner, fixture.Site, centre.EntryInput{Slug: "levee-breach", Lang: "en", Status: centre.StatusPublished,
		Content: centre.Content{Type: centre.TypeStatement, Title: "Levee breach", Body: "Leave the lower town.", Tags: []string{"levees"}}}); err != nil {
		t.Fatal(err)
	}
	start = time.Now()
	rep = w.step("publish")
	t.Logf("one publication, the base and the host's copy: %d rendered, %d written in %s", rep.Rendered, rep.Written, time.Since(start).Round(time.Millisecond))

	live := liveThroughCDN(t, w)
	base := httpapi.ViewerHostPath(fixture.Host)
	next := regexp.MustCompile(`<a href="[^"]*" rel="next">`)
	names, err := w.b.List(ctx, strings.TrimPrefix(base, "/")+"/")
	if err != nil {
		t.Fatal(err)
	}
	compared := 0
	for name := range names {
		k := key(name) // the object key: the path the failover asks for
		o, err := w.b.Client.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(w.b.Name), Key: aws.String(k)})
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(o.Body)
		o.Body.Close()
		res := live(fixture.Host, "/"+k)
		want := http.StatusOK
		if strings.HasSuffix(k, "/404.html") {
			want = http.StatusNotFound
		}
		if res.Code != want {
			t.Errorf("live /%s: %d, want %d", k, res.Code, want)
			continue
		}
		got := next.ReplaceAllString(res.Body.String(), `<a rel="next">`)
		if copyBody := next.ReplaceAllString(string(body), `<a rel="next">`); got != copyBody {
			i := 0
			for i < min(len(got), len(copyBody)) && got[i] == copyBody[i] {
				i++
			}
			from := max(0, i-200)
			t.Errorf("/%s: the mirror's object differs from the live page of %s at byte %d:\nlive: …%.400s\ncopy: …%.400s", k, fixture.Host, i, got[from:], copyBody[from:])
		}
		if ct := aws.ToString(o.ContentType); ct != res.Header().Get("Content-Type") {
			t.Errorf("/%s: Content-Type %q in the mirror, %q live", k, ct, res.Header().Get("Content-Type"))
		}
		compared++
	}
	if compared < 40 {
		t.Fatalf("compared %d pages of the host's copy", compared)
	}
	for _, k := range []string{"hosts/demo.example.org/", "hosts/demo.example.org/en/levee-breach/", "hosts/demo.example.org/tags/levees/",
		"hosts/demo.example.org/feed.atom", "hosts/demo.example.org/fr/"} {
		if _, ok := names[name(k)]; !ok {
			t.Errorf("the host's copy lacks %s", k)
		}
	}
	// The live page at the root of the host is the same page: the CDN's
	// rewrite changes what is cached and mirrored, not what is served.
	if a, b := live(fixture.Host, "/en/levee-breach/"), live(fixture.Host, base+"/en/levee-breach/"); a.Code != 200 || a.Body.String() != b.Body.String() {
		t.Errorf("/en/levee-breach/ on the host: %d, not the page served below %s", a.Code, base)
	}
	// The publication's purge names the rewritten paths (the cached
	// copies) beside the viewer's.
	last := w.reps[len(w.reps)-1]
	if len(last.Invalidations) != 1 {
		t.Fatalf("invalidations %v", last.Invalidations)
	}
	paths := invalidationPaths(t, w, last.Invalidations[0])
	for _, p := range []string{base + "/en/levee-breach/", "/en/levee-breach/", "/sites/demo/en/levee-breach/", base + "/tags/levees/", base + "/"} {
		if !slices.Contains(paths, p) {
			t.Errorf("the purge lacks %s: %v", p, paths)
		}
	}
	t.Logf("%d pages of the host's copy equal the live pages of %s", compared, fixture.Host)
}

// invalidationPaths returns the paths of the invalidation id on
// moto_server's CloudFront.
func invalidationPaths(t *testing.T, w *world, id string) []string {
	t.Helper()
	inv, err := w.cf.Client.(*cloudfront.Client).GetInvalidation(context.Background(), &cloudfront.GetInvalidationInput{
		DistributionId: aws.String(w.cf.DistributionID), Id: aws.String(id)})
	if err != nil {
		t.Fatal(err)
	}
	return inv.Invalidation.InvalidationBatch.Paths.Items
}
