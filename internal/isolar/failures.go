package isolar

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gin-gonic/gin"

	"github.com/tokenmock/tokenmock/internal/mock"
)

// Endpoint ids.
const (
	EndpointAuthorize      = "isolar.authorize"
	EndpointToken          = "isolar.token"
	EndpointRefresh        = "isolar.refresh"
	EndpointPlants         = "isolar.plants"
	EndpointPlantRealtime  = "isolar.plant_realtime"
	EndpointDevices        = "isolar.devices"
	EndpointDeviceRealtime = "isolar.device_realtime"
)

type failureKind int

const (
	gatewayFailure failureKind = iota // the envelope with result_data null, both shapes
	oauthFailure                      // token endpoint, shape per app
	refreshFailure                    // refresh endpoint, result_data.code
	pageFailure                       // authorization page
)

// endpointSet is a set of the vendor's endpoints, one bit each, so that a
// failure stays a comparable value.
type endpointSet uint8

const (
	onAuthorize endpointSet = 1 << iota
	onToken
	onRefresh
	onPlants
	onPlantRealtime
	onDevices
	onDeviceRealtime

	onTokens  = onToken | onRefresh
	onData    = onPlants | onPlantRealtime | onDevices | onDeviceRealtime
	onGateway = onTokens | onData
)

// endpointBits lists the endpoints in table order with their bits.
var endpointBits = []struct {
	id  string
	bit endpointSet
}{
	{EndpointAuthorize, onAuthorize}, {EndpointToken, onToken}, {EndpointRefresh, onRefresh},
	{EndpointPlants, onPlants}, {EndpointPlantRealtime, onPlantRealtime},
	{EndpointDevices, onDevices}, {EndpointDeviceRealtime, onDeviceRealtime},
}

// ids lists the endpoint ids of the set, in table order.
func (e endpointSet) ids() []string {
	var out []string
	for _, b := range endpointBits {
		if e&b.bit != 0 {
			out = append(out, b.id)
		}
	}
	return out
}

// failure is one row of the catalogue (vendors/isolarcloud.md §4,
// vendors/isolarcloud-data.md §4). In msg, "X" stands for the request's
// own value and is filled in when rendered.
type failure struct {
	name       string
	kind       failureKind
	code       string
	msg        string
	oauthError string
	on         endpointSet // the endpoints that can answer it
}

// message renders msg for the request value x.
func (f failure) message(x string) string {
	if strings.HasSuffix(f.msg, ": X") {
		return f.msg[:len(f.msg)-1] + x
	}
	return f.msg
}

