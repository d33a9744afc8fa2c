package lambdaadapter

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"infocentre/internal/centre"
)

const fixtureKey = "icsk_0123456789abcdefghijklmnopqrstuvwxyzABCDEFG"

func loadAuthorizerEvent(t *testing.T) events.APIGatewayV2CustomAuthorizerV2Request {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "testdata", "apigw", "authorizer-request.json"))
	if err != nil {
		t.Fatal(err)
	}
	var ev events.APIGatewayV2CustomAuthorizerV2Request
	if err := json.Unmarshal(b, &ev); err != nil {
		t.Fatal(err)
	}
	return ev
}

// keys is an AuthorizeFunc over a fixed set of secrets.
func keys(known map[string]centre.Principal, failure error) AuthorizeFunc {
	return func(_ context.Context, secret string) (centre.Principal, error) {
		if failure != nil {
			return centre.Principal{}, failure
		}
		p, ok := known[secret]
		if !ok {
			return centre.Principal{}, centre.Errorf(centre.EUNAUTHORIZED, "invalid key")
		}
		return p, nil
	}
}

func TestAuthorizerAcceptsKnownKey(t *testing.T) {
	editor := centre.Principal{KeyID: "01jdq8w2h5f7g9j1k3m5n7p9qr", Site: "flood-2026", Role: centre.RoleEditor}
	auth := Authorizer(keys(map[string]centre.Principal{fixtureKey: editor}, nil), quietLogger())

	resp, err := auth(context.Background(), loadAuthorizerEvent(t))
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(resp)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"isAuthorized":true,"context":{"key_id":"01jdq8w2h5f7g9j1k3m5n7p9qr","role":"editor","site":"flood-2026"}}`
	if string(b) != want {
		t.Errorf("response = %s\nwant       %s", b, want)
	}
}

func TestAuthorizerRefuses(t *testing.T) {
	owner := centre.Principal{KeyID: "k1", Site: centre.AllSites, Role: centre.RoleOwner}
	known := map[string]centre.Principal{fixtureKey: owner}
	cases := []struct {
		name, header string
		failure      error
	}{
		{"unknown key", "Bearer icsk_ZZZZ456789abcdefghijklmnopqrstuvwxyzABCDEFG", nil},
		{"no header", "", nil},
		{"basic scheme", "Basic dXNlcjpwYXNz", nil},
		{"bearer without key", "Bearer ", nil},
		{"key without scheme", fixtureKey, nil},
		{"revoked", "Bearer " + fixtureKey, centre.Errorf(centre.EUNAUTHORIZED, "key revoked")},
		{"forbidden", "Bearer " + fixtureKey, centre.Errorf(centre.EFORBIDDEN, "no")},
		{"malformed", "Bearer " + fixtureKey, centre.Errorf(centre.EINVALID, "bad key")},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ev := loadAuthorizerEvent(t)
			if c.header == "" {
				delete(ev.Headers, "authorization")
			} else {
				ev.Headers["authorization"] = c.header
			}
			resp, err := Authorizer(keys(known, c.failure), quietLogger())(context.Background(), ev)
			if err != nil {
				t.Fatalf("err = %v, want a refusal", err)
			}
			if resp.IsAuthorized || resp.Context != nil {
				t.Errorf("response = %+v, want a refusal without context", resp)
			}
		})
	}
}

func TestAuthorizerSchemeCaseInsensitive(t *testing.T) {
	p := centre.Principal{KeyID: "k1", Site: "s", Role: centre.RoleViewer}
	ev := loadAuthorizerEvent(t)
	delete(ev.Headers, "authorization")
	ev.Headers["Authorization"] = "bearer   " + fixtureKey
	resp, err := Authorizer(keys(map[string]centre.Principal{fixtureKey: p}, nil), quietLogger())(context.Background(), ev)
	if err != nil || !resp.IsAuthorized {
		t.Errorf("resp %+v err %v", resp, err)
	}
}

func TestAuthorizerFailsWhenItCannotDecide(t *testing.T) {
	down := errors.New("dynamodb: connection refused")
	resp, err := Authorizer(keys(nil, down), quietLogger())(context.Background(), loadAuthorizerEvent(t))
	if err == nil {
		t.Fatal("want an error (API Gateway 500, not cached), got none")
	}
	if resp.IsAuthorized {
		t.Error("authorized on failure")
	}
	if errors.Is(err, down) || err.Error() != "authorizer unavailable" {
		t.Errorf("error %q leaks internal detail", err)
	}
}
