package isolar_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/tokenmock/tokenmock/internal/fixture"
	"github.com/tokenmock/tokenmock/internal/isolar"
	"github.com/tokenmock/tokenmock/internal/mock"
	"github.com/tokenmock/tokenmock/internal/session"
	"github.com/tokenmock/tokenmock/internal/testkit"
)

// render answers the named catalogue failure for a request with body, as a
// scenario would.
func render(t *testing.T, fx *fixture.Isolar, name, method, target, body string) *httptest.ResponseRecorder {
	t.Helper()
	w, _ := renderNoted(t, fx, name, method, target, body)
	return w
}

// renderNoted is render, with what the renderer noted.
func renderNoted(t *testing.T, fx *fixture.Isolar, name, method, target, body string) (*httptest.ResponseRecorder, mock.Note) {
	t.Helper()
	clock := testkit.NewClock()
	svc := isolar.New(fx, mock.Deps{Now: session.Clock{Wall: clock.Now}.Now, IDs: testkit.IDs()})
	f, ok := svc.Routes().Failure(name)
	if !ok {
		t.Fatalf("no failure %q in the catalogue", name)
	}
	return answerAlone(t, func(c *gin.Context) {
		mock.NoteReason(c, "a reason noted before the scenario acts")
		f.Render(c)
	}, method, target, body)
}

// answerAlone runs h on a request with body, outside the server, and
// returns its answer and what it noted.
func answerAlone(t *testing.T, h gin.HandlerFunc, method, target, body string) (*httptest.ResponseRecorder, mock.Note) {
	t.Helper()
	var note mock.Note
	eng := gin.New()
	eng.Any("/*any", func(c *gin.Context) {
		c.Request = c.Request.WithContext(mock.WithRequest(context.Background(), &mock.Request{Body: []byte(body)}))
		h(c)
		note = mock.NoteOf(c)
	})
	w := httptest.NewRecorder()
	eng.ServeHTTP(w, httptest.NewRequest(method, target, strings.NewReader(body)))
	return w, note
}

// The answers outside the catalogue's natural triggers explain themselves
// too: a path the gateway does not serve, and a handler's panic.
func TestOtherFailuresExplainThemselves(t *testing.T) {
	routes := isolar.New(defaults(t), mock.Deps{}).Routes()
	w, note := answerAlone(t, routes.NotFound, "POST", "/openapi/platform/getPowerStationDetail", `{}`)
	wantNote(t, note, "api_not_found", w.Body.Bytes(), "no endpoint at POST /openapi/platform/getPowerStationDetail")
	w, note = answerAlone(t, routes.Endpoints[0].Internal, "POST", tokenPath, `{}`)
	wantNote(t, note, "internal_error", w.Body.Bytes(), "panicked")
}

var serialRE = regexp.MustCompile(`"req_serial_num":"(\d{8}[0-9a-f]{4}4[0-9a-f]{3}[89ab][0-9a-f]{15})"`)

// normal replaces the request serial number, after checking its format.
func normal(t *testing.T, b []byte) string {
	t.Helper()
	if !serialRE.Match(b) {
		t.Errorf("no well-formed req_serial_num in %s", b)
	}
	return serialRE.ReplaceAllString(string(b), `"req_serial_num":"<rsn>"`)
}

