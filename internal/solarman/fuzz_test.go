package solarman_test

import (
	"bytes"
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/gin-gonic/gin"
	"github.com/golang-jwt/jwt/v5"

	"github.com/tokenmock/tokenmock/internal/fixture"
	"github.com/tokenmock/tokenmock/internal/mock"
	"github.com/tokenmock/tokenmock/internal/server"
	"github.com/tokenmock/tokenmock/internal/solarman"
	"github.com/tokenmock/tokenmock/internal/testkit"
	"github.com/tokenmock/tokenmock/internal/testkit/apicheck"
)

type fuzzLog = testkit.ErrorLog

// fuzzEnv is the real server assembly with the default fixtures, minus the
// per-app rate limit (so that every input reaches the body checks), called
// in-process with a fixed clock and seeded ids.
type fuzzEnv struct {
	h     http.Handler
	log   *fuzzLog
	key   *rsa.PrivateKey
	codes map[string]map[string]bool // endpoint → failure codes of the catalogue
	svc   *noting
}

func newFuzzEnv(tb testing.TB) *fuzzEnv {
	tb.Helper()
	all, err := fixture.Default()
	if err != nil {
		tb.Fatal(err)
	}
	fx := *all.Solarman
	fx.Apps = append([]fixture.SolarmanApp(nil), fx.Apps...)
	for i := range fx.Apps {
		fx.Apps[i].RateLimit = &fixture.RateLimit{}
	}
	key, err := fixture.ParseRSAPrivateKeyPEM(fx.SigningKeyPEM)
	if err != nil {
		tb.Fatal(err)
	}
	lg := &fuzzLog{}
	var svc *noting
	h, _ := testkit.Assemble("", slog.New(lg), func(deps mock.Deps) []mock.Vendor {
		s, err := solarman.New(&fx, deps)
		if err != nil {
			tb.Fatal(err)
		}
		svc = &noting{Service: s}
		return []mock.Vendor{svc}
	})
	e := &fuzzEnv{
		h:     apicheck.Direct(h),
		log:   lg,
		key:   key,
		codes: map[string]map[string]bool{},
		svc:   svc,
	}
	// The catalogue's codes as its renderer writes them, without
	// remote_rpc_exception: the answer of a recovered panic.
	for _, f := range svc.Routes().Failures {
		if f.Name == "remote_rpc_exception" {
			continue
		}
		w := httptest.NewRecorder()
		c, _ := gin.CreateTestContext(w)
		c.Request = httptest.NewRequest(http.MethodPost, "/", nil)
		f.Render(c)
		var got struct{ Code string }
		if err := json.Unmarshal(w.Body.Bytes(), &got); err != nil || got.Code == "" {
			tb.Fatalf("rendering %s: %v: %s", f.Name, err, w.Body.Bytes())
		}
		for _, ep := range f.Endpoints {
			if e.codes[ep] == nil {
				e.codes[ep] = map[string]bool{}
			}
			e.codes[ep][got.Code] = true
		}
	}
	return e
}

func (e *fuzzEnv) do(target, rawQuery, auth string, body []byte) *httptest.ResponseRecorder {
	req := httptest.NewRequest(http.MethodPost, target, bytes.NewReader(body))
	req.URL.RawQuery = rawQuery
	req.Header.Set("Content-Type", "application/json")
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	w := httptest.NewRecorder()
	e.h.ServeHTTP(w, req)
	return w
}

var hex16 = regexp.MustCompile(`^[0-9a-f]{16}$`)

// check asserts what every answer of ep has: HTTP 200 JSON, success, a
// requestId, and on failure a code of the catalogue. It returns the body.
func (e *fuzzEnv) check(t *testing.T, ep, what string, w *httptest.ResponseRecorder) map[string]json.RawMessage {
	t.Helper()
	if msgs := e.log.Take(); len(msgs) > 0 {
		t.Fatalf("%s: error logged (a recovered panic?): %v", what, msgs)
	}
	if w.Code != http.StatusOK {
		t.Fatalf("%s: got status %d (%s), want 200", what, w.Code, w.Body.Bytes())
	}
	if ct := w.Header().Get("Content-Type"); ct != "application/json;charset=UTF-8" {
		t.Fatalf("%s: got Content-Type %q", what, ct)
	}
	var got map[string]json.RawMessage
	if err := json.Unmarshal(w.Body.Bytes(), &got); err != nil {
		t.Fatalf("%s: answer is no JSON object: %v: %s", what, err, w.Body.Bytes())
	}
	var success bool
	if err := json.Unmarshal(got["success"], &success); err != nil || got["success"] == nil {
		t.Fatalf("%s: no boolean success in %s", what, w.Body.Bytes())
	}
	var id string
	if json.Unmarshal(got["requestId"], &id) != nil || !hex16.MatchString(id) {
		t.Fatalf("%s: bad requestId in %s", what, w.Body.Bytes())
	}
	if !success {
		var code string
		if json.Unmarshal(got["code"], &code) != nil || !e.codes[ep][code] {
			t.Fatalf("%s: code %s is not a failure of %s: %s", what, got["code"], ep, w.Body.Bytes())
		}
		// Every failure here is natural: it explains itself in the log.
		if n := e.svc.note(); n.Name == "" || n.Field != "code" || n.Code != code || n.Reason == "" {
			t.Fatalf("%s: note %+v, want the failure with code %s and a reason", what, n, code)
		}
	} else if n := e.svc.note(); n != (mock.Note{}) {
		t.Fatalf("%s: a success noted %+v", what, n)
	}
	if success && got["code"] != nil && string(got["code"]) != "null" {
		t.Fatalf("%s: a success with code %s", what, got["code"])
	}
	return got
}

