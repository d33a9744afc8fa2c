package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"infocentre/internal/app"
	"infocentre/internal/centre"
	"infocentre/internal/dynamostore"
	"infocentre/internal/httpapi"
)

// target is where site and key commands act: the local store directly (as
// the operator) or a server through its staff API.
type target interface {
	createSite(ctx context.Context, in centre.SiteInput) (*centre.Site, string, error)
	listSites(ctx context.Context) ([]*centre.Site, error)
	createKey(ctx context.Context, site string, in centre.KeyInput) (*centre.Key, string, error)
	listKeys(ctx context.Context, site string) ([]*centre.Key, error)
	revokeKey(ctx context.Context, site, id string) (*centre.Key, error)
	audit(ctx context.Context, q centre.AuditQuery) (centre.AuditPage, error)
	setStatus(ctx context.Context, site, status string) (*centre.Site, error)
	close() error
}

// targetFlags choose the target.
type targetFlags struct {
	storeFlags
	url, key string
}

func (t *targetFlags) register(fs *flag.FlagSet) {
	t.storeFlags.register(fs)
	fs.StringVar(&t.url, "url", os.Getenv("INFOCENTRE_URL"), "act through the running server or deployed API at `url` (env INFOCENTRE_URL)")
	fs.StringVar(&t.key, "key", os.Getenv("INFOCENTRE_KEY"), "staff `key` for --url (env INFOCENTRE_KEY)")
}

func (t *targetFlags) open(ctx context.Context) (target, error) {
	if t.url != "" {
		return newRemote(t.url, t.key)
	}
	cfg, err := t.oneShot(ctx)
	if err != nil {
		return nil, err
	}
	store, err := openLocal(ctx, cfg, true)
	if err != nil {
		// A server holds the embedded store: talk to it if we have a key.
		if b, rerr := os.ReadFile(filepath.Join(cfg.DataDir, serverFile)); rerr == nil && t.key != "" {
			var info struct{ URL string }
			if json.Unmarshal(b, &info) == nil && info.URL != "" {
				return newRemote(info.URL, t.key)
			}
		}
		return nil, err
	}
	a, err := app.New(cfg, store, app.NewLogger(io.Discard, "error"))
	if err != nil {
		store.Close()
		return nil, err
	}
	return &local{a: a}, nil
}

// local acts on the store as the operator, who holds the data itself.
type local struct{ a *app.App }

var operator = centre.Principal{KeyID: "cli", Site: centre.AllSites, Role: centre.RoleOwner}

func (l *local) createSite(ctx context.Context, in centre.SiteInput) (*centre.Site, string, error) {
	ls, err := l.a.Service.LaunchSite(ctx, operator, in)
	if err != nil {
		return nil, "", err
	}
	return ls.Site, ls.AdminSecret, nil
}
func (l *local) listSites(ctx context.Context) ([]*centre.Site, error) {
	return l.a.Service.ListSites(ctx, operator)
}
func (l *local) createKey(ctx context.Context, site string, in centre.KeyInput) (*centre.Key, string, error) {
	if in.Role == centre.RoleOwner {
		return l.a.Service.Bootstrap(ctx, in.Name)
	}
	return l.a.Service.CreateKey(ctx, operator, site, in)
}
func (l *local) listKeys(ctx context.Context, site string) ([]*centre.Key, error) {
	return l.a.Service.Keys(ctx, operator, site)
}
func (l *local) revokeKey(ctx context.Context, site, id string) (*centre.Key, error) {
	return l.a.Service.RevokeKey(ctx, operator, site, id)
}
func (l *local) audit(ctx context.Context, q centre.AuditQuery) (centre.AuditPage, error) {
	return l.a.Service.Audit(ctx, operator, q)
}
func (l *local) setStatus(ctx context.Context, site, status string) (*centre.Site, error) {
	return l.a.Service.SetSiteStatus(ctx, operator, site, status, 0)
}
func (l *local) close() error { return l.a.Close() }

// remote acts through the staff API.
type remote struct {
	base, key string
	client    *http.Client
}

