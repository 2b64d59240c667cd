// Package oauth is the DI open platform: a Spring Security OAuth2 2.x
// authorization server (vendors/di-oauth2.md) with its login and approval
// pages, and the resource server of its protected API
// (vendors/di-resource.md), built on the Spring services of package spring.
package oauth

import (
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/tokenmock/tokenmock/internal/fixture"
	"github.com/tokenmock/tokenmock/internal/mock"
	"github.com/tokenmock/tokenmock/internal/spring"
)

// Endpoint ids of the DI platform.
const (
	EndpointAuthorize  = "oauth.authorize"
	EndpointToken      = "oauth.token"
	EndpointResource   = "oauth.resource"
	EndpointCheckToken = "oauth.check_token"
)

// Paths of the protected API and of Spring's token check.
const (
	ResourcePath   = "/api/patent/search/expression"
	CheckTokenPath = "/oauth/check_token"
)

// never stands for a lifetime of "never expires" (validity <= 0).
const never = 100 * 365 * 24 * time.Hour

type client = fixture.OAuthClient

// Service is the DI open platform: a Spring Security OAuth2 2.x
// authorization server (vendors/di-oauth2.md). Safe for concurrent use.
type Service struct {
	deps     mock.Deps
	clients  map[string]*client
	users    map[string]*fixture.OAuthUser
	userList []*fixture.OAuthUser
	settings fixture.OAuthSettings
	headers  map[string]string

	tokens   *spring.Tokens
	codes    *spring.Codes
	browsers *browsers

	// The protected API (vendors/di-resource.md §3a).
	resourceID        string
	requiredScope     string // "": none
	requiredAuthority string // "": none
	records           []json.RawMessage
}

// New returns the platform for fx (nil: no clients).
func New(fx *fixture.OAuth, deps mock.Deps) *Service {
	if fx == nil {
		fx = &fixture.OAuth{}
	}
	deps = deps.WithDefaults()
	s := &Service{
		deps:     deps,
		clients:  map[string]*client{},
		users:    map[string]*fixture.OAuthUser{},
		settings: fx.Settings,
		headers:  fx.Settings.ResponseHeaders,
		tokens:   spring.NewTokens(deps.IDs.UUID, deps.StoreCap, mock.StoreGlobalCap),
		codes:    spring.NewCodes(deps.StoreCap, mock.StoreGlobalCap),
		browsers: newBrowsers(deps.StoreCap, mock.StoreGlobalCap),
	}
	if s.headers == nil {
		s.headers = fixture.DefaultOAuthResponseHeaders()
	}
	if s.settings.CodeTTL == 0 {
		s.settings.CodeTTL = fixture.DefaultOAuthCodeTTL
	}
	s.resourceID = fx.Resource.ID()
	s.requiredScope = fx.Resource.Scope()
	s.requiredAuthority = fx.Resource.RequiredAuthority
	// Load has validated the records; a record that is no JSON object can
	// only come from a fixture built in code, and leaves the API none.
	s.records, _ = fx.Resource.RecordsJSON()
	for i := range fx.Clients {
		s.clients[fx.Clients[i].ClientID] = &fx.Clients[i]
	}
	for i := range fx.Users {
		s.users[fx.Users[i].Username] = &fx.Users[i]
		s.userList = append(s.userList, &fx.Users[i])
	}
	return s
}