var (
	failMissingAccessKey   = failure{"missing_access_key", gatewayFailure, "E911", "Missing parameter in request header: x-access-key", "", onGateway}
	failIllegalAccessKey   = failure{"illegal_access_key", gatewayFailure, "E912", "Illegal x-access-key", "", onGateway}
	failMissingAppKey      = failure{"missing_appkey", gatewayFailure, "001", "er_missing_parameter:appkey", "", onGateway}
	failInvalidAppKey      = failure{"invalid_appkey", gatewayFailure, "E00000", "er_invalid_appkey", "", onGateway}
	failAppKeyMismatch     = failure{"appkey_mismatch", gatewayFailure, "E914", "Mismatched appkey and x-access-key", "", onGateway}
	failHourlyLimit        = failure{"hourly_limit", gatewayFailure, "E999", "er_hour_call_api_times_upper_limit", "", onGateway}
	failMonthlyLimit       = failure{"monthly_limit", gatewayFailure, "E998", "er_month_call_api_times_upper_limit", "", onGateway}
	failNotAuthorized      = failure{"access_not_authorized", gatewayFailure, "E900", "Unauthorized access", "", onGateway}
	failInternal           = failure{"internal_error", gatewayFailure, "-1", "error", "", onGateway}
	failTokenInvalid       = failure{"token_invalid", gatewayFailure, "E00003", "er_token_login_invalid", "", onGateway}
	failInvalidCode        = failure{"invalid_code", oauthFailure, "2", "Invalid authorization code: X", "invalid_grant", onToken}
	failUnauthorized       = failure{"unauthorized", oauthFailure, "3", "Unauthorized access", "unauthorized_client", onToken}
	failInvalidClient      = failure{"invalid_client", oauthFailure, "4", "Bad client credentials", "invalid_client", onToken}
	failRedirectMismatch   = failure{"redirect_mismatch", oauthFailure, "5", "Redirect URI mismatch.", "invalid_grant", onToken}
	failUnsupportedGrant   = failure{"unsupported_grant_type", oauthFailure, "6", "Unsupported grant type: X", "unsupported_grant_type", onToken}
	failInvalidRefresh     = failure{"invalid_refresh_token", refreshFailure, "5", "", "", onRefresh}
	failRefreshExpired     = failure{"refresh_token_expired", refreshFailure, "-2", "", "", onRefresh}
	failRefreshNoAuth      = failure{"refresh_no_authorization", refreshFailure, "2", "", "", onRefresh}
	failRefreshBadRequest  = failure{"refresh_invalid_request", refreshFailure, "4", "", "", onRefresh}
	failRefreshFailed      = failure{"refresh_failed", refreshFailure, "-1", "", "", onRefresh}
	failUnknownApplication = failure{"unknown_application", pageFailure, "", "Application does not exist", "", onAuthorize}
	failRedirectNotReg     = failure{"redirect_not_registered", pageFailure, "", "The redirect address does not match", "", onAuthorize}
	failAccessDenied       = failure{"access_denied", pageFailure, "", "", "", onAuthorize}

	// The data calls' own (vendors/isolarcloud-data.md §4).
	failTokenMissing     = failure{"token_missing", gatewayFailure, "002", "er_missing_parameter:token", "", onData}
	failMissingParameter = failure{"missing_parameter", gatewayFailure, "009", "er_missing_parameter", "", onData}
	failMissingKeys      = failure{"missing_keys", gatewayFailure, "009", "Parameters ps_key_list,sn_list cannot be empty at the same time!", "", onDeviceRealtime}
	failPointListTooLong = failure{"point_list_too_long", gatewayFailure, "010", "Parameters point_id_list size is over 100", "", onPlantRealtime | onDeviceRealtime}
	failInvalidParameter = failure{"invalid_parameter", gatewayFailure, "010", "er_parameter_value_invalid", "", onData}
)

// catalogue lists every failure, natural or scenario-only, in the vendor
// files' order.
var catalogue = []failure{
	failMissingAccessKey, failIllegalAccessKey, failMissingAppKey, failInvalidAppKey, failAppKeyMismatch,
	{"call_too_frequently", gatewayFailure, "E901", "Call too frequently", "", onGateway},
	{"login_too_frequently", gatewayFailure, "E916", "Login too frequently", "", onTokens},
	failHourlyLimit, failMonthlyLimit,
	{"ip_denied", gatewayFailure, "E918", "Permit Denied By White IP Address", "", onGateway},
	{"user_denied", gatewayFailure, "E919", "Permit Denied By White List User", "", onGateway},
	failNotAuthorized, failInternal, failTokenInvalid,
	failInvalidCode, failUnauthorized, failInvalidClient, failRedirectMismatch, failUnsupportedGrant,
	failInvalidRefresh, failRefreshExpired, failRefreshNoAuth, failRefreshBadRequest, failRefreshFailed,
	failUnknownApplication, failRedirectNotReg, failAccessDenied,
	failTokenMissing, failMissingParameter, failMissingKeys, failPointListTooLong, failInvalidParameter,
}

// failAPINotFound answers /openapi/* paths the mock does not serve.
var failAPINotFound = failure{"api_not_found", gatewayFailure, "E996", "api not found", "", 0}