// FuzzTokenBody posts any body, with any appId and any further query, to
// /account/v1.0/token.
func FuzzTokenBody(f *testing.F) {
	e := newFuzzEnv(f)
	const app3, secret3 = "202304010000001", "0f1e2d3c4b5a69788796a5b4c3d2e1f0"
	seeds := []struct {
		appID, query, body string
	}{
		{app1, "language=en", body("appSecret", secret1, "username", "cvwwb", "orgId", 860, "password", cvwwb)},
		{app1, "", body("appSecret", secret1, "username", "cvwwb", "password", cvwwb)},
		{app2, "", body("appSecret", secret2, "email", "13255@QQ.com", "password", sunsun)},
		{app2, "", `{"appSecret":"` + secret2 + `","countryCode":86,"mobile":13255200000,"password":"` + sunsun + `"}`},
		{app2, "", body("appSecret", secret2, "mobile", "13255200000", "password", sunsun)},
		{app3, "", body("appSecret", secret3, "username", "sunsun", "password", "solarman123")},
		{app1, "", body("appSecret", secret1, "username", "cvwwb", "orgId", "0860", "password", cvwwb)},
		{app1, "", `{"appSecret":"` + secret1 + `","username":"cvwwb","orgId":-1,"password":"` + cvwwb + `"}`},
		{app1, "", `{"appSecret":"` + secret1 + `","username":"cvwwb","orgId":99999999999999999999,"password":"` + cvwwb + `"}`},
		{app1, "", `{"appSecret":"` + secret1 + `","username":"cvwwb","orgId":8.6e2,"password":"` + cvwwb + `"}`},
		{app1, "", `{"appSecret":"` + secret1 + `","username":"cvwwb","orgId":861,"password":"` + cvwwb + `"}`},
		{app1, "", `{"appSecret":"` + secret1 + `","username":"cvwwb","email":"13255@qq.com","password":"` + cvwwb + `"}`},
		{app1, "", `{"appSecret":["` + secret1 + `"],"username":true,"password":{}}`},
		{app1, "", `{"appSecret":null,"username":"","password":-0}`},
		{app1, "", `{"appSecret":"` + secret1 + `","appSecret":"x","username":"cvwwb","password":"` + cvwwb + `"}`},
		{app1, "", "{\"appSecret\":\"" + secret1 + "\",\"username\":\"cv\xffwb\",\"password\":\"\\u0000\"}"},
		{app1, "appId=" + app2, `{}`},
		{"", "appId=" + app1, `[]`},
		{"", "", `null`},
		{"nosuchapp", "", `{}`},
		{app1, "", ``},
		{app1, "", `{"appSecret":"` + secret1 + `"} {}`},
		{app1, "", `{"a":` + strings.Repeat(`[{"b":`, 50) + `0` + strings.Repeat(`}]`, 50) + `}`},
		{"\x00\xff%", "%zz&appId&;=", "\x00"},
	}
	for _, s := range seeds {
		f.Add(s.appID, s.query, []byte(s.body))
	}
	f.Fuzz(func(t *testing.T, appID, query string, body []byte) {
		var raw []string
		if appID != "" {
			raw = append(raw, "appId="+url.QueryEscape(appID))
		}
		if query != "" {
			raw = append(raw, query)
		}
		w := e.do("/account/v1.0/token", strings.Join(raw, "&"), "", body)
		if len(body) > server.MaxBody {
			if w.Code != http.StatusRequestEntityTooLarge {
				t.Fatalf("%d-byte body: got %d, want 413", len(body), w.Code)
			}
			return
		}
		got := e.check(t, solarman.EndpointToken, "appId "+quoted(appID)+" query "+quoted(query)+" body "+quoted(string(body)), w)
		if string(got["success"]) == "true" {
			var tok string
			var uid int64
			if json.Unmarshal(got["access_token"], &tok) != nil || tok == "" || json.Unmarshal(got["uid"], &uid) != nil || uid == 0 {
				t.Fatalf("a success without access_token or uid: %s", w.Body.Bytes())
			}
		}
	})
}

