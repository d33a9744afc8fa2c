//go:build e2e

// Package sam_test drives infocentre's real function binaries in Lambda
// containers under `sam local start-api` and `sam local invoke`, with the
// DynamoDB store on moto_server. .ci/e2e.sh (make e2e) starts everything and
// sets the E2E_* variables; run it rather than this package directly.
package sam_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"infocentre/internal/dynamostore"
	"infocentre/internal/media/mediatest"
)

var (
	apiURL    = os.Getenv("E2E_API")       // sam local start-api, on loopback
	cliPath   = os.Getenv("E2E_CLI")       // the infocentre CLI, for seeding
	samPath   = os.Getenv("E2E_SAM")       // the sam executable
	samArgs   = os.Getenv("E2E_SAM_ARGS")  // shared sam local arguments, one a line
	artifacts = os.Getenv("E2E_ARTIFACTS") // where to keep logs
	s3Addr    = os.Getenv("E2E_S3")        // moto_server's S3 as this process reaches it
	// The edge function: its sam local arguments (the distribution on),
	// and the mirror bucket and distribution of moto_server it writes.
	samEdgeArgs  = os.Getenv("E2E_SAM_EDGE_ARGS")
	mirrorBucket = os.Getenv("E2E_MIRROR_BUCKET")
	distribution = os.Getenv("E2E_DISTRIBUTION")
)

func TestMain(m *testing.M) {
	for name, v := range map[string]string{"E2E_API": apiURL, "E2E_CLI": cliPath, "E2E_SAM": samPath, "E2E_SAM_ARGS": samArgs} {
		if v == "" {
			fmt.Fprintf(os.Stderr, "%s is not set: run these tests through .ci/e2e.sh (make e2e)\n", name)
			os.Exit(1)
		}
	}
	os.Exit(m.Run())
}

var client = &http.Client{Timeout: 90 * time.Second} // a cold container start is slow

// reply is one HTTP response with its body read.
type reply struct {
	status int
	header http.Header
	body   []byte
}

func (r reply) json(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.body, &m); err != nil {
		t.Fatalf("response is not a JSON object: %v: %s", err, r.body)
	}
	return m
}

func call(t *testing.T, method, path, key string, body any, header ...string) reply {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			t.Fatal(err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, apiURL+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%s %s -> %d", method, path, resp.StatusCode)
	return reply{resp.StatusCode, resp.Header, b}
}

func expect(t *testing.T, r reply, status int, what string) {
	t.Helper()
	if r.status != status {
		t.Fatalf("%s: status %d, want %d: %s", what, r.status, status, r.body)
	}
}

// cli runs the infocentre CLI against the DynamoDB table (the environment
// from .ci/e2e.sh) and returns its trimmed standard output.
func cli(t *testing.T, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, cliPath, args...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("infocentre %s: %v\n%s%s", strings.Join(args, " "), err, stdout.String(), stderr.String())
	}
	return strings.TrimSpace(stdout.String())
}

