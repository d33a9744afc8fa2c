package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"text/tabwriter"
	"time"

	"infocentre/internal/centre"
	"infocentre/internal/httpapi"
)

// fileTarget is where file commands act: the local store and files
// directory, or a server through its staff API.
type fileTarget interface {
	putFile(ctx context.Context, site string, in centre.FileInput, body io.Reader, size int64) (*httpapi.FileView, bool, error)
	listFiles(ctx context.Context, site, cursor string) (*httpapi.FileList, error)
}

func (l *local) putFile(ctx context.Context, site string, in centre.FileInput, body io.Reader, _ int64) (*httpapi.FileView, bool, error) {
	f, created, err := l.a.Service.UploadFile(ctx, operator, site, in, body)
	if err != nil {
		return nil, false, err
	}
	v := httpapi.FileView{File: f}
	return &v, created, nil
}

func (l *local) listFiles(ctx context.Context, site, after string) (*httpapi.FileList, error) {
	page, err := l.a.Service.ListFiles(ctx, operator, centre.FileQuery{Site: site, Limit: centre.MaxPageSize, After: after})
	if err != nil {
		return nil, err
	}
	out := &httpapi.FileList{NextCursor: page.Next}
	for _, f := range page.Items {
		out.Items = append(out.Items, httpapi.FileView{File: f})
	}
	return out, nil
}

// putFile sends the file as the body of POST …/files (the server decides
// its type from the content).
func (r *remote) putFile(ctx context.Context, site string, in centre.FileInput, body io.Reader, size int64) (*httpapi.FileView, bool, error) {
	q := url.Values{"name": {in.Name}}
	if in.Alt != "" {
		q.Set("alt", in.Alt)
	}
	if in.Lang != "" {
		q.Set("lang", in.Lang)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, r.base+"/api/v1/admin/sites/"+url.PathEscape(site)+"/files?"+q.Encode(), body)
	if err != nil {
		return nil, false, err
	}
	req.ContentLength = size
	req.Header.Set("Authorization", "Bearer "+r.key)
	req.Header.Set("Content-Type", "application/octet-stream")
	client := *r.client
	client.Timeout = 10 * time.Minute // large files on slow links
	resp, err := client.Do(req)
	if err != nil {
		return nil, false, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return nil, false, err
	}
	if resp.StatusCode >= 400 {
		var p struct {
			Detail string `json:"detail"`
		}
		if json.Unmarshal(b, &p) == nil && p.Detail != "" {
			return nil, false, fmt.Errorf("%s (HTTP %d)", p.Detail, resp.StatusCode)
		}
		return nil, false, fmt.Errorf("upload: HTTP %d", resp.StatusCode)
	}
	var v httpapi.FileView
	if err := json.Unmarshal(b, &v); err != nil {
		return nil, false, err
	}
	return &v, resp.StatusCode == http.StatusCreated, nil
}

func (r *remote) listFiles(ctx context.Context, site, cursor string) (*httpapi.FileList, error) {
	var out httpapi.FileList
	err := r.do(ctx, http.MethodGet, "/api/v1/admin/sites/"+url.PathEscape(site)+"/files?limit=100&cursor="+url.QueryEscape(cursor), nil, &out)
	return &out, err
}

func filePutCmd(fs *flag.FlagSet) runFunc {
	var tf targetFlags
	tf.register(fs)
	site := fs.String("site", "", "`site` to host the file (required)")
	var in centre.FileInput
	fs.StringVar(&in.Name, "name", "", "file `name` to publish under (default: the file's own)")
	fs.StringVar(&in.Alt, "alt", "", "alternative `text` of an image")
	fs.StringVar(&in.Lang, "lang", "", "`language` of the content (BCP 47)")
	return func(ctx context.Context, args []string, stdout, stderr io.Writer) error {
		if *site == "" {
			return usagef("file put: --site is required")
		}
		ft, closeTarget, err := openFileTarget(ctx, tf)
		if err != nil {
			return err
		}
		defer closeTarget()
		return putFile(ctx, ft, *site, in, args[0], stdout)
	}
}

func fileListCmd(fs *flag.FlagSet) runFunc {
	var tf targetFlags
	tf.register(fs)
	site := fs.String("site", "", "`site` whose files to list (required)")
	return func(ctx context.Context, _ []string, stdout, stderr io.Writer) error {
		if *site == "" {
			return usagef("file list: --site is required")
		}
		ft, closeTarget, err := openFileTarget(ctx, tf)
		if err != nil {
			return err
		}
		defer closeTarget()
		tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tNAME\tTYPE\tSIZE\tSHA256\tCREATED")
		cursor := ""
		for pages := 0; pages < 1000; pages++ { // bounded: 100,000 files
			list, err := ft.listFiles(ctx, *site, cursor)
			if err != nil {
				return explain(err)
			}
			for _, f := range list.Items {
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", f.ID, f.Name, f.MediaType, strconv.FormatInt(f.Size, 10), f.SHA256[:12], f.CreatedAt.Format(time.RFC3339))
			}
			if cursor = list.NextCursor; cursor == "" {
				break
			}
		}
		return tw.Flush()
	}
}

func openFileTarget(ctx context.Context, tf targetFlags) (fileTarget, func(), error) {
	t, err := tf.open(ctx)
	if err != nil {
		return nil, nil, err
	}
	ft, ok := t.(fileTarget)
	if !ok {
		t.close()
		return nil, nil, fmt.Errorf("file commands are not available on this target")
	}
	return ft, func() { t.close() }, nil
}

func putFile(ctx context.Context, ft fileTarget, site string, in centre.FileInput, path string, stdout io.Writer) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return err
	}
	if in.Name == "" {
		in.Name = filepath.Base(path)
	}
	v, created, err := ft.putFile(ctx, site, in, f, fi.Size())
	if err != nil {
		return explain(err)
	}
	what := "uploaded"
	if !created {
		what = "already there"
	}
	fmt.Fprintf(stdout, "%s %s %s %s %d bytes /sites/%s%s\n", what, v.ID, v.Name, v.MediaType, v.Size, v.Site, v.Path(0))
	return nil
}
