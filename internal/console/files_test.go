package console_test

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"

	"infocentre/internal/centre"
	"infocentre/internal/console"
)

// upload posts a multipart form as a browser does: alt, then the file.
func upload(t testing.TB, b *browser, site, name string, content []byte, header ...string) (int, string) {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	_ = mw.WriteField("alt", "A test image")
	fw, err := mw.CreateFormFile("file", name)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = fw.Write(content)
	_ = mw.Close()
	h := append([]string{"Content-Type", mw.FormDataContentType(), "Accept", "text/html"}, header...)
	status, body := b.do("POST", "/admin/sites/"+site+"/files", buf.Bytes(), h...)
	return status, string(body)
}

func pngImage(t testing.TB, w, h int) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for x := range w {
		img.Set(x, x%h, color.RGBA{200, 30, 30, 255})
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestFiles(t *testing.T) {
	e := newEnv(t, console.OIDC{})
	editor, _ := e.signedIn(t, "ed@example.org", centre.RoleEditor)
	viewer, _ := e.signedIn(t, "vi@example.org", centre.RoleViewer)
	publisher, _ := e.signedIn(t, "pub@example.org", centre.RolePublisher)

	status, page := upload(t, editor, "demo", "chart.png", pngImage(t, 40, 30))
	if status != http.StatusSeeOther {
		t.Fatalf("upload: %d\n%s", status, page)
	}
	files, err := e.svc.ListFiles(t.Context(), e.owner, centre.FileQuery{Site: "demo"})
	if err != nil || len(files.Items) != 1 || files.Items[0].MediaType != "image/png" || files.Items[0].Alt != "A test image" || files.Items[0].Width != 40 {
		t.Fatalf("stored: %+v %v", files.Items, err)
	}
	f := files.Items[0]
	if ev := e.lastAudit(t, "demo", "file.upload"); ev.Outcome != http.StatusOK || ev.Target != f.ID || ev.Detail != "chart.png" {
		t.Fatalf("audit: %+v", ev)
	}
	_, page = editor.get(editor.last.Header.Get("Location"))
	mustContain(t, "the list after upload", page, "The file is uploaded", "(just uploaded)", "chart.png", "40 × 30 px", `href="/sites/demo/files/`+f.SHA256+`/chart.png"`, "of its quota of 2.0 GiB")
	if strings.Contains(page, "/delete") {
		t.Fatal("an editor is offered to delete")
	}

	// Refusals are messages on the form: an HTML page named .png (415),
	// a file past the limit (413), no file (400).
	status, page = upload(t, editor, "demo", "photo.png", []byte("<!doctype html><html><body><script>alert(1)</script></body></html>"))
	if status != http.StatusUnsupportedMediaType {
		t.Fatalf("HTML as .png: %d", status)
	}
	mustContain(t, "the refused type", page, `class="notice notice-error"`, `enctype="multipart/form-data"`, `value="A test image"`)
	status, page = upload(t, editor, "demo", `re"port<1>.png`, pngImage(t, 10, 10))
	if status != http.StatusBadRequest {
		t.Fatalf("a bad file name: %d", status)
	}
	mustContain(t, "the bad file name", page, `<p class="field-error" id="file-error">must be valid UTF-8 without quotes`, `<a href="#file">File</a>`)
	e.svc.FileLimits.MaxFileSize = 1024
	status, page = upload(t, editor, "demo", "big.png", pngImage(t, 400, 400))
	if status != http.StatusRequestEntityTooLarge {
		t.Fatalf("too large: %d", status)
	}
	mustContain(t, "the refused size", page, "larger than this server&#39;s limit")
	e.svc.FileLimits.MaxFileSize = 0
	var empty bytes.Buffer
	mw := multipart.NewWriter(&empty)
	_ = mw.WriteField("alt", "x")
	_ = mw.Close()
	if status, _ := editor.do("POST", "/admin/sites/demo/files", empty.Bytes(), "Content-Type", mw.FormDataContentType(), "Accept", "text/html"); status != http.StatusBadRequest {
		t.Fatalf("no file: %d", status)
	}
	// The quota counts too.
	e.svc.FileLimits.SiteQuota = f.StoredBytes() + 10
	if status, page := upload(t, editor, "demo", "other.png", pngImage(t, 50, 50)); status != http.StatusRequestEntityTooLarge || !strings.Contains(page, "quota") {
		t.Fatalf("past the quota: %d\n%s", status, page)
	}
	e.svc.FileLimits.SiteQuota = 0

	// A viewer sees the list, no form, and cannot post.
	_, page = viewer.get("/admin/sites/demo/files")
	if !strings.Contains(page, "chart.png") || strings.Contains(page, `enctype="multipart/form-data"`) {
		t.Fatalf("the viewer's files page:\n%s", page)
	}
	if status, _ := upload(t, viewer, "demo", "v.png", pngImage(t, 10, 10)); status != http.StatusForbidden {
		t.Fatalf("a viewer's upload: %d", status)
	}
	if status, _ := editor.post("/admin/sites/demo/files/"+f.ID+"/delete", nil); status != http.StatusForbidden {
		t.Fatalf("an editor's delete: %d", status)
	}
	if status, _ := upload(t, editor, "demo", "x.png", pngImage(t, 10, 10), crossSite...); status != http.StatusForbidden {
		t.Fatalf("a cross-origin upload: %d", status)
	}
	// A conflict (here: the site is archived) is a message, not a page of its own.
	if _, err := e.svc.SetSiteStatus(t.Context(), e.owner, "demo", centre.SiteArchived, 0); err != nil {
		t.Fatal(err)
	}
	status, page = publisher.post("/admin/sites/demo/files/"+f.ID+"/delete", nil)
	if status != http.StatusConflict {
		t.Fatalf("delete on an archived site: %d", status)
	}
	mustContain(t, "the refused delete", page, "archived", "chart.png")
	if _, err := e.svc.SetSiteStatus(t.Context(), e.owner, "demo", centre.SiteActive, 0); err != nil {
		t.Fatal(err)
	}
	if status, _ := publisher.post("/admin/sites/demo/files/"+f.ID+"/delete", nil); status != http.StatusSeeOther {
		t.Fatalf("delete: %d", status)
	}
	if _, err := e.svc.File(t.Context(), e.owner, "demo", f.ID); !centre.IsCode(err, centre.ENOTFOUND) {
		t.Fatalf("the deleted file: %v", err)
	}
}
