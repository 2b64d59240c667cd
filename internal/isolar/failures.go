package isolar

import (
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/tokenmock/tokenmock/internal/mock"
)

// Endpoint ids.
const (
	EndpointAuthorize = "isolar.authorize"
	EndpointToken     = "isolar.token"
	EndpointRefresh   = "isolar.refresh"
)

type failureKind int

const (
	gatewayFailure failureKind = iota // envelope, both shapes, both token endpoints
	oauthFailure                      // token endpoint, shape per app
	refreshFailure                    // refresh endpoint, result_data.code
	pageFailure                       // authorization page
)

// failure is one row of the catalogue (vendors/isolarcloud.md §4). In msg,
// "X" stands for the request's own value and is filled in when rendered.
type failure struct {
	name       string
	kind       failureKind
	code       string
	msg        string
	oauthError string
}

// message renders msg for the request value x.
func (f failure) message(x string) string {
	if strings.HasSuffix(f.msg, ": X") {
		return f.msg[:len(f.msg)-1] + x
	}
	return f.msg
}

var (
	failMissingAccessKey   = failure{"missing_access_key", gatewayFailure, "E911", "Missing parameter in request header: x-access-key", ""}
	failIllegalAccessKey   = failure{"illegal_access_key", gatewayFailure, "E912", "Illegal x-access-key", ""}
	failMissingAppKey      = failure{"missing_appkey", gatewayFailure, "001", "er_missing_parameter:appkey", ""}
	failInvalidAppKey      = failure{"invalid_appkey", gatewayFailure, "E00000", "er_invalid_appkey", ""}
	failAppKeyMismatch     = failure{"appkey_mismatch", gatewayFailure, "E914", "Mismatched appkey and x-access-key", ""}
	failInternal           = failure{"internal_error", gatewayFailure, "-1", "error", ""}
	failInvalidCode        = failure{"invalid_code", oauthFailure, "2", "Invalid authorization code: X", "invalid_grant"}
	failUnauthorized       = failure{"unauthorized", oauthFailure, "3", "Unauthorized access", "unauthorized_client"}
	failInvalidClient      = failure{"invalid_client", oauthFailure, "4", "Bad client credentials", "invalid_client"}
	failRedirectMismatch   = failure{"redirect_mismatch", oauthFailure, "5", "Redirect URI mismatch.", "invalid_grant"}
	failUnsupportedGrant   = failure{"unsupported_grant_type", oauthFailure, "6", "Unsupported grant type: X", "unsupported_grant_type"}
	failInvalidRefresh     = failure{"invalid_refresh_token", refreshFailure, "5", "", ""}
	failRefreshExpired     = failure{"refresh_token_expired", refreshFailure, "-2", "", ""}
	failRefreshNoAuth      = failure{"refresh_no_authorization", refreshFailure, "2", "", ""}
	failRefreshBadRequest  = failure{"refresh_invalid_request", refreshFailure, "4", "", ""}
	failRefreshFailed      = failure{"refresh_failed", refreshFailure, "-1", "", ""}
	failUnknownApplication = failure{"unknown_application", pageFailure, "", "Application does not exist", ""}
	failRedirectNotReg     = failure{"redirect_not_registered", pageFailure, "", "The redirect address does not match", ""}
	failAccessDenied       = failure{"access_denied", pageFailure, "", "", ""}
)

// catalogue lists every failure, natural or scenario-only, in the vendor
// file's order.
var catalogue = []failure{
	failMissingAccessKey, failIllegalAccessKey, failMissingAppKey, failInvalidAppKey, failAppKeyMismatch,
	{"call_too_frequently", gatewayFailure, "E901", "Call too frequently", ""},
	{"login_too_frequently", gatewayFailure, "E916", "Login too frequently", ""},
	{"hourly_limit", gatewayFailure, "E999", "er_hour_call_api_times_upper_limit", ""},
	{"monthly_limit", gatewayFailure, "E998", "er_month_call_api_times_upper_limit", ""},
	{"ip_denied", gatewayFailure, "E918", "Permit Denied By White IP Address", ""},
	{"user_denied", gatewayFailure, "E919", "Permit Denied By White List User", ""},
	{"access_not_authorized", gatewayFailure, "E900", "Unauthorized access", ""},
	failInternal,
	{"token_invalid", gatewayFailure, "E00003", "er_token_login_invalid", ""},
	failInvalidCode, failUnauthorized, failInvalidClient, failRedirectMismatch, failUnsupportedGrant,
	failInvalidRefresh, failRefreshExpired, failRefreshNoAuth, failRefreshBadRequest, failRefreshFailed,
	failUnknownApplication, failRedirectNotReg, failAccessDenied,
}

// failAPINotFound answers /openapi/* paths the mock does not serve.
var failAPINotFound = failure{"api_not_found", gatewayFailure, "E996", "api not found", ""}

func (k failureKind) endpoints() []string {
	switch k {
	case gatewayFailure:
		return []string{EndpointToken, EndpointRefresh}
	case oauthFailure:
		return []string{EndpointToken}
	case refreshFailure:
		return []string{EndpointRefresh}
	default:
		return []string{EndpointAuthorize}
	}
}

// failureRows is the catalogue as table rows; each renders from the
// request alone, as a scenario needs, touching no state.
func failureRows() []mock.Failure[*Service] {
	rows := make([]mock.Failure[*Service], 0, len(catalogue))
	for _, f := range catalogue {
		rows = append(rows, mock.Failure[*Service]{Name: f.name, Endpoints: f.kind.endpoints(),
			Render: func(s *Service, c *gin.Context) { s.render(c, f) }})
	}
	return rows
}

// render answers f for the request in c, taking X and the app's shape from
// the request itself.
func (s *Service) render(c *gin.Context, f failure) {
	if f.kind == pageFailure {
		s.renderPageFailure(c, f)
		return
	}
	req := parseBody(mock.Req(c).Body)
	x := req.Code
	if f == failUnsupportedGrant {
		x = req.GrantType
	}
	s.writeFailure(c, s.apps[req.AppKey], f, x)
}

// writeFailure is the one place a JSON failure is written. app picks the
// shape of OAuth failures (nil: observed); x fills the message.
func (s *Service) writeFailure(c *gin.Context, a *app, f failure, x string) {
	mock.NoteFailure(c, f.name)
	rsn := s.serial(c.Request.Context())
	var body any
	switch {
	case f.kind == refreshFailure:
		body = envelope{rsn, "1", "success", refreshFailureData{f.code}}
	case f.kind == oauthFailure && (a == nil || !a.Documented()):
		msg := f.message(x)
		body = observedOAuthFailure{msg, f.code, f.oauthError, msg, rsn}
	default:
		body = envelope{rsn, f.code, f.message(x), nil}
	}
	writeJSON(c, body)
}

func writeJSON(c *gin.Context, body any) {
	h := c.Writer.Header()
	h.Set("Cache-Control", "no-store")
	h.Set("Pragma", "no-cache")
	mock.WriteJSON(c, http.StatusOK, contentType, body)
}
