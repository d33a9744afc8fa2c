package httpapi_test

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"infocentre/internal/boltstore"
	"infocentre/internal/centre"
	"infocentre/internal/dynamostore/dynamotest"
	"infocentre/internal/httpapi"
	"infocentre/internal/s3transfer"
	"infocentre/internal/static"
)

// manyEntries publishes n entries on the demo site straight into the
// store (the API would be slow for hundreds).
func manyEntries(t *testing.T, e *env, n int) {
	t.Helper()
	ctx := context.Background()
	base := time.Now().Add(-time.Hour).UTC().Truncate(time.Millisecond)
	for i := range n {
		at := base.Add(time.Duration(i) * time.Second)
		body := strings.Repeat(fmt.Sprintf("Paragraph %d of a long update. ", i), 40)
		en := &centre.Entry{ID: centre.NewID(at), Site: "demo", Slug: fmt.Sprintf("update-%03d", i), Lang: "en",
			BodyHTML: "<p>" + body + "</p>", Status: centre.StatusPublished, PublishedAt: at, UpdatedAt: at, CreatedAt: at,
			Content: centre.Content{Type: centre.TypeNews, Title: fmt.Sprintf("Update %d", i), Body: body}}
		if err := e.store.CreateEntry(ctx, en); err != nil {
			t.Fatal(err)
		}
	}
}

// slotFree reports whether the demo site's export slot can be taken (and
// gives it back at once).
func slotFree(t *testing.T, store centre.Store) bool {
	t.Helper()
	now := time.Now()
	got, err := store.ClaimIdempotency(context.Background(), &centre.IdempotencyRecord{Scope: "export-lock", Key: "demo",
		RequestHash: "probe", CreatedAt: now, ExpiresAt: now.Add(time.Minute)})
	if err != nil {
		t.Fatal(err)
	}
	if got != nil {
		return false
	}
	if err := store.ReleaseIdempotency(context.Background(), "export-lock", "demo"); err != nil {
		t.Fatal(err)
	}
	return true
}

// TestExportOneAtATime: while an export of a site runs, a second one gets
// 409 with a problem; once it ends, the slot is free again.
func TestExportOneAtATime(t *testing.T) {
	e := newEnv(t)
	now := time.Now()
	if got, err := e.store.ClaimIdempotency(context.Background(), &centre.IdempotencyRecord{Scope: "export-lock", Key: "demo",
		RequestHash: "running", CreatedAt: now, ExpiresAt: now.Add(time.Minute)}); err != nil || got != nil {
		t.Fatalf("hold the slot: %v %v", got, err)
	}
	for _, path := range []string{"/api/v1/admin/sites/demo/export", "/api/v1/admin/sites/demo/export-static"} {
		r := e.must(req{method: "GET", path: path, role: centre.RoleAdmin}, 409)
		if p := r.problem(t); !strings.Contains(p.Detail, "already running") || r.Header.Get("Retry-After") == "" {
			t.Fatalf("%s: %+v, Retry-After %q", path, p, r.Header.Get("Retry-After"))
		}
	}
	// Another site is not blocked.
	e.must(req{method: "GET", path: "/api/v1/admin/sites/other/export", role: centre.RoleOwner}, 200)
	if err := e.store.ReleaseIdempotency(context.Background(), "export-lock", "demo"); err != nil {
		t.Fatal(err)
	}
	e.must(req{method: "GET", path: "/api/v1/admin/sites/demo/export-static", role: centre.RoleAdmin}, 200)
	if !slotFree(t, e.store) {
		t.Fatal("a finished export kept the slot")
	}
}

