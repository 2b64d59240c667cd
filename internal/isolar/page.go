package isolar

import (
	"bytes"
	"crypto/subtle"
	"embed"
	"html/template"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/tokenmock/tokenmock/internal/fixture"
	"github.com/tokenmock/tokenmock/internal/mock"
	"github.com/tokenmock/tokenmock/internal/spring"
)

//go:embed templates/*.html
var templateFS embed.FS

// pages are parsed once; html/template escapes every value by its context.
var pages = template.Must(template.ParseFS(templateFS, "templates/*.html"))

// authParams are the authorize URL's parameters, carried through the forms.
type authParams struct {
	CloudID       string
	ApplicationID string
	RedirectURL   string
	State         string
}

func readAuthParams(get func(string) string) authParams {
	return authParams{get("cloudId"), get("applicationId"), get("redirectUrl"), get("state")}
}

// check runs the authorize checks 1–4 of vendors/isolarcloud.md §2a.
func (s *Service) check(p authParams) (*app, *refusal) {
	a := s.byAppID[p.ApplicationID]
	if a == nil {
		return nil, refuse(failUnknownApplication, "applicationId %s unknown", shown(p.ApplicationID))
	}
	cloud, err := strconv.Atoi(p.CloudID)
	if err != nil {
		return nil, refuse(failUnknownApplication, "cloudId %s is not a number", shown(p.CloudID))
	}
	if a.CloudID != nil && *a.CloudID != cloud {
		return nil, refuse(failUnknownApplication, "application %s is on cloudId %d, not %d", a.ApplicationID, *a.CloudID, cloud)
	}
	if !slices.Contains(a.RedirectURIs, p.RedirectURL) {
		return nil, refuse(failRedirectNotReg, "redirectUrl %s is not registered for application %s", shown(p.RedirectURL), a.ApplicationID)
	}
	if !a.OAuth() {
		return nil, refuse(failUnknownApplication, "application %s (app %s) has oauth_enabled: false", a.ApplicationID, a.AppKey)
	}
	return a, nil
}

// refusePage answers a failure of the page's checks.
func (s *Service) refusePage(c *gin.Context, r *refusal) {
	mock.NoteFailure(c, r.f.name)
	mock.NoteReason(c, "%s", r.why)
	s.errorPage(c, r.f.msg)
}

func (s *Service) page(c *gin.Context, status int, name string, data any) {
	var buf bytes.Buffer
	if err := pages.ExecuteTemplate(&buf, name, data); err != nil {
		panic("isolar: template " + name + ": " + err.Error())
	}
	c.Header("Cache-Control", "no-store")
	c.Data(status, "text/html; charset=utf-8", buf.Bytes())
}

// errorPage is the page's one failure page; the message it shows is the
// failure's code.
func (s *Service) errorPage(c *gin.Context, msg string) {
	mock.NoteCode(c, "error", msg)
	s.page(c, http.StatusBadRequest, "error.html", struct{ Message string }{msg})
}

// shim is GET /: it turns the SPA's hash route into a server route.
func (s *Service) shim(c *gin.Context) {
	s.page(c, http.StatusOK, "shim.html", struct{ Prefix string }{mock.Req(c).Prefix})
}

type loginData struct {
	authParams
	Prefix, App, Account, Error string
}

// authorize is GET /authorized-app: checks, then the login form.
func (s *Service) authorize(c *gin.Context) {
	p := readAuthParams(c.Query)
	a, rf := s.check(p)
	if rf != nil {
		s.refusePage(c, rf)
		return
	}
	s.page(c, http.StatusOK, "login.html", loginData{authParams: p, Prefix: mock.Req(c).Prefix, App: a.Name})
}

type consentData struct {
	Prefix, App, Account, Ticket string
	Plants                       []string
}

// login is POST /authorized-app/login: credentials, then the consent page
// with a one-time ticket bound to app, redirect, state and user.
func (s *Service) login(c *gin.Context) {
	form := s.form(c)
	p := readAuthParams(form.Get)
	a, rf := s.check(p)
	if rf != nil {
		s.refusePage(c, rf)
		return
	}
	account, password := form.Get("account"), form.Get("password")
	u := s.authenticate(account, password)
	if u == nil {
		// Not a failure of the catalogue: the form comes again, with its
		// error; noted for the log all the same.
		const wrong = "Incorrect account or password"
		mock.NoteCode(c, "error", wrong)
		switch {
		case s.users[account] == nil:
			mock.NoteReason(c, "no account %s in the fixtures", shown(account))
		case password == "":
			mock.NoteReason(c, "no password for %s", shown(account))
		default:
			mock.NoteReason(c, "wrong password for %s", shown(account))
		}
		s.page(c, http.StatusOK, "login.html", loginData{
			authParams: p, Prefix: mock.Req(c).Prefix, App: a.Name, Account: account, Error: wrong,
		})
		return
	}
	ctx := c.Request.Context()
	ticket := spring.Code{
		Value:       s.deps.IDs.Alnum(32),
		ExpiresAt:   s.deps.Now(ctx).Add(s.settings.CodeTTL),
		RedirectURI: p.RedirectURL,
		State:       p.State,
		Grant:       s.grant(ctx, a, u),
	}
	if err := s.tickets.Add(ticket); err != nil {
		panic("isolar: ticket collision: " + err.Error())
	}
	s.ticketHistory.issued(ticket.Grant.Session, ticket.Value, ticket.ExpiresAt)
	s.page(c, http.StatusOK, "consent.html", consentData{
		Prefix: mock.Req(c).Prefix, App: a.Name, Account: u.Account, Ticket: ticket.Value, Plants: u.Plants,
	})
}

