package centre_test

import (
	"context"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"infocentre/internal/centre"
)

// guardTarget names the entries a write is tried on.
type guardTarget struct {
	site                        string
	draft, scheduled, published string
	draftVersion, siteVersion   int64
	editorKey                   string
	file                        string // a file of the site
	person                      string // an active editor
	webhook                     string // a webhook endpoint of the site
}

// write describes how to call one exported Service method that changes
// something, and the least role it needs on that target.
type write struct {
	need string
	// archivedOK says why the method may still act on an archived site
	// ("" if it must not).
	archivedOK string
	call       func(ctx context.Context, svc *centre.Service, p centre.Principal, x guardTarget) error
}

var title = "A new title"

// writes lists every exported Service method that writes. guardReads
// lists the others. TestEveryWriteIsGuarded fails for a method in
// neither, so a new write cannot skip the site-state and role checks
// unnoticed.
var writes = map[string]write{
	"CreateSite": {need: centre.RoleOwner, archivedOK: "creates a new site", call: func(ctx context.Context, svc *centre.Service, p centre.Principal, x guardTarget) error {
		_, err := svc.CreateSite(ctx, p, centre.SiteInput{Slug: "guard-new", Title: "New", Publisher: "P", Contact: centre.Contact{Email: "a@example.org"}})
		return err
	}},
	"LaunchSite": {need: centre.RoleOwner, archivedOK: "creates a new site", call: func(ctx context.Context, svc *centre.Service, p centre.Principal, x guardTarget) error {
		_, err := svc.LaunchSite(ctx, p, centre.SiteInput{Slug: "guard-launch", Title: "New", Publisher: "P", Contact: centre.Contact{Email: "a@example.org"}, From: x.site})
		return err
	}},
	"UpdateSite": {need: centre.RoleAdmin, call: func(ctx context.Context, svc *centre.Service, p centre.Principal, x guardTarget) error {
		_, err := svc.UpdateSite(ctx, p, x.site, centre.SitePatch{Title: &title}, x.siteVersion)
		return err
	}},
	"UpdateSite (banner)": {need: centre.RolePublisher, call: func(ctx context.Context, svc *centre.Service, p centre.Principal, x guardTarget) error {
		_, err := svc.UpdateSite(ctx, p, x.site, centre.SitePatch{Banner: &centre.BannerInput{Severity: centre.SeveritySevere, Heading: "Heat alert"}}, x.siteVersion)
		return err
	}},
	"SetSiteStatus": {need: centre.RoleAdmin, call: func(ctx context.Context, svc *centre.Service, p centre.Principal, x guardTarget) error {
		_, err := svc.SetSiteStatus(ctx, p, x.site, centre.SiteArchived, 0)
		return err
	}},
	"CreateEntry": {need: centre.RoleEditor, call: func(ctx context.Context, svc *centre.Service, p centre.Principal, x guardTarget) error {
		_, err := svc.CreateEntry(ctx, p, x.site, centre.EntryInput{Content: centre.Content{Type: centre.TypeStatement, Title: "Guarded"}})
		return err
	}},
	"UpdateEntry": {need: centre.RoleEditor, call: func(ctx context.Context, svc *centre.Service, p centre.Principal, x guardTarget) error {
		_, err := svc.UpdateEntry(ctx, p, x.site, x.draft, centre.EntryPatch{ContentPatch: centre.ContentPatch{Title: &title}}, x.draftVersion)
		return err
	}},
	"DeleteEntry": {need: centre.RoleEditor, call: func(ctx context.Context, svc *centre.Service, p centre.Principal, x guardTarget) error {
		return svc.DeleteEntry(ctx, p, x.site, x.draft, x.draftVersion)
	}},
	"RequestReview": {need: centre.RoleEditor, call: func(ctx context.Context, svc *centre.Service, p centre.Principal, x guardTarget) error {
		_, err := svc.RequestReview(ctx, p, x.site, x.draft, x.draftVersion, "please")
		return err
	}},
	"Publish": {need: centre.RolePublisher, call: func(ctx context.Context, svc *centre.Service, p centre.Principal, x guardTarget) error {
		_, err := svc.Publish(ctx, p, x.site, x.draft, x.draftVersion, "")
		return err
	}},
	"ForcePublish": {need: centre.RoleOwner, call: func(ctx context.Context, svc *centre.Service, p centre.Principal, x guardTarget) error {
		_, err := svc.ForcePublish(ctx, p, x.site, x.draft, x.draftVersion, "", "the approver is unreachable")
		return err
	}},
	"Approve": {need: centre.RolePublisher, call: func(ctx context.Context, svc *centre.Service, p centre.Principal, x guardTarget) error {
		_, err := svc.Approve(ctx, p, x.site, x.draft, x.draftVersion, "fine")
		return err
	}},
	"RequestChanges": {need: centre.RolePublisher, call: func(ctx context.Context, svc *centre.Service, p centre.Principal, x guardTarget) error {
		_, err := svc.RequestChanges(ctx, p, x.site, x.draft, x.draftVersion, "cite the source")
		return err
	}},
	"Unschedule": {need: centre.RolePublisher, call: func(ctx context.Context, svc *centre.Service, p centre.Principal, x guardTarget) error {
		_, err := svc.Unschedule(ctx, p, x.site, x.scheduled, 0)
		return err
	}},
	"Withdraw": {need: centre.RolePublisher, call: func(ctx context.Context, svc *centre.Service, p centre.Principal, x guardTarget) error {
		_, err := svc.Withdraw(ctx, p, x.site, x.published, 0, "outdated", "")
		return err
	}},
	"Restore": {need: centre.RoleEditor, call: func(ctx context.Context, svc *centre.Service, p centre.Principal, x guardTarget) error {
		_, err := svc.Restore(ctx, p, x.site, x.draft, 1, x.draftVersion, "", "")
		return err
	}},
	"CreatePreview": {need: centre.RoleEditor, call: func(ctx context.Context, svc *centre.Service, p centre.Principal, x guardTarget) error {
		_, err := svc.CreatePreview(ctx, p, x.site, x.draft, time.Hour)
		return err
	}},
	"RevokePreviews": {need: centre.RoleEditor, call: func(ctx context.Context, svc *centre.Service, p centre.Principal, x guardTarget) error {
		_, err := svc.RevokePreviews(ctx, p, x.site, x.draft)
		return err
	}},
	"CreateKey": {need: centre.RoleAdmin, call: func(ctx context.Context, svc *centre.Service, p centre.Principal, x guardTarget) error {
		_, _, err := svc.CreateKey(ctx, p, x.site, centre.KeyInput{Role: centre.RoleViewer})
		return err
	}},
	"UploadFile": {need: centre.RoleEditor, call: func(ctx context.Context, svc *centre.Service, p centre.Principal, x guardTarget) error {
		_, _, err := svc.UploadFile(ctx, p, x.site, centre.FileInput{Name: "a.txt"}, strings.NewReader("hello"))
		return err
	}},
	"DeleteFile": {need: centre.RolePublisher, call: func(ctx context.Context, svc *centre.Service, p centre.Principal, x guardTarget) error {
		return svc.DeleteFile(ctx, p, x.site, x.file)
	}},
	"StartUpload": {need: centre.RoleEditor, call: func(ctx context.Context, svc *centre.Service, p centre.Principal, x guardTarget) error {
		_, err := svc.StartUpload(ctx, p, x.site, "")
		return err
	}},
	"CompleteFormUpload": {need: centre.RoleEditor, call: func(ctx context.Context, svc *centre.Service, p centre.Principal, x guardTarget) error {
		_, _, err := svc.CompleteFormUpload(ctx, p, x.site, x.file, centre.FileInput{Name: "a.txt"})
		return err
	}},
	"CompleteUpload": {need: centre.RoleEditor, call: func(ctx context.Context, svc *centre.Service, p centre.Principal, x guardTarget) error {
		_, _, err := svc.CompleteUpload(ctx, p, x.site, x.file, centre.UploadCheck{FileInput: centre.FileInput{Name: "a.txt"}, Size: 5,
			SHA256: "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824"})
		return err
	}},
	"RevokeKey": {need: centre.RoleAdmin, archivedOK: "revoking a key is a security action", call: func(ctx context.Context, svc *centre.Service, p centre.Principal, x guardTarget) error {
		_, err := svc.RevokeKey(ctx, p, x.site, x.editorKey)
		return err
	}},
	"InvitePerson": {need: centre.RoleAdmin, call: func(ctx context.Context, svc *centre.Service, p centre.Principal, x guardTarget) error {
		_, _, err := svc.InvitePerson(ctx, p, x.site, centre.PersonInput{Email: "guard-" + x.site + "@example.org", Name: "Guard", Role: centre.RoleViewer})
		return err
	}},
	"ResendInvitation": {need: centre.RoleAdmin, call: func(ctx context.Context, svc *centre.Service, p centre.Principal, x guardTarget) error {
		_, _, err := svc.ResendInvitation(ctx, p, x.site, x.person, 0)
		return err
	}},
	"SetPersonRole": {need: centre.RoleAdmin, call: func(ctx context.Context, svc *centre.Service, p centre.Principal, x guardTarget) error {
		_, err := svc.SetPersonRole(ctx, p, x.site, x.person, centre.RoleViewer, 0)
		return err
	}},
	"DeleteSubscriber": {need: centre.RoleAdmin, archivedOK: "erasing a subscriber's address is a privacy right", call: func(ctx context.Context, svc *centre.Service, p centre.Principal, x guardTarget) error {
		sub := &centre.Subscription{Site: x.site, Email: "guard@example.org", Scope: "site", Frequency: centre.FreqImmediate, Lang: "en",
			State: centre.SubConfirmed, Created: time.Now()}
		if err := svc.Store.CreateSubscription(ctx, sub); err != nil && !centre.IsCode(err, centre.ECONFLICT) {
			return err
		}
		_, err := svc.DeleteSubscriber(ctx, p, x.site, "guard@example.org")
		return err
	}},
	"UnsuppressSubscriber": {need: centre.RoleAdmin, call: func(ctx context.Context, svc *centre.Service, p centre.Principal, x guardTarget) error {
		sub := &centre.Subscription{Site: x.site, Email: "guard@example.org", Scope: "site", Frequency: centre.FreqImmediate, Lang: "en",
			State: centre.SubConfirmed, Created: time.Now()}
		if err := svc.Store.CreateSubscription(ctx, sub); err != nil && !centre.IsCode(err, centre.ECONFLICT) {
			return err
		}
		if err := svc.Store.SuppressEmail(ctx, "guard@example.org", "bounce", time.Now()); err != nil {
			return err
		}
		return svc.UnsuppressSubscriber(ctx, p, x.site, "guard@example.org")
	}},
	"DisablePerson": {need: centre.RoleAdmin, archivedOK: "disabling a person is a security action", call: func(ctx context.Context, svc *centre.Service, p centre.Principal, x guardTarget) error {
		_, err := svc.DisablePerson(ctx, p, x.site, x.person)
		return err
	}},
	"CreateWebhook": {need: centre.RoleAdmin, call: func(ctx context.Context, svc *centre.Service, p centre.Principal, x guardTarget) error {
		_, _, err := svc.CreateWebhook(ctx, p, x.site, centre.WebhookInput{URL: "https://hooks.example.org/x", Events: []string{centre.NotifyPublished}})
		return err
	}},
	"DeleteWebhook": {need: centre.RoleAdmin, archivedOK: "removing an endpoint stops outgoing traffic", call: func(ctx context.Context, svc *centre.Service, p centre.Principal, x guardTarget) error {
		return svc.DeleteWebhook(ctx, p, x.site, x.webhook)
	}},
	"TestWebhook": {need: centre.RoleAdmin, call: func(ctx context.Context, svc *centre.Service, p centre.Principal, x guardTarget) error {
		_, err := svc.TestWebhook(ctx, p, x.site, x.webhook)
		return err
	}},
	"EndSessions": {need: centre.RoleAdmin, archivedOK: "ending sessions is a security action", call: func(ctx context.Context, svc *centre.Service, p centre.Principal, x guardTarget) error {
		_, err := svc.EndSessions(ctx, p, x.site, x.person)
		return err
	}},
}

