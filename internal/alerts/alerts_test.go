package alerts_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"infocentre/internal/alerts"
	"infocentre/internal/alerts/mailpittest"
	"infocentre/internal/boltstore"
	"infocentre/internal/centre"
	"infocentre/internal/dynamostore/dynamotest"
	"infocentre/internal/notify"
	"infocentre/internal/storetest"
)

func TestMain(m *testing.M) { dynamotest.Main(m) }

// stores are the two backends every end-to-end test runs on.
var stores = []struct {
	name string
	open func(t *testing.T) centre.Store
}{
	{"bolt", func(t *testing.T) centre.Store {
		s, err := boltstore.Open(filepath.Join(t.TempDir(), "test.db"))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	}},
	{"dynamodb", func(t *testing.T) centre.Store { return dynamotest.NewStore(t) }},
}

// rig is alerts on one store, sending to a mailpit, served by a test
// server whose URL is the sites' base.
type rig struct {
	t     *testing.T
	store centre.Store
	mail  *mailpittest.Server
	a     *alerts.Alerts
	srv   *httptest.Server
	n     *notify.Notifier
	now   time.Time
	site  *centre.Site
}

func newRig(t *testing.T, store centre.Store) *rig {
	mail := mailpittest.Start(t, 0)
	smtp, err := alerts.NewSMTP(mail.SMTPURL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { smtp.Close() })
	links, err := alerts.NewLinks([]byte("0123456789abcdef0123456789abcdef"))
	if err != nil {
		t.Fatal(err)
	}
	r := &rig{t: t, store: store, mail: mail, now: storetest.Base.Add(time.Hour)}
	mux := http.NewServeMux()
	r.srv = httptest.NewServer(mux)
	t.Cleanup(r.srv.Close)
	r.a = &alerts.Alerts{Store: store, Links: links, Mailer: smtp, From: "Info centre <alerts@example.org>",
		Base: func(s *centre.Site) string { return r.srv.URL + "/sites/" + s.Slug },
		Log:  slog.New(slog.NewTextHandler(io.Discard, nil)), Now: func() time.Time { return r.now }}
	r.a.Init()
	r.a.Register(mux, func(*http.Request) string { return "192.0.2.1" })
	// The notifier sends what the requests store in the outbox (the
	// confirmation emails).
	r.n = notify.New(notify.Config{Store: store, Channels: []notify.Channel{r.a}, Now: func() time.Time { return r.now }})
	r.site = storetest.NewSite("demo")
	if err := store.CreateSite(t.Context(), r.site); err != nil {
		t.Fatal(err)
	}
	return r
}

// tick runs the notifier once.
func (r *rig) tick() {
	r.t.Helper()
	if _, err := r.n.Tick(r.t.Context()); err != nil {
		r.t.Fatal(err)
	}
}