// TestExportStaticBaseURL: ?base_url= makes the feeds of the archive
// point at the copy's host; a URL that is not a host root is a 400.
func TestExportStaticBaseURL(t *testing.T) {
	e := newEnv(t)
	e.published("first", nil)
	r := e.must(req{method: "GET", path: "/api/v1/admin/sites/demo/export-static?base_url=https%3A%2F%2Farchive.example.org", role: centre.RoleAdmin}, 200)
	files := untar(t, r.Body)
	if feed := string(files["feed.atom"]); !strings.Contains(feed, "https://archive.example.org/en/first/") {
		t.Fatalf("feed without the base URL:\n%s", feed)
	}
	p := e.must(req{method: "GET", path: "/api/v1/admin/sites/demo/export-static?base_url=ftp%3A%2F%2Fx%2Fy", role: centre.RoleAdmin}, 400).problem(t)
	if !strings.Contains(p.Detail, "base URL") {
		t.Fatalf("bad base URL: %+v", p)
	}
}

// TestExportStaticManyEntries: a site of 250+ public entries exports
// through the API completely.
func TestExportStaticManyEntries(t *testing.T) {
	e := newEnv(t)
	manyEntries(t, e, 260)
	r := e.must(req{method: "GET", path: "/api/v1/admin/sites/demo/export-static", role: centre.RoleAdmin}, 200)
	files := untar(t, r.Body)
	for i := range 260 {
		if _, ok := files[fmt.Sprintf("en/update-%03d/index.html", i)]; !ok {
			t.Fatalf("archive lacks update %d (%d files)", i, len(files))
		}
	}
	for _, name := range []string{"index.json", "page-2.json", "page-3.json"} {
		if _, ok := files["api/v1/sites/demo/entries/"+name]; !ok {
			t.Errorf("archive lacks list page %s", name)
		}
	}
	if _, ok := files["api/v1/sites/demo/entries/page-4.json"]; ok {
		t.Error("a fourth list page for 260 entries")
	}
}

func untar(t *testing.T, b []byte) map[string][]byte {
	t.Helper()
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	tr := tar.NewReader(zr)
	files := map[string][]byte{}
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return files
		}
		if err != nil {
			t.Fatal(err)
		}
		files[h.Name], _ = io.ReadAll(tr)
	}
}