func TestCatalogueGolden(t *testing.T) {
	fx := defaults(t)
	routes := isolar.New(fx, mock.Deps{}).Routes()
	names := make([]string, 0, len(routes.Failures))
	for _, f := range routes.Failures {
		names = append(names, f.Name)
	}
	slices.Sort(names)
	if len(names) != 32 {
		t.Errorf("got %d failures, want the 27 of vendors/isolarcloud.md §4 and the 5 data-call ones of vendors/isolarcloud-data.md §4", len(names))
	}
	body := jsonBody(map[string]string{"appkey": appKey, "grant_type": "password", "code": "a<b&c"})
	docBody := jsonBody(map[string]string{"appkey": docAppKey, "grant_type": "password", "code": "a<b&c"})
	query := "/authorized-app?cloudId=1&applicationId=1001&redirectUrl=" + redirect + "&state=s%3C1%3E"
	for _, name := range names {
		t.Run(name, func(t *testing.T) {
			f, _ := routes.Failure(name)
			if slices.Contains(f.Endpoints, isolar.EndpointAuthorize) {
				w, note := renderNoted(t, fx, name, "GET", query, "")
				testkit.Golden(t, "catalogue_"+name, fmt.Appendf(nil, "%d %s\n%s", w.Code, w.Header().Get("Location"), w.Body.Bytes()))
				wantPageNote(t, note, name, w.Code, w.Header().Get("Location"), w.Body.Bytes())
				if note.Reason != "" {
					t.Errorf("note: got reason %q, want none (a scenario, not the vendor, decided)", note.Reason)
				}
				return
			}
			w, note := renderNoted(t, fx, name, "POST", "/", body)
			if w.Code != 200 || w.Header().Get("Content-Type") != "application/json;charset=UTF-8" {
				t.Errorf("got %d %q, want 200 JSON", w.Code, w.Header().Get("Content-Type"))
			}
			testkit.Golden(t, "catalogue_"+name, w.Body.Bytes())
			if note.Name != name || note.Reason != "" {
				t.Errorf("note: got failure %q reason %q, want %q and no reason (a scenario, not the vendor, decided)", note.Name, note.Reason, name)
			}
			wantCarried(t, note, w.Body.Bytes())
			if slices.Equal(f.Endpoints, []string{isolar.EndpointToken}) {
				testkit.Golden(t, "catalogue_"+name+"_documented", render(t, fx, name, "POST", "/", docBody).Body.Bytes())
			}
		})
	}
}

