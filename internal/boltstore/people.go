package boltstore

import (
	"bytes"
	"context"
	"time"

	bolt "go.etcd.io/bbolt"

	"infocentre/internal/centre"
)

// People, sessions and sign-in challenges.

type personRec struct {
	ID            string    `json:"id"`
	Email         string    `json:"email"`
	Name          string    `json:"name,omitempty"`
	Organisation  string    `json:"organisation,omitempty"`
	Site          string    `json:"site"`
	Role          string    `json:"role"`
	State         string    `json:"state"`
	Credentials   []credRec `json:"credentials,omitempty"`
	InviteHash    string    `json:"invite_hash,omitempty"`
	InviteExpires time.Time `json:"invite_expires,omitzero"`
	SessionsAfter time.Time `json:"sessions_after,omitzero"`
	CreatedAt     time.Time `json:"created_at,omitzero"`
	CreatedBy     string    `json:"created_by,omitempty"`
	UpdatedAt     time.Time `json:"updated_at,omitzero"`
	LastSignIn    time.Time `json:"last_sign_in,omitzero"`
	Version       int64     `json:"version"`
}

type credRec struct {
	ID              []byte    `json:"id"`
	PublicKey       []byte    `json:"public_key"`
	AttestationType string    `json:"attestation_type,omitempty"`
	Transports      []string  `json:"transports,omitempty"`
	AAGUID          []byte    `json:"aaguid,omitempty"`
	SignCount       uint32    `json:"sign_count,omitempty"`
	BackupEligible  bool      `json:"backup_eligible,omitempty"`
	BackupState     bool      `json:"backup_state,omitempty"`
	Name            string    `json:"name,omitempty"`
	CreatedAt       time.Time `json:"created_at,omitzero"`
	LastUsedAt      time.Time `json:"last_used_at,omitzero"`
}

func toPersonRec(p *centre.Person) *personRec {
	r := &personRec{ID: p.ID, Email: p.Email, Name: p.Name, Organisation: p.Organisation, Site: p.Site,
		Role: p.Role, State: p.State, InviteHash: p.InviteHash, InviteExpires: stamp(p.InviteExpires),
		SessionsAfter: stamp(p.SessionsAfter), CreatedAt: stamp(p.CreatedAt), CreatedBy: p.CreatedBy,
		UpdatedAt: stamp(p.UpdatedAt), LastSignIn: stamp(p.LastSignIn), Version: p.Version}
	for _, c := range p.Credentials {
		r.Credentials = append(r.Credentials, credRec{ID: bytes.Clone(c.ID), PublicKey: bytes.Clone(c.PublicKey),
			AttestationType: c.AttestationType, Transports: c.Transports, AAGUID: bytes.Clone(c.AAGUID),
			SignCount: c.SignCount, BackupEligible: c.BackupEligible, BackupState: c.BackupState, Name: c.Name,
			CreatedAt: stamp(c.CreatedAt), LastUsedAt: stamp(c.LastUsedAt)})
	}
	return r
}

func (r *personRec) person() *centre.Person {
	p := &centre.Person{ID: r.ID, Email: r.Email, Name: r.Name, Organisation: r.Organisation, Site: r.Site,
		Role: r.Role, State: r.State, InviteHash: r.InviteHash, InviteExpires: r.InviteExpires,
		SessionsAfter: r.SessionsAfter, CreatedAt: r.CreatedAt, CreatedBy: r.CreatedBy,
		UpdatedAt: r.UpdatedAt, LastSignIn: r.LastSignIn, Version: r.Version}
	for _, c := range r.Credentials {
		p.Credentials = append(p.Credentials, centre.Credential{ID: c.ID, PublicKey: c.PublicKey,
			AttestationType: c.AttestationType, Transports: c.Transports, AAGUID: c.AAGUID,
			SignCount: c.SignCount, BackupEligible: c.BackupEligible, BackupState: c.BackupState, Name: c.Name,
			CreatedAt: c.CreatedAt, LastUsedAt: c.LastUsedAt})
	}
	return p
}

// peopleKey orders a site's people by creation: (site) timeKey(CreatedAt) id.
func peopleKey(r *personRec) []byte {
	return append(append(parts(nil, r.Site), timeKey(r.CreatedAt)...), r.ID...)
}

