package httpapi_test

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"io"
	"net/http/httptest"
	"strings"
	"testing"

	"infocentre/internal/centre"
	"infocentre/internal/httpapi"
)

func TestArchiveAndReopen(t *testing.T) {
	e := newEnv(t)
	e.published("kept", nil)
	e.must(req{method: "POST", path: "/api/v1/admin/sites/demo/archive", role: centre.RolePublisher}, 403)
	var s centre.Site
	e.must(req{method: "POST", path: "/api/v1/admin/sites/demo/archive", role: centre.RoleAdmin}, 200).json(t, &s)
	if s.Status != centre.SiteArchived {
		t.Fatalf("site %+v", s)
	}
	e.must(req{method: "POST", path: "/api/v1/admin/sites/demo/archive", role: centre.RoleAdmin}, 409)
	p := e.must(req{method: "POST", path: "/api/v1/admin/sites/demo/entries", role: centre.RoleEditor, body: map[string]any{"type": "news", "title": "x"}}, 409).problem(t)
	if !strings.Contains(p.Detail, "archived") {
		t.Fatalf("problem %+v", p)
	}
	e.must(req{method: "POST", path: "/api/v1/admin/sites/demo/reopen", role: centre.RoleAdmin}, 403)
	e.must(req{method: "POST", path: "/api/v1/admin/sites/demo/reopen", role: centre.RoleOwner, header: map[string]string{"If-Match": tag(s.Version - 1)}}, 412)
	e.must(req{method: "POST", path: "/api/v1/admin/sites/demo/reopen", role: centre.RoleOwner}, 200).json(t, &s)
	if s.Status != centre.SiteActive {
		t.Fatalf("site %+v", s)
	}
	e.must(req{method: "POST", path: "/api/v1/admin/sites/demo/entries", role: centre.RoleEditor, body: map[string]any{"type": "news", "title": "x"}}, 201)
}

func TestExportImportAPI(t *testing.T) {
	e := newEnv(t)
	e.published("exported", map[string]any{"body": "Exported body."})
	e.must(req{method: "GET", path: "/api/v1/admin/sites/demo/export", role: centre.RolePublisher}, 403)
	r := e.must(req{method: "GET", path: "/api/v1/admin/sites/demo/export", role: centre.RoleAdmin}, 200)
	if r.Header.Get("Content-Type") != httpapi.NDJSON || !strings.HasPrefix(string(r.Body), `{"format":"infocentre-export"`) ||
		!strings.Contains(string(r.Body), `"type":"end"`) {
		t.Fatalf("export: %s %.200s", r.Header.Get("Content-Type"), r.Body)
	}
	file := string(r.Body)
	post := func(role, query, body, ct string, status int) resp {
		t.Helper()
		hr := httptest.NewRequest("POST", "/api/v1/admin/import"+query, strings.NewReader(body))
		hr.Header.Set("Authorization", "Bearer "+e.keys[role])
		hr.Header.Set("Content-Type", ct)
		w := httptest.NewRecorder()
		e.h.ServeHTTP(w, hr)
		got := resp{Status: w.Code, Header: w.Result().Header, Body: w.Body.Bytes()}
		e.openapi.check(t, "POST", hr, got)
		if got.Status != status {
			t.Fatalf("import %s as %s: %d, want %d: %s", query, role, got.Status, status, got.Body)
		}
		return got
	}
	post(centre.RoleAdmin, "?as=copy", file, httpapi.NDJSON, 403)
	post(centre.RoleOwner, "?as=copy", file, "application/json", 415)
	var res httpapi.ImportResult
	post(centre.RoleOwner, "?as=copy&dry_run=true", file, httpapi.NDJSON, 200).json(t, &res)
	if !res.DryRun || res.Site != "copy" || res.Counts.Entries != 1 {
		t.Fatalf("dry run %+v", res)
	}
	e.must(req{method: "GET", path: "/api/v1/sites/copy"}, 404)
	post(centre.RoleOwner, "?as=copy", file, httpapi.NDJSON, 201).json(t, &res)
	var got centre.Entry
	e.must(req{method: "GET", path: "/api/v1/sites/copy/entries/exported"}, 200).json(t, &got)
	if got.Body != "Exported body." {
		t.Fatalf("imported entry %+v", got)
	}
	post(centre.RoleOwner, "", file, httpapi.NDJSON, 409)
	// A dry run on the existing slug says how the file compares with the
	// site, instead of failing.
	e.published("after-the-export", nil)
	res = httpapi.ImportResult{}
	post(centre.RoleOwner, "?dry_run=true", file, httpapi.NDJSON, 200).json(t, &res)
	if c := res.Existing; !res.DryRun || res.Site != "demo" || c == nil || c.Same != 1 || c.New != 0 || c.OnlyInSite != 1 {
		t.Fatalf("dry run on an existing site: %+v %+v", res, c)
	}
	p := post(centre.RoleOwner, "?as=third", file[:len(file)/2], httpapi.NDJSON, 400).problem(t)
	if !strings.Contains(p.Detail, "line") {
		t.Fatalf("truncated file problem %+v", p)
	}
}

func TestExportStaticAPI(t *testing.T) {
	e := newEnv(t)
	e.published("in-the-archive", map[string]any{"body": "Kept for the record."})
	e.must(req{method: "GET", path: "/api/v1/admin/sites/demo/export-static", role: centre.RolePublisher}, 403)
	e.must(req{method: "GET", path: "/api/v1/admin/sites/nope/export-static", role: centre.RoleOwner}, 404)
	r := e.must(req{method: "GET", path: "/api/v1/admin/sites/demo/export-static", role: centre.RoleAdmin}, 200)
	if r.Header.Get("Content-Type") != "application/gzip" {
		t.Fatalf("content type %q", r.Header.Get("Content-Type"))
	}
	zr, err := gzip.NewReader(bytes.NewReader(r.Body))
	if err != nil {
		t.Fatal(err)
	}
	tr := tar.NewReader(zr)
	files := map[string]string{}
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(tr)
		files[h.Name] = string(b)
	}
	for _, want := range []string{"index.html", "404.html", "sitemap.xml", "robots.txt", "en/in-the-archive/index.html"} {
		if _, ok := files[want]; !ok {
			t.Errorf("archive lacks %s (has %d files)", want, len(files))
		}
	}
	if !strings.Contains(files["en/in-the-archive/index.html"], "Kept for the record.") {
		t.Error("the entry page does not hold the entry")
	}
}
