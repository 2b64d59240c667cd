package oauth

import (
	"net"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/tokenmock/tokenmock/internal/fixture"
	"github.com/tokenmock/tokenmock/internal/mock"
	"github.com/tokenmock/tokenmock/internal/spring"
)

// authorize is /oauth/authorize (GET or POST), in the order of
// vendors/di-oauth2.md §2.1; a POST with user_oauth_approval is the
// approval form.
func (s *Service) authorize(c *gin.Context) {
	p := readParams(c)
	if _, ok := p.get("user_oauth_approval"); ok && c.Request.Method == http.MethodPost {
		s.approve(c, p)
		return
	}
	cl := s.clients[p.value("client_id")]
	if cl == nil {
		if id, sent := p.get("client_id"); sent {
			mock.NoteReason(c, "client %s unknown", shown(id))
		} else {
			mock.NoteReason(c, "client_id missing")
		}
		mock.NoteFailure(c, "authorize_unknown_client")
		writeErrorPage(c, http.StatusUnauthorized, "invalid_client", "Bad client credentials")
		return
	}
	state, stateSent := p.get("state")
	redirectValue, redirectSent := p.get("redirect_uri")
	types := parseList(p.value("response_type"))
	implicit, code := slices.Contains(types, "token"), slices.Contains(types, "code")
	if !implicit && !code {
		mock.NoteFailure(c, "authorize_unsupported_response_type")
		mock.NoteReason(c, "response_type %s asks for neither code nor token", shown(p.value("response_type")))
		desc := "Unsupported response types: " + javaSet(types)
		r, ok := resolveRedirect(cl, redirectValue, redirectSent)
		if !ok {
			writeErrorPage(c, http.StatusBadRequest, "unsupported_response_type", desc)
			return
		}
		redirectError(c, r, false, "unsupported_response_type", desc, state, stateSent, "")
		return
	}
	key, br, ok := s.loggedIn(c)
	if name, asked := p.get("mock_user"); asked && s.settings.DefaultUser != "" {
		if name == "" {
			name = s.settings.DefaultUser
		}
		if s.users[name] == nil {
			mock.NoteReason(c, "mock_user %s is not a fixture user", shown(name))
			c.Data(http.StatusBadRequest, "text/plain;charset=UTF-8", []byte("mock_user: unknown user "+name))
			return
		}
		key, br, ok = s.login(c, br, name), browser{user: name}, true
	}
	if !ok {
		br.savedURL = mock.Req(c).Prefix + "/oauth/authorize?" + savedQuery(p)
		s.browsers.put(key, br)
		s.setCookie(c, key.id)
		redirect(c, s.absolute(c, "/oauth/login"))
		return
	}
	r, ok := resolveRedirect(cl, redirectValue, redirectSent)
	if !ok {
		mock.NoteFailure(c, "authorize_redirect_mismatch")
		mock.NoteReason(c, "%s", redirectReason(cl, redirectValue, redirectSent))
		writeErrorPage(c, http.StatusBadRequest, "invalid_grant", redirectMessage(redirectValue, redirectSent))
		return
	}
	requested := parseList(p.value("scope"))
	scopes, bad := checkScopes(cl, requested)
	if bad != "" {
		mock.NoteFailure(c, "authorize_invalid_scope")
		mock.NoteReason(c, "scope %s not allowed for client %s (registered: %s)", shown(bad), cl.ClientID, listed(cl.Scopes))
		redirectError(c, r, implicit, "invalid_scope", "Invalid scope: "+bad, state, stateSent, strings.Join(cl.Scopes, " "))
		return
	}
	req := &pending{client: cl.ClientID, redirect: r, redirectSent: redirectSent, scopes: scopes,
		scopeAsked: len(requested) > 0, state: state, stateSent: stateSent, implicit: implicit}
	live := s.tokens.LiveScopes(key.session, cl.ClientID, br.user, s.deps.Now(c.Request.Context()))
	if cl.AutoApprove || allIn(scopes, live) {
		s.issue(c, br.user, req)
		return
	}
	br.pending = req
	s.browsers.put(key, br)
	s.approvalPage(c, cl.ClientID, scopes, live)
}

