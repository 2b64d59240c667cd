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
// and a wrong secret are indistinguishable on the wire; the log's reason
// tells them apart.
func (s *Service) authenticateClient(c *gin.Context, p params) (*client, *Error) {
	header := c.GetHeader("Authorization")
	var form *client
	if id, ok := p.get("client_id"); ok {
		id = strings.TrimSpace(id)
		secret := p.value("client_secret")
		form = s.checkSecret(id, secret)
		if form == nil {
			why := s.credentialsReason(id, secret)
			if _, sent := p.get("client_secret"); !sent && header != "" {
				why += " (with client_id as a parameter, the secret must be one too: the Authorization header is not read)"
			}
			mock.NoteReason(c, "%s", why)
			return nil, errBadClientCreds
		}
	}
	if id, secret, ok := basicAuth(header); ok {
		if form != nil && form.ClientID == id {
			return form, nil
		}
		basic := s.checkSecret(id, secret)
		if basic == nil {
			mock.NoteReason(c, "Basic credentials: %s", s.credentialsReason(id, secret))
			return nil, errBasicAuthFailed
		}
		return basic, nil
	}
	if form == nil {
		if header == "" {
			mock.NoteReason(c, "no client credentials: no client_id parameter and no Authorization header")
		} else {
			scheme, _, _ := strings.Cut(header, " ")
			mock.NoteReason(c, "no client credentials: no client_id parameter, and the Authorization header (scheme %q) is no valid HTTP Basic", scheme)
		}
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
		mock.NoteReason(c, "GET on the token endpoint: Spring takes POST only")
		return errMethodGet
	default:
		s.methodNotAllowed(c)
		return nil
	}
	if id, ok := p.get("client_id"); ok && strings.TrimSpace(id) != cl.ClientID {
		mock.NoteReason(c, "client_id %s does not match client %s of the Basic credentials", shown(strings.TrimSpace(id)), cl.ClientID)
		return errClientIDMismatch
	}
	requested, sent := p.get("scope")
	scopes, bad := checkScopes(cl, parseList(requested))
	switch {
	case bad != "":
		mock.NoteReason(c, "scope %s not allowed for client %s (registered: %s)", shown(bad), cl.ClientID, listed(cl.Scopes))
		return errInvalidScope.withValue(bad).WithScope(strings.Join(cl.Scopes, " "))
	case len(scopes) == 0:
		mock.NoteReason(c, "no scope requested, and client %s has none registered", cl.ClientID)
		return errEmptyScope
	}
	grantType := strings.TrimSpace(p.value("grant_type"))
	switch grantType {
	case "":
		mock.NoteReason(c, "grant_type missing")
		return errMissingGrantType
	case fixture.GrantImplicit:
		mock.NoteReason(c, "grant_type implicit is for /oauth/authorize, not the token endpoint")
		return errImplicitGrant
	case fixture.GrantAuthorizationCode, fixture.GrantRefreshToken, fixture.GrantClientCredentials:
		if !slices.Contains(cl.Grants(), grantType) {
			mock.NoteReason(c, "grant_type %s not allowed for client %s (allowed: %s)", grantType, cl.ClientID, listed(cl.Grants()))
			return errUnauthorizedGrant.withValue(grantType)
		}
	default:
		mock.NoteReason(c, "grant_type %s not supported (authorization_code, refresh_token, client_credentials)", shown(grantType))
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
			mock.NoteReason(c, "code parameter missing")
			return errMissingCode
		}
		code, err := s.codes.Take(mock.SessionID(ctx), value, now)
		switch {
		case errors.Is(err, spring.ErrCodeExpired):
			mock.NoteReason(c, "code %s %s", shown(value), s.expiredAt(c, code.ExpiresAt))
			return errInvalidCode.withValue(value)
		case err != nil:
			mock.NoteReason(c, "code %s unknown or already used in session %s", shown(value), mock.SessionName(c))
			return errInvalidCode.withValue(value)
		}
		redirect, redirectSent := p.get("redirect_uri")
		if (redirectSent || code.RedirectSent) && redirect != code.RedirectURI {
			if redirectSent {
				mock.NoteReason(c, "redirect_uri %s does not match the code's %s", shown(redirect), code.RedirectURI)
			} else {
				mock.NoteReason(c, "redirect_uri missing, but the code was asked for with redirect_uri %s", code.RedirectURI)
			}
			return errRedirectMismatch
		}
		if code.Grant.Client != cl.ClientID {
			mock.NoteReason(c, "code %s was issued to client %s, not %s", shown(value), code.Grant.Client, cl.ClientID)
			return errCodeClientMismatch
		}
		a = s.tokens.Issue(code.Grant, now, s.policy(cl, true), ttl)
	case fixture.GrantRefreshToken:
		value, ok := p.get("refresh_token")
		if !ok {
			mock.NoteReason(c, "refresh_token parameter missing")
			return errMissingRefreshToken
		}
		narrow := func(g spring.Grant) (spring.Grant, error) {
			if !sent {
				return g, nil
			}
			granted := strings.Fields(g.Scope)
			for _, sc := range scopes {
				if !slices.Contains(granted, sc) {
					mock.NoteReason(c, "scope %s is not in the refresh token's grant (%s)", sc, listed(granted))
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
			mock.NoteReason(c, "refresh token unknown in session %s (never issued here, replaced by a refresh, or expired and removed)", mock.SessionName(c))
			return errInvalidRefreshToken.withValue(value)
		case errors.Is(err, spring.ErrWrongClient):
			mock.NoteReason(c, "refresh token was issued to client %s, not %s", a.Grant.Client, cl.ClientID)
			return errRefreshWrongClient.withValue(value)
		case errors.Is(err, spring.ErrRefreshExpired):
			mock.NoteReason(c, "refresh token %s", s.expiredAt(c, a.RefreshExpiresAt))
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
	mock.NoteReason(c, "method %s not supported on /oauth/token (GET, POST)", c.Request.Method)
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
