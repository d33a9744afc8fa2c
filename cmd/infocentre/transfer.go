package main

import (
	"archive/tar"
	"bytes"
	"cmp"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"infocentre/internal/app"
	"infocentre/internal/centre"
	"infocentre/internal/httpapi"
	"infocentre/internal/static"
	"infocentre/internal/transfer"
)

// progress shows how far a long job has come on w: a redrawn bar on a
// terminal, plain lines (at most one a second per phase, and the last)
// otherwise.
func progress(w io.Writer) transfer.Progress {
	tty := false
	if f, ok := w.(*os.File); ok {
		if st, err := f.Stat(); err == nil && st.Mode()&os.ModeCharDevice != 0 {
			tty = true
		}
	}
	last := map[string]time.Time{}
	return func(phase string, done, total int) {
		final := total > 0 && done == total
		if tty {
			const width = 30
			fill := width
			if total > 0 {
				fill = width * done / total
			}
			fmt.Fprintf(w, "\r%-8s [%s%s] %d/%d", phase, strings.Repeat("=", fill), strings.Repeat(" ", width-fill), done, total)
			if final {
				fmt.Fprintln(w)
			}
			return
		}
		if !final && time.Since(last[phase]) < time.Second {
			return
		}
		last[phase] = time.Now()
		fmt.Fprintf(w, "%s: %d of %d\n", phase, done, total)
	}
}

// openJob opens where a long job (export, import, static export) acts:
// the local store as the operator (a is set), or a server through its
// staff API (r is set) with --url, or when a running server holds the data
// directory and --key gives a key for it. close releases either.
func openJob(ctx context.Context, tf targetFlags) (a *app.App, r *remote, closeJob func(), err error) {
	t, err := tf.open(ctx)
	if err != nil {
		return nil, nil, nil, err
	}
	switch t := t.(type) {
	case *local:
		return t.a, nil, func() { t.close() }, nil
	case *remote:
		return nil, t, func() {}, nil
	}
	t.close()
	return nil, nil, nil, fmt.Errorf("this target cannot run exports")
}

// Bounds of what a command takes from a server.
const (
	maxRemoteExport  = 8 << 30 // an NDJSON export
	maxRemoteArchive = static.DefaultMaxBytes
	maxArchiveFiles  = 4 * static.DefaultMaxPages
	transferTimeout  = time.Hour
)

// download GETs path from the staff API into w, at most limit bytes,
// following a redirect to object storage (a presigned URL, without the
// key). It returns the number of bytes written.
func (r *remote) download(ctx context.Context, path string, w io.Writer, limit int64) (int64, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, r.base+path, nil)
	if err != nil {
		return 0, err
	}
	req.Header.Set("Authorization", "Bearer "+r.key)
	client := *r.client
	client.Timeout = transferTimeout
	client.CheckRedirect = func(req *http.Request, via []*http.Request) error {
		if len(via) > 3 {
			return errors.New("too many redirects")
		}
		req.Header.Del("Authorization") // a presigned URL carries its own authority
		return nil
	}
	resp, err := client.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	if resp.StatusCode >= 300 {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
		return 0, problemError(http.MethodGet, path, resp.StatusCode, b)
	}
	n, err := io.Copy(w, io.LimitReader(resp.Body, limit+1))
	if err == nil && n > limit {
		err = fmt.Errorf("the server's answer to %s is larger than %d bytes, the limit of this command", path, limit)
	}
	return n, err
}

// tailWriter keeps the last bytes written to it.
type tailWriter struct {
	w    io.Writer
	tail []byte
}

const tailSize = 64 << 10

func (t *tailWriter) Write(p []byte) (int, error) {
	n, err := t.w.Write(p)
	t.tail = append(t.tail, p[:n]...)
	if len(t.tail) > tailSize {
		t.tail = append(t.tail[:0], t.tail[len(t.tail)-tailSize:]...)
	}
	return n, err
}

