package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"text/tabwriter"
	"time"

	"infocentre/internal/centre"
	"infocentre/internal/console"
	"infocentre/internal/httpapi"
)

// Person commands act on the local store as the operator, like Bootstrap
// (the console's people live where its sessions are checked), or with
// --url and --key through a server's staff API (an admin key of the site).

// peopleTarget is where person commands act.
type peopleTarget interface {
	// invitePerson invites a person and returns them with the invitation
	// link: built from origin on the local store, the server's own
	// console link through the API.
	invitePerson(ctx context.Context, site string, in centre.PersonInput, origin string) (*centre.Person, string, error)
	listPeople(ctx context.Context, site string) ([]*centre.Person, error)
	disablePerson(ctx context.Context, site, id string) (*centre.Person, error)
	// resendInvitation sends the invitation of the invited person id
	// again: a new link, like invitePerson's; the old one stops working.
	resendInvitation(ctx context.Context, site, id, origin string) (*centre.Person, string, error)
}

func (l *local) invitePerson(ctx context.Context, site string, in centre.PersonInput, origin string) (*centre.Person, string, error) {
	if in.Role == centre.RoleOwner {
		site = centre.AllSites
	}
	person, token, err := l.a.Service.InvitePerson(ctx, operator, site, in)
	if err != nil {
		return nil, "", err
	}
	link, err := invitationURL(origin, token)
	return person, link, err
}
func (l *local) listPeople(ctx context.Context, site string) ([]*centre.Person, error) {
	return l.a.Service.People(ctx, operator, site)
}
func (l *local) disablePerson(ctx context.Context, site, id string) (*centre.Person, error) {
	return l.a.Service.DisablePerson(ctx, operator, site, id)
}

func (l *local) resendInvitation(ctx context.Context, site, id, origin string) (*centre.Person, string, error) {
	person, token, err := l.a.Service.ResendInvitation(ctx, operator, site, id, 0)
	if err != nil {
		return nil, "", err
	}
	link, err := invitationURL(origin, token)
	return person, link, err
}

func peoplePath(site string) string { return "/api/v1/admin/sites/" + url.PathEscape(site) + "/people" }

func (r *remote) invitePerson(ctx context.Context, site string, in centre.PersonInput, _ string) (*centre.Person, string, error) {
	var out httpapi.InvitedPerson
	err := r.do(ctx, http.MethodPost, peoplePath(site), in, &out)
	return out.Person, out.InvitationURL, err
}
func (r *remote) listPeople(ctx context.Context, site string) ([]*centre.Person, error) {
	var out httpapi.PersonList
	return out.Items, r.do(ctx, http.MethodGet, peoplePath(site), nil, &out)
}
func (r *remote) disablePerson(ctx context.Context, site, id string) (*centre.Person, error) {
	var out centre.Person
	return &out, r.do(ctx, http.MethodPost, peoplePath(site)+"/"+url.PathEscape(id)+"/disable", nil, &out)
}

func (r *remote) resendInvitation(ctx context.Context, site, id, _ string) (*centre.Person, string, error) {
	var out httpapi.InvitedPerson
	err := r.do(ctx, http.MethodPost, peoplePath(site)+"/"+url.PathEscape(id)+"/invitation", nil, &out)
	return out.Person, out.InvitationURL, err
}

// findPerson returns the person of site with email, or an error naming it.
func findPerson(ctx context.Context, pt peopleTarget, site, email string) (*centre.Person, error) {
	people, err := pt.listPeople(ctx, site)
	if err != nil {
		return nil, err
	}
	for _, p := range people {
		if p.Email == centre.NormalizeEmail(email) {
			return p, nil
		}
	}
	return nil, centre.Errorf(centre.ENOTFOUND, "nobody with the email %q on this site; invite them without --resend", email)
}

// openPeopleTarget opens the target of a person command. Through the API
// people are managed per site: owners (no --site) only on the local store.
func openPeopleTarget(ctx context.Context, tf targetFlags, site, cmd string) (peopleTarget, func(), error) {
	t, err := tf.open(ctx)
	if err != nil {
		return nil, nil, err
	}
	pt, ok := t.(peopleTarget)
	if !ok {
		t.close()
		return nil, nil, fmt.Errorf("person commands are not available on this target")
	}
	if _, isRemote := t.(*remote); isRemote && site == centre.AllSites {
		t.close()
		return nil, nil, usagef("%s: --site is required with --url (owners are managed on the server's own store)", cmd)
	}
	return pt, func() { t.close() }, nil
}