// guardSelf are the exported methods that act only on the caller's own
// account (a signed-in person's passkeys): any other caller is refused
// (TestPeopleCredentials). guardNoCaller take no caller: a token or a
// finished sign-in ceremony is their authority (TestInvitations,
// TestSessions).
var (
	guardSelf     = map[string]bool{"AddCredential": true, "RemoveCredential": true}
	guardNoCaller = map[string]bool{"BootstrapPerson": true, "Invitation": true, "AcceptInvitation": true,
		"SignInPerson": true, "StartSession": true, "SessionPrincipal": true, "EndSession": true,
		"NewChallenge": true, "TakeChallenge": true}
)

// guardReads are the exported methods that change nothing (or, for
// Bootstrap, PublishDue, RebuildFront and RebuildFronts, take no caller:
// see their own tests).
var guardReads = map[string]bool{
	"Authenticate": true, "Site": true, "StaffSite": true, "ListSites": true, "Entry": true, "Entries": true,
	"PublicEntries": true, "PublicEntry": true, "Revisions": true, "Revision": true, "Diff": true, "Keys": true,
	"Audit": true, "Preview": true, "Require": true, "HostReserved": true, "At": true, "PreviewEntry": true, "PublicListing": true,
	"PublicSites": true, "PublicVersions": true, "SiteStamp": true, "PublicFront": true, "PublicEntriesByID": true, "ReadableEntries": true, "SiteByHost": true, "Bootstrap": true, "PublishDue": true, "RebuildFront": true, "RebuildFronts": true,
	"File": true, "ListFiles": true, "FileUsage": true, "MaxFileSize": true, "PublicFile": true, "PreviewFile": true, "PresignFile": true,
	"People": true, "Person": true, "Time": true, "EntriesBySlug": true, "Subscribers": true, "Notifications": true,
	"Webhooks": true, "Webhook": true, "WebhookDeliveries": true,
}