func newRemote(base, key string) (*remote, error) {
	if key == "" {
		return nil, usagef("--key (or INFOCENTRE_KEY) is required with --url")
	}
	return &remote{base: strings.TrimRight(base, "/"), key: key, client: &http.Client{Timeout: 30 * time.Second}}, nil
}

func (r *remote) do(ctx context.Context, method, path string, in, out any) error {
	return r.call(ctx, method, path, 0, in, out)
}

// call makes a staff API request, with If-Match for version if it is not
// 0, and decodes the answer into out. A problem answer is returned as a
// *centre.Error with the problem's code, its detail (and the HTTP status)
// as message, and its field errors, as the service would return it.
func (r *remote) call(ctx context.Context, method, path string, version int64, in, out any) error {
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return err
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, r.base+path, body)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+r.key)
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if version != 0 {
		req.Header.Set("If-Match", `"v`+strconv.FormatInt(version, 10)+`"`)
	}
	resp, err := r.client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 16<<20))
	if err != nil {
		return err
	}
	if resp.StatusCode >= 400 {
		return problemError(method, path, resp.StatusCode, b)
	}
	if out != nil {
		return json.Unmarshal(b, out)
	}
	return nil
}

// problemError turns a problem+json answer into a *centre.Error.
func problemError(method, path string, status int, b []byte) error {
	var p httpapi.Problem
	if json.Unmarshal(b, &p) == nil && p.Detail != "" {
		code := p.Code
		if code == "" {
			code = centre.EINTERNAL
		}
		return &centre.Error{Code: code, Message: fmt.Sprintf("%s (HTTP %d)", p.Detail, status), Fields: p.Errors}
	}
	return fmt.Errorf("%s %s: HTTP %d", method, path, status)
}

func (r *remote) createSite(ctx context.Context, in centre.SiteInput) (*centre.Site, string, error) {
	var out struct {
		centre.Site
		AdminKey struct{ Secret string } `json:"admin_key"`
	}
	err := r.do(ctx, "POST", "/api/v1/admin/sites", in, &out)
	return &out.Site, out.AdminKey.Secret, err
}
func (r *remote) listSites(ctx context.Context) ([]*centre.Site, error) {
	var out struct{ Items []*centre.Site }
	return out.Items, r.do(ctx, "GET", "/api/v1/admin/sites", nil, &out)
}
func keysPath(site string) string {
	if site == centre.AllSites || site == "" {
		return "/api/v1/admin/keys"
	}
	return "/api/v1/admin/sites/" + site + "/keys"
}
func (r *remote) createKey(ctx context.Context, site string, in centre.KeyInput) (*centre.Key, string, error) {
	var out struct {
		Key    *centre.Key
		Secret string
	}
	if in.Role == centre.RoleOwner {
		site = centre.AllSites
	}
	err := r.do(ctx, "POST", keysPath(site), in, &out)
	return out.Key, out.Secret, err
}
func (r *remote) listKeys(ctx context.Context, site string) ([]*centre.Key, error) {
	var out struct{ Items []*centre.Key }
	return out.Items, r.do(ctx, "GET", keysPath(site), nil, &out)
}
func (r *remote) revokeKey(ctx context.Context, site, id string) (*centre.Key, error) {
	var k centre.Key
	return &k, r.do(ctx, "DELETE", keysPath(site)+"/"+id, nil, &k)
}
func (r *remote) audit(ctx context.Context, q centre.AuditQuery) (centre.AuditPage, error) {
	v := url.Values{}
	for k, val := range map[string]string{"action": q.Action, "key_id": q.KeyID, "target": q.Target, "cursor": q.After} {
		if val != "" {
			v.Set(k, val)
		}
	}
	if !q.From.IsZero() {
		v.Set("from", q.From.Format(time.RFC3339))
	}
	if q.Limit > 0 {
		v.Set("limit", strconv.Itoa(q.Limit))
	}
	path := "/api/v1/admin/audit"
	if q.Site != centre.AllSites {
		path = "/api/v1/admin/sites/" + url.PathEscape(q.Site) + "/audit"
	}
	var out struct {
		Items      []*centre.AuditEvent `json:"items"`
		NextCursor string               `json:"next_cursor"`
	}
	err := r.do(ctx, "GET", path+"?"+v.Encode(), nil, &out)
	return centre.AuditPage{Items: out.Items, Next: out.NextCursor}, err
}
func (r *remote) setStatus(ctx context.Context, site, status string) (*centre.Site, error) {
	action := "archive"
	if status == centre.SiteActive {
		action = "reopen"
	}
	var out centre.Site
	return &out, r.do(ctx, "POST", "/api/v1/admin/sites/"+url.PathEscape(site)+"/"+action, nil, &out)
}
func (r *remote) close() error { return nil }

