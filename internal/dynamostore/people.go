package dynamostore

import (
	"context"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"infocentre/internal/centre"
)

// People, sessions and sign-in challenges (see the layout in item.go).

const (
	skPerson    = "PERSON"
	skSession   = "SESSION"
	skChallenge = "CHALLENGE"
)

func personKey(id string) item      { return keyOf("PERSON#"+id, skPerson) }
func emailKey(email string) item    { return keyOf("EMAIL#"+email, skPerson) }
func peoplePK(site string) string   { return "PEOPLE#" + site }
func sessionKey(hash string) item   { return keyOf("SESSION#"+hash, skSession) }
func challengeKey(hash string) item { return keyOf("CHALLENGE#"+hash, skChallenge) }
func (w writer) bin(name string, v []byte) {
	if len(v) > 0 {
		w[name] = &types.AttributeValueMemberB{Value: append([]byte(nil), v...)}
	}
}

func (r *reader) bin(name string) []byte {
	switch v := r.it[name].(type) {
	case nil:
		return nil
	case *types.AttributeValueMemberB:
		return append([]byte(nil), v.Value...)
	default:
		r.fail(name)
		return nil
	}
}

func personToItem(p *centre.Person) item {
	it := personKey(p.ID)
	it[attrGSI1PK] = str(peoplePK(p.Site))
	it[attrGSI1SK] = str(fmtTime(p.CreatedAt) + "#" + p.ID)
	w := writer(it)
	w.s("id", p.ID)
	w.s("email", p.Email)
	w.s("name", p.Name)
	w.s("organisation", p.Organisation)
	w.s("site", p.Site)
	w.s("role", p.Role)
	w.s("state", p.State)
	w.s("invite_hash", p.InviteHash)
	w.t("invite_expires", p.InviteExpires)
	w.t("sessions_after", p.SessionsAfter)
	w.t("created_at", p.CreatedAt)
	w.s("created_by", p.CreatedBy)
	w.t("updated_at", p.UpdatedAt)
	w.t("last_sign_in", p.LastSignIn)
	w.n("version", p.Version)
	if len(p.Credentials) > 0 {
		l := make([]types.AttributeValue, len(p.Credentials))
		for i, c := range p.Credentials {
			m := item{}
			mw := writer(m)
			mw.bin("id", c.ID)
			mw.bin("public_key", c.PublicKey)
			mw.s("attestation_type", c.AttestationType)
			mw.list("transports", c.Transports)
			mw.bin("aaguid", c.AAGUID)
			mw.n("sign_count", int64(c.SignCount))
			m["backup_eligible"] = &types.AttributeValueMemberBOOL{Value: c.BackupEligible}
			m["backup_state"] = &types.AttributeValueMemberBOOL{Value: c.BackupState}
			mw.s("name", c.Name)
			mw.t("created_at", c.CreatedAt)
			mw.t("last_used_at", c.LastUsedAt)
			l[i] = &types.AttributeValueMemberM{Value: m}
		}
		it["credentials"] = &types.AttributeValueMemberL{Value: l}
	}
	return it
}

func personFromItem(it item) (*centre.Person, error) {
	r := reader{it: it}
	p := &centre.Person{
		ID: r.s("id"), Email: r.s("email"), Name: r.s("name"), Organisation: r.s("organisation"),
		Site: r.s("site"), Role: r.s("role"), State: r.s("state"),
		InviteHash: r.s("invite_hash"), InviteExpires: r.t("invite_expires"), SessionsAfter: r.t("sessions_after"),
		CreatedAt: r.t("created_at"), CreatedBy: r.s("created_by"), UpdatedAt: r.t("updated_at"),
		LastSignIn: r.t("last_sign_in"), Version: r.n("version"),
	}
	for _, m := range r.maps("credentials") {
		mr := reader{it: m}
		p.Credentials = append(p.Credentials, centre.Credential{
			ID: mr.bin("id"), PublicKey: mr.bin("public_key"), AttestationType: mr.s("attestation_type"),
			Transports: mr.list("transports"), AAGUID: mr.bin("aaguid"), SignCount: uint32(mr.n("sign_count")),
			BackupEligible: mr.b("backup_eligible"), BackupState: mr.b("backup_state"), Name: mr.s("name"),
			CreatedAt: mr.t("created_at"), LastUsedAt: mr.t("last_used_at"),
		})
		r.fail(mr.bad)
	}
	return p, r.err("person")
}

func emailItem(p *centre.Person) item {
	it := emailKey(p.Email)
	it["person_id"] = str(p.ID)
	return it
}

