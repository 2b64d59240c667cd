package solarman

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/tokenmock/tokenmock/internal/mock"
)

// Endpoint ids.
const (
	EndpointToken = "solarman.token"
	EndpointInfo  = "solarman.info"
)

type shape int

const (
	shapeG           shape = iota // four gateway fields
	shapeE                        // the token envelope with null token fields
	shapeUnavailable              // code, msg, requestId, success
)

// failure is one row of vendors/solarman.md §5.3.
type failure struct {
	name      string
	code, msg string
	shape     shape
	endpoints []string
}

var (
	tokenOnly = []string{EndpointToken}
	infoOnly  = []string{EndpointInfo}
	both      = []string{EndpointToken, EndpointInfo}
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
	failMissingParam     = failure{"missing_param", "2101005", "param not exist", shapeG, tokenOnly}
	failInvalidParam     = failure{"invalid_param", "2101006", "invalid param", shapeG, tokenOnly}
	failInvalidOrgID     = failure{"invalid_org_id", "2101020", "auth invalid orgId", shapeE, tokenOnly}
	failTooFrequently    = failure{"too_frequently", "2101002", "client execute Too Frequently", shapeG, both}
	failQuotaExceeded    = failure{"quota_exceeded", "2101010", "appId insufficient allowance", shapeG, both}
	failAppLocked        = failure{"app_locked", "2101009", "appId or api is locked", shapeG, both}
	failTokenNotFound    = failure{"token_not_found", "2101017", "auth token not found", shapeG, infoOnly}
	failTokenInvalid     = failure{"token_invalid", "2101019", "auth invalid token", shapeG, infoOnly}
	failRemoteRPC        = failure{"remote_rpc_exception", "3501004", "remote rpc exception", shapeG, both}
)

var catalogue = []failure{
	failInvalidPassword, failMissingAppID, failInvalidAppID, failInvalidAppSecret, failMissingParam,
	failInvalidParam, failInvalidOrgID, failTooFrequently, failQuotaExceeded, failAppLocked,
	{"service_unavailable", "3201001", "Service Currently Unavailable", shapeUnavailable, both},
	{"client_forbidden", "2101003", "client is forbidden", shapeG, both},
	failRemoteRPC,
	failTokenNotFound, failTokenInvalid,
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

// writeFailure is the one place a failure body is written.
func (s *Service) writeFailure(c *gin.Context, f failure) {
	mock.NoteFailure(c, f.name)
	id := s.requestID()
	switch f.shape {
	case shapeE:
		writeJSON(c, tokenResponse{Code: &f.code, Msg: &f.msg, RequestID: id})
	case shapeUnavailable:
		writeJSON(c, unavailableFailure{f.code, f.msg, id, false})
	default:
		writeJSON(c, gatewayFailure{f.code, f.msg, false, id})
	}
}

func writeJSON(c *gin.Context, v any) { mock.WriteJSON(c, http.StatusOK, contentType, v) }