// endCounts returns the counts of an export's end record, the last line
// of tail, or an error if the export stops before it.
func endCounts(tail []byte) (transfer.Counts, error) {
	lines := bytes.Split(bytes.TrimRight(tail, "\n"), []byte("\n"))
	var end struct {
		Type   string           `json:"type"`
		Counts *transfer.Counts `json:"counts"`
	}
	if json.Unmarshal(lines[len(lines)-1], &end) != nil || end.Type != "end" || end.Counts == nil {
		return transfer.Counts{}, errors.New("the export is incomplete: it has no end record (the server stopped before the end)")
	}
	return *end.Counts, nil
}

func exportCmd(fs *flag.FlagSet) runFunc {
	var tf targetFlags
	tf.register(fs)
	site := fs.String("site", "", "`site` to export (required)")
	out := fs.String("out", "-", "`file` to write, - for standard output")
	return func(ctx context.Context, _ []string, stdout, stderr io.Writer) error {
		return export(ctx, tf, *site, *out, stdout, stderr)
	}
}

func export(ctx context.Context, tf targetFlags, site, out string, stdout, stderr io.Writer) error {
	if site == "" {
		return usagef("export: --site is required")
	}
	a, r, closeJob, err := openJob(ctx, tf)
	if err != nil {
		return err
	}
	defer closeJob()
	w := stdout
	var f *os.File
	if out != "-" {
		if f, err = os.Create(out); err != nil {
			return err
		}
		w = f
	}
	var counts transfer.Counts
	if a != nil {
		counts, err = transfer.Export(ctx, a.Store, a.Service.Files, site, w, progress(stderr))
	} else {
		tw := &tailWriter{w: w}
		if _, err = r.download(ctx, "/api/v1/admin/sites/"+url.PathEscape(site)+"/export", tw, maxRemoteExport); err == nil {
			counts, err = endCounts(tw.tail)
		}
	}
	if f != nil {
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			os.Remove(out)
		}
	}
	if err != nil {
		return explain(err)
	}
	fmt.Fprintf(stderr, "exported site %s: %d entries, %d revisions, %d audit events\n", site, counts.Entries, counts.Revisions, counts.Audit)
	return nil
}

func importCmd(fs *flag.FlagSet) runFunc {
	var tf targetFlags
	tf.register(fs)
	var opts transfer.Options
	fs.StringVar(&opts.As, "as", "", "import under this `slug` instead of the file's")
	fs.BoolVar(&opts.DryRun, "dry-run", false, "validate the file and write nothing")
	return func(ctx context.Context, args []string, stdout, stderr io.Writer) error {
		return importFile(ctx, tf, opts, args[0], stdout, stderr)
	}
}

func importFile(ctx context.Context, tf targetFlags, opts transfer.Options, name string, stdout, stderr io.Writer) error {
	var in io.Reader = os.Stdin
	size := int64(-1)
	if name != "-" {
		f, err := os.Open(name)
		if err != nil {
			return err
		}
		defer f.Close()
		if st, err := f.Stat(); err == nil && st.Mode().IsRegular() {
			size = st.Size()
		}
		in = f
	}
	a, r, closeJob, err := openJob(ctx, tf)
	if err != nil {
		return err
	}
	defer closeJob()
	var sum transfer.Summary
	switch {
	case a != nil:
		opts.Progress = progress(stderr)
		opts.HostReserved, opts.Render = a.Service.HostReserved, a.Service.Render
		opts.Files, opts.FileQuota, opts.Inspect = a.Service.Files, a.Service.FileLimits.Quota(), a.Service.Inspect
		sum, err = transfer.Import(ctx, a.Store, in, opts)
	case size >= 0:
		sum, err = r.importFile(ctx, in.(*os.File), size, opts)
	default:
		sum, err = r.importSite(ctx, in, size, "", opts)
	}
	if err != nil {
		return explain(err)
	}
	if c := sum.Existing; c != nil {
		fmt.Fprintf(stdout, "checked (dry run, nothing written): site %s exists already, so importing this file as %s would be refused.\n", sum.Site, sum.Site)
		fmt.Fprintf(stdout, "Its %d entries compared with site %s: %d the same, %d newer in the file, %d changed in the site since, %d not in the site; the site has %d entries that the file has not.\n",
			sum.Entries, sum.Site, c.Same, c.FileNewer, c.SiteNewer, c.New, c.OnlyInSite)
		fmt.Fprintf(stdout, "To import a copy: infocentre import --as %s-copy %s\n", sum.Site, name)
		return nil
	}
	verb := "imported"
	if opts.DryRun {
		verb = "checked (dry run, nothing written)"
	}
	fmt.Fprintf(stdout, "%s site %s: %d entries, %d revisions, %d audit events\n", verb, sum.Site, sum.Entries, sum.Revisions, sum.Audit)
	return nil
}

