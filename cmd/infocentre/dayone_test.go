package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	"gopkg.in/yaml.v3"

	"infocentre/internal/centre"
	"infocentre/internal/dynamostore/dynamotest"
)

// runbookBlock returns the commands of the README's day-one block (the
// fenced block after the "day-one" marker), continuation lines joined.
func runbookBlock(t *testing.T) []string {
	t.Helper()
	b, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	i := strings.Index(s, "<!-- day-one:")
	if i < 0 {
		t.Fatal("README.md has no day-one block")
	}
	s = s[i:]
	start := strings.Index(s, "```sh\n")
	end := strings.Index(s[start+6:], "```")
	if start < 0 || end < 0 {
		t.Fatal("README.md: day-one block not fenced")
	}
	var cmds []string
	cur := ""
	for _, line := range strings.Split(s[start+6:start+6+end], "\n") {
		if l, cont := strings.CutSuffix(line, "\\"); cont {
			cur += l
			continue
		}
		cur += line
		if strings.TrimSpace(cur) != "" {
			cmds = append(cmds, strings.TrimSpace(cur))
		}
		cur = ""
	}
	return cmds
}

// words splits a shell command line into words: blanks separate, "…" and
// '…' quote (no expansions: the runbook uses none).
func words(t *testing.T, line string) []string {
	var out []string
	var w strings.Builder
	inWord := false
	for i := 0; i < len(line); i++ {
		c := line[i]
		switch {
		case c == '"' || c == '\'':
			j := strings.IndexByte(line[i+1:], c)
			if j < 0 {
				t.Fatalf("unbalanced quote in %q", line)
			}
			w.WriteString(line[i+1 : i+1+j])
			i += j + 1
			inWord = true
		case c == ' ' || c == '\t':
			if inWord {
				out = append(out, w.String())
				w.Reset()
				inWord = false
			}
		case c == '$' || c == '`' || c == '|' || c == ';' || c == '&' || c == '>' || c == '<':
			t.Fatalf("runbook line %q uses shell syntax this test does not run", line)
		default:
			w.WriteByte(c)
			inWord = true
		}
	}
	if inWord {
		out = append(out, w.String())
	}
	return out
}

