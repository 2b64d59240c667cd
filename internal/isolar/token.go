package isolar

import (
	"bytes"
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
// appkey, and returns the app, or the failure to answer with its reason
// noted. body is the raw request body, read again only to explain a
// missing appkey.
func (s *Service) gateway(c *gin.Context, appKey string, body []byte) (*app, *failure) {
	key := c.GetHeader("x-access-key")
	if key == "" {
		mock.NoteReason(c, "no x-access-key header")
		return nil, &failMissingAccessKey
	}
	byKey := s.appByAccessKey(key)
	if byKey == nil {
		if a := s.apps[key]; a != nil {
			mock.NoteReason(c, "x-access-key is app %s's appkey, not its secret key", a.AppKey)
		} else {
			mock.NoteReason(c, "x-access-key matches no app's secret key")
		}
		return nil, &failIllegalAccessKey
	}
	if appKey == "" {
		mock.NoteReason(c, "%s", noAppKey(c, body))
		return nil, &failMissingAppKey
	}
	a := s.apps[appKey]
	if a == nil {
		mock.NoteReason(c, "appkey %s unknown", shown(appKey))
		return nil, &failInvalidAppKey
	}
	if a != byKey {
		mock.NoteReason(c, "x-access-key is the secret key of app %s, not of appkey %s", byKey.AppKey, a.AppKey)
		return nil, &failAppKeyMismatch
	}
	return a, nil
}

// noAppKey says why a body gave no appkey.
func noAppKey(c *gin.Context, body []byte) string {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(body, &m); err != nil || m == nil {
		what := "not a JSON object"
		if len(bytes.TrimSpace(body)) == 0 {
			what = "empty"
		}
		ct := c.ContentType()
		if ct == "" {
			ct = "none"
		}
		return "body is " + what + " (Content-Type " + ct + "; the gateway reads JSON whatever the type), so no appkey"
	}
	raw, ok := m["appkey"]
	switch {
	case !ok:
		return "no appkey in the body"
	case string(raw) == "null":
		return "appkey is null"
	case len(raw) > 0 && raw[0] != '"':
		return "appkey is not a string: " + shown(string(raw))
	}
	return "appkey is empty"
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
		body := mock.Req(c).Body
		req := parseBody(body)
		a, f := s.gateway(c, req.AppKey, body)
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
		mock.NoteReason(c, "app %s has oauth_enabled: false", a.AppKey)
		s.writeFailure(c, a, failInvalidClient, "")
		return
	}
	if req.GrantType != "authorization_code" {
		if req.GrantType == "" {
			mock.NoteReason(c, "no grant_type (want authorization_code)")
		} else {
			mock.NoteReason(c, "grant_type %s unsupported (want authorization_code)", shown(req.GrantType))
		}
		s.writeFailure(c, a, failUnsupportedGrant, req.GrantType)
		return
	}
	code, ok := s.redeem(c, req.Code)
	if !ok {
		s.writeFailure(c, a, failInvalidCode, req.Code)
		return
	}
	if req.RedirectURI != code.RedirectURI {
		if req.RedirectURI == "" {
			mock.NoteReason(c, "no redirect_uri; code %s was issued for %s", shown(code.Value), code.RedirectURI)
		} else {
			mock.NoteReason(c, "code %s was issued for redirect_uri %s, not %s", shown(code.Value), code.RedirectURI, shown(req.RedirectURI))
		}
		s.writeFailure(c, a, failRedirectMismatch, "")
		return
	}
	if code.Grant.Client != a.AppKey {
		mock.NoteReason(c, "code %s was issued to app %s, not %s", shown(code.Value), code.Grant.Client, a.AppKey)
		s.writeFailure(c, a, failUnauthorized, "")
		return
	}
	gd, ok := code.Grant.Data.(*grantData)
	if !ok { // every grant of this service carries its data
		mock.NoteReason(c, "code %s carries no grant data (a bug of the mock)", shown(code.Value))
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
// When there is none it notes why.
func (s *Service) redeem(c *gin.Context, value string) (spring.Code, bool) {
	if value == "" {
		mock.NoteReason(c, "no code in the body")
		return spring.Code{}, false
	}
	ctx := c.Request.Context()
	if sc, ok := s.static[value]; ok {
		a, u := s.apps[sc.AppKey], s.users[sc.Account]
		if a == nil || u == nil {
			mock.NoteReason(c, "static code %s names app %s and account %s, not both in the fixtures", shown(value), shown(sc.AppKey), shown(sc.Account))
			return spring.Code{}, false
		}
		return spring.Code{Value: value, RedirectURI: sc.RedirectURI, Grant: s.grant(ctx, a, u)}, true
	}
	session, now := mock.SessionID(ctx), s.deps.Now(ctx)
	code, ok := s.codes.Consume(session, value, now)
	if ok {
		s.codeHistory.spent(session, value, code.ExpiresAt, now)
		return code, true
	}
	f, known := s.codeHistory.of(session, value)
	switch {
	case !known:
		mock.NoteReason(c, "code %s unknown in session %s", shown(value), mock.SessionName(c))
	case !f.used.IsZero():
		mock.NoteReason(c, "code %s already used at %s", shown(value), stamp(f.used))
	case !now.Before(f.expires):
		s.codeHistory.spent(session, value, f.expires, now) // the store dropped it just now
		mock.NoteReason(c, "code %s %s", shown(value), mock.ExpiredAt(f.expires, now))
	default: // another request took it a moment ago
		mock.NoteReason(c, "code %s already used", shown(value))
	}
	return spring.Code{}, false
}

// refresh is POST /openapi/apiManage/refreshToken: checks R1–R3, then a
// rotated pair.
func (s *Service) refresh(c *gin.Context, a *app, req tokenRequest) {
	ctx := c.Request.Context()
	if req.RefreshToken == "" {
		mock.NoteReason(c, "no refresh_token in the body")
		s.writeFailure(c, a, failRefreshBadRequest, "")
		return
	}
	now, session := s.deps.Now(ctx), mock.SessionID(ctx)
	// Looked up first only to explain a refusal; Refresh decides.
	old, known := s.tokens.Lookup(session, req.RefreshToken)
	t, err := s.tokens.Refresh(session, a.AppKey, req.RefreshToken, now, s.policy(true), mock.TokenTTL(ctx), nil)
	switch {
	case errors.Is(err, spring.ErrRefreshExpired):
		mock.NoteReason(c, "refresh token %s", mock.ExpiredAt(old.ExpiresAt, now))
		s.writeFailure(c, a, failRefreshExpired, "")
		return
	case err != nil:
		mock.NoteReason(c, "%s", s.whyNoRefresh(c, a, old, known, req.RefreshToken))
		s.writeFailure(c, a, failInvalidRefresh, "")
		return
	}
	s.rotated.spent(session, req.RefreshToken, old.ExpiresAt, now)
	expiresIn := spring.ExpiresIn(t.ExpiresAt, now)
	s.writeSuccess(c, a, refreshData{t.Value, t.Refresh, "1", "bearer", expiresIn}, t, expiresIn)
}

// whyNoRefresh explains a refresh token refused as invalid; old is what
// the store held under its value before the attempt.
func (s *Service) whyNoRefresh(c *gin.Context, a *app, old spring.Token, known bool, value string) string {
	switch {
	case known && old.Kind != "refresh":
		return "an access token was sent as refresh_token"
	case known && old.Grant.Client != a.AppKey:
		return "refresh token was issued to app " + old.Grant.Client + ", not " + a.AppKey
	}
	if f, ok := s.rotated.of(mock.SessionID(c.Request.Context()), value); ok {
		return "refresh token was rotated by an earlier refresh at " + stamp(f.used)
	}
	return "refresh token unknown in session " + mock.SessionName(c)
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
