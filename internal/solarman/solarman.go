// Package solarman is the SOLARMAN OpenAPI token endpoint and its /info
// companion, as vendors/solarman.md describes them, and the data endpoints
// of vendors/solarman-data.md: RS256 JWTs, HTTP 200 for every answer, and
// the vendor's failure codes.
package solarman

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/tokenmock/tokenmock/internal/fixture"
	"github.com/tokenmock/tokenmock/internal/mock"
)

// Service serves one fixture set. It is safe for concurrent use.
type Service struct {
	deps       mock.Deps
	mdc        string
	signer     *signer
	apps       map[string]*fixture.SolarmanApp
	users      map[int64]*fixture.SolarmanUser
	byUsername map[string]*fixture.SolarmanUser
	byEmail    map[string]*fixture.SolarmanUser // lower case
	byMobile   map[string]*fixture.SolarmanUser // by mobileKey
	digests    map[int64]string
	limits     *limits
	issued     *issued
	stations   []*station // by id
	byStation  map[int64]*station
	bySN       map[string]*device
	// tokenErrorStatus answers token_not_found and token_invalid
	// (settings.token_error_status).
	tokenErrorStatus int
}

// New returns the service for fx (nil: no apps, a generated key). A key
// that does not parse is an error; the fixture validator reports it first.
func New(fx *fixture.Solarman, deps mock.Deps) (*Service, error) {
	if fx == nil {
		fx = &fixture.Solarman{}
	}
	var key *rsa.PrivateKey
	var err error
	if fx.SigningKeyPEM != "" {
		key, err = fx.SigningKey()
	} else {
		key, err = rsa.GenerateKey(rand.Reader, 2048)
	}
	if err != nil {
		return nil, fmt.Errorf("solarman signing key: %w", err)
	}
	s := &Service{
		deps:       deps.WithDefaults(),
		mdc:        fx.MDC,
		signer:     newSigner(key),
		apps:       map[string]*fixture.SolarmanApp{},
		users:      map[int64]*fixture.SolarmanUser{},
		byUsername: map[string]*fixture.SolarmanUser{},
		byEmail:    map[string]*fixture.SolarmanUser{},
		byMobile:   map[string]*fixture.SolarmanUser{},
		digests:    map[int64]string{},
		limits:     newLimits(),
		issued:     newIssued(deps.WithDefaults().StoreCap, mock.StoreGlobalCap),

		tokenErrorStatus: fx.Settings.TokenErrorStatusOrDefault(),
	}
	s.stations, s.byStation, s.bySN, err = newStations(fx.Stations)
	if err != nil {
		return nil, err
	}
	if s.mdc == "" {
		s.mdc = fixture.DefaultSolarmanMDC
	}
	for i := range fx.Apps {
		s.apps[fx.Apps[i].AppID] = &fx.Apps[i]
	}
	for i := range fx.Users {
		u := &fx.Users[i]
		s.users[u.UserID] = u
		s.digests[u.UserID] = u.Digest()
		if u.Username != "" {
			s.byUsername[u.Username] = u
		}
		if u.Email != "" {
			s.byEmail[strings.ToLower(u.Email)] = u
		}
		if u.Mobile != "" {
			s.byMobile[mobileKey(u.CountryCode, u.Mobile)] = u
		}
	}
	return s, nil
}

// table is the vendor's endpoints and failures (vendors/solarman.md).
var table = mock.Table[*Service]{
	Vendor:   "solarman",
	Internal: func(s *Service, c *gin.Context) { s.writeFailure(c, failRemoteRPC) },
	Endpoints: []mock.Endpoint[*Service]{
		{ID: EndpointToken, Methods: post, Paths: []string{"/account/v1.0/token"}, Handle: (*Service).token,
			Other: mock.AllowPost[*Service], Tokens: true, JSON: true},
		{ID: EndpointInfo, Methods: post, Paths: []string{"/account/v1.0/info"}, Handle: (*Service).info,
			Other: mock.AllowPost[*Service], JSON: true},
		{ID: EndpointStations, Methods: post, Paths: []string{"/station/v1.0/list"}, Handle: (*Service).stationList,
			Other: mock.AllowPost[*Service], JSON: true},
		{ID: EndpointStationRealtime, Methods: post, Paths: []string{"/station/v1.0/realTime"}, Handle: (*Service).stationRealtime,
			Other: mock.AllowPost[*Service], JSON: true},
		{ID: EndpointStationDevices, Methods: post, Paths: []string{"/station/v1.0/device"}, Handle: (*Service).stationDevices,
			Other: mock.AllowPost[*Service], JSON: true},
		{ID: EndpointDeviceCurrent, Methods: post, Paths: []string{"/device/v1.0/currentData"}, Handle: (*Service).deviceCurrent,
			Other: mock.AllowPost[*Service], JSON: true},
	},
	Failures: failureRows(),
}