// importFile imports an export file through the server: uploaded to its
// transfer bucket first when it has one (on AWS, where a request to the
// API carries at most 6 MB), else in the body of the import request.
func (r *remote) importFile(ctx context.Context, f *os.File, size int64, opts transfer.Options) (transfer.Summary, error) {
	var up httpapi.ImportUpload
	err := r.call(ctx, http.MethodPost, "/api/v1/admin/import/uploads", 0, nil, &up)
	if centre.IsCode(err, centre.ENOTFOUND) { // no transfer bucket
		return r.importSite(ctx, f, size, "", opts)
	}
	if err != nil {
		return transfer.Summary{}, err
	}
	if up.MaxBytes > 0 && size > up.MaxBytes {
		return transfer.Summary{}, centre.Errorf(centre.ETOOLARGE, "the file is %d bytes, more than the %d bytes the server imports", size, up.MaxBytes)
	}
	req, err := http.NewRequestWithContext(ctx, cmp.Or(up.Method, http.MethodPut), up.URL, f)
	if err != nil {
		return transfer.Summary{}, err
	}
	req.ContentLength = size
	req.Header.Set("Content-Type", cmp.Or(up.ContentType, httpapi.NDJSON))
	client := *r.client
	client.Timeout = transferTimeout
	resp, err := client.Do(req) // the presigned URL is the credential: no key
	if err != nil {
		return transfer.Summary{}, fmt.Errorf("upload to the transfer bucket: %w", err)
	}
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
	if resp.StatusCode >= 300 {
		return transfer.Summary{}, fmt.Errorf("upload to the transfer bucket: HTTP %d: %.200s", resp.StatusCode, b)
	}
	return r.importSite(ctx, nil, 0, up.Upload, opts)
}

// importSite posts an export file to POST /api/v1/admin/import, or with
// upload the id of one uploaded to the transfer bucket.
func (r *remote) importSite(ctx context.Context, in io.Reader, size int64, upload string, opts transfer.Options) (transfer.Summary, error) {
	q := url.Values{}
	if opts.As != "" {
		q.Set("as", opts.As)
	}
	if opts.DryRun {
		q.Set("dry_run", "true")
	}
	if upload != "" {
		q.Set("upload", upload)
	}
	path := "/api/v1/admin/import?" + q.Encode()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, r.base+path, in)
	if err != nil {
		return transfer.Summary{}, err
	}
	if size >= 0 && in != nil {
		req.ContentLength = size
	}
	req.Header.Set("Authorization", "Bearer "+r.key)
	if in != nil {
		req.Header.Set("Content-Type", httpapi.NDJSON)
	}
	client := *r.client
	client.Timeout = transferTimeout
	resp, err := client.Do(req)
	if err != nil {
		return transfer.Summary{}, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return transfer.Summary{}, err
	}
	if resp.StatusCode >= 300 {
		return transfer.Summary{}, problemError(http.MethodPost, path, resp.StatusCode, b)
	}
	var res httpapi.ImportResult
	if err := json.Unmarshal(b, &res); err != nil {
		return transfer.Summary{}, fmt.Errorf("POST %s: %w", path, err)
	}
	return transfer.Summary{Site: res.Site, Counts: res.Counts, Existing: res.Existing}, nil
}

// staticExport is what a static export wrote, counted in its directory,
// so that it reads the same whether the copy was made here or by a server.
type staticExport struct {
	Files, Pages, API, Entries int
	Bytes                      int64
}

