// Package functions_test checks that template.yaml and the function
// sources agree: every function is built from its directory by a
// functions/Makefile target, gets the environment the code reads, the
// least privilege it needs, and the routes the handler serves.
package functions_test

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// node is a decoded template node; intrinsic functions (!Ref X) come back
// as {"Ref": X}.
type node = map[string]any

func loadTemplate(t *testing.T) node {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "template.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	expandIntrinsics(&doc)
	var m node
	if err := doc.Decode(&m); err != nil {
		t.Fatal(err)
	}
	return m
}

// expandIntrinsics rewrites short-form intrinsics (!Ref X, !GetAtt A.B, …)
// into their long form ({Ref: X}, {Fn::GetAtt: …}).
func expandIntrinsics(n *yaml.Node) {
	for _, c := range n.Content {
		expandIntrinsics(c)
	}
	if !strings.HasPrefix(n.Tag, "!") || strings.HasPrefix(n.Tag, "!!") {
		return
	}
	name := strings.TrimPrefix(n.Tag, "!")
	if name != "Ref" && name != "Condition" {
		name = "Fn::" + name
	}
	inner := *n
	inner.Tag = ""
	*n = yaml.Node{Kind: yaml.MappingNode, Tag: "!!map", Content: []*yaml.Node{
		{Kind: yaml.ScalarNode, Tag: "!!str", Value: name}, &inner,
	}}
}

func get(t *testing.T, m any, path ...string) any {
	t.Helper()
	cur := m
	for _, p := range path {
		mm, ok := cur.(node)
		if !ok {
			t.Fatalf("%s: not a mapping at %q", strings.Join(path, "."), p)
		}
		cur, ok = mm[p]
		if !ok {
			t.Fatalf("%s: no %q", strings.Join(path, "."), p)
		}
	}
	return cur
}

func functions(t *testing.T, tpl node) map[string]node {
	out := map[string]node{}
	for name, r := range get(t, tpl, "Resources").(node) {
		if r.(node)["Type"] == "AWS::Serverless::Function" {
			out[name] = r.(node)
		}
	}
	// public, admin, authorizer, publisher, edge, notifier, bounces
	if len(out) != 7 {
		t.Fatalf("template has %d functions, want 7", len(out))
	}
	return out
}

func TestEachFunctionBuildsFromItsDirectory(t *testing.T) {
	tpl := loadTemplate(t)
	mk, err := os.ReadFile("Makefile")
	if err != nil {
		t.Fatal(err)
	}
	for name, fn := range functions(t, tpl) {
		meta := get(t, fn, "Metadata").(node)
		if meta["BuildMethod"] != "makefile" || meta["ContextPath"] != "functions" || meta["ProjectRootDirectory"] != "." {
			t.Errorf("%s: Metadata %v", name, meta)
		}
		dir := get(t, fn, "Properties", "CodeUri").(string)
		if _, err := os.Stat(filepath.Join("..", dir, "main.go")); err != nil {
			t.Errorf("%s: CodeUri %s has no main.go", name, dir)
		}
		target := regexp.MustCompile(`(?m)^build-` + name + `:\n\t\$\(call LAMBDA_BUILD,\./` + regexp.QuoteMeta(dir) + `(,\$\(PUBLIC_TAGS\))?\)$`)
		if !target.Match(mk) {
			t.Errorf("%s: functions/Makefile has no build-%s target building ./%s", name, name, dir)
		}
	}
	for _, flag := range []string{"CGO_ENABLED=0", "TAGS     = lambda.norpc,lambda,nethttpomithttp2\n", "-tags $(TAGS)$(2)", `-ldflags "-s -w"`, "-trimpath"} {
		if !strings.Contains(string(mk), flag) {
			t.Errorf("functions/Makefile does not build with %s", flag)
		}
	}
}

