package oauth_test

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/tokenmock/tokenmock/internal/fixture"
	"github.com/tokenmock/tokenmock/internal/mock"
	"github.com/tokenmock/tokenmock/internal/oauth"
	"github.com/tokenmock/tokenmock/internal/server"
	"github.com/tokenmock/tokenmock/internal/testkit"
	"github.com/tokenmock/tokenmock/internal/testkit/apicheck"
)

type fuzzLog = testkit.ErrorLog

// fuzzHost is the Host of every in-process request (httptest's default).
const fuzzHost = "example.com"

// fuzzServer is the real server assembly with the default DI fixtures, a
// fixed clock and seeded ids, called in-process.
type fuzzServer struct {
	h   http.Handler
	log *fuzzLog
	svc *noting
}

func newFuzzServer(tb testing.TB) *fuzzServer {
	tb.Helper()
	all, err := fixture.Default()
	if err != nil {
		tb.Fatal(err)
	}
	lg := &fuzzLog{}
	svc := &noting{}
	h, _ := testkit.Assemble("", slog.New(lg), func(deps mock.Deps) []mock.Vendor {
		svc.Service = oauth.New(all.OAuth, deps)
		return []mock.Vendor{svc}
	})
	return &fuzzServer{
		h:   apicheck.Direct(h),
		log: lg,
		svc: svc,
	}
}

func (s *fuzzServer) do(method, path, rawQuery string, header http.Header, body []byte) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, path, bytes.NewReader(body))
	req.URL.RawQuery = rawQuery
	for k, vs := range header {
		req.Header[k] = vs
	}
	w := httptest.NewRecorder()
	s.h.ServeHTTP(w, req)
	return w
}

func (s *fuzzServer) noPanic(t *testing.T, what string) {
	t.Helper()
	if msgs := s.log.Take(); len(msgs) > 0 {
		t.Fatalf("%s: error logged (a recovered panic?): %v", what, msgs)
	}
}

var fuzzMethods = []string{http.MethodPost, http.MethodGet, http.MethodPut, http.MethodDelete, http.MethodPatch, http.MethodHead, http.MethodOptions, http.MethodTrace}