// guardSite makes a site with a draft (two revisions), a scheduled and a
// published entry and an editor key, and returns them.
func (f *fixture) guardSite(slug string) guardTarget {
	f.t.Helper()
	ctx := f.t.Context()
	f.site(slug)
	pub, _, _ := f.key(f.owner, slug, centre.RolePublisher, time.Time{})
	_, _, ek := f.key(f.owner, slug, centre.RoleEditor, time.Time{})
	mk := func(in centre.EntryInput) *centre.Entry {
		e, err := f.svc.CreateEntry(ctx, pub, slug, in)
		if err != nil {
			f.t.Fatal(err)
		}
		return e
	}
	d := mk(centre.EntryInput{Content: centre.Content{Type: centre.TypeStatement, Title: "Draft"}})
	d, err := f.svc.UpdateEntry(ctx, pub, slug, d.ID, centre.EntryPatch{ContentPatch: centre.ContentPatch{Title: &title}}, d.Version)
	if err != nil {
		f.t.Fatal(err)
	}
	sc := mk(centre.EntryInput{Content: centre.Content{Type: centre.TypeStatement, Title: "Scheduled"}, Status: centre.StatusScheduled, PublishAt: f.now.Add(24 * time.Hour)})
	p := mk(centre.EntryInput{Content: centre.Content{Type: centre.TypeStatement, Title: "Published"}, Status: centre.StatusPublished})
	site, err := f.svc.Site(ctx, slug)
	if err != nil {
		f.t.Fatal(err)
	}
	file := &centre.File{ID: centre.NewID(f.now), Site: slug, Name: "a.txt", MediaType: "text/plain", Kind: centre.KindDocument,
		Size: 5, SHA256: strings.Repeat("a", 64), CreatedAt: f.now}
	if err := f.store.CreateFile(ctx, file, 0); err != nil {
		f.t.Fatal(err)
	}
	person := f.person(f.owner, slug, centre.RoleEditor, "editor-"+slug+"@example.org")
	hook := &centre.Webhook{ID: centre.NewID(f.now), Site: slug, URL: "https://hooks.example.org/" + slug,
		Events: centre.WebhookEvents, Secret: centre.NewWebhookSecret(), State: centre.WebhookEnabled, CreatedAt: f.now}
	if err := f.store.CreateWebhook(ctx, hook); err != nil {
		f.t.Fatal(err)
	}
	return guardTarget{site: slug, draft: d.ID, scheduled: sc.ID, published: p.ID, draftVersion: d.Version,
		siteVersion: site.Version, editorKey: ek.ID, person: person.ID, file: file.ID, webhook: hook.ID}
}

