package edge

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"infocentre/internal/centre"
	"infocentre/internal/static"
	"infocentre/internal/web/fixture"
)

// countingMirror records the size of each Delete call of the mirror it
// wraps.
type countingMirror struct {
	static.Mirror
	deletes []int
}

func (m *countingMirror) Delete(ctx context.Context, names []string) error {
	m.deletes = append(m.deletes, len(names))
	return m.Mirror.Delete(ctx, names)
}

// siteChange applies the change of site slug from old to now (nil: none)
// as the stream reports it.
func (w *world) siteChange(id, slug string, old, now *centre.Site) *Report {
	w.t.Helper()
	rep, err := w.h.Apply(context.Background(), []Record{{ID: id, Created: w.now, Change: Change{Site: slug, OldSite: old, NewSite: now}}})
	if err != nil {
		w.t.Fatalf("%s: %v", id, err)
	}
	return rep
}

// TestDeletedSiteLeavesTheMirror: on moto_server's S3, a site that gives
// up its own host loses that host's copy (its copy below /sites/ stays),
// and a site deleted from the store loses every copy it had — more than
// 1,000 objects, listed page by page and deleted at most 1,000 to a
// DeleteObjects call — while another site's copy and the shared
// stylesheets stay; the deleted site's wildcards are purged.
func TestDeletedSiteLeavesTheMirror(t *testing.T) {
	w := newWorld(t)
	cm := &countingMirror{Mirror: w.b}
	w.h.cfg.Mirror = cm
	ctx := context.Background()
	demo, err := w.svc.Site(ctx, fixture.Site)
	if err != nil {
		t.Fatal(err)
	}
	other, err := w.svc.Site(ctx, fixture.OtherSite)
	if err != nil {
		t.Fatal(err)
	}
	w.siteChange("demo", fixture.Site, demo, demo)
	w.siteChange("other", fixture.OtherSite, other, other)
	count := func(prefix string) int {
		names, err := w.b.List(ctx, prefix)
		if err != nil {
			t.Fatal(err)
		}
		return len(names)
	}
	hostDir := "hosts/" + fixture.Host + "/"
	if count("sites/demo/") < 50 || count(hostDir) < 50 || count("sites/other/") < 5 || count("assets/") == 0 {
		t.Fatalf("the first copies: %d below sites/demo/, %d below %s, %d below sites/other/, %d stylesheets",
			count("sites/demo/"), count(hostDir), hostDir, count("sites/other/"), count("assets/"))
	}

	// The site gives up its host: that copy goes, the other stays.
	hosts := []string{}
	moved, err := w.svc.UpdateSite(ctx, w.owner, fixture.Site, centre.SitePatch{Hosts: &hosts}, demo.Version)
	if err != nil {
		t.Fatal(err)
	}
	inBase := count("sites/demo/")
	rep := w.siteChange("hosts", fixture.Site, demo, moved)
	if n := count(hostDir); n != 0 || rep.Deleted < 50 {
		t.Errorf("after the site gave up %s: %d objects left below %s, %d deleted", fixture.Host, n, hostDir, rep.Deleted)
	}
	if n := count("sites/demo/"); n != inBase {
		t.Errorf("the copy below /sites/demo/ went from %d to %d objects", inBase, n)
	}

	// More objects than a listing page and a DeleteObjects call take.
	for i := range 1100 {
		if err := w.b.Put(ctx, fmt.Sprintf("sites/demo/files/%064d/f%d.txt", i, i), []byte("x"), "text/plain", ""); err != nil {
			t.Fatal(err)
		}
	}
	keepOther, keepAssets := count("sites/other/"), count("assets/")
	if err := w.st.DeleteSite(ctx, fixture.Site, moved.Version); err != nil {
		t.Fatal(err)
	}
	cm.deletes = nil
	rep = w.siteChange("delete", fixture.Site, moved, nil)
	if n := count("sites/demo/"); n != 0 {
		t.Errorf("%d objects of the deleted site left below sites/demo/", n)
	}
	if rep.Deleted < 1100+inBase-1 {
		t.Errorf("deleted %d objects, want every one of the site's %d", rep.Deleted, 1100+inBase)
	}
	if len(cm.deletes) < 2 {
		t.Errorf("Delete calls %v, want the objects in batches", cm.deletes)
	}
	for _, n := range cm.deletes {
		if n > 1000 || n == 0 {
			t.Errorf("a Delete call of %d objects (at most 1,000, none empty): %v", n, cm.deletes)
		}
	}
	if count("sites/other/") != keepOther || count("assets/") != keepAssets {
		t.Errorf("another site's copy or the stylesheets were touched: %d/%d and %d/%d objects",
			count("sites/other/"), keepOther, count("assets/"), keepAssets)
	}
	if len(rep.Invalidations) != 1 {
		t.Fatalf("invalidations %v", rep.Invalidations)
	}
	paths := strings.Join(invalidationPaths(t, w, rep.Invalidations[0]), " ")
	for _, p := range []string{"/sites/demo/*", "/api/v1/sites/demo/*"} {
		if !strings.Contains(paths, p) {
			t.Errorf("the deletion's purge %s lacks %s", paths, p)
		}
	}
	// The same record again (Lambda retrying): nothing left to delete.
	if again := w.siteChange("delete", fixture.Site, moved, nil); again.Deleted != 0 {
		t.Errorf("the replayed deletion deleted %d objects", again.Deleted)
	}
}

