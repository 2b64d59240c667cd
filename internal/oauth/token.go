package oauth

import (
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/tokenmock/tokenmock/internal/fixture"
	"github.com/tokenmock/tokenmock/internal/mock"
	"github.com/tokenmock/tokenmock/internal/spring"
)

// token is /oauth/token, checked in the order of vendors/di-oauth2.md §3.2.
func (s *Service) token(c *gin.Context) {
	p := readParams(c)
	cl, e := s.authenticateClient(c, p)
	if e == nil {
		e = s.grant(c, p, cl)
	}
	if e != nil {
		s.writeTokenError(c, e)
	}
}

// authenticateClient is step 1: form parameters first (Spring's
// ClientCredentialsTokenEndpointFilter), then HTTP Basic. An unknown client
// and a wrong secret are indistinguishable.
func (s *Service) authenticateClient(c *gin.Context, p params) (*client, *Error) {
	var form *client
	if id, ok := p.get("client_id"); ok {
		form = s.checkSecret(strings.TrimSpace(id), p.value("client_secret"))
		if form == nil {
			return nil, errBadClientCreds
		}
	}
	if id, secret, ok := basicAuth(c.GetHeader("Authorization")); ok {
		if form != nil && form.ClientID == id {
			return form, nil
		}
		basic := s.checkSecret(id, secret)
		if basic == nil {
			return nil, errBasicAuthFailed
		}
		return basic, nil
	}
	if form == nil {
		return nil, errUnauthenticated
	}
	return form, nil
}

func (s *Service) checkSecret(id, secret string) *client {
	cl := s.clients[id]
	want := ""
	if cl != nil {
		want = cl.ClientSecret
	}
	ok := constantEqual(want, secret)
	if cl == nil || !ok {
		return nil
	}
	return cl
}

// basicAuth reads HTTP Basic credentials, percent-decoded as RFC 6749
// §2.3.1 asks (Spring does not decode; DI's credentials never need it).
func basicAuth(header string) (id, secret string, ok bool) {
	scheme, rest, found := strings.Cut(header, " ")
	if !found || !strings.EqualFold(scheme, "Basic") {
		return "", "", false
	}
	raw, err := base64.StdEncoding.DecodeString(strings.TrimSpace(rest))
	if err != nil {
		return "", "", false
	}
	id, secret, found = strings.Cut(string(raw), ":")
	if !found {
		return "", "", false
	}
	if d, err := url.QueryUnescape(id); err == nil {
		id = d
	}
	if d, err := url.QueryUnescape(secret); err == nil {
		secret = d
	}
	return id, secret, true
}

// grant runs steps 2–9 for an authenticated client.
func (s *Service) grant(c *gin.Context, p params, cl *client) *Error {
	switch c.Request.Method {
	case http.MethodPost:
	case http.MethodGet:
		return errMethodGet
	default:
		s.methodNotAllowed(c)
		return nil
	}
	if id, ok := p.get("client_id"); ok && strings.TrimSpace(id) != cl.ClientID {
		return errClientIDMismatch
	}
	requested, sent := p.get("scope")
	scopes, bad := checkScopes(cl, parseList(requested))
	switch {
	case bad != "":
		return errInvalidScope.withValue(bad).WithScope(strings.Join(cl.Scopes, " "))
	case len(scopes) == 0:
		return errEmptyScope
	}
	grantType := strings.TrimSpace(p.value("grant_type"))
	switch grantType {
	case "":
		return errMissingGrantType
	case fixture.GrantImplicit:
		return errImplicitGrant
	case fixture.GrantAuthorizationCode, fixture.GrantRefreshToken, fixture.GrantClientCredentials:
		if !slices.Contains(cl.Grants(), grantType) {
			return errUnauthorizedGrant.withValue(grantType)
		}
	default:
		return errUnsupportedGrant
	}
	ctx := c.Request.Context()
	now := s.deps.Now(ctx)
	ttl := mock.TokenTTL(ctx)
	var a spring.Access
	switch grantType {
	case fixture.GrantAuthorizationCode:
		value, ok := p.get("code")
		if !ok {
			return errMissingCode
		}
		code, ok := s.codes.Consume(mock.SessionID(ctx), value, now)
		if !ok {
			return errInvalidCode.withValue(value)
		}
		redirect, redirectSent := p.get("redirect_uri")
		if (redirectSent || code.RedirectSent) && redirect != code.RedirectURI {
			return errRedirectMismatch
		}
		if code.Grant.Client != cl.ClientID {
			return errCodeClientMismatch
		}
		a = s.tokens.Issue(code.Grant, now, s.policy(cl, true), ttl)
	case fixture.GrantRefreshToken:
		value, ok := p.get("refresh_token")
		if !ok {
			return errMissingRefreshToken
		}
		narrow := func(g spring.Grant) (spring.Grant, error) {
			if !sent {
				return g, nil
			}
			granted := strings.Fields(g.Scope)
			for _, sc := range scopes {
				if !slices.Contains(granted, sc) {
					return g, errRefreshScopeWiden.WithDescription("Unable to narrow the scope of the client authentication to " + javaSet(scopes) + ".").WithScope(g.Scope)
				}
			}
			g.Scope = strings.Join(scopes, " ")
			return g, nil
		}
		var err error
		a, err = s.tokens.Refresh(mock.SessionID(ctx), cl.ClientID, value, now, s.policy(cl, true), ttl, narrow)
		var oe *Error
		switch {
		case errors.Is(err, spring.ErrInvalidRefresh):
			return errInvalidRefreshToken.withValue(value)
		case errors.Is(err, spring.ErrWrongClient):
			return errRefreshWrongClient.withValue(value)
		case errors.Is(err, spring.ErrRefreshExpired):
			return errRefreshExpired.withValue(value)
		case errors.As(err, &oe):
			return oe
		}
	default:
		g := spring.Grant{Session: mock.SessionID(ctx), Client: cl.ClientID, Scope: strings.Join(scopes, " ")}
		a = s.tokens.Issue(g, now, s.policy(cl, false), ttl)
	}
	noStore(c)
	mock.WriteJSON(c, http.StatusOK, jsonType, s.body(cl, a, now))
	return nil
}

// methodNotAllowed is Spring's answer to PUT, DELETE, ... on /oauth/token.
func (s *Service) methodNotAllowed(c *gin.Context) {
	c.Header("Allow", "GET, POST")
	s.writeBootError(c, http.StatusMethodNotAllowed, "Request method '"+c.Request.Method+"' not supported", "/oauth/token")
}

// checkScopes validates requested scopes against the client's; none
// requested means all registered ones, in registration order. bad names
// the first unregistered scope in sorted order.
func checkScopes(cl *client, requested []string) (scopes []string, bad string) {
	if len(requested) == 0 {
		return cl.Scopes, ""
	}
	for _, sc := range requested {
		if !slices.Contains(cl.Scopes, sc) {
			return nil, sc
		}
	}
	return requested, ""
}

func constantEqual(a, b string) bool { return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1 }
