package centre_test

import (
	"strings"
	"testing"
	"time"

	"infocentre/internal/centre"
)

// TestChildKeyNeverOutlivesParent: a key that expires in an hour cannot
// mint a key that lives longer, and the children stop with it.
func TestChildKeyNeverOutlivesParent(t *testing.T) {
	f := newFixture(t)
	ctx := t.Context()
	hour := f.now.Add(time.Hour)
	admin, _, _ := f.key(f.owner, "demo", centre.RoleAdmin, hour)

	cases := []struct {
		name      string
		ask, want time.Time
	}{
		{"no expiry", time.Time{}, hour},
		{"later expiry", f.now.Add(365 * 24 * time.Hour), hour},
		{"earlier expiry", f.now.Add(30 * time.Minute), f.now.Add(30 * time.Minute)},
	}
	var secrets []string
	for _, c := range cases {
		k, secret, err := f.svc.CreateKey(ctx, admin, "demo", centre.KeyInput{Role: centre.RoleEditor, ExpiresAt: c.ask})
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if !k.ExpiresAt.Equal(c.want) {
			t.Errorf("%s: child expires %v, want %v", c.name, k.ExpiresAt, c.want)
		}
		secrets = append(secrets, secret)
	}
	// A key minted by an owner key without expiry keeps what it asked for.
	k, _, err := f.svc.CreateKey(ctx, f.owner, "demo", centre.KeyInput{Role: centre.RoleEditor})
	if err != nil || !k.ExpiresAt.IsZero() {
		t.Fatalf("owner-minted key without expiry: %+v, %v", k, err)
	}

	f.now = hour.Add(time.Second)
	for _, secret := range secrets {
		_, err := f.svc.Authenticate(ctx, secret)
		wantCode(t, err, centre.EUNAUTHORIZED, "a child of an expired key")
	}
}

