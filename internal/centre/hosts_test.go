package centre_test

import (
	"testing"
	"time"

	"infocentre/internal/centre"
)

// TestHostClaimsAreOwnersOnly: a site admin cannot claim (or drop) host
// names; nobody can claim the deployment's own hosts.
func TestHostClaimsAreOwnersOnly(t *testing.T) {
	f := newFixture(t)
	ctx := t.Context()
	f.svc.ReservedHosts = []string{"api.example.org", "*.execute-api.eu-west-1.amazonaws.com", "Centre.Example.org."}
	admin, _, _ := f.key(f.owner, "demo", centre.RoleAdmin, time.Time{})
	site := func() *centre.Site {
		s, err := f.svc.Site(ctx, "demo")
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	hosts := func(h ...string) *[]string { return &h }

	tried := 0
	for _, h := range []string{"flood.example.org", "api.example.org"} {
		_, err := f.svc.UpdateSite(ctx, admin, "demo", centre.SitePatch{Hosts: hosts(h)}, site().Version)
		wantCode(t, err, centre.EFORBIDDEN, "an admin claiming "+h)
		tried++
	}
	s, err := f.svc.UpdateSite(ctx, f.owner, "demo", centre.SitePatch{Hosts: hosts("flood.example.org", "info.example.org")}, site().Version)
	if err != nil {
		t.Fatalf("an owner claiming hosts: %v", err)
	}
	// The same hosts in another order are no change: admins may
	// still edit the rest of the site.
	title := "Renamed"
	if _, err := f.svc.UpdateSite(ctx, admin, "demo", centre.SitePatch{Title: &title, Hosts: hosts("info.example.org", "flood.example.org")}, s.Version); err != nil {
		t.Fatalf("an admin sending the claimed hosts unchanged: %v", err)
	}
	for _, h := range [][]string{{"info.example.org"}, {}} {
		_, err := f.svc.UpdateSite(ctx, admin, "demo", centre.SitePatch{Hosts: hosts(h...)}, site().Version)
		wantCode(t, err, centre.EFORBIDDEN, "an admin dropping a host")
		tried++
	}

	for _, h := range []string{"api.example.org", "API.example.org", "centre.example.org", "abc123.execute-api.eu-west-1.amazonaws.com"} {
		_, err := f.svc.UpdateSite(ctx, f.owner, "demo", centre.SitePatch{Hosts: hosts(h)}, site().Version)
		wantCode(t, err, centre.EINVALID, "an owner claiming reserved "+h)
		_, err = f.svc.LaunchSite(ctx, f.owner, centre.SiteInput{Slug: "hijack", Title: "Hijack", Publisher: "P",
			Contact: centre.Contact{Email: "a@example.org"}, Hosts: []string{h}})
		wantCode(t, err, centre.EINVALID, "a new site claiming reserved "+h)
		tried += 2
	}
	if got, err := f.store.SiteByHost(ctx, "api.example.org"); err == nil {
		t.Fatalf("the API host was claimed by %s", got.Slug)
	}
	// Only the reserved subdomains, not the domain or look-alikes.
	for _, h := range []string{"execute-api.eu-west-1.amazonaws.com.example.org", "api.example.org.evil.example"} {
		if f.svc.HostReserved(h) {
			t.Errorf("%s is reported reserved", h)
		}
	}
	t.Logf("%d refused host claims", tried)
}
