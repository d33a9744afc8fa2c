package console

import (
	"net/http"
	"net/netip"
	"strconv"
	"sync/atomic"
	"time"

	"infocentre/internal/centre"
	"infocentre/internal/ratelimit"
)

// SignInLimits bound failed console sign-ins in this process (on Lambda:
// per container), as the API bounds failed key attempts. Each is a token
// bucket: a failed sign-in takes a token from its client address's
// bucket and from the bucket of each account it named (the person of a
// passkey's user handle, the passkey, the email an identity provider
// vouched for). While a bucket is empty every sign-in it covers is
// answered 429 with Retry-After, and audited.
type SignInLimits struct {
	// PerClient failed sign-ins a client address (an IPv6 /64) may make
	// at once (default 10); it regains one every ClientEvery (default 6 s).
	PerClient   int
	ClientEvery time.Duration
	// PerAccount failed sign-ins naming one person or passkey (default 10,
	// from any address); it regains one every AccountEvery (default 1 min).
	PerAccount   int
	AccountEvery time.Duration
	// MaxTracked bounds the addresses and accounts tracked (default
	// 10,000 each; the least recently seen are forgotten first).
	MaxTracked int
	// AuditRefusals refusals (429) are audited one by one at once
	// (default 100), then one a second; those beyond are counted, and the
	// count is recorded with the next one.
	AuditRefusals int
	// Now returns the current time (default time.Now); tests replace it.
	Now func() time.Time
}

type signInLimiters struct {
	client, account, audit *ratelimit.Limiter
	unaudited              atomic.Int64
}

func newSignInLimiters(l SignInLimits) *signInLimiters {
	def := func(v *int, d int) {
		if *v <= 0 {
			*v = d
		}
	}
	def(&l.PerClient, 10)
	def(&l.PerAccount, 10)
	def(&l.MaxTracked, 10_000)
	def(&l.AuditRefusals, 100)
	if l.ClientEvery <= 0 {
		l.ClientEvery = 6 * time.Second
	}
	if l.AccountEvery <= 0 {
		l.AccountEvery = time.Minute
	}
	if l.Now == nil {
		l.Now = time.Now
	}
	s := &signInLimiters{
		client:  ratelimit.New(1/l.ClientEvery.Seconds(), l.PerClient, l.MaxTracked),
		account: ratelimit.New(1/l.AccountEvery.Seconds(), l.PerAccount, l.MaxTracked),
		audit:   ratelimit.New(1, l.AuditRefusals, 1),
	}
	s.client.Now, s.account.Now, s.audit.Now = l.Now, l.Now, l.Now
	return s
}

// limitKey is the rate-limit key of a client address: an IPv6 address
// counts by its /64 (one host usually has a whole /64).
func limitKey(addr string) string {
	ip, err := netip.ParseAddr(addr)
	if err != nil || ip.Is4() || ip.Is4In6() {
		return addr
	}
	p, _ := ip.Prefix(64)
	return p.String()
}

// signInBlocked answers 429 (audited) and returns true if the request's
// client address, or one of the accounts named, has no failed sign-in
// left.
func (c *Console) signInBlocked(w http.ResponseWriter, r *http.Request, accounts ...string) bool {
	blocked, wait := c.limits.client.Blocked(limitKey(c.clientIP(r)))
	why := "too many failed sign-ins from this address"
	for _, a := range accounts {
		if blocked {
			break
		}
		if a != "" {
			blocked, wait = c.limits.account.Blocked(a)
			why = "too many failed sign-ins to this account"
		}
	}
	if !blocked {
		return false
	}
	if ok, _ := c.limits.audit.Take(""); ok {
		detail := why
		if n := c.limits.unaudited.Swap(0); n > 0 {
			detail += "; " + strconv.FormatInt(n, 10) + " earlier refusals were not audited one by one"
		}
		c.audit(r, centre.Principal{}, "", "person.signin", "", http.StatusTooManyRequests, detail)
	} else {
		c.limits.unaudited.Add(1)
	}
	secs := int64((wait + time.Second - 1) / time.Second)
	w.Header().Set("Retry-After", strconv.FormatInt(max(secs, 1), 10))
	c.problem(w, r, http.StatusTooManyRequests, why+"; wait a moment and try again")
	return true
}

// signInFailed counts a failed sign-in against the request's client
// address and each account it named.
func (c *Console) signInFailed(r *http.Request, accounts ...string) {
	c.limits.client.Take(limitKey(c.clientIP(r)))
	for _, a := range accounts {
		if a != "" {
			c.limits.account.Take(a)
		}
	}
}

// Account keys of the sign-in limits.
func personAccount(id string) string {
	if id == "" {
		return ""
	}
	return "person:" + id
}

func passkeyAccount(id []byte) string {
	if len(id) == 0 {
		return ""
	}
	return "passkey:" + centre.CredentialID(id)
}

func emailAccount(email string) string {
	if email == "" {
		return ""
	}
	return "email:" + centre.NormalizeEmail(email)
}
