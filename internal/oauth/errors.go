package oauth

import (
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/tokenmock/tokenmock/internal/mock"
)

// Error is a Spring OAuth2Exception: immutable, decorated by copy.
type Error struct {
	Name        string // catalogue name
	Status      int
	Code        string // the OAuth error code
	Description string
	Scope       string // the extra "scope" key, when set
	challenge   string // "Form" or "Bearer": a WWW-Authenticate header of that scheme
	boot        bool   // answered by Spring Security's entry point: Boot's error JSON
	entryPoint  bool   // answered by the resource server's entry point: a realm in the challenge
}

func (e *Error) Error() string { return e.Code + ": " + e.Description }

// WithDescription returns a copy with another description.
func (e *Error) WithDescription(d string) *Error {
	c := *e
	c.Description = d
	return &c
}

// WithScope returns a copy carrying the extra scope key.
func (e *Error) WithScope(scope string) *Error {
	c := *e
	c.Scope = scope
	return &c
}

func (e *Error) withValue(x string) *Error {
	if strings.HasSuffix(e.Description, ": X") {
		return e.WithDescription(e.Description[:len(e.Description)-1] + x)
	}
	return e
}

func tokenErr(name string, status int, code, desc string) *Error {
	return &Error{Name: name, Status: status, Code: code, Description: desc}
}

func bearer(e *Error) *Error { e.challenge = "Bearer"; return e }

// The token endpoint's catalogue, vendors/di-oauth2.md §3.3 (rows 1–21).
var (
	errUnauthenticated     = &Error{Name: "token_unauthenticated", Status: 401, Description: "Full authentication is required to access this resource", boot: true}
	errBadClientCreds      = &Error{Name: "token_bad_client_credentials", Status: 401, Code: "invalid_client", Description: "Bad client credentials", challenge: "Form"}
	errBasicAuthFailed     = &Error{Name: "token_basic_auth_failed", Status: 401, Description: "Bad credentials", boot: true}
	errMethodGet           = tokenErr("token_method_get", 405, "method_not_allowed", "Request method 'GET' not supported")
	errClientIDMismatch    = bearer(tokenErr("token_client_id_mismatch", 401, "invalid_client", "Given client ID does not match authenticated client"))
	errInvalidScope        = tokenErr("token_invalid_scope", 400, "invalid_scope", "Invalid scope: X")
	errEmptyScope          = tokenErr("token_empty_scope", 400, "invalid_scope", "Empty scope (either the client or the user is not allowed the requested scopes)")
	errMissingGrantType    = tokenErr("token_missing_grant_type", 400, "invalid_request", "Missing grant type")
	errImplicitGrant       = tokenErr("token_implicit_grant", 400, "invalid_grant", "Implicit grant type not supported from token endpoint")
	errUnauthorizedGrant   = bearer(tokenErr("token_unauthorized_grant_type", 401, "invalid_client", "Unauthorized grant type: X"))
	errUnsupportedGrant    = tokenErr("token_unsupported_grant_type", 400, "unsupported_grant_type", "Unsupported grant type")
	errMissingCode         = tokenErr("token_missing_code", 400, "invalid_request", "An authorization code must be supplied.")
	errInvalidCode         = tokenErr("token_invalid_code", 400, "invalid_grant", "Invalid authorization code: X")
	errRedirectMismatch    = tokenErr("token_redirect_mismatch", 400, "invalid_grant", "Redirect URI mismatch.")
	errCodeClientMismatch  = bearer(tokenErr("token_code_client_mismatch", 401, "invalid_client", "Client ID mismatch"))
	errMissingRefreshToken = tokenErr("token_missing_refresh_token", 400, "invalid_grant", "Invalid refresh token: null")
	errInvalidRefreshToken = tokenErr("token_invalid_refresh_token", 400, "invalid_grant", "Invalid refresh token: X")
	errRefreshWrongClient  = tokenErr("token_refresh_wrong_client", 400, "invalid_grant", "Wrong client for this refresh token: X")
	errRefreshExpired      = bearer(tokenErr("token_refresh_expired", 401, "invalid_token", "Invalid refresh token (expired): X"))
	errRefreshScopeWiden   = tokenErr("token_refresh_scope_widen", 400, "invalid_scope", "Unable to narrow the scope of the client authentication to X.")
	errServerError         = tokenErr("token_server_error", 500, "server_error", "Internal Server Error")
)