func quoted(s string) string { b, _ := json.Marshal(s); return string(b) }

// forge signs payload with the fixtures' key: a token the fuzzer could
// never make, to reach the checks behind the signature.
func forge(tb testing.TB, key *rsa.PrivateKey, header, payload string) string {
	tb.Helper()
	enc := base64.RawURLEncoding
	input := enc.EncodeToString([]byte(header)) + "." + enc.EncodeToString([]byte(payload))
	sum := sha256.Sum256([]byte(input))
	sig, err := rsa.SignPKCS1v15(nil, key, crypto.SHA256, sum[:])
	if err != nil {
		tb.Fatal(err)
	}
	return input + "." + enc.EncodeToString(sig)
}

// FuzzInfoAuthorization sends any Authorization value to
// /account/v1.0/info.
func FuzzInfoAuthorization(f *testing.F) {
	e := newFuzzEnv(f)
	var tok struct {
		AccessToken  string `json:"access_token"`
		RefreshToken string `json:"refresh_token"`
	}
	w := e.do("/account/v1.0/token", "appId="+app1, "", []byte(body("appSecret", secret1, "username", "cvwwb", "password", cvwwb)))
	if err := json.Unmarshal(w.Body.Bytes(), &tok); err != nil || tok.AccessToken == "" {
		f.Fatalf("seed token: %v: %s", err, w.Body.Bytes())
	}
	const rs256 = `{"alg":"RS256","typ":"JWT"}`
	// Tokens are known by their jti in the session that got them: forged
	// payloads carry the seed token's, to reach the checks behind it.
	known := `{"jti":"` + jtiOf(f, tok.AccessToken) + `",`
	// The forger works: a token of its own making is accepted.
	forged := forge(f, e.key, rs256, known+`"exp":9999999999,"detail":{"userId":6681,"appId":"`+app1+`"}}`)
	if w := e.do("/account/v1.0/info", "", "bearer "+forged, []byte("{}")); !strings.Contains(w.Body.String(), `"success":true`) {
		f.Fatalf("a forged token is refused: %s", w.Body.Bytes())
	}
	for _, auth := range []string{
		"bearer " + tok.AccessToken,
		"Bearer    " + tok.AccessToken,
		"BEARER " + tok.AccessToken + " ",
		"bearer\t" + tok.AccessToken,
		"bearer " + tok.RefreshToken,
		"bearer " + tok.AccessToken[:len(tok.AccessToken)-2],
		"bearer " + strings.Replace(tok.AccessToken, ".", "..", 1),
		"Basic " + base64.StdEncoding.EncodeToString([]byte(app1+":"+secret1)),
		"bearer", "bearer ", "", " ", "bearer a.b.c", "bearer ...",
		"bearer eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0.eyJleHAiOjk5OTk5OTk5OTl9.",
		"bearer " + forge(f, e.key, rs256, known+`"exp":9999999999,"detail":{"userId":6681,"appId":"`+app1+`"}}`),
		"bearer " + forge(f, e.key, rs256, known+`"exp":9999999999,"detail":{"userId":6681,"appId":""}}`),
		"bearer " + forge(f, e.key, rs256, known+`"exp":9999999999,"detail":{"userId":1,"appId":"`+app1+`"}}`),
		"bearer " + forge(f, e.key, rs256, known+`"exp":9999999999,"ati":"x","detail":{"userId":6681,"appId":"`+app1+`"}}`),
		"bearer " + forge(f, e.key, rs256, known+`"detail":{"userId":6681,"appId":"`+app1+`"}}`),
		"bearer " + forge(f, e.key, rs256, known+`"exp":"9999999999","detail":{"userId":6681,"appId":"`+app1+`"}}`),
		"bearer " + forge(f, e.key, rs256, known+`"exp":1e400}`),
		"bearer " + forge(f, e.key, rs256, known+`"exp":-9223372036854775808,"detail":{"userId":6681,"appId":"`+app1+`"}}`),
		"bearer " + forge(f, e.key, rs256, known+`"exp":9999999999,"detail":null}`),
		"bearer " + forge(f, e.key, rs256, `{"exp":9999999999,"detail":{"userId":6681,"appId":"`+app1+`"}}`),
		"bearer " + forge(f, e.key, rs256, `null`),
		"bearer " + forge(f, e.key, rs256, `[]`),
		"bearer " + forge(f, e.key, `{"alg":"RS256","crit":["exp"]}`, `{"exp":9999999999}`),
		"bearer " + forge(f, e.key, `{"alg":"HS256"}`, `{"exp":9999999999}`),
		"bearer " + hs256(f, e.key),
	} {
		f.Add(auth)
	}
	f.Fuzz(func(t *testing.T, auth string) {
		w := e.do("/account/v1.0/info", "", auth, []byte("{}"))
		got := e.check(t, solarman.EndpointInfo, "Authorization "+quoted(auth), w)
		if string(got["success"]) == "true" {
			var list []json.RawMessage
			if json.Unmarshal(got["orgInfoList"], &list) != nil || list == nil {
				t.Fatalf("a success without orgInfoList: %s", w.Body.Bytes())
			}
		}
	})
}

