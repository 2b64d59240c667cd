package solarman

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/tokenmock/tokenmock/internal/mock"
)

// Endpoint ids.
const (
	EndpointToken           = "solarman.token"
	EndpointInfo            = "solarman.info"
	EndpointStations        = "solarman.stations"
	EndpointStationRealtime = "solarman.station_realtime"
	EndpointStationDevices  = "solarman.station_devices"
	EndpointDeviceCurrent   = "solarman.device_current"
)

type shape int

const (
	shapeG           shape = iota // four gateway fields
	shapeE                        // the token envelope with null token fields
	shapeUnavailable              // code, msg, requestId, success
)

// failure is one row of vendors/solarman.md §5.3 or
// vendors/solarman-data.md §4.
type failure struct {
	name      string
	code, msg string
	shape     shape
	endpoints []string
}

var (
	tokenOnly    = []string{EndpointToken}
	tokenAndInfo = []string{EndpointToken, EndpointInfo}
	data         = []string{EndpointStations, EndpointStationRealtime, EndpointStationDevices, EndpointDeviceCurrent}
	// authed are the endpoints that take a token.
	authed = append([]string{EndpointInfo}, data...)
	// bodied are the endpoints that read their body's fields.
	bodied   = append([]string{EndpointToken}, data...)
	allCalls = append([]string{EndpointToken}, authed...)
)

// invalidPasswordMsg is the msg of 2101025: a JSON document in a string.
var invalidPasswordMsg = func() string {
	b, err := mock.EncodeJSON(authError{"invalid_request", "", "AUTH_INVALID_USERNAME_OR_PASSWORD", nil})
	if err != nil {
		panic(err)
	}
	return string(b)
}()

var (
	failInvalidPassword  = failure{"invalid_password", "2101025", invalidPasswordMsg, shapeE, tokenOnly}
	failMissingAppID     = failure{"missing_app_id", "2101018", "auth appId not found", shapeG, tokenOnly}
	failInvalidAppID     = failure{"invalid_app_id", "2101021", "auth invalid appId", shapeG, tokenOnly}
	failInvalidAppSecret = failure{"invalid_app_secret", "2101019", "auth invalid token", shapeE, tokenOnly}
	failMissingParam     = failure{"missing_param", "2101005", "param not exist", shapeG, bodied}
	failInvalidParam     = failure{"invalid_param", "2101006", "invalid param", shapeG, bodied}
	failInvalidOrgID     = failure{"invalid_org_id", "2101020", "auth invalid orgId", shapeE, tokenOnly}
	failTooFrequently    = failure{"too_frequently", "2101002", "client execute Too Frequently", shapeG, allCalls}
	failQuotaExceeded    = failure{"quota_exceeded", "2101010", "appId insufficient allowance", shapeG, allCalls}
	failAppLocked        = failure{"app_locked", "2101009", "appId or api is locked", shapeG, allCalls}
	failTokenNotFound    = failure{"token_not_found", "2101017", "auth token not found", shapeG, authed}
	failTokenInvalid     = failure{"token_invalid", "2101019", "auth invalid token", shapeG, authed}
	failRemoteRPC        = failure{"remote_rpc_exception", "3501004", "remote rpc exception", shapeG, allCalls}
	failNotFound         = failure{"not_found", "2101008", "device not exist", shapeG, data}
)

var catalogue = []failure{
	failInvalidPassword, failMissingAppID, failInvalidAppID, failInvalidAppSecret, failMissingParam,
	failInvalidParam, failInvalidOrgID, failTooFrequently, failQuotaExceeded, failAppLocked,
	{"service_unavailable", "3201001", "Service Currently Unavailable", shapeUnavailable, allCalls},
	{"client_forbidden", "2101003", "client is forbidden", shapeG, tokenAndInfo},
	failRemoteRPC,
	failTokenNotFound, failTokenInvalid, failNotFound,
}

// tokenError tells the failures that settings.token_error_status may
// answer with another HTTP status.
func (f *failure) tokenError() bool {
	return f.name == failTokenNotFound.name || f.name == failTokenInvalid.name
}

// failureRows is the catalogue as table rows.
func failureRows() []mock.Failure[*Service] {
	rows := make([]mock.Failure[*Service], 0, len(catalogue))
	for _, f := range catalogue {
		rows = append(rows, mock.Failure[*Service]{Name: f.name, Endpoints: f.endpoints,
			Render: func(s *Service, c *gin.Context) { s.writeFailure(c, f) }})
	}
	return rows
}

// writeFailure is the one place a failure body is written, and notes the
// failure and its code; the reason of a natural one is noted where it is
// decided.
func (s *Service) writeFailure(c *gin.Context, f failure) {
	mock.NoteFailure(c, f.name)
	mock.NoteCode(c, "code", f.code)
	id := s.requestID()
	status := http.StatusOK
	if f.tokenError() {
		status = s.tokenErrorStatus
	}
	switch f.shape {
	case shapeE:
		mock.WriteJSON(c, status, contentType, tokenResponse{Code: &f.code, Msg: &f.msg, RequestID: id})
	case shapeUnavailable:
		mock.WriteJSON(c, status, contentType, unavailableFailure{f.code, f.msg, id, false})
	default:
		mock.WriteJSON(c, status, contentType, gatewayFailure{f.code, f.msg, false, id})
	}
}

func writeJSON(c *gin.Context, v any) { mock.WriteJSON(c, http.StatusOK, contentType, v) }
