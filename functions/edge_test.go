package functions_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"infocentre/internal/httpapi"
)

// Managed CloudFront policies (their IDs are the same in every account).
const (
	managedCachingDisabled           = "4135ea2d-6df8-44a3-9df3-4b5a84be39ad"
	managedAllViewerExceptHostHeader = "b689b0a8-53d0-40ab-baf2-68738e2966ac"
)

func strs(v any) []string {
	var out []string
	for _, x := range asList(v) {
		out = append(out, fmt.Sprint(x))
	}
	return out
}

// TestDistribution checks the edge wiring of template.yaml: the origin
// group fails over from the API to the static mirror on 5xx only, the
// public behaviour uses it, the staff routes and previews go uncached to
// the API with what they need forwarded, cache keys never hold a cookie or
// Authorization on public routes, the mirror is private and read through
// an origin access control by this distribution only, and the origin
// secret header is the one the public function checks.
func TestDistribution(t *testing.T) {
	tpl := loadTemplate(t)
	res := get(t, tpl, "Resources").(node)
	if d := get(t, tpl, "Parameters", "EnableDistribution", "Default"); d != "true" {
		t.Errorf("EnableDistribution defaults to %v, want true (on by default)", d)
	}
	if c := get(t, tpl, "Conditions", "HasDistribution").(node)["Fn::Equals"].([]any); c[0].(node)["Ref"] != "EnableDistribution" || c[1] != "true" {
		t.Errorf("HasDistribution = %v", c)
	}
	for _, r := range []string{"Distribution", "OriginSecret", "MirrorBucket", "MirrorBucketPolicy", "MirrorOriginAccessControl",
		"PagesCachePolicy", "ReadApiCachePolicy", "StaffApiCachePolicy", "SecurityHeadersPolicy"} {
		if c := get(t, res, r, "Condition"); c != "HasDistribution" {
			t.Errorf("%s: Condition %v, want HasDistribution (turned off with the distribution)", r, c)
		}
	}
	cfg := get(t, res, "Distribution", "Properties", "DistributionConfig").(node)
	// The public function keeps no Brotli encoder: it answers a viewer
	// that takes Brotli uncompressed, and the distribution compresses
	// (rendercache.Options.Brotli). So every behaviour of the public
	// routes compresses, and its cache policy keys on both encodings.
	public := []node{cfg["DefaultCacheBehavior"].(node)}
	for _, b := range cfg["CacheBehaviors"].([]any) {
		ref, _ := b.(node)["CachePolicyId"].(node) // a managed policy is an ID string
		if id := ref["Ref"]; id == "PagesCachePolicy" || id == "ReadApiCachePolicy" {
			public = append(public, b.(node))
		}
	}
	if len(public) < 2 {
		t.Errorf("%d behaviours of the public routes, want the default one and the read API's", len(public))
	}
	for _, b := range public {
		if b["Compress"] != true {
			t.Errorf("behaviour %v: Compress %v, want true (the public function leaves Brotli to CloudFront)", b["PathPattern"], b["Compress"])
		}
		policy := b["CachePolicyId"].(node)["Ref"].(string)
		enc := get(t, res, policy, "Properties", "CachePolicyConfig", "ParametersInCacheKeyAndForwardedToOrigin").(node)
		if enc["EnableAcceptEncodingBrotli"] != true || enc["EnableAcceptEncodingGzip"] != true {
			t.Errorf("%s: Brotli %v, gzip %v in the cache key, want both", policy, enc["EnableAcceptEncodingBrotli"], enc["EnableAcceptEncodingGzip"])
		}
	}
	if cfg["HttpVersion"] != "http2and3" {
		t.Errorf("HttpVersion %v, want http2and3", cfg["HttpVersion"])
	}
	if iff := cfg["WebACLId"].(node)["Fn::If"].([]any); iff[0] != "HasWebAcl" || iff[1].(node)["Ref"] != "WebAclArn" {
		t.Errorf("WebACLId %v", cfg["WebACLId"])
	}
	if iff := cfg["ViewerCertificate"].(node)["Fn::If"].([]any); iff[0] != "HasDistributionAliases" ||
		iff[1].(node)["AcmCertificateArn"].(node)["Ref"] != "DistributionCertificateArn" {
		t.Errorf("ViewerCertificate %v", cfg["ViewerCertificate"])
	}
	if p := get(t, tpl, "Parameters", "DistributionCertificateArn", "AllowedPattern").(string); !strings.Contains(p, ":acm:us-east-1:") {
		t.Errorf("DistributionCertificateArn pattern %q does not require us-east-1", p)
	}

	// Origins: the API (with the origin secret header) and the mirror
	// (through the origin access control).
	origins := map[string]node{}
	for _, o := range asList(cfg["Origins"]) {
		origins[o.(node)["Id"].(string)] = o.(node)
	}
	api, mirror := origins["api"], origins["mirror"]
	if api == nil || mirror == nil || len(origins) != 2 {
		t.Fatalf("origins %v, want api and mirror", origins)
	}
	if d := api["DomainName"].(node)["Fn::Sub"]; d != "${HttpApi}.execute-api.${AWS::Region}.${AWS::URLSuffix}" {
		t.Errorf("api origin %v, want the HTTP API's execute-api name", d)
	}
	if p := get(t, api, "CustomOriginConfig", "OriginProtocolPolicy"); p != "https-only" {
		t.Errorf("api origin protocol %v", p)
	}
	hdrs := asList(api["OriginCustomHeaders"])
	if len(hdrs) != 1 || hdrs[0].(node)["HeaderName"] != "X-Origin-Verify" ||
		hdrs[0].(node)["HeaderValue"].(node)["Fn::Sub"] != "{{resolve:secretsmanager:${OriginSecret}:SecretString}}" {
		t.Errorf("api origin headers %v, want X-Origin-Verify from the OriginSecret secret", hdrs)
	}
	if iff := api["OriginShield"].(node)["Fn::If"].([]any); iff[0] != "HasOriginShield" {
		t.Errorf("OriginShield %v", api["OriginShield"])
	}
	if oac := mirror["OriginAccessControlId"].(node)["Fn::GetAtt"]; oac != "MirrorOriginAccessControl.Id" {
		t.Errorf("mirror origin access control %v", mirror["OriginAccessControlId"])
	}
	if d := mirror["DomainName"].(node)["Fn::GetAtt"]; d != "MirrorBucket.RegionalDomainName" {
		t.Errorf("mirror origin %v", d)
	}
	if get(t, mirror, "S3OriginConfig", "OriginAccessIdentity") != "" {
		t.Error("mirror origin uses a legacy origin access identity")
	}
	oac := get(t, res, "MirrorOriginAccessControl", "Properties", "OriginAccessControlConfig").(node)
	if oac["OriginAccessControlOriginType"] != "s3" || oac["SigningBehavior"] != "always" || oac["SigningProtocol"] != "sigv4" {
		t.Errorf("origin access control %v", oac)
	}

	// The origin groups: for pages, API first and mirror second, on
	// 500/502/503/504 only; for hosted files, the mirror first (S3 through
	// the origin access control) and the API when the mirror has no copy
	// (403/404) or fails.
	groups := asList(get(t, cfg, "OriginGroups", "Items"))
	if len(groups) != 2 || get(t, cfg, "OriginGroups", "Quantity") != 2 {
		t.Fatalf("origin groups %v", groups)
	}
	group := map[string]node{}
	for _, g := range groups {
		g := g.(node)
		group[g["Id"].(string)] = g
	}
	for id, want := range map[string]struct{ members, codes []string }{
		"api-then-mirror": {[]string{"api", "mirror"}, []string{"500", "502", "503", "504"}},
		"mirror-then-api": {[]string{"mirror", "api"}, []string{"403", "404", "500", "502", "503", "504"}},
	} {
		g := group[id]
		if g == nil {
			t.Errorf("no origin group %s", id)
			continue
		}
		var members []string
		for _, m := range asList(get(t, g, "Members", "Items")) {
			members = append(members, m.(node)["OriginId"].(string))
		}
		if !slices.Equal(members, want.members) || get(t, g, "Members", "Quantity") != 2 {
			t.Errorf("origin group %s members %v, want %v", id, members, want.members)
		}
		codes := strs(get(t, g, "FailoverCriteria", "StatusCodes", "Items"))
		if !slices.Equal(codes, want.codes) || get(t, g, "FailoverCriteria", "StatusCodes", "Quantity") != len(want.codes) {
			t.Errorf("origin group %s fails over on %v, want %v", id, codes, want.codes)
		}
	}
	g := group["api-then-mirror"]

	// The public behaviour: the group, GET and HEAD only (origin groups
	// fail over nothing else), compressed, the pages policy, the headers.
	def := cfg["DefaultCacheBehavior"].(node)
	if def["TargetOriginId"] != g["Id"] {
		t.Errorf("default behaviour targets %v, want the origin group %v", def["TargetOriginId"], g["Id"])
	}
	if m := strs(def["AllowedMethods"]); !slices.Equal(m, []string{"GET", "HEAD"}) {
		t.Errorf("default behaviour allows %v, want GET HEAD", m)
	}
	if def["Compress"] != true || def["CachePolicyId"].(node)["Ref"] != "PagesCachePolicy" ||
		def["ResponseHeadersPolicyId"].(node)["Ref"] != "SecurityHeadersPolicy" || def["ViewerProtocolPolicy"] != "redirect-to-https" {
		t.Errorf("default behaviour %v", def)
	}
	if _, ok := def["OriginRequestPolicyId"]; ok {
		t.Error("the public behaviour forwards more than its cache key")
	}

	// Staff routes and previews: straight to the API, never cached.
	behaviours := map[string]node{}
	var order []string
	for _, b := range asList(cfg["CacheBehaviors"]) {
		b := b.(node)
		behaviours[b["PathPattern"].(string)] = b
		order = append(order, b["PathPattern"].(string))
	}
	for _, p := range []string{"/api/v1/admin/*", "/admin", "/admin/*", "/preview/*", "/api/v1/preview/*"} {
		b := behaviours[p]
		if b == nil {
			t.Errorf("no cache behaviour for %s", p)
			continue
		}
		if b["TargetOriginId"] != "api" {
			t.Errorf("%s targets %v, want the api origin (not the group)", p, b["TargetOriginId"])
		}
		if b["OriginRequestPolicyId"] != managedAllViewerExceptHostHeader {
			t.Errorf("%s: origin request policy %v, want AllViewerExceptHostHeader", p, b["OriginRequestPolicyId"])
		}
		if p == "/api/v1/admin/*" {
			if b["CachePolicyId"].(node)["Ref"] != "StaffApiCachePolicy" {
				t.Errorf("%s: cache policy %v", p, b["CachePolicyId"])
			}
		} else if b["CachePolicyId"] != managedCachingDisabled {
			t.Errorf("%s: cache policy %v, want CachingDisabled", p, b["CachePolicyId"])
		}
		if strings.HasPrefix(p, "/admin") || p == "/api/v1/admin/*" {
			if m := strs(b["AllowedMethods"]); !slices.Contains(m, "POST") || !slices.Contains(m, "DELETE") {
				t.Errorf("%s allows %v, want every method", p, m)
			}
		}
	}
	// Hosted files: the mirror-first group, path-only key, the files'
	// headers; first, before any other pattern could take the path.
	if order[0] != "/sites/*/files/*" {
		t.Errorf("behaviour order %v: /sites/*/files/* must come first", order)
	}
	if b := behaviours["/sites/*/files/*"]; b == nil || b["TargetOriginId"] != "mirror-then-api" ||
		b["CachePolicyId"].(node)["Ref"] != "FilesCachePolicy" || b["ResponseHeadersPolicyId"].(node)["Ref"] != "FilesHeadersPolicy" ||
		!slices.Equal(strs(b["AllowedMethods"]), []string{"GET", "HEAD"}) || b["FunctionAssociations"] != nil {
		t.Errorf("hosted files behaviour %v", b)
	}
	fk := get(t, res, "FilesCachePolicy", "Properties", "CachePolicyConfig", "ParametersInCacheKeyAndForwardedToOrigin").(node)
	if get(t, fk, "QueryStringsConfig", "QueryStringBehavior") != "none" || get(t, fk, "HeadersConfig", "HeaderBehavior") != "none" ||
		get(t, fk, "CookiesConfig", "CookieBehavior") != "none" {
		t.Errorf("hosted files cache key %v, want the path alone", fk)
	}
	fh := get(t, res, "FilesHeadersPolicy", "Properties", "ResponseHeadersPolicyConfig", "SecurityHeadersConfig").(node)
	if csp := get(t, fh, "ContentSecurityPolicy", "ContentSecurityPolicy").(string); !strings.HasPrefix(csp, "sandbox;") ||
		get(t, fh, "ContentTypeOptions", "Override") != true {
		t.Errorf("hosted files headers %v, want the sandboxing CSP and nosniff", fh)
	}

	// Staff and preview patterns come before the read API's /api/v1/*.
	readAPI := slices.Index(order, "/api/v1/*")
	if readAPI < 0 || readAPI < slices.Index(order, "/api/v1/admin/*") || readAPI < slices.Index(order, "/api/v1/preview/*") {
		t.Errorf("behaviour order %v: /api/v1/* must follow the staff and preview patterns", order)
	} else if b := behaviours["/api/v1/*"]; b["CachePolicyId"].(node)["Ref"] != "ReadApiCachePolicy" || b["TargetOriginId"] != "api" {
		t.Errorf("/api/v1/* behaviour %v", b)
	}
	// The staff API's policy keys on Authorization so that CloudFront
	// forwards it, and keeps nothing by default.
	staff := get(t, res, "StaffApiCachePolicy", "Properties", "CachePolicyConfig").(node)
	if staff["DefaultTTL"] != 0 || staff["MinTTL"] != 0 || staff["MaxTTL"] != 1 {
		t.Errorf("staff API TTLs %v %v %v, want 0 0 1", staff["MinTTL"], staff["DefaultTTL"], staff["MaxTTL"])
	}
	if h := strs(get(t, staff, "ParametersInCacheKeyAndForwardedToOrigin", "HeadersConfig", "Headers")); !slices.Equal(h, []string{"Authorization"}) {
		t.Errorf("staff API key headers %v, want Authorization", h)
	}

	// Public cache keys: path, their query parameters, the encoding; never
	// a cookie or Authorization; TTLs from the origin.
	for policy, params := range map[string][]string{
		"PagesCachePolicy":   {"after", "from", "lang", "organisation", "page", "q", "tag", "to", "type"},
		"ReadApiCachePolicy": {"cursor", "from", "lang", "limit", "organisation", "q", "tag", "to", "type"},
	} {
		c := get(t, res, policy, "Properties", "CachePolicyConfig").(node)
		if c["DefaultTTL"] != 0 || c["MinTTL"] != 0 {
			t.Errorf("%s: MinTTL %v DefaultTTL %v, want 0 (the origin's Cache-Control decides)", policy, c["MinTTL"], c["DefaultTTL"])
		}
		k := c["ParametersInCacheKeyAndForwardedToOrigin"].(node)
		if k["EnableAcceptEncodingGzip"] != true || k["EnableAcceptEncodingBrotli"] != true {
			t.Errorf("%s: gzip %v brotli %v", policy, k["EnableAcceptEncodingGzip"], k["EnableAcceptEncodingBrotli"])
		}
		if b := get(t, k, "CookiesConfig", "CookieBehavior"); b != "none" {
			t.Errorf("%s: cookies %v in the cache key", policy, b)
		}
		for _, h := range strs(get(t, k, "HeadersConfig").(node)["Headers"]) {
			if strings.EqualFold(h, "Authorization") || strings.EqualFold(h, "Cookie") || strings.EqualFold(h, "Host") {
				t.Errorf("%s: header %s in the cache key", policy, h)
			}
		}
		if h := strs(get(t, k, "HeadersConfig").(node)["Headers"]); policy == "PagesCachePolicy" && !slices.Equal(h, []string{"X-Viewer-Host"}) {
			t.Errorf("%s: headers %v, want [X-Viewer-Host] (sites on their own hosts are cached apart)", policy, h)
		}
		q := get(t, k, "QueryStringsConfig").(node)
		got := strs(q["QueryStrings"])
		slices.Sort(got)
		if q["QueryStringBehavior"] != "whitelist" || !slices.Equal(got, params) {
			t.Errorf("%s: query strings %v %v, want the whitelist %v", policy, q["QueryStringBehavior"], got, params)
		}
		if len(got) > 10 {
			t.Errorf("%s: %d query strings; CloudFront allows 10 per policy", policy, len(got))
		}
	}

	// The mirror bucket: private, encrypted, versioned, TLS only, read by
	// this distribution only.
	mb := get(t, res, "MirrorBucket", "Properties").(node)
	for _, k := range []string{"BlockPublicAcls", "BlockPublicPolicy", "IgnorePublicAcls", "RestrictPublicBuckets"} {
		if get(t, mb, "PublicAccessBlockConfiguration", k) != true {
			t.Errorf("MirrorBucket: %s not set", k)
		}
	}
	if get(t, mb, "VersioningConfiguration", "Status") != "Enabled" {
		t.Error("MirrorBucket is not versioned")
	}
	if _, ok := mb["BucketEncryption"]; !ok {
		t.Error("MirrorBucket is not encrypted")
	}
	var tlsOnly, readByDistribution bool
	for _, st := range asList(get(t, res, "MirrorBucketPolicy", "Properties", "PolicyDocument", "Statement")) {
		st := st.(node)
		switch st["Sid"] {
		case "TLSOnly":
			tlsOnly = st["Effect"] == "Deny" && get(t, st, "Condition", "Bool", "aws:SecureTransport") == "false"
		case "ReadByTheDistribution":
			src := get(t, st, "Condition", "StringEquals", "AWS:SourceArn").(node)["Fn::Sub"]
			readByDistribution = st["Effect"] == "Allow" && get(t, st, "Principal", "Service") == "cloudfront.amazonaws.com" &&
				src == "arn:${AWS::Partition}:cloudfront::${AWS::AccountId}:distribution/${Distribution}" &&
				!slices.Contains(actions(st), "s3:PutObject")
		default:
			t.Errorf("MirrorBucketPolicy: statement %v", st["Sid"])
		}
	}
	if !tlsOnly || !readByDistribution {
		t.Errorf("MirrorBucketPolicy: TLS only %v, read by this distribution only %v", tlsOnly, readByDistribution)
	}

	// The origin secret: generated, read by the public function only.
	if _, ok := get(t, res, "OriginSecret", "Properties").(node)["GenerateSecretString"]; !ok {
		t.Error("OriginSecret is not generated")
	}
	for name, fn := range functions(t, tpl) {
		n := 0
		for _, p := range get(t, fn, "Properties", "Policies").([]any) {
			iff, ok := p.(node)["Fn::If"].([]any)
			if !ok || iff[0] != "HasDistribution" {
				continue
			}
			n++
			sm, _ := iff[1].(node)["AWSSecretsManagerGetSecretValuePolicy"].(node)
			if name != "PublicFunction" || sm["SecretArn"].(node)["Ref"] != "OriginSecret" || iff[2].(node)["Ref"] != "AWS::NoValue" {
				t.Errorf("%s: origin secret policy %v, want the public function's read of OriginSecret only", name, p)
			}
		}
		if want := map[bool]int{true: 1, false: 0}[name == "PublicFunction"]; n != want {
			t.Errorf("%s: %d origin secret policies, want %d", name, n, want)
		}
	}

	// The response headers policy fills in the headers internal/web sets.
	sh := get(t, res, "SecurityHeadersPolicy", "Properties", "ResponseHeadersPolicyConfig", "SecurityHeadersConfig").(node)
	csp := get(t, sh, "ContentSecurityPolicy", "ContentSecurityPolicy").(string)
	if !strings.Contains(csp, "default-src 'none'") || !strings.Contains(csp, "frame-ancestors 'none'") {
		t.Errorf("CSP %q", csp)
	}
	if get(t, sh, "ContentSecurityPolicy", "Override") != false {
		t.Error("the CSP overrides the response's own (a file's sandbox would be lost)")
	}
	if get(t, sh, "StrictTransportSecurity", "AccessControlMaxAgeSec") != 63072000 || get(t, sh, "FrameOptions", "FrameOption") != "DENY" {
		t.Errorf("security headers %v", sh)
	}
}

