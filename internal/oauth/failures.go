package oauth

import (
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/tokenmock/tokenmock/internal/mock"
)

// failureRows is the platform's catalogue: the token endpoint's rows of
// vendors/di-oauth2.md §3.3 (PKCE aside), the error outcomes of
// /oauth/authorize in §2.2, and the protected API's and /oauth/check_token's
// of vendors/di-resource.md §3 and §4. Each renders from the request alone.
func failureRows() []mock.Failure[*Service] {
	var rows []mock.Failure[*Service]
	for _, e := range tokenCatalogue {
		rows = append(rows, mock.Failure[*Service]{Name: e.Name, Endpoints: []string{EndpointToken}, Render: func(s *Service, c *gin.Context) {
			s.writeTokenError(c, s.renderValue(c, e, readParams(c)))
		}})
	}
	for _, f := range []struct {
		name   string
		render func(s *Service, c *gin.Context, p params)
	}{
		{"authorize_unknown_client", func(_ *Service, c *gin.Context, _ params) {
			writeErrorPage(c, http.StatusUnauthorized, "invalid_client", "Bad client credentials")
		}},
		{"authorize_unsupported_response_type", func(s *Service, c *gin.Context, p params) {
			s.renderRedirectError(c, p, "unsupported_response_type", "Unsupported response types: "+javaSet(parseList(p.value("response_type"))), "")
		}},
		{"authorize_login_required", func(s *Service, c *gin.Context, _ params) { redirect(c, s.absolute(c, "/oauth/login")) }},
		{"authorize_redirect_mismatch", func(_ *Service, c *gin.Context, p params) {
			v, sent := p.get("redirect_uri")
			writeErrorPage(c, http.StatusBadRequest, "invalid_grant", redirectMessage(v, sent))
		}},
		{"authorize_invalid_scope", func(s *Service, c *gin.Context, p params) {
			cl := s.clients[p.value("client_id")]
			registered := ""
			if cl != nil {
				registered = strings.Join(cl.Scopes, " ")
			}
			s.renderRedirectError(c, p, "invalid_scope", "Invalid scope: "+p.value("scope"), registered)
		}},
		{"authorize_access_denied", func(s *Service, c *gin.Context, p params) {
			s.renderRedirectError(c, p, "access_denied", "User denied access", "")
		}},
		{"authorize_approval_without_request", func(_ *Service, c *gin.Context, _ params) {
			writeErrorPage(c, http.StatusBadRequest, "invalid_request", "Cannot approve uninitialized authorization request.")
		}},
		{"authorize_implicit_not_allowed", func(s *Service, c *gin.Context, p params) {
			s.renderRedirectError(c, p, "invalid_client", "Unauthorized grant type: implicit", "")
		}},
	} {
		rows = append(rows, mock.Failure[*Service]{Name: f.name, Endpoints: []string{EndpointAuthorize},
			Render: func(s *Service, c *gin.Context) {
				mock.NoteFailure(c, f.name)
				f.render(s, c, readParams(c))
			}})
	}
	for _, e := range resourceCatalogue {
		rows = append(rows, mock.Failure[*Service]{Name: e.Name, Endpoints: []string{EndpointResource}, Render: func(s *Service, c *gin.Context) {
			s.writeResourceError(c, s.renderResource(c, e))
		}})
	}
	for _, e := range searchCatalogue {
		rows = append(rows, mock.Failure[*Service]{Name: e.Name, Endpoints: []string{EndpointResource}, Render: func(s *Service, c *gin.Context) {
			s.writeSearchError(c, e, resourceParams(c))
		}})
	}
	for _, e := range checkTokenCatalogue {
		rows = append(rows, mock.Failure[*Service]{Name: e.Name, Endpoints: []string{EndpointCheckToken}, Render: func(s *Service, c *gin.Context) {
			out := e
			if e == errCheckTokenClientNotValid {
				out = e.withValue(s.tokenClient(c, readParams(c).value("token")))
			}
			s.writeCheckTokenError(c, out)
		}})
	}
	return rows
}

// renderResource fills the values of a protected API failure from the
// request: the token as extracted, the client it belongs to.
func (s *Service) renderResource(c *gin.Context, e *Error) *Error {
	value, _ := bearerToken(c.Request.Header.Values("Authorization"), resourceParams(c))
	switch e {
	case errResourceInvalidToken, errResourceExpiredToken:
		return e.withValue(value)
	case errResourceClientNotValid:
		return e.withValue(s.tokenClient(c, value))
	case errResourceWrongResourceID:
		return s.wrongResourceID()
	case errResourceInsufficientScope:
		return s.insufficientScope()
	}
	return e
}

// tokenClient is the client a token of the session was issued to, else
// the request's client_id parameter: a read, never a change.
func (s *Service) tokenClient(c *gin.Context, value string) string {
	if t, ok := s.tokens.Lookup(mock.SessionID(c.Request.Context()), value); ok {
		return t.Grant.Client
	}
	return readParams(c).value("client_id")
}

// renderValue fills X and the extra scope of e from the request, as the
// natural check would, reading but never changing state.
func (s *Service) renderValue(c *gin.Context, e *Error, p params) *Error {
	switch e {
	case errInvalidCode:
		return e.withValue(p.value("code"))
	case errUnauthorizedGrant:
		return e.withValue(p.value("grant_type"))
	case errInvalidRefreshToken, errRefreshWrongClient, errRefreshExpired:
		return e.withValue(p.value("refresh_token"))
	case errInvalidScope:
		registered := ""
		if cl := s.requestClient(c, p); cl != nil {
			registered = strings.Join(cl.Scopes, " ")
		}
		return e.withValue(p.value("scope")).WithScope(registered)
	case errRefreshScopeWiden:
		granted := ""
		if t, ok := s.tokens.Lookup(mock.SessionID(c.Request.Context()), p.value("refresh_token")); ok {
			granted = t.Grant.Scope
		}
		return e.WithDescription("Unable to narrow the scope of the client authentication to " + javaSet(parseList(p.value("scope"))) + ".").WithScope(granted)
	}
	return e
}

// renderRedirectError sends an injected error to the request's redirect
// URI when it is registered, and shows the error page otherwise: an
// injected failure never redirects anywhere a real one could not.
func (s *Service) renderRedirectError(c *gin.Context, p params, code, desc, scope string) {
	cl := s.clients[p.value("client_id")]
	v, sent := p.get("redirect_uri")
	if cl == nil {
		writeErrorPage(c, http.StatusBadRequest, code, desc)
		return
	}
	r, ok := resolveRedirect(cl, v, sent)
	if !ok {
		writeErrorPage(c, http.StatusBadRequest, code, desc)
		return
	}
	state, stateSent := p.get("state")
	redirectError(c, r, strings.Contains(p.value("response_type"), "token"), code, desc, state, stateSent, scope)
}

// requestClient is the client a request names, by parameter or Basic.
func (s *Service) requestClient(c *gin.Context, p params) *client {
	if cl := s.clients[strings.TrimSpace(p.value("client_id"))]; cl != nil {
		return cl
	}
	if id, _, ok := basicAuth(c.GetHeader("Authorization")); ok {
		return s.clients[id]
	}
	return nil
}
