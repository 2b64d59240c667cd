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
	clock := testkit.NewClock()
	svc := isolar.New(fx, mock.Deps{Now: session.Clock{Wall: clock.Now}.Now, IDs: testkit.IDs()})
	f, ok := svc.Routes().Failure(name)
	if !ok {
		t.Fatalf("no failure %q in the catalogue", name)
	}
	eng := gin.New()
	eng.Any("/*any", func(c *gin.Context) {
		c.Request = c.Request.WithContext(mock.WithRequest(context.Background(), &mock.Request{Body: []byte(body)}))
		f.Render(c)
	})
	w := httptest.NewRecorder()
	eng.ServeHTTP(w, httptest.NewRequest(method, target, strings.NewReader(body)))
	return w
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
				w := render(t, fx, name, "GET", query, "")
				testkit.Golden(t, "catalogue_"+name, fmt.Appendf(nil, "%d %s\n%s", w.Code, w.Header().Get("Location"), w.Body.Bytes()))
				return
			}
			w := render(t, fx, name, "POST", "/", body)
			if w.Code != 200 || w.Header().Get("Content-Type") != "application/json;charset=UTF-8" {
				t.Errorf("got %d %q, want 200 JSON", w.Code, w.Header().Get("Content-Type"))
			}
			testkit.Golden(t, "catalogue_"+name, w.Body.Bytes())
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
	cases := []struct {
		name    string
		fx      *fixture.Isolar
		setup   func(e *env) string // makes state and returns the body
		path    string
		header  map[string]string
		body    string
		failure string
	}{
		{"no access key", nil, nil, tokenPath, nil, tokenBody(), "missing_access_key"},
		{"empty access key", nil, nil, refreshURL, map[string]string{"x-access-key": ""}, tokenBody(), "missing_access_key"},
		{"appkey sent as access key", nil, nil, tokenPath, map[string]string{"x-access-key": appKey}, tokenBody(), "illegal_access_key"},
		{"refresh, illegal key", nil, nil, refreshURL, map[string]string{"x-access-key": "nope"}, `{}`, "illegal_access_key"},
		{"the document's own sample", nil, nil, tokenPath, good, `{"grant_type":"authorization_code","code":"rFrnww","redirect_uri":"https://web3.isolarcloud.com.cn"}`, "missing_appkey"},
		{"malformed JSON", nil, nil, tokenPath, good, `{"appkey":"B968E49385CBD8C74587A374E7B1D21A",`, "missing_appkey"},
		{"form-encoded body", nil, nil, tokenPath, map[string]string{"x-access-key": accessKey, "Content-Type": "application/x-www-form-urlencoded"}, "appkey=" + appKey + "&grant_type=authorization_code&code=rFrnww", "missing_appkey"},
		{"JSON array", nil, nil, refreshURL, good, `[1,2]`, "missing_appkey"},
		{"appkey not a string", nil, nil, tokenPath, good, `{"appkey":12}`, "missing_appkey"},
		{"unknown appkey", nil, nil, tokenPath, good, tokenBody("appkey", "0000"), "invalid_appkey"},
		{"secret of another app", nil, nil, tokenPath, map[string]string{"x-access-key": docAccess}, tokenBody(), "appkey_mismatch"},
		{"oauth disabled", disabled, nil, tokenPath, good, tokenBody(), "invalid_client"},
		{"grant type password", nil, nil, tokenPath, good, tokenBody("grant_type", "password"), "unsupported_grant_type"},
		{"grant type missing", nil, nil, tokenPath, good, tokenBody("grant_type", "<none>"), "unsupported_grant_type"},
		{"unknown code", nil, nil, tokenPath, good, tokenBody("code", "a<b&c"), "invalid_code"},
		{"code missing", nil, nil, tokenPath, good, tokenBody("code", "<none>"), "invalid_code"},
		{"redirect differs", nil, nil, tokenPath, good, tokenBody("redirect_uri", redirect2), "redirect_mismatch"},
		{"redirect missing", nil, nil, tokenPath, good, tokenBody("redirect_uri", "<none>"), "redirect_mismatch"},
		{"code of another app", nil, nil, tokenPath, good, tokenBody("code", "T3xxjv"), "unauthorized"},
		{"refresh token missing", nil, nil, refreshURL, good, tokenBody(), "refresh_invalid_request"},
		{"refresh token unknown", nil, nil, refreshURL, good, tokenBody("refresh_token", "nope"), "invalid_refresh_token"},
		{"refresh token of another app", nil, func(e *env) string {
			r := e.post(tokenPath, map[string]string{"x-access-key": docAccess}, jsonBody(map[string]string{"appkey": docAppKey, "grant_type": "authorization_code", "code": "T3xxjv", "redirect_uri": redirect}))
			return tokenBody("refresh_token", parse(t, r).ResultData.RefreshToken)
		}, refreshURL, good, "", "invalid_refresh_token"},
		{"refresh token expired", nil, func(e *env) string {
			tok := parse(t, e.exchange("rFrnww", redirect))
			e.advance(720 * time.Hour)
			return tokenBody("refresh_token", tok.RefreshToken)
		}, refreshURL, good, "", "refresh_token_expired"},
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
		})
	}
}
