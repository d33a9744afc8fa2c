package httpapi_test

import (
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/mail"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"infocentre/internal/centre"
	"infocentre/internal/httpapi"
)

// form posts (or gets) a form to a public route of email alerts.
func (e *env) form(method, path string, v url.Values, accept string) resp {
	e.t.Helper()
	h := map[string]string{"Content-Type": "application/x-www-form-urlencoded"}
	if accept != "" {
		h["Accept"] = accept
	}
	var body any
	if v != nil {
		body = v.Encode()
	} else {
		h["Content-Type"] = ""
	}
	return e.do(req{method: method, path: path, body: body, header: h})
}

// sendConfirmations delivers the confirmation emails waiting in the
// site's outbox (as the notifier does) and returns the text part of the
// one sent to email.
func (e *env) sendConfirmations(email string) string {
	e.t.Helper()
	page, err := e.store.ListNotifications(e.t.Context(), centre.NotificationQuery{Site: "demo", Limit: 100})
	if err != nil {
		e.t.Fatal(err)
	}
	for _, r := range page.Items {
		if r.Kind == centre.NotifyConfirm {
			if err := e.alerts.Deliver(e.t.Context(), r.Notification); err != nil {
				e.t.Fatal(err)
			}
		}
	}
	files, _ := filepath.Glob(filepath.Join(e.outbox, "*.eml"))
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			e.t.Fatal(err)
		}
		m, err := mail.ReadMessage(strings.NewReader(string(raw)))
		if err != nil {
			e.t.Fatal(err)
		}
		if m.Header.Get("To") != email {
			continue
		}
		_, params, _ := mime.ParseMediaType(m.Header.Get("Content-Type"))
		part, err := multipart.NewReader(m.Body, params["boundary"]).NextPart()
		if err != nil {
			e.t.Fatal(err)
		}
		text, _ := io.ReadAll(part) // quoted-printable, decoded by the reader
		return string(text)
	}
	e.t.Fatalf("no email to %s in the outbox (%d files)", email, len(files))
	return ""
}

var confirmLink = regexp.MustCompile(`https://centre\.example\.net(/sites/demo/subscribe/confirm)\?t=([A-Za-z0-9_-]+)`)