// approve is the approval form's post: the session's pending request
// counts, not the post's parameters, and it is cleared whatever happens.
func (s *Service) approve(c *gin.Context, p params) {
	key, br, ok := s.loggedIn(c)
	if !ok {
		redirect(c, s.absolute(c, "/oauth/login"))
		return
	}
	_, req := s.browsers.takePending(key)
	if req == nil {
		mock.NoteFailure(c, "authorize_approval_without_request")
		mock.NoteReason(c, "approval posted with no authorization request pending in this browser session (user %s)", br.user)
		writeErrorPage(c, http.StatusBadRequest, "invalid_request", "Cannot approve uninitialized authorization request.")
		return
	}
	var approved []string
	for _, sc := range req.scopes {
		v := strings.ToLower(p.value("scope." + sc))
		if v == "true" || strings.HasPrefix(v, "approve") {
			approved = append(approved, sc)
		}
	}
	if len(approved) == 0 {
		mock.NoteFailure(c, "authorize_access_denied")
		mock.NoteReason(c, "user %s approved none of the scopes asked for (%s)", br.user, listed(req.scopes))
		redirectError(c, req.redirect, req.implicit, "access_denied", "User denied access", req.state, req.stateSent, "")
		return
	}
	req.scopes = approved
	s.issue(c, br.user, req)
}

// issue ends an approved request: a code, or with response_type=token an
// access token in the fragment.
func (s *Service) issue(c *gin.Context, user string, req *pending) {
	ctx := c.Request.Context()
	now := s.deps.Now(ctx)
	cl := s.clients[req.client]
	g := spring.Grant{Session: mock.SessionID(ctx), Client: cl.ClientID, User: user, Scope: strings.Join(req.scopes, " ")}
	if req.implicit {
		if !slices.Contains(cl.Grants(), fixture.GrantImplicit) {
			mock.NoteFailure(c, "authorize_implicit_not_allowed")
			mock.NoteReason(c, "grant type implicit not allowed for client %s (allowed: %s)", cl.ClientID, listed(cl.Grants()))
			redirectError(c, req.redirect, true, "invalid_client", "Unauthorized grant type: implicit", req.state, req.stateSent, "")
			return
		}
		a := s.tokens.Issue(g, now, s.policy(cl, false), mock.TokenTTL(ctx))
		b := s.body(cl, a, now)
		var f strings.Builder
		f.WriteString("access_token=" + encodeFragment(a.Value) + "&token_type=bearer")
		if req.stateSent {
			f.WriteString("&state=" + encodeFragment(req.state))
		}
		if b.ExpiresIn != nil {
			f.WriteString("&expires_in=" + strconv.FormatInt(*b.ExpiresIn, 10))
		}
		if !req.scopeAsked || a.Grant.Scope != strings.Join(req.scopes, " ") {
			f.WriteString("&scope=" + encodeFragment(a.Grant.Scope))
		}
		redirect(c, req.redirect+"#"+f.String())
		return
	}
	code, err := s.addCode(spring.Code{ExpiresAt: now.Add(s.settings.CodeTTL), RedirectURI: req.redirect, RedirectSent: req.redirectSent, Grant: g})
	if err != nil {
		panic("oauth: storing a code: " + err.Error())
	}
	loc := req.redirect + querySep(req.redirect) + "code=" + encodeQuery(code)
	if req.stateSent {
		loc += "&state=" + encodeQuery(req.state)
	}
	redirect(c, loc)
}

// addCode stores c, drawing six characters of [A-Za-z0-9] when it has no
// value.
func (s *Service) addCode(c spring.Code) (string, error) {
	return s.codes.AddDrawn(c, func() string { return s.deps.IDs.Alnum(6) }, nil)
}