// TestDeletedSiteWithItsHost: a deleted site's host copy stays when
// another site claims the host by the time the deletion is applied (that
// site's change re-rendered it as its own), and leaves the mirror once no
// site claims the host.
func TestDeletedSiteWithItsHost(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	demo, err := w.svc.Site(ctx, fixture.Site)
	if err != nil {
		t.Fatal(err)
	}
	w.siteChange("demo", fixture.Site, demo, demo)
	hostDir := "hosts/" + fixture.Host + "/"
	before, err := w.b.List(ctx, hostDir)
	if err != nil || len(before) < 50 {
		t.Fatalf("host copy of %d objects: %v", len(before), err)
	}
	if err := w.st.DeleteSite(ctx, fixture.Site, demo.Version); err != nil {
		t.Fatal(err)
	}
	// Another site claims the host before the deletion's record is
	// applied: the host's copy is that site's now, and stays.
	other, err := w.svc.Site(ctx, fixture.OtherSite)
	if err != nil {
		t.Fatal(err)
	}
	hosts := []string{fixture.Host}
	claimed, err := w.svc.UpdateSite(ctx, w.owner, fixture.OtherSite, centre.SitePatch{Hosts: &hosts}, other.Version)
	if err != nil {
		t.Fatal(err)
	}
	w.siteChange("claim", fixture.OtherSite, other, claimed)
	w.siteChange("delete", fixture.Site, demo, nil)
	files := mirrorFiles(t, w.b)
	if home := string(files[hostDir+"index.html"]); !strings.Contains(home, claimed.Title) {
		t.Errorf("the host's home after another site claimed it: %.300s", home)
	}
	for n := range files {
		if strings.HasPrefix(n, hostDir+"en/") && strings.Contains(string(files[n]), demo.Title) {
			t.Errorf("%s is still the deleted site's page", n)
		}
	}
	// No site claims it any longer: its copy goes with the next change.
	none := []string{}
	released, err := w.svc.UpdateSite(ctx, w.owner, fixture.OtherSite, centre.SitePatch{Hosts: &none}, claimed.Version)
	if err != nil {
		t.Fatal(err)
	}
	w.siteChange("release", fixture.OtherSite, claimed, released)
	if left, err := w.b.List(ctx, hostDir); err != nil || len(left) != 0 {
		t.Errorf("%d objects left below %s (%v)", len(left), hostDir, err)
	}
}

// TestDeletedSiteTakesItsHostCopy: a site deleted while it still claims
// a host takes that host's copy with it (no other site claims the host).
func TestDeletedSiteTakesItsHostCopy(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	demo, err := w.svc.Site(ctx, fixture.Site)
	if err != nil {
		t.Fatal(err)
	}
	w.siteChange("demo", fixture.Site, demo, demo)
	hostDir := "hosts/" + fixture.Host + "/"
	if before, err := w.b.List(ctx, hostDir); err != nil || len(before) < 50 {
		t.Fatalf("host copy of %d objects: %v", len(before), err)
	}
	if err := w.st.DeleteSite(ctx, fixture.Site, demo.Version); err != nil {
		t.Fatal(err)
	}
	w.siteChange("delete", fixture.Site, demo, nil)
	for _, dir := range []string{hostDir, "sites/demo/"} {
		if left, err := w.b.List(ctx, dir); err != nil || len(left) != 0 {
			t.Errorf("%d objects left below %s (%v)", len(left), dir, err)
		}
	}
}

// TestBatchTimeLimit: the copies of every site of a batch share its time
// limit (Static.Timeout): past it the batch stops with ETOOLARGE naming
// the batch's limit, and Lambda retries it.
func TestBatchTimeLimit(t *testing.T) {
	w := newWorld(t)
	w.h.cfg.Static.Timeout = time.Nanosecond
	demo, err := w.svc.Site(context.Background(), fixture.Site)
	if err != nil {
		t.Fatal(err)
	}
	_, err = w.h.Apply(context.Background(), []Record{{ID: "x", Created: w.now, Change: Change{Site: fixture.Site, OldSite: demo, NewSite: demo}}})
	if !centre.IsCode(err, centre.ETOOLARGE) || !strings.Contains(err.Error(), "the edge's batch of 1 records takes longer than the limit of 1ns") {
		t.Fatalf("Apply past the batch's limit: %v", err)
	}
}
