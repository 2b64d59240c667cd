// Package isolar is the Sungrow iSolarCloud OpenAPI: its authorization web
// page, its token endpoints behind the gateway checks, and the data
// endpoints that take the tokens, as vendors/isolarcloud.md and
// vendors/isolarcloud-data.md describe them.
package isolar

import (
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/tokenmock/tokenmock/internal/fixture"
	"github.com/tokenmock/tokenmock/internal/mock"
	"github.com/tokenmock/tokenmock/internal/spring"
)

type app = fixture.IsolarApp

// grantData is what an iSolarCloud grant carries besides client and user.
type grantData struct {
	UserID int64
	Plants []string // auth_ps_list
	// visible are the plants the data calls show (those of Plants that are
	// plant ids), in grant order; sees has them by id.
	visible []*plant
	sees    map[int64]*plant
}

// Service serves one fixture set. It is safe for concurrent use.
type Service struct {
	deps     mock.Deps
	settings fixture.IsolarSettings
	zone     *time.Location // of req_serial_num's date

	appList  []*app
	userList []*fixture.IsolarUser
	apps     map[string]*app // by appkey
	byAppID  map[string]*app // by application_id
	users    map[string]*fixture.IsolarUser
	static   map[string]fixture.IsolarStaticCode

	grants map[string]*grantData // by account: one per user, shared by its tokens

	tokens  *spring.Tokens
	codes   *spring.Codes
	tickets *spring.Codes // consent-page tickets, one-time like codes

	// What became of codes, tickets and rotated refresh tokens once the
	// stores forgot them, for the reasons of refusals only.
	codeHistory, ticketHistory, rotated *history

	data   *dataModel
	quotas *quotas
}

// New returns the service for fx (nil: no apps at all).
func New(fx *fixture.Isolar, deps mock.Deps) *Service {
	if fx == nil {
		fx = &fixture.Isolar{}
	}
	deps = deps.WithDefaults()
	s := &Service{
		deps:          deps,
		settings:      fx.Settings.WithDefaults(),
		apps:          map[string]*app{},
		byAppID:       map[string]*app{},
		users:         map[string]*fixture.IsolarUser{},
		grants:        map[string]*grantData{},
		static:        map[string]fixture.IsolarStaticCode{},
		tokens:        spring.NewTokens(deps.IDs.UUID, deps.StoreCap, mock.StoreGlobalCap),
		codes:         spring.NewCodes(deps.StoreCap, mock.StoreGlobalCap),
		tickets:       spring.NewCodes(deps.StoreCap, mock.StoreGlobalCap),
		codeHistory:   newHistory(deps.StoreCap, mock.StoreGlobalCap),
		ticketHistory: newHistory(deps.StoreCap, mock.StoreGlobalCap),
		rotated:       newHistory(deps.StoreCap, mock.StoreGlobalCap),
		data:          newDataModel(fx),
		quotas:        newQuotas(),
	}
	s.zone = time.FixedZone("", int(s.settings.SerialUTCOffset.Seconds()))
	for i := range fx.Apps {
		a := &fx.Apps[i]
		s.appList = append(s.appList, a)
		s.apps[a.AppKey] = a
		s.byAppID[a.ApplicationID] = a
	}
	for i := range fx.Users {
		s.users[fx.Users[i].Account] = &fx.Users[i]
		s.userList = append(s.userList, &fx.Users[i])
		g := &grantData{UserID: fx.Users[i].UserID, Plants: fx.Users[i].Plants}
		g.visible, g.sees = s.data.visible(g.Plants)
		s.grants[fx.Users[i].Account] = g
	}
	for _, c := range fx.StaticCodes {
		s.static[c.Code] = c
	}
	return s
}