var post = []string{http.MethodPost}

// Spec describes the vendor's endpoints and failures without fixtures.
func Spec() mock.Spec { return table.Spec() }

// Routes is the vendor's table bound to s.
func (s *Service) Routes() mock.Routes { return table.Bind(s) }

// MountAdmin adds GET /_mock/jwks.
func (s *Service) MountAdmin(r gin.IRouter) {
	r.GET("/jwks", func(c *gin.Context) { mock.WriteJSON(c, http.StatusOK, "application/json", s.signer.jwks()) })
}

// Sweep drops the counters and tokens of sessions that are gone, and
// tokens long expired (mock.Sweeper).
func (s *Service) Sweep(now func(session uint64) (time.Time, bool), wall time.Time) int {
	return s.limits.sweep(now) + s.issued.sweep(now, wall)
}

// Reset forgets every rate window, quota use and token of every session.
func (s *Service) Reset() {
	s.limits.clear()
	s.issued.clear()
}

func (s *Service) requestID() string { return s.deps.IDs.Hex(16) }

// issue signs a token pair for the session and builds the success body.
func (s *Service) issue(session uint64, u *fixture.SolarmanUser, m *fixture.SolarmanMembership, identifier string, kind int, appID string, now time.Time, ttl time.Duration) (tokenResponse, error) {
	if ttl <= 0 {
		ttl = tokenLifetime
	}
	d := detail{RoleID: -1, UserID: u.UserID, Version: u.TokenVersion(), Identifier: identifier, IdentityType: kind, MDC: s.mdc, AppID: appID}
	if m != nil {
		d.OrganizationID, d.TopGroupID, d.GroupID, d.RoleID = m.OrgID, m.TopGroupID, m.Group(), m.Role()
	}
	userName := fmt.Sprintf("%d_%s_%d", d.OrganizationID, identifier, kind)
	exp := now.Truncate(time.Second).Add(ttl).Unix()
	ac := accessClaims{UserName: userName, Scope: all, Detail: d, Exp: exp, MDC: s.mdc, Authorities: all, JTI: s.deps.IDs.UUID(), ClientID: "test"}
	access, err := s.signer.sign(ac)
	if err != nil {
		return tokenResponse{}, err
	}
	refresh, err := s.signer.sign(refreshClaims{UserName: userName, Scope: all, ATI: ac.JTI, Detail: d, MDC: s.mdc, Authorities: all, JTI: s.deps.IDs.UUID(), ClientID: "test"})
	if err != nil {
		return tokenResponse{}, err
	}
	s.issued.add(session, ac.JTI, exp)
	bearer := "bearer"
	expiresIn := strconv.FormatInt(int64(ttl/time.Second)-1, 10)
	uid := u.UserID
	return tokenResponse{
		Success: true, RequestID: s.requestID(), AccessToken: &access, TokenType: &bearer,
		RefreshToken: &refresh, ExpiresIn: &expiresIn, UID: &uid,
	}, nil
}

// accessToken validates an access token: our signature, an access token
// (it has exp and no ati) issued in the request's session, not expired by
// the session's clock (at exp it already is), and its user still in the
// fixtures.
func (s *Service) accessToken(ctx context.Context, token string) (*parsedClaims, bool) {
	c, p, _ := s.checkAccess(ctx, token)
	if p != tokenOK {
		return nil, false
	}
	return c, true
}

// tokenProblem is why an access token is refused.
type tokenProblem int

const (
	tokenOK tokenProblem = iota
	tokenNotOurs
	tokenNotAccess
	tokenOtherSession
	tokenExpired
	tokenUserGone
)