// resolveRedirect is Spring's DefaultRedirectResolver with exact matching:
// the value without fragment must be one of the registered URIs; absent,
// the client must have exactly one.
func resolveRedirect(cl *client, value string, sent bool) (string, bool) {
	if !sent {
		if len(cl.RedirectURIs) == 1 {
			return cl.RedirectURIs[0], true
		}
		return "", false
	}
	value, _, _ = strings.Cut(value, "#")
	if slices.Contains(cl.RedirectURIs, value) {
		return value, true
	}
	return "", false
}

// redirectReason tells, for the log and the admin API, why
// resolveRedirect refused value.
func redirectReason(cl *client, value string, sent bool) string {
	switch {
	case len(cl.RedirectURIs) == 0:
		return "client " + cl.ClientID + " has no registered redirect URI"
	case !sent:
		return "no redirect_uri sent, and client " + cl.ClientID + " has more than one registered (" + listed(cl.RedirectURIs) + ")"
	}
	return "redirect_uri " + shown(value) + " is not registered for client " + cl.ClientID + " (registered: " + listed(cl.RedirectURIs) + ")"
}

func redirectMessage(value string, sent bool) string {
	if !sent {
		value = "null"
	}
	return "Invalid redirect: " + value + " does not match one of the registered values."
}

func querySep(uri string) string {
	if strings.Contains(uri, "?") {
		return "&"
	}
	return "?"
}

// redirectError sends an OAuth error to the client's redirect URI, in the
// fragment for implicit requests, and notes its error as the failure's
// code.
func redirectError(c *gin.Context, uri string, fragment bool, code, desc, state string, stateSent bool, scope string) {
	mock.NoteCode(c, "error", code)
	enc, sep := encodeQuery, querySep(uri)
	if fragment {
		enc, sep = encodeFragment, "#"
	}
	loc := uri + sep + "error=" + enc(code) + "&error_description=" + enc(desc)
	if stateSent {
		loc += "&state=" + enc(state)
	}
	if scope != "" {
		loc += "&scope=" + enc(scope)
	}
	redirect(c, loc)
}

// redirect is Spring's RedirectView: a bare 302, no body.
func redirect(c *gin.Context, loc string) {
	c.Header("Location", loc)
	c.Status(http.StatusFound)
}

// absolute makes a URL on this server, keeping the session prefix.
func (s *Service) absolute(c *gin.Context, path string) string {
	scheme := "http"
	if c.Request.TLS != nil {
		scheme = "https"
	}
	host := c.Request.Host
	if host == "" { // HTTP/1.0 without Host: the address it came to, as Tomcat does
		if addr, ok := c.Request.Context().Value(http.LocalAddrContextKey).(net.Addr); ok {
			host = addr.String()
		}
	}
	return scheme + "://" + host + mock.Req(c).Prefix + path
}

// savedQuery is the authorize request to come back to after login, without
// mock_user (which never appears in a redirect).
func savedQuery(p params) string {
	v := url.Values{}
	for _, name := range p.names() {
		if name != "mock_user" {
			v.Set(name, p.value(name))
		}
	}
	return v.Encode()
}

func allIn(scopes []string, set map[string]bool) bool {
	for _, sc := range scopes {
		if !set[sc] {
			return false
		}
	}
	return true
}

// approvalPage is Spring's WhitelabelApprovalEndpoint, one line of HTML.
func (s *Service) approvalPage(c *gin.Context, clientID string, scopes []string, live map[string]bool) {
	var b strings.Builder
	b.WriteString(`<html><body><h1>OAuth Approval</h1><p>Do you authorize "` + springEscape.Replace(clientID) +
		`" to access your protected resources?</p><form id="confirmationForm" name="confirmationForm" action="` +
		springEscape.Replace(mock.Req(c).Prefix+"/oauth/authorize") + `" method="post"><input name="user_oauth_approval" value="true" type="hidden"/><ul>`)
	for _, sc := range scopes {
		name := springEscape.Replace("scope." + sc)
		approve, deny := "", " checked"
		if live[sc] {
			approve, deny = " checked", ""
		}
		b.WriteString(`<li><div class="form-group">` + name + `: <input type="radio" name="` + name + `" value="true"` + approve +
			`>Approve</input> <input type="radio" name="` + name + `" value="false"` + deny + `>Deny</input></div></li>`)
	}
	b.WriteString(`</ul><label><input name="authorize" value="Authorize" type="submit"/></label></form></body></html>`)
	c.Header("Cache-Control", "no-store")
	c.Data(http.StatusOK, htmlType, []byte(b.String()))
}

