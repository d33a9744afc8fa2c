package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"infocentre/internal/app"
	"infocentre/internal/centre"
	"infocentre/internal/console"
)

// Person commands act on the local store as the operator, like Bootstrap:
// the console's people live where its sessions are checked.

// consoleOrigin is where invitation links point: --origin, else
// PUBLIC_ORIGIN, else the address `infocentre serve` listens on by default.
func consoleOriginFlag(fs *flag.FlagSet) *string {
	return fs.String("origin", envOr("PUBLIC_ORIGIN", "http://localhost:8080"), "`origin` the console is served at, for the invitation link (env PUBLIC_ORIGIN)")
}

func invitationURL(origin, token string) (string, error) {
	u, err := console.ConsoleOrigin(origin)
	if err != nil {
		return "", usagef("%v", err)
	}
	return u.String() + "/admin/invite/" + token, nil
}

func withApp(ctx context.Context, sf storeFlags, stderr io.Writer, fn func(a *app.App) error) error {
	a, err := openApp(ctx, sf, stderr)
	if err != nil {
		return err
	}
	defer a.Close()
	return fn(a)
}

func personInviteCmd(fs *flag.FlagSet) runFunc {
	var sf storeFlags
	sf.register(fs)
	site := fs.String("site", "", "`site` the person works on (required, except with --role owner)")
	var in centre.PersonInput
	fs.StringVar(&in.Email, "email", "", "the person's `email` (required)")
	fs.StringVar(&in.Role, "role", "", "the person's `role`: viewer, editor, publisher, admin or owner (required)")
	fs.StringVar(&in.Name, "name", "", "the person's `name` (default: the email)")
	fs.StringVar(&in.Organisation, "organisation", "", "the member `organisation` the person acts for")
	origin := consoleOriginFlag(fs)
	return func(ctx context.Context, _ []string, stdout, stderr io.Writer) error {
		if *site == "" && in.Role != centre.RoleOwner {
			return usagef("person invite: --site is required (except with --role owner)")
		}
		if in.Email == "" || in.Role == "" {
			return usagef("person invite: --email and --role are required")
		}
		in := in
		if in.Name == "" {
			in.Name = in.Email
		}
		if _, err := console.ConsoleOrigin(*origin); err != nil {
			return usagef("person invite: --origin: %v", err)
		}
		return withApp(ctx, sf, stderr, func(a *app.App) error {
			s := *site
			if in.Role == centre.RoleOwner {
				s = centre.AllSites
			}
			_, token, err := a.Service.InvitePerson(ctx, operator, s, in)
			if err != nil {
				return explain(err)
			}
			link, err := invitationURL(*origin, token)
			if err != nil {
				return err
			}
			fmt.Fprintln(stdout, link) // alone on stdout, so scripts can capture it
			return nil
		})
	}
}

func personListCmd(fs *flag.FlagSet) runFunc {
	var sf storeFlags
	sf.register(fs)
	site := fs.String("site", "", "`site` whose people to list (default: the owners)")
	return func(ctx context.Context, _ []string, stdout, stderr io.Writer) error {
		s := *site
		if s == "" {
			s = centre.AllSites
		}
		return withApp(ctx, sf, stderr, func(a *app.App) error {
			people, err := a.Service.People(ctx, operator, s)
			if err != nil {
				return explain(err)
			}
			tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "ID\tEMAIL\tNAME\tSITE\tROLE\tSTATE\tPASSKEYS\tLAST SIGN-IN")
			for _, p := range people {
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%d\t%s\n", p.ID, p.Email, p.Name, p.Site, p.Role, p.State,
					len(p.Credentials), when(p.LastSignIn))
			}
			return tw.Flush()
		})
	}
}

func personDisableCmd(fs *flag.FlagSet) runFunc {
	var sf storeFlags
	sf.register(fs)
	site := fs.String("site", "", "`site` of the person (default: the owners)")
	return func(ctx context.Context, args []string, stdout, stderr io.Writer) error {
		s := *site
		if s == "" {
			s = centre.AllSites
		}
		return withApp(ctx, sf, stderr, func(a *app.App) error {
			p, err := a.Service.DisablePerson(ctx, operator, s, args[0])
			if err != nil {
				return explain(err)
			}
			fmt.Fprintf(stdout, "disabled %s (%s) at %s; their sessions have ended\n", p.Email, p.ID, p.UpdatedAt.Format(time.RFC3339))
			return nil
		})
	}
}

// ownerEmail is the email of the first owner `infocentre serve` invites.
func ownerEmail() string { return envOr("INFOCENTRE_OWNER_EMAIL", "owner@localhost") }