// failureRows is the catalogue as table rows; each renders from the
// request alone, as a scenario needs, touching no state.
func failureRows() []mock.Failure[*Service] {
	rows := make([]mock.Failure[*Service], 0, len(catalogue))
	for _, f := range catalogue {
		rows = append(rows, mock.Failure[*Service]{Name: f.name, Endpoints: f.on.ids(),
			Render: func(s *Service, c *gin.Context) { s.render(c, f) }})
	}
	return rows
}

// render answers f for the request in c, taking X and the app's shape from
// the request itself. A rendered failure has no reason of the vendor's (a
// scenario asked for it), so none noted before stays.
func (s *Service) render(c *gin.Context, f failure) {
	mock.NoteReason(c, "")
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
// shape of OAuth failures (nil: observed); x fills the message. It notes
// the failure and the code the body carries; the reason is noted where
// the failure is decided.
func (s *Service) writeFailure(c *gin.Context, a *app, f failure, x string) {
	mock.NoteFailure(c, f.name)
	if f.kind == refreshFailure {
		mock.NoteCode(c, "result_data.code", f.code)
	} else {
		mock.NoteCode(c, "result_code", f.code)
	}
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
	writeJSON(c, s.failureStatus(c, f), body)
}

// failureStatus is the HTTP status of f: 200, as the platform answers
// every failure, unless the fixture settings ask data calls to answer
// token failures with 401 or quota failures with 429 (mock-only switches
// for clients that react to nothing else). A 429 says when the quota's
// window ends in Retry-After.
func (s *Service) failureStatus(c *gin.Context, f failure) int {
	if !dataPath(c.Request.URL.Path) {
		return http.StatusOK
	}
	switch f {
	case failTokenInvalid, failTokenMissing:
		return s.settings.TokenErrorStatus
	case failHourlyLimit, failMonthlyLimit:
		if s.settings.RateLimitStatus == http.StatusTooManyRequests {
			now := s.deps.Now(c.Request.Context())
			c.Header("Retry-After", strconv.FormatInt(s.windowLeft(f, now), 10))
		}
		return s.settings.RateLimitStatus
	}
	return http.StatusOK
}

// refusal is a failure decided by the vendor's logic, with why in words
// for the log: the request's offending value, never a secret's.
type refusal struct {
	f   failure
	why string
}

func refuse(f failure, format string, args ...any) *refusal {
	return &refusal{f, fmt.Sprintf(format, args...)}
}

// writeRefusal notes why r was decided, then writes its failure.
func (s *Service) writeRefusal(c *gin.Context, a *app, r *refusal, x string) {
	mock.NoteReason(c, "%s", r.why)
	s.writeFailure(c, a, r.f, x)
}

// stamp is a time as reasons show it.
func stamp(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// shown is a request value as reasons show it: bare when it is a plain
// word (an id, a key, a URL), else quoted; cut short either way.
func shown(v string) string {
	v = cut(v)
	if v == "" || strings.ContainsFunc(v, func(r rune) bool {
		return r <= ' ' || r == '"' || r == '\\' || r >= utf8.RuneSelf && r != '…'
	}) {
		return strconv.Quote(v)
	}
	return v
}

// shownJSON is a JSON value of the request as reasons show it: compact
// and cut short.
func shownJSON(raw json.RawMessage) string {
	var b bytes.Buffer
	if json.Compact(&b, raw) != nil {
		return shown(string(raw))
	}
	return cut(b.String())
}

// cut shortens v for a reason, on a character boundary.
func cut(v string) string {
	const most = 48
	if len(v) <= most {
		return v
	}
	n := most
	for n > 0 && !utf8.RuneStart(v[n]) {
		n--
	}
	return v[:n] + "…"
}

func writeJSON(c *gin.Context, status int, body any) {
	h := c.Writer.Header()
	h.Set("Cache-Control", "no-store")
	h.Set("Pragma", "no-cache")
	mock.WriteJSON(c, status, contentType, body)
}