// TestExportClientGone: a client that disconnects, while the archive is
// built or half-way through the download, leaves no temporary file or
// directory and frees the site's export slot.
func TestExportClientGone(t *testing.T) {
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	e := newEnv(t)
	manyEntries(t, e, 260)
	srv := httptest.NewServer(e.h)
	defer srv.Close()
	get := func(ctx context.Context, path string) (*http.Response, error) {
		r, _ := http.NewRequestWithContext(ctx, "GET", srv.URL+path, nil)
		r.Header.Set("Authorization", "Bearer "+e.keys[centre.RoleAdmin])
		return http.DefaultClient.Do(r)
	}
	settled := func(what string) {
		t.Helper()
		deadline := time.Now().Add(30 * time.Second)
		for {
			left, _ := os.ReadDir(tmp)
			free := slotFree(t, e.store)
			if len(left) == 0 && free {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s: left in TMPDIR %v, slot free %v", what, left, free)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	for _, path := range []string{"/api/v1/admin/sites/demo/export-static", "/api/v1/admin/sites/demo/export"} {
		// Gone while the export is being built.
		ctx, cancel := context.WithCancel(context.Background())
		go func() {
			deadline := time.Now().Add(10 * time.Second)
			for time.Now().Before(deadline) {
				if left, _ := os.ReadDir(tmp); len(left) > 0 {
					break
				}
				time.Sleep(time.Millisecond)
			}
			cancel()
		}()
		if res, err := get(ctx, path); err == nil {
			res.Body.Close()
		}
		cancel()
		settled(path + ", gone while building")

		// Gone after the first bytes of the download.
		res, err := get(context.Background(), path)
		if err != nil {
			t.Fatal(err)
		}
		if res.StatusCode != 200 {
			t.Fatalf("%s: %s", path, res.Status)
		}
		if _, err := io.ReadFull(res.Body, make([]byte, 1024)); err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		settled(path + ", gone while downloading")
	}
}

// TestExportLimitsAPI: past a limit, before anything is streamed, the
// client gets 413 with the limit in the detail, and nothing is left.
func TestExportLimitsAPI(t *testing.T) {
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	store, err := boltstore.Open(filepath.Join(t.TempDir(), "test.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	e := newEnvWith(t, store, func(c *httpapi.Config) {
		c.MaxResponse = 2000
		svc := c.Service
		c.StaticArchive = func(ctx context.Context, slug, baseURL string, w io.Writer) error {
			return static.Options{MaxBytes: 100_000, BaseURL: baseURL}.Archive(ctx, svc, slug, w)
		}
	})
	manyEntries(t, e, 30)
	for path, want := range map[string]string{
		"/api/v1/admin/sites/demo/export":        "limit of 2000 bytes",
		"/api/v1/admin/sites/demo/export-static": "limit of 100000 bytes",
	} {
		p := e.must(req{method: "GET", path: path, role: centre.RoleAdmin}, 413).problem(t)
		if !strings.Contains(p.Detail, want) {
			t.Errorf("%s: detail %q, want %q", path, p.Detail, want)
		}
	}
	// Under the limits, the file is the body, with its length.
	r := e.must(req{method: "GET", path: "/api/v1/admin/sites/other/export", role: centre.RoleOwner}, 200)
	if r.Header.Get("Content-Length") != fmt.Sprint(len(r.Body)) {
		t.Errorf("Content-Length %q for %d bytes", r.Header.Get("Content-Length"), len(r.Body))
	}
	// A deadline too short for the export.
	store2, err := boltstore.Open(filepath.Join(t.TempDir(), "test2.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store2.Close() })
	e2 := newEnvWith(t, store2, func(c *httpapi.Config) { c.ExportTimeout = time.Nanosecond })
	p := e2.must(req{method: "GET", path: "/api/v1/admin/sites/demo/export-static", role: centre.RoleAdmin}, 413).problem(t)
	if !strings.Contains(p.Detail, "limit of 1ns") {
		t.Errorf("deadline: %q", p.Detail)
	}
	if left, _ := os.ReadDir(tmp); len(left) != 0 {
		t.Errorf("left in TMPDIR: %v", left)
	}
	if !slotFree(t, store) || !slotFree(t, store2) {
		t.Error("the slot is held")
	}
}

// newTransfers returns an S3 transfer store on moto_server with a fresh
// bucket.
func newTransfers(t *testing.T) *s3transfer.Store {
	t.Helper()
	ep := dynamotest.Endpoint(t)
	client := s3.New(s3.Options{Region: "us-east-1", BaseEndpoint: aws.String(ep), UsePathStyle: true,
		Credentials: credentials.NewStaticCredentialsProvider("testing", "testing", "")})
	bucket := strings.ToLower(fmt.Sprintf("transfers-%d", time.Now().UnixNano()))
	if _, err := client.CreateBucket(context.Background(), &s3.CreateBucketInput{Bucket: aws.String(bucket)}); err != nil {
		t.Fatal(err)
	}
	return &s3transfer.Store{Client: client, Bucket: bucket}
}

// fetch GETs or PUTs a presigned URL without any other credential.
func fetch(t *testing.T, method, url string, body []byte, ctype string) []byte {
	t.Helper()
	r, err := http.NewRequest(method, url, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if ctype != "" {
		r.Header.Set("Content-Type", ctype)
	}
	res, err := http.DefaultClient.Do(r)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if res.StatusCode != 200 {
		t.Fatalf("%s %s: %s %s", method, url, res.Status, b)
	}
	return b
}

// TestTransfersThroughS3: with a transfer bucket, exports answer 303 with
// a presigned URL to the file in S3, and an import can be uploaded there
// first — so no payload passes the size limit of a Lambda response or
// request. Against moto_server's S3.
func TestTransfersThroughS3(t *testing.T) {
	tr := newTransfers(t)
	store, err := boltstore.Open(filepath.Join(t.TempDir(), "test.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	e := newEnvWith(t, store, func(c *httpapi.Config) {
		c.Transfers = tr
		c.MaxResponse = 1000 // what passes through S3 has no response limit
		c.MaxImport = 1 << 20
	})
	manyEntries(t, e, 20)

	var link httpapi.TransferLink
	r := e.must(req{method: "GET", path: "/api/v1/admin/sites/demo/export", role: centre.RoleAdmin}, 303)
	r.json(t, &link)
	if r.Header.Get("Location") != link.URL || link.ContentType != httpapi.NDJSON || link.Size < 1000 || time.Until(link.ExpiresAt) < time.Minute {
		t.Fatalf("link %+v, Location %q", link, r.Header.Get("Location"))
	}
	file := fetch(t, "GET", link.URL, nil, "")
	if int64(len(file)) != link.Size || !bytes.HasPrefix(file, []byte(`{"format":"infocentre-export"`)) {
		t.Fatalf("downloaded %d bytes (link says %d): %.80s", len(file), link.Size, file)
	}

	e.must(req{method: "GET", path: "/api/v1/admin/sites/demo/export-static", role: centre.RoleAdmin}, 303).json(t, &link)
	if files := untar(t, fetch(t, "GET", link.URL, nil, "")); len(files) < 20 {
		t.Fatalf("static archive from S3: %d files", len(files))
	}

	// Import: ask for an upload URL, PUT the file, import it by reference.
	e.must(req{method: "POST", path: "/api/v1/admin/import/uploads", role: centre.RoleAdmin}, 403)
	var up httpapi.ImportUpload
	e.must(req{method: "POST", path: "/api/v1/admin/import/uploads", role: centre.RoleOwner}, 201).json(t, &up)
	if up.Method != "PUT" || up.ContentType != httpapi.NDJSON || up.MaxBytes != 1<<20 || up.Upload == "" {
		t.Fatalf("upload %+v", up)
	}
	fetch(t, "PUT", up.URL, file, up.ContentType)
	var res httpapi.ImportResult
	e.must(req{method: "POST", path: "/api/v1/admin/import?as=copy&dry_run=true&upload=" + up.Upload, role: centre.RoleOwner}, 200).json(t, &res)
	if !res.DryRun || res.Counts.Entries != 20 {
		t.Fatalf("dry run %+v", res)
	}
	e.must(req{method: "POST", path: "/api/v1/admin/import?as=copy&upload=" + up.Upload, role: centre.RoleOwner}, 201).json(t, &res)
	if res.Site != "copy" || res.Counts.Entries != 20 {
		t.Fatalf("import %+v", res)
	}
	e.must(req{method: "GET", path: "/api/v1/sites/copy/entries/update-007"}, 200)
	// The upload is gone after the import; unknown and malformed ids are refused.
	e.must(req{method: "POST", path: "/api/v1/admin/import?as=copy2&upload=" + up.Upload, role: centre.RoleOwner}, 404).problem(t)
	e.must(req{method: "POST", path: "/api/v1/admin/import?upload=../../x", role: centre.RoleOwner}, 400).problem(t)

	// An upload larger than the import limit: 413 naming the limit.
	e.must(req{method: "POST", path: "/api/v1/admin/import/uploads", role: centre.RoleOwner}, 201).json(t, &up)
	fetch(t, "PUT", up.URL, bytes.Repeat([]byte("x"), 1<<20+1), up.ContentType)
	p := e.must(req{method: "POST", path: "/api/v1/admin/import?upload=" + up.Upload, role: centre.RoleOwner}, 413).problem(t)
	if !strings.Contains(p.Detail, "limit of 1048576 bytes") {
		t.Fatalf("too large upload: %q", p.Detail)
	}
}

// TestNoUploadsWithoutBucket: without a transfer bucket, uploads are not
// offered and the request body stays the way to import.
func TestNoUploadsWithoutBucket(t *testing.T) {
	e := newEnv(t)
	e.must(req{method: "POST", path: "/api/v1/admin/import/uploads", role: centre.RoleOwner}, 404).problem(t)
	e.must(req{method: "POST", path: "/api/v1/admin/import?upload=01kb0000000000000000000001", role: centre.RoleOwner}, 404).problem(t)
}