// Each natural trigger answers exactly what the catalogue renders.
func TestNaturalTriggers(t *testing.T) {
	good := map[string]string{"x-access-key": accessKey}
	tokenBody := func(kv ...string) string {
		m := map[string]string{"appkey": appKey, "grant_type": "authorization_code", "code": "rFrnww", "redirect_uri": redirect}
		for i := 0; i < len(kv); i += 2 {
			if kv[i+1] == "<none>" {
				delete(m, kv[i])
			} else {
				m[kv[i]] = kv[i+1]
			}
		}
		return jsonBody(m)
	}
	disabled := defaults(t)
	off := false
	disabled.Apps[0].OAuthEnabled = &off
	// mention is what the failure's reason must name: the offending value
	// where there is one.
	cases := []struct {
		name    string
		fx      *fixture.Isolar
		setup   func(e *env) string // makes state and returns the body
		path    string
		header  map[string]string
		body    string
		failure string
		mention string
	}{
		{"no access key", nil, nil, tokenPath, nil, tokenBody(), "missing_access_key", "no x-access-key"},
		{"empty access key", nil, nil, refreshURL, map[string]string{"x-access-key": ""}, tokenBody(), "missing_access_key", "no x-access-key"},
		{"appkey sent as access key", nil, nil, tokenPath, map[string]string{"x-access-key": appKey}, tokenBody(), "illegal_access_key", appKey + "'s appkey"},
		{"refresh, illegal key", nil, nil, refreshURL, map[string]string{"x-access-key": "nope"}, `{}`, "illegal_access_key", "matches no app's secret key"},
		{"the document's own sample", nil, nil, tokenPath, good, `{"grant_type":"authorization_code","code":"rFrnww","redirect_uri":"https://web3.isolarcloud.com.cn"}`, "missing_appkey", "no appkey in the body"},
		{"malformed JSON", nil, nil, tokenPath, good, `{"appkey":"B968E49385CBD8C74587A374E7B1D21A",`, "missing_appkey", "not a JSON object"},
		{"form-encoded body", nil, nil, tokenPath, map[string]string{"x-access-key": accessKey, "Content-Type": "application/x-www-form-urlencoded"}, "appkey=" + appKey + "&grant_type=authorization_code&code=rFrnww", "missing_appkey", "application/x-www-form-urlencoded"},
		{"JSON array", nil, nil, refreshURL, good, `[1,2]`, "missing_appkey", "not a JSON object"},
		{"appkey not a string", nil, nil, tokenPath, good, `{"appkey":12}`, "missing_appkey", "appkey is not a string: 12"},
		{"unknown appkey", nil, nil, tokenPath, good, tokenBody("appkey", "0000"), "invalid_appkey", "appkey 0000 unknown"},
		{"secret of another app", nil, nil, tokenPath, map[string]string{"x-access-key": docAccess}, tokenBody(), "appkey_mismatch", "secret key of app " + docAppKey},
		{"oauth disabled", disabled, nil, tokenPath, good, tokenBody(), "invalid_client", appKey + " has oauth_enabled: false"},
		{"grant type password", nil, nil, tokenPath, good, tokenBody("grant_type", "password"), "unsupported_grant_type", "grant_type password unsupported"},
		{"grant type missing", nil, nil, tokenPath, good, tokenBody("grant_type", "<none>"), "unsupported_grant_type", "no grant_type"},
		{"unknown code", nil, nil, tokenPath, good, tokenBody("code", "a<b&c"), "invalid_code", "code a<b&c unknown in session default"},
		{"code missing", nil, nil, tokenPath, good, tokenBody("code", "<none>"), "invalid_code", "no code"},
		{"minted code used twice", nil, func(e *env) string {
			wantCode(t, e.exchange(e.mint("used1", redirect), redirect), "1", "success")
			return tokenBody("code", "used1")
		}, tokenPath, good, "", "invalid_code", "code used1 already used at 2026-03-14T09:26:53Z"},
		{"minted code expired", nil, func(e *env) string {
			e.mint("old1", redirect)
			e.advance(10 * time.Minute)
			return tokenBody("code", "old1")
		}, tokenPath, good, "", "invalid_code", "code old1 expired at 2026-03-14T09:36:53Z (session clock 2026-03-14T09:36:53Z)"},
		{"redirect differs", nil, nil, tokenPath, good, tokenBody("redirect_uri", redirect2), "redirect_mismatch", "issued for redirect_uri " + redirect + ", not " + redirect2},
		{"redirect missing", nil, nil, tokenPath, good, tokenBody("redirect_uri", "<none>"), "redirect_mismatch", "no redirect_uri"},
		{"code of another app", nil, nil, tokenPath, good, tokenBody("code", "T3xxjv"), "unauthorized", "code T3xxjv was issued to app " + docAppKey + ", not " + appKey},
		{"refresh token missing", nil, nil, refreshURL, good, tokenBody(), "refresh_invalid_request", "no refresh_token"},
		{"refresh token unknown", nil, nil, refreshURL, good, tokenBody("refresh_token", "nope"), "invalid_refresh_token", "unknown in session default"},
		{"refresh token of another app", nil, func(e *env) string {
			r := e.post(tokenPath, map[string]string{"x-access-key": docAccess}, jsonBody(map[string]string{"appkey": docAppKey, "grant_type": "authorization_code", "code": "T3xxjv", "redirect_uri": redirect}))
			return tokenBody("refresh_token", parse(t, r).ResultData.RefreshToken)
		}, refreshURL, good, "", "invalid_refresh_token", "issued to app " + docAppKey + ", not " + appKey},
		{"refresh token rotated", nil, func(e *env) string {
			tok := e.signIn()
			wantCode(t, e.refresh(tok.RefreshToken), "1", "success")
			return tokenBody("refresh_token", tok.RefreshToken)
		}, refreshURL, good, "", "invalid_refresh_token", "rotated by an earlier refresh at 2026-03-14T09:26:53Z"},
		{"access token as refresh token", nil, func(e *env) string {
			return tokenBody("refresh_token", e.signIn().AccessToken)
		}, refreshURL, good, "", "invalid_refresh_token", "an access token was sent as refresh_token"},
		{"refresh token expired", nil, func(e *env) string {
			tok := parse(t, e.exchange("rFrnww", redirect))
			e.advance(720 * time.Hour)
			return tokenBody("refresh_token", tok.RefreshToken)
		}, refreshURL, good, "", "refresh_token_expired", "refresh token expired at 2026-04-13T09:26:53Z (session clock 2026-04-13T09:26:53Z)"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := newEnv(t, c.fx)
			body := c.body
			if c.setup != nil {
				body = c.setup(e)
			}
			got := e.post(c.path, c.header, body)
			fx := c.fx
			if fx == nil {
				fx = defaults(t)
			}
			want := render(t, fx, c.failure, "POST", "/", body)
			if g, w := normal(t, got.Body), normal(t, want.Body.Bytes()); g != w || got.Status != 200 {
				t.Errorf("got %d %s\nwant 200 %s", got.Status, g, w)
			}
			wantNote(t, e.note(), c.failure, got.Body, c.mention)
		})
	}
}
