package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"infocentre/internal/demo"

	"infocentre/internal/centre"
)

func runCLI(t *testing.T, args ...string) (string, string, error) {
	t.Helper()
	var out, errb bytes.Buffer
	err := run(context.Background(), args, &out, &errb)
	return out.String(), errb.String(), err
}

var ownerLine = regexp.MustCompile(`(?m)^owner key: (icsk_[A-Za-z0-9_-]{43})$`)

// startServer runs `infocentre serve` on a free port and returns its URL
// and the owner key it printed.
func startServer(t *testing.T, data string) (string, string) {
	t.Helper()
	return startServerArgs(t, "--data", data)
}

// startServerArgs runs `infocentre serve` with extra flags on a free port.
func startServerArgs(t *testing.T, extra ...string) (string, string) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, append([]string{"serve", "--addr", "127.0.0.1:0", "--publish-interval", "100ms"}, extra...), pw, io.Discard)
		pw.Close()
	}()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve: %v", err)
		}
	})
	var url, owner string
	sc := bufio.NewScanner(pr)
	deadline := time.AfterFunc(20*time.Second, func() { pw.CloseWithError(io.ErrUnexpectedEOF) })
	defer deadline.Stop()
	for sc.Scan() {
		line := sc.Text()
		if m := ownerLine.FindStringSubmatch(line); m != nil {
			owner = m[1]
		}
		if rest, ok := strings.CutPrefix(line, "infocentre serving on "); ok {
			url = strings.Fields(rest)[0]
			break
		}
	}
	go io.Copy(io.Discard, pr)
	if url == "" {
		t.Fatal("serve did not report its address")
	}
	return url, owner
}

func get(t *testing.T, url string, v any) int {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if v != nil {
		json.NewDecoder(resp.Body).Decode(v)
	}
	return resp.StatusCode
}

func TestServeSeedsDemoAndPrintsOwnerKeyOnce(t *testing.T) {
	data := t.TempDir()
	url, owner := startServer(t, data)
	if owner == "" {
		t.Fatal("first start printed no owner key")
	}
	var list struct {
		Items []centre.Entry `json:"items"`
	}
	if s := get(t, url+"/api/v1/sites/demo/entries?limit=100", &list); s != 200 {
		t.Fatalf("demo list: %d", s)
	}
	types := map[string]int{}
	for _, e := range list.Items {
		types[e.Type]++
	}
	if len(list.Items) < 8 || types["statement"] == 0 || types["publication"] == 0 || types["news"] == 0 || types["page"] == 0 {
		t.Fatalf("demo has %d public entries by type %v", len(list.Items), types)
	}
	var pub centre.Entry
	get(t, url+"/api/v1/sites/demo/entries/mhealth-deployment-recommendations", &pub)
	if len(pub.Attachments) == 0 {
		t.Fatal("demo publication has no attachments")
	}
	// The CLI reaches the running server with a key…
	out, _, err := runCLI(t, "key", "create", "--site", "demo", "--role", "publisher", "--url", url, "--key", owner)
	if err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`^icsk_[A-Za-z0-9_-]{43}\n$`).MatchString(out) {
		t.Fatalf("key create printed %q, want the key alone", out)
	}
	// Staff writes are in the site's audit log.
	out, _, err = runCLI(t, "audit", "--site", "demo", "--url", url, "--key", owner)
	if err != nil || !strings.Contains(out, "key.create") || !strings.Contains(out, "201") {
		t.Fatalf("audit: %q %v", out, err)
	}
	// …and, without one, explains that a server holds the data.
	_, _, err = runCLI(t, "site", "list", "--data", data)
	if err == nil || !strings.Contains(err.Error(), url) {
		t.Fatalf("site list on a held data dir: %v", err)
	}
	out, _, err = runCLI(t, "site", "list", "--data", data, "--key", owner)
	if err != nil || !strings.Contains(out, "demo") {
		t.Fatalf("site list through the running server: %q %v", out, err)
	}
}