// snapshot is what a refused write must leave as it was.
func (f *fixture) snapshot(x guardTarget) string {
	f.t.Helper()
	ctx := f.t.Context()
	out := ""
	for _, id := range []string{x.draft, x.scheduled, x.published} {
		e, err := f.store.GetEntry(ctx, x.site, id)
		if err != nil {
			f.t.Fatal(err)
		}
		out += fmt.Sprintf("%s@%s/v%d ", e.ID, e.Status, e.Version)
	}
	site, _ := f.store.GetSite(ctx, x.site)
	keys, _ := f.store.ListKeys(ctx, x.site)
	page, _ := f.store.ListEntries(ctx, centre.EntryQuery{Site: x.site, Limit: centre.MaxPageSize})
	revoked := 0
	for _, k := range keys {
		if !k.RevokedAt.IsZero() {
			revoked++
		}
	}
	people, _ := f.store.ListPeople(ctx, x.site)
	for _, p := range people {
		out += fmt.Sprintf("%s:%s/%s/v%d ", p.Email, p.State, p.Role, p.Version)
	}
	files, _ := f.store.FileUsage(ctx, x.site)
	hooks, _ := f.store.ListWebhooks(ctx, x.site)
	for _, w := range hooks {
		out += fmt.Sprintf("webhook %s/v%d ", w.ID, w.Version)
		deliveries, _ := f.store.ListWebhookDeliveries(ctx, centre.WebhookDeliveryQuery{Site: x.site, Webhook: w.ID})
		out += fmt.Sprintf("deliveries:%d ", len(deliveries.Items))
	}
	return out + fmt.Sprintf("site %s/v%d keys:%d revoked:%d entries:%d files:%+v", site.Status, site.Version, len(keys), revoked, len(page.Items), files)
}

