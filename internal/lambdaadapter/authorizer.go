package lambdaadapter

import (
	"context"
	"errors"
	"log/slog"
	"strings"

	"github.com/aws/aws-lambda-go/events"

	"infocentre/internal/centre"
)

// AuthorizeFunc resolves a staff key secret to the caller it authenticates.
// It returns an error with code EUNAUTHORIZED (or EFORBIDDEN, ENOTFOUND,
// EINVALID) for a key that is unknown, revoked, expired or malformed, and
// any other error when it could not decide.
type AuthorizeFunc func(ctx context.Context, bearer string) (centre.Principal, error)

// AuthorizerHandler is a Lambda REQUEST authorizer for an HTTP API
// (payload format 2.0, simple responses).
type AuthorizerHandler func(context.Context, events.APIGatewayV2CustomAuthorizerV2Request) (events.APIGatewayV2CustomAuthorizerSimpleResponse, error)

// Authorizer returns a Lambda REQUEST authorizer that admits a request whose
// Authorization header is "Bearer <key>" for a key that authorize accepts,
// and passes the caller on as the context {key_id, site, role}. API Gateway
// answers 401 itself when the header is missing and 403 when the authorizer
// refuses.
//
// When authorize fails for another reason than a refused key (the store is
// down), the authorizer returns an error, which API Gateway answers with 500
// and does not cache, instead of a refusal that it would cache.
//
// The staff handler behind it must still check the caller itself: a cached
// decision can outlive a revoked key for the cache TTL, and sam local serves
// routes whose authorizer it cannot run unauthenticated.
func Authorizer(authorize AuthorizeFunc, log *slog.Logger) AuthorizerHandler {
	if log == nil {
		log = slog.Default()
	}
	deny := events.APIGatewayV2CustomAuthorizerSimpleResponse{IsAuthorized: false}
	return func(ctx context.Context, ev events.APIGatewayV2CustomAuthorizerV2Request) (events.APIGatewayV2CustomAuthorizerSimpleResponse, error) {
		rid := ev.RequestContext.RequestID
		secret, ok := bearer(headerValue(ev.Headers, "Authorization"))
		if !ok {
			log.InfoContext(ctx, "authorizer: no bearer key", "request_id", rid, "route", ev.RouteKey)
			return deny, nil
		}
		p, err := authorize(ctx, secret)
		switch code := centre.ErrorCode(err); {
		case err == nil:
		case code == centre.EUNAUTHORIZED || code == centre.EFORBIDDEN ||
			code == centre.ENOTFOUND || code == centre.EINVALID:
			log.InfoContext(ctx, "authorizer: key refused", "request_id", rid, "route", ev.RouteKey, "code", code)
			return deny, nil
		default:
			log.ErrorContext(ctx, "authorizer: cannot check key", "request_id", rid, "route", ev.RouteKey, "err", err)
			return deny, errors.New("authorizer unavailable")
		}
		log.InfoContext(ctx, "authorizer: key accepted", "request_id", rid, "route", ev.RouteKey,
			"key_id", p.KeyID, "site", p.Site, "role", p.Role)
		return events.APIGatewayV2CustomAuthorizerSimpleResponse{
			IsAuthorized: true,
			Context: map[string]any{
				"key_id": p.KeyID,
				"site":   p.Site,
				"role":   p.Role,
			},
		}, nil
	}
}

// bearer returns the credentials of an Authorization header value of the
// Bearer scheme (RFC 6750; the scheme name is case-insensitive).
func bearer(v string) (string, bool) {
	scheme, cred, ok := strings.Cut(strings.TrimSpace(v), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "", false
	}
	cred = strings.TrimSpace(cred)
	return cred, cred != ""
}

// headerValue looks name up case-insensitively (HTTP APIs send lower case).
func headerValue(h map[string]string, name string) string {
	if v, ok := h[strings.ToLower(name)]; ok {
		return v
	}
	for k, v := range h {
		if strings.EqualFold(k, name) {
			return v
		}
	}
	return ""
}