// CreatePerson stores the person and its email reservation in one
// transaction.
func (s *Store) CreatePerson(parent context.Context, p *centre.Person) error {
	ctx, cancel, err := s.op(parent)
	if err != nil {
		return err
	}
	defer cancel()
	v := *p
	v.Version = 1
	t := &txn{table: s.table}
	t.put(personToItem(&v), notExists, func(item) error {
		return centre.Errorf(centre.ECONFLICT, "the person %q already exists", p.ID)
	})
	t.put(emailItem(&v), notExists, func(item) error {
		return centre.Errorf(centre.ECONFLICT, "the email %q is taken", p.Email)
	})
	if err := s.transact(ctx, parent, "create person", t); err != nil {
		return err
	}
	p.Version = 1
	return nil
}

// getItem reads one item consistently; nil if there is none.
func (s *Store) getItem(ctx, parent context.Context, what string, key item) (item, error) {
	out, err := s.client.GetItem(ctx, &dynamodb.GetItemInput{
		TableName: aws.String(s.table), Key: key, ConsistentRead: aws.Bool(true),
		ReturnConsumedCapacity: types.ReturnConsumedCapacityTotal,
	}, s.optFns...)
	if err != nil {
		return nil, s.fail(parent, what, err)
	}
	return out.Item, nil
}

// GetPerson is one GetItem.
func (s *Store) GetPerson(parent context.Context, id string) (*centre.Person, error) {
	ctx, cancel, err := s.op(parent)
	if err != nil {
		return nil, err
	}
	defer cancel()
	it, err := s.getItem(ctx, parent, "get person", personKey(id))
	if err != nil {
		return nil, err
	}
	if it == nil {
		return nil, centre.Errorf(centre.ENOTFOUND, "no person %q", id)
	}
	return personFromItem(it)
}

// PersonByEmail is two GetItems: the email reservation, then the person.
func (s *Store) PersonByEmail(parent context.Context, email string) (*centre.Person, error) {
	ctx, cancel, err := s.op(parent)
	if err != nil {
		return nil, err
	}
	defer cancel()
	it, err := s.getItem(ctx, parent, "get email", emailKey(email))
	if err != nil {
		return nil, err
	}
	if it == nil {
		return nil, centre.Errorf(centre.ENOTFOUND, "no person with that email")
	}
	r := reader{it: it}
	id := r.s("person_id")
	if err := r.err("email"); err != nil {
		return nil, err
	}
	if it, err = s.getItem(ctx, parent, "get person", personKey(id)); err != nil {
		return nil, err
	}
	if it == nil {
		return nil, centre.Errorf(centre.ENOTFOUND, "no person with that email")
	}
	return personFromItem(it)
}

// ListPeople is a Query of GSI1, oldest first.
func (s *Store) ListPeople(parent context.Context, site string) ([]*centre.Person, error) {
	return listOldestFirst(s, parent, "list people", peoplePK(site), personFromItem,
		func(p *centre.Person) (time.Time, string) { return p.CreatedAt, p.ID })
}

// UpdatePerson is a GetItem (for the stored email), then one transaction
// putting the person on its version and moving the email reservation if
// it changed.
func (s *Store) UpdatePerson(parent context.Context, p *centre.Person) error {
	ctx, cancel, err := s.op(parent)
	if err != nil {
		return err
	}
	defer cancel()
	it, err := s.getItem(ctx, parent, "get person", personKey(p.ID))
	if err != nil {
		return err
	}
	if it == nil {
		return centre.Errorf(centre.ENOTFOUND, "no person %q", p.ID)
	}
	old, err := personFromItem(it)
	if err != nil {
		return err
	}
	changed := centre.Errorf(centre.EPRECONDITION, "the person %q was changed by someone else", p.ID)
	if old.Version != p.Version {
		return changed
	}
	v := *p
	v.Version = p.Version + 1
	t := &txn{table: s.table}
	t.put(personToItem(&v), versionIs(p.Version), func(cur item) error {
		if cur == nil {
			return centre.Errorf(centre.ENOTFOUND, "no person %q", p.ID)
		}
		return changed
	})
	if old.Email != p.Email {
		t.put(emailItem(&v), notExists, func(item) error {
			return centre.Errorf(centre.ECONFLICT, "the email %q is taken", p.Email)
		})
		t.delete(emailKey(old.Email), nil, nil)
	}
	if err := s.transact(ctx, parent, "update person", t); err != nil {
		return err
	}
	p.Version = v.Version
	return nil
}

// Sessions and challenges are items with a TTL: DynamoDB deletes them
// some time after expiry; reads treat them as gone at once.

func sessionToItem(sess *centre.Session) item {
	it := sessionKey(sess.Hash)
	w := writer(it)
	w.s("person_id", sess.PersonID)
	w.s("method", sess.Method)
	w.t("created_at", sess.CreatedAt)
	w.t("last_seen_at", sess.LastSeenAt)
	w.t("expires_at", sess.ExpiresAt)
	w.s("client", sess.Client)
	w.n(TTLAttribute, sess.ExpiresAt.Unix()+1)
	return it
}