// TestViewerHostFunction: the public behaviour runs the viewer-request
// function on every request; its code (template.yaml, run in node with the
// parameters substituted) sets X-Viewer-Host from the viewer's Host
// (replacing a visitor's own), the header the public function trusts with
// the origin secret (httpapi.ViewerHostHeader); leaves the paths of the
// deployment's own hosts (cloudfront.net, ReservedHosts, HostName,
// PublicOrigin's) as they are, with /hosts/ refused there; and asks for a
// site's own host's pages below httpapi.ViewerHostPath, which the public
// function serves and the mirror holds, but for /sites/ and /assets/.
func TestViewerHostFunction(t *testing.T) {
	res := get(t, loadTemplate(t), "Resources").(node)
	def := get(t, res, "Distribution", "Properties", "DistributionConfig", "DefaultCacheBehavior").(node)
	assoc := asList(def["FunctionAssociations"])
	if len(assoc) != 1 || assoc[0].(node)["EventType"] != "viewer-request" ||
		fmt.Sprint(assoc[0].(node)["FunctionARN"]) != "map[Fn::GetAtt:ViewerHostFunction.FunctionARN]" {
		t.Errorf("default behaviour's functions %v, want the viewer-host function on viewer-request", assoc)
	}
	fn := get(t, res, "ViewerHostFunction", "Properties").(node)
	if rt := get(t, fn, "FunctionConfig", "Runtime"); rt != "cloudfront-js-2.0" {
		t.Errorf("runtime %v", rt)
	}
	sub, _ := fn["FunctionCode"].(node)["Fn::Sub"].(string)
	if sub == "" {
		t.Fatalf("FunctionCode %v, want a !Sub of the deployment's host names", fn["FunctionCode"])
	}
	if len(sub) > 10240 {
		t.Errorf("function code of %d bytes; CloudFront Functions take 10 KB", len(sub))
	}
	if !strings.EqualFold(httpapi.ViewerHostHeader, "x-viewer-host") {
		t.Errorf("the function sets x-viewer-host, the public function reads %s", httpapi.ViewerHostHeader)
	}
	if testing.Short() {
		t.Skip("runs the function in node; skipped under -short")
	}
	nodeBin, err := exec.LookPath("node")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("node is needed to run the CloudFront Function's code")
		}
		t.Skip("node not found")
	}
	code := strings.NewReplacer("${ReservedHosts}", " api.example.org, *.centre.example.net", "${HostName}", "",
		"${PublicOrigin}", "https://info.example.org").Replace(sub)
	if strings.Contains(code, "${") {
		t.Fatalf("the function's code names a parameter the test does not substitute:\n%s", code)
	}
	type request struct {
		URI     string                       `json:"uri"`
		Headers map[string]map[string]string `json:"headers"`
	}
	type result struct {
		Request    request `json:"request"`
		StatusCode int     `json:"statusCode"`
	}
	own := httpapi.ViewerHostPath("flood.example.org")
	cases := []struct {
		host, sent, uri string
		wantURI, viewer string // wantURI "": a 404 answered by the function
	}{
		{"d111abcdef8.cloudfront.net", "", "/", "/", "d111abcdef8.cloudfront.net"},
		{"d111abcdef8.cloudfront.net", "flood.example.org", "/sites/demo/en/x/", "/sites/demo/en/x/", "d111abcdef8.cloudfront.net"},
		{"info.example.org", "", "/sites/demo/", "/sites/demo/", "info.example.org"},
		{"info.example.org", "", "/robots.txt", "/robots.txt", "info.example.org"},
		{"info.example.org", "", own + "/en/x/", "", ""},
		{"d111abcdef8.cloudfront.net", "", own + "/", "", ""},
		{"api.example.org", "", "/", "/", "api.example.org"},
		{"www.centre.example.net", "", "/news/", "/news/", "www.centre.example.net"},
		{"flood.example.org", "", "/", own + "/", "flood.example.org"},
		{"Flood.Example.org", "evil.example", "/en/levee-breach/", own + "/en/levee-breach/", "flood.example.org"},
		{"flood.example.org", "", "/feed.atom", own + "/feed.atom", "flood.example.org"},
		{"flood.example.org", "", "/tags/sant%C3%A9/", own + "/tags/sant%C3%A9/", "flood.example.org"},
		{"flood.example.org", "", "/assets/style.638297be5df5.css", "/assets/style.638297be5df5.css", "flood.example.org"},
		{"flood.example.org", "", "/sites/other/", "/sites/other/", "flood.example.org"},
		{"flood.example.org", "", "/hosts/other.example.org/", own + "/hosts/other.example.org/", "flood.example.org"},
		{"", "evil.example", "/", "/", ""},
	}
	var events []map[string]any
	for _, c := range cases {
		h := map[string]map[string]string{}
		if c.host != "" {
			h["host"] = map[string]string{"value": c.host}
		}
		if c.sent != "" {
			h["x-viewer-host"] = map[string]string{"value": c.sent}
		}
		events = append(events, map[string]any{"version": "1.0", "context": map[string]any{"eventType": "viewer-request"},
			"viewer":  map[string]any{"ip": "198.51.100.7"},
			"request": map[string]any{"method": "GET", "uri": c.uri, "querystring": map[string]any{}, "headers": h, "cookies": map[string]any{}}})
	}
	in, _ := json.Marshal(events)
	dir := t.TempDir()
	script := filepath.Join(dir, "run.js")
	harness := code + "\nvar events = JSON.parse(require('fs').readFileSync(0, 'utf8'));\n" +
		"process.stdout.write(JSON.stringify(events.map(function (e) { var r = handler(e); return r.statusCode ? r : { request: r }; })));\n"
	if err := os.WriteFile(script, []byte(harness), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(nodeBin, script)
	cmd.Stdin = bytes.NewReader(in)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("node: %v", err)
	}
	var got []result
	if err := json.Unmarshal(out, &got); err != nil || len(got) != len(cases) {
		t.Fatalf("node's output %s: %v", out, err)
	}
	for i, c := range cases {
		g := got[i]
		if c.wantURI == "" {
			if g.StatusCode != 404 {
				t.Errorf("%s %s: %+v, want a 404 from the function", c.host, c.uri, g)
			}
			continue
		}
		if g.StatusCode != 0 || g.Request.URI != c.wantURI {
			t.Errorf("%s %s: uri %q (status %d), want %q", c.host, c.uri, g.Request.URI, g.StatusCode, c.wantURI)
		}
		if v := g.Request.Headers["x-viewer-host"]["value"]; v != c.viewer {
			t.Errorf("%s %s: x-viewer-host %q, want %q", c.host, c.uri, v, c.viewer)
		}
	}
}