// authenticate compares the password in constant time; an unknown account
// costs the same comparison, so the two failures look alike.
func (s *Service) authenticate(account, password string) *fixture.IsolarUser {
	u := s.users[account]
	want := ""
	if u != nil {
		want = u.Password
	}
	ok := subtle.ConstantTimeCompare([]byte(want), []byte(password)) == 1
	if u == nil || !ok || password == "" {
		return nil
	}
	return u
}

// consent is POST /authorized-app/consent: approve redirects with a fresh
// code, deny with error=access_denied; both only to the ticket's redirect,
// which was checked against the app's registered list.
func (s *Service) consent(c *gin.Context) {
	form := s.form(c)
	decision := form.Get("decision")
	if decision != "approve" && decision != "deny" {
		mock.NoteReason(c, "decision %s is neither approve nor deny", shown(decision))
		s.errorPage(c, "Please choose whether to authorize the application")
		return
	}
	ctx := c.Request.Context()
	session, now, value := mock.SessionID(ctx), s.deps.Now(ctx), form.Get("ticket")
	t, ok := s.tickets.Consume(session, value, now)
	if !ok {
		mock.NoteReason(c, "%s", s.whyNoTicket(c, value, now))
		s.errorPage(c, "The authorization request has expired or was already used")
		return
	}
	s.ticketHistory.spent(session, value, t.ExpiresAt, now)
	if decision == "deny" {
		mock.NoteFailure(c, failAccessDenied.name)
		mock.NoteCode(c, "error", "access_denied")
		mock.NoteReason(c, "%s denied app %s on the consent page", t.Grant.User, t.Grant.Client)
		c.Redirect(http.StatusFound, withQuery(t.RedirectURI, "error", "access_denied", t.State))
		return
	}
	code, err := s.addCode(spring.Code{
		ExpiresAt:   s.deps.Now(ctx).Add(s.settings.CodeTTL),
		RedirectURI: t.RedirectURI,
		Grant:       t.Grant,
	})
	if err != nil {
		panic("isolar: storing a code: " + err.Error())
	}
	c.Redirect(http.StatusFound, withQuery(t.RedirectURI, "code", code, t.State))
}

// whyNoTicket explains a consent ticket refused; the ticket's value is
// not shown (it stands for a signed-in user).
func (s *Service) whyNoTicket(c *gin.Context, value string, now time.Time) string {
	if value == "" {
		return "no ticket in the consent form"
	}
	session := mock.SessionID(c.Request.Context())
	f, known := s.ticketHistory.of(session, value)
	switch {
	case !known:
		return "consent ticket unknown in session " + mock.SessionName(c)
	case !f.used.IsZero():
		return "consent ticket already used at " + stamp(f.used)
	case !now.Before(f.expires):
		s.ticketHistory.spent(session, value, f.expires, now)
		return "consent ticket " + mock.ExpiredAt(f.expires, now)
	}
	return "consent ticket already used"
}

// withQuery appends key=value, and state when not empty, to a redirect URI.
func withQuery(uri, key, value, state string) string {
	var b strings.Builder
	b.WriteString(uri)
	if strings.Contains(uri, "?") {
		b.WriteByte('&')
	} else {
		b.WriteByte('?')
	}
	b.WriteString(key + "=" + url.QueryEscape(value))
	if state != "" {
		b.WriteString("&state=" + url.QueryEscape(state))
	}
	return b.String()
}

// form parses the bounded body the server already read.
func (s *Service) form(c *gin.Context) url.Values {
	// A malformed pair is dropped and the rest still used: browsers never
	// send such bodies, and a hand-made one then fails the checks.
	v, _ := url.ParseQuery(string(mock.Req(c).Body))
	return v
}

// renderPageFailure answers a page failure for a scenario.
func (s *Service) renderPageFailure(c *gin.Context, f failure) {
	mock.NoteFailure(c, f.name)
	if f != failAccessDenied {
		s.errorPage(c, f.msg)
		return
	}
	get := c.Query
	if c.Request.Method == http.MethodPost {
		get = s.form(c).Get
	}
	p := readAuthParams(get)
	a := s.byAppID[p.ApplicationID]
	if a == nil || !slices.Contains(a.RedirectURIs, p.RedirectURL) {
		mock.NoteReason(c, "access_denied not redirected: redirectUrl %s is not registered for applicationId %s",
			shown(p.RedirectURL), shown(p.ApplicationID))
		s.errorPage(c, failRedirectNotReg.msg)
		return
	}
	mock.NoteCode(c, "error", "access_denied")
	c.Redirect(http.StatusFound, withQuery(p.RedirectURL, "error", "access_denied", p.State))
}