// deployStack creates on moto_server the stack `sam deploy` would: its
// table made by CloudFormation from template.yaml's own Table resource,
// and the TableName output.
func deployStack(t *testing.T, name string) {
	t.Helper()
	raw, err := os.ReadFile("../../template.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	longForm(&doc)
	var tpl struct {
		Parameters map[string]any `yaml:"Parameters"`
		Conditions map[string]any `yaml:"Conditions"`
		Resources  map[string]any `yaml:"Resources"`
		Outputs    map[string]any `yaml:"Outputs"`
	}
	if err := doc.Decode(&tpl); err != nil {
		t.Fatal(err)
	}
	part := map[string]any{
		"AWSTemplateFormatVersion": "2010-09-09",
		"Parameters":               tpl.Parameters,
		"Conditions":               tpl.Conditions,
		"Resources":                map[string]any{"Table": tpl.Resources["Table"]},
		"Outputs":                  map[string]any{"TableName": tpl.Outputs["TableName"]},
	}
	body, err := yaml.Marshal(part)
	if err != nil {
		t.Fatal(err)
	}
	cf := cloudformation.New(cloudformation.Options{Region: "eu-west-1", BaseEndpoint: aws.String(dynamotest.Endpoint(t)),
		Credentials: credentials.NewStaticCredentialsProvider("testing", "testing", "")})
	if _, err := cf.CreateStack(context.Background(), &cloudformation.CreateStackInput{
		StackName: aws.String(name), TemplateBody: aws.String(string(body))}); err != nil {
		t.Fatalf("create stack: %v", err)
	}
}

// TestDayOneRunbook runs the README's day-one commands verbatim against a
// stack on moto_server: the first owner key and the first site land in the
// table the stack's outputs name.
func TestDayOneRunbook(t *testing.T) {
	endpoint := dynamotest.Endpoint(t)
	for k, v := range map[string]string{
		"AWS_ENDPOINT_URL": endpoint, "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
		"AWS_REGION": "", "DYNAMODB_TABLE": "", "DYNAMODB_ENDPOINT": "", "INFOCENTRE_STORE": "", "INFOCENTRE_STACK": "",
		"CURSOR_SECRET": "", "INFOCENTRE_URL": "", "INFOCENTRE_KEY": "", "AWS_PROFILE": "", "AWS_CONFIG_FILE": os.DevNull,
		"AWS_SHARED_CREDENTIALS_FILE": os.DevNull,
	} {
		t.Setenv(k, v)
	}
	cmds := runbookBlock(t)
	stack := ""
	for _, c := range cmds {
		if m := regexp.MustCompile(`--stack (\S+)`).FindStringSubmatch(c); m != nil {
			stack = m[1]
		}
	}
	if stack == "" {
		t.Fatal("the runbook names no --stack")
	}
	// moto keeps stacks per process; a unique table per run comes from the
	// generated name.
	t.Setenv("AWS_REGION", "eu-west-1")
	deployStack(t, stack)
	os.Unsetenv("AWS_REGION")

	var outs []string
	ran := 0
	for _, c := range cmds {
		w := words(t, c)
		switch {
		case w[0] == "go" && w[1] == "build":
			continue // the test runs the CLI in-process
		case w[0] == "export":
			k, v, _ := strings.Cut(w[1], "=")
			t.Setenv(k, v)
		case w[0] == "bin/infocentre":
			out, errOut, err := runCLI(t, w[1:]...)
			if err != nil {
				t.Fatalf("%s: %v\n%s", c, err, errOut)
			}
			outs = append(outs, out)
			ran++
		default:
			t.Fatalf("runbook line %q: this test does not know how to run it", c)
		}
	}
	if ran != 3 {
		t.Fatalf("ran %d infocentre commands, want 3 (key create, site create, key list)", ran)
	}
	if !centre.LooksLikeKey(strings.TrimSpace(outs[0])) {
		t.Errorf("key create printed %q, want only the key", outs[0])
	}
	if !strings.Contains(outs[1], "admin key: icsk_") {
		t.Errorf("site create printed %q", outs[1])
	}
	if !strings.Contains(outs[2], "first owner") {
		t.Errorf("key list printed %q", outs[2])
	}
	// The site is in the stack's table: read it back through the table name
	// alone.
	table, err := stackTable(context.Background(), stack)
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv("DYNAMODB_TABLE", table)
	out, _, err := runCLI(t, "site", "list", "--store", "dynamodb")
	if err != nil || !strings.Contains(out, "covid-19") {
		t.Fatalf("site list on %s: %q %v", table, out, err)
	}
}

// TestStackErrors: a stack that does not exist, or that has no table
// output, is refused with a message naming it.
func TestStackErrors(t *testing.T) {
	endpoint := dynamotest.Endpoint(t)
	for k, v := range map[string]string{"AWS_ENDPOINT_URL": endpoint, "AWS_ACCESS_KEY_ID": "testing",
		"AWS_SECRET_ACCESS_KEY": "testing", "AWS_REGION": "eu-west-1", "CURSOR_SECRET": ""} {
		t.Setenv(k, v)
	}
	_, _, err := runCLI(t, "key", "create", "--stack", "no-such-stack", "--role", "owner")
	if err == nil || !strings.Contains(err.Error(), "no-such-stack") {
		t.Errorf("missing stack: %v", err)
	}
	name := fmt.Sprintf("not-infocentre-%d", time.Now().UnixNano())
	cf := cloudformation.New(cloudformation.Options{Region: "eu-west-1", BaseEndpoint: aws.String(endpoint),
		Credentials: credentials.NewStaticCredentialsProvider("testing", "testing", "")})
	body, _ := json.Marshal(map[string]any{"Resources": map[string]any{"Q": map[string]any{"Type": "AWS::SQS::Queue"}}})
	if _, err := cf.CreateStack(context.Background(), &cloudformation.CreateStackInput{StackName: aws.String(name), TemplateBody: aws.String(string(body))}); err != nil {
		t.Fatal(err)
	}
	_, _, err = runCLI(t, "key", "list", "--stack", name)
	if err == nil || !strings.Contains(err.Error(), "no TableName output") {
		t.Errorf("stack without table: %v", err)
	}
}

// longForm rewrites CloudFormation's short-form intrinsics (!Ref X, !If …)
// into their long form ({Ref: X}, {Fn::If: …}), which survive decoding.
func longForm(n *yaml.Node) {
	for _, c := range n.Content {
		longForm(c)
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
	if name == "Fn::GetAtt" && inner.Kind == yaml.ScalarNode {
		a, b, _ := strings.Cut(inner.Value, ".")
		inner = yaml.Node{Kind: yaml.SequenceNode, Content: []*yaml.Node{
			{Kind: yaml.ScalarNode, Value: a}, {Kind: yaml.ScalarNode, Value: b}}}
	}
	*n = yaml.Node{Kind: yaml.MappingNode, Tag: "!!map", Content: []*yaml.Node{
		{Kind: yaml.ScalarNode, Tag: "!!str", Value: name}, &inner,
	}}
}