// table is the vendor's endpoints and failures (vendors/isolarcloud.md,
// vendors/isolarcloud-data.md).
var table = mock.Table[*Service]{
	Vendor: "isolar",
	Internal: func(s *Service, c *gin.Context) {
		mock.NoteReason(c, "the handler panicked (the error log has the panic)")
		s.writeFailure(c, nil, failInternal, "")
	},
	Endpoints: []mock.Endpoint[*Service]{
		{ID: EndpointAuthorize, Methods: get, Paths: []string{"/"}, Handle: (*Service).shim},
		{ID: EndpointAuthorize, Methods: get, Paths: []string{"/authorized-app"}, Handle: (*Service).authorize},
		{ID: EndpointAuthorize, Methods: post, Paths: []string{"/authorized-app/login"}, Handle: (*Service).login},
		{ID: EndpointAuthorize, Methods: post, Paths: []string{"/authorized-app/consent"}, Handle: (*Service).consent},
		{ID: EndpointToken, Methods: post, Paths: []string{"/openapi/apiManage/token"}, Handle: gated((*Service).token),
			Other: mock.AllowPost[*Service], Tokens: true, JSON: true},
		{ID: EndpointRefresh, Methods: post, Paths: []string{"/openapi/apiManage/refreshToken"}, Handle: gated((*Service).refresh),
			Other: mock.AllowPost[*Service], Tokens: true, JSON: true},
		{ID: EndpointPlants, Methods: post, Paths: []string{pathPlants}, Handle: guarded(EndpointPlants, (*Service).plants),
			Other: mock.AllowPost[*Service], JSON: true},
		{ID: EndpointPlantRealtime, Methods: post, Paths: []string{pathPlantRealtime}, Handle: guarded(EndpointPlantRealtime, (*Service).plantRealtime),
			Other: mock.AllowPost[*Service], JSON: true},
		{ID: EndpointDevices, Methods: post, Paths: []string{pathDevices}, Handle: guarded(EndpointDevices, (*Service).devices),
			Other: mock.AllowPost[*Service], JSON: true},
		{ID: EndpointDeviceRealtime, Methods: post, Paths: []string{pathDeviceRealtime}, Handle: guarded(EndpointDeviceRealtime, (*Service).deviceRealtime),
			Other: mock.AllowPost[*Service], JSON: true},
	},
	Failures: failureRows(),
	// The gateway answers E996 for any /openapi/ path it does not serve.
	Prefix: "/openapi/",
	NotFound: func(s *Service, c *gin.Context) {
		mock.NoteReason(c, "the mock serves no endpoint at %s %s", c.Request.Method, shown(c.Request.URL.Path))
		s.writeFailure(c, nil, failAPINotFound, "")
	},
}

var (
	get  = []string{http.MethodGet}
	post = []string{http.MethodPost}
)

// Spec describes the vendor's endpoints and failures without fixtures.
func Spec() mock.Spec { return table.Spec() }

// Routes is the vendor's table bound to s.
func (s *Service) Routes() mock.Routes { return table.Bind(s) }

// serial is a req_serial_num: the date in the vendor's zone and the last 24
// hex digits of a random UUID.
func (s *Service) serial(ctx context.Context) string {
	return s.deps.Now(ctx).In(s.zone).Format("20060102") + s.deps.IDs.UUIDHex()[8:]
}

func (s *Service) policy(reuse bool) spring.Policy {
	return spring.Policy{
		AccessTTL:  s.settings.AccessTTL,
		RefreshTTL: s.settings.RefreshTTL,
		Refresh:    true,
		ReuseLive:  reuse && *s.settings.ReuseLiveToken,
		Rotate:     true,
	}
}

func (s *Service) grant(ctx context.Context, a *app, u *fixture.IsolarUser) spring.Grant {
	return spring.Grant{
		Session: mock.SessionID(ctx),
		Client:  a.AppKey,
		User:    u.Account,
		Data:    s.grants[u.Account],
	}
}

// Reset forgets every code, ticket, token and quota count.
func (s *Service) Reset() {
	s.tokens.Clear()
	s.codes.Clear()
	s.tickets.Clear()
	s.quotas.clear()
	s.codeHistory.clear()
	s.ticketHistory.clear()
	s.rotated.clear()
}

// Sweep drops expired codes, tickets and tokens, and the quota counts of
// sessions that are gone (mock.Sweeper).
func (s *Service) Sweep(now func(session uint64) (time.Time, bool), wall time.Time) int {
	return s.tokens.Sweep(now, wall) + s.codes.Sweep(now, wall) + s.tickets.Sweep(now, wall) + s.quotas.sweep(now) +
		s.codeHistory.sweep(now, wall) + s.ticketHistory.sweep(now, wall) + s.rotated.sweep(now, wall)
}

