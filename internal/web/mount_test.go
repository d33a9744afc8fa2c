package web

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"infocentre/internal/centre"
	"infocentre/internal/cursor"
	"infocentre/internal/httpapi"
	"infocentre/internal/web/fixture"
)

// TestMountsBesideTheJSONAPI mounts the site on the JSON API's handler the
// way the application does, and checks that both answer.
func TestMountsBesideTheJSONAPI(t *testing.T) {
	e := newEnv(t)
	sealer, err := cursor.New([]byte("0123456789abcdef0123456789abcdef"))
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	svc := &centre.Service{Store: e.store, CheckAccent: CheckAccent, Log: log}
	site := New(svc, Options{Cursors: sealer, Logger: log, SiteForHost: HostLookup(svc, 0)})
	h := httpapi.New(httpapi.Config{Service: svc, Cursors: sealer, Log: log, Web: site.Register})
	for _, c := range []struct {
		host, path string
		status     int
		want       string
	}{
		{"centre.example.net", "/healthz", 200, ""},
		{"centre.example.net", "/api/v1/sites/demo", 200, `"slug":"demo"`},
		{"centre.example.net", "/api/v1/nope", 404, ""},
		{"centre.example.net", "/sites/demo/", 200, "<h1>Crisis Information Centre</h1>"},
		{"centre.example.net", "/sites/demo/news/?after=x.y", 404, "Page not found"},
		{fixture.Host, "/", 200, "<h1>Crisis Information Centre</h1>"},
		{fixture.Host, "/api/v1/sites/demo", 200, `"slug":"demo"`},
		{"centre.example.net", "/", 200, "<h1>Information centres</h1>"},
		{"centre.example.net", "/nowhere", 404, "Page not found"},
	} {
		r := httptest.NewRequest("GET", c.path, nil)
		r.Host = c.host
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		if w.Code != c.status || !strings.Contains(w.Body.String(), c.want) {
			t.Errorf("GET %s%s = %d %.200q", c.host, c.path, w.Code, w.Body.String())
		}
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest(http.MethodDelete, "/sites/demo/", nil))
	if w.Code != http.StatusMethodNotAllowed {
		t.Errorf("DELETE a page = %d", w.Code)
	}
}
