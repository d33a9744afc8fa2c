package dynamostore_test

import (
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"gopkg.in/yaml.v3"

	"infocentre/internal/dynamostore"
)

// tableSpec is the part of a table definition that the store depends on.
type tableSpec struct {
	BillingMode string
	Attributes  map[string]string   // name → type
	Keys        []string            // "PK HASH", "SK RANGE"
	Indexes     map[string][]string // name → keys and "projection ALL"
	TTL         string              // attribute, "" when disabled
}

func schemaSpec() tableSpec {
	in := dynamostore.TableSchema("x")
	s := tableSpec{BillingMode: string(in.BillingMode), Attributes: map[string]string{}, Indexes: map[string][]string{}, TTL: dynamostore.TTLAttribute}
	for _, a := range in.AttributeDefinitions {
		s.Attributes[aws.ToString(a.AttributeName)] = string(a.AttributeType)
	}
	for _, k := range in.KeySchema {
		s.Keys = append(s.Keys, aws.ToString(k.AttributeName)+" "+string(k.KeyType))
	}
	for _, g := range in.GlobalSecondaryIndexes {
		var ks []string
		for _, k := range g.KeySchema {
			ks = append(ks, aws.ToString(k.AttributeName)+" "+string(k.KeyType))
		}
		s.Indexes[aws.ToString(g.IndexName)] = append(ks, "projection "+string(g.Projection.ProjectionType))
	}
	return s
}

// plain turns a YAML node into maps, slices and strings, ignoring tags, so
// that CloudFormation's short-form functions (!Ref, !Sub, !GetAtt …) parse
// like any other value.
func plain(n *yaml.Node) any {
	switch n.Kind {
	case yaml.DocumentNode:
		if len(n.Content) == 0 {
			return nil
		}
		return plain(n.Content[0])
	case yaml.MappingNode:
		m := map[string]any{}
		for i := 0; i+1 < len(n.Content); i += 2 {
			m[n.Content[i].Value] = plain(n.Content[i+1])
		}
		return m
	case yaml.SequenceNode:
		l := make([]any, len(n.Content))
		for i, c := range n.Content {
			l[i] = plain(c)
		}
		return l
	case yaml.AliasNode:
		return plain(n.Alias)
	default:
		return n.Value
	}
}

// templateSpec returns the spec of the one AWS::DynamoDB::Table of a
// CloudFormation template.
func templateSpec(data []byte) (tableSpec, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return tableSpec{}, err
	}
	root, _ := plain(&doc).(map[string]any)
	resources, _ := root["Resources"].(map[string]any)
	var tables []map[string]any
	for _, name := range slices.Sorted(maps.Keys(resources)) {
		r, _ := resources[name].(map[string]any)
		if r["Type"] == "AWS::DynamoDB::Table" {
			props, _ := r["Properties"].(map[string]any)
			tables = append(tables, props)
		}
	}
	if len(tables) != 1 {
		return tableSpec{}, fmt.Errorf("want exactly one AWS::DynamoDB::Table, found %d", len(tables))
	}
	p := tables[0]
	str := func(v any) string { s, _ := v.(string); return s }
	list := func(v any) []map[string]any {
		var out []map[string]any
		l, _ := v.([]any)
		for _, e := range l {
			m, _ := e.(map[string]any)
			out = append(out, m)
		}
		return out
	}
	keys := func(v any) []string {
		var out []string
		for _, k := range list(v) {
			out = append(out, str(k["AttributeName"])+" "+str(k["KeyType"]))
		}
		return out
	}
	s := tableSpec{BillingMode: str(p["BillingMode"]), Attributes: map[string]string{}, Indexes: map[string][]string{}}
	for _, a := range list(p["AttributeDefinitions"]) {
		s.Attributes[str(a["AttributeName"])] = str(a["AttributeType"])
	}
	s.Keys = keys(p["KeySchema"])
	for _, g := range list(p["GlobalSecondaryIndexes"]) {
		proj, _ := g["Projection"].(map[string]any)
		s.Indexes[str(g["IndexName"])] = append(keys(g["KeySchema"]), "projection "+str(proj["ProjectionType"]))
	}
	if _, ok := p["LocalSecondaryIndexes"]; ok {
		s.Indexes["(local secondary indexes)"] = nil
	}
	if ttl, ok := p["TimeToLiveSpecification"].(map[string]any); ok && strings.EqualFold(str(ttl["Enabled"]), "true") {
		s.TTL = str(ttl["AttributeName"])
	}
	return s, nil
}

func diffSpec(got, want tableSpec) []string {
	var d []string
	if got.BillingMode != want.BillingMode {
		d = append(d, fmt.Sprintf("BillingMode %q, want %q", got.BillingMode, want.BillingMode))
	}
	if !reflect.DeepEqual(got.Attributes, want.Attributes) {
		d = append(d, fmt.Sprintf("AttributeDefinitions %v, want %v", got.Attributes, want.Attributes))
	}
	if !slices.Equal(got.Keys, want.Keys) {
		d = append(d, fmt.Sprintf("KeySchema %v, want %v", got.Keys, want.Keys))
	}
	if !reflect.DeepEqual(got.Indexes, want.Indexes) {
		d = append(d, fmt.Sprintf("GlobalSecondaryIndexes %v, want %v", got.Indexes, want.Indexes))
	}
	if got.TTL != want.TTL {
		d = append(d, fmt.Sprintf("TimeToLiveSpecification attribute %q (enabled), want %q", got.TTL, want.TTL))
	}
	return d
}

func checkTemplate(t *testing.T, path string) []string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	got, err := templateSpec(data)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return diffSpec(got, schemaSpec())
}

// TestTemplateMatchesSchema compares the table of the repository's
// template.yaml with TableSchema.
func TestTemplateMatchesSchema(t *testing.T) {
	root, err := repoRoot()
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(root, "template.yaml")
	if _, err := os.Stat(path); os.IsNotExist(err) {
		t.Skipf("%s does not exist yet", path)
	}
	for _, d := range checkTemplate(t, path) {
		t.Errorf("template.yaml disagrees with dynamostore.TableSchema: %s", d)
	}
}

// TestTemplateCheck checks the comparison itself on fixtures: one that
// agrees (with short-form intrinsic functions) and one that does not.
func TestTemplateCheck(t *testing.T) {
	if d := checkTemplate(t, "testdata/template-good.yaml"); len(d) != 0 {
		t.Fatalf("good fixture: %v", d)
	}
	d := checkTemplate(t, "testdata/template-bad.yaml")
	if len(d) != 2 || !strings.Contains(d[0], "GSI2") || !strings.Contains(d[1], "expires") {
		t.Fatalf("bad fixture: differences %q, want GSI2 keys and TTL attribute", d)
	}
	if _, err := templateSpec([]byte("Resources: {}\n")); err == nil {
		t.Fatal("a template without a table passed")
	}
}

// repoRoot returns the directory of go.mod above the working directory.
func repoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("no go.mod above %s", dir)
		}
		dir = parent
	}
}