func auditCmd(fs *flag.FlagSet) runFunc {
	var tf targetFlags
	tf.register(fs)
	var q centre.AuditQuery
	fs.StringVar(&q.Site, "site", centre.AllSites, "`site` whose log to show (default: the owner-level log)")
	fs.StringVar(&q.Action, "action", "", "only this `action`, like entry.publish")
	fs.StringVar(&q.KeyID, "key-id", "", "only actions of the key with this `id`")
	fs.StringVar(&q.Target, "target", "", "only actions on the entry or key with this `id`")
	since := fs.Duration("since", 0, "only the last `period`, like 24h")
	limit := fs.Int("limit", 50, "show `n` events at most")
	return func(ctx context.Context, _ []string, stdout, stderr io.Writer) error {
		q := q
		if *since > 0 {
			q.From = time.Now().Add(-*since)
		}
		return audit(ctx, tf, q, *limit, stdout)
	}
}

func audit(ctx context.Context, tf targetFlags, q centre.AuditQuery, limit int, stdout io.Writer) error {
	t, err := tf.open(ctx)
	if err != nil {
		return err
	}
	defer t.close()
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "TIME\tKEY\tROLE\tACTION\tTARGET\tOUTCOME\tREQUEST")
	left := limit
	var pg centre.Pager
	for left > 0 {
		q.Limit = min(left, centre.MaxPageSize)
		page, err := t.audit(ctx, q)
		if err != nil {
			return explain(err)
		}
		for _, ev := range page.Items {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%d\t%s\n", ev.At.Format(time.RFC3339), ev.KeyID, ev.Role, ev.Action, ev.Target, ev.Outcome, ev.RequestID)
		}
		left -= len(page.Items)
		if more, err := pg.Next(q.After, page.Next); err != nil {
			return err
		} else if !more {
			break
		}
		q.After = page.Next
	}
	return tw.Flush()
}

func siteCreateCmd(fs *flag.FlagSet) runFunc {
	var tf targetFlags
	tf.register(fs)
	var in centre.SiteInput
	var langs string
	fs.StringVar(&in.Slug, "slug", "", "URL-safe `slug` of the site (required)")
	fs.StringVar(&in.Title, "title", "", "the site's `title` (required)")
	fs.StringVar(&in.Tagline, "tagline", "", "a short `tagline`")
	fs.StringVar(&in.Description, "description", "", "introduction `text` shown on the home page")
	fs.StringVar(&in.Publisher, "publisher", "", "publishing `organisation` (required, also with --from)")
	fs.StringVar(&in.Contact.Email, "email", "", "contact `email` address")
	fs.StringVar(&in.Contact.URL, "contact-url", "", "contact `url`")
	fs.StringVar(&in.Theme.Accent, "accent", "", "accent `colour`, like #0b5394")
	fs.StringVar(&langs, "lang", "", "`languages`, default first, comma-separated (default en, or the template's)")
	fs.StringVar(&in.From, "from", "", "template `site` to copy theme, languages, time zone and page skeletons from (the pages as drafts; --publisher and --email or --contact-url are still required)")
	return func(ctx context.Context, _ []string, stdout, stderr io.Writer) error {
		in := in
		in.Languages = splitList(langs)
		t, err := tf.open(ctx)
		if err != nil {
			return err
		}
		defer t.close()
		s, secret, err := t.createSite(ctx, in)
		if err != nil {
			return explain(err)
		}
		fmt.Fprintf(stdout, "created site %s\nadmin key: %s\n(shown once: hand it to the site's administrator)\n", s.Slug, secret)
		return nil
	}
}