// FuzzTokenRequest calls /oauth/token with any method, query string, body,
// Content-Type and Authorization (basic, when set, is sent as HTTP Basic
// with those bytes base64-encoded). Every answer is one of Spring's: 200
// with a token, or 400/401/405 with an OAuth2 error or Boot's error JSON.
func FuzzTokenRequest(f *testing.F) {
	s := newFuzzServer(f)
	mint := func(code string) {
		w := s.do(http.MethodPost, "/_mock/codes", "", nil, []byte(`{"vendor":"oauth","client_id":"`+clientID+`","redirect_uri":"`+cb+`","code":"`+code+`"}`))
		if w.Code != http.StatusCreated {
			f.Fatalf("mint: %d %s", w.Code, w.Body.Bytes())
		}
	}
	mint("fuzzseed1")
	mint("fuzzseed2")
	mint("fuzzseed3")
	// A refresh token, for a refresh seed that gets past the lookup.
	w := s.do(http.MethodPost, "/oauth/token", creds(clientID, secret)+"&grant_type=authorization_code&redirect_uri="+cb+"&code=fuzzseed3", nil, nil)
	var tok struct {
		RefreshToken string `json:"refresh_token"`
	}
	if err := json.Unmarshal(w.Body.Bytes(), &tok); err != nil || tok.RefreshToken == "" {
		f.Fatalf("seed exchange: %d %s", w.Code, w.Body.Bytes())
	}
	const form = "application/x-www-form-urlencoded"
	idSecret := []byte(clientID + ":" + secret)
	for _, c := range []struct {
		method    uint8
		query, ct string
		body      string
		auth      string
		basic     []byte
	}{
		{0, creds(clientID, secret) + "&grant_type=authorization_code&redirect_uri=" + cb + "&code=fuzzseed1", "", "", "", nil},
		{0, "", form, "grant_type=authorization_code&code=fuzzseed2&redirect_uri=" + url.QueryEscape(cb), "", idSecret},
		{0, "", form, "grant_type=refresh_token&refresh_token=" + tok.RefreshToken, "", idSecret},
		{0, "", form, "grant_type=refresh_token&refresh_token=" + tok.RefreshToken + "&scope=read_cn+other", "", idSecret},
		{0, "", form, "grant_type=refresh_token&refresh_token=nope", "", idSecret},
		{0, "", form, "grant_type=refresh_token", "", idSecret},
		{0, "", form, "grant_type=client_credentials", "", idSecret},
		{0, "", form, "grant_type=implicit", "", idSecret},
		{0, "", form, "grant_type=password&username=demo&password=demo", "", idSecret},
		{0, "", form, "grant_type=", "", idSecret},
		{0, "", form, "grant_type=authorization_code", "", idSecret},
		{0, "", form, "grant_type=authorization_code&code=nope&scope=evil", "", idSecret},
		{0, "scope=", form, "grant_type=authorization_code&code=nope", "", idSecret},
		{0, "client_id=+" + clientID + "+&client_secret=" + secret + "&grant_type=refresh_token&refresh_token=x", "", "", "", nil},
		{0, "client_id=" + clientID + "&client_id=other&client_secret=" + secret, "", "", "", nil},
		{0, "client_id=other&client_secret=x", form, "client_id=" + clientID, "", idSecret},
		{0, "", form, "client_id=" + clientID + "&grant_type=refresh_token&refresh_token=x", "", []byte("other:" + secret)},
		{0, "", form + "; charset=ISO-8859-1", "grant_type=refresh_token&refresh_token=%FF%00", "", idSecret},
		{0, "", "multipart/form-data; boundary=x", "--x\r\nContent-Disposition: form-data; name=\"grant_type\"\r\n\r\nrefresh_token\r\n--x--\r\n", "", idSecret},
		{0, "", "application/json", `{"client_id":"` + clientID + `","client_secret":"` + secret + `"}`, "", nil},
		{0, "", form, "client_id=" + clientID + "&client_secret=" + secret + "&grant_type=authorization_code&code=%zz;x", "", nil},
		{0, "%zz&;&&==&grant_type", "", "", "", []byte("%32aeb:%zz")},
		{0, "", "", "", "", []byte("no colon")},
		{0, "", "", "", "", []byte{0, ':', 0xff, 0xfe}},
		{0, "", "", "", "Basic !!!not base64!!!", nil},
		{0, "", "", "", "basic " + base64.StdEncoding.EncodeToString(idSecret) + "  ", nil},
		{0, "", "", "", "Basic", nil},
		{0, "", "", "", "Bearer " + tok.RefreshToken, nil},
		{1, creds(clientID, secret) + "&grant_type=refresh_token&refresh_token=x", "", "", "", nil},
		{1, "", "", "", "", nil},
		{2, "", "", "", "", idSecret},
		{3, "", "", "", "", nil},
		{5, "", "", "", "", idSecret},
		{6, creds(clientID, secret), "", "", "", nil},
		{7, "", "", "", "", idSecret},
	} {
		f.Add(c.method, c.query, c.ct, []byte(c.body), c.auth, c.basic)
	}
	f.Fuzz(func(t *testing.T, m uint8, query, contentType string, body []byte, auth string, basic []byte) {
		method := fuzzMethods[int(m)%len(fuzzMethods)]
		h := http.Header{}
		if contentType != "" {
			h.Set("Content-Type", contentType)
		}
		switch {
		case len(basic) > 0:
			h.Set("Authorization", "Basic "+base64.StdEncoding.EncodeToString(basic))
		case auth != "":
			h.Set("Authorization", auth)
		}
		w := s.do(method, "/oauth/token", query, h, body)
		what := method + " ?" + query + " " + quoted(string(body)) + " Authorization " + quoted(h.Get("Authorization"))
		s.noPanic(t, what)
		if len(body) > server.MaxBody {
			if w.Code != http.StatusRequestEntityTooLarge {
				t.Fatalf("%s: %d-byte body: got %d, want 413", what, len(body), w.Code)
			}
			return
		}
		switch w.Code {
		case http.StatusOK, http.StatusBadRequest, http.StatusUnauthorized, http.StatusMethodNotAllowed:
		default:
			t.Fatalf("%s: got status %d (%s)", what, w.Code, w.Body.Bytes())
		}
		if ct := w.Header().Get("Content-Type"); ct != "application/json;charset=UTF-8" {
			t.Fatalf("%s: got Content-Type %q", what, ct)
		}
		var got map[string]json.RawMessage
		if err := json.Unmarshal(w.Body.Bytes(), &got); err != nil {
			t.Fatalf("%s: answer is no JSON object: %v: %s", what, err, w.Body.Bytes())
		}
		str := func(k string) string {
			var v string
			json.Unmarshal(got[k], &v)
			return v
		}
		explained(t, s.svc, what, w)
		if w.Code == http.StatusOK {
			if str("access_token") == "" || str("token_type") != "bearer" {
				t.Fatalf("%s: a 200 without a bearer token: %s", what, w.Body.Bytes())
			}
			return
		}
		if str("error") == "" || got["access_token"] != nil {
			t.Fatalf("%s: a %d without error: %s", what, w.Code, w.Body.Bytes())
		}
		if _, boot := got["timestamp"]; boot {
			var status int
			if json.Unmarshal(got["status"], &status) != nil || status != w.Code || str("path") != "/oauth/token" {
				t.Fatalf("%s: Boot error JSON does not match its %d: %s", what, w.Code, w.Body.Bytes())
			}
		} else if str("error_description") == "" {
			t.Fatalf("%s: OAuth2 error without error_description: %s", what, w.Body.Bytes())
		}
		if w.Code == http.StatusUnauthorized && w.Header().Get("WWW-Authenticate") == "" {
			t.Fatalf("%s: a 401 without WWW-Authenticate", what)
		}
	})
}