// table is the platform's endpoints and failures (vendors/di-oauth2.md).
var table = mock.Table[*Service]{
	Vendor: "oauth",
	Use:    (*Service).platformHeaders,
	Internal: func(_ *Service, c *gin.Context) {
		writeErrorPage(c, http.StatusInternalServerError, "server_error", "Internal Server Error")
	},
	Endpoints: []mock.Endpoint[*Service]{
		{ID: EndpointAuthorize, Methods: []string{http.MethodGet, http.MethodPost}, Paths: []string{"/oauth/authorize"},
			Handle: (*Service).authorize, Tokens: true}, // implicit grants issue tokens here
		{ID: EndpointAuthorize, Methods: []string{http.MethodGet}, Paths: []string{"/oauth/login"}, Handle: (*Service).loginPage},
		{ID: EndpointAuthorize, Methods: []string{http.MethodPost}, Paths: []string{"/oauth/login"}, Handle: (*Service).loginPost},
		// token answers every method itself: GET and the others differ.
		{ID: EndpointToken, Methods: mock.AnyMethod(), Paths: []string{"/oauth/token"}, Handle: (*Service).token,
			Internal: func(s *Service, c *gin.Context) { s.writeTokenError(c, errServerError) }, Tokens: true, JSON: true},
		// The resource server authenticates before Spring MVC looks at
		// the method, so the handler answers every method itself.
		{ID: EndpointResource, Methods: mock.AnyMethod(), Paths: []string{ResourcePath}, Handle: (*Service).resource, JSON: true},
		// Off by default: the handler answers Boot's 404 then, and the id
		// exists either way so that scenarios can name it.
		{ID: EndpointCheckToken, Methods: mock.AnyMethod(), Paths: []string{CheckTokenPath}, Handle: (*Service).checkToken, JSON: true},
	},
	Failures: failureRows(),
	// Spring's endpoints DI does not expose (/oauth/token_key) and any
	// other path under /oauth/ get Boot's 404.
	Prefix:   "/oauth/",
	NotFound: (*Service).notFound,
}

// Spec describes the platform's endpoints and failures without fixtures.
func Spec() mock.Spec { return table.Spec() }

// Routes is the platform's table bound to s.
func (s *Service) Routes() mock.Routes { return table.Bind(s) }

// notFound is Spring Boot's 404 body.
func (s *Service) notFound(c *gin.Context) {
	mock.NoteReason(c, "no endpoint at %s", c.Request.URL.Path)
	s.writeBootError(c, http.StatusNotFound, "No message available", c.Request.URL.Path)
}

// platformHeaders adds the fixture's response headers (the platform's
// gateway sends drivedby) to every answer under /oauth.
func (s *Service) platformHeaders(c *gin.Context) {
	for k, v := range s.headers {
		c.Header(k, v)
	}
}

// Reset forgets every code, token and browser session.
func (s *Service) Reset() {
	s.tokens.Clear()
	s.codes.Clear()
	s.browsers.clear()
}

// policy is the client's token policy; implicit grants get no refresh token.
func (s *Service) policy(cl *client, refresh bool) spring.Policy {
	p := spring.Policy{
		AccessTTL:  cl.AccessValidity(),
		RefreshTTL: cl.RefreshValidity(),
		Refresh:    refresh && slices.Contains(cl.Grants(), fixture.GrantRefreshToken),
		ReuseLive:  true,
		Rotate:     !cl.ReuseRefreshToken,
	}
	if p.AccessTTL == 0 {
		p.AccessTTL = never
	}
	if p.RefreshTTL == 0 {
		p.RefreshTTL = never
	}
	return p
}

// tokenBody is Spring's OAuth2AccessToken JSON, in its key order.
type tokenBody struct {
	AccessToken  string `json:"access_token"`
	TokenType    string `json:"token_type"`
	RefreshToken string `json:"refresh_token,omitempty"`
	ExpiresIn    *int64 `json:"expires_in,omitempty"`
	Scope        string `json:"scope,omitempty"`
}

func (s *Service) body(cl *client, a spring.Access, now time.Time) tokenBody {
	b := tokenBody{AccessToken: a.Value, TokenType: "bearer", RefreshToken: a.Refresh, Scope: a.Grant.Scope}
	if cl.AccessValidity() > 0 {
		n := spring.ExpiresIn(a.ExpiresAt, now)
		b.ExpiresIn = &n
	}
	return b
}

// Sweep drops expired codes and tokens (mock.Sweeper).
func (s *Service) Sweep(now func(session uint64) (time.Time, bool), wall time.Time) int {
	return s.tokens.Sweep(now, wall) + s.codes.Sweep(now, wall) + s.browsers.sweep(now)
}

