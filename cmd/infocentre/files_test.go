package main

import (
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
	url, _ := startServer(t, data)
	png := filepath.Join(dir, "map.png")
	os.WriteFile(png, mediatest.PNG(600, 300), 0o600)
	out, _, err = runCLI(t, "file", "put", "--url", url, "--key", key, "--site", "flood", "--alt", "Flooded areas", png)
	if err != nil || !strings.Contains(out, "image/png") {
		t.Fatalf("remote file put: %q %v", out, err)
	}
	path := strings.Fields(out)[len(strings.Fields(out))-1]
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
