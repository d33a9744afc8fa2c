// Command infocentre runs and manages an infocentre information centre.
//
//	infocentre serve [--addr 127.0.0.1:8080] [--data DIR] [--store bolt|dynamodb]
//	infocentre site create --slug S --title T --publisher P (--email E | --url U) [--lang en,fr]
//	infocentre site list
//	infocentre key create --site S --role R [--name N] [--expires 720h]
//	infocentre key list --site S
//	infocentre key revoke --site S ID
//	infocentre table create            (DynamoDB: DYNAMODB_TABLE, DYNAMODB_ENDPOINT)
//	infocentre export --site S [--out FILE]   (the whole site as NDJSON)
//	infocentre import [--as S] [--dry-run] FILE
//	infocentre export-static --site S --out DIR [--base-url URL]   (plain files for a static host)
//	infocentre audit --site S          (the site's audit log, newest first)
//	infocentre file put --site S [--name N] [--alt A] [--lang L] PATH   (host a document or image)
//	infocentre file list --site S
//	infocentre publish-due             (run the scheduled publisher once)
//
// Site and key commands work on the local data directory (or DynamoDB with
// --store dynamodb) when no server holds it, and against a running server
// or deployed API with --url and --key (or INFOCENTRE_URL and INFOCENTRE_KEY).
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	if err != nil {
		var u usageError
		if errors.As(err, &u) {
			fmt.Fprintln(os.Stderr, "infocentre:", err)
			fmt.Fprintln(os.Stderr, "run 'infocentre help' for usage")
			os.Exit(2)
		}
		fmt.Fprintln(os.Stderr, "infocentre:", err)
		os.Exit(1)
	}
}

type usageError struct{ msg string }

func (u usageError) Error() string { return u.msg }

func usagef(format string, args ...any) error { return usageError{fmt.Sprintf(format, args...)} }

const usage = `infocentre — a crisis information centre

Usage:
  infocentre serve [--addr 127.0.0.1:8080] [--data DIR] [--store bolt|dynamodb] [--no-demo]
  infocentre site create --slug S --title T --publisher P (--email E | --contact-url U) [--lang en,fr] [--tagline T]
  infocentre site list
  infocentre site archive --site S      (read-only, marked archived; an owner can reopen it)
  infocentre site reopen --site S
  infocentre key create --site S --role viewer|editor|publisher|admin|owner [--name N] [--expires 720h]
  infocentre key list --site S
  infocentre key revoke --site S ID
  infocentre table create
  infocentre export --site S [--out FILE]
  infocentre import [--as SLUG] [--dry-run] FILE
  infocentre export-static --site S --out DIR [--base-url URL]
  infocentre audit [--site S] [--action A] [--key-id K] [--since 24h] [--limit 50]
  infocentre file put --site S [--name N] [--alt TEXT] [--lang L] PATH
  infocentre file list --site S
  infocentre publish-due

Site, key and file commands act on the local store (--data DIR, or --store dynamodb with
DYNAMODB_TABLE and DYNAMODB_ENDPOINT) unless --url (INFOCENTRE_URL) names a running
server or deployed API, used with a staff key in --key (INFOCENTRE_KEY).
`

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return usagef("no command given")
	}
	switch args[0] {
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	case "serve":
		return serve(ctx, args[1:], stdout, stderr)
	case "site":
		return siteCmd(ctx, args[1:], stdout, stderr)
	case "key":
		return keyCmd(ctx, args[1:], stdout, stderr)
	case "table":
		return tableCmd(ctx, args[1:], stdout, stderr)
	case "export":
		return exportCmd(ctx, args[1:], stdout, stderr)
	case "import":
		return importCmd(ctx, args[1:], stdout, stderr)
	case "export-static":
		return exportStaticCmd(ctx, args[1:], stdout, stderr)
	case "audit":
		return auditCmd(ctx, args[1:], stdout, stderr)
	case "file":
		return fileCmd(ctx, args[1:], stdout, stderr)
	case "publish-due":
		return publishDue(ctx, args[1:], stdout, stderr)
	}
	return usagef("unknown command %q", args[0])
}