// hs256 is the classic algorithm confusion: HMAC keyed with the public key.
func hs256(tb testing.TB, key *rsa.PrivateKey) string {
	tb.Helper()
	der, err := x509.MarshalPKIXPublicKey(&key.PublicKey)
	if err != nil {
		tb.Fatal(err)
	}
	pemKey := pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})
	s, err := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims{"exp": 9999999999,
		"detail": map[string]any{"userId": 6681, "appId": app1}}).SignedString(pemKey)
	if err != nil {
		tb.Fatal(err)
	}
	return s
}

// FuzzDataBody posts any body to each data endpoint with a live token of
// the consumer who owns the default station.
func FuzzDataBody(f *testing.F) {
	e := newFuzzEnv(f)
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	w := e.do("/account/v1.0/token", "appId="+app1, "", []byte(body("appSecret", secret1, "username", "cvwwb", "password", cvwwb)))
	if err := json.Unmarshal(w.Body.Bytes(), &tok); err != nil || tok.AccessToken == "" {
		f.Fatalf("seed token: %v: %s", err, w.Body.Bytes())
	}
	paths := []struct{ id, path string }{
		{solarman.EndpointStations, "/station/v1.0/list"},
		{solarman.EndpointStationRealtime, "/station/v1.0/realTime"},
		{solarman.EndpointStationDevices, "/station/v1.0/device"},
		{solarman.EndpointDeviceCurrent, "/device/v1.0/currentData"},
	}
	for i, b := range []string{
		`{"page":1,"size":20}`, `{}`, ``, ` `, `null`, `[]`, `{"page":0}`, `{"page":"2","size":"1"}`,
		`{"page":9223372036854775807,"size":9223372036854775807}`, `{"page":-9223372036854775808}`,
		`{"page":1e3}`, `{"size":99999999999999999999}`, `{"size":"+5"}`, `{"page":" 1"}`,
		`{"stationId":100895}`, `{"stationId":"100895"}`, `{"stationId":100322}`, `{"stationId":-1}`,
		`{"stationId":100895.0}`, `{"stationId":true}`, `{"stationId":{}}`, `{"stationId":""}`,
		`{"stationId":100895,"page":1,"size":201,"deviceType":"INVERTER"}`, `{"stationId":100895,"deviceType":[]}`,
		`{"deviceSn":"2106123456"}`, `{"deviceSn":2106123456,"deviceId":"x"}`, `{"deviceSn":"NOPE"}`,
		`{"deviceSn":"2203987654"}`, `{"deviceSn":["2106123456"]}`, "{\"deviceSn\":\"\xff\"}",
		`{"deviceSn":"2106123456"} {}`, `{"a":` + strings.Repeat(`[{"b":`, 50) + `0` + strings.Repeat(`}]`, 50) + `}`,
	} {
		f.Add(uint8(i), []byte(b))
	}
	f.Fuzz(func(t *testing.T, which uint8, body []byte) {
		ep := paths[int(which)%len(paths)]
		w := e.do(ep.path, "language=en", "bearer "+tok.AccessToken, body)
		if len(body) > server.MaxBody {
			if w.Code != http.StatusRequestEntityTooLarge {
				t.Fatalf("%d-byte body: got %d, want 413", len(body), w.Code)
			}
			return
		}
		got := e.check(t, ep.id, ep.path+" body "+quoted(string(body)), w)
		if string(got["success"]) == "true" && len(got) < 5 {
			t.Fatalf("a success without its payload: %s", w.Body.Bytes())
		}
	})
}