func siteListCmd(fs *flag.FlagSet) runFunc {
	var tf targetFlags
	tf.register(fs)
	return func(ctx context.Context, _ []string, stdout, stderr io.Writer) error {
		t, err := tf.open(ctx)
		if err != nil {
			return err
		}
		defer t.close()
		sites, err := t.listSites(ctx)
		if err != nil {
			return explain(err)
		}
		tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "SLUG\tSTATUS\tLANGUAGES\tTITLE")
		for _, s := range sites {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", s.Slug, s.Status, strings.Join(s.Languages, ","), s.Title)
		}
		return tw.Flush()
	}
}

// siteStatusCmd is site archive or site reopen.
func siteStatusCmd(action string) func(fs *flag.FlagSet) runFunc {
	status := centre.SiteArchived
	if action == "reopen" {
		status = centre.SiteActive
	}
	return func(fs *flag.FlagSet) runFunc {
		var tf targetFlags
		tf.register(fs)
		slug := fs.String("site", "", "`site` to "+action+" (required)")
		return func(ctx context.Context, _ []string, stdout, stderr io.Writer) error {
			if *slug == "" {
				return usagef("site %s: --site is required", action)
			}
			t, err := tf.open(ctx)
			if err != nil {
				return err
			}
			defer t.close()
			s, err := t.setStatus(ctx, *slug, status)
			if err != nil {
				return explain(err)
			}
			fmt.Fprintf(stdout, "site %s is %s\n", s.Slug, s.Status)
			return nil
		}
	}
}

// keyFlags are the flags of every key command.
func keyFlags(fs *flag.FlagSet, tf *targetFlags) *string {
	tf.register(fs)
	return fs.String("site", "", "`site` of the key (not for owner keys)")
}

// keyTarget opens the target; site "" means the owner keys.
func keyTarget(ctx context.Context, tf targetFlags, site *string) (target, error) {
	if *site == "" {
		*site = centre.AllSites
	}
	return tf.open(ctx)
}

func keyCreateCmd(fs *flag.FlagSet) runFunc {
	var tf targetFlags
	site := keyFlags(fs, &tf)
	var in centre.KeyInput
	var expires time.Duration
	fs.StringVar(&in.Role, "role", "", "the key's `role`: viewer, editor, publisher, admin or owner (required)")
	fs.StringVar(&in.Name, "name", "", "`name` of who holds the key")
	fs.StringVar(&in.Organisation, "organisation", "", "the member `organisation` the key acts for: it changes only entries that name it")
	fs.DurationVar(&expires, "expires", 0, "`lifetime`, like 720h (default: no expiry)")
	return func(ctx context.Context, _ []string, stdout, stderr io.Writer) error {
		if *site == "" && in.Role != centre.RoleOwner {
			return usagef("key create: --site is required (except with --role owner)")
		}
		t, err := keyTarget(ctx, tf, site)
		if err != nil {
			return err
		}
		defer t.close()
		in := in
		if expires > 0 {
			in.ExpiresAt = time.Now().Add(expires)
		}
		_, secret, err := t.createKey(ctx, *site, in)
		if err != nil {
			return explain(err)
		}
		fmt.Fprintln(stdout, secret) // alone on stdout, so scripts can capture it
		return nil
	}
}

func keyListCmd(fs *flag.FlagSet) runFunc {
	var tf targetFlags
	site := keyFlags(fs, &tf)
	return func(ctx context.Context, _ []string, stdout, stderr io.Writer) error {
		t, err := keyTarget(ctx, tf, site)
		if err != nil {
			return err
		}
		defer t.close()
		keys, err := t.listKeys(ctx, *site)
		if err != nil {
			return explain(err)
		}
		tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tSITE\tROLE\tNAME\tCREATED\tEXPIRES\tREVOKED\tORGANISATION")
		for _, k := range keys {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", k.ID, k.Site, k.Role, k.Name,
				k.CreatedAt.Format(time.RFC3339), when(k.ExpiresAt), when(k.RevokedAt), orDash(k.Organisation))
		}
		return tw.Flush()
	}
}