func suffix() string {
	var b [4]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// newSite creates a site and a publisher key for it, returning the key.
func newSite(t *testing.T, slug string) string {
	t.Helper()
	cli(t, "site", "create", "--store", "dynamodb", "--slug", slug, "--title", "Flood response "+slug,
		"--publisher", "Regional Crisis Office", "--email", "press@example.org")
	out := cli(t, "key", "create", "--store", "dynamodb", "--site", slug, "--role", "publisher", "--name", "e2e")
	lines := strings.Split(out, "\n")
	return strings.TrimSpace(lines[len(lines)-1])
}

func TestStaffWritesAndPublicReads(t *testing.T) {
	site, other := "e2e-"+suffix(), "e2e-"+suffix()
	key := newSite(t, site)
	otherKey := newSite(t, other)

	health := call(t, "GET", "/healthz", "", nil)
	expect(t, health, 200, "healthz")

	entry := map[string]any{
		"type":    "statement",
		"slug":    "water-supply-restored",
		"lang":    "en",
		"title":   "Water supply restored in the north district",
		"summary": "Tap water is safe to drink again.",
		"body":    "The **boil-water notice** is lifted as of today.",
	}
	create := "/api/v1/admin/sites/" + site + "/entries"

	// No key: API Gateway (sam local) refuses before any function runs.
	r := call(t, "POST", create, "", entry)
	expect(t, r, http.StatusUnauthorized, "staff POST without a key")

	// A well-formed but unknown key: the authorizer refuses.
	r = call(t, "POST", create, "icsk_"+strings.Repeat("A", 43), entry)
	expect(t, r, http.StatusForbidden, "staff POST with an unknown key")

	// Another site's valid key: the authorizer admits it, the staff
	// handler refuses it for this site (with its own problem document).
	r = call(t, "POST", create, otherKey, entry)
	expect(t, r, http.StatusForbidden, "staff POST with another site's key")
	if ct := r.header.Get("Content-Type"); !strings.HasPrefix(ct, "application/problem+json") {
		t.Errorf("another site's key: Content-Type %q, want the staff handler's problem+json", ct)
	}

	// Nothing was written by the refused requests.
	r = call(t, "GET", "/api/v1/sites/"+site+"/entries/water-supply-restored", "", nil)
	expect(t, r, http.StatusNotFound, "public entry before creation")

	// The site's own key: create a draft, then publish it.
	r = call(t, "POST", create, key, entry)
	expect(t, r, http.StatusCreated, "staff POST with the site's key")
	created := r.json(t)
	id, _ := created["id"].(string)
	if id == "" || created["status"] != "draft" {
		t.Fatalf("created entry: %s", r.body)
	}
	etag := r.header.Get("ETag")
	if etag == "" {
		t.Fatal("created entry has no ETag")
	}

	r = call(t, "GET", "/api/v1/sites/"+site+"/entries/water-supply-restored", "", nil)
	expect(t, r, http.StatusNotFound, "public entry while a draft")

	r = call(t, "POST", create+"/"+id+"/publish", key, nil, "If-Match", etag)
	expect(t, r, http.StatusOK, "publish")
	if got := r.json(t)["status"]; got != "published" {
		t.Fatalf("published entry status %v: %s", got, r.body)
	}

	// Public reads: the entry, the listing, and the HTML page.
	r = call(t, "GET", "/api/v1/sites/"+site+"/entries/water-supply-restored", "", nil)
	expect(t, r, http.StatusOK, "public entry")
	if !bytes.Contains(r.body, []byte("Water supply restored in the north district")) {
		t.Errorf("public entry lacks its title: %s", r.body)
	}
	// A list of entity tags in one If-None-Match header reaches the handler
	// whole, through API Gateway and the adapter.
	publicTag := r.header.Get("ETag")
	if publicTag == "" {
		t.Fatal("public entry has no ETag")
	}
	r = call(t, "GET", "/api/v1/sites/"+site+"/entries/water-supply-restored", "", nil,
		"If-None-Match", `"stale-1", `+publicTag)
	expect(t, r, http.StatusNotModified, "public entry with a matching tag in an If-None-Match list")

	r = call(t, "GET", "/api/v1/sites/"+site+"/entries?type=statement", "", nil)
	expect(t, r, http.StatusOK, "public list")
	if !bytes.Contains(r.body, []byte(`"water-supply-restored"`)) {
		t.Errorf("public list lacks the entry: %s", r.body)
	}
	// The public function sees another function's write within its
	// freshness window (a second, see internal/rendercache): the home page
	// shows the entry by then, not necessarily on the first look.
	deadline := time.Now().Add(5 * time.Second)
	for {
		r = call(t, "GET", "/sites/"+site+"/", "", nil)
		expect(t, r, http.StatusOK, "site home page")
		if bytes.Contains(r.body, []byte("Water supply restored in the north district")) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("home page (%s) lacks the entry 5 s after it was published", r.header.Get("Content-Type"))
		}
		time.Sleep(250 * time.Millisecond)
	}
	if !strings.HasPrefix(r.header.Get("Content-Type"), "text/html") {
		t.Errorf("home page: %s", r.header.Get("Content-Type"))
	}

	// Search finds it, through the public function, in the API and on the site.
	r = call(t, "GET", "/api/v1/sites/"+site+"/search?q=water+suppl", "", nil)
	expect(t, r, http.StatusOK, "search API")
	if !bytes.Contains(r.body, []byte(`"water-supply-restored"`)) {
		t.Errorf("search lacks the entry: %s", r.body)
	}
	r = call(t, "GET", "/sites/"+site+"/search?q=%22water+supply%22", "", nil)
	expect(t, r, http.StatusOK, "search page")
	if !bytes.Contains(r.body, []byte("<mark>")) {
		t.Errorf("search page shows no highlighted match")
	}

	// The other site does not show it.
	r = call(t, "GET", "/api/v1/sites/"+other+"/entries/water-supply-restored", "", nil)
	expect(t, r, http.StatusNotFound, "entry on another site")
}

