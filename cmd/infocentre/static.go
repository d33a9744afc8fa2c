package main

import (
	"context"
	"flag"
	"fmt"
	"io"

	"infocentre/internal/static"
)

// exportStaticCmd writes a site's public pages, feeds and API snapshots as
// plain files for a static host.
func exportStaticCmd(fs *flag.FlagSet) runFunc {
	var tf targetFlags
	tf.register(fs)
	site := fs.String("site", "", "`site` to export (required)")
	out := fs.String("out", "", "`dir`ectory to create; it must not exist or be empty (required)")
	var opts static.Options
	fs.StringVar(&opts.BaseURL, "base-url", "", "`url` where the copy will be served, like https://archive.example.org (absolute links in feeds and sitemap)")
	return func(ctx context.Context, _ []string, stdout, stderr io.Writer) error {
		return exportStatic(ctx, tf, *site, *out, opts, stdout, stderr)
	}
}

func exportStatic(ctx context.Context, tf targetFlags, site, out string, opts static.Options, stdout, stderr io.Writer) error {
	if site == "" || out == "" {
		return usagef("export-static: give --site SITE --out DIR")
	}
	a, r, closeJob, err := openJob(ctx, tf)
	if err != nil {
		return err
	}
	defer closeJob()
	if a != nil {
		res, err := opts.Export(ctx, a.Service, site, out, static.Progress(progress(stderr)))
		if err != nil {
			return explain(err)
		}
		for _, b := range res.Broken {
			fmt.Fprintln(stderr, "warning: broken internal link:", b)
		}
		fmt.Fprintf(stderr, "fetched %d paths: %d written, %d redirects followed, %d broken links\n",
			res.Paths, res.Paths-res.Redirects-len(res.Broken), res.Redirects, len(res.Broken))
	} else if err := r.exportStatic(ctx, site, out, opts.BaseURL); err != nil {
		return explain(err)
	}
	if opts.BaseURL == "" {
		fmt.Fprintln(stderr, "note: without --base-url, feeds and sitemap.xml use root-relative links")
	}
	c, err := countStatic(out, site)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "exported site %s to %s: %d files, %d bytes: %d HTML pages (%d entries), %d feeds, stylesheets and other files, %d API snapshots; serve it at the root of a host\n",
		site, out, c.Files, c.Bytes, c.Pages, c.Entries, c.Files-c.Pages-c.API, c.API)
	return nil
}