// consoleOrigin is where invitation links point: --origin, else
// PUBLIC_ORIGIN, else the address `infocentre serve` listens on by default.
func consoleOriginFlag(fs *flag.FlagSet) *string {
	return fs.String("origin", envOr("PUBLIC_ORIGIN", "http://localhost:8080"),
		"`origin` the console is served at, for the invitation link on the local store (env PUBLIC_ORIGIN; with --url the server's own)")
}

func invitationURL(origin, token string) (string, error) {
	u, err := console.ConsoleOrigin(origin)
	if err != nil {
		return "", usagef("%v", err)
	}
	return u.String() + "/admin/invite/" + token, nil
}

func personInviteCmd(fs *flag.FlagSet) runFunc {
	var tf targetFlags
	tf.register(fs)
	site := fs.String("site", "", "`site` the person works on (required, except with --role owner)")
	var in centre.PersonInput
	fs.StringVar(&in.Email, "email", "", "the person's `email` (required)")
	fs.StringVar(&in.Role, "role", "", "the person's `role`: viewer, editor, publisher, admin or owner (required)")
	fs.StringVar(&in.Name, "name", "", "the person's `name` (default: the email)")
	fs.StringVar(&in.Organisation, "organisation", "", "the member `organisation` the person acts for")
	resend := fs.Bool("resend", false, "send the invitation of the person already invited with --email again: a new link, and the one sent before stops working (--role: owner for an owner)")
	origin := consoleOriginFlag(fs)
	return func(ctx context.Context, _ []string, stdout, stderr io.Writer) error {
		if *site == "" && in.Role != centre.RoleOwner {
			return usagef("person invite: --site is required (except with --role owner)")
		}
		if in.Email == "" || in.Role == "" && !*resend {
			return usagef("person invite: --email and --role are required (--role not with --resend)")
		}
		in := in
		if in.Name == "" {
			in.Name = in.Email
		}
		s := *site
		if in.Role == centre.RoleOwner {
			s = centre.AllSites
		}
		if tf.url == "" {
			if _, err := console.ConsoleOrigin(*origin); err != nil {
				return usagef("person invite: --origin: %v", err)
			}
		}
		pt, closeTarget, err := openPeopleTarget(ctx, tf, s, "person invite")
		if err != nil {
			return err
		}
		defer closeTarget()
		var link string
		if *resend {
			p, err := findPerson(ctx, pt, s, in.Email)
			if err != nil {
				return explain(err)
			}
			_, link, err = pt.resendInvitation(ctx, s, p.ID, *origin)
			if err != nil {
				return explain(err)
			}
		} else if _, link, err = pt.invitePerson(ctx, s, in, *origin); err != nil {
			return explain(err)
		}
		fmt.Fprintln(stdout, link) // alone on stdout, so scripts can capture it
		return nil
	}
}

func personListCmd(fs *flag.FlagSet) runFunc {
	var tf targetFlags
	tf.register(fs)
	site := fs.String("site", "", "`site` whose people to list (default: the owners, on the local store)")
	return func(ctx context.Context, _ []string, stdout, stderr io.Writer) error {
		s := *site
		if s == "" {
			s = centre.AllSites
		}
		pt, closeTarget, err := openPeopleTarget(ctx, tf, s, "person list")
		if err != nil {
			return err
		}
		defer closeTarget()
		people, err := pt.listPeople(ctx, s)
		if err != nil {
			return explain(err)
		}
		tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tEMAIL\tNAME\tSITE\tROLE\tSTATE\tORGANISATION\tPASSKEYS\tLAST SIGN-IN")
		for _, p := range people {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%d\t%s\n", p.ID, p.Email, p.Name, p.Site, p.Role, p.State,
				orDash(p.Organisation), len(p.Credentials), when(p.LastSignIn))
		}
		return tw.Flush()
	}
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func personDisableCmd(fs *flag.FlagSet) runFunc {
	var tf targetFlags
	tf.register(fs)
	site := fs.String("site", "", "`site` of the person (default: the owners, on the local store)")
	return func(ctx context.Context, args []string, stdout, stderr io.Writer) error {
		s := *site
		if s == "" {
			s = centre.AllSites
		}
		pt, closeTarget, err := openPeopleTarget(ctx, tf, s, "person disable")
		if err != nil {
			return err
		}
		defer closeTarget()
		p, err := pt.disablePerson(ctx, s, args[0])
		if err != nil {
			return explain(err)
		}
		fmt.Fprintf(stdout, "disabled %s (%s) at %s; their sessions have ended\n", p.Email, p.ID, p.UpdatedAt.Format(time.RFC3339))
		return nil
	}
}

// ownerEmail is the email of the first owner `infocentre serve` invites.
func ownerEmail() string { return envOr("INFOCENTRE_OWNER_EMAIL", "owner@localhost") }