// checkAccess is accessToken telling what is wrong; err is the signature
// check's error for tokenNotOurs.
func (s *Service) checkAccess(ctx context.Context, token string) (*parsedClaims, tokenProblem, error) {
	c, err := s.signer.verify(token)
	switch {
	case err != nil:
		return nil, tokenNotOurs, err
	case c.Exp == nil || c.ATI != "":
		return c, tokenNotAccess, nil
	case !s.issued.known(mock.SessionID(ctx), c.JTI):
		return c, tokenOtherSession, nil
	case s.deps.Now(ctx).Unix() >= *c.Exp:
		return c, tokenExpired, nil
	case s.users[c.Detail.UserID] == nil:
		return c, tokenUserGone, nil
	}
	return c, tokenOK, nil
}

// noteTokenProblem notes why a token is refused, never with its value.
func (s *Service) noteTokenProblem(gc *gin.Context, c *parsedClaims, p tokenProblem, err error) {
	switch p {
	case tokenNotOurs:
		mock.NoteReason(gc, "%v", err)
	case tokenNotAccess:
		mock.NoteReason(gc, "a refresh token was sent where an access token is needed")
	case tokenOtherSession:
		mock.NoteReason(gc, "token not issued in session %s (another session's, or from before a reset)", mock.SessionName(gc))
	case tokenExpired:
		now := s.deps.Now(gc.Request.Context())
		mock.NoteReason(gc, "access token %s", mock.ExpiredAt(time.Unix(*c.Exp, 0), now))
	case tokenUserGone:
		mock.NoteReason(gc, "user %d of the token is not in the fixtures", c.Detail.UserID)
	}
}

// authorize runs the checks of every call that takes a token, in the
// order of vendors/solarman-data.md §4: the Authorization header
// (token_not_found), the token (token_invalid), then the app of the token
// (its lock, rate window and quota). A failure's reason is noted.
func (s *Service) authorize(c *gin.Context) (*parsedClaims, *failure) {
	header := c.GetHeader("Authorization")
	scheme, token, _ := strings.Cut(header, " ")
	token = strings.TrimLeft(token, " ")
	switch {
	case header == "":
		mock.NoteReason(c, "no Authorization header")
		return nil, &failTokenNotFound
	case !strings.EqualFold(scheme, "bearer"):
		mock.NoteReason(c, "Authorization scheme %q is not Bearer", scheme)
		return nil, &failTokenNotFound
	case token == "":
		mock.NoteReason(c, "Authorization: Bearer without a token")
		return nil, &failTokenNotFound
	}
	claims, p, err := s.checkAccess(c.Request.Context(), token)
	if p != tokenOK {
		s.noteTokenProblem(c, claims, p, err)
		return nil, &failTokenInvalid
	}
	app := s.apps[claims.Detail.AppID]
	if app == nil {
		mock.NoteReason(c, "appId %s of the token unknown", claims.Detail.AppID)
		return nil, &failTokenInvalid
	}
	if f := s.admit(c, app); f != nil {
		return nil, f
	}
	return claims, nil
}

// info is POST /account/v1.0/info.
func (s *Service) info(c *gin.Context) {
	claims, f := s.authorize(c)
	if f != nil {
		s.writeFailure(c, *f)
		return
	}
	list := []orgInfo{}
	for _, m := range s.users[claims.Detail.UserID].Memberships {
		list = append(list, orgInfo{m.OrgID, m.CompanyName, m.RoleName})
	}
	writeJSON(c, infoResponse{Success: true, RequestID: s.requestID(), OrgInfoList: list})
}

// Introspect describes a token signed by this mock for the session of
// ctx; a token of another session is unknown, as on every endpoint.
func (s *Service) Introspect(ctx context.Context, token string) (mock.Introspection, bool) {
	c, err := s.signer.verify(token)
	if err != nil {
		return mock.Introspection{}, false
	}
	jti := c.JTI
	if c.ATI != "" {
		jti = c.ATI // a refresh token goes with its access token
	}
	if !s.issued.known(mock.SessionID(ctx), jti) {
		return mock.Introspection{}, false
	}
	in := mock.Introspection{Vendor: table.Vendor, Kind: "refresh", Client: c.Detail.AppID, User: c.Detail.Identifier}
	if c.Exp != nil && c.ATI == "" {
		_, in.Active = s.accessToken(ctx, token)
		in.Kind, in.ExpiresAt = "access", time.Unix(*c.Exp, 0).UTC()
	}
	return in, true
}