// TestAlertForms: the public routes of email alerts, as the OpenAPI
// document describes them (the checker in do validates every answer):
// subscribe, confirm (the page, then the button), manage (list, export,
// change), unsubscribe (the page, then one click) — in HTML for browsers
// and JSON for clients that ask for it; errors as problems.
func TestAlertForms(t *testing.T) {
	e := newEnv(t)
	ctx := t.Context()
	bad := e.form("POST", "/sites/demo/subscribe", url.Values{"email": {"not an address"}, "scope": {"type:rumour"}}, "application/json")
	if bad.Status != http.StatusBadRequest {
		t.Fatalf("bad subscribe: %d %s", bad.Status, bad.Body)
	}
	if p := bad.problem(t); len(p.Errors) != 2 {
		t.Fatalf("bad subscribe names %d fields, want 2: %s", len(p.Errors), bad.Body)
	}
	if got := e.form("POST", "/sites/demo/subscribe", url.Values{"email": {"x@example.org"}, "scope": {"site"}}, ""); got.Status != http.StatusAccepted ||
		!strings.Contains(string(got.Body), "Check your email") {
		t.Fatalf("subscribe (HTML): %d %s", got.Status, got.Body)
	}
	var accepted struct{ Status, Detail string }
	e.must(req{method: "POST", path: "/sites/demo/subscribe", body: "email=reader%40example.org&scope=site",
		header: map[string]string{"Content-Type": "application/x-www-form-urlencoded", "Accept": "application/json"}}, http.StatusAccepted).json(t, &accepted)
	if accepted.Status != "confirmation_sent" {
		t.Fatalf("subscribe (JSON): %+v", accepted)
	}
	if got := e.do(req{method: "POST", path: "/sites/demo/subscribe", body: "email=y%40example.org&scope=site",
		header: map[string]string{"Content-Type": "application/x-www-form-urlencoded", "Sec-Fetch-Site": "cross-site"}}); got.Status != http.StatusForbidden {
		t.Fatalf("cross-origin subscribe: %d", got.Status)
	}
	if got := e.form("POST", "/sites/no-such-site/subscribe", url.Values{"email": {"z@example.org"}, "scope": {"site"}}, "application/json"); got.Status != http.StatusNotFound {
		t.Fatalf("subscribe to a missing site: %d", got.Status)
	}

	m := confirmLink.FindStringSubmatch(e.sendConfirmations("reader@example.org"))
	if m == nil {
		t.Fatal("no confirmation link in the email")
	}
	confirm, tok := m[1], m[2]
	if got := e.form("GET", confirm+"?t="+tok, nil, ""); got.Status != http.StatusOK || !strings.Contains(string(got.Body), `<button type="submit">Confirm`) {
		t.Fatalf("confirmation page: %d %s", got.Status, got.Body)
	}
	if got := e.form("GET", confirm+"?t=forged", nil, "application/json"); got.Status != http.StatusNotFound {
		t.Fatalf("forged confirmation link: %d", got.Status)
	}
	var done struct {
		Subscription struct{ State string }
		ManageURL    string `json:"manage_url"`
	}
	e.must(req{method: "POST", path: confirm, body: url.Values{"t": {tok}}.Encode(),
		header: map[string]string{"Content-Type": "application/x-www-form-urlencoded", "Accept": "application/json"}}, http.StatusOK).json(t, &done)
	if done.Subscription.State != centre.SubConfirmed || !strings.HasPrefix(done.ManageURL, "https://centre.example.net/sites/demo/subscriptions/?t=") {
		t.Fatalf("confirmed: %+v", done)
	}
	if got := e.form("POST", confirm, url.Values{"t": {tok}}, ""); got.Status != http.StatusOK || !strings.Contains(string(got.Body), "Subscription confirmed") {
		t.Fatalf("confirm again (HTML): %d %s", got.Status, got.Body)
	}

	manage := strings.TrimPrefix(done.ManageURL, "https://centre.example.net")
	mtok := manage[strings.Index(manage, "?t=")+3:]
	var export struct {
		Email         string
		Subscriptions []struct{ Scope, Frequency, State string }
	}
	e.must(req{method: "GET", path: manage, header: map[string]string{"Accept": "application/json"}}, http.StatusOK).json(t, &export)
	if export.Email != "reader@example.org" || len(export.Subscriptions) != 1 || export.Subscriptions[0].State != centre.SubConfirmed {
		t.Fatalf("manage (JSON): %+v", export)
	}
	if got := e.form("GET", manage+"&format=json", nil, ""); got.Status != http.StatusOK || got.Header.Get("Content-Disposition") == "" {
		t.Fatalf("export: %d %v", got.Status, got.Header)
	}
	if got := e.form("GET", manage, nil, ""); got.Status != http.StatusOK || !strings.Contains(string(got.Body), "everything published") {
		t.Fatalf("manage page: %d %s", got.Status, got.Body)
	}
	if got := e.form("POST", "/sites/demo/subscriptions/", url.Values{"t": {mtok}, "action": {"frequency"}, "scope": {"site"}, "frequency": {"daily"}},
		"application/json"); got.Status != http.StatusNoContent {
		t.Fatalf("change frequency (JSON): %d %s", got.Status, got.Body)
	}
	if got := e.form("POST", "/sites/demo/subscriptions/", url.Values{"t": {mtok}, "action": {"frequency"}, "scope": {"site"}, "frequency": {"immediate"}},
		""); got.Status != http.StatusSeeOther || !strings.HasPrefix(got.Header.Get("Location"), "/sites/demo/subscriptions/?t=") {
		t.Fatalf("change frequency (HTML): %d %v", got.Status, got.Header)
	}
	if got := e.form("POST", "/sites/demo/subscriptions/", url.Values{"t": {mtok}, "action": {"explode"}}, "application/json"); got.Status != http.StatusBadRequest {
		t.Fatalf("unknown action: %d", got.Status)
	}

	st, err := e.store.GetSite(ctx, "demo")
	if err != nil {
		t.Fatal(err)
	}
	unsub := strings.TrimPrefix(e.alerts.UnsubscribeURL(st, "reader@example.org", ""), "https://centre.example.net")
	if got := e.form("GET", unsub, nil, ""); got.Status != http.StatusOK || !strings.Contains(string(got.Body), "Unsubscribe") {
		t.Fatalf("unsubscribe page: %d %s", got.Status, got.Body)
	}
	var out struct{ Status string }
	e.must(req{method: "POST", path: unsub, body: "List-Unsubscribe=One-Click",
		header: map[string]string{"Content-Type": "application/x-www-form-urlencoded", "Accept": "application/json"}}, http.StatusOK).json(t, &out)
	if out.Status != "unsubscribed" {
		t.Fatalf("one-click unsubscribe: %+v", out)
	}
	if subs, _ := e.store.Subscriptions(ctx, "demo", "reader@example.org"); len(subs) != 0 {
		t.Fatalf("after unsubscribing: %d subscriptions", len(subs))
	}
	if got := e.form("POST", "/sites/demo/unsubscribe?t=forged", url.Values{"List-Unsubscribe": {"One-Click"}}, ""); got.Status != http.StatusNotFound {
		t.Fatalf("forged unsubscribe link: %d", got.Status)
	}
	_ = httpapi.Problem{}
}
