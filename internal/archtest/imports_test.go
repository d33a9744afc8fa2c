package archtest

import (
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
)

const module = "infocentre/"

// allowed lists, for every package of the module, the module packages its
// non-test code may import (ARCHITECTURE.md, "Packages"). A package missing
// from the table fails the test: place a new package on the map before it
// lands. The domain (centre) imports nothing of ours; the stores import the
// domain only; the public site reads through the domain, never a store;
// only the wiring (app) and the binaries know every package.
var allowed = map[string][]string{
	"internal/centre":      {},
	"internal/markdown":    {},
	"internal/jsonstrict":  {},
	"internal/ratelimit":   {},
	"internal/secrets":     {"internal/awsconfig"},
	"internal/awsconfig":   {},
	"internal/previewlink": {},
	"internal/httpcache":   {},
	"internal/brcompress":  {},
	"internal/archtest":    {},
	"internal/bench/hello": {},

	"internal/bench/hellodynamodb": {"internal/awsconfig"},

	"internal/cursor":        {"internal/centre"},
	"internal/search":        {"internal/centre"},
	"internal/feed":          {"internal/centre"},
	"internal/cap":           {},
	"internal/demo":          {"internal/centre"},
	"internal/lambdaadapter": {"internal/centre"},
	"internal/transfer":      {"internal/centre", "internal/jsonstrict"},
	"internal/rendercache":   {"internal/centre", "internal/httpcache"},
	"internal/notify":        {"internal/centre"},

	"internal/boltstore":              {"internal/centre"},
	"internal/dynamostore":            {"internal/awsconfig", "internal/centre", "internal/search"},
	"internal/dynamostore/dynamotest": {"internal/dynamostore"},
	"internal/storetest":              {"internal/centre"},
	"internal/filestore":              {"internal/centre"},
	"internal/s3files":                {"internal/awsconfig", "internal/centre"},
	"internal/s3http":                 {"internal/awsconfig", "internal/centre"},
	"internal/media":                  {"internal/centre"},
	"internal/media/mediatest":        {},

	"internal/web": {"internal/cap", "internal/centre", "internal/cursor", "internal/feed", "internal/httpcache",
		"internal/search"},
	"internal/web/fixture": {"internal/centre", "internal/markdown"},
	"internal/httpapi": {"internal/centre", "internal/cursor", "internal/httpcache", "internal/jsonstrict", "internal/ratelimit",
		"internal/search", "internal/transfer"},
	"internal/s3transfer": {"internal/awsconfig", "internal/centre", "internal/httpapi"},
	"internal/webhook":    {"internal/centre", "internal/httpapi"},
	"internal/static":     {"internal/centre", "internal/cursor", "internal/httpapi", "internal/search", "internal/web"},
	"internal/console":    {"internal/centre", "internal/cursor", "internal/ratelimit"},
	"internal/edge":       {"internal/centre", "internal/dynamostore", "internal/httpapi", "internal/static", "internal/web"},
	"internal/websub":     {"internal/centre", "internal/web"},

	"internal/alerts": {"internal/centre"},

	"internal/alerts/mailpittest": {},
	"internal/alerts/sesmail":     {"internal/alerts", "internal/awsconfig"},

	"internal/app": {"internal/alerts", "internal/awsconfig", "internal/boltstore", "internal/brcompress", "internal/centre", "internal/console", "internal/cursor", "internal/dynamostore", "internal/edge",
		"internal/filestore", "internal/httpapi", "internal/markdown", "internal/media", "internal/notify", "internal/previewlink",
		"internal/rendercache", "internal/s3files", "internal/s3http", "internal/s3transfer", "internal/search", "internal/secrets", "internal/static", "internal/web",
		"internal/webhook", "internal/websub"},

	"cmd/infocentre":       {"*"},
	"functions":            {},
	"functions/admin":      {"internal/app", "internal/lambdaadapter"},
	"functions/authorizer": {"internal/app", "internal/lambdaadapter"},
	"functions/public":     {"internal/app", "internal/lambdaadapter"},
	"functions/publisher":  {"internal/app", "internal/lambdaadapter"},
	"functions/edge":       {"internal/app"},
	"functions/bounces":    {"internal/alerts", "internal/app"},
	"functions/notifier":   {"internal/alerts/sesmail", "internal/app", "internal/lambdaadapter"},
	"e2e/browser/server":   {"*"},
	"e2e/browser/console":  {"*"},
}

// TestImports checks every non-test Go file of the module against allowed.
func TestImports(t *testing.T) {
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, "go.mod")); err != nil {
		t.Fatalf("module root not found: %v", err)
	}
	imports := map[string]map[string]bool{}
	fset := token.NewFileSet()
	err = filepath.WalkDir(root, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		name := d.Name()
		if d.IsDir() {
			if path != root && (strings.HasPrefix(name, ".") || name == "node_modules" || name == "testdata" || name == "bin") {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(name, ".go") || strings.HasSuffix(name, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, parser.ImportsOnly)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, filepath.Dir(path))
		pkg := filepath.ToSlash(rel)
		if imports[pkg] == nil {
			imports[pkg] = map[string]bool{}
		}
		for _, imp := range f.Imports {
			p, _ := strconv.Unquote(imp.Path.Value)
			if strings.HasPrefix(p, module) {
				imports[pkg][strings.TrimPrefix(p, module)] = true
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(imports) < 20 {
		t.Fatalf("found only %d packages under %s: is the walk wrong?", len(imports), root)
	}
	var pkgs []string
	for p := range imports {
		pkgs = append(pkgs, p)
	}
	sort.Strings(pkgs)
	for _, p := range pkgs {
		ok, listed := allowed[p]
		if !listed {
			t.Errorf("package %s is not on the map: add it to allowed (and to ARCHITECTURE.md)", p)
			continue
		}
		if slices.Contains(ok, "*") {
			continue
		}
		for imp := range imports[p] {
			if !slices.Contains(ok, imp) {
				t.Errorf("%s imports %s, which the package map does not allow", p, imp)
			}
		}
	}
}
