package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"slices"
	"strings"
)

// runFunc runs a command once its flags are parsed; args are the
// positional arguments after the flags.
type runFunc func(ctx context.Context, args []string, stdout, stderr io.Writer) error

// command is one CLI command. Its setup registers the command's flags and
// returns what runs it, so the flags a command parses are the flags its
// help shows.
type command struct {
	name    string // "site create"
	args    string // positional arguments after the flags ("ID", "FILE"), one word each
	summary string // one line for the help
	setup   func(fs *flag.FlagSet) runFunc
}

// commands is every command of the CLI. It drives parsing (run), the help
// (infocentre help) and the package documentation (doc.go, which
// TestPackageDoc checks against it).
var commands = []command{
	{name: "serve", summary: "serve the information centre and run the scheduled publisher", setup: serveCmd},
	{name: "site create", summary: "create a site (a contact --email or --contact-url is required, unless --from gives one); prints its first admin key once", setup: siteCreateCmd},
	{name: "site list", summary: "list every site", setup: siteListCmd},
	{name: "site archive", summary: "make a site read-only, marked archived everywhere", setup: siteStatusCmd("archive")},
	{name: "site reopen", summary: "make an archived site writable again (owner keys only)", setup: siteStatusCmd("reopen")},
	{name: "site rebuild-front", summary: "give every site created before fronts were kept its front (what the public pages list), from its entries (serve does it on start, the publisher function on AWS)", setup: siteRebuildFrontCmd},
	{name: "key create", summary: "create a staff key and print its secret, alone, once", setup: keyCreateCmd},
	{name: "key list", summary: "list the keys of a site (without --site: the owner keys)", setup: keyListCmd},
	{name: "key revoke", args: "ID", summary: "revoke a key at once", setup: keyRevokeCmd},
	{name: "person invite", summary: "invite a person to the console and print the invitation link (one-time, 72 h), alone", setup: personInviteCmd},
	{name: "person list", summary: "list the people of a site (without --site: the owners)", setup: personListCmd},
	{name: "person disable", args: "ID", summary: "disable a person: no sign-in, every session ended at once", setup: personDisableCmd},
	{name: "table create", summary: "create the DynamoDB table DYNAMODB_TABLE (at DYNAMODB_ENDPOINT, if set)", setup: tableCreateCmd},
	{name: "export", summary: "export a whole site as NDJSON", setup: exportCmd},
	{name: "import", args: "FILE", summary: "import an NDJSON export (FILE - reads standard input)", setup: importCmd},
	{name: "export-static", summary: "write a site's public pages, feeds and API snapshots as plain files for a static host", setup: exportStaticCmd},
	{name: "audit", summary: "show an audit log, newest first (without --site: the owner-level log)", setup: auditCmd},
	{name: "entry list", summary: "list a site's entries in every status, newest first (--json: as the staff API answers them)", setup: entryListCmd},
	{name: "entry show", args: "ID", summary: "print an entry (by id, or by slug) as Markdown with YAML front matter, the format entry push reads, or as JSON", setup: entryShowCmd},
	{name: "entry push", args: "FILE", summary: "create or update an entry from a Markdown file with YAML front matter (see the README); writes the entry's id and version back into FILE", setup: entryPushCmd},
	{name: "entry publish", args: "ID", summary: "publish an entry now, or schedule it for its publish_at; --note for a major update of a published one", setup: entryPublishCmd},
	{name: "entry withdraw", args: "ID", summary: "withdraw a published entry: it stays readable, marked withdrawn with the reason", setup: entryWithdrawCmd},
	{name: "file put", args: "PATH", summary: "host a document or image (its type decided from its content); prints its public path", setup: filePutCmd},
	{name: "file list", summary: "list a site's hosted files, newest first", setup: fileListCmd},
	{name: "publish-due", summary: "release the scheduled entries that are due, once", setup: publishDueCmd},
	{name: "seed", summary: "prepare an empty store as serve does on its first start: the first owner key and console invitation (printed once) and the demo site", setup: seedCmd},
}

// Flags that many commands share; the help lists them once, in groups.
var (
	storeGroup  = []string{"data", "stack", "store"} // storeFlags: where a command acts
	targetGroup = []string{"url", "key"}             // targetFlags: a server to act through instead
)

// find returns the command that args start with and the arguments after
// its name. A known group ("site") with a missing or unknown subcommand
// is a usage error naming the group's subcommands.
func find(args []string) (*command, []string, error) {
	var subs []string
	for i := range commands {
		c := &commands[i]
		words := strings.Fields(c.name)
		if len(args) >= len(words) && slices.Equal(args[:len(words)], words) {
			return c, args[len(words):], nil
		}
		if len(words) == 2 && words[0] == args[0] {
			subs = append(subs, words[1])
		}
	}
	if len(subs) > 0 {
		if len(args) < 2 {
			return nil, nil, usagef("%s: expected %s", args[0], orList(subs))
		}
		return nil, nil, usagef("%s: unknown subcommand %q (expected %s)", args[0], args[1], orList(subs))
	}
	return nil, nil, usagef("unknown command %q", args[0])
}

func orList(s []string) string {
	if len(s) == 1 {
		return s[0]
	}
	return strings.Join(s[:len(s)-1], ", ") + " or " + s[len(s)-1]
}