var tokenCatalogue = []*Error{
	errUnauthenticated, errBadClientCreds, errBasicAuthFailed, errMethodGet, errClientIDMismatch,
	errInvalidScope, errEmptyScope, errMissingGrantType, errImplicitGrant, errUnauthorizedGrant,
	errUnsupportedGrant, errMissingCode, errInvalidCode, errRedirectMismatch, errCodeClientMismatch,
	errMissingRefreshToken, errInvalidRefreshToken, errRefreshWrongClient, errRefreshExpired,
	errRefreshScopeWiden, errServerError,
}

const jsonType = "application/json;charset=UTF-8"

// errorBody is Spring's OAuth2Exception JSON: error, error_description,
// then extra keys in alphabetical order (only scope occurs).
type errorBody struct {
	Error            string `json:"error"`
	ErrorDescription string `json:"error_description"`
	Scope            string `json:"scope,omitempty"`
}

// bootError is Spring Boot 1.5's error JSON, answered by Spring Security's
// entry point before any OAuth code runs, and by Spring MVC.
type bootError struct {
	Timestamp int64  `json:"timestamp"`
	Status    int    `json:"status"`
	Error     string `json:"error"`
	Message   string `json:"message"`
	Path      string `json:"path"`
}

// basicChallenge is the WWW-Authenticate of Spring Security's Basic entry
// point in front of the authorization server's endpoints.
const basicChallenge = `Basic realm="oauth2/client"`

// writeBootError is the one writer of Boot's error JSON, with the
// session's clock. It notes the body's error (the status's reason phrase:
// "Unauthorized", "Not Found") as the failure's code.
func (s *Service) writeBootError(c *gin.Context, status int, message, path string) {
	mock.NoteCode(c, "error", http.StatusText(status))
	now := s.deps.Now(c.Request.Context())
	mock.WriteJSON(c, status, jsonType, bootError{now.UnixMilli(), status, http.StatusText(status), message, path})
}

// writeTokenError is the one writer of token endpoint failures.
func (s *Service) writeTokenError(c *gin.Context, e *Error) {
	mock.NoteFailure(c, e.Name)
	h := c.Writer.Header()
	if e.boot {
		h.Set("WWW-Authenticate", basicChallenge)
		s.writeBootError(c, e.Status, e.Description, "/oauth/token")
		return
	}
	mock.NoteCode(c, "error", e.Code)
	switch e.challenge {
	case "Form":
		h.Set("WWW-Authenticate", `Form realm="oauth2/client", error="`+e.Code+`", error_description="`+e.Description+`"`)
	case "Bearer":
		h.Set("WWW-Authenticate", `Bearer error="`+e.Code+`", error_description="`+e.Description+`"`)
	}
	noStore(c)
	mock.WriteJSON(c, e.Status, jsonType, errorBody{e.Code, e.Description, e.Scope})
}

func noStore(c *gin.Context) {
	c.Header("Cache-Control", "no-store")
	c.Header("Pragma", "no-cache")
}

// springEscape is HtmlUtils.htmlEscape as the whitelabel pages use it.
var springEscape = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;", "'", "&#39;")

// writeErrorPage is Spring's WhitelabelErrorEndpoint: one line of HTML
// with the status of the error and no other headers. It notes the page's
// error as the failure's code.
func writeErrorPage(c *gin.Context, status int, code, desc string) {
	mock.NoteCode(c, "error", code)
	summary := springEscape.Replace(`error="` + code + `", error_description="` + desc + `"`)
	c.Data(status, htmlType, []byte("<html><body><h1>OAuth Error</h1><p>"+summary+"</p></body></html>"))
}

const htmlType = "text/html;charset=UTF-8"