// loggedIn returns the browser session of the request's cookie, creating a
// key for a new one when there is none.
func (s *Service) loggedIn(c *gin.Context) (browserKey, browser, bool) {
	key := browserKey{session: mock.SessionID(c.Request.Context())}
	if ck, err := c.Request.Cookie(cookieName); err == nil && ck.Value != "" {
		key.id = ck.Value
		if br, ok := s.browsers.get(key); ok {
			return key, br, br.user != "" && s.users[br.user] != nil
		}
	}
	key.id = s.newSessionID()
	return key, browser{}, false
}

func (s *Service) newSessionID() string { return strings.ToUpper(s.deps.IDs.Hex(32)) }

// login starts a new servlet session for user (a new id, against session
// fixation), keeping the saved URL of the old one.
func (s *Service) login(c *gin.Context, old browser, user string) browserKey {
	if ck, err := c.Request.Cookie(cookieName); err == nil {
		s.browsers.remove(browserKey{mock.SessionID(c.Request.Context()), ck.Value})
	}
	key := browserKey{mock.SessionID(c.Request.Context()), s.newSessionID()}
	s.browsers.put(key, browser{user: user, savedURL: old.savedURL})
	s.setCookie(c, key.id)
	return key
}

func (s *Service) setCookie(c *gin.Context, id string) {
	c.Header("Set-Cookie", cookieName+"="+id+"; Path=/; HttpOnly")
}

// loginPage is Spring Security's default login page.
func (s *Service) loginPage(c *gin.Context) {
	_, failed := c.GetQuery("error")
	msg := ""
	if failed {
		msg = "<p><font color='red'>Your login attempt was not successful, try again.<br/><br/>Reason: Bad credentials</font></p>"
	}
	action := springEscape.Replace(mock.Req(c).Prefix + "/oauth/login")
	page := "<html><head><title>Login Page</title></head><body onload='document.f.username.focus();'>\n" +
		"<h3>Login with Username and Password</h3>" + msg + "<form name='f' action='" + action + "' method='POST'>\n" +
		"<table>\n\t<tr><td>User:</td><td><input type='text' name='username' value=''></td></tr>\n" +
		"\t<tr><td>Password:</td><td><input type='password' name='password'/></td></tr>\n" +
		"\t<tr><td colspan='2'><input name=\"submit\" type=\"submit\" value=\"Login\"/></td></tr>\n" +
		"</table>\n</form></body></html>"
	c.Header("Cache-Control", "no-store")
	c.Data(http.StatusOK, htmlType, []byte(page))
}

// loginPost checks the form; success goes back to the saved authorize URL.
func (s *Service) loginPost(c *gin.Context) {
	p := readParams(c)
	name, password := p.value("username"), p.value("password")
	u := s.users[name]
	want := ""
	if u != nil {
		want = u.Password
	}
	if !constantEqual(want, password) || u == nil {
		if u == nil {
			mock.NoteReason(c, "login failed: user %s unknown", shown(name))
		} else {
			mock.NoteReason(c, "login failed: wrong password for user %s", name)
		}
		redirect(c, s.absolute(c, "/oauth/login?error"))
		return
	}
	_, old, _ := s.loggedIn(c)
	s.login(c, old, name)
	target := s.absolute(c, "/oauth/login?success")
	if old.savedURL != "" {
		target = s.absolute(c, strings.TrimPrefix(old.savedURL, mock.Req(c).Prefix))
	}
	redirect(c, target)
}

func quote(s string) string { return strconv.Quote(s) }