// flags returns the command's flag set with its flags registered, and the
// command's runner.
func (c *command) flags(stderr io.Writer) (*flag.FlagSet, runFunc) {
	fs := flag.NewFlagSet(c.name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	return fs, c.setup(fs)
}

// exec parses args and runs the command. -h prints the command's help.
func (c *command) exec(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs, run := c.flags(stderr)
	// A parse error is reported once, as the returned usage error.
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			c.help(stdout, fs)
			return nil
		}
		return usagef("%s: %v", c.name, err)
	}
	if want := len(strings.Fields(c.args)); fs.NArg() != want {
		if want == 0 {
			return usagef("%s: unexpected argument %q: %s", c.name, fs.Arg(0), c.synopsis(fs))
		}
		return usagef("%s: expected %s after the flags: %s", c.name, c.args, c.synopsis(fs))
	}
	return run(ctx, fs.Args(), stdout, stderr)
}

// placeholder returns how the help shows the value of f: the back-quoted
// word of its usage in capitals ("DIR"), or "" for a boolean flag.
func placeholder(f *flag.Flag) string {
	name, _ := flag.UnquoteUsage(f)
	return strings.ToUpper(name)
}

func required(f *flag.Flag) bool {
	_, usage := flag.UnquoteUsage(f)
	return strings.Contains(usage, "(required)")
}

// synopsis is the command's usage line: required flags, then optional
// ones, then the shared groups it takes and its arguments.
func (c *command) synopsis(fs *flag.FlagSet) string {
	var req, opt []string
	group := ""
	fs.VisitAll(func(f *flag.Flag) {
		switch {
		case slices.Contains(targetGroup, f.Name):
			group = "[target flags]"
			return
		case slices.Contains(storeGroup, f.Name):
			if group == "" {
				group = "[store flags]"
			}
			return
		}
		s := "--" + f.Name
		if p := placeholder(f); p != "" {
			s += " " + p
		}
		if required(f) {
			req = append(req, s)
		} else {
			opt = append(opt, "["+s+"]")
		}
	})
	parts := append([]string{"infocentre", c.name}, req...)
	parts = append(parts, opt...)
	if group != "" {
		parts = append(parts, group)
	}
	if c.args != "" {
		parts = append(parts, c.args)
	}
	return strings.Join(parts, " ")
}

// help prints the command's synopsis, summary and every flag with its
// default.
func (c *command) help(w io.Writer, fs *flag.FlagSet) {
	fmt.Fprintf(w, "%s\n\n%s.\n\nFlags:\n", c.synopsis(fs), upperFirst(c.summary))
	out := fs.Output()
	fs.SetOutput(w)
	fs.PrintDefaults()
	fs.SetOutput(out)
}

func upperFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// groupHelp lists the flags of a shared group, one a line, with no
// defaults (they depend on the environment).
func groupHelp(names []string) []string {
	fs := flag.NewFlagSet("", flag.ContinueOnError)
	var tf targetFlags
	tf.register(fs)
	var lines []string
	for _, n := range names {
		f := fs.Lookup(n)
		_, usage := flag.UnquoteUsage(f)
		lines = append(lines, fmt.Sprintf("%-14s %s", "--"+n+" "+placeholder(f), usage))
	}
	return lines
}

// usageText is the text of `infocentre help`; the package documentation
// holds the same lines.
func usageText() string {
	var b strings.Builder
	b.WriteString("infocentre — a crisis information centre\n\nUsage:\n")
	for _, l := range synopsisLines() {
		fmt.Fprintf(&b, "  %s\n", l)
	}
	b.WriteString("\n")
	for _, l := range groupLines() {
		fmt.Fprintln(&b, l)
	}
	b.WriteString("\n" + targetNote + "\n\nRun 'infocentre help COMMAND' (or COMMAND -h) for a command's flags and defaults.\n")
	return b.String()
}

// synopsisLines is every command's synopsis followed by its summary.
func synopsisLines() []string {
	var lines []string
	for i := range commands {
		c := &commands[i]
		fs, _ := c.flags(io.Discard)
		lines = append(lines, c.synopsis(fs), "    "+c.summary)
	}
	return lines
}

// groupLines documents the shared flag groups; "" separates them.
func groupLines() []string {
	lines := []string{"Store flags (where a command acts):"}
	for _, l := range groupHelp(storeGroup) {
		lines = append(lines, "  "+l)
	}
	lines = append(lines, "", "Target flags (the store flags, and a server to act through instead):")
	for _, l := range groupHelp(targetGroup) {
		lines = append(lines, "  "+l)
	}
	return lines
}

const targetNote = `Commands with target flags act on the local store (--data DIR, or --store dynamodb
with DYNAMODB_TABLE and DYNAMODB_ENDPOINT, or --stack NAME: the table of that deployed
stack, from its outputs) unless --url (INFOCENTRE_URL) names a running server or
deployed API, used with a staff key in --key (INFOCENTRE_KEY).`

// helpCmd prints the usage, or one command's help.
func helpCmd(args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stdout, usageText())
		return nil
	}
	c, rest, err := find(args)
	if err != nil {
		return err
	}
	if len(rest) > 0 {
		return usagef("help: unexpected %q after %q", rest[0], c.name)
	}
	fs, _ := c.flags(stderr)
	c.help(stdout, fs)
	return nil
}