func (s *Store) CreatePerson(ctx context.Context, p *centre.Person) error {
	r := toPersonRec(p)
	r.Version = 1
	err := s.update(ctx, func(tx *bolt.Tx) error {
		people, emails := tx.Bucket(bPeople), tx.Bucket(bEmails)
		if people.Get([]byte(r.ID)) != nil {
			return centre.Errorf(centre.ECONFLICT, "the person %q already exists", r.ID)
		}
		if emails.Get([]byte(r.Email)) != nil {
			return centre.Errorf(centre.ECONFLICT, "the email %q is taken", r.Email)
		}
		if err := emails.Put([]byte(r.Email), []byte(r.ID)); err != nil {
			return err
		}
		if err := tx.Bucket(bPeopleSite).Put(peopleKey(r), []byte(r.ID)); err != nil {
			return err
		}
		return put(people, []byte(r.ID), r)
	})
	if err == nil {
		p.Version = 1
	}
	return err
}

func getPerson(tx *bolt.Tx, id string) (*personRec, error) {
	v := tx.Bucket(bPeople).Get([]byte(id))
	if v == nil {
		return nil, centre.Errorf(centre.ENOTFOUND, "no person %q", id)
	}
	var r personRec
	return &r, decode(v, &r)
}

func (s *Store) GetPerson(ctx context.Context, id string) (*centre.Person, error) {
	var r *personRec
	err := s.view(ctx, func(tx *bolt.Tx) (err error) {
		r, err = getPerson(tx, id)
		return err
	})
	if err != nil {
		return nil, err
	}
	return r.person(), nil
}

