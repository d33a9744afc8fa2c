package main

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"infocentre/internal/centre"
	"infocentre/internal/dynamostore/dynamotest"
)

func TestMain(m *testing.M) { dynamotest.Main(m) }

// TestDynamoDBCommands follows the README's first steps on DynamoDB: create
// the table, the first owner key and a site with the CLI, then serve them.
func TestDynamoDBCommands(t *testing.T) {
	endpoint := dynamotest.Endpoint(t)
	t.Setenv("DYNAMODB_ENDPOINT", endpoint)
	t.Setenv("DYNAMODB_TABLE", fmt.Sprintf("cli-%d", time.Now().UnixNano()))
	t.Setenv("AWS_REGION", "eu-west-1")
	t.Setenv("AWS_ACCESS_KEY_ID", "testing")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "testing")
	t.Setenv("CURSOR_SECRET", "")
	if out, _, err := runCLI(t, "table", "create"); err != nil || !strings.Contains(out, "created table") {
		t.Fatalf("table create: %q %v", out, err)
	}
	owner, _, err := runCLI(t, "key", "create", "--store", "dynamodb", "--role", "owner", "--name", "first owner")
	if err != nil || !centre.LooksLikeKey(strings.TrimSpace(owner)) {
		t.Fatalf("owner key: %q %v", owner, err)
	}
	out, _, err := runCLI(t, "site", "create", "--store", "dynamodb", "--slug", "covid-19", "--title", "COVID-19 Information Centre",
		"--publisher", "Association", "--email", "press@example.org")
	if err != nil || !strings.Contains(out, "admin key: icsk_") {
		t.Fatalf("site create: %q %v", out, err)
	}
	// A server needs a lasting cursor secret on DynamoDB.
	if _, _, err := runCLI(t, "serve", "--store", "dynamodb", "--addr", "127.0.0.1:0"); err == nil || !strings.Contains(err.Error(), "CURSOR_SECRET") {
		t.Fatalf("serve without CURSOR_SECRET: %v", err)
	}
	t.Setenv("CURSOR_SECRET", "a-lasting-cursor-secret-for-tests")
	url, printed := startServerArgs(t, "--store", "dynamodb")
	if printed != "" {
		t.Fatal("serve printed an owner key for a table that has one")
	}
	var site struct{ Slug string }
	if s := get(t, url+"/api/v1/sites/covid-19", &site); s != 200 || site.Slug != "covid-19" {
		t.Fatalf("site on DynamoDB: %d %+v", s, site)
	}
	out, _, err = runCLI(t, "key", "list", "--url", url, "--key", strings.TrimSpace(owner))
	if err != nil || !strings.Contains(out, "first owner") {
		t.Fatalf("owner keys through the server: %q %v", out, err)
	}
}

// TestEntryCommandsDynamoDB runs the entry commands on a DynamoDB table
// (--store dynamodb), as on the embedded store.
func TestEntryCommandsDynamoDB(t *testing.T) {
	endpoint := dynamotest.Endpoint(t)
	t.Setenv("DYNAMODB_ENDPOINT", endpoint)
	t.Setenv("DYNAMODB_TABLE", fmt.Sprintf("cli-entries-%d", time.Now().UnixNano()))
	t.Setenv("AWS_REGION", "eu-west-1")
	t.Setenv("AWS_ACCESS_KEY_ID", "testing")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "testing")
	if _, _, err := runCLI(t, "table", "create"); err != nil {
		t.Fatal(err)
	}
	newFloodSite(t, "--store", "dynamodb")
	entryScenario(t, "--store", "dynamodb")
}
