package isolar

import (
	"crypto/subtle"
	"encoding/json"
	"errors"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/tokenmock/tokenmock/internal/mock"
	"github.com/tokenmock/tokenmock/internal/spring"
)

// tokenRequest is the JSON body of both token endpoints. The gateway reads
// the body as JSON whatever its Content-Type; a body that is no JSON object
// is taken as {}, and a non-string value counts as absent
// (vendors/isolarcloud.md §2b).
type tokenRequest struct {
	AppKey         string
	GrantType      string
	Code           string
	RedirectURI    string
	RefreshToken   string
	TokenScopeMode string
}

func parseBody(b []byte) tokenRequest {
	var m map[string]json.RawMessage
	if json.Unmarshal(b, &m) != nil {
		return tokenRequest{}
	}
	str := func(k string) string {
		var v string
		if raw, ok := m[k]; ok && json.Unmarshal(raw, &v) == nil {
			return v
		}
		return ""
	}
	return tokenRequest{
		AppKey:         str("appkey"),
		GrantType:      str("grant_type"),
		Code:           str("code"),
		RedirectURI:    str("redirect_uri"),
		RefreshToken:   str("refresh_token"),
		TokenScopeMode: str("token_scope_mode"),
	}
}

// gateway runs checks G1–G5 on the x-access-key header and the body's
// appkey, and returns the app, or the failure to answer.
func (s *Service) gateway(c *gin.Context, appKey string) (*app, *failure) {
	key := c.GetHeader("x-access-key")
	if key == "" {
		return nil, &failMissingAccessKey
	}
	byKey := s.appByAccessKey(key)
	if byKey == nil {
		return nil, &failIllegalAccessKey
	}
	if appKey == "" {
		return nil, &failMissingAppKey
	}
	a := s.apps[appKey]
	if a == nil {
		return nil, &failInvalidAppKey
	}
	if a != byKey {
		return nil, &failAppKeyMismatch
	}
	return a, nil
}

// appByAccessKey compares the secret against every app in constant time,
// so timing tells nothing about how much of a secret was right.
func (s *Service) appByAccessKey(key string) *app {
	var found *app
	for _, a := range s.appList {
		if subtle.ConstantTimeCompare([]byte(a.AccessKey), []byte(key)) == 1 {
			found = a
		}
	}
	return found
}

// gated parses the body and runs the gateway checks before h, as the
// vendor's gateway fronts its OAuth server.
func gated(h func(s *Service, c *gin.Context, a *app, req tokenRequest)) func(*Service, *gin.Context) {
	return func(s *Service, c *gin.Context) {
		req := parseBody(mock.Req(c).Body)
		a, f := s.gateway(c, req.AppKey)
		if f != nil {
			s.writeFailure(c, nil, *f, "")
			return
		}
		h(s, c, a, req)
	}
}

// token is POST /openapi/apiManage/token: checks O1–O5, then a token.
func (s *Service) token(c *gin.Context, a *app, req tokenRequest) {
	ctx := c.Request.Context()
	if !a.OAuth() {
		s.writeFailure(c, a, failInvalidClient, "")
		return
	}
	if req.GrantType != "authorization_code" {
		s.writeFailure(c, a, failUnsupportedGrant, req.GrantType)
		return
	}
	code, ok := s.redeem(c, req.Code)
	if !ok {
		s.writeFailure(c, a, failInvalidCode, req.Code)
		return
	}
	if req.RedirectURI != code.RedirectURI {
		s.writeFailure(c, a, failRedirectMismatch, "")
		return
	}
	if code.Grant.Client != a.AppKey {
		s.writeFailure(c, a, failUnauthorized, "")
		return
	}
	gd, ok := code.Grant.Data.(*grantData)
	if !ok { // every grant of this service carries its data
		s.writeFailure(c, nil, failInternal, "")
		return
	}
	reuse := req.TokenScopeMode != "authorization_bound"
	t := s.tokens.Issue(code.Grant, s.deps.Now(ctx), s.policy(reuse), mock.TokenTTL(ctx))
	plants := gd.Plants
	if plants == nil {
		plants = []string{}
	}
	expiresIn := spring.ExpiresIn(t.ExpiresAt, s.deps.Now(ctx))
	data := tokenData{t.Value, "bearer", t.Refresh, expiresIn, plants, gd.UserID}
	s.writeSuccess(c, a, data, t, expiresIn)
}

// redeem finds the code: a static one of the fixtures (reusable), or a
// minted one, which is consumed by this very attempt whatever follows.
func (s *Service) redeem(c *gin.Context, value string) (spring.Code, bool) {
	if value == "" {
		return spring.Code{}, false
	}
	ctx := c.Request.Context()
	if sc, ok := s.static[value]; ok {
		a, u := s.apps[sc.AppKey], s.users[sc.Account]
		if a == nil || u == nil {
			return spring.Code{}, false
		}
		return spring.Code{Value: value, RedirectURI: sc.RedirectURI, Grant: s.grant(ctx, a, u)}, true
	}
	return s.codes.Consume(mock.SessionID(ctx), value, s.deps.Now(ctx))
}

// refresh is POST /openapi/apiManage/refreshToken: checks R1–R3, then a
// rotated pair.
func (s *Service) refresh(c *gin.Context, a *app, req tokenRequest) {
	ctx := c.Request.Context()
	if req.RefreshToken == "" {
		s.writeFailure(c, a, failRefreshBadRequest, "")
		return
	}
	now := s.deps.Now(ctx)
	t, err := s.tokens.Refresh(mock.SessionID(ctx), a.AppKey, req.RefreshToken, now, s.policy(true), mock.TokenTTL(ctx), nil)
	switch {
	case errors.Is(err, spring.ErrRefreshExpired):
		s.writeFailure(c, a, failRefreshExpired, "")
		return
	case err != nil:
		s.writeFailure(c, a, failInvalidRefresh, "")
		return
	}
	expiresIn := spring.ExpiresIn(t.ExpiresAt, now)
	s.writeSuccess(c, a, refreshData{t.Value, t.Refresh, "1", "bearer", expiresIn}, t, expiresIn)
}

// writeSuccess is the one place a success is written, in the app's shape.
func (s *Service) writeSuccess(c *gin.Context, a *app, data any, t spring.Access, expiresIn int64) {
	rsn := s.serial(c.Request.Context())
	if a.Documented() {
		writeJSON(c, http.StatusOK, envelope{rsn, "1", "success", data})
		return
	}
	writeJSON(c, http.StatusOK, observedSuccess{"success", "1", data, t.Value, "bearer", t.Refresh, expiresIn, rsn})
}
