package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"infocentre/internal/app"
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

// openApp opens the local store (embedded or DynamoDB) for a long job.
func openApp(ctx context.Context, sf storeFlags, stderr io.Writer) (*app.App, error) {
	cfg, err := sf.oneShot(ctx)
	if err != nil {
		return nil, err
	}
	store, err := openLocal(ctx, cfg)
	if err != nil {
		return nil, err
	}
	a, err := app.New(cfg, store, app.NewLogger(stderr, "error"))
	if err != nil {
		store.Close()
		return nil, err
	}
	return a, nil
}

func exportCmd(fs *flag.FlagSet) runFunc {
	var sf storeFlags
	sf.register(fs)
	site := fs.String("site", "", "`site` to export (required)")
	out := fs.String("out", "-", "`file` to write, - for standard output")
	return func(ctx context.Context, _ []string, stdout, stderr io.Writer) error {
		return export(ctx, sf, *site, *out, stdout, stderr)
	}
}

func export(ctx context.Context, sf storeFlags, site, out string, stdout, stderr io.Writer) error {
	if site == "" {
		return usagef("export: --site is required")
	}
	a, err := openApp(ctx, sf, stderr)
	if err != nil {
		return err
	}
	defer a.Close()
	w := stdout
	var f *os.File
	if out != "-" {
		if f, err = os.Create(out); err != nil {
			return err
		}
		w = f
	}
	counts, err := transfer.Export(ctx, a.Store, a.Service.Files, site, w, progress(stderr))
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
	var sf storeFlags
	sf.register(fs)
	var opts transfer.Options
	fs.StringVar(&opts.As, "as", "", "import under this `slug` instead of the file's")
	fs.BoolVar(&opts.DryRun, "dry-run", false, "validate the file and write nothing")
	return func(ctx context.Context, args []string, stdout, stderr io.Writer) error {
		return importFile(ctx, sf, opts, args[0], stdout, stderr)
	}
}

func importFile(ctx context.Context, sf storeFlags, opts transfer.Options, name string, stdout, stderr io.Writer) error {
	var in io.Reader = os.Stdin
	if name != "-" {
		f, err := os.Open(name)
		if err != nil {
			return err
		}
		defer f.Close()
		in = f
	}
	a, err := openApp(ctx, sf, stderr)
	if err != nil {
		return err
	}
	defer a.Close()
	opts.Progress = progress(stderr)
	opts.HostReserved = a.Service.HostReserved
	opts.Files, opts.FileQuota, opts.Inspect = a.Service.Files, a.Service.FileLimits.Quota(), a.Service.Inspect
	sum, err := transfer.Import(ctx, a.Store, in, opts)
	if err != nil {
		return explain(err)
	}
	verb := "imported"
	if opts.DryRun {
		verb = "checked (dry run, nothing written)"
	}
	fmt.Fprintf(stdout, "%s site %s: %d entries, %d revisions, %d audit events\n", verb, sum.Site, sum.Entries, sum.Revisions, sum.Audit)
	return nil
}