func TestPublisherReleasesScheduledEntry(t *testing.T) {
	site := "e2e-" + suffix()
	key := newSite(t, site)
	publishAt := time.Now().Add(4 * time.Second).UTC().Truncate(time.Millisecond)
	r := call(t, "POST", "/api/v1/admin/sites/"+site+"/entries", key, map[string]any{
		"type":       "news",
		"slug":       "curfew-lifted",
		"lang":       "en",
		"title":      "Curfew lifted from midnight",
		"summary":    "Movement restrictions end tonight.",
		"body":       "The curfew ends at midnight.",
		"status":     "scheduled",
		"publish_at": publishAt.Format(time.RFC3339Nano),
	})
	expect(t, r, http.StatusCreated, "create scheduled entry")
	if got := r.json(t)["status"]; got != "scheduled" {
		t.Fatalf("status %v: %s", got, r.body)
	}
	r = call(t, "GET", "/api/v1/sites/"+site+"/entries/curfew-lifted", "", nil)
	expect(t, r, http.StatusNotFound, "scheduled entry before its time")
	r = call(t, "GET", "/api/v1/sites/"+site+"/search?q=curfew", "", nil)
	expect(t, r, http.StatusOK, "search before the release")
	if bytes.Contains(r.body, []byte("curfew-lifted")) {
		t.Errorf("search shows the scheduled entry before its time: %s", r.body)
	}

	time.Sleep(time.Until(publishAt) + time.Second)

	out := invoke(t, "PublisherFunction", "testdata/eventbridge-scheduled.json")
	var res struct {
		Done int `json:"done"`
	}
	if err := json.Unmarshal(out, &res); err != nil || res.Done < 1 {
		t.Fatalf("publisher result %q (%v), want done >= 1", out, err)
	}

	r = call(t, "GET", "/api/v1/sites/"+site+"/entries/curfew-lifted", "", nil)
	expect(t, r, http.StatusOK, "scheduled entry after the publisher ran")
	if got := r.json(t)["status"]; got != "published" {
		t.Errorf("status %v after the publisher ran", got)
	}
	r = call(t, "GET", "/api/v1/sites/"+site+"/search?q=curfew", "", nil)
	expect(t, r, http.StatusOK, "search after the release")
	if !bytes.Contains(r.body, []byte("curfew-lifted")) {
		t.Errorf("search lacks the released entry: %s", r.body)
	}
}

// invoke runs one function once with `sam local invoke` and returns what it
// returned (the last line sam prints on standard output). event is relative
// to the repository root.
func invoke(t *testing.T, function, event string) []byte {
	t.Helper()
	return invokeWith(t, samArgs, function, event)
}

// invokeWith is invoke with the sam local arguments args (one a line).
func invokeWith(t *testing.T, args0, function, event string) []byte {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	args := append([]string{"local", "invoke", function, "--event", event}, strings.Split(strings.TrimSpace(args0), "\n")...)
	cmd := exec.CommandContext(ctx, samPath, args...)
	cmd.Dir = filepath.Join("..", "..") // paths in samArgs and event are relative to the repository
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	if artifacts != "" {
		_ = os.WriteFile(filepath.Join(artifacts, "sam-invoke-"+function+".log"), append(stdout.Bytes(), stderr.Bytes()...), 0o644)
	}
	if err != nil {
		t.Fatalf("sam local invoke %s: %v\n%s", function, err, stderr.String())
	}
	lines := strings.Split(strings.TrimSpace(stdout.String()), "\n")
	return []byte(lines[len(lines)-1])
}

// consoleCSP is the console's Content-Security-Policy (internal/console).
const consoleCSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"