func TestLocalCommands(t *testing.T) {
	data := t.TempDir()
	out, _, err := runCLI(t, "site", "create", "--data", data, "--slug", "flood-2026", "--title", "Flood information",
		"--publisher", "Regional Agency", "--email", "press@example.org", "--lang", "en,de")
	if err != nil || !strings.Contains(out, "flood-2026") {
		t.Fatalf("site create: %q %v", out, err)
	}
	_, _, err = runCLI(t, "site", "create", "--data", data, "--slug", "Bad Slug", "--title", "", "--publisher", "x", "--email", "a@example.org")
	if err == nil || !strings.Contains(err.Error(), "slug") || !strings.Contains(err.Error(), "title") {
		t.Fatalf("invalid site: %v", err)
	}
	key, _, err := runCLI(t, "key", "create", "--data", data, "--site", "flood-2026", "--role", "admin", "--name", "ops")
	if err != nil || !centre.LooksLikeKey(strings.TrimSpace(key)) {
		t.Fatalf("key create: %q %v", key, err)
	}
	out, _, err = runCLI(t, "key", "list", "--data", data, "--site", "flood-2026")
	if err != nil || strings.Contains(out, "icsk_") || !strings.Contains(out, "ops") {
		t.Fatalf("key list: %q %v", out, err)
	}
	id := strings.Fields(strings.Split(out, "\n")[1])[0]
	out, _, err = runCLI(t, "key", "revoke", "--data", data, "--site", "flood-2026", id)
	if err != nil || !strings.Contains(out, "revoked key "+id) {
		t.Fatalf("key revoke: %q %v", out, err)
	}
	if _, _, err := runCLI(t, "key", "create", "--data", data, "--role", "editor"); err == nil {
		t.Fatal("key create without --site must fail")
	}
	if _, _, err := runCLI(t, "frobnicate"); err == nil {
		t.Fatal("unknown command must fail")
	}
	// A server started on this data later finds sites already: no demo, no new owner key.
	url, owner := startServer(t, data)
	if owner != "" {
		t.Fatal("a second owner key was printed for a store that has sites")
	}
	if s := get(t, url+"/api/v1/sites/demo", nil); s != 404 {
		t.Fatalf("demo seeded into a non-empty store: %d", s)
	}
	if _, err := os.Stat(filepath.Join(data, serverFile)); err != nil {
		t.Fatalf("server file: %v", err)
	}
}

func TestExportImport(t *testing.T) {
	// Export and import work on the store itself: a data directory a
	// running server holds is refused with advice.
	data := t.TempDir()
	url, _ := startServer(t, data)
	out := filepath.Join(t.TempDir(), "export.ndjson")
	if _, _, err := runCLI(t, "export", "--data", data, "--site", "demo", "--out", out); err == nil || !strings.Contains(err.Error(), url) {
		t.Fatalf("export from a held data directory: %v", err)
	}
	other := t.TempDir()
	if _, _, err := runCLI(t, "site", "create", "--data", other, "--slug", "flood-2026", "--title", "Flood",
		"--publisher", "Agency", "--email", "a@example.org"); err != nil {
		t.Fatal(err)
	}
	if _, _, err := runCLI(t, "export", "--data", other, "--site", "flood-2026", "--out", out); err != nil {
		t.Fatal(err)
	}
	stdout, _, err := runCLI(t, "import", "--data", other, "--dry-run", "--as", "flood-copy", out)
	if err != nil || !strings.Contains(stdout, "dry run") {
		t.Fatalf("dry run: %q %v", stdout, err)
	}
	stdout, _, err = runCLI(t, "import", "--data", other, "--as", "flood-copy", out)
	if err != nil || !strings.Contains(stdout, "imported") {
		t.Fatalf("import: %q %v", stdout, err)
	}
	list, _, _ := runCLI(t, "site", "list", "--data", other)
	if !strings.Contains(list, "flood-copy") {
		t.Fatalf("site list after import: %q", list)
	}
	bad := filepath.Join(t.TempDir(), "bad.ndjson")
	os.WriteFile(bad, []byte("{\"format\":\"infocentre-export\",\"version\":1}\n{oops\n"), 0o600)
	if _, _, err := runCLI(t, "import", "--data", other, bad); err == nil || !strings.Contains(err.Error(), "line 2") {
		t.Fatalf("bad file: %v", err)
	}
}