func sessionFromItem(hash string, it item) (*centre.Session, error) {
	r := reader{it: it}
	sess := &centre.Session{Hash: hash, PersonID: r.s("person_id"), Method: r.s("method"),
		CreatedAt: r.t("created_at"), LastSeenAt: r.t("last_seen_at"), ExpiresAt: r.t("expires_at"), Client: r.s("client")}
	return sess, r.err("session")
}

// CreateSession is one conditional PutItem.
func (s *Store) CreateSession(parent context.Context, sess *centre.Session) error {
	return s.putNew(parent, "create session", sessionToItem(sess))
}

func (s *Store) putNew(parent context.Context, what string, it item) error {
	ctx, cancel, err := s.op(parent)
	if err != nil {
		return err
	}
	defer cancel()
	_, err = s.client.PutItem(ctx, &dynamodb.PutItemInput{
		TableName: aws.String(s.table), Item: it, ConditionExpression: aws.String("attribute_not_exists(PK)"),
		ReturnConsumedCapacity: types.ReturnConsumedCapacityTotal,
	}, s.optFns...)
	if ok, _ := condFailed(err); ok {
		return centre.Errorf(centre.ECONFLICT, "the record exists")
	}
	return s.fail(parent, what, err)
}

// GetSession is one GetItem.
func (s *Store) GetSession(parent context.Context, hash string) (*centre.Session, error) {
	ctx, cancel, err := s.op(parent)
	if err != nil {
		return nil, err
	}
	defer cancel()
	it, err := s.getItem(ctx, parent, "get session", sessionKey(hash))
	if err != nil {
		return nil, err
	}
	if it == nil {
		return nil, centre.Errorf(centre.ENOTFOUND, "no session")
	}
	return sessionFromItem(hash, it)
}

// TouchSession is one conditional UpdateItem.
func (s *Store) TouchSession(parent context.Context, hash string, at time.Time) error {
	ctx, cancel, err := s.op(parent)
	if err != nil {
		return err
	}
	defer cancel()
	_, err = s.client.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName: aws.String(s.table), Key: sessionKey(hash),
		UpdateExpression:          aws.String("SET last_seen_at = :at"),
		ConditionExpression:       aws.String("attribute_exists(PK)"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":at": str(fmtTime(at))},
		ReturnConsumedCapacity:    types.ReturnConsumedCapacityTotal,
	}, s.optFns...)
	if ok, _ := condFailed(err); ok {
		return centre.Errorf(centre.ENOTFOUND, "no session")
	}
	return s.fail(parent, "touch session", err)
}

// DeleteSession is one DeleteItem.
func (s *Store) DeleteSession(parent context.Context, hash string) error {
	ctx, cancel, err := s.op(parent)
	if err != nil {
		return err
	}
	defer cancel()
	_, err = s.client.DeleteItem(ctx, &dynamodb.DeleteItemInput{
		TableName: aws.String(s.table), Key: sessionKey(hash), ReturnConsumedCapacity: types.ReturnConsumedCapacityTotal,
	}, s.optFns...)
	return s.fail(parent, "delete session", err)
}

// CreateChallenge is one conditional PutItem.
func (s *Store) CreateChallenge(parent context.Context, c *centre.Challenge) error {
	it := challengeKey(c.Hash)
	w := writer(it)
	w.s("kind", c.Kind)
	w.s("person_id", c.PersonID)
	w.s("data", c.Data)
	w.t("expires_at", c.ExpiresAt)
	w.n(TTLAttribute, c.ExpiresAt.Unix()+1)
	return s.putNew(parent, "create challenge", it)
}

// TakeChallenge is one DeleteItem returning the old item.
func (s *Store) TakeChallenge(parent context.Context, hash string) (*centre.Challenge, error) {
	ctx, cancel, err := s.op(parent)
	if err != nil {
		return nil, err
	}
	defer cancel()
	out, err := s.client.DeleteItem(ctx, &dynamodb.DeleteItemInput{
		TableName: aws.String(s.table), Key: challengeKey(hash), ReturnValues: types.ReturnValueAllOld,
		ReturnConsumedCapacity: types.ReturnConsumedCapacityTotal,
	}, s.optFns...)
	if err != nil {
		return nil, s.fail(parent, "take challenge", err)
	}
	if out.Attributes == nil {
		return nil, centre.Errorf(centre.ENOTFOUND, "no challenge")
	}
	r := reader{it: out.Attributes}
	c := &centre.Challenge{Hash: hash, Kind: r.s("kind"), PersonID: r.s("person_id"), Data: r.s("data"), ExpiresAt: r.t("expires_at")}
	return c, r.err("challenge")
}