// TestConsoleThroughAPIGateway: /admin/… reaches the admin function
// without the key authorizer (a browser has no key), which serves the
// console's sign-in page under its CSP, uncached, and refuses a
// cross-origin POST with 403 while the same POST from the console's own
// origin gets its passkey options.
func TestConsoleThroughAPIGateway(t *testing.T) {
	r := call(t, "GET", "/admin/login", "", nil)
	expect(t, r, http.StatusOK, "console sign-in page")
	if ct := r.header.Get("Content-Type"); !strings.HasPrefix(ct, "text/html") {
		t.Errorf("sign-in page Content-Type %q", ct)
	}
	if got := r.header.Get("Content-Security-Policy"); got != consoleCSP {
		t.Errorf("sign-in page CSP %q, want %q", got, consoleCSP)
	}
	if got := r.header.Get("Cache-Control"); got != "no-store" {
		t.Errorf("sign-in page Cache-Control %q, want no-store", got)
	}
	for _, want := range []string{"<h1>Sign in</h1>", `data-begin="/admin/login/begin"`, `src="/admin/assets/console.js"`} {
		if !bytes.Contains(r.body, []byte(want)) {
			t.Errorf("sign-in page lacks %s", want)
		}
	}
	if artifacts != "" {
		_ = os.WriteFile(filepath.Join(artifacts, "console-login.html"), r.body, 0o644)
	}

	// The ceremony script, same-origin, from the same function.
	r = call(t, "GET", "/admin/assets/console.js", "", nil)
	expect(t, r, http.StatusOK, "console script")
	if !bytes.Contains(r.body, []byte("navigator.credentials")) {
		t.Errorf("console script: %.200s", r.body)
	}

	// Signed out, the console's landing page sends the browser to sign in
	// (callNoRedirect does not follow it).
	r = callNoRedirect(t, "GET", "/admin/")
	if r.status != http.StatusSeeOther || r.header.Get("Location") != "/admin/login" {
		t.Errorf("GET /admin/ signed out: %d Location %q, want 303 to /admin/login", r.status, r.header.Get("Location"))
	}

	// A cross-origin POST (a page on another site posting to the console)
	// is refused by the console itself, with its problem document.
	begin := "/admin/login/begin"
	r = call(t, "POST", begin, "", map[string]any{}, "Origin", "https://attacker.example", "Sec-Fetch-Site", "cross-site")
	expect(t, r, http.StatusForbidden, "cross-origin POST to the console")
	if ct := r.header.Get("Content-Type"); !strings.HasPrefix(ct, "application/problem+json") ||
		!bytes.Contains(r.body, []byte("cross-origin")) {
		t.Errorf("cross-origin POST: %s %s, want the console's problem+json", ct, r.body)
	}
	if len(r.header.Values("Set-Cookie")) != 0 {
		t.Errorf("cross-origin POST set cookies %v", r.header.Values("Set-Cookie"))
	}
	// An Origin alone (an older browser without Fetch metadata) is refused too.
	r = call(t, "POST", begin, "", map[string]any{}, "Origin", "https://attacker.example")
	expect(t, r, http.StatusForbidden, "POST with a foreign Origin")

	// The control: the same POST from the console's own origin begins a
	// passkey sign-in (the 403 above is the origin check, not the route).
	r = call(t, "POST", begin, "", map[string]any{}, "Origin", "http://localhost"+apiURL[strings.LastIndex(apiURL, ":"):],
		"Sec-Fetch-Site", "same-origin")
	expect(t, r, http.StatusOK, "same-origin POST to the console")
	var opts struct {
		PublicKey struct {
			Challenge string `json:"challenge"`
			RPID      string `json:"rpId"`
		} `json:"publicKey"`
	}
	if err := json.Unmarshal(r.body, &opts); err != nil || opts.PublicKey.Challenge == "" || opts.PublicKey.RPID != "localhost" {
		t.Errorf("passkey options %s (%v), want a challenge for relying party localhost", r.body, err)
	}
	if !strings.Contains(strings.Join(r.header.Values("Set-Cookie"), "\n"), "infocentre_ceremony=") {
		t.Errorf("same-origin begin set no ceremony cookie: %v", r.header.Values("Set-Cookie"))
	}
}

