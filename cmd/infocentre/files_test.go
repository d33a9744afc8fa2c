package main

import (
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"infocentre/internal/media/mediatest"
)

// TestFileCommands: `file put` hosts a file on the local store and through
// a running server's API, `file list` lists them, and the public URL
// serves the bytes; a refused type is an error naming it.
func TestFileCommands(t *testing.T) {
	data := t.TempDir()
	if _, _, err := runCLI(t, "site", "create", "--data", data, "--slug", "flood", "--title", "Flood",
		"--publisher", "Agency", "--email", "press@example.org"); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	pdf := filepath.Join(dir, "Evacuation plan.pdf")
	os.WriteFile(pdf, mediatest.PDF(3, "Evacuation plan"), 0o600)
	html := filepath.Join(dir, "page.pdf")
	os.WriteFile(html, []byte("<html><script>alert(1)</script></html>"), 0o600)

	out, _, err := runCLI(t, "file", "put", "--data", data, "--site", "flood", pdf)
	if err != nil || !strings.HasPrefix(out, "uploaded ") || !strings.Contains(out, "application/pdf") {
		t.Fatalf("file put: %q %v", out, err)
	}
	if _, _, err := runCLI(t, "file", "put", "--data", data, "--site", "flood", html); err == nil || !strings.Contains(err.Error(), "HTML") {
		t.Fatalf("file put of HTML: %v", err)
	}
	out, _, err = runCLI(t, "file", "list", "--data", data, "--site", "flood")
	if err != nil || !strings.Contains(out, "Evacuation plan.pdf") || strings.Count(out, "\n") != 2 {
		t.Fatalf("file list: %q %v", out, err)
	}
	if _, _, err := runCLI(t, "file", "put", "--data", data, pdf); err == nil {
		t.Fatal("file put without --site must fail")
	}

	// Through a running server's API, with an editor key.
	key, _, err := runCLI(t, "key", "create", "--data", data, "--site", "flood", "--role", "editor")
	if err != nil {
		t.Fatal(err)
	}
	key = strings.TrimSpace(key)
	pubKey, _, err := runCLI(t, "key", "create", "--data", data, "--site", "flood", "--role", "publisher")
	if err != nil {
		t.Fatal(err)
	}
	pubKey = strings.TrimSpace(pubKey)
	url, _ := startServer(t, data)
	png := filepath.Join(dir, "map.png")
	os.WriteFile(png, mediatest.PNG(600, 300), 0o600)
	out, _, err = runCLI(t, "file", "put", "--url", url, "--key", key, "--site", "flood", "--alt", "Flooded areas", png)
	if err != nil || !strings.Contains(out, "image/png") {
		t.Fatalf("remote file put: %q %v", out, err)
	}
	path := strings.Fields(out)[len(strings.Fields(out))-1]
	if code, _ := fetchBody(t, url+path); code != 404 {
		t.Fatalf("GET %s of a file no public entry uses: %d, want 404", path, code)
	}
	// Once a published entry uses it, it is public.
	var listed struct{ Items []struct{ ID, Name string } }
	getJSON(t, url+"/api/v1/admin/sites/flood/files", pubKey, &listed)
	fileID := ""
	for _, f := range listed.Items {
		if f.Name == "map.png" {
			fileID = f.ID
		}
	}
	postJSON(t, url+"/api/v1/admin/sites/flood/entries", pubKey,
		`{"type":"news","title":"Flood map","status":"published","image":{"file_id":"`+fileID+`","alt":"Flooded areas"}}`, 201)
	if code, body := fetchBody(t, url+path); code != 200 || !strings.HasPrefix(body, "\x89PNG") {
		t.Fatalf("GET %s: %d", path, code)
	}
	out, _, err = runCLI(t, "file", "list", "--url", url, "--key", key, "--site", "flood")
	if err != nil || !strings.Contains(out, "map.png") || !strings.Contains(out, "Evacuation plan.pdf") {
		t.Fatalf("remote file list: %q %v", out, err)
	}
	if _, _, err := runCLI(t, "file", "put", "--url", url, "--key", key, "--site", "flood", html); err == nil || !strings.Contains(err.Error(), "415") {
		t.Fatalf("remote put of HTML: %v", err)
	}
}

// apiCall sends body (if any) to u with a bearer key, checks the status
// and decodes the answer into v (if set).
func apiCall(t *testing.T, method, u, key, body string, status int, v any) {
	t.Helper()
	r, _ := http.NewRequest(method, u, strings.NewReader(body))
	r.Header.Set("Authorization", "Bearer "+key)
	if body != "" {
		r.Header.Set("Content-Type", "application/json")
	}
	res, err := http.DefaultClient.Do(r)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if res.StatusCode != status {
		t.Fatalf("%s %s: %d %s", method, u, res.StatusCode, b)
	}
	if v != nil {
		if err := json.Unmarshal(b, v); err != nil {
			t.Fatal(err)
		}
	}
}

func getJSON(t *testing.T, u, key string, v any) { t.Helper(); apiCall(t, "GET", u, key, "", 200, v) }

func postJSON(t *testing.T, u, key, body string, status int) {
	t.Helper()
	apiCall(t, "POST", u, key, body, status, nil)
}

func fetchBody(t *testing.T, u string) (int, string) {
	t.Helper()
	res, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}