// post posts a form and returns the response status and body.
func (r *rig) post(path string, form url.Values, accept string) (int, string) {
	r.t.Helper()
	req, _ := http.NewRequest(http.MethodPost, r.srv.URL+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if accept != "" {
		req.Header.Set("Accept", accept)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		r.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}

var linkRE = regexp.MustCompile(`https?://[^\s<>"]+`)

// links returns the links of a message's text part that contain part.
func links(m *mailpittest.Message, part string) []string {
	var out []string
	for _, l := range linkRE.FindAllString(m.Text, -1) {
		if strings.Contains(l, part) {
			out = append(out, l)
		}
	}
	return out
}

// only returns the one message to address, failing unless there is
// exactly n.
func (r *rig) inbox(to string, n int) []*mailpittest.Message {
	r.t.Helper()
	list := r.mail.Search(r.t, to)
	if len(list) != n {
		subjects := []string{}
		for _, m := range list {
			subjects = append(subjects, m.Subject)
		}
		r.t.Fatalf("%s has %d messages %q, want %d", to, len(list), subjects, n)
	}
	out := make([]*mailpittest.Message, len(list))
	for i, s := range list {
		out[i] = r.mail.Get(r.t, s.ID) // newest first
	}
	return out
}

// subscribe subscribes email to scope and follows the confirmation link.
func (r *rig) subscribe(email, scope, freq string, confirm bool) {
	r.t.Helper()
	before := len(r.mail.Search(r.t, email))
	status, body := r.post("/sites/demo/subscribe", url.Values{"email": {email}, "scope": {scope}, "frequency": {freq}}, "")
	if status != http.StatusAccepted || !strings.Contains(body, "Check your email") {
		r.t.Fatalf("subscribe: %d %s", status, body)
	}
	r.inbox(email, before) // nothing sent by the request itself
	r.tick()
	msgs := r.inbox(email, before+1)
	m := msgs[0]
	if !strings.Contains(m.Subject, "Confirm") || len(links(m, "/subscribe/confirm?t=")) != 1 {
		r.t.Fatalf("confirmation message: %q\n%s", m.Subject, m.Text)
	}
	if len(m.Headers["List-Unsubscribe"]) != 0 {
		r.t.Fatal("the confirmation message has a List-Unsubscribe header (it subscribes nobody yet)")
	}
	if !confirm {
		return
	}
	link := links(m, "/subscribe/confirm?t=")[0]
	res, err := http.Get(link)
	if err != nil {
		r.t.Fatal(err)
	}
	page, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusOK || !strings.Contains(string(page), `<button type="submit">Confirm`) {
		r.t.Fatalf("confirm page: %d %s", res.StatusCode, page)
	}
	u, _ := url.Parse(link)
	status, body = r.post(u.Path, url.Values{"t": {u.Query().Get("t")}}, "")
	if status != http.StatusOK || !strings.Contains(body, "Subscription confirmed") {
		r.t.Fatalf("confirm: %d %s", status, body)
	}
}

// publish stores a published entry.
func (r *rig) entry(slug string, mut func(e *centre.Entry)) *centre.Entry {
	r.t.Helper()
	e := storetest.Publish(storetest.NewEntry("demo", slug, "en"), r.now)
	if mut != nil {
		mut(e)
	}
	if err := r.store.CreateEntry(r.t.Context(), e); err != nil {
		r.t.Fatal(err)
	}
	return e
}

func (r *rig) deliver(e *centre.Entry, kind string) {
	r.t.Helper()
	n := centre.Notification{ID: e.ID + "." + kind + "." + time.Now().Format("150405.000000000"), Site: e.Site, Entry: e.ID,
		Slug: e.Slug, Lang: e.Lang, Kind: kind, Version: e.Version, Due: r.now, Created: r.now}
	r.deliverN(n)
}

func (r *rig) deliverN(n centre.Notification) {
	r.t.Helper()
	if err := r.a.Deliver(r.t.Context(), n); err != nil {
		r.t.Fatalf("Deliver %s: %v", n.Kind, err)
	}
}

// TestEndToEnd: subscribe → confirm → publish → one email; correction →
// "Updated"; withdrawal → everyone told; one-click unsubscribe; nothing
// before confirmation; embargo holds — on both stores, through mailpit.
func TestEndToEnd(t *testing.T) {
	for _, st := range stores {
		t.Run(st.name, func(t *testing.T) {
			r := newRig(t, st.open(t))
			ctx := t.Context()

			// Nothing before confirmation.
			r.subscribe("pending@example.org", "site", "immediate", false)
			r.subscribe("ann@example.org", "site", "immediate", true)
			r.subscribe("bob@example.org", "tag:health", "immediate", true)
			r.subscribe("cat@example.org", "type:news", "immediate", true) // another type: hears nothing

			e := r.entry("masks", nil)
			n := centre.Notification{ID: "n-publish-masks", Site: "demo", Entry: e.ID, Slug: e.Slug, Lang: "en",
				Kind: centre.NotifyPublished, Version: 1, Due: r.now, Created: r.now}
			r.deliverN(n)
			r.deliverN(n) // a retry sends nothing more
			got := r.inbox("ann@example.org", 2)[0]
			if got.Subject != e.Title || !strings.Contains(got.Text, e.Summary) ||
				len(links(got, "/sites/demo/en/masks/")) != 1 || !strings.Contains(got.HTML, "<a href=") {
				t.Fatalf("publication email: %q\n%s", got.Subject, got.Text)
			}
			if l := got.Headers["List-Unsubscribe"]; len(l) != 1 || !strings.HasPrefix(l[0], "<"+r.srv.URL+"/sites/demo/unsubscribe?t=") {
				t.Fatalf("List-Unsubscribe: %q", l)
			}
			if p := got.Headers["List-Unsubscribe-Post"]; len(p) != 1 || p[0] != "List-Unsubscribe=One-Click" {
				t.Fatalf("List-Unsubscribe-Post: %q", p)
			}
			if len(links(got, "/sites/demo/subscriptions/?t=")) != 1 {
				t.Fatalf("no management link:\n%s", got.Text)
			}
			r.inbox("bob@example.org", 2)
			r.inbox("cat@example.org", 1)
			r.inbox("pending@example.org", 1)

			// Embargo: a scheduled entry announces nothing, even if the
			// notification arrives early.
			sched := r.entry("later", func(e *centre.Entry) {
				e.Status, e.PublishedAt, e.PublishAt = centre.StatusScheduled, time.Time{}, r.now.Add(time.Hour)
			})
			r.deliverN(centre.Notification{ID: "n-sched", Site: "demo", Entry: sched.ID, Slug: sched.Slug, Lang: "en",
				Kind: centre.NotifyPublished, Due: r.now.Add(time.Hour), Created: r.now})
			r.inbox("ann@example.org", 2)

			// A correction: "Updated: …" with its public note.
			e.LastChange = centre.Change{At: r.now, Action: "update", Kind: "major", Note: "The dosage was corrected."}
			e.ChangeNotes = append(e.ChangeNotes, centre.ChangeNote{At: r.now, Note: "The dosage was corrected."})
			if err := r.store.UpdateEntry(ctx, e); err != nil {
				t.Fatal(err)
			}
			r.deliver(e, centre.NotifyUpdated)
			upd := r.inbox("ann@example.org", 3)[0]
			if upd.Subject != "Updated: "+e.Title || !strings.Contains(upd.Text, "The dosage was corrected.") {
				t.Fatalf("update email: %q\n%s", upd.Subject, upd.Text)
			}

			// dan subscribes after the publication: he was not told, so the
			// withdrawal does not reach him.
			r.subscribe("dan@example.org", "site", "immediate", true)

			// One-click unsubscribe (RFC 8058) by bob, then the withdrawal
			// reaches everyone told who is still subscribed: ann.
			bobMail := r.inbox("bob@example.org", 3)[0]
			unsub := strings.Trim(bobMail.Headers["List-Unsubscribe"][0], "<>")
			res, err := http.Post(unsub, "application/x-www-form-urlencoded", strings.NewReader("List-Unsubscribe=One-Click"))
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
			if res.StatusCode != http.StatusOK {
				t.Fatalf("one-click unsubscribe: %s", res.Status)
			}
			if subs, _ := r.store.Subscriptions(ctx, "demo", "bob@example.org"); len(subs) != 0 {
				t.Fatalf("bob still holds %d subscriptions", len(subs))
			}

			e.Status, e.WithdrawnAt, e.WithdrawnReason, e.SupersededBy = centre.StatusWithdrawn, r.now, "Replaced by new guidance.", "masks-2"
			if err := r.store.UpdateEntry(ctx, e); err != nil {
				t.Fatal(err)
			}
			r.deliver(e, centre.NotifyWithdrawn)
			wd := r.inbox("ann@example.org", 4)[0]
			if wd.Subject != "Withdrawn: "+e.Title || !strings.Contains(wd.Text, "Replaced by new guidance.") ||
				!strings.Contains(wd.Text, "/sites/demo/en/masks-2/") {
				t.Fatalf("withdrawal email: %q\n%s", wd.Subject, wd.Text)
			}
			r.inbox("bob@example.org", 3) // unsubscribed
			r.inbox("dan@example.org", 1) // never told
			r.inbox("cat@example.org", 1)
			r.inbox("pending@example.org", 1)
		})
	}
}

// TestDailyDigest: a daily subscriber gets nothing at publication and
// one digest when it is due.
func TestDailyDigest(t *testing.T) {
	for _, st := range stores {
		t.Run(st.name, func(t *testing.T) {
			r := newRig(t, st.open(t))
			r.subscribe("daily@example.org", "site", "daily", true)
			e1 := r.entry("one", nil)
			e2 := r.entry("two", nil)
			r.deliver(e1, centre.NotifyPublished)
			r.deliver(e2, centre.NotifyPublished)
			r.inbox("daily@example.org", 1) // the confirmation only
			if err := r.a.Sweep(t.Context(), r.now.Add(time.Minute)); err != nil {
				t.Fatal(err)
			}
			r.inbox("daily@example.org", 1)
			due := alerts.NextDigest(r.now)
			r.now = due
			for range 2 { // the second sweep sends nothing more
				if err := r.a.Sweep(t.Context(), due); err != nil {
					t.Fatal(err)
				}
			}
			d := r.inbox("daily@example.org", 2)[0]
			if !strings.Contains(d.Subject, "daily summary") || !strings.Contains(d.Text, e1.Title) || !strings.Contains(d.Text, e2.Title) {
				t.Fatalf("digest: %q\n%s", d.Subject, d.Text)
			}
			if len(d.Headers["List-Unsubscribe"]) != 1 {
				t.Fatal("the digest has no List-Unsubscribe header")
			}
		})
	}
}

// TestSubscribeRules: bad input answers problem+json naming the fields;
// one pending confirmation per address and site; the per-address limit;
// cross-origin posts are refused; a suppressed address gets nothing.
func TestSubscribeRules(t *testing.T) {
	r := newRig(t, stores[0].open(t))
	status, body := r.post("/sites/demo/subscribe", url.Values{"email": {"not an address"}, "scope": {"type:rumour"},
		"frequency": {"hourly"}}, "application/json")
	if status != http.StatusBadRequest || !strings.Contains(body, `"field":"email"`) || !strings.Contains(body, `"field":"scope"`) ||
		!strings.Contains(body, `"field":"frequency"`) {
		t.Fatalf("bad input: %d %s", status, body)
	}
	status, body = r.post("/sites/nosuch/subscribe", url.Values{"email": {"a@example.org"}, "scope": {"site"}}, "application/json")
	if status != http.StatusNotFound {
		t.Fatalf("unknown site: %d %s", status, body)
	}
	status, _ = r.post("/sites/demo/subscribe", url.Values{"email": {"a@example.org"}, "scope": {"entry:nothing-here"}}, "application/json")
	if status != http.StatusBadRequest {
		t.Fatalf("entry scope of a missing entry: %d", status)
	}
	r.subscribe("a@example.org", "site", "immediate", false)
	// A second request while the first waits sends nothing.
	status, _ = r.post("/sites/demo/subscribe", url.Values{"email": {"a@example.org"}, "scope": {"tag:x"}}, "application/json")
	if status != http.StatusAccepted {
		t.Fatalf("second subscribe: %d", status)
	}
	r.tick()
	r.inbox("a@example.org", 1)
	// Past AddressLimit requests of the address within the hour, it is
	// refused (another client, so the per-client limit is not the cause).
	status, _ = r.post("/sites/demo/subscribe", url.Values{"email": {"a@example.org"}, "scope": {"tag:y"}}, "application/json")
	if status != http.StatusAccepted {
		t.Fatalf("third subscribe: %d", status)
	}
	status, _ = r.post("/sites/demo/subscribe", url.Values{"email": {"a@example.org"}, "scope": {"tag:z"}}, "application/json")
	if status != http.StatusTooManyRequests {
		t.Fatalf("over the per-address limit: %d", status)
	}
	// Cross-origin browser posts are refused.
	req, _ := http.NewRequest(http.MethodPost, r.srv.URL+"/sites/demo/subscribe", strings.NewReader("email=x%40example.org&scope=site"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusForbidden {
		t.Fatalf("cross-origin post: %s", res.Status)
	}
	// A suppressed address gets nothing, and the answer is the same.
	if err := r.store.SuppressEmail(t.Context(), "gone@example.org", "bounce", r.now); err != nil {
		t.Fatal(err)
	}
	status, _ = r.post("/sites/demo/subscribe", url.Values{"email": {"gone@example.org"}, "scope": {"site"}}, "application/json")
	if status != http.StatusAccepted {
		t.Fatalf("suppressed: %d", status)
	}
	r.tick()
	if n := len(r.mail.Search(t, "gone@example.org")); n != 0 {
		t.Fatalf("a suppressed address got %d messages", n)
	}
}

// TestManage: the management link lists, changes, exports and deletes;
// an expired or forged link is refused.
func TestManage(t *testing.T) {
	r := newRig(t, stores[0].open(t))
	r.subscribe("m@example.org", "site", "immediate", true)
	r.subscribe("m@example.org", "tag:health", "immediate", true)
	e := r.entry("e", nil)
	r.deliver(e, centre.NotifyPublished)
	msg := r.inbox("m@example.org", 3)[0]
	manage := links(msg, "/subscriptions/?t=")[0]
	u, _ := url.Parse(manage)
	tok := u.Query().Get("t")
	get := func(rawURL, accept string) (int, string) {
		req, _ := http.NewRequest(http.MethodGet, rawURL, nil)
		if accept != "" {
			req.Header.Set("Accept", accept)
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(b)
	}
	status, body := get(manage, "")
	if status != http.StatusOK || !strings.Contains(body, "the topic health") || !strings.Contains(body, "everything published") {
		t.Fatalf("manage page: %d %s", status, body)
	}
	status, _ = r.post(u.Path, url.Values{"t": {tok}, "action": {"frequency"}, "scope": {"tag:health"}, "frequency": {"daily"}}, "application/json")
	if status != http.StatusNoContent {
		t.Fatalf("change frequency: %d", status)
	}
	status, body = get(manage+"&format=json", "")
	if status != http.StatusOK || !strings.Contains(body, `"scope":"tag:health","frequency":"daily"`) {
		t.Fatalf("export: %d %s", status, body)
	}
	// The form's answer is a 303 back to the list, which the client follows.
	status, body = r.post(u.Path, url.Values{"t": {tok}, "action": {"delete-all"}}, "")
	if status != http.StatusOK || !strings.Contains(body, "You have no subscriptions") {
		t.Fatalf("delete all: %d %s", status, body)
	}
	if subs, _ := r.store.Subscriptions(t.Context(), "demo", "m@example.org"); len(subs) != 0 {
		t.Fatalf("after delete-all: %d subscriptions", len(subs))
	}
	// Forged, of another site, expired.
	if status, _ := get(r.srv.URL+"/sites/demo/subscriptions/?t=AAAA"+tok[4:], ""); status != http.StatusNotFound {
		t.Fatalf("forged link: %d", status)
	}
	if status, _ := get(r.srv.URL+"/sites/other/subscriptions/?t="+tok, ""); status != http.StatusNotFound {
		t.Fatalf("link of another site: %d", status)
	}
	r.now = r.now.Add(alerts.ManageFor + time.Minute)
	if status, _ := get(manage, "application/json"); status != http.StatusNotFound {
		t.Fatalf("expired link: %d", status)
	}
}

// TestResendConfirmation: a second request of a pending address re-sends
// its confirmation (the same working link) at most once per ResendAfter;
// nothing is sent by the request itself, only by the notifier, once per
// record even when the notifier runs twice.
func TestResendConfirmation(t *testing.T) {
	limit := alerts.AddressLimit
	alerts.AddressLimit = 10 // this test asks more often than the limit lets an address
	t.Cleanup(func() { alerts.AddressLimit = limit })
	for _, st := range stores {
		t.Run(st.name, func(t *testing.T) {
			r := newRig(t, st.open(t))
			ask := func(scope string) {
				t.Helper()
				status, body := r.post("/sites/demo/subscribe", url.Values{"email": {"re@example.org"}, "scope": {scope}}, "application/json")
				if status != http.StatusAccepted {
					t.Fatalf("subscribe: %d %s", status, body)
				}
			}
			r.subscribe("re@example.org", "site", "immediate", false)
			first := links(r.inbox("re@example.org", 1)[0], "/subscribe/confirm?t=")[0]
			r.now = r.now.Add(alerts.ResendAfter - time.Second)
			ask("site")
			r.tick()
			r.inbox("re@example.org", 1) // too soon: nothing
			r.now = r.now.Add(time.Second)
			ask("tag:other") // another scope re-sends the pending one
			r.tick()
			r.tick()
			again := r.inbox("re@example.org", 2)[0]
			if !strings.Contains(again.Subject, "Confirm") || !strings.Contains(again.Text, "everything published") {
				t.Fatalf("re-sent confirmation: %q\n%s", again.Subject, again.Text)
			}
			second := links(again, "/subscribe/confirm?t=")[0]
			ask("site") // at once again: nothing
			r.tick()
			r.inbox("re@example.org", 2)
			// Both links confirm the one subscription.
			for _, link := range []string{first, second} {
				u, _ := url.Parse(link)
				status, body := r.post(u.Path, url.Values{"t": {u.Query().Get("t")}}, "application/json")
				if status != http.StatusOK || !strings.Contains(body, `"state":"confirmed"`) {
					t.Fatalf("confirm with %s: %d %s", link, status, body)
				}
			}
			// A confirmed address asking again for its scope gets nothing.
			r.now = r.now.Add(alerts.ResendAfter)
			ask("site")
			r.tick()
			r.inbox("re@example.org", 2)
		})
	}
}

// TestConfirmationOfAReplacedRequest: a confirmation record whose
// subscription was removed or confirmed before the notifier ran sends
// nothing.
func TestConfirmationOfAReplacedRequest(t *testing.T) {
	r := newRig(t, stores[0].open(t))
	ctx := t.Context()
	if err := r.a.Subscribe(ctx, alerts.SubscribeRequest{Site: "demo", Email: "gone@example.org", Scope: "site", Client: "c"}); err != nil {
		t.Fatal(err)
	}
	if err := r.store.DeleteSubscription(ctx, "demo", "gone@example.org", "site"); err != nil {
		t.Fatal(err)
	}
	r.tick()
	if n := len(r.mail.Search(t, "gone@example.org")); n != 0 {
		t.Fatalf("a removed request got %d messages", n)
	}
}

var _ = context.Background

// TestPublicationThroughTheNotifier: entries written through
// centre.Service (whose writes record the outbox) reach subscribers only
// through the notifier — one email for a publication, "Updated: …" with
// the note for a major change, nothing for a minor one, the withdrawal to
// everyone told of the entry — on both stores, through mailpit.
func TestPublicationThroughTheNotifier(t *testing.T) {
	for _, st := range stores {
		t.Run(st.name, func(t *testing.T) {
			r := newRig(t, st.open(t))
			ctx := t.Context()
			svc := &centre.Service{Store: r.store, Log: slog.New(slog.NewTextHandler(io.Discard, nil)), Now: func() time.Time { return r.now }}
			staff := centre.Principal{KeyID: "test", Site: centre.AllSites, Role: centre.RoleOwner}
			r.subscribe("ann@example.org", "site", "immediate", true)
			r.subscribe("bob@example.org", "type:statement", "immediate", true)
			r.subscribe("cat@example.org", "type:news", "immediate", true)

			e, err := svc.CreateEntry(ctx, staff, "demo", centre.EntryInput{Slug: "boil-water", Lang: "en", Status: centre.StatusPublished,
				Content: centre.Content{Type: centre.TypeStatement, Title: "Boil water before drinking", Summary: "Until further notice."}})
			if err != nil {
				t.Fatal(err)
			}
			r.inbox("ann@example.org", 1) // nothing before the notifier runs
			r.tick()
			r.tick() // a second run sends nothing more
			for _, to := range []string{"ann@example.org", "bob@example.org"} {
				if m := r.inbox(to, 2)[0]; m.Subject != e.Title || !strings.Contains(m.Text, "Until further notice.") ||
					len(links(m, "/sites/demo/en/boil-water/")) != 1 {
					t.Fatalf("publication email to %s: %q\n%s", to, m.Subject, m.Text)
				}
			}
			r.inbox("cat@example.org", 1)

			// dan subscribes after the publication: never told of it.
			r.subscribe("dan@example.org", "site", "immediate", true)

			r.now = r.now.Add(time.Minute)
			minor := centre.ChangeMinor
			if e, err = svc.UpdateEntry(ctx, staff, "demo", e.ID, centre.EntryPatch{ContentPatch: centre.ContentPatch{Summary: ptr("Until further notice!")},
				Change: &minor}, e.Version); err != nil {
				t.Fatal(err)
			}
			r.tick()
			r.inbox("ann@example.org", 2) // a minor change sends nothing

			r.now = r.now.Add(time.Minute)
			note := "Now also for bottled water."
			if e, err = svc.UpdateEntry(ctx, staff, "demo", e.ID, centre.EntryPatch{ContentPatch: centre.ContentPatch{Summary: ptr("Bottled water too.")},
				ChangeNote: &note}, e.Version); err != nil {
				t.Fatal(err)
			}
			r.tick()
			for _, to := range []string{"ann@example.org", "bob@example.org", "dan@example.org"} {
				want := 3
				if to == "dan@example.org" {
					want = 2
				}
				if m := r.inbox(to, want)[0]; m.Subject != "Updated: "+e.Title || !strings.Contains(m.Text, note) {
					t.Fatalf("update email to %s: %q\n%s", to, m.Subject, m.Text)
				}
			}

			// bob unsubscribes; the withdrawal goes to everyone told of the
			// entry who still holds a subscription: ann and dan (told of
			// the update), not bob, not cat.
			if err := r.a.Unsubscribe(ctx, alerts.Owner{Site: "demo", Email: "bob@example.org"}, ""); err != nil {
				t.Fatal(err)
			}
			r.now = r.now.Add(time.Minute)
			if _, err = svc.Withdraw(ctx, staff, "demo", e.ID, e.Version, "The advice is lifted.", ""); err != nil {
				t.Fatal(err)
			}
			r.tick()
			for to, n := range map[string]int{"ann@example.org": 4, "dan@example.org": 3} {
				if m := r.inbox(to, n)[0]; m.Subject != "Withdrawn: "+e.Title || !strings.Contains(m.Text, "The advice is lifted.") {
					t.Fatalf("withdrawal email to %s: %q\n%s", to, m.Subject, m.Text)
				}
			}
			r.inbox("bob@example.org", 3)
			r.inbox("cat@example.org", 1)
		})
	}
}

func ptr[T any](v T) *T { return &v }

// TestLimitsSharedAcrossProcesses: the subscribe limits are counted in the
// store, so two processes (Lambda containers) on one store share them;
// the next window lets the address ask again.
func TestLimitsSharedAcrossProcesses(t *testing.T) {
	for _, st := range stores {
		t.Run(st.name, func(t *testing.T) {
			r := newRig(t, st.open(t))
			other := *r.a // a second process: its own Alerts, the same store
			other.Init()
			ctx := t.Context()
			r.now = r.now.Truncate(alerts.QuotaWindow)
			ask := func(a *alerts.Alerts, email, client string) error {
				return a.Subscribe(ctx, alerts.SubscribeRequest{Site: "demo", Email: email, Scope: "site", Client: client})
			}
			for i := range alerts.AddressLimit {
				a := r.a
				if i%2 == 1 {
					a = &other
				}
				if err := ask(a, "limited@example.org", fmt.Sprintf("198.51.100.%d", i)); err != nil {
					t.Fatalf("request %d: %v", i+1, err)
				}
			}
			for _, a := range []*alerts.Alerts{r.a, &other} {
				if err := ask(a, "limited@example.org", "198.51.100.99"); err == nil || !strings.Contains(err.Error(), "too many") {
					t.Fatalf("over the address limit: %v", err)
				}
			}
			// The client limit, across both processes too.
			for i := range alerts.ClientLimit {
				a := r.a
				if i%2 == 1 {
					a = &other
				}
				if err := ask(a, fmt.Sprintf("c%d@example.org", i), "203.0.113.7"); err != nil {
					t.Fatalf("client request %d: %v", i+1, err)
				}
			}
			if err := ask(&other, "fresh@example.org", "203.0.113.7"); err == nil {
				t.Fatal("over the client limit: accepted")
			}
			r.now = r.now.Add(alerts.QuotaWindow)
			if err := ask(&other, "limited@example.org", "203.0.113.7"); err != nil {
				t.Fatalf("in the next window: %v", err)
			}
		})
	}
}

// TestPagesAndEmailsInTheSiteLanguages: a subscription made on a page in
// another of the site's languages gets its confirmation email and its
// pages (confirm, confirmed, manage, unsubscribe) in that language, marked
// so (lang); a language the site is not in falls back to its default.
func TestPagesAndEmailsInTheSiteLanguages(t *testing.T) {
	r := newRig(t, stores[0].open(t))
	ctx := t.Context()
	r.site.Languages = []string{"en", "fr", "de"}
	if err := r.store.UpdateSite(ctx, r.site); err != nil {
		t.Fatal(err)
	}
	get := func(rawURL string) string {
		t.Helper()
		res, err := http.Get(rawURL)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		if res.StatusCode != http.StatusOK {
			t.Fatalf("GET %s: %d %s", rawURL, res.StatusCode, b)
		}
		return string(b)
	}
	for _, c := range []struct{ lang, want, subject, confirm, manage, unsub string }{
		{"fr", "fr", "Confirmez votre abonnement", "Dernière étape", "Vos abonnements", "Arrêter toutes les alertes"},
		{"de", "de", "Bestätigen Sie Ihr Abonnement", "Noch ein Schritt", "Ihre Abonnements", "Alle E-Mail-Benachrichtigungen"},
		{"es", "en", "Confirm your subscription", "One more step", "Your subscriptions", "Stop every email alert"},
	} {
		email := "reader-" + c.lang + "@example.org"
		status, body := r.post("/sites/demo/subscribe", url.Values{"email": {email}, "scope": {"site"}, "lang": {c.lang}}, "")
		if status != http.StatusAccepted || !strings.Contains(body, `<html lang="`+c.want+`">`) {
			t.Fatalf("%s: subscribe answer: %d %s", c.lang, status, body)
		}
		r.tick()
		m := r.inbox(email, 1)[0]
		if !strings.HasPrefix(m.Subject, c.subject) {
			t.Fatalf("%s: confirmation email: %q", c.lang, m.Subject)
		}
		link := links(m, "/subscribe/confirm?t=")[0]
		if p := get(link); !strings.Contains(p, `<html lang="`+c.want+`">`) || !strings.Contains(p, c.confirm) {
			t.Fatalf("%s: confirmation page:\n%s", c.lang, p)
		}
		u, _ := url.Parse(link)
		status, body = r.post(u.Path, url.Values{"t": {u.Query().Get("t")}}, "")
		if status != http.StatusOK || !strings.Contains(body, `<html lang="`+c.want+`">`) {
			t.Fatalf("%s: confirmed page: %d %s", c.lang, status, body)
		}
		if p := get(r.a.ManageURL(r.site, email)); !strings.Contains(p, `<html lang="`+c.want+`">`) || !strings.Contains(p, c.manage) {
			t.Fatalf("%s: manage page:\n%s", c.lang, p)
		}
		if p := get(r.a.UnsubscribeURL(r.site, email, "")); !strings.Contains(p, `<html lang="`+c.want+`">`) || !strings.Contains(p, c.unsub) {
			t.Fatalf("%s: unsubscribe page:\n%s", c.lang, p)
		}
	}
}