// callNoRedirect is call for a GET whose redirect is the answer.
func callNoRedirect(t *testing.T, method, path string) reply {
	t.Helper()
	c := *client
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	req, err := http.NewRequest(method, apiURL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	t.Logf("%s %s -> %d", method, path, resp.StatusCode)
	return reply{resp.StatusCode, resp.Header, b}
}

// directUpload sends body the way large files go on AWS: a presigned S3
// POST (the admin function signs it; the bytes go straight to
// moto_server's bucket), then the "complete" call, which checks size,
// SHA-256 and type. It returns the file.
func directUpload(t *testing.T, site, key, name string, body []byte) map[string]any {
	t.Helper()
	files := "/api/v1/admin/sites/" + site + "/files"
	r := call(t, "POST", files+"/uploads", key, nil)
	expect(t, r, http.StatusCreated, "start a direct upload of "+name)
	up := r.json(t)
	target, _ := up["url"].(string)
	// The functions reach moto_server as host.docker.internal; this test
	// reaches it on the docker bridge. A POST policy does not sign the host.
	if u, err := url.Parse(target); err == nil && s3Addr != "" {
		target = strings.Replace(target, u.Scheme+"://"+u.Host, s3Addr, 1)
	}
	var form bytes.Buffer
	mw := multipart.NewWriter(&form)
	fields, _ := up["fields"].(map[string]any)
	for k, v := range fields {
		mw.WriteField(k, v.(string))
	}
	fw, _ := mw.CreateFormFile("file", name)
	fw.Write(body)
	mw.Close()
	resp, err := client.Post(target, mw.FormDataContentType(), &form)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		t.Fatalf("POST to the bucket: %d %s", resp.StatusCode, b)
	}
	sum := sha256.Sum256(body)
	r = call(t, "POST", files+"/uploads/"+up["id"].(string)+"/complete", key,
		map[string]any{"name": name, "size": len(body), "sha256": hex.EncodeToString(sum[:])})
	expect(t, r, http.StatusCreated, "complete the upload of "+name)
	return r.json(t)
}

// TestFileUploadAndPublicServe: files go up through the admin function — a
// CSV in the request body (sam local passes only UTF-8 bodies: API
// Gateway's own base64 of binary bodies is not emulated), a PDF and a PNG
// by presigned POST straight to the S3 bucket (moto_server) — and their
// public URLs answer 404 through the public function until a published
// entry uses them, then the exact bytes (a Range too) and the image's
// resized copy; a published file cannot be deleted.
func TestFileUploadAndPublicServe(t *testing.T) {
	site := "e2e-" + suffix()
	key := newSite(t, site)
	files := "/api/v1/admin/sites/" + site + "/files"
	csv := []byte("district,shelters\nnorth,4\nsouth,2\n")
	req, err := http.NewRequest("POST", apiURL+files+"?name=shelters.csv", bytes.NewReader(csv))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+key)
	req.Header.Set("Content-Type", "text/csv")
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	r := reply{resp.StatusCode, resp.Header, b}
	expect(t, r, http.StatusCreated, "upload a CSV in the request body")
	table := r.json(t)

	pdf := mediatest.PDF(3, "Evacuation plan")
	doc := directUpload(t, site, key, "plan.pdf", pdf)
	img := directUpload(t, site, key, "map.png", mediatest.PNG(1000, 500))
	if doc["media_type"] != "application/pdf" || doc["pages"] != float64(3) || img["media_type"] != "image/png" {
		t.Fatalf("uploaded: %v %v", doc, img)
	}
	docURL, imgURL, tableURL := doc["url"].(string), img["url"].(string), table["url"].(string)
	vars, _ := img["variants"].([]any)
	if len(vars) != 2 {
		t.Fatalf("image variants: %v", img["variants"])
	}
	variantURL := vars[0].(map[string]any)["url"].(string)

	for _, u := range []string{docURL, imgURL, variantURL, tableURL} {
		expect(t, call(t, "GET", u, "", nil), http.StatusNotFound, "file before an entry uses it")
	}
	r = call(t, "POST", "/api/v1/admin/sites/"+site+"/entries", key, map[string]any{
		"type": "publication", "slug": "evacuation-plan", "lang": "en", "title": "Evacuation plan", "status": "published",
		"attachments": []any{map[string]any{"title": "Plan", "file_id": doc["id"]}, map[string]any{"title": "Shelters", "file_id": table["id"]}},
		"image":       map[string]any{"file_id": img["id"], "alt": "Evacuation routes"},
	})
	expect(t, r, http.StatusCreated, "publish an entry with the files")

	r = call(t, "GET", docURL, "", nil)
	expect(t, r, http.StatusOK, "published file")
	if !bytes.Equal(r.body, pdf) || r.header.Get("Content-Type") != "application/pdf" || r.header.Get("X-Content-Type-Options") != "nosniff" {
		t.Errorf("the public function served %d bytes (%s), not the %d uploaded", len(r.body), r.header.Get("Content-Type"), len(pdf))
	}
	r = call(t, "GET", docURL, "", nil, "Range", "bytes=0-7")
	expect(t, r, http.StatusPartialContent, "range of the file")
	if string(r.body) != string(pdf[:8]) {
		t.Errorf("range: %q", r.body)
	}
	r = call(t, "GET", tableURL, "", nil)
	expect(t, r, http.StatusOK, "published CSV")
	if !bytes.Equal(r.body, csv) {
		t.Errorf("CSV: %q", r.body)
	}
	r = call(t, "GET", variantURL, "", nil)
	expect(t, r, http.StatusOK, "image copy")
	// An opaque image's copies are JPEG (README "Files").
	vtype := vars[0].(map[string]any)["media_type"]
	magic := map[any]string{"image/jpeg": "\xff\xd8\xff", "image/png": "\x89PNG"}[vtype]
	if magic == "" || r.header.Get("Content-Type") != vtype || !bytes.HasPrefix(r.body, []byte(magic)) {
		t.Errorf("image copy: %s, %.8q; want %v", r.header.Get("Content-Type"), r.body, vtype)
	}
	r = call(t, "GET", "/sites/"+site+"/en/evacuation-plan", "", nil)
	expect(t, r, http.StatusOK, "entry page")
	if !bytes.Contains(r.body, []byte(`srcset="`)) || !bytes.Contains(r.body, []byte("(PDF, 3 pages")) {
		t.Errorf("entry page lacks the lead image or the attachment's details")
	}
	r = call(t, "DELETE", files+"/"+doc["id"].(string), key, nil)
	expect(t, r, http.StatusConflict, "delete a published file")
}