// TestRevokingParentDisablesDescendants: a key minted by a key (and so on)
// stops authenticating when any key above it is revoked.
func TestRevokingParentDisablesDescendants(t *testing.T) {
	f := newFixture(t)
	ctx := t.Context()
	a, _, ak := f.key(f.owner, "demo", centre.RoleAdmin, time.Time{})
	b, bSecret, _ := f.key(a, "demo", centre.RoleAdmin, time.Time{})
	_, cSecret, _ := f.key(b, "demo", centre.RoleEditor, time.Time{})
	// A second owner key minted by the first, and a key it minted.
	o2, _, o2k := f.key(f.owner, centre.AllSites, centre.RoleOwner, time.Time{})
	_, dSecret, _ := f.key(o2, "other", centre.RoleAdmin, time.Time{})
	_, keepSecret, _ := f.key(f.owner, "demo", centre.RoleAdmin, time.Time{})

	if _, err := f.svc.RevokeKey(ctx, f.owner, "demo", ak.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.RevokeKey(ctx, f.owner, centre.AllSites, o2k.ID); err != nil {
		t.Fatal(err)
	}
	for name, secret := range map[string]string{"child": bSecret, "grandchild": cSecret, "child of a revoked owner key": dSecret} {
		_, err := f.svc.Authenticate(ctx, secret)
		wantCode(t, err, centre.EUNAUTHORIZED, name)
		if reason, _, _ := centre.AuthFailureReason(err); !strings.Contains(reason, "ancestor") {
			t.Errorf("%s: reason %q, want an ancestor's revocation", name, reason)
		}
	}
	if _, err := f.svc.Authenticate(ctx, keepSecret); err != nil {
		t.Fatalf("a sibling minted by the owner: %v", err)
	}
	// A descendant of a revoked key can mint nothing.
	if _, _, err := f.svc.CreateKey(ctx, b, "demo", centre.KeyInput{Role: centre.RoleViewer}); err == nil {
		t.Fatal("a key whose parent is revoked minted a key")
	}
}

// TestChildKeyNeverOutranksParent: no key mints a key above its own role or
// for another site, and chains are bounded.
func TestChildKeyNeverOutranksParent(t *testing.T) {
	f := newFixture(t)
	ctx := t.Context()
	admin, _, _ := f.key(f.owner, "demo", centre.RoleAdmin, time.Time{})
	editor, _, _ := f.key(admin, "demo", centre.RoleEditor, time.Time{})
	for _, c := range []struct {
		p          centre.Principal
		site, role string
	}{
		{admin, "demo", centre.RoleOwner}, {admin, centre.AllSites, centre.RoleAdmin}, {admin, "other", centre.RoleViewer},
		{editor, "demo", centre.RoleEditor}, {editor, "demo", centre.RoleViewer}, {editor, "demo", centre.RoleAdmin},
	} {
		_, _, err := f.svc.CreateKey(ctx, c.p, c.site, centre.KeyInput{Role: c.role})
		wantCode(t, err, centre.EFORBIDDEN, c.p.Role+" minting "+c.site+"/"+c.role)
	}

	p := admin // depth 1
	for depth := 2; depth <= centre.MaxKeyDepth; depth++ {
		p, _, _ = f.key(p, "demo", centre.RoleAdmin, time.Time{})
	}
	_, _, err := f.svc.CreateKey(ctx, p, "demo", centre.KeyInput{Role: centre.RoleViewer})
	wantCode(t, err, centre.EFORBIDDEN, "minting below the depth limit")
}

// TestLastAdminIsKept: a site admin key cannot leave the site without an
// admin key, also not through the keys a revocation disables; an owner
// and an admin person can.
func TestLastAdminIsKept(t *testing.T) {
	f := newFixture(t)
	ctx := t.Context()
	a, aSecret, ak := f.key(f.owner, "demo", centre.RoleAdmin, time.Time{})
	_, _, bk := f.key(f.owner, "demo", centre.RoleAdmin, time.Time{})
	c, _, ck := f.key(a, "demo", centre.RoleAdmin, time.Time{}) // minted by a
	_, _, ek := f.key(a, "demo", centre.RoleEditor, time.Time{})

	if _, err := f.svc.RevokeKey(ctx, a, "demo", bk.ID); err != nil {
		t.Fatalf("revoking another admin while two stay: %v", err)
	}
	_, err := f.svc.RevokeKey(ctx, c, "demo", ak.ID) // would take c with it
	wantCode(t, err, centre.ECONFLICT, "revoking the admin whose child is the only other admin")
	_, err = f.svc.RevokeKey(ctx, a, "demo", ak.ID)
	wantCode(t, err, centre.ECONFLICT, "an admin revoking itself as the last independent admin")
	if _, err := f.svc.RevokeKey(ctx, a, "demo", ck.ID); err != nil {
		t.Fatalf("revoking a child admin while its parent stays: %v", err)
	}
	_, err = f.svc.RevokeKey(ctx, a, "demo", ak.ID)
	wantCode(t, err, centre.ECONFLICT, "revoking the last admin")
	if _, err := f.svc.RevokeKey(ctx, a, "demo", ek.ID); err != nil {
		t.Fatalf("revoking an editor: %v", err)
	}
	if _, err := f.svc.Authenticate(ctx, aSecret); err != nil {
		t.Fatalf("the last admin was revoked: %v", err)
	}
	_, err = f.svc.RevokeKey(ctx, a, "demo", "01jzzzzzzzzzzzzzzzzzzzzzzz")
	wantCode(t, err, centre.ENOTFOUND, "revoking a key the site does not have")
	if _, err := f.svc.RevokeKey(ctx, f.owner, "demo", ak.ID); err != nil {
		t.Fatalf("an owner revoking the last admin: %v", err)
	}
	// A signed-in admin person stays an admin of the site without keys.
	_, _, dk := f.key(f.owner, "demo", centre.RoleAdmin, time.Time{})
	person := centre.Principal{PersonID: "01jzperson000000000000000a", Site: "demo", Role: centre.RoleAdmin}
	if _, err := f.svc.RevokeKey(ctx, person, "demo", dk.ID); err != nil {
		t.Fatalf("an admin person revoking the last admin key: %v", err)
	}
}

// TestUnauthorizedSaysNothingMore: every refused key gets the same
// message; only the audit reason differs.
func TestUnauthorizedSaysNothingMore(t *testing.T) {
	f := newFixture(t)
	ctx := t.Context()
	_, revoked, rk := f.key(f.owner, "demo", centre.RoleEditor, time.Time{})
	_, expired, _ := f.key(f.owner, "demo", centre.RoleEditor, f.now.Add(time.Minute))
	if _, err := f.svc.RevokeKey(ctx, f.owner, "demo", rk.ID); err != nil {
		t.Fatal(err)
	}
	f.now = f.now.Add(time.Hour)
	unknown, _ := centre.NewKeySecret()
	reasons := map[string]bool{}
	for name, secret := range map[string]string{"malformed": "icsk_short", "unknown": unknown, "revoked": revoked, "expired": expired} {
		_, err := f.svc.Authenticate(ctx, secret)
		wantCode(t, err, centre.EUNAUTHORIZED, name)
		if msg := centre.ErrorMessage(err); msg != centre.UnauthorizedMessage {
			t.Errorf("%s: message %q, want the generic one", name, msg)
		}
		reason, _, ok := centre.AuthFailureReason(err)
		if !ok || reason != name {
			t.Errorf("%s: audit reason %q", name, reason)
		}
		reasons[reason] = true
	}
	if len(reasons) != 4 {
		t.Errorf("reasons %v: the audit log cannot tell the cases apart", reasons)
	}
}