// TestJobsThroughServer: while a server holds the data directory (as
// under make run), export, import and export-static work through its API
// with --url and --key, as the "database is locked" message says, and
// print what they print locally.
func TestJobsThroughServer(t *testing.T) {
	data := t.TempDir()
	url, owner := startServer(t, data)
	dir := t.TempDir()
	out := filepath.Join(dir, "demo.ndjson")
	_, _, err := runCLI(t, "export", "--data", data, "--site", "demo", "--out", out)
	if err == nil || !strings.Contains(err.Error(), "pass --url "+url+" and --key") {
		t.Fatalf("export from a held data directory: %v", err)
	}
	// person works through the API too, and is told so.
	if _, _, err := runCLI(t, "person", "list", "--data", data, "--site", "demo"); err == nil || !strings.Contains(err.Error(), "pass --url "+url+" and --key") {
		t.Errorf("person list on a held data directory: %v", err)
	}
	// Commands that act on the store only are not told to pass --url.
	for _, args := range [][]string{{"publish-due", "--data", data}} {
		if _, _, err := runCLI(t, args...); err == nil || !strings.Contains(err.Error(), "stop the server first") || strings.Contains(err.Error(), "--url") {
			t.Errorf("%v on a held data directory: %v", args, err)
		}
	}
	remote := []string{"--url", url, "--key", owner}
	_, stderr, err := runCLI(t, append([]string{"export", "--site", "demo", "--out", out}, remote...)...)
	m := regexp.MustCompile(`exported site demo: (\d+) entries, (\d+) revisions, (\d+) audit events`).FindStringSubmatch(stderr)
	if err != nil || m == nil || m[1] == "0" {
		t.Fatalf("export --url: %q %v", stderr, err)
	}
	b, _ := os.ReadFile(out)
	if !bytes.HasPrefix(b, []byte(`{"format":"infocentre-export"`)) || !bytes.Contains(b, []byte(`{"type":"end"`)) {
		t.Fatalf("exported file: %.200s", b)
	}
	// With only --key, the CLI finds the server holding --data itself.
	if _, stderr, err := runCLI(t, "export", "--data", data, "--key", owner, "--site", "demo", "--out", filepath.Join(dir, "again.ndjson")); err != nil || !strings.Contains(stderr, m[0]) {
		t.Fatalf("export --key on a held data directory: %q %v", stderr, err)
	}
	// The README's dry run on the site the file came from reports how they
	// compare, the same locally and through the server.
	stdout, _, err := runCLI(t, append(append([]string{"import", "--dry-run"}, remote...), out)...)
	want := "checked (dry run, nothing written): site demo exists already, so importing this file as demo would be refused.\n" +
		"Its " + m[1] + " entries compared with site demo: " + m[1] + " the same, 0 newer in the file, 0 changed in the site since, 0 not in the site; the site has 0 entries that the file has not.\n" +
		"To import a copy: infocentre import --as demo-copy " + out + "\n"
	if err != nil || stdout != want {
		t.Fatalf("import --dry-run on the existing site: %q %v, want %q", stdout, err, want)
	}
	stdout, _, err = runCLI(t, append(append([]string{"import", "--as", "demo-copy"}, remote...), out)...)
	if err != nil || stdout != "imported site demo-copy: "+m[1]+" entries, "+m[2]+" revisions, "+m[3]+" audit events\n" {
		t.Fatalf("import --url: %q %v", stdout, err)
	}
	if s := get(t, url+"/api/v1/sites/demo-copy", nil); s != 200 {
		t.Fatalf("imported site: %d", s)
	}
	if _, _, err := runCLI(t, append(append([]string{"import", "--as", "Bad Slug"}, remote...), out)...); err == nil || !strings.Contains(err.Error(), "as: must be a slug") {
		t.Fatalf("import --url with a bad --as: %v", err)
	}
	www := filepath.Join(dir, "www")
	stdout, _, err = runCLI(t, append([]string{"export-static", "--site", "demo", "--out", www, "--base-url", "https://archive.example.org"}, remote...)...)
	if err != nil || !regexp.MustCompile(`^exported site demo to \S+: \d+ files, \d+ bytes: \d+ HTML pages \(\d+ entries\)`).MatchString(stdout) {
		t.Fatalf("export-static --url: %q %v", stdout, err)
	}
	feed, err := os.ReadFile(filepath.Join(www, "feed.atom"))
	if err != nil || !bytes.Contains(feed, []byte("https://archive.example.org/")) {
		t.Fatalf("static feed: %v %.300s", err, feed)
	}
	if _, _, err := runCLI(t, append([]string{"export-static", "--site", "demo", "--out", www}, remote...)...); err == nil || !strings.Contains(err.Error(), "not empty") {
		t.Fatalf("export-static --url into a full directory: %v", err)
	}
	// The same copy made locally (on the exported file, imported elsewhere) counts the same.
	local := t.TempDir()
	if _, _, err := runCLI(t, "import", "--data", local, out); err != nil {
		t.Fatal(err)
	}
	if stdout, _, err := runCLI(t, "import", "--data", local, "--dry-run", out); err != nil || stdout != want {
		t.Fatalf("local import --dry-run on the existing site: %q %v, want %q", stdout, err, want)
	}
	if _, _, err := runCLI(t, "import", "--data", local, out); err == nil || !strings.Contains(err.Error(), `site "demo" exists already`) {
		t.Fatalf("import onto the existing site: %v", err)
	}
	www2 := filepath.Join(dir, "www2")
	stdout2, _, err := runCLI(t, "export-static", "--data", local, "--site", "demo", "--out", www2, "--base-url", "https://archive.example.org")
	if err != nil || strings.ReplaceAll(stdout2, www2, www) != stdout {
		t.Fatalf("local export-static: %q, through the server: %q (%v)", stdout2, stdout, err)
	}
	// A wrong key is refused by the server, and the CLI says so.
	if _, _, err := runCLI(t, "export", "--url", url, "--key", "icsk_"+strings.Repeat("A", 43), "--site", "demo"); err == nil || !strings.Contains(err.Error(), "HTTP 401") {
		t.Fatalf("export with a wrong key: %v", err)
	}
}