// TestEdgeFunctionWithRecordedStreamEvent: the edge function, run by `sam
// local invoke` with the stream records recorded while the CLI created
// the site "edge" and published testdata/stream/boil-water.md
// (.ci/record-stream-event.sh), on a table in that state: the mirror
// bucket holds the site's pages with the entry's, and the distribution
// (moto_server's CloudFront) has an invalidation of the site's wildcard
// of its read API (the site itself is new: every page changed).
func TestEdgeFunctionWithRecordedStreamEvent(t *testing.T) {
	if samEdgeArgs == "" || mirrorBucket == "" || distribution == "" || s3Addr == "" {
		t.Fatal("E2E_SAM_EDGE_ARGS, E2E_MIRROR_BUCKET, E2E_DISTRIBUTION and E2E_S3 must be set (.ci/e2e.sh)")
	}
	cli(t, "site", "create", "--store", "dynamodb", "--slug", "edge", "--title", "Edge test centre",
		"--publisher", "Valley Water Board", "--email", "press@example.org")
	entry := filepath.Join(t.TempDir(), "entry.md")
	src, err := os.ReadFile(filepath.Join("..", "..", "testdata", "stream", "boil-water.md"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(entry, src, 0o644); err != nil {
		t.Fatal(err)
	}
	cli(t, "entry", "push", "--store", "dynamodb", "--site", "edge", entry)
	cli(t, "entry", "publish", "--store", "dynamodb", "--site", "edge", "boil-water-notice")

	invokeWith(t, samEdgeArgs, "EdgeFunction", "testdata/stream/dynamodb-stream.json")

	ctx := context.Background()
	creds := credentials.NewStaticCredentialsProvider("e2e", "e2e", "")
	s3c := s3.New(s3.Options{Region: "eu-west-1", BaseEndpoint: aws.String(s3Addr), UsePathStyle: true, Credentials: creds})
	obj, err := s3c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(mirrorBucket), Key: aws.String("sites/edge/en/boil-water-notice/")})
	if err != nil {
		t.Fatalf("the mirror lacks the entry's page: %v", err)
	}
	page, _ := io.ReadAll(obj.Body)
	obj.Body.Close()
	if !bytes.Contains(page, []byte("Boil water before drinking")) || !strings.HasPrefix(aws.ToString(obj.ContentType), "text/html") {
		t.Errorf("mirror page (%s): %.300s", aws.ToString(obj.ContentType), page)
	}
	if _, err := s3c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(mirrorBucket), Key: aws.String("sites/edge/")}); err != nil {
		t.Errorf("the mirror lacks the site's home page: %v", err)
	}
	cf := cloudfront.New(cloudfront.Options{Region: "us-east-1", BaseEndpoint: aws.String(s3Addr), Credentials: creds})
	list, err := cf.ListInvalidations(ctx, &cloudfront.ListInvalidationsInput{DistributionId: aws.String(distribution)})
	if err != nil {
		t.Fatal(err)
	}
	var paths []string
	for _, it := range list.InvalidationList.Items {
		inv, err := cf.GetInvalidation(ctx, &cloudfront.GetInvalidationInput{DistributionId: aws.String(distribution), Id: it.Id})
		if err != nil {
			t.Fatal(err)
		}
		paths = append(paths, inv.Invalidation.InvalidationBatch.Paths.Items...)
	}
	for _, want := range []string{"/sites/edge/*", "/api/v1/sites/edge/*"} {
		if !slices.Contains(paths, want) {
			t.Errorf("no invalidation of %s: %v", want, paths)
		}
	}
}

