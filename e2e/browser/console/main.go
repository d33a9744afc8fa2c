// Command console serves the staff console on a temporary embedded store,
// for the browser tests of its pages. It makes a site with people, keys,
// a file and audit events — through the console's own forms, as a signed-in
// owner would — then listens on a free loopback port and prints
// "URL http://localhost:PORT" and "COOKIE NAME=VALUE", the session of that
// owner, on stdout. It runs until its standard input is closed.
//
// The passkey ceremony itself is not exercised here: the session is made
// with centre.Service.StartSession for a person whose passkey is recorded.
package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"log/slog"
	"mime/multipart"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"infocentre/internal/boltstore"
	"infocentre/internal/centre"
	"infocentre/internal/console"
	"infocentre/internal/filestore"
	"infocentre/internal/markdown"
	"infocentre/internal/media"
	"infocentre/internal/web"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "console server:", err)
		os.Exit(1)
	}
}

func run() error {
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "infocentre-e2e-console-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	store, err := boltstore.Open(filepath.Join(dir, "e2e.db"))
	if err != nil {
		return err
	}
	defer store.Close()
	files, err := filestore.Open(filepath.Join(dir, "files"))
	if err != nil {
		return err
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	svc := &centre.Service{Store: store, Render: markdown.Render, CheckAccent: web.CheckAccent, Log: log,
		Files: files, Inspect: media.Inspector{}}

	k, _, err := svc.Bootstrap(ctx, "e2e operator")
	if err != nil {
		return err
	}
	operator := centre.Principal{KeyID: k.ID, Site: centre.AllSites, Role: centre.RoleOwner}
	if _, err := svc.CreateSite(ctx, operator, centre.SiteInput{Slug: "demo", Title: "Storm Desk", Publisher: "City of Example",
		Languages: []string{"en", "fr"}, Contact: centre.Contact{Email: "press@example.org"}, TimeZone: "Europe/Brussels"}); err != nil {
		return err
	}
	owner, err := activePerson(ctx, svc, store, operator, centre.AllSites, "owner@example.org", "Olga Owner", centre.RoleOwner)
	if err != nil {
		return err
	}
	if _, err := activePerson(ctx, svc, store, operator, "demo", "editor@example.org", "Eddie Editor", centre.RoleEditor); err != nil {
		return err
	}
	_, token, err := svc.StartSession(ctx, owner.ID, "passkey", "127.0.0.1", nil)
	if err != nil {
		return err
	}

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	origin := fmt.Sprintf("http://localhost:%d", ln.Addr().(*net.TCPAddr).Port)
	con, err := console.New(console.Config{Service: svc, PublicOrigin: origin, Log: log})
	if err != nil {
		return err
	}
	cookie := console.InsecureSessionCookie + "=" + token
	if err := seed(con, origin, cookie); err != nil {
		return err
	}
	srv := &http.Server{Handler: con, ReadHeaderTimeout: 5 * time.Second}
	go func() {
		// The parent closes stdin (or dies) when it is done with us.
		_, _ = io.Copy(io.Discard, bufio.NewReader(os.Stdin))
		_ = srv.Close()
	}()
	fmt.Printf("COOKIE %s\nURL %s\n", cookie, origin)
	if err := srv.Serve(ln); err != http.ErrServerClosed {
		return err
	}
	return nil
}

// activePerson invites a person and makes them active with a recorded
// passkey, as accepting the invitation would.
func activePerson(ctx context.Context, svc *centre.Service, store centre.Store, by centre.Principal, site, email, name, role string) (*centre.Person, error) {
	p, _, err := svc.InvitePerson(ctx, by, site, centre.PersonInput{Email: email, Name: name, Role: role, Organisation: "City of Example"})
	if err != nil {
		return nil, err
	}
	p.State, p.InviteHash = centre.PersonActive, ""
	p.Credentials = []centre.Credential{{ID: []byte(email), Name: "passkey", CreatedAt: time.Now()}}
	return p, store.UpdatePerson(ctx, p)
}

// seed fills the site through the console's forms, signed in as the
// owner, so that the audit log has the console's own events.
func seed(con http.Handler, origin, cookie string) error {
	post := func(path, contentType string, body []byte) error {
		r := httptest.NewRequest("POST", origin+path, bytes.NewReader(body))
		r.Header.Set("Content-Type", contentType)
		r.Header.Set("Origin", origin)
		r.Header.Set("Sec-Fetch-Site", "same-origin")
		r.Header.Set("Cookie", cookie)
		w := httptest.NewRecorder()
		con.ServeHTTP(w, r)
		if w.Code >= 400 {
			return fmt.Errorf("seed POST %s: %d %s", path, w.Code, w.Body.String())
		}
		return nil
	}
	form := "application/x-www-form-urlencoded"
	for _, f := range []url.Values{
		{"email": {"nia@example.org"}, "name": {"Nia Newcomer"}, "role": {"publisher"}, "organisation": {"Red Cross"}},
	} {
		if err := post("/admin/sites/demo/people", form, []byte(f.Encode())); err != nil {
			return err
		}
	}
	for _, f := range []url.Values{
		{"name": {"feed script"}, "role": {"viewer"}},
		{"name": {"newsroom importer"}, "role": {"editor"}, "expires": {time.Now().AddDate(1, 0, 0).Format("2006-01-02")}},
	} {
		if err := post("/admin/sites/demo/keys", form, []byte(f.Encode())); err != nil {
			return err
		}
	}
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	_ = mw.WriteField("alt", "A map of the flooded districts")
	fw, err := mw.CreateFormFile("file", "flood-map.png")
	if err != nil {
		return err
	}
	img := image.NewRGBA(image.Rect(0, 0, 64, 48))
	for x := range 64 {
		img.Set(x, x%48, color.RGBA{11, 83, 148, 255})
	}
	if err := png.Encode(fw, img); err != nil {
		return err
	}
	if err := mw.Close(); err != nil {
		return err
	}
	if err := post("/admin/sites/demo/files", mw.FormDataContentType(), buf.Bytes()); err != nil {
		return err
	}
	settings := url.Values{"version": {"1"}, "title": {"Storm Desk"}, "tagline": {"Official updates on the storm"},
		"languages": {"en, fr"}, "publisher": {"City of Example"}, "contact_email": {"press@example.org"},
		"accent": {"#0b5394"}, "time_zone": {"Europe/Brussels"}}
	return post("/admin/sites/demo/settings", form, []byte(strings.TrimSpace(settings.Encode())))
}