func below(role string) string { return centre.Roles[centre.RoleRank(role)-2] }

// TestEveryWriteIsGuarded calls every exported write of the Service as a
// role just below the one it needs, as an admin of another site, and as
// its role on an archived site: each is refused and changes nothing.
func TestEveryWriteIsGuarded(t *testing.T) {
	typ := reflect.TypeOf(&centre.Service{})
	for i := 0; i < typ.NumMethod(); i++ {
		name := typ.Method(i).Name
		if _, ok := writes[name]; !ok && !guardReads[name] && !guardSelf[name] && !guardNoCaller[name] {
			t.Errorf("Service.%s is new: list it in writes (with how to call it) or in guardReads", name)
		}
	}
	f := newFixture(t)
	ctx := t.Context()
	active := f.guardSite("guarded")
	archived := f.guardSite("frozen")
	principal := map[string]map[string]centre.Principal{}
	for _, slug := range []string{"guarded", "frozen"} {
		principal[slug] = map[string]centre.Principal{centre.RoleOwner: f.owner}
		for _, role := range centre.Roles[:4] {
			principal[slug][role], _, _ = f.key(f.owner, slug, role, time.Time{})
		}
	}
	if _, err := f.svc.SetSiteStatus(ctx, f.owner, "frozen", centre.SiteArchived, 0); err != nil {
		t.Fatal(err)
	}
	archived.siteVersion++
	stranger, _, _ := f.key(f.owner, "other", centre.RoleAdmin, time.Time{})
	tried := 0
	for name, w := range writes {
		try := func(what string, p centre.Principal, x guardTarget, code string) {
			t.Helper()
			before := f.snapshot(x)
			err := w.call(ctx, f.svc, p, x)
			tried++
			if !centre.IsCode(err, code) {
				t.Errorf("%s %s: got %v, want %s", name, what, err, code)
			}
			if after := f.snapshot(x); after != before {
				t.Errorf("%s %s changed state:\n  before %s\n  after  %s", name, what, before, after)
			}
		}
		try("as "+below(w.need), principal["guarded"][below(w.need)], active, centre.EFORBIDDEN)
		if w.need != centre.RoleOwner {
			try("as another site's admin", stranger, active, centre.EFORBIDDEN)
			try("as "+below(w.need)+" on an archived site", principal["frozen"][below(w.need)], archived, centre.EFORBIDDEN)
		}
		if w.archivedOK == "" {
			try("as "+w.need+" on an archived site", principal["frozen"][w.need], archived, centre.ECONFLICT)
		}
	}
	t.Logf("%d refused calls over %d write methods", tried, len(writes))
}