func quoted(s string) string { b, _ := json.Marshal(s); return string(b) }

// registered are the default client's redirect URIs; login is where a
// browser without a session goes.
var (
	registered = []string{"http://localhost:8080", "http://127.0.0.1:8080", "http://localhost:8080/_mock/callback"}
	loginURL   = "http://" + fuzzHost + "/oauth/login"
)

// checkAuthorize asserts what any /oauth/authorize answer may be: 200
// (approval page), 302 to a registered redirect URI or the login page,
// 400 or 401 (error pages).
func checkAuthorize(t *testing.T, what string, w *httptest.ResponseRecorder) {
	t.Helper()
	switch w.Code {
	case http.StatusOK, http.StatusBadRequest, http.StatusUnauthorized:
		ct := w.Header().Get("Content-Type")
		if !strings.HasPrefix(ct, "text/html") && !(w.Code == http.StatusBadRequest && strings.HasPrefix(ct, "text/plain")) {
			t.Fatalf("%s: %d with Content-Type %q", what, w.Code, ct)
		}
	case http.StatusFound:
		loc := w.Header().Get("Location")
		if strings.ContainsFunc(loc, func(r rune) bool { return r < 0x20 || r == 0x7f }) {
			t.Fatalf("%s: control character in Location %q", what, loc)
		}
		if _, err := url.Parse(loc); err != nil {
			t.Fatalf("%s: Location %q does not parse: %v", what, loc, err)
		}
		ok := loc == loginURL
		for _, r := range registered {
			ok = ok || loc == r || strings.HasPrefix(loc, r+"?") || strings.HasPrefix(loc, r+"#")
		}
		if !ok {
			t.Fatalf("%s: redirect to %q, neither a registered URI nor the login page", what, loc)
		}
	default:
		t.Fatalf("%s: got status %d (%s)", what, w.Code, w.Body.Bytes())
	}
}