func keyRevokeCmd(fs *flag.FlagSet) runFunc {
	var tf targetFlags
	site := keyFlags(fs, &tf)
	return func(ctx context.Context, args []string, stdout, stderr io.Writer) error {
		t, err := keyTarget(ctx, tf, site)
		if err != nil {
			return err
		}
		defer t.close()
		k, err := t.revokeKey(ctx, *site, args[0])
		if err != nil {
			return explain(err)
		}
		fmt.Fprintf(stdout, "revoked key %s at %s\n", k.ID, k.RevokedAt.Format(time.RFC3339))
		return nil
	}
}

func when(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.Format(time.RFC3339)
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// explain turns a domain error into a message naming every bad field
// (nil stays nil; an internal error is returned as it is).
func explain(err error) error {
	if err == nil {
		return nil
	}
	var e *centre.Error
	if errors.As(err, &e) && len(e.Fields) > 0 {
		msg := e.Message
		for _, f := range e.Fields {
			msg += fmt.Sprintf("\n  %s: %s", f.Field, f.Reason)
		}
		return fmt.Errorf("%s", msg)
	}
	if centre.ErrorCode(err) != centre.EINTERNAL {
		return fmt.Errorf("%s", centre.ErrorMessage(err))
	}
	return err
}

func tableCreateCmd(*flag.FlagSet) runFunc { return tableCreate }

func tableCreate(ctx context.Context, _ []string, stdout, stderr io.Writer) error {
	if os.Getenv("DYNAMODB_TABLE") == "" {
		return usagef("table create: set DYNAMODB_TABLE (and DYNAMODB_ENDPOINT for a local endpoint)")
	}
	client, table, err := dynamostore.ClientFromEnv(ctx)
	if err != nil {
		return err
	}
	if err := dynamostore.CreateTable(ctx, client, table); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "created table %s\n", table)
	return nil
}

// openApp opens the store of a one-shot command (oneShot, openLocal) and
// wires the App on it, logging to stderr; the caller closes the App.
func (s *storeFlags) openApp(ctx context.Context, stderr io.Writer) (*app.App, error) {
	cfg, err := s.oneShot(ctx)
	if err != nil {
		return nil, err
	}
	store, err := openLocal(ctx, cfg, false)
	if err != nil {
		return nil, err
	}
	a, err := app.New(cfg, store, app.NewLogger(stderr, cfg.LogLevel))
	if err != nil {
		store.Close()
		return nil, err
	}
	return a, nil
}

func publishDueCmd(fs *flag.FlagSet) runFunc {
	var sf storeFlags
	sf.register(fs)
	return func(ctx context.Context, _ []string, stdout, stderr io.Writer) error {
		return publishDue(ctx, sf, stdout, stderr)
	}
}

func publishDue(ctx context.Context, sf storeFlags, stdout, stderr io.Writer) error {
	a, err := sf.openApp(ctx, stderr)
	if err != nil {
		return err
	}
	defer a.Close()
	n, err := a.PublishDue(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "published %d scheduled entries\n", n)
	return nil
}

// siteRebuildFrontCmd is site rebuild-front: centre.Service.RebuildFronts
// on the store.
func siteRebuildFrontCmd(fs *flag.FlagSet) runFunc {
	var sf storeFlags
	sf.register(fs)
	return func(ctx context.Context, _ []string, stdout, stderr io.Writer) error {
		a, err := sf.openApp(ctx, stderr)
		if err != nil {
			return err
		}
		defer a.Close()
		n, err := a.Service.RebuildFronts(ctx)
		fmt.Fprintf(stdout, "rebuilt the front of %d sites\n", n)
		if err != nil {
			return explain(err)
		}
		return nil
	}
}

func seedCmd(fs *flag.FlagSet) runFunc {
	var sf storeFlags
	sf.register(fs)
	return func(ctx context.Context, _ []string, stdout, stderr io.Writer) error {
		a, err := sf.openApp(ctx, stderr)
		if err != nil {
			return err
		}
		defer a.Close()
		sites, err := a.Store.ListSites(ctx)
		if err != nil {
			return err
		}
		if len(sites) > 0 {
			return fmt.Errorf("the store is not empty (it holds %d site(s)): seed prepares a new one only", len(sites))
		}
		return firstStart(ctx, a, true, stdout)
	}
}
