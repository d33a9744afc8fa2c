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
func exportStaticCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("export-static", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var sf storeFlags
	sf.register(fs)
	site := fs.String("site", "", "site to export (required)")
	out := fs.String("out", "", "directory to create (required; must not exist or be empty)")
	var opts static.Options
	fs.StringVar(&opts.BaseURL, "base-url", "", "URL where the copy will be served, e.g. https://archive.example.org (absolute links in feeds and sitemap)")
	if err := fs.Parse(args); err != nil {
		return usagef("%v", err)
	}
	if *site == "" || *out == "" || fs.NArg() != 0 {
		return usagef("export-static: give --site S --out DIR")
	}
	a, err := openApp(ctx, sf, stderr)
	if err != nil {
		return err
	}
	defer a.Close()
	res, err := opts.Export(ctx, a.Service, *site, *out, static.Progress(progress(stderr)))
	if err != nil {
		return explain(err)
	}
	for _, b := range res.Broken {
		fmt.Fprintln(stderr, "warning: broken internal link:", b)
	}
	if opts.BaseURL == "" {
		fmt.Fprintln(stderr, "note: without --base-url, feeds and sitemap.xml use root-relative links")
	}
	fmt.Fprintf(stdout, "exported site %s to %s: %d pages (%d entries), %d files, %d bytes; serve it at the root of a host\n",
		*site, *out, res.Pages, res.Entries, res.Files, res.Bytes)
	return nil
}