func TestExportStatic(t *testing.T) {
	data := t.TempDir()
	if _, _, err := runCLI(t, "site", "create", "--data", data, "--slug", "flood-2026", "--title", "Flood",
		"--publisher", "Agency", "--email", "a@example.org", "--lang", "en,fr"); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "www")
	stdout, stderr, err := runCLI(t, "export-static", "--data", data, "--site", "flood-2026", "--out", out, "--base-url", "https://flood.example.org")
	if err != nil || !strings.Contains(stdout, "exported site flood-2026") || !strings.Contains(stderr, "paths:") {
		t.Fatalf("export-static: %q %q %v", stdout, stderr, err)
	}
	// The summary agrees with the progress (issue 15, defect 9): the paths
	// fetched are the files written but for redirects and broken links,
	// and the files are those and the API snapshots.
	paths := regexp.MustCompile(`(?m)^paths: (\d+) of (\d+)$`).FindAllStringSubmatch(stderr, -1)
	fetched := regexp.MustCompile(`fetched (\d+) paths: (\d+) written, (\d+) redirects followed, (\d+) broken links`).FindStringSubmatch(stderr)
	sum := regexp.MustCompile(`: (\d+) files, \d+ bytes: (\d+) HTML pages \(\d+ entries\), (\d+) feeds, stylesheets and other files, (\d+) API snapshots;`).FindStringSubmatch(stdout)
	if len(paths) == 0 || fetched == nil || sum == nil {
		t.Fatalf("export-static reported %q %q", stdout, stderr)
	}
	n := func(s string) int { v, _ := strconv.Atoi(s); return v }
	lastPaths := paths[len(paths)-1]
	if lastPaths[1] != lastPaths[2] || lastPaths[1] != fetched[1] || n(fetched[1]) != n(fetched[2])+n(fetched[3])+n(fetched[4]) ||
		n(sum[1]) != n(fetched[2])+n(sum[4]) || n(sum[1]) != n(sum[2])+n(sum[3])+n(sum[4]) {
		t.Errorf("counts disagree:\n%s%s", stderr, stdout)
	}
	for _, f := range []string{"index.html", "fr/index.html", "404.html", "feed.atom", "sitemap.xml", "api/v1/sites/flood-2026/index.json"} {
		if _, err := os.Stat(filepath.Join(out, f)); err != nil {
			t.Errorf("missing %s", f)
		}
	}
	if _, _, err := runCLI(t, "export-static", "--data", data, "--site", "flood-2026", "--out", out); err == nil || !strings.Contains(err.Error(), "not empty") {
		t.Errorf("export into a full directory: %v", err)
	}
	if _, _, err := runCLI(t, "export-static", "--data", data, "--out", out); err == nil {
		t.Error("export-static without --site must fail")
	}
}

