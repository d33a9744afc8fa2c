// Package functions_test checks that template.yaml and the function
// sources agree: every function is built from its directory by a
// functions/Makefile target, gets the environment the code reads, the
// least privilege it needs, and the routes the handler serves.
package functions_test

import (
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
	if len(out) != 4 {
		t.Fatalf("template has %d functions, want 4", len(out))
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
		target := regexp.MustCompile(`(?m)^build-` + name + `:\n\t\$\(LAMBDA_BUILD\) -o \$\(ARTIFACTS_DIR\)/bootstrap \./` + regexp.QuoteMeta(dir) + `$`)
		if !target.Match(mk) {
			t.Errorf("%s: functions/Makefile has no build-%s target building ./%s", name, name, dir)
		}
	}
	for _, flag := range []string{"CGO_ENABLED=0", "-tags lambda.norpc", `-ldflags "-s -w"`, "-trimpath"} {
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
	want := []string{"CURSOR_SECRET", "DYNAMODB_ENDPOINT", "DYNAMODB_TABLE", "FILES_BUCKET", "LOG_LEVEL", "PUBLIC_ORIGIN", "RESERVED_HOSTS", "S3_ENDPOINT", "STAGE", "TRUST_FORWARDED"}
	if !slices.Equal(names, want) {
		t.Errorf("environment %v, want %v", names, want)
	}
	if vars["DYNAMODB_ENDPOINT"] != "" {
		t.Errorf("DYNAMODB_ENDPOINT must be empty in AWS, is %v", vars["DYNAMODB_ENDPOINT"])
	}
	for name, fn := range functions(t, tpl) {
		if env, ok := get(t, fn, "Properties").(node)["Environment"]; ok {
			t.Errorf("%s: sets its own Environment %v; keep every variable in Globals", name, env)
		}
	}
}

func TestLeastPrivilege(t *testing.T) {
	want := map[string]string{
		"PublicFunction":     "DynamoDBReadPolicy",
		"AuthorizerFunction": "DynamoDBReadPolicy",
		"AdminFunction":      "DynamoDBCrudPolicy",
		"PublisherFunction":  "DynamoDBCrudPolicy",
	}
	// The hosted files: the public function reads them, the admin
	// function reads, writes and deletes them (and signs direct uploads
	// with that right); nothing else, on no other bucket.
	wantS3 := map[string][]string{
		"PublicFunction": {"s3:GetObject"},
		"AdminFunction":  {"s3:DeleteObject", "s3:GetObject", "s3:PutObject"},
	}
	for name, fn := range functions(t, loadTemplate(t)) {
		pols := get(t, fn, "Properties", "Policies").([]any)
		if n := 1 + min(len(wantS3[name]), 1); len(pols) != n {
			t.Errorf("%s: %d policies, want %d", name, len(pols), n)
			continue
		}
		if len(pols) == 2 {
			stmts, _ := pols[1].(node)["Statement"].([]any)
			if len(stmts) != 1 {
				t.Errorf("%s: files policy %v, want one statement", name, pols[1])
				continue
			}
			st := stmts[0].(node)
			var actions []string
			switch a := st["Action"].(type) {
			case string:
				actions = []string{a}
			case []any:
				for _, x := range a {
					actions = append(actions, x.(string))
				}
			}
			slices.Sort(actions)
			res, _ := st["Resource"].(node)
			if st["Effect"] != "Allow" || !slices.Equal(actions, wantS3[name]) || res == nil || res["Fn::Sub"] != "${FilesBucket.Arn}/*" {
				t.Errorf("%s: files statement %v, want %v on FilesBucket objects", name, st, wantS3[name])
			}
		}
		p := pols[0].(node)
		tbl, ok := p[want[name]].(node)
		if !ok || tbl["TableName"].(node)["Ref"] != "Table" {
			t.Errorf("%s: policy %v, want %s on Table", name, p, want[name])
		}
	}
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
	if !slices.Equal(admin, []route{{"ANY", "/api/v1/admin/{proxy+}", "StaffKeyAuthorizer"}}) {
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
	staff := get(t, tpl, "Resources", "HttpApi", "Properties", "RouteSettings", "ANY /api/v1/admin/{proxy+}").(node)
	if staff["ThrottlingRateLimit"].(node)["Ref"] != "StaffThrottleRate" {
		t.Errorf("staff route throttling %v", staff)
	}

	sched := get(t, fns["PublisherFunction"], "Properties", "Events", "EveryMinute").(node)
	if sched["Type"] != "Schedule" || get(t, sched, "Properties", "Schedule") != "rate(1 minute)" {
		t.Errorf("publisher schedule %v", sched)
	}
}

func TestParameters(t *testing.T) {
	params := get(t, loadTemplate(t), "Parameters").(node)
	for _, p := range []string{
		"Stage", "Architecture", "TableName", "CorsAllowedOrigins", "LogLevel", "LogRetentionDays",
		"AuthorizerCacheTtl", "PublicReservedConcurrency", "AdminReservedConcurrency",
		"PublicThrottleRate", "PublicThrottleBurst", "StaffThrottleRate", "StaffThrottleBurst",
		"HostName", "CertificateArn",
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