// TestPreviewsFollowEntryRules: preview links are not issued or revoked
// for public entries, and revoking those of a scheduled entry (a change
// to it) needs the publisher role.
func TestPreviewsFollowEntryRules(t *testing.T) {
	f := newFixture(t)
	ctx := t.Context()
	x := f.guardSite("previews")
	editor, _, _ := f.key(f.owner, "previews", centre.RoleEditor, time.Time{})
	publisher, _, _ := f.key(f.owner, "previews", centre.RolePublisher, time.Time{})
	before := f.snapshot(x)
	_, err := f.svc.CreatePreview(ctx, editor, "previews", x.published, time.Hour)
	wantCode(t, err, centre.ECONFLICT, "preview of a published entry")
	_, err = f.svc.RevokePreviews(ctx, publisher, "previews", x.published)
	wantCode(t, err, centre.ECONFLICT, "revoking previews of a published entry")
	_, err = f.svc.RevokePreviews(ctx, editor, "previews", x.scheduled)
	wantCode(t, err, centre.EFORBIDDEN, "an editor revoking previews of a scheduled entry")
	if after := f.snapshot(x); after != before {
		t.Fatalf("refused preview calls changed state:\n  %s\n  %s", before, after)
	}
	if _, err := f.svc.CreatePreview(ctx, editor, "previews", x.scheduled, time.Hour); err != nil {
		t.Fatalf("an editor's preview of a scheduled entry: %v", err)
	}
	if _, err := f.svc.RevokePreviews(ctx, publisher, "previews", x.scheduled); err != nil {
		t.Fatalf("a publisher revoking previews of a scheduled entry: %v", err)
	}
	if _, err := f.svc.RevokePreviews(ctx, editor, "previews", x.draft); err != nil {
		t.Fatalf("an editor revoking previews of a draft: %v", err)
	}
}

// TestPublishDueHoldsArchivedSites: the scheduled publisher does not write
// to an archived site, and entries held back there do not starve others.
func TestPublishDueHoldsArchivedSites(t *testing.T) {
	f := newFixture(t)
	ctx := t.Context()
	f.site("frozen")
	pub, _, _ := f.key(f.owner, "frozen", centre.RolePublisher, time.Time{})
	var held []string
	for i := 0; i < 60; i++ { // more than one batch, all due before the active site's entry
		e, err := f.svc.CreateEntry(ctx, pub, "frozen", centre.EntryInput{Content: centre.Content{Type: centre.TypeNews, Title: fmt.Sprintf("Held %d", i)},
			Status: centre.StatusScheduled, PublishAt: f.now.Add(time.Hour + time.Duration(i)*time.Second)})
		if err != nil {
			t.Fatal(err)
		}
		held = append(held, e.ID)
	}
	dpub, _, _ := f.key(f.owner, "demo", centre.RolePublisher, time.Time{})
	due, err := f.svc.CreateEntry(ctx, dpub, "demo", centre.EntryInput{Content: centre.Content{Type: centre.TypeNews, Title: "Due"},
		Status: centre.StatusScheduled, PublishAt: f.now.Add(2 * time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.SetSiteStatus(ctx, f.owner, "frozen", centre.SiteArchived, 0); err != nil {
		t.Fatal(err)
	}
	f.now = f.now.Add(3 * time.Hour)
	n, err := f.svc.PublishDue(ctx)
	if err != nil || n != 1 {
		t.Fatalf("PublishDue: %d, %v; want 1 (the active site's entry)", n, err)
	}
	if e, _ := f.store.GetEntry(ctx, "demo", due.ID); e.Status != centre.StatusPublished {
		t.Fatalf("the active site's due entry is %s", e.Status)
	}
	for _, id := range held {
		if e, _ := f.store.GetEntry(ctx, "frozen", id); e.Status != centre.StatusScheduled || e.Version != 1 {
			t.Fatalf("an archived site's entry was changed: %s v%d", e.Status, e.Version)
		}
	}
	if _, err := f.svc.SetSiteStatus(ctx, f.owner, "frozen", centre.SiteActive, 0); err != nil {
		t.Fatal(err)
	}
	if n, err := f.svc.PublishDue(ctx); err != nil || n != len(held) {
		t.Fatalf("PublishDue after reopening: %d, %v; want %d", n, err, len(held))
	}
}