func (s *Store) PersonByEmail(ctx context.Context, email string) (*centre.Person, error) {
	var r *personRec
	err := s.view(ctx, func(tx *bolt.Tx) (err error) {
		id := tx.Bucket(bEmails).Get([]byte(email))
		if id == nil {
			return centre.Errorf(centre.ENOTFOUND, "no person with that email")
		}
		if r, err = getPerson(tx, string(id)); centre.IsCode(err, centre.ENOTFOUND) {
			return errDangling
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	return r.person(), nil
}

func (s *Store) ListPeople(ctx context.Context, site string) ([]*centre.Person, error) {
	var out []*centre.Person
	err := s.view(ctx, func(tx *bolt.Tx) error {
		prefix := parts(nil, site)
		c := tx.Bucket(bPeopleSite).Cursor()
		for k, id := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, id = c.Next() {
			r, err := getPerson(tx, string(id))
			if centre.IsCode(err, centre.ENOTFOUND) {
				return errDangling
			} else if err != nil {
				return err
			}
			out = append(out, r.person())
		}
		return nil
	})
	return out, err
}

func (s *Store) UpdatePerson(ctx context.Context, p *centre.Person) error {
	r := toPersonRec(p)
	r.Version = p.Version + 1
	err := s.update(ctx, func(tx *bolt.Tx) error {
		old, err := getPerson(tx, r.ID)
		if err != nil {
			return err
		}
		if old.Version != p.Version {
			return centre.Errorf(centre.EPRECONDITION, "the person changed: version %d, not %d", old.Version, p.Version)
		}
		emails, index := tx.Bucket(bEmails), tx.Bucket(bPeopleSite)
		if old.Email != r.Email {
			if emails.Get([]byte(r.Email)) != nil {
				return centre.Errorf(centre.ECONFLICT, "the email %q is taken", r.Email)
			}
			if err := emails.Delete([]byte(old.Email)); err != nil {
				return err
			}
			if err := emails.Put([]byte(r.Email), []byte(r.ID)); err != nil {
				return err
			}
		}
		if err := index.Delete(peopleKey(old)); err != nil {
			return err
		}
		if err := index.Put(peopleKey(r), []byte(r.ID)); err != nil {
			return err
		}
		return put(tx.Bucket(bPeople), []byte(r.ID), r)
	})
	if err == nil {
		p.Version = r.Version
	}
	return err
}

// Sessions and challenges are records that expire, with an expiry index.
// (timeKey(ExpiresAt) hash) from which each create purges a few that
// expired by the wall clock; until then they are returned as stored.

type sessionRec struct {
	PersonID   string    `json:"person_id"`
	Method     string    `json:"method,omitempty"`
	CreatedAt  time.Time `json:"created_at,omitzero"`
	LastSeenAt time.Time `json:"last_seen_at,omitzero"`
	ExpiresAt  time.Time `json:"expires_at,omitzero"`
	Client     string    `json:"client,omitempty"`
}

type challengeRec struct {
	Kind      string    `json:"kind"`
	PersonID  string    `json:"person_id,omitempty"`
	Data      string    `json:"data,omitempty"`
	ExpiresAt time.Time `json:"expires_at,omitzero"`
}

// createExpiring stores v under hash in bucket b with its expiry in exp,
// after purging a few expired records.
func (s *Store) createExpiring(ctx context.Context, bucket, expBucket []byte, hash string, expires time.Time, v any) error {
	now := s.now()
	return s.update(ctx, func(tx *bolt.Tx) error {
		b, exp := tx.Bucket(bucket), tx.Bucket(expBucket)
		if err := purgeExpired(b, exp, now, 16); err != nil {
			return err
		}
		if b.Get([]byte(hash)) != nil {
			return centre.Errorf(centre.ECONFLICT, "the record exists")
		}
		if err := exp.Put(append(timeKey(expires), hash...), nil); err != nil {
			return err
		}
		return put(b, []byte(hash), v)
	})
}

func (s *Store) CreateSession(ctx context.Context, sess *centre.Session) error {
	return s.createExpiring(ctx, bSessions, bSessionExp, sess.Hash, stamp(sess.ExpiresAt), &sessionRec{
		PersonID: sess.PersonID, Method: sess.Method, CreatedAt: stamp(sess.CreatedAt),
		LastSeenAt: stamp(sess.LastSeenAt), ExpiresAt: stamp(sess.ExpiresAt), Client: sess.Client})
}

func (s *Store) getSession(tx *bolt.Tx, hash string) (*sessionRec, error) {
	v := tx.Bucket(bSessions).Get([]byte(hash))
	if v == nil {
		return nil, centre.Errorf(centre.ENOTFOUND, "no session")
	}
	var r sessionRec
	if err := decode(v, &r); err != nil {
		return nil, err
	}
	return &r, nil
}

func (s *Store) GetSession(ctx context.Context, hash string) (*centre.Session, error) {
	var r *sessionRec
	err := s.view(ctx, func(tx *bolt.Tx) (err error) {
		r, err = s.getSession(tx, hash)
		return err
	})
	if err != nil {
		return nil, err
	}
	return &centre.Session{Hash: hash, PersonID: r.PersonID, Method: r.Method, CreatedAt: r.CreatedAt,
		LastSeenAt: r.LastSeenAt, ExpiresAt: r.ExpiresAt, Client: r.Client}, nil
}

func (s *Store) TouchSession(ctx context.Context, hash string, at time.Time) error {
	return s.update(ctx, func(tx *bolt.Tx) error {
		r, err := s.getSession(tx, hash)
		if err != nil {
			return err
		}
		r.LastSeenAt = stamp(at)
		return put(tx.Bucket(bSessions), []byte(hash), r)
	})
}

// deleteExpiring removes the record under hash and its expiry entry, and
// returns what it held (nil if nothing).
func deleteExpiring(tx *bolt.Tx, bucket, expBucket []byte, hash string, expiresOf func([]byte) (time.Time, error)) ([]byte, error) {
	b := tx.Bucket(bucket)
	v := b.Get([]byte(hash))
	if v == nil {
		return nil, nil
	}
	v = bytes.Clone(v)
	at, err := expiresOf(v)
	if err != nil {
		return nil, err
	}
	if err := tx.Bucket(expBucket).Delete(append(timeKey(at), hash...)); err != nil {
		return nil, err
	}
	return v, b.Delete([]byte(hash))
}

func (s *Store) DeleteSession(ctx context.Context, hash string) error {
	return s.update(ctx, func(tx *bolt.Tx) error {
		_, err := deleteExpiring(tx, bSessions, bSessionExp, hash, func(v []byte) (time.Time, error) {
			var r sessionRec
			return r.ExpiresAt, decode(v, &r)
		})
		return err
	})
}

func (s *Store) CreateChallenge(ctx context.Context, c *centre.Challenge) error {
	return s.createExpiring(ctx, bChallenges, bChallengeExp, c.Hash, stamp(c.ExpiresAt), &challengeRec{
		Kind: c.Kind, PersonID: c.PersonID, Data: c.Data, ExpiresAt: stamp(c.ExpiresAt)})
}

func (s *Store) TakeChallenge(ctx context.Context, hash string) (*centre.Challenge, error) {
	var r challengeRec
	var found bool
	err := s.update(ctx, func(tx *bolt.Tx) error {
		v, err := deleteExpiring(tx, bChallenges, bChallengeExp, hash, func(v []byte) (time.Time, error) {
			return r.ExpiresAt, decode(v, &r)
		})
		found = v != nil
		return err
	})
	if err != nil {
		return nil, err
	}
	if !found {
		return nil, centre.Errorf(centre.ENOTFOUND, "no challenge")
	}
	return &centre.Challenge{Hash: hash, Kind: r.Kind, PersonID: r.PersonID, Data: r.Data, ExpiresAt: r.ExpiresAt}, nil
}
