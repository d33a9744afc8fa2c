package edge

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront"

	"infocentre/internal/boltstore"
	"infocentre/internal/centre"
	"infocentre/internal/markdown"
	"infocentre/internal/static"
	"infocentre/internal/web"
	"infocentre/internal/web/fixture"
)

const origin = "https://info.example.org"

// world is a store with the fixture sites, a service on a clock the test
// moves, and the edge handler with a mirror and a distribution on
// moto_server.
type world struct {
	t     *testing.T
	st    centre.Store
	svc   *centre.Service
	now   time.Time
	h     *Handler
	b     *Bucket
	cf    *Purger
	seen  map[string]*centre.Entry
	owner centre.Principal
	reps  []*Report
}

func newWorld(t *testing.T) *world {
	t.Helper()
	st, err := boltstore.Open(filepath.Join(t.TempDir(), "edge.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if err := fixture.Seed(context.Background(), st); err != nil {
		t.Fatal(err)
	}
	w := &world{t: t, st: st, now: fixture.Base.Add(40 * 24 * time.Hour), b: s3Mirror(t),
		owner: centre.Principal{KeyID: "k", Site: centre.AllSites, Role: centre.RoleOwner}}
	w.svc = &centre.Service{Store: st, Render: markdown.Render, CheckAccent: web.CheckAccent, Now: func() time.Time { return w.now }}
	client, dist := newDistribution(t)
	w.cf = &Purger{Client: client, DistributionID: dist, Backoff: time.Millisecond}
	w.h = New(Config{Service: w.svc, Purger: w.cf, Mirror: w.b, Static: static.Options{BaseURL: origin},
		Now: func() time.Time { return w.now }})
	w.seen = w.entries()
	return w
}

// entries returns every entry of the demo site by id.
func (w *world) entries() map[string]*centre.Entry {
	w.t.Helper()
	out := map[string]*centre.Entry{}
	q := centre.EntryQuery{Site: fixture.Site, Limit: centre.MaxPageSize}
	for range 100 {
		page, err := w.st.ListEntries(context.Background(), q)
		if err != nil {
			w.t.Fatal(err)
		}
		for _, e := range page.Items {
			out[e.ID] = e
		}
		if page.Next == "" {
			return out
		}
		q.After = page.Next
	}
	w.t.Fatal("more than 100 pages of entries")
	return nil
}

// step applies to the edge what changed since the last step, as the
// stream reports it: one record per entry written, with its images before
// and after.
func (w *world) step(name string) *Report {
	w.t.Helper()
	now := w.entries()
	var recs []Record
	for id, e := range now {
		if old := w.seen[id]; old == nil || old.Version != e.Version {
			recs = append(recs, Record{ID: name + "-" + id, Created: w.now, Change: Change{Site: fixture.Site, OldEntry: old, NewEntry: e}})
		}
	}
	for id, old := range w.seen {
		if now[id] == nil {
			recs = append(recs, Record{ID: name + "-" + id, Created: w.now, Change: Change{Site: fixture.Site, OldEntry: old}})
		}
	}
	w.seen = now
	if len(recs) == 0 {
		w.t.Fatalf("%s: nothing changed", name)
	}
	rep, err := w.h.Apply(context.Background(), recs)
	if err != nil {
		w.t.Fatalf("%s: %v", name, err)
	}
	w.t.Logf("%s: kinds %v, %d invalidation paths, mirror %d rendered, %d written, %d deleted in %s",
		name, rep.Kinds, rep.Paths, rep.Rendered, rep.Written, rep.Deleted, rep.MirrorTime)
	w.reps = append(w.reps, rep)
	return rep
}

// TestMirrorEqualsExport: after the first copy, a sequence of publishes,
// corrections, a withdrawal and a scheduled release — each applied as the
// stream reports it, re-rendering only what changed — leaves the mirror
// (moto_server S3) equal, byte for byte and file for file, to a fresh
// static export of the site; every step purged its paths on moto_server's
// CloudFront.
func TestMirrorEqualsExport(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	site, err := w.svc.Site(ctx, fixture.Site)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := w.h.Apply(ctx, []Record{{ID: "first", Created: w.now, Change: Change{Site: fixture.Site, OldSite: site, NewSite: site}}})
	if err != nil {
		t.Fatal(err)
	}
	first := rep.Written
	if first < 50 {
		t.Fatalf("the first copy wrote %d files", first)
	}

	pub, err := w.svc.CreateEntry(ctx, w.owner, fixture.Site, centre.EntryInput{Slug: "flood-warning", Lang: "en", Status: centre.StatusPublished,
		Content: centre.Content{Type: centre.TypeStatement, Title: "Flood warning", Body: "Stay away from the river.", Tags: []string{"floods"}}})
	if err != nil {
		t.Fatal(err)
	}
	rep = w.step("publish")
	if rep.Kinds["publish"] != 1 || rep.Written == 0 || rep.Written >= first {
		t.Errorf("publish: kinds %v, %d written (the first copy: %d)", rep.Kinds, rep.Written, first)
	}
	w.now = w.now.Add(time.Hour)
	note, title := "The river level was wrong.", "Flood warning: river level"
	pub, err = w.svc.UpdateEntry(ctx, w.owner, fixture.Site, pub.ID, centre.EntryPatch{ChangeNote: &note,
		ContentPatch: centre.ContentPatch{Title: &title}}, pub.Version)
	if err != nil {
		t.Fatal(err)
	}
	w.step("major correction")
	w.now = w.now.Add(time.Minute)
	minor, summary := centre.ChangeMinor, "Keep away from the banks."
	pub, err = w.svc.UpdateEntry(ctx, w.owner, fixture.Site, pub.ID, centre.EntryPatch{Change: &minor,
		ContentPatch: centre.ContentPatch{Summary: &summary}}, pub.Version)
	if err != nil {
		t.Fatal(err)
	}
	w.step("minor correction")
	w.now = w.now.Add(time.Minute)
	if _, err := w.svc.Withdraw(ctx, w.owner, fixture.Site, pub.ID, pub.Version, "Issued in error.", fixture.StatementSlug); err != nil {
		t.Fatal(err)
	}
	rep = w.step("withdraw")
	if rep.Kinds["withdraw"] != 1 {
		t.Errorf("withdraw: kinds %v", rep.Kinds)
	}
	// An entry removed from the store: its page and the page of its
	// only tag leave the mirror.
	gone, err := w.svc.CreateEntry(ctx, w.owner, fixture.Site, centre.EntryInput{Slug: "power-cut", Lang: "en", Status: centre.StatusPublished,
		Content: centre.Content{Type: centre.TypeNews, Title: "Power cut", Body: "Until noon.", Tags: []string{"power"}}})
	if err != nil {
		t.Fatal(err)
	}
	w.step("publish another")
	if _, ok := mirrorFiles(t, w.b)["sites/demo/tags/power/index.html"]; !ok {
		t.Fatal("the new tag's page is not in the mirror")
	}
	if err := w.st.DeleteEntry(ctx, fixture.Site, gone.ID, gone.Version); err != nil {
		t.Fatal(err)
	}
	rep = w.step("delete")
	if rep.Kinds["delete"] != 1 || rep.Deleted < 2 {
		t.Errorf("delete: kinds %v, %d files deleted, want the entry's page and its tag's", rep.Kinds, rep.Deleted)
	}
	if _, err := w.svc.CreateEntry(ctx, w.owner, fixture.Site, centre.EntryInput{Slug: "school-reopening", Lang: "en",
		Status: centre.StatusScheduled, PublishAt: w.now.Add(30 * time.Minute),
		Content: centre.Content{Type: centre.TypeNews, Title: "Schools reopen", Body: "On Monday.", Tags: []string{"schools"}}}); err != nil {
		t.Fatal(err)
	}
	rep = w.step("schedule")
	if rep.Paths != 0 || rep.Written != 0 {
		t.Errorf("a scheduled entry before its time purged %d paths and wrote %d files", rep.Paths, rep.Written)
	}
	w.now = w.now.Add(time.Hour)
	if n, err := w.svc.PublishDue(ctx); err != nil || n != 1 {
		t.Fatalf("PublishDue = %d, %v", n, err)
	}
	rep = w.step("scheduled release")
	if rep.Kinds["publish"] != 1 {
		t.Errorf("release: kinds %v", rep.Kinds)
	}

	dir := filepath.Join(t.TempDir(), "export")
	if _, err := (static.Options{BaseURL: origin, Prefix: web.SiteBase(fixture.Site), Now: w.now, NoAPI: true}).Export(ctx, w.svc, fixture.Site, dir, nil); err != nil {
		t.Fatal(err)
	}
	export := dirFiles(t, dir)
	mirror := mirrorFiles(t, w.b)
	// The site is also served at the root of its own host: that copy,
	// in hosts/demo.example.org/, equals an export at the root of that
	// host into that directory (which leaves out other sites' pages, the
	// CDN takes them from their own copies); the stylesheets are shared.
	hostDir := "hosts/" + fixture.Host + "/"
	hostExport := filepath.Join(t.TempDir(), "host")
	if _, err := (static.Options{BaseURL: "https://" + fixture.Host, Dir: strings.TrimSuffix(hostDir, "/"), Now: w.now, NoAPI: true}).Export(ctx, w.svc, fixture.Site, hostExport, nil); err != nil {
		t.Fatal(err)
	}
	hostFiles := map[string][]byte{}
	for n, b := range mirror {
		if strings.HasPrefix(n, hostDir) {
			hostFiles[n] = b
			delete(mirror, n)
		} else if strings.HasPrefix(n, "assets/") {
			hostFiles[n] = b
		}
	}
	sameFiles(t, mirror, export)
	sameFiles(t, hostFiles, dirFiles(t, hostExport))
	if page := string(hostFiles[hostDir+"en/flood-warning/index.html"]); !strings.Contains(page, "Issued in error.") ||
		!strings.Contains(page, `href="https://`+fixture.Host+`/en/flood-warning/"`) {
		t.Error("the host's copy of the withdrawn entry lacks the withdrawal or its canonical link on the host")
	}
	// Links in entry bodies stay as the live page has them (the copy is
	// served where the live pages are), and a redirect they lead to is
	// followed below the prefix, not into it twice.
	if page := string(mirror["sites/demo/en/medicine-supply/index.html"]); !strings.Contains(page, `href="/sites/demo/en/mask-advice"`) {
		t.Error("the mirror's page rewrote a body link into the site (it is served below /sites/demo/)")
	}
	for n := range mirror {
		if strings.HasPrefix(n, "sites/demo/sites/") {
			t.Errorf("mirror holds %s", n)
		}
	}
	if _, ok := mirror["sites/demo/en/school-reopening/index.html"]; !ok {
		t.Error("the released entry is not in the mirror")
	}
	if _, ok := mirror["sites/demo/tags/schools/index.html"]; !ok {
		t.Error("the released entry's new tag page is not in the mirror")
	}
	if page := string(mirror["sites/demo/en/flood-warning/index.html"]); !strings.Contains(page, "Issued in error.") {
		t.Error("the mirror's page of the withdrawn entry lacks the withdrawal")
	}
	t.Logf("mirror of %d files equals the export, and the host's copy of %d files the host's export", len(mirror), len(hostFiles))
}

// TestRecordedStreamEvent: the stream records moto_server's DynamoDB
// Streams gave while the CLI created a site and published an entry
// (.ci/record-stream-event.sh) decode to a site change, a draft the
// public does not see and a publication; applied to a store in that
// state, they put the site and the entry in the mirror and purge the
// entry's pages and the site's wildcards in one invalidation.
func TestRecordedStreamEvent(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join("..", "..", "testdata", "stream", "dynamodb-stream.json"))
	if err != nil {
		t.Fatal(err)
	}
	var ev events.DynamoDBEvent
	if err := json.Unmarshal(raw, &ev); err != nil {
		t.Fatal(err)
	}
	recs, err := Records(ev)
	if err != nil {
		t.Fatal(err)
	}
	var kinds []string
	for _, r := range recs {
		kinds = append(kinds, Kind(r.Change))
	}
	if !slices.Equal(kinds, []string{"site", "", "publish"}) {
		t.Fatalf("kinds %q, want site, a draft, publish", kinds)
	}
	pub := recs[2].Change.NewEntry
	if pub.Slug != "boil-water-notice" || pub.Site != "edge" || !slices.Equal(pub.Tags, []string{"water"}) || recs[2].Created.IsZero() {
		t.Fatalf("published entry %+v at %v", pub, recs[2].Created)
	}

	w := newWorld(t)
	ctx := context.Background()
	if err := w.st.CreateSite(ctx, recs[0].Change.NewSite); err != nil {
		t.Fatal(err)
	}
	if err := w.st.CreateEntry(ctx, pub); err != nil {
		t.Fatal(err)
	}
	var metrics bytes.Buffer
	w.h.cfg.Metrics = &metrics
	rep, err := w.h.Apply(ctx, recs)
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Invalidations) != 1 || rep.Paths == 0 {
		t.Fatalf("report %+v", rep)
	}
	// One CloudWatch embedded-metric-format line per batch.
	var emf struct {
		AWS struct {
			CloudWatchMetrics []struct {
				Namespace string
				Metrics   []struct{ Name, Unit string }
			}
		} `json:"_aws"`
		Paths   int `json:"EdgePurgedPaths"`
		Written int `json:"EdgeMirrorWritten"`
	}
	if err := json.Unmarshal(metrics.Bytes(), &emf); err != nil || len(emf.AWS.CloudWatchMetrics) != 1 ||
		emf.AWS.CloudWatchMetrics[0].Namespace != "infocentre" || len(emf.AWS.CloudWatchMetrics[0].Metrics) != 4 ||
		emf.Paths != rep.Paths || emf.Written != rep.Written || emf.Written == 0 {
		t.Errorf("metric line %q (%v), want EMF with the batch's %d paths and %d files written", metrics.String(), err, rep.Paths, rep.Written)
	}
	inv, err := w.cf.Client.(*cloudfront.Client).GetInvalidation(ctx, &cloudfront.GetInvalidationInput{
		DistributionId: aws.String(w.cf.DistributionID), Id: aws.String(rep.Invalidations[0])})
	if err != nil {
		t.Fatal(err)
	}
	got := inv.Invalidation.InvalidationBatch.Paths.Items
	for _, p := range []string{"/sites/edge/*", "/api/v1/sites/edge/*"} {
		if !slices.Contains(got, p) {
			t.Errorf("invalidation lacks %s: %v", p, got)
		}
	}
	files := mirrorFiles(t, w.b)
	if page := string(files["sites/edge/en/boil-water-notice/index.html"]); !strings.Contains(page, "Boil water before drinking") {
		t.Errorf("mirror lacks the published entry's page (%d files)", len(files))
	}
	// The same records again (Lambda retrying the batch): nothing is
	// rewritten, and the invalidation carries the same caller reference
	// and paths, which CloudFront answers with the first invalidation
	// (moto_server makes a new one, so the reference is compared).
	again, err := w.h.Apply(ctx, recs)
	if err != nil {
		t.Fatal(err)
	}
	if again.Written != 0 || len(again.Invalidations) != 1 {
		t.Fatalf("replayed batch wrote %d files, invalidations %v", again.Written, again.Invalidations)
	}
	inv2, err := w.cf.Client.(*cloudfront.Client).GetInvalidation(ctx, &cloudfront.GetInvalidationInput{
		DistributionId: aws.String(w.cf.DistributionID), Id: aws.String(again.Invalidations[0])})
	if err != nil {
		t.Fatal(err)
	}
	b1, b2 := inv.Invalidation.InvalidationBatch, inv2.Invalidation.InvalidationBatch
	if aws.ToString(b1.CallerReference) != aws.ToString(b2.CallerReference) || !slices.Equal(b1.Paths.Items, b2.Paths.Items) {
		t.Errorf("replayed batch: reference %s, paths %v; first %s, %v", aws.ToString(b2.CallerReference), b2.Paths.Items,
			aws.ToString(b1.CallerReference), b1.Paths.Items)
	}
}