func TestRuntimeAndEnvironment(t *testing.T) {
	tpl := loadTemplate(t)
	g := get(t, tpl, "Globals", "Function").(node)
	if g["Runtime"] != "provided.al2023" || g["Handler"] != "bootstrap" {
		t.Errorf("Runtime %v, Handler %v", g["Runtime"], g["Handler"])
	}
	arch := g["Architectures"].([]any)
	if len(arch) != 1 || arch[0].(node)["Ref"] != "Architecture" {
		t.Errorf("Architectures %v, want [!Ref Architecture]", arch)
	}
	if d := get(t, tpl, "Parameters", "Architecture", "Default"); d != "arm64" {
		t.Errorf("Architecture default %v", d)
	}
	vars := get(t, g, "Environment", "Variables").(node)
	var names []string
	for k := range vars {
		names = append(names, k)
	}
	slices.Sort(names)
	want := []string{"ALERTS_FROM", "ALERTS_SECRET", "ALERTS_SECRET_ARN", "CURSOR_SECRET", "CURSOR_SECRET_ARN", "DYNAMODB_ENDPOINT", "DYNAMODB_TABLE", "FILES_BUCKET", "LOG_LEVEL",
		"OIDC_CLIENT_ID", "OIDC_CLIENT_SECRET", "OIDC_CLIENT_SECRET_ARN", "OIDC_ISSUER", "OIDC_NAME",
		"ORIGIN_SECRET", "ORIGIN_SECRET_ARN", "PREVIEW_SECRET", "PREVIEW_SECRET_ARN", "PUBLIC_ORIGIN", "RENDER_CACHE_BYTES", "RESERVED_HOSTS", "S3_ENDPOINT", "SECRETSMANAGER_ENDPOINT", "SES_CONFIGURATION_SET", "SES_ENDPOINT", "SMTP_URL", "STAGE", "TRANSFER_BUCKET", "TRUST_FORWARDED", "WEBSUB_HUB"}
	if !slices.Equal(names, want) {
		t.Errorf("environment %v, want %v", names, want)
	}
	// No secret value in any function's environment: only where to find it.
	for _, v := range []string{"DYNAMODB_ENDPOINT", "SECRETSMANAGER_ENDPOINT", "CURSOR_SECRET", "PREVIEW_SECRET", "OIDC_CLIENT_SECRET", "ORIGIN_SECRET",
		"ALERTS_SECRET", "SMTP_URL", "SES_ENDPOINT"} {
		if vars[v] != "" {
			t.Errorf("%s must be empty in AWS, is %v", v, vars[v])
		}
	}
	for v, secret := range map[string]string{"CURSOR_SECRET_ARN": "CursorSecret", "PREVIEW_SECRET_ARN": "PreviewSecret", "ALERTS_SECRET_ARN": "AlertsSecret"} {
		if ref, _ := vars[v].(node); ref["Ref"] != secret {
			t.Errorf("%s = %v, want !Ref %s", v, vars[v], secret)
		}
		if get(t, tpl, "Resources", secret, "Type") != "AWS::SecretsManager::Secret" {
			t.Errorf("%s is not a Secrets Manager secret", secret)
		}
	}
	// Single sign-on is off by default and all or nothing: each OIDC
	// variable is its parameter only when HasOidc holds.
	for v, param := range map[string]string{"OIDC_ISSUER": "OidcIssuer", "OIDC_CLIENT_ID": "OidcClientId", "OIDC_CLIENT_SECRET_ARN": "OidcClientSecretArn"} {
		iff, _ := vars[v].(node)["Fn::If"].([]any)
		if len(iff) != 3 || iff[0] != "HasOidc" || iff[1].(node)["Ref"] != param || iff[2] != "" {
			t.Errorf("%s = %v, want !If [HasOidc, !Ref %s, \"\"]", v, vars[v], param)
		}
		if d := get(t, tpl, "Parameters", param, "Default"); d != "" {
			t.Errorf("parameter %s defaults to %v, want empty (single sign-on off)", param, d)
		}
	}
	// The console's origin: the PublicOrigin parameter, else the custom domain.
	origin, _ := vars["PUBLIC_ORIGIN"].(node)["Fn::If"].([]any)
	if len(origin) != 3 || origin[0] != "HasPublicOrigin" || origin[1].(node)["Ref"] != "PublicOrigin" {
		t.Errorf("PUBLIC_ORIGIN = %v, want !If [HasPublicOrigin, !Ref PublicOrigin, …]", vars["PUBLIC_ORIGIN"])
	}
	// No site may claim a host name of the deployment itself: the API's
	// custom domain is reserved beside the AWS names (the CloudFront
	// Function treats the same names as the deployment's own).
	if r := fmt.Sprint(vars["RESERVED_HOSTS"]); !strings.Contains(r, "*.cloudfront.net") || !strings.Contains(r, "${ReservedHosts}") || !strings.Contains(r, "${HostName}") {
		t.Errorf("RESERVED_HOSTS = %v, want the cloudfront.net names, ReservedHosts and HostName", r)
	}
	// The origin secret: its ARN when the distribution exists, else none.
	if iff, _ := vars["ORIGIN_SECRET_ARN"].(node)["Fn::If"].([]any); len(iff) != 3 || iff[0] != "HasDistribution" ||
		iff[1].(node)["Ref"] != "OriginSecret" || iff[2] != "" {
		t.Errorf("ORIGIN_SECRET_ARN = %v, want !If [HasDistribution, !Ref OriginSecret, \"\"]", vars["ORIGIN_SECRET_ARN"])
	}
	// A dynamic reference would land a secret in plain text in a
	// function's configuration; the one allowed is the distribution's
	// origin header (TestDistribution).
	if strings.Contains(fmt.Sprint(g), "{{resolve:") {
		t.Error("Globals resolve a dynamic reference: a secret would land in plain text in the function configuration")
	}
	for name, fn := range functions(t, tpl) {
		if strings.Contains(fmt.Sprint(fn), "{{resolve:") {
			t.Errorf("%s resolves a dynamic reference: a secret would land in plain text in its configuration", name)
		}
	}
	raw, err := os.ReadFile(filepath.Join("..", "template.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(string(raw), "{{resolve:"); n != 1 {
		t.Errorf("template.yaml has %d dynamic references, want 1 (the distribution's origin secret header)", n)
	}
	for name, fn := range functions(t, tpl) {
		env, ok := get(t, fn, "Properties").(node)["Environment"]
		if name == "EdgeFunction" {
			// The distribution depends on the functions behind the API, so
			// Globals cannot name it: the edge function's own variables.
			own := get(t, env, "Variables").(node)
			if len(own) != 3 || own["CLOUDFRONT_ENDPOINT"] != "" || own["MIRROR_BUCKET"].(node)["Ref"] != "MirrorBucket" ||
				own["DISTRIBUTION_ID"].(node)["Ref"] != "Distribution" {
				t.Errorf("EdgeFunction: Environment %v, want MIRROR_BUCKET, DISTRIBUTION_ID and an empty CLOUDFRONT_ENDPOINT", own)
			}
			continue
		}
		if ok {
			t.Errorf("%s: sets its own Environment %v; keep every variable in Globals", name, env)
		}
	}
}

// statements returns the inline IAM statements of a function's Policies
// (SAM policy templates other than the Secrets Manager one are refused).
func statements(t *testing.T, name string, fn node) []node {
	var out []node
	for _, p := range get(t, fn, "Properties", "Policies").([]any) {
		p := p.(node)
		if iff, ok := p["Fn::If"].([]any); ok {
			// Optional KMS statement: only with HasKmsKey. The OIDC client
			// secret's policy (HasOidc): TestOIDCSecretOnlyForTheConsole.
			if len(iff) == 3 && iff[0] == "HasOidc" && name == "AdminFunction" {
				continue
			}
			// The origin secret (HasDistribution): TestDistribution.
			if len(iff) == 3 && iff[0] == "HasDistribution" && name == "PublicFunction" {
				continue
			}
			// Sending email alerts (HasAlerts): checked in TestLeastPrivilege.
			alerts := len(iff) == 3 && iff[0] == "HasAlerts" && name == "NotifierFunction"
			if !alerts && (len(iff) != 3 || iff[0] != "HasKmsKey") {
				t.Errorf("%s: conditional policy %v", name, p)
				continue
			}
			p = iff[1].(node)
		}
		if _, ok := p["AWSSecretsManagerGetSecretValuePolicy"]; ok {
			continue
		}
		st, ok := p["Statement"].([]any)
		if !ok {
			t.Errorf("%s: policy %v is not an inline statement list (SAM's DynamoDB policy templates grant Scan and every item)", name, p)
			continue
		}
		for _, s := range st {
			out = append(out, s.(node))
		}
	}
	return out
}

// TestOIDCSecretOnlyForTheConsole: only the admin function (which serves
// the console) may read the OIDC client secret, and only when single
// sign-on is configured; every other Secrets Manager right of every
// function is one of the deployment's two generated secrets.
func TestOIDCSecretOnlyForTheConsole(t *testing.T) {
	seen := 0
	for name, fn := range functions(t, loadTemplate(t)) {
		for _, p := range get(t, fn, "Properties", "Policies").([]any) {
			p := p.(node)
			if iff, ok := p["Fn::If"].([]any); ok && len(iff) == 3 && iff[0] == "HasOidc" {
				seen++
				sm, _ := iff[1].(node)["AWSSecretsManagerGetSecretValuePolicy"].(node)
				if name != "AdminFunction" || sm["SecretArn"].(node)["Ref"] != "OidcClientSecretArn" ||
					iff[2].(node)["Ref"] != "AWS::NoValue" || len(iff[1].(node)) != 1 {
					t.Errorf("%s: OIDC policy %v, want the admin function's read of OidcClientSecretArn only", name, p)
				}
				continue
			}
			if sm, ok := p["AWSSecretsManagerGetSecretValuePolicy"].(node); ok {
				if ref := sm["SecretArn"].(node)["Ref"]; ref != "CursorSecret" && ref != "PreviewSecret" && ref != "AlertsSecret" {
					t.Errorf("%s: reads secret %v", name, ref)
				}
			}
		}
	}
	if seen != 1 {
		t.Errorf("%d OIDC secret policies, want 1 (the admin function's)", seen)
	}
	cond := get(t, loadTemplate(t), "Conditions", "HasOidc").(node)["Fn::And"].([]any)
	var refs []string
	for _, c := range cond {
		eq := c.(node)["Fn::Not"].([]any)[0].(node)["Fn::Equals"].([]any)
		refs = append(refs, fmt.Sprint(eq[0].(node)["Ref"]))
	}
	slices.Sort(refs)
	if !slices.Equal(refs, []string{"OidcClientId", "OidcClientSecretArn", "OidcIssuer"}) {
		t.Errorf("HasOidc needs %v, want issuer, client id and secret", refs)
	}
}

func actions(s node) []string {
	switch a := s["Action"].(type) {
	case string:
		return []string{a}
	case []any:
		var out []string
		for _, x := range a {
			out = append(out, x.(string))
		}
		return out
	}
	return nil
}

// TestLeastPrivilege checks the shape of each function's table access: no
// Scan, no wildcard, read-only where the function only reads, and item
// scoping by partition-key prefix (dynamodb:LeadingKeys) for every function
// but the staff API. TestFunctionTableAccess (internal/app) checks that the
// code stays within these policies.
func TestLeastPrivilege(t *testing.T) {
	readOnly := map[string]bool{"PublicFunction": true, "AuthorizerFunction": true, "EdgeFunction": true}
	scoped := map[string][]string{
		"PublicFunction":     {"SITE#*", "HOST#*", "S#*", "R#*", "X#*", "XL#*", "FH#*"},
		"AuthorizerFunction": {"KEYHASH#*", "KEY#*"},
		"PublisherFunction":  {"S#*", "R#*", "L#*", "X#*", "XL#*", "OUTBOX#*"},
		"BouncesFunction":    {"AX#*"},
		"EdgeFunction":       {"SITE#*", "HOST#*", "S#*", "L#*", "R#*", "X#*", "XL#*", "FH#*"},
		"NotifierFunction":   {"R#*", "SITE#*", "OUTBOX#*", "S#*"},
	}
	// The one write a read-only function may do, by Sid: the public
	// function keeps visitors' email alert subscriptions and reads the
	// suppression list (internal/alerts), nothing else.
	visitorWrites := map[string][]string{"PublicFunction/VisitorSubscriptions": {"AS#*", "AX#*", "AQ#*"},
		// The notifier's email channel: claims, who was told, digests.
		"NotifierFunction/EmailAlerts": {"AS#*", "AD#*", "AT#*", "AG#*", "AX#*"}}
	// Statements that only put new items, by Sid: the public function
	// records a subscription's confirmation email in the outbox.
	putScoped := map[string][]string{"PublicFunction/ConfirmationEmails": {"OUTBOX#*"}}
	// The notifier's webhook channel, by Sid: it lists endpoints, records
	// deliveries and counts failures (get, query, put), on their items only.
	webhookWrites := map[string][]string{"NotifierFunction/Webhooks": {"WH#*", "WD#*"}}
	// Extra read-only statements, by Sid: leading keys and the one action.
	readOnlyScoped := map[string][]string{"PublisherFunction/ReadSites": {"SITE#*"}}
	// Extra statements that read and update (never put or delete) items,
	// by Sid: the publisher makes a released entry's files public.
	updateScoped := map[string][]string{"PublisherFunction/MarkFilesPublic": {"F#*", "FH#*"}, "NotifierFunction/SettleOutbox": {"OUTBOX#*"}}
	// Condition checks only, by Sid: the publisher stores a rebuilt front
	// on the condition that its site exists (app.FrontKeeper).
	checkScoped := map[string][]string{"PublisherFunction/CheckSiteExists": {"SITE#*"}}
	// The index statements, by Sid, that are scoped to leading keys: the
	// publisher lists the sites and a site's public entries (rebuilding
	// missing fronts), never a site's key list or subscribers on GSI1.
	indexScoped := map[string][]string{"PublisherFunction/QuerySitesAndPublicLists": {"SITES", "P#*#all"}}
	// The one batch read, by Sid: the public function reads the entries a
	// site's front names by ID, from their list items (L#<site>#all).
	batchScoped := map[string][]string{"PublicFunction/ReadListedEntries": {"L#*#all"}, "EdgeFunction/ReadListedEntries": {"L#*#all"}}
	// The hosted files: the public function reads them, the admin
	// function reads, writes and deletes them (and signs direct uploads
	// with that right); nothing else, on no other bucket.
	wantS3 := map[string][]string{
		"PublicFunction": {"s3:GetObject"},
		"AdminFunction":  {"s3:DeleteObject", "s3:GetObject", "s3:PutObject"},
		"EdgeFunction":   {"s3:GetObject"},
	}
	for name, fn := range functions(t, loadTemplate(t)) {
		sts := statements(t, name, fn)
		if len(sts) == 0 {
			t.Errorf("%s: no table statement", name)
		}
		var s3Actions []string
		for _, s := range sts {
			for _, a := range actions(s) {
				if strings.HasPrefix(a, "s3:") {
					switch res, _ := s["Resource"].(node); {
					case res["Fn::Sub"] == "${FilesBucket.Arn}/*" && s["Effect"] == "Allow":
						s3Actions = append(s3Actions, a)
					case name == "AdminFunction" && slices.Contains([]string{"s3:GetObject", "s3:PutObject", "s3:DeleteObject"}, a) &&
						res["Fn::Sub"] == "${TransferBucket.Arn}/*":
						// Large transfers: objects of the transfer bucket only.
					case name == "EdgeFunction" && (slices.Contains([]string{"s3:PutObject", "s3:DeleteObject"}, a) &&
						res["Fn::Sub"] == "${MirrorBucket.Arn}/*" || a == "s3:ListBucket" && fmt.Sprint(s["Resource"]) == "map[Fn::GetAtt:MirrorBucket.Arn]"):
						// The static mirror: its objects, and listing them.
					default:
						t.Errorf("%s: %s on %v, want the objects of FilesBucket (or, for the admin function, TransferBucket) only", name, a, s["Resource"])
					}
					continue
				}
				if !strings.HasPrefix(a, "dynamodb:") {
					switch {
					case strings.HasPrefix(a, "kms:"):
					case a == "ses:SendEmail" && name == "NotifierFunction" && s["Sid"] == "SendAlerts":
						// Alerts and confirmation emails, as the SES identity
						// in the alerts configuration set only.
						for _, r := range asList(s["Resource"]) {
							sub, _ := r.(node)["Fn::Sub"].(string)
							if !strings.HasSuffix(sub, ":identity/${SesIdentity}") && !strings.HasSuffix(sub, ":configuration-set/${AlertsConfigurationSet}") {
								t.Errorf("%s: ses:SendEmail on %v", name, r)
							}
						}
					case name == "EdgeFunction" && a == "cloudfront:CreateInvalidation" &&
						strings.HasSuffix(fmt.Sprint(s["Resource"]), ":distribution/${Distribution}]"):
					case a == "sqs:SendMessage" && name == "NotifierFunction" &&
						s["Resource"].(node)["Fn::GetAtt"] == "NotifierDeadLetterQueue.Arn":
						// Its dead-letter queue (stream on-failure destination).
					default:
						t.Errorf("%s: action %s", name, a)
					}
					continue
				}
				batch := a == "dynamodb:BatchGetItem" && batchScoped[name+"/"+fmt.Sprint(s["Sid"])] != nil
				if strings.Contains(a, "*") || a == "dynamodb:Scan" || (strings.HasPrefix(a, "dynamodb:Batch") && !batch) ||
					a == "dynamodb:DeleteTable" || a == "dynamodb:UpdateTable" || a == "dynamodb:PartiQLSelect" {
					t.Errorf("%s: allows %s", name, a)
				}
				if _, ok := visitorWrites[name+"/"+fmt.Sprint(s["Sid"])]; ok {
					continue
				}
				if _, ok := putScoped[name+"/"+fmt.Sprint(s["Sid"])]; ok {
					continue
				}
				if readOnly[name] && a != "dynamodb:GetItem" && a != "dynamodb:Query" && !batch {
					t.Errorf("%s: read-only function allows %s", name, a)
				}
			}
			res, _ := s["Resource"].(node)
			if want, ok := indexScoped[name+"/"+fmt.Sprint(s["Sid"])]; ok {
				cond, _ := s["Condition"].(node)
				like, _ := cond["ForAllValues:StringLike"].(node)
				var got []string
				for _, k := range asList(like["dynamodb:LeadingKeys"]) {
					got = append(got, k.(string))
				}
				if a := actions(s); !slices.Equal(a, []string{"dynamodb:Query"}) || res["Fn::Sub"] != "${Table.Arn}/index/GSI1" || !slices.Equal(got, want) {
					t.Errorf("%s %v: %v on %v scoped to %v, want Query on GSI1 scoped to %v", name, s["Sid"], a, res, got, want)
				}
				continue
			}
			if name == "PublisherFunction" && strings.Contains(fmt.Sprint(res["Fn::Sub"]), "/index/GSI1") {
				t.Errorf("%s %v: GSI1 without leading keys (statement %v)", name, s["Sid"], s)
			}
			if res["Fn::GetAtt"] != "Table.Arn" {
				continue // an index (its own resource) or the KMS key
			}
			want, ok := scoped[name]
			if !ok {
				continue
			}
			if extra, ok := readOnlyScoped[name+"/"+fmt.Sprint(s["Sid"])]; ok {
				if a := actions(s); len(a) != 1 || a[0] != "dynamodb:GetItem" {
					t.Errorf("%s %v: actions %v, want GetItem only", name, s["Sid"], a)
				}
				want = extra
			}
			if extra, ok := visitorWrites[name+"/"+fmt.Sprint(s["Sid"])]; ok {
				want = extra
			}
			if extra, ok := putScoped[name+"/"+fmt.Sprint(s["Sid"])]; ok {
				if a := actions(s); !slices.Equal(a, []string{"dynamodb:PutItem"}) {
					t.Errorf("%s %v: actions %v, want PutItem only", name, s["Sid"], a)
				}
				want = extra
			}
			if extra, ok := webhookWrites[name+"/"+fmt.Sprint(s["Sid"])]; ok {
				if a := actions(s); !slices.Equal(a, []string{"dynamodb:GetItem", "dynamodb:Query", "dynamodb:PutItem"}) {
					t.Errorf("%s %v: actions %v, want GetItem, PutItem and Query only", name, s["Sid"], a)
				}
				want = extra
			}
			if extra, ok := updateScoped[name+"/"+fmt.Sprint(s["Sid"])]; ok {
				if a := actions(s); !slices.Equal(a, []string{"dynamodb:GetItem", "dynamodb:UpdateItem"}) {
					t.Errorf("%s %v: actions %v, want GetItem and UpdateItem only", name, s["Sid"], a)
				}
				want = extra
			}
			if extra, ok := checkScoped[name+"/"+fmt.Sprint(s["Sid"])]; ok {
				if a := actions(s); !slices.Equal(a, []string{"dynamodb:ConditionCheckItem"}) {
					t.Errorf("%s %v: actions %v, want ConditionCheckItem only", name, s["Sid"], a)
				}
				want = extra
			}
			if extra, ok := batchScoped[name+"/"+fmt.Sprint(s["Sid"])]; ok {
				if a := actions(s); len(a) != 1 || a[0] != "dynamodb:BatchGetItem" {
					t.Errorf("%s %v: actions %v, want BatchGetItem only", name, s["Sid"], a)
				}
				want = extra
			}
			cond, _ := s["Condition"].(node)
			like, _ := cond["ForAllValues:StringLike"].(node)
			var got []string
			for _, k := range asList(like["dynamodb:LeadingKeys"]) {
				got = append(got, k.(string))
			}
			if !slices.Equal(got, want) {
				t.Errorf("%s: table statement %v scoped to leading keys %v, want %v", name, s["Sid"], got, want)
			}
		}
		slices.Sort(s3Actions)
		if !slices.Equal(s3Actions, wantS3[name]) {
			t.Errorf("%s: S3 actions %v, want %v", name, s3Actions, wantS3[name])
		}
	}
}

func asList(v any) []any {
	l, _ := v.([]any)
	return l
}

type route struct{ method, path, authorizer string }

func routes(t *testing.T, fn node) []route {
	var out []route
	events, _ := get(t, fn, "Properties").(node)["Events"].(node)
	for _, ev := range events {
		ev := ev.(node)
		if ev["Type"] != "HttpApi" {
			continue
		}
		p := ev["Properties"].(node)
		r := route{method: "ANY", path: "$default"}
		if m, ok := p["Method"].(string); ok {
			r.method = m
		}
		if s, ok := p["Path"].(string); ok {
			r.path = s
		}
		if a, ok := p["Auth"].(node); ok {
			r.authorizer, _ = a["Authorizer"].(string)
		}
		out = append(out, r)
	}
	return out
}

func TestRoutes(t *testing.T) {
	tpl := loadTemplate(t)
	fns := functions(t, tpl)

	public := routes(t, fns["PublicFunction"])
	for _, want := range []route{
		{"GET", "/healthz", ""}, {"GET", "/api/v1/{proxy+}", ""}, {"GET", "/sites/{proxy+}", ""},
		{"GET", "/feed.atom", ""}, {"ANY", "$default", ""},
	} {
		if !slices.Contains(public, want) {
			t.Errorf("PublicFunction lacks route %v", want)
		}
	}
	for _, r := range public {
		if r.authorizer != "" || (r.method != "GET" && r.path != "$default") || strings.HasPrefix(r.path, "/api/v1/admin") {
			t.Errorf("PublicFunction route %v: public routes are GET and unauthenticated", r)
		}
	}
	admin := routes(t, fns["AdminFunction"])
	slices.SortFunc(admin, func(a, b route) int { return strings.Compare(a.method, b.method) })
	slices.SortStableFunc(admin, func(a, b route) int { return strings.Compare(a.method+a.path, b.method+b.path) })
	if !slices.Equal(admin, []route{{"ANY", "/admin", ""}, {"ANY", "/admin/{proxy+}", ""},
		{"ANY", "/api/v1/admin/{proxy+}", "StaffKeyAuthorizer"}, {"GET", "/api/v1/admin/{proxy+}", "StaffKeyAuthorizer"}}) {
		t.Errorf("AdminFunction routes %v", admin)
	}
	if r := routes(t, fns["AuthorizerFunction"]); len(r) != 0 {
		t.Errorf("AuthorizerFunction has routes %v", r)
	}

	auth := get(t, tpl, "Resources", "HttpApi", "Properties", "Auth", "Authorizers", "StaffKeyAuthorizer").(node)
	if auth["FunctionArn"].(node)["Fn::GetAtt"] != "AuthorizerFunction.Arn" ||
		auth["AuthorizerPayloadFormatVersion"] != "2.0" || auth["EnableSimpleResponses"] != true {
		t.Errorf("authorizer %v", auth)
	}
	id := auth["Identity"].(node)
	if !slices.Equal(id["Headers"].([]any), []any{"Authorization"}) || id["ReauthorizeEvery"].(node)["Ref"] != "AuthorizerCacheTtl" {
		t.Errorf("authorizer identity %v", id)
	}
	for _, r := range admin {
		staff := get(t, tpl, "Resources", "HttpApi", "Properties", "RouteSettings", r.method+" "+r.path).(node)
		if staff["ThrottlingRateLimit"].(node)["Ref"] != "StaffThrottleRate" {
			t.Errorf("staff route %s %s throttling %v", r.method, r.path, staff)
		}
	}

	sched := get(t, fns["PublisherFunction"], "Properties", "Events", "EveryMinute").(node)
	if sched["Type"] != "Schedule" || get(t, sched, "Properties", "Schedule") != "rate(1 minute)" {
		t.Errorf("publisher schedule %v", sched)
	}
}

func TestParameters(t *testing.T) {
	params := get(t, loadTemplate(t), "Parameters").(node)
	for _, p := range []string{
		"Stage", "Architecture", "TableName", "LogLevel", "LogRetentionDays",
		"AuthorizerCacheTtl", "PublicReservedConcurrency", "AdminReservedConcurrency",
		"PublicThrottleRate", "PublicThrottleBurst", "StaffThrottleRate", "StaffThrottleBurst",
		"HostName", "CertificateArn", "PublicOrigin", "OidcIssuer", "OidcClientId", "OidcClientSecretArn", "OidcName",
	} {
		if _, ok := params[p]; !ok {
			t.Errorf("no parameter %s", p)
		}
	}
	num := func(name string) int {
		v, _ := params[name].(node)["Default"].(int)
		return v
	}
	if num("StaffThrottleRate") >= num("PublicThrottleRate") || num("StaffThrottleBurst") >= num("PublicThrottleBurst") {
		t.Error("staff routes must be throttled more strictly than public ones")
	}
}

// owned is a route and the function it invokes.
type owned struct {
	route
	fn string
}

func allRoutes(t *testing.T, tpl node) []owned {
	var out []owned
	for name, fn := range functions(t, tpl) {
		for _, r := range routes(t, fn) {
			out = append(out, owned{r, name})
		}
	}
	return out
}

// matches reports whether route r matches a request, and how specific the
// path match is (exact paths beat greedy ones, longer greedy prefixes beat
// shorter ones).
func (r route) matches(method, path string) (ok bool, exact bool, prefix int) {
	if r.path == "$default" {
		return false, false, 0
	}
	if r.method != "ANY" && r.method != method {
		return false, false, 0
	}
	if p, greedy := strings.CutSuffix(r.path, "{proxy+}"); greedy {
		return strings.HasPrefix(path, p) && len(path) > len(p), false, len(p)
	}
	// HTTP APIs route /a/ to the route /a as well.
	return r.path == path || r.path+"/" == path, true, len(r.path)
}

// resolve picks the route of a request the way API Gateway documents it
// (exact path, then greedy path, then $default), breaking ties between two
// greedy routes either by method first (a route with the request's method
// before ANY) or by path first (the longer prefix). The documentation does
// not say which of the two wins, so a table whose answer depends on it is
// ambiguous.
func resolve(rs []owned, method, path string, methodFirst bool) owned {
	var best *owned
	better := func(a, b owned) bool { // a better than b
		_, ae, ap := a.matches(method, path)
		_, be, bp := b.matches(method, path)
		if ae != be {
			return ae
		}
		am, bm := a.method != "ANY", b.method != "ANY"
		if methodFirst && am != bm {
			return am
		}
		if ap != bp {
			return ap > bp
		}
		return am && !bm
	}
	for i := range rs {
		if ok, _, _ := rs[i].matches(method, path); ok && (best == nil || better(rs[i], *best)) {
			best = &rs[i]
		}
	}
	if best != nil {
		return *best
	}
	for _, r := range rs {
		if r.path == "$default" {
			return r
		}
	}
	return owned{}
}

// TestRoutingIsUnambiguous: every staff path reaches the admin function
// through the key authorizer, and every other path the public function,
// whichever way API Gateway breaks a tie between overlapping routes.
func TestRoutingIsUnambiguous(t *testing.T) {
	rs := allRoutes(t, loadTemplate(t))
	cases := []struct{ method, path, fn, auth string }{
		{"GET", "/api/v1/admin/sites", "AdminFunction", "StaffKeyAuthorizer"},
		{"GET", "/api/v1/admin/sites/demo/entries", "AdminFunction", "StaffKeyAuthorizer"},
		{"HEAD", "/api/v1/admin/sites", "AdminFunction", "StaffKeyAuthorizer"},
		{"POST", "/api/v1/admin/sites", "AdminFunction", "StaffKeyAuthorizer"},
		{"DELETE", "/api/v1/admin/sites/demo/keys/k1", "AdminFunction", "StaffKeyAuthorizer"},
		{"PATCH", "/api/v1/admin/sites/demo", "AdminFunction", "StaffKeyAuthorizer"},
		{"GET", "/api/v1/sites/demo", "PublicFunction", ""},
		{"GET", "/api/v1/openapi.json", "PublicFunction", ""},
		{"GET", "/healthz", "PublicFunction", ""},
		{"GET", "/sites/demo/", "PublicFunction", ""},
		{"GET", "/", "PublicFunction", ""},
		{"POST", "/api/v1/sites/demo", "PublicFunction", ""}, // $default: the handler answers 405
		// A staff preflight carries no key: it meets the authorizer, so the
		// staff API is same-origin only (an unauthenticated route on the same
		// path would also drop the authorizer under sam local, which mounts
		// one path once). Public preflights reach the public function.
		{"OPTIONS", "/api/v1/admin/sites/demo", "AdminFunction", "StaffKeyAuthorizer"},
		{"OPTIONS", "/api/v1/sites/demo/entries", "PublicFunction", ""},
		// The console: the admin function, which checks the session itself.
		{"GET", "/admin", "AdminFunction", ""},
		{"GET", "/admin/", "AdminFunction", ""},
		{"GET", "/admin/login", "AdminFunction", ""},
		{"POST", "/admin/login/begin", "AdminFunction", ""},
		{"GET", "/admin/assets/console.js", "AdminFunction", ""},
		{"GET", "/administration", "PublicFunction", ""},
	}
	for _, c := range cases {
		for _, methodFirst := range []bool{true, false} {
			got := resolve(rs, c.method, c.path, methodFirst)
			if got.fn != c.fn || got.authorizer != c.auth {
				t.Errorf("%s %s (ties broken by method first: %v) -> %s %s %s authorizer %q, want %s authorizer %q",
					c.method, c.path, methodFirst, got.fn, got.method, got.path, got.authorizer, c.fn, c.auth)
			}
		}
	}
	// The checker itself: with only the ANY staff route (the template as it
	// was), GET /api/v1/admin/... depends on the tie-break.
	var old []owned
	for _, r := range rs {
		if r.fn != "AdminFunction" || r.method == "ANY" {
			old = append(old, r)
		}
	}
	old = slices.DeleteFunc(old, func(r owned) bool { return r.fn == "AdminFunction" })
	old = append(old, owned{route{"ANY", "/api/v1/admin/{proxy+}", "StaffKeyAuthorizer"}, "AdminFunction"})
	if a, b := resolve(old, "GET", "/api/v1/admin/sites", true), resolve(old, "GET", "/api/v1/admin/sites", false); a.fn == b.fn {
		t.Errorf("the ambiguity check does not see the old overlap: %v / %v", a, b)
	}
}

// TestPublisherRunsOnceAtATime: EventBridge and Lambda both leave a failed
// run alone (the next run a minute later retries), a run ends before the
// next starts, failed runs land in a queue, and an alarm watches errors.
func TestPublisherRunsOnceAtATime(t *testing.T) {
	tpl := loadTemplate(t)
	fn := functions(t, tpl)["PublisherFunction"]
	props := get(t, fn, "Properties").(node)
	if to, _ := props["Timeout"].(int); to <= 0 || to >= 60 {
		t.Errorf("publisher Timeout %v, want less than its 60 s schedule", props["Timeout"])
	}
	if n := get(t, props, "EventInvokeConfig", "MaximumRetryAttempts"); n != 0 {
		t.Errorf("EventInvokeConfig MaximumRetryAttempts %v, want 0", n)
	}
	dest := get(t, props, "EventInvokeConfig", "DestinationConfig", "OnFailure").(node)
	if dest["Type"] != "SQS" || dest["Destination"].(node)["Fn::GetAtt"] != "PublisherFailureQueue.Arn" {
		t.Errorf("on-failure destination %v", dest)
	}
	if n := get(t, props, "Events", "EveryMinute", "Properties", "RetryPolicy", "MaximumRetryAttempts"); n != 0 {
		t.Errorf("EventBridge RetryPolicy %v, want 0", n)
	}
	if r := props["ReservedConcurrentExecutions"].(node)["Fn::If"].([]any); r[0] != "HasPublisherReserved" {
		t.Errorf("publisher concurrency %v", r)
	}
	alarm := get(t, tpl, "Resources", "PublisherErrorsAlarm", "Properties").(node)
	if alarm["MetricName"] != "Errors" || alarm["Dimensions"].([]any)[0].(node)["Value"].(node)["Ref"] != "PublisherFunction" {
		t.Errorf("publisher alarm %v", alarm)
	}
}

// TestAlarms: the alarms operators need, each notifying the optional
// SNS topic.
func TestAlarms(t *testing.T) {
	tpl := loadTemplate(t)
	res := get(t, tpl, "Resources").(node)
	metrics := map[string]string{
		"Api5xxAlarm":             "AWS/ApiGateway 5xx",
		"FunctionThrottlesAlarm":  "AWS/Lambda Throttles",
		"PublisherErrorsAlarm":    "AWS/Lambda Errors",
		"TableThrottlesAlarm":     "AWS/DynamoDB ThrottledRequests",
		"NotifierDeadLetterAlarm": "AWS/SQS ApproximateNumberOfMessagesVisible",
		"NotifierErrorsAlarm":     "AWS/Lambda Errors",
		"NotificationsDeadAlarm":  "infocentre NotificationsDead",
	}
	for name, want := range metrics {
		p := get(t, res, name, "Properties").(node)
		var seen []string
		if m, ok := p["MetricName"].(string); ok {
			seen = append(seen, p["Namespace"].(string)+" "+m)
		}
		for _, m := range asList(p["Metrics"]) {
			if ms, ok := m.(node)["MetricStat"].(node); ok {
				mm := ms["Metric"].(node)
				seen = append(seen, mm["Namespace"].(string)+" "+mm["MetricName"].(string))
			}
		}
		if !slices.Contains(seen, want) {
			t.Errorf("%s watches %v, want %s", name, seen, want)
		}
		for _, k := range []string{"AlarmActions", "OKActions"} {
			iff, _ := p[k].(node)["Fn::If"].([]any)
			if len(iff) != 3 || iff[0] != "HasAlarmTopic" {
				t.Errorf("%s %s %v, want !If [HasAlarmTopic, …]", name, k, p[k])
			}
		}
	}
	n := 0
	for _, r := range res {
		if r.(node)["Type"] == "AWS::CloudWatch::Alarm" {
			n++
		}
	}
	if n != len(metrics) {
		t.Errorf("%d alarms, want %d", n, len(metrics))
	}
}

// TestFailedFirstDeployCanBeRetried: the rollback of the first create
// deletes the new table, and a table left behind (deletion protection
// refused the rollback's delete) does not block the next deploy, because
// its name is generated unless an operator chose one.
func TestFailedFirstDeployCanBeRetried(t *testing.T) {
	tpl := loadTemplate(t)
	table := get(t, tpl, "Resources", "Table").(node)
	if table["DeletionPolicy"] != "RetainExceptOnCreate" || table["UpdateReplacePolicy"] != "Retain" {
		t.Errorf("table DeletionPolicy %v, UpdateReplacePolicy %v", table["DeletionPolicy"], table["UpdateReplacePolicy"])
	}
	name := get(t, table, "Properties", "TableName").(node)["Fn::If"].([]any)
	if name[0] != "HasTableName" || name[2].(node)["Ref"] != "AWS::NoValue" {
		t.Errorf("TableName %v, want generated unless the parameter is set", name)
	}
	if d := get(t, tpl, "Parameters", "TableName", "Default"); d != "" {
		t.Errorf("TableName default %q, want empty (generated)", d)
	}
	if d := get(t, tpl, "Parameters", "TableDeletionProtection", "Default"); d != "true" {
		t.Errorf("deletion protection default %v", d)
	}
	for _, r := range get(t, tpl, "Resources").(node) {
		if p, ok := r.(node)["Properties"].(node); ok && r.(node)["Type"] == "AWS::SecretsManager::Secret" {
			if _, named := p["Name"]; named {
				t.Errorf("a secret has a fixed name %v: a failed first deploy would block the next", p["Name"])
			}
		}
	}
	raw, err := os.ReadFile(filepath.Join("..", "samconfig.toml"))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(raw), "TableName=") {
		t.Error("samconfig.toml fixes TableName: a table left by a failed first deploy would block the retry")
	}
}

// TestConcurrencyDefaultsAreSafe: no reserved concurrency by default (a new
// account has 10 concurrent executions and cannot reserve any); the prod
// config reserves some for the staff function, its authorizer and the
// publisher, so that a public spike cannot starve staff.
func TestConcurrencyDefaultsAreSafe(t *testing.T) {
	tpl := loadTemplate(t)
	for _, p := range []string{"PublicReservedConcurrency", "AdminReservedConcurrency", "AuthorizerReservedConcurrency", "PublisherReservedConcurrency", "NotifierReservedConcurrency"} {
		if d := get(t, tpl, "Parameters", p, "Default"); d != -1 {
			t.Errorf("%s default %v, want -1 (none)", p, d)
		}
	}
	for name, fn := range functions(t, tpl) {
		if name == "BouncesFunction" {
			continue // SES events are few; SNS invokes it asynchronously
		}
		if name == "EdgeFunction" {
			// A stream consumer runs one batch per shard at a time.
			if _, ok := get(t, fn, "Properties").(node)["ReservedConcurrentExecutions"]; ok {
				t.Errorf("EdgeFunction reserves concurrency")
			}
			continue
		}
		r, _ := get(t, fn, "Properties").(node)["ReservedConcurrentExecutions"].(node)
		iff, _ := r["Fn::If"].([]any)
		if len(iff) != 3 || iff[2].(node)["Ref"] != "AWS::NoValue" {
			t.Errorf("%s: ReservedConcurrentExecutions %v, want a parameter, unset by default", name, r)
		}
	}
	raw, err := os.ReadFile(filepath.Join("..", "samconfig.toml"))
	if err != nil {
		t.Fatal(err)
	}
	prod := string(raw)[strings.Index(string(raw), "[prod.deploy.parameters]"):]
	for _, want := range []string{"AdminReservedConcurrency=", "AuthorizerReservedConcurrency=", "PublisherReservedConcurrency=1"} {
		if !strings.Contains(prod, want) {
			t.Errorf("prod deploy parameters lack %s", want)
		}
	}
}

// TestExtraHostTemplate: deploy/host.yaml maps one more host name to the
// stage the main template's HTTP API serves ($default: HttpApi sets no
// StageName), and the main stack outputs the API id it needs.
func TestExtraHostTemplate(t *testing.T) {
	tpl := loadTemplate(t)
	if _, ok := get(t, tpl, "Resources", "HttpApi", "Properties").(node)["StageName"]; ok {
		t.Error("HttpApi sets a StageName: deploy/host.yaml maps $default")
	}
	if get(t, tpl, "Outputs", "HttpApiId", "Value").(node)["Ref"] != "HttpApi" {
		t.Error("no HttpApiId output")
	}
	b, err := os.ReadFile(filepath.Join("..", "deploy", "host.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	expandIntrinsics(&doc)
	var host node
	if err := doc.Decode(&host); err != nil {
		t.Fatal(err)
	}
	m := get(t, host, "Resources", "Mapping", "Properties").(node)
	if m["Stage"] != "$default" || m["ApiId"].(node)["Ref"] != "HttpApiId" {
		t.Errorf("host mapping %v", m)
	}
	if get(t, host, "Resources", "DomainName", "Properties", "DomainName").(node)["Ref"] != "HostName" {
		t.Error("host template does not name its domain after HostName")
	}
}

// TestNotifier: the notifier takes new outbox records from the table's
// stream (NEW_AND_OLD_IMAGES, the setting the edge's purge shares),
// filtered to INSERTs of OUTBOX# items, reports batch item failures and
// sends what it could not settle to its dead-letter queue, as it does
// failed scheduled runs; a schedule every minute runs the retries.
func TestNotifier(t *testing.T) {
	tpl := loadTemplate(t)
	if v := get(t, tpl, "Resources", "Table", "Properties", "StreamSpecification", "StreamViewType"); v != "NEW_AND_OLD_IMAGES" {
		t.Errorf("table stream %v, want NEW_AND_OLD_IMAGES", v)
	}
	props := get(t, functions(t, tpl)["NotifierFunction"], "Properties").(node)
	if to, _ := props["Timeout"].(int); to <= 45 || to >= 60 {
		t.Errorf("notifier Timeout %v, want above its 45 s budget and under its 60 s schedule", props["Timeout"])
	}
	s := get(t, props, "Events", "NewNotifications").(node)
	p := s["Properties"].(node)
	if s["Type"] != "DynamoDB" || p["Stream"].(node)["Fn::GetAtt"] != "Table.StreamArn" ||
		!slices.Equal(asList(p["FunctionResponseTypes"]), []any{"ReportBatchItemFailures"}) ||
		get(t, p, "DestinationConfig", "OnFailure", "Destination").(node)["Fn::GetAtt"] != "NotifierDeadLetterQueue.Arn" {
		t.Errorf("notifier stream event %v", s)
	}
	pattern := get(t, p, "FilterCriteria", "Filters").([]any)[0].(node)["Pattern"].(string)
	for _, want := range []string{`"eventName": ["INSERT"]`, `"PK": {"S": [{"prefix": "OUTBOX#"}]}`} {
		if !strings.Contains(pattern, want) {
			t.Errorf("stream filter %s lacks %s", pattern, want)
		}
	}
	if !strings.HasPrefix(pattern, "{") || !strings.Contains(pattern, dynamostoreOutboxPrefix) {
		t.Errorf("stream filter %s", pattern)
	}
	dest := get(t, props, "EventInvokeConfig", "DestinationConfig", "OnFailure").(node)
	if dest["Type"] != "SQS" || dest["Destination"].(node)["Fn::GetAtt"] != "NotifierDeadLetterQueue.Arn" {
		t.Errorf("notifier on-failure destination %v", dest)
	}
	sched := get(t, props, "Events", "EveryMinute").(node)
	if sched["Type"] != "Schedule" || get(t, sched, "Properties", "Schedule") != "rate(1 minute)" {
		t.Errorf("notifier schedule %v", sched)
	}
}

// dynamostoreOutboxPrefix is dynamostore.OutboxPKPrefix (this package
// imports nothing of ours).
const dynamostoreOutboxPrefix = "OUTBOX#"