// TestBouncesFunctionWithRecordedSNSEvent: the bounces function, invoked
// under sam local with an SNS event carrying an SES permanent bounce (the
// shape SES publishes for the configuration set), puts the bounced
// address on the suppression list in the table; a transient bounce in the
// same way changes nothing.
func TestBouncesFunctionWithRecordedSNSEvent(t *testing.T) {
	ctx := context.Background()
	store, err := dynamostore.NewFromEnv(ctx) // DYNAMODB_TABLE and DYNAMODB_ENDPOINT from .ci/e2e.sh
	if err != nil {
		t.Fatal(err)
	}
	bounced, transient := "bounced-"+suffix()+"@example.org", "full-"+suffix()+"@example.org"
	event := func(address, bounceType string) string {
		ses, err := json.Marshal(map[string]any{
			"eventType": "Bounce",
			"bounce": map[string]any{"bounceType": bounceType, "bounceSubType": "General",
				"bouncedRecipients": []any{map[string]any{"emailAddress": address}}, "timestamp": "2026-11-30T10:00:00.000Z"},
			"mail": map[string]any{"timestamp": "2026-11-30T09:59:58.000Z", "source": "alerts@example.org", "destination": []string{address}},
		})
		if err != nil {
			t.Fatal(err)
		}
		ev, err := json.Marshal(map[string]any{"Records": []any{map[string]any{
			"EventSource": "aws:sns", "EventVersion": "1.0",
			"EventSubscriptionArn": "arn:aws:sns:eu-west-1:123456789012:alerts-ses-events:2bcfbf39-05c3-41de-beaa-fcfcc21c8f55",
			"Sns": map[string]any{"Type": "Notification", "MessageId": "95df01b4-ee98-5cb9-9903-4c221d41eb5e",
				"TopicArn": "arn:aws:sns:eu-west-1:123456789012:alerts-ses-events", "Subject": nil,
				"Message": string(ses), "Timestamp": "2026-11-30T10:00:01.000Z"},
		}}})
		if err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(t.TempDir(), "sns-"+bounceType+".json")
		if err := os.WriteFile(path, ev, 0o644); err != nil {
			t.Fatal(err)
		}
		return path
	}
	invokeWith(t, samArgs, "BouncesFunction", event(bounced, "Permanent"))
	invokeWith(t, samArgs, "BouncesFunction", event(transient, "Transient"))
	got, err := store.Suppressed(ctx, []string{bounced, transient})
	if err != nil {
		t.Fatal(err)
	}
	if !got[bounced] || got[transient] {
		t.Fatalf("suppressed after the bounces: %v; want only %s", got, bounced)
	}
}