// countStatic counts the files of a static export in dir: every file, the
// HTML pages and the read API's snapshots among them, and the entries (one
// API snapshot per language version of each public entry).
func countStatic(dir, site string) (staticExport, error) {
	var c staticExport
	api := filepath.Join(dir, "api") + string(filepath.Separator)
	entries := filepath.Join(dir, "api", "v1", "sites", site, "entries")
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		if c.Files++; c.Files > maxArchiveFiles {
			return fmt.Errorf("%s holds more than %d files", dir, maxArchiveFiles)
		}
		c.Bytes += info.Size()
		switch {
		case strings.HasPrefix(path, api):
			c.API++
		case strings.HasSuffix(path, ".html"):
			c.Pages++
		}
		if filepath.Dir(filepath.Dir(path)) == entries && strings.HasSuffix(path, ".json") {
			c.Entries++
		}
		return nil
	})
	return c, err
}

// untarStatic writes the gzipped tar of a static export in archive to
// out, through a temporary directory beside it renamed once complete.
// Only plain files and directories with local names are taken, at most
// maxArchiveFiles of them and maxRemoteArchive bytes in all.
func untarStatic(archive io.Reader, out string) error {
	parent := filepath.Dir(filepath.Clean(out))
	if err := os.MkdirAll(parent, 0o755); err != nil {
		return err
	}
	tmp, err := os.MkdirTemp(parent, "."+filepath.Base(out)+".tmp-")
	if err != nil {
		return err
	}
	done := false
	defer func() {
		if !done {
			os.RemoveAll(tmp)
		}
	}()
	if err := os.Chmod(tmp, 0o755); err != nil {
		return err
	}
	zr, err := gzip.NewReader(archive)
	if err != nil {
		return fmt.Errorf("the static export is not a gzipped tar: %w", err)
	}
	tr := tar.NewReader(zr)
	left := int64(maxRemoteArchive)
	for n := 0; ; n++ {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return fmt.Errorf("the static export is damaged: %w", err)
		}
		if n >= maxArchiveFiles {
			return fmt.Errorf("the static export has more than %d files", maxArchiveFiles)
		}
		name := filepath.FromSlash(strings.TrimSuffix(h.Name, "/"))
		if !filepath.IsLocal(name) {
			return fmt.Errorf("the static export names a file outside its directory: %q", h.Name)
		}
		full := filepath.Join(tmp, name)
		switch h.Typeflag {
		case tar.TypeDir:
			if err := os.MkdirAll(full, 0o755); err != nil {
				return err
			}
		case tar.TypeReg:
			if h.Size > left {
				return fmt.Errorf("the static export is larger than %d bytes", int64(maxRemoteArchive))
			}
			left -= h.Size
			if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
				return err
			}
			f, err := os.OpenFile(full, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
			if err != nil {
				return err
			}
			_, err = io.Copy(f, io.LimitReader(tr, h.Size))
			if cerr := f.Close(); err == nil {
				err = cerr
			}
			if err != nil {
				return err
			}
		default:
			return fmt.Errorf("the static export holds %q, which is not a plain file", h.Name)
		}
	}
	if err := static.CheckOutDir(out); err != nil {
		return err
	}
	if err := os.Remove(out); err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	if err := os.Rename(tmp, out); err != nil {
		return err
	}
	done = true
	return nil
}

// exportStaticRemote has the server build the static copy and writes it
// to out.
func (r *remote) exportStatic(ctx context.Context, site, out, baseURL string) error {
	if err := static.CheckOutDir(out); err != nil {
		return err
	}
	tmp, err := os.CreateTemp("", "infocentre-static-*.tar.gz")
	if err != nil {
		return err
	}
	defer func() {
		tmp.Close()
		os.Remove(tmp.Name())
	}()
	path := "/api/v1/admin/sites/" + url.PathEscape(site) + "/export-static"
	if baseURL != "" {
		path += "?base_url=" + url.QueryEscape(baseURL)
	}
	if _, err := r.download(ctx, path, tmp, maxRemoteArchive); err != nil {
		return err
	}
	if _, err := tmp.Seek(0, io.SeekStart); err != nil {
		return err
	}
	return untarStatic(tmp, out)
}
