package web

import (
	"embed"
	"net/http"
	"path"
	"strings"
	"sync"
)

//go:embed assets
var assetFS embed.FS

//go:embed templates
var templateFS embed.FS

type asset struct {
	body []byte
	// gz returns body gzipped, made on first use (so that a new process
	// compresses only the assets it serves); nil for PNG and WOFF2.
	gz          func() []byte
	contentType string
}

// The content hashes of the assets and the digest of the templates are
// computed when they change, by go generate, not when a process starts.
//go:generate go run gen_digests.go

// assetSet holds the embedded static files under content-hashed names.
type assetSet struct {
	byName map[string]string // "style.css" -> "style.3f2a9c1b0d.css"
	files  map[string]*asset // hashed name -> file
	digest string            // hash of every asset
}

func loadAssets() *assetSet {
	a := &assetSet{byName: map[string]string{}, files: map[string]*asset{}, digest: assetsDigest}
	// The generated table names every asset (TestDigestsFresh).
	for _, h := range assetHashes {
		name, hash := h.name, h.hash
		b, err := assetFS.ReadFile("assets/" + name)
		if err != nil {
			panic("web: embedded asset: " + err.Error() + ": run go generate ./internal/web")
		}
		ext := path.Ext(name)
		hashed := strings.TrimSuffix(name, ext) + "." + hash + ext
		a.byName[name] = hashed
		f := &asset{body: b, contentType: contentTypeOf(ext)}
		if ext != ".png" && ext != ".woff2" {
			f.gz = sync.OnceValue(func() []byte { return gzipBytes(b) })
		}
		a.files[hashed] = f
	}
	return a
}

func contentTypeOf(ext string) string {
	switch ext {
	case ".css":
		return "text/css; charset=utf-8"
	case ".svg":
		return "image/svg+xml"
	case ".png":
		return "image/png"
	}
	return "application/octet-stream"
}

// url returns the path of the named asset, e.g. /assets/style.3f2a9c1b0d.css.
func (a *assetSet) url(name string) string {
	h, ok := a.byName[name]
	if !ok {
		panic("web: no asset " + name)
	}
	return "/assets/" + h
}

func (s *Site) serveAsset(w http.ResponseWriter, r *http.Request) {
	f, ok := s.assets.files[r.PathValue("name")]
	if !ok {
		s.notFound(w, r, nil, "")
		return
	}
	s.securityHeaders(w, r)
	h := w.Header()
	h.Set("Cache-Control", cacheControlAsset)
	h.Set("Vary", "Accept-Encoding")
	h.Set("Content-Type", f.contentType)
	etag := `"` + strings.Split(r.PathValue("name"), ".")[1] + `"`
	body := f.body
	if f.gz != nil && acceptsGzip(r) {
		body = f.gz()
		h.Set("Content-Encoding", "gzip")
		etag = gzipETag(etag)
	}
	h.Set("ETag", etag)
	if ifNoneMatch(r, strings.Replace(etag, "-gz", "", 1)) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	send(w, r, http.StatusOK, f.contentType, body)
}