// FuzzAuthorizeQuery sends any query to GET /oauth/authorize, logged in
// with mock_user or not; when that starts a browser session, it then posts
// the approval form (any form body) with its cookie.
func FuzzAuthorizeQuery(f *testing.F) {
	s := newFuzzServer(f)
	base := "client_id=" + clientID + "&redirect_uri=" + cb + "&response_type=code&scope=read_cn&state=xyz"
	approve := []byte("user_oauth_approval=true&scope.read_cn=true&authorize=Authorize")
	for _, c := range []struct {
		query    string
		mockUser bool
		form     []byte
	}{
		{base, true, approve},
		{base, false, approve},
		{base, true, []byte("user_oauth_approval=true&scope.read_cn=false")},
		{base, true, []byte("user_oauth_approval=true&scope.read_cn=APPROVED&scope.other=true")},
		{base, true, []byte("user_oauth_approval")},
		{base, true, []byte("")},
		{base, true, []byte("%zz;=&&user_oauth_approval=%00&scope.read_cn=true")},
		{base, true, []byte(base)},
		{"client_id=" + clientID + "&redirect_uri=" + cb + "&response_type=token&state=a%0D%0Ab", true, approve},
		{"client_id=" + clientID + "&redirect_uri=" + cb + "%23frag&response_type=code+token&scope=read_cn+read_cn", true, approve},
		{"client_id=" + clientID + "&redirect_uri=http://localhost:8080.evil.com&response_type=code", true, approve},
		{"client_id=" + clientID + "&redirect_uri=http://evil.com&response_type=foo&state=", true, nil},
		{"client_id=" + clientID + "&redirect_uri=" + cb + "&response_type=foo", false, nil},
		{"client_id=" + clientID + "&redirect_uri=" + cb + "%3Fx%3D1&response_type=code", true, approve},
		{"client_id=" + clientID + "&response_type=code", true, nil},
		{"client_id=" + clientID + "&redirect_uri=" + cb + "&response_type=code&scope=evil", true, nil},
		{"client_id=" + clientID + "&redirect_uri=" + cb + "&response_type=code&mock_user=", false, approve},
		{"client_id=" + clientID + "&redirect_uri=" + cb + "&response_type=code&mock_user=nobody", false, approve},
		{"client_id=" + clientID + "&redirect_uri=" + cb + "&response_type=code&mock_user=demo&mock_user=x", false, approve},
		{"client_id=other&client_id=" + clientID, true, nil},
		{"", false, nil},
		{"%zz;&&==&client_id", true, []byte("\x00\xff")},
		{"state=%E2%80%AE%F0%9F%98%80&client_id=" + clientID + "&redirect_uri=" + cb + "&response_type=code&scope=read_cn", true, approve},
	} {
		f.Add(c.query, c.mockUser, c.form)
	}
	f.Fuzz(func(t *testing.T, query string, mockUser bool, form []byte) {
		if mockUser {
			query += "&mock_user=demo"
		}
		w := s.do(http.MethodGet, "/oauth/authorize", query, nil, nil)
		s.noPanic(t, "GET ?"+query)
		checkAuthorize(t, "GET ?"+query, w)
		explained(t, s.svc, "GET ?"+query, w)
		cookie := ""
		for _, c := range (&http.Response{Header: w.Header()}).Cookies() {
			if c.Name == "JSESSIONID" {
				cookie = c.Name + "=" + c.Value
			}
		}
		if cookie == "" {
			return
		}
		h := http.Header{"Content-Type": {"application/x-www-form-urlencoded"}, "Cookie": {cookie}}
		w = s.do(http.MethodPost, "/oauth/authorize", "", h, form)
		what := "GET ?" + query + " then POST " + quoted(string(form))
		s.noPanic(t, what)
		if len(form) > server.MaxBody {
			return
		}
		checkAuthorize(t, what, w)
		explained(t, s.svc, what, w)
	})
}
