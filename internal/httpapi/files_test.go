package httpapi_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"infocentre/internal/centre"
	"infocentre/internal/dynamostore/dynamotest"
	"infocentre/internal/httpapi"
	"infocentre/internal/media/mediatest"
	"infocentre/internal/s3files"
)

const filesPath = "/api/v1/admin/sites/demo/files"

func (e *env) upload(role, name string, body []byte, ctype string, status int) resp {
	e.t.Helper()
	return e.must(req{method: "POST", path: filesPath + "?name=" + url.QueryEscape(name), role: role, body: string(body),
		header: map[string]string{"Content-Type": ctype}}, status)
}

func sum(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// TestUploadDecidedByContent: the content decides the type — a PNG named
// report.pdf and sent as application/pdf is a PNG; HTML sent as image/png
// is refused with 415 naming what it is; the same content again answers
// the same file.
func TestUploadDecidedByContent(t *testing.T) {
	e := newEnv(t)
	var f httpapi.FileView
	r := e.upload(centre.RoleEditor, "report.pdf", mediatest.PNG(1200, 600), "application/pdf", 201)
	r.json(t, &f)
	if f.MediaType != "image/png" || f.Kind != "image" || f.Name != "report.pdf" || f.Width != 1200 || f.Height != 600 ||
		f.URL != "/sites/demo/files/"+f.SHA256+"/report.pdf" || r.Header.Get("Location") != filesPath+"/"+f.ID {
		t.Fatalf("%+v", f)
	}
	if len(f.Variants) != 2 || f.Variants[0].Width != 480 || f.Variants[1].URL != "/sites/demo/files/"+f.SHA256+"/960w/report.pdf" {
		t.Fatalf("variants %+v", f.Variants)
	}
	obj, err := e.svc.Files.Open(context.Background(), centre.FileKey("demo", f.SHA256, 0))
	if err != nil {
		t.Fatal(err)
	}
	stored, _ := io.ReadAll(obj.Body)
	obj.Body.Close()
	if sum(stored) != f.SHA256 || int64(len(stored)) != f.Size {
		t.Fatal("the recorded SHA-256 and size are not those of the stored bytes")
	}
	var again httpapi.FileView
	e.upload(centre.RoleEditor, "copy.png", mediatest.PNG(1200, 600), "image/png", 200).json(t, &again)
	if again.ID != f.ID {
		t.Fatalf("the same content made a second file %s", again.ID)
	}

	html := []byte("<!doctype html><html><body><script>alert(document.cookie)</script></body></html>")
	p := e.upload(centre.RoleEditor, "photo.png", html, "image/png", 415).problem(t)
	if !strings.Contains(p.Detail, "HTML") || p.Code != centre.EUNSUPPORTED {
		t.Fatalf("problem %+v", p)
	}
	svg := []byte(`<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>`)
	if p := e.upload(centre.RoleEditor, "logo.svg", svg, "image/svg+xml", 415).problem(t); !strings.Contains(p.Detail, "SVG") {
		t.Fatalf("svg: %+v", p)
	}
	polyglot := append(mediatest.PDF(1, "x"), mediatest.Zip("run.js", "alert(1)")...)
	e.upload(centre.RoleEditor, "report.pdf", polyglot, "application/pdf", 415)

	var doc httpapi.FileView
	e.upload(centre.RoleEditor, "C:\\Users\\me\\Plan 2026.pdf", mediatest.PDF(12, "Preparedness plan"), "application/octet-stream", 201).json(t, &doc)
	if doc.Name != "Plan 2026.pdf" || doc.Pages != 12 || doc.Title != "Preparedness plan" || doc.MediaType != "application/pdf" ||
		doc.URL != "/sites/demo/files/"+doc.SHA256+"/Plan%202026.pdf" {
		t.Fatalf("%+v", doc)
	}
	// Refusals: no name, a viewer, an archived-site write is 409 (in the
	// workflow tests), another site's key.
	e.must(req{method: "POST", path: filesPath, role: centre.RoleEditor, body: "hello"}, 400)
	e.upload(centre.RoleViewer, "a.txt", []byte("hello"), "text/plain", 403)
	e.upload("other-admin", "a.txt", []byte("hello"), "text/plain", 403)
	e.upload(centre.RoleEditor, "a.txt", nil, "text/plain", 400)
}

// TestUploadLimits: past the per-file limit and the site's quota, 413; a
// refused file leaves nothing behind.
func TestUploadLimits(t *testing.T) {
	e := newEnv(t)
	e.svc.FileLimits = centre.FileLimits{MaxFileSize: 2000, SiteQuota: 3000}
	big := bytes.Repeat([]byte("a line of text\n"), 200) // 3000 bytes
	if p := e.upload(centre.RoleEditor, "big.txt", big, "text/plain", 413).problem(t); !strings.Contains(p.Detail, "2000") {
		t.Fatalf("%+v", p)
	}
	// Without a Content-Length the limit still holds while reading.
	hr := e.do(req{method: "POST", path: filesPath + "?name=big.txt", role: centre.RoleEditor, body: string(big),
		header: map[string]string{"Content-Length": ""}})
	if hr.Status != 413 {
		t.Fatalf("streamed: %d", hr.Status)
	}
	e.upload(centre.RoleEditor, "one.txt", big[:1800], "text/plain", 201)
	if p := e.upload(centre.RoleEditor, "two.txt", big[:1500], "text/plain", 413).problem(t); !strings.Contains(p.Detail, "quota") {
		t.Fatalf("%+v", p)
	}
	var list httpapi.FileList
	e.must(req{method: "GET", path: filesPath, role: centre.RoleViewer}, 200).json(t, &list)
	if len(list.Items) != 1 || list.Usage.Files != 1 || list.Usage.Bytes != 1800 || list.Quota != 3000 {
		t.Fatalf("%+v", list)
	}
	if _, err := e.svc.Files.Open(context.Background(), centre.FileKey("demo", sum(big[:1500]), 0)); !centre.IsCode(err, centre.ENOTFOUND) {
		t.Fatalf("the bytes of a refused file were kept: %v", err)
	}
}

// TestFileListGetDelete: listing pages newest first; a viewer reads, an
// editor may not delete, a publisher may.
func TestFileListGetDelete(t *testing.T) {
	e := newEnv(t)
	var ids []string
	for i := 0; i < 5; i++ {
		var f httpapi.FileView
		e.upload(centre.RoleEditor, fmt.Sprintf("n%d.txt", i), []byte(fmt.Sprintf("note %d\n", i)), "text/plain", 201).json(t, &f)
		ids = append([]string{f.ID}, ids...)
	}
	var got []string
	cursor := ""
	for page := 0; page < 5; page++ {
		var list httpapi.FileList
		e.must(req{method: "GET", path: filesPath + "?limit=2&cursor=" + url.QueryEscape(cursor), role: centre.RoleViewer}, 200).json(t, &list)
		for _, f := range list.Items {
			got = append(got, f.ID)
		}
		if cursor = list.NextCursor; cursor == "" {
			break
		}
	}
	if strings.Join(got, ",") != strings.Join(ids, ",") {
		t.Fatalf("listed %v, want %v", got, ids)
	}
	e.must(req{method: "GET", path: filesPath + "?cursor=forged", role: centre.RoleViewer}, 400)
	e.must(req{method: "GET", path: "/api/v1/admin/sites/other/files", role: "other-admin"}, 200)

	var f httpapi.FileView
	e.must(req{method: "GET", path: filesPath + "/" + ids[0], role: centre.RoleViewer}, 200).json(t, &f)
	if f.ID != ids[0] || f.MediaType != "text/plain; charset=utf-8" {
		t.Fatalf("%+v", f)
	}
	e.must(req{method: "GET", path: "/api/v1/admin/sites/other/files/" + ids[0], role: centre.RoleOwner}, 404)
	e.must(req{method: "DELETE", path: filesPath + "/" + ids[0], role: centre.RoleEditor}, 403)
	e.must(req{method: "DELETE", path: filesPath + "/" + ids[0], role: centre.RolePublisher}, 204)
	e.must(req{method: "GET", path: filesPath + "/" + ids[0], role: centre.RoleViewer}, 404)
	e.must(req{method: "DELETE", path: filesPath + "/" + ids[0], role: centre.RolePublisher}, 404)
	if _, err := e.svc.Files.Open(context.Background(), centre.FileKey("demo", f.SHA256, 0)); !centre.IsCode(err, centre.ENOTFOUND) {
		t.Fatalf("the bytes of a deleted file were kept: %v", err)
	}
	// Direct uploads need S3.
	e.must(req{method: "POST", path: filesPath + "/uploads", role: centre.RoleEditor}, 404)
}

func newS3Files(t *testing.T) *s3files.Store {
	t.Helper()
	client := s3.New(s3.Options{Region: "us-east-1", BaseEndpoint: aws.String(dynamotest.Endpoint(t)), UsePathStyle: true,
		Credentials: credentials.NewStaticCredentialsProvider("testing", "testing", "")})
	bucket := strings.ToLower(fmt.Sprintf("files-%d", time.Now().UnixNano()))
	if _, err := client.CreateBucket(context.Background(), &s3.CreateBucketInput{Bucket: aws.String(bucket)}); err != nil {
		t.Fatal(err)
	}
	return &s3files.Store{Client: client, Bucket: bucket}
}

// postForm sends body through a presigned POST policy, as a browser does.
func postForm(t *testing.T, up centre.Upload, body []byte) int {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for k, v := range up.Fields {
		mw.WriteField(k, v)
	}
	fw, _ := mw.CreateFormFile("file", "upload")
	fw.Write(body)
	mw.Close()
	res, err := http.Post(up.URL, mw.FormDataContentType(), &buf)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	return res.StatusCode
}

// TestDirectUploadS3: on moto_server's S3, the presigned flow end to end —
// a POST policy bounded by the size limit, then complete verifies size,
// SHA-256 and type before the upload becomes a file, and removes it.
func TestDirectUploadS3(t *testing.T) {
	e := newEnv(t)
	e.svc.Files = newS3Files(t)
	e.svc.FileLimits.MaxFileSize = 1 << 20
	start := func() centre.Upload {
		var up centre.Upload
		e.must(req{method: "POST", path: filesPath + "/uploads", role: centre.RoleEditor}, 201).json(t, &up)
		if up.MaxSize != 1<<20 || up.URL == "" || up.Fields["key"] != centre.UploadKey("demo", up.ID) || time.Until(up.ExpiresAt) < time.Minute {
			t.Fatalf("%+v", up)
		}
		return up
	}
	complete := func(up centre.Upload, check map[string]any, status int) resp {
		return e.must(req{method: "POST", path: filesPath + "/uploads/" + up.ID + "/complete", role: centre.RoleEditor, body: check}, status)
	}
	pdf := mediatest.PDF(3, "Large report")

	up := start()
	if code := postForm(t, up, pdf); code/100 != 2 {
		t.Fatalf("upload to S3: %d", code)
	}
	complete(up, map[string]any{"name": "report.pdf", "size": len(pdf) + 1, "sha256": sum(pdf)}, 400)
	// A failed check removes the upload: it must be sent again.
	complete(up, map[string]any{"name": "report.pdf", "size": len(pdf), "sha256": sum(pdf)}, 404)

	up = start()
	postForm(t, up, pdf)
	complete(up, map[string]any{"name": "report.pdf", "size": len(pdf), "sha256": sum([]byte("other"))}, 400)

	up = start()
	postForm(t, up, pdf)
	var f httpapi.FileView
	complete(up, map[string]any{"name": "report.pdf", "lang": "fr", "size": len(pdf), "sha256": sum(pdf)}, 201).json(t, &f)
	if f.MediaType != "application/pdf" || f.Pages != 3 || f.SHA256 != sum(pdf) || f.Lang != "fr" {
		t.Fatalf("%+v", f)
	}
	if _, err := e.svc.Files.Open(context.Background(), centre.UploadKey("demo", up.ID)); !centre.IsCode(err, centre.ENOTFOUND) {
		t.Fatalf("the completed upload was kept: %v", err)
	}
	complete(up, map[string]any{"name": "report.pdf", "size": len(pdf), "sha256": sum(pdf)}, 404)

	up = start()
	html := []byte("<html><script>alert(1)</script></html>")
	postForm(t, up, html)
	complete(up, map[string]any{"name": "x.pdf", "size": len(html), "sha256": sum(html)}, 415)

	// The same content uploaded again is the same file.
	up = start()
	postForm(t, up, pdf)
	complete(up, map[string]any{"name": "again.pdf", "size": len(pdf), "sha256": sum(pdf)}, 200)

	// An upload of another site cannot be completed here.
	e.must(req{method: "POST", path: "/api/v1/admin/sites/other/files/uploads/" + up.ID + "/complete", role: "other-admin",
		body: map[string]any{"name": "report.pdf", "size": len(pdf), "sha256": sum(pdf)}}, 404)
	e.must(req{method: "POST", path: filesPath + "/uploads/" + up.ID + "/complete", role: centre.RoleViewer,
		body: map[string]any{"name": "report.pdf", "size": len(pdf), "sha256": sum(pdf)}}, 403)
}

// TestEntryFiles: an entry references files by id; size, type and pages
// come from the file (a typed size that disagrees is refused, naming the
// field), a lead image needs alt text, and a file of a published revision
// cannot be deleted (409 naming the entry) while an unreferenced one can.
func TestEntryFiles(t *testing.T) {
	e := newEnv(t)
	var doc, img, spare httpapi.FileView
	e.upload(centre.RoleEditor, "plan.pdf", mediatest.PDF(12, "Plan"), "application/pdf", 201).json(t, &doc)
	e.upload(centre.RoleEditor, "map.png", mediatest.PNG(1200, 600), "image/png", 201).json(t, &img)
	var withAlt httpapi.FileView
	e.must(req{method: "POST", path: filesPath + "?name=chart.png&alt=" + url.QueryEscape("Water levels"), role: centre.RoleEditor,
		body: string(mediatest.PNG(800, 400)), header: map[string]string{"Content-Type": "image/png"}}, 201).json(t, &withAlt)
	e.upload(centre.RoleEditor, "spare.txt", []byte("spare\n"), "text/plain", 201).json(t, &spare)
	entries := "/api/v1/admin/sites/demo/entries"
	post := func(body map[string]any, status int) resp {
		return e.must(req{method: "POST", path: entries, role: centre.RolePublisher, body: body}, status)
	}
	entry := func(att map[string]any, image map[string]any) map[string]any {
		return map[string]any{"type": "publication", "title": "Flood plan", "slug": "flood-plan", "status": "published",
			"attachments": []any{att}, "image": image}
	}
	fields := func(p httpapi.Problem) string {
		var names []string
		for _, f := range p.Errors {
			names = append(names, f.Field)
		}
		return strings.Join(names, ",")
	}
	p := post(entry(map[string]any{"title": "Plan", "file_id": doc.ID, "size": doc.Size + 1}, map[string]any{"file_id": img.ID, "alt": "Map"}), 400).problem(t)
	if fields(p) != "attachments[0].size" {
		t.Errorf("typed size that disagrees: %+v", p)
	}
	p = post(entry(map[string]any{"title": "Plan", "file_id": doc.ID}, map[string]any{"file_id": img.ID}), 400).problem(t)
	if fields(p) != "image.alt" {
		t.Errorf("image without alt (none at upload either): %+v", p)
	}
	p = post(entry(map[string]any{"title": "Plan", "file_id": doc.ID}, map[string]any{"file_id": doc.ID, "alt": "Plan"}), 400).problem(t)
	if fields(p) != "image.file_id" || !strings.Contains(p.Errors[0].Reason, "not an image") {
		t.Errorf("a PDF as the lead image: %+v", p)
	}
	p = post(entry(map[string]any{"title": "Plan", "file_id": "01kzzzzzzzzzzzzzzzzzzzzzzz"}, map[string]any{"file_id": img.ID, "alt": "Map"}), 400).problem(t)
	if fields(p) != "attachments[0].file_id" {
		t.Errorf("an unknown file: %+v", p)
	}

	var draft centre.Entry
	e.must(req{method: "POST", path: entries, role: centre.RoleEditor, body: map[string]any{"type": "news", "title": "Chart",
		"image": map[string]any{"file_id": withAlt.ID}}}, 201).json(t, &draft)
	if draft.Image.Alt != "Water levels" {
		t.Errorf("the alt text given at upload is not the image's: %+v", draft.Image)
	}

	var got centre.Entry
	post(entry(map[string]any{"title": "Plan", "file_id": doc.ID, "size": doc.Size}, map[string]any{"file_id": img.ID, "alt": "Map of the flooded areas"}), 201).json(t, &got)
	a := got.Attachments[0]
	if a.URL != doc.File.Path(0) || a.MediaType != "application/pdf" || a.Size != doc.Size || a.Pages != 12 {
		t.Errorf("attachment not filled in from the file: %+v", a)
	}
	if im := got.Image; im.URL != img.File.Path(0) || im.Width != 1200 || im.Height != 600 || len(im.Widths) != 2 || im.Alt != "Map of the flooded areas" {
		t.Errorf("image not filled in from the file: %+v", im)
	}
	var pub httpapi.PublicEntry
	e.must(req{method: "GET", path: "/api/v1/sites/demo/entries/flood-plan"}, 200).json(t, &pub)
	if pub.Image.URL != img.File.Path(0) || pub.Attachments[0].Pages != 12 {
		t.Errorf("public entry: %+v %+v", pub.Image, pub.Attachments)
	}

	for _, f := range []httpapi.FileView{doc, img} {
		p := e.must(req{method: "DELETE", path: filesPath + "/" + f.ID, role: centre.RoleAdmin}, 409).problem(t)
		if !strings.Contains(p.Detail, "Flood plan") || !strings.Contains(p.Detail, got.ID) {
			t.Errorf("delete a published file: %+v", p)
		}
	}
	e.must(req{method: "DELETE", path: filesPath + "/" + spare.ID, role: centre.RolePublisher}, 204)
	var after httpapi.FileView
	e.must(req{method: "GET", path: filesPath + "/" + doc.ID, role: centre.RoleViewer}, 200).json(t, &after)
	if after.PublicEntry != got.ID || after.PublicSince.IsZero() {
		t.Errorf("file after publication: %+v", after.File)
	}
}