// Introspect describes a token of the session in ctx.
func (s *Service) Introspect(ctx context.Context, token string) (mock.Introspection, bool) {
	t, ok := s.tokens.Lookup(mock.SessionID(ctx), token)
	if !ok {
		return mock.Introspection{}, false
	}
	return mock.Introspection{
		Active:    s.deps.Now(ctx).Before(t.ExpiresAt),
		Vendor:    table.Vendor,
		Kind:      t.Kind,
		Client:    t.Grant.Client,
		User:      t.Grant.User,
		ExpiresAt: t.ExpiresAt.UTC(),
	}, true
}

// mintRequest is the isolar form of POST /_mock/codes.
type mintRequest struct {
	Vendor      string `json:"vendor"`
	AppKey      string `json:"appkey"`
	User        string `json:"user"`
	RedirectURI string `json:"redirect_uri"`
	Code        string `json:"code"`
}

// MintCode issues a code as the consent page would. An omitted user is the
// first fixture user; an omitted redirect_uri the app's first.
func (s *Service) MintCode(ctx context.Context, raw json.RawMessage) (string, error) {
	var req mintRequest
	if err := mock.DecodeStrict(raw, &req); err != nil {
		return "", err
	}
	var problems []string
	a := s.apps[req.AppKey]
	switch {
	case req.AppKey == "":
		problems = append(problems, "appkey: required (one of "+s.appKeys()+")")
	case a == nil:
		problems = append(problems, "appkey: unknown app "+quote(req.AppKey)+" (want one of "+s.appKeys()+")")
	}
	u := s.users[req.User]
	if req.User == "" && len(s.userList) > 0 {
		u = s.userList[0]
	}
	switch {
	case u != nil:
	case req.User == "":
		problems = append(problems, "user: the fixtures have no isolar user to default to")
	default:
		problems = append(problems, "user: unknown account "+quote(req.User))
	}
	switch {
	case a == nil:
	case len(a.RedirectURIs) == 0:
		problems = append(problems, "redirect_uri: the app registers none")
	case req.RedirectURI == "":
		req.RedirectURI = a.RedirectURIs[0]
	case !slices.Contains(a.RedirectURIs, req.RedirectURI):
		problems = append(problems, "redirect_uri: not registered for the app: "+quote(req.RedirectURI)+
			" (registered: "+strings.Join(a.RedirectURIs, ", ")+")")
	}
	if req.Code != "" && !spring.ValidCodeValue(req.Code) {
		problems = append(problems, "code: want 1 to 64 of [A-Za-z0-9._~-]")
	}
	if _, ok := s.static[req.Code]; ok {
		problems = append(problems, "code: "+quote(req.Code)+" is a static code of the fixtures")
	}
	if len(problems) > 0 {
		return "", mock.BadRequest("invalid code request", problems...)
	}
	code := spring.Code{
		Value:       req.Code,
		ExpiresAt:   s.deps.Now(ctx).Add(s.settings.CodeTTL),
		RedirectURI: req.RedirectURI,
		Grant:       s.grant(ctx, a, u),
	}
	value, err := s.addCode(code)
	if err != nil {
		return "", &mock.AdminError{Status: http.StatusConflict, Message: "code " + quote(req.Code) + " already exists in this session"}
	}
	return value, nil
}

// addCode stores c, drawing a fresh six-character value when c has none
// (never one of the static codes).
func (s *Service) addCode(c spring.Code) (string, error) {
	v, err := s.codes.AddDrawn(c, func() string { return s.deps.IDs.Alnum(6) }, func(v string) bool {
		_, static := s.static[v]
		return static
	})
	if err == nil {
		s.codeHistory.issued(c.Grant.Session, v, c.ExpiresAt)
	}
	return v, err
}

func quote(s string) string { return strconv.Quote(s) }

// appKeys lists the fixtures' appkeys, for an admin error.
func (s *Service) appKeys() string {
	if len(s.appList) == 0 {
		return "none: the fixtures have no isolar app"
	}
	keys := make([]string, len(s.appList))
	for i, a := range s.appList {
		keys[i] = a.AppKey
	}
	return strings.Join(keys, ", ")
}
