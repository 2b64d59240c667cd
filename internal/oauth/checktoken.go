package oauth

import (
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/tokenmock/tokenmock/internal/fixture"
	"github.com/tokenmock/tokenmock/internal/mock"
	"github.com/tokenmock/tokenmock/internal/spring"
)

// The failures of /oauth/check_token (vendors/di-resource.md §4). The
// endpoint's own errors are InvalidTokenExceptions it re-throws with
// status 400: no challenge.
var (
	errCheckTokenNotFound        = &Error{Name: "check_token_not_found", Status: 404, Description: "No message available", boot: true}
	errCheckTokenUnauthenticated = &Error{Name: "check_token_unauthenticated", Status: 401, Description: "Full authentication is required to access this resource", boot: true}
	errCheckTokenBadCredentials  = &Error{Name: "check_token_bad_credentials", Status: 401, Description: "Bad credentials", boot: true}
	errCheckTokenAccessDenied    = deniedErr("check_token_access_denied", 403, "access_denied", "Access is denied")
	errCheckTokenMissingToken    = &Error{Name: "check_token_missing_token", Status: 400, Description: "Required String parameter 'token' is not present", boot: true}
	errCheckTokenUnrecognised    = tokenErr("check_token_unrecognised", 400, "invalid_token", "Token was not recognised")
	errCheckTokenExpired         = tokenErr("check_token_expired", 400, "invalid_token", "Token has expired")
	errCheckTokenClientNotValid  = tokenErr("check_token_client_not_valid", 400, "invalid_token", "Client not valid: X")
)

var checkTokenCatalogue = []*Error{
	errCheckTokenNotFound, errCheckTokenUnauthenticated, errCheckTokenBadCredentials, errCheckTokenAccessDenied,
	errCheckTokenMissingToken, errCheckTokenUnrecognised, errCheckTokenExpired, errCheckTokenClientNotValid,
}

// checkToken is Spring's CheckTokenEndpoint behind the authorization
// server's security: HTTP Basic, the access rule of
// settings.check_token, then POST only, then the token. Off, it is the
// platform's 404.
func (s *Service) checkToken(c *gin.Context) {
	rule := s.settings.CheckToken
	if rule == "" || rule == fixture.CheckTokenOff {
		mock.NoteReason(c, "check_token is off (settings.check_token)")
		s.writeCheckTokenError(c, errCheckTokenNotFound)
		return
	}
	// BasicAuthenticationFilter runs whatever the rule: bad credentials
	// are refused even where anyone may call.
	authenticated := false
	if id, secret, ok := basicAuth(c.GetHeader("Authorization")); ok {
		if s.checkSecret(id, secret) == nil {
			mock.NoteReason(c, "Basic credentials: %s", s.credentialsReason(id, secret))
			s.writeCheckTokenError(c, errCheckTokenBadCredentials)
			return
		}
		authenticated = true
	}
	switch {
	case rule != fixture.CheckTokenPermitAll && !authenticated:
		mock.NoteReason(c, "settings.check_token is %s and no valid HTTP Basic credentials were sent", rule)
		s.writeCheckTokenError(c, errCheckTokenUnauthenticated)
		return
	case rule == fixture.CheckTokenDenyAll:
		mock.NoteReason(c, "settings.check_token is %s: every caller is refused", rule)
		s.writeCheckTokenError(c, errCheckTokenAccessDenied)
		return
	}
	if c.Request.Method != http.MethodPost {
		mock.NoteReason(c, "method %s not supported on %s (POST only)", c.Request.Method, CheckTokenPath)
		c.Header("Allow", http.MethodPost)
		s.writeBootError(c, http.StatusMethodNotAllowed, "Request method '"+c.Request.Method+"' not supported", CheckTokenPath)
		return
	}
	value, ok := readParams(c).get("token")
	if !ok {
		mock.NoteReason(c, "token parameter missing")
		s.writeCheckTokenError(c, errCheckTokenMissingToken)
		return
	}
	t, e := s.readToken(c, value)
	if e != nil {
		s.writeCheckTokenError(c, e)
		return
	}
	mock.WriteJSON(c, http.StatusOK, jsonType, s.checkTokenBody(t))
}

// readToken is what the endpoint asks the token services: readAccessToken
// (an expired token stays in the store here), then loadAuthentication. A
// refusal's reason is noted.
func (s *Service) readToken(c *gin.Context, value string) (spring.Token, *Error) {
	ctx := c.Request.Context()
	t, ok := s.tokens.Lookup(mock.SessionID(ctx), value)
	switch {
	case !ok:
		mock.NoteReason(c, "token unknown in session %s", mock.SessionName(c))
		return t, errCheckTokenUnrecognised
	case t.Kind != "access":
		mock.NoteReason(c, "a %s token was sent, not an access token", t.Kind)
		return t, errCheckTokenUnrecognised
	case !s.deps.Now(ctx).Before(t.ExpiresAt):
		mock.NoteReason(c, "access token %s", s.expiredAt(c, t.ExpiresAt))
		return t, errCheckTokenExpired
	case s.clients[t.Grant.Client] == nil:
		mock.NoteReason(c, "client %s of the token is not in the fixtures", t.Grant.Client)
		return t, errCheckTokenClientNotValid.withValue(t.Grant.Client)
	}
	return t, nil
}

// checkTokenBody is DefaultAccessTokenConverter's map plus "active". The
// map is a java.util.HashMap: its keys come out in their hash order, which
// for these keys is this one (TestCheckTokenKeyOrder).
type checkTokenBody struct {
	Aud         []string `json:"aud,omitempty"`
	UserName    string   `json:"user_name,omitempty"`
	Scope       []string `json:"scope"`
	Active      bool     `json:"active"`
	Exp         *int64   `json:"exp,omitempty"`
	Authorities []string `json:"authorities,omitempty"`
	ClientID    string   `json:"client_id"`
}

func (s *Service) checkTokenBody(t spring.Token) checkTokenBody {
	cl := s.clients[t.Grant.Client]
	b := checkTokenBody{
		Aud: cl.ResourceIDs, UserName: t.Grant.User, Scope: strings.Fields(t.Grant.Scope), Active: true,
		Authorities: javaHashSet(s.authorities(t.Grant)), ClientID: cl.ClientID,
	}
	if b.Scope == nil {
		b.Scope = []string{}
	}
	if cl.AccessValidity() > 0 {
		exp := t.ExpiresAt.Unix()
		b.Exp = &exp
	}
	return b
}

// writeCheckTokenError is the one writer of the endpoint's failures:
// Boot's error JSON for what Spring Security and Spring MVC answer, the
// access-denied handler's OAuth error, and the endpoint's own 400s.
func (s *Service) writeCheckTokenError(c *gin.Context, e *Error) {
	switch {
	case e == errCheckTokenAccessDenied:
		s.writeResourceError(c, e)
		return
	case e.boot:
		mock.NoteFailure(c, e.Name)
		if e.Status == http.StatusUnauthorized {
			c.Header("WWW-Authenticate", basicChallenge)
		}
		s.writeBootError(c, e.Status, e.Description, CheckTokenPath)
		return
	}
	mock.NoteFailure(c, e.Name)
	mock.NoteCode(c, "error", e.Code)
	noStore(c)
	mock.WriteJSON(c, e.Status, jsonType, errorBody{e.Code, e.Description, e.Scope})
}