// Introspect describes a token of the session in ctx.
func (s *Service) Introspect(ctx context.Context, token string) (mock.Introspection, bool) {
	t, ok := s.tokens.Lookup(mock.SessionID(ctx), token)
	if !ok {
		return mock.Introspection{}, false
	}
	in := mock.Introspection{
		Active: s.deps.Now(ctx).Before(t.ExpiresAt),
		Vendor: table.Vendor, Kind: t.Kind, Client: t.Grant.Client, User: t.Grant.User,
	}
	if cl := s.clients[t.Grant.Client]; cl == nil || cl.AccessValidity() > 0 {
		in.ExpiresAt = t.ExpiresAt.UTC()
	}
	return in, true
}

// mintRequest is the oauth form of POST /_mock/codes.
type mintRequest struct {
	Vendor      string `json:"vendor"`
	ClientID    string `json:"client_id"`
	User        string `json:"user"`
	RedirectURI string `json:"redirect_uri"`
	Scope       string `json:"scope"`
	Code        string `json:"code"`
}

// MintCode issues a code as an approval would. The user defaults to
// settings.default_user, else the first fixture user; the scope to the
// client's registered scopes; the redirect URI to the client's first
// registered one, to which the code is then bound (the exchange may omit
// redirect_uri or send that one, as after an authorize request without
// it).
func (s *Service) MintCode(ctx context.Context, raw json.RawMessage) (string, error) {
	var req mintRequest
	if err := mock.DecodeStrict(raw, &req); err != nil {
		return "", err
	}
	var problems []string
	cl := s.clients[req.ClientID]
	if cl == nil {
		ids := make([]string, 0, len(s.clients))
		for id := range s.clients {
			ids = append(ids, id)
		}
		slices.Sort(ids)
		what := "unknown client " + quote(req.ClientID)
		if req.ClientID == "" {
			what = "required"
		}
		problems = append(problems, "client_id: "+what+" (clients: "+listed(ids)+")")
	}
	if req.User == "" {
		req.User = s.settings.DefaultUser
		if req.User == "" && len(s.userList) > 0 {
			req.User = s.userList[0].Username
		}
	}
	if s.users[req.User] == nil {
		names := make([]string, 0, len(s.userList))
		for _, u := range s.userList {
			names = append(names, u.Username)
		}
		problems = append(problems, "user: unknown user "+quote(req.User)+" (users: "+listed(names)+")")
	}
	var redirect string
	var scopes []string
	if cl != nil {
		switch r, ok := resolveRedirect(cl, req.RedirectURI, true); {
		case req.RedirectURI == "" && len(cl.RedirectURIs) > 0:
			redirect = cl.RedirectURIs[0]
		case req.RedirectURI != "" && ok:
			redirect = r
		default:
			problems = append(problems, "redirect_uri: "+strings.TrimPrefix(redirectReason(cl, req.RedirectURI, true), "redirect_uri "))
		}
		var bad string
		switch scopes, bad = checkScopes(cl, parseList(req.Scope)); {
		case bad != "":
			problems = append(problems, "scope: "+quote(bad)+" is not registered for client "+cl.ClientID+" (registered: "+listed(cl.Scopes)+")")
		case len(scopes) == 0:
			problems = append(problems, "scope: client "+cl.ClientID+" has no registered scope")
		}
	}
	if req.Code != "" && !spring.ValidCodeValue(req.Code) {
		problems = append(problems, "code: want 1 to 64 of [A-Za-z0-9._~-]")
	}
	if len(problems) > 0 {
		return "", mock.BadRequest("invalid code request", problems...)
	}
	code := spring.Code{
		Value:        req.Code,
		ExpiresAt:    s.deps.Now(ctx).Add(s.settings.CodeTTL),
		RedirectURI:  redirect,
		RedirectSent: req.RedirectURI != "",
		Grant:        spring.Grant{Session: mock.SessionID(ctx), Client: cl.ClientID, User: req.User, Scope: strings.Join(scopes, " ")},
	}
	value, err := s.addCode(code)
	if err != nil {
		return "", &mock.AdminError{Status: http.StatusConflict, Message: "code " + quote(req.Code) + " already exists in this session"}
	}
	return value, nil
}
