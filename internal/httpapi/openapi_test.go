package httpapi_test

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"infocentre/internal/dynamostore/dynamotest"
	"infocentre/internal/httpapi"
)

// openapiChecker validates every response the tests see against the
// OpenAPI document, and records which operations were exercised.
type openapiChecker struct {
	doc      map[string]any
	paths    map[string]map[string]any // template → method → operation
	compiler *jsonschema.Compiler
	mu       sync.Mutex
	schemas  map[string]*jsonschema.Schema
	seen     map[string]bool // "METHOD template status"
}

func newOpenAPIChecker(t *testing.T) *openapiChecker {
	raw := httpapi.OpenAPIDocument()
	var doc map[string]any
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatalf("openapi.json: %v", err)
	}
	if doc["openapi"] != "3.1.0" {
		t.Fatalf("openapi version %v, want 3.1.0", doc["openapi"])
	}
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	if err := c.AddResource("file:///openapi.json", inst); err != nil {
		t.Fatal(err)
	}
	ck := &openapiChecker{doc: doc, compiler: c, paths: map[string]map[string]any{},
		schemas: map[string]*jsonschema.Schema{}, seen: map[string]bool{}}
	for tmpl, ops := range doc["paths"].(map[string]any) {
		ck.paths[tmpl] = map[string]any{}
		for method, op := range ops.(map[string]any) {
			ck.paths[tmpl][strings.ToUpper(method)] = op
		}
	}
	return ck
}

// match finds the documented template for a concrete path.
func (ck *openapiChecker) match(path string) string {
	segs := strings.Split(path, "/")
	best := ""
	for tmpl := range ck.paths {
		ts := strings.Split(tmpl, "/")
		if len(ts) != len(segs) {
			continue
		}
		ok, literal := true, 0
		for i := range ts {
			if strings.HasPrefix(ts[i], "{") {
				continue
			}
			if ts[i] != segs[i] {
				ok = false
				break
			}
			literal++
		}
		if ok && (best == "" || literal > strings.Count(best, "/")-strings.Count(best, "{")) {
			best = tmpl
		}
	}
	return best
}

func pointer(tokens ...string) string {
	var b strings.Builder
	for _, t := range tokens {
		t = strings.ReplaceAll(strings.ReplaceAll(t, "~", "~0"), "/", "~1")
		b.WriteString("/" + url.PathEscape(t))
	}
	return b.String()
}

func (ck *openapiChecker) check(t *testing.T, method string, r *http.Request, got resp) {
	t.Helper()
	path := r.URL.Path
	if !strings.HasPrefix(path, "/api/") && path != "/healthz" && !strings.HasPrefix(ck.match(path), "/sites/") {
		return // HTML pages and feeds are not part of the document (the forms of email alerts are)
	}
	if method == http.MethodHead {
		method = http.MethodGet // HEAD answers as GET does, without a body
		if got.Status == http.StatusOK {
			return
		}
	}
	tmpl := ck.match(path)
	if tmpl == "" {
		if got.Status == http.StatusNotFound {
			return // unknown routes answer a problem, checked by their own tests
		}
		t.Errorf("openapi: %s %s is not documented", method, path)
		return
	}
	opAny, ok := ck.paths[tmpl][method]
	if !ok {
		if got.Status == http.StatusMethodNotAllowed {
			return
		}
		t.Errorf("openapi: %s %s is not documented", method, tmpl)
		return
	}
	op := opAny.(map[string]any)
	status := strconv.Itoa(got.Status)
	responses := op["responses"].(map[string]any)
	r0, ok := responses[status]
	if !ok {
		t.Errorf("openapi: %s %s answered %d, which is not documented; body %s", method, tmpl, got.Status, got.Body)
		return
	}
	ck.mu.Lock()
	ck.seen[method+" "+tmpl+" "+status] = true
	ck.mu.Unlock()
	respObj := r0.(map[string]any)
	loc := pointer("paths", tmpl, strings.ToLower(method), "responses", status)
	if ref, ok := respObj["$ref"].(string); ok {
		loc = strings.TrimPrefix(ref, "#")
		respObj = ck.doc["components"].(map[string]any)["responses"].(map[string]any)[strings.TrimPrefix(ref, "#/components/responses/")].(map[string]any)
	}
	content, _ := respObj["content"].(map[string]any)
	if len(content) == 0 {
		if len(got.Body) != 0 && got.Status != http.StatusNotModified {
			t.Errorf("openapi: %s %s %d has an undocumented body", method, tmpl, got.Status)
		}
		return
	}
	ct := strings.TrimSpace(strings.Split(got.Header.Get("Content-Type"), ";")[0])
	if _, ok := content[ct]; !ok {
		t.Errorf("openapi: %s %s %d answered %q, documented %v", method, tmpl, got.Status, ct, keys(content))
		return
	}
	if ct != "application/json" && ct != "application/problem+json" {
		return // a file download: the media type is all the document says
	}
	schema, err := ck.schema("file:///openapi.json#" + loc + pointer("content", ct, "schema"))
	if err != nil {
		t.Fatalf("openapi: compile schema of %s %s %d: %v", method, tmpl, got.Status, err)
	}
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(got.Body))
	if err != nil {
		t.Errorf("openapi: %s %s %d: body is not JSON: %v", method, tmpl, got.Status, err)
		return
	}
	if err := schema.Validate(inst); err != nil {
		t.Errorf("openapi: %s %s %d: body does not match the document: %v\nbody: %s", method, tmpl, got.Status, err, got.Body)
	}
}

func (ck *openapiChecker) schema(loc string) (*jsonschema.Schema, error) {
	ck.mu.Lock()
	defer ck.mu.Unlock()
	if s, ok := ck.schemas[loc]; ok {
		return s, nil
	}
	s, err := ck.compiler.Compile(loc)
	if err == nil {
		ck.schemas[loc] = s
	}
	return s, err
}

func keys(m map[string]any) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// TestMain also checks, after a full run, that every documented operation
// and every documented success status was exercised against the document.
// Under -short the moto-backed tests (S3 transfers and uploads) skip, so the
// check is left to the full run.
func TestMain(m *testing.M) {
	flag.Parse()
	code := dynamotest.Run(m) // moto_server, for the S3 transfer tests
	if code == 0 && flag.Lookup("test.run").Value.String() == "" && !testing.Short() && checker != nil {
		var missing []string
		for tmpl, ops := range checker.paths {
			for method, op := range ops {
				for status := range op.(map[string]any)["responses"].(map[string]any) {
					if status[0] != '2' {
						continue
					}
					if !checker.seen[method+" "+tmpl+" "+status] {
						missing = append(missing, method+" "+tmpl+" "+status)
					}
				}
			}
		}
		if len(missing) > 0 {
			sort.Strings(missing)
			fmt.Fprintf(os.Stderr, "openapi: documented responses never exercised by a test:\n  %s\n", strings.Join(missing, "\n  "))
			code = 1
		}
	}
	os.Exit(code)
}