// TestSeed: seed prepares an empty store as serve does on its first
// start — an owner key printed once and the demo site — and refuses a
// store that holds sites already.
func TestSeed(t *testing.T) {
	data := t.TempDir()
	out, errOut, err := runCLI(t, "seed", "--data", data)
	if err != nil {
		t.Fatalf("seed: %v\n%s", err, errOut)
	}
	if !strings.Contains(out, "owner key: icsk_") {
		t.Errorf("seed printed no owner key:\n%s", out)
	}
	out, errOut, err = runCLI(t, "site", "list", "--data", data)
	if err != nil || !strings.Contains(out, demo.Slug) {
		t.Errorf("site list after seed: %v %s\n%s", err, errOut, out)
	}
	if _, _, err = runCLI(t, "seed", "--data", data); err == nil || !strings.Contains(err.Error(), "not empty") {
		t.Errorf("seed of a seeded store: %v, want an error: not empty", err)
	}
}

// TestSiteRebuildFront: a data file whose site has no front (as one
// written before fronts were kept) gets it back from site rebuild-front;
// a second run has nothing to do.
func TestSiteRebuildFront(t *testing.T) {
	data := t.TempDir()
	if _, _, err := runCLI(t, "seed", "--data", data); err != nil {
		t.Fatal(err)
	}
	db, err := bolt.Open(filepath.Join(data, "infocentre.db"), 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Update(func(tx *bolt.Tx) error { return tx.Bucket([]byte("fronts")).Delete([]byte("demo")) }); err != nil {
		t.Fatal(err)
	}
	db.Close()
	for _, want := range []string{"rebuilt the front of 1 sites", "rebuilt the front of 0 sites"} {
		stdout, stderr, err := runCLI(t, "site", "rebuild-front", "--data", data)
		if err != nil || !strings.Contains(stdout, want) {
			t.Fatalf("site rebuild-front: %q %q %v; want %q", stdout, stderr, err, want)
		}
	}
}

// TestExplain: a service error reads as its message (with its fields), an
// internal one is passed on as it is, and no error stays none.
func TestExplain(t *testing.T) {
	if err := explain(nil); err != nil {
		t.Errorf("explain(nil) = %v, want nil", err)
	}
	if err := explainWrite(nil); err != nil {
		t.Errorf("explainWrite(nil) = %v, want nil", err)
	}
	bad := &centre.Error{Code: centre.EINVALID, Message: "invalid entry", Fields: []centre.FieldError{{Field: "title", Reason: "is required"}}}
	if err := explain(bad); err == nil || err.Error() != "invalid entry\n  title: is required" {
		t.Errorf("explain(invalid) = %v", err)
	}
	cause := errors.New("disk on fire")
	if err := explain(cause); err != cause {
		t.Errorf("explain(internal) = %v, want the error itself", err)
	}
}
