package solarman_test

import (
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"math/big"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/golang-jwt/jwt/v5"

	"github.com/tokenmock/tokenmock/internal/fixture"
	"github.com/tokenmock/tokenmock/internal/mock"
	"github.com/tokenmock/tokenmock/internal/solarman"
	"github.com/tokenmock/tokenmock/internal/testkit"
)

// Values of the default fixtures, from the vendor doc.
const (
	app1    = "201911067232002"
	secret1 = "3a8791f012acc13226ca60e63ac6c1aff3"
	app2    = "201911067156002"
	secret2 = "1q3e2ee5w5w20ww"
	cvwwb   = "472bbe83616e93d3c09a79103ae47d8f71e3d35a966d6e8b22f743218d04171d"
	sunsun  = "b6fb8971000faab81a3d6c6f4739f1240055d04af96816d68c9f7d89d1691918"
)

type env struct {
	t   *testing.T
	srv *testkit.Server
	svc *noting
}

func defaults(t *testing.T) *fixture.Solarman {
	t.Helper()
	all, err := fixture.Default()
	if err != nil {
		t.Fatal(err)
	}
	return all.Solarman
}

func newEnv(t *testing.T, fx *fixture.Solarman) *env {
	t.Helper()
	if fx == nil {
		fx = defaults(t)
	}
	var svc *noting
	srv := testkit.Serve(t, "", func(deps mock.Deps) []mock.Vendor {
		s, err := solarman.New(fx, deps)
		if err != nil {
			t.Fatal(err)
		}
		svc = &noting{Service: s}
		return []mock.Vendor{svc}
	})
	return &env{t, srv, svc}
}

func (e *env) token(query, body string) testkit.Response {
	e.t.Helper()
	return testkit.Do(e.t, "POST", e.srv.URL+"/account/v1.0/token"+query, map[string]string{"Content-Type": "application/json"}, body)
}

func (e *env) info(auth string) testkit.Response {
	e.t.Helper()
	h := map[string]string{}
	if auth != "" {
		h["Authorization"] = auth
	}
	return testkit.Do(e.t, "POST", e.srv.URL+"/account/v1.0/info", h, "{}")
}

// answer is the token envelope as a client reads it.
type answer struct {
	Code         *string `json:"code"`
	Msg          *string `json:"msg"`
	Success      bool    `json:"success"`
	RequestID    string  `json:"requestId"`
	AccessToken  string  `json:"access_token"`
	RefreshToken string  `json:"refresh_token"`
	ExpiresIn    string  `json:"expires_in"`
	UID          int64   `json:"uid"`
	OrgInfoList  []struct {
		CompanyID int64 `json:"companyId"`
	} `json:"orgInfoList"`
}

func parse(t *testing.T, r testkit.Response) answer {
	t.Helper()
	if r.Status != 200 || r.Header.Get("Content-Type") != "application/json;charset=UTF-8" {
		t.Fatalf("got %d %q, want 200 application/json;charset=UTF-8", r.Status, r.Header.Get("Content-Type"))
	}
	var a answer
	if err := json.Unmarshal(r.Body, &a); err != nil {
		t.Fatalf("decoding %s: %v", r.Body, err)
	}
	if !regexp.MustCompile(`^[0-9a-f]{16}$`).MatchString(a.RequestID) {
		t.Errorf("got requestId %q, want 16 lowercase hex", a.RequestID)
	}
	return a
}

func body(kv ...any) string {
	var b strings.Builder
	b.WriteString("{")
	for i := 0; i < len(kv); i += 2 {
		if i > 0 {
			b.WriteString(",")
		}
		k, _ := json.Marshal(kv[i])
		v, _ := json.Marshal(kv[i+1])
		b.Write(k)
		b.WriteString(":")
		b.Write(v)
	}
	b.WriteString("}")
	return b.String()
}

// keyFromJWKS reads the one RSA key of GET /_mock/jwks.
func (e *env) keyFromJWKS() *rsa.PublicKey {
	e.t.Helper()
	r := testkit.Do(e.t, "GET", e.srv.URL+"/_mock/jwks", nil, "")
	var set struct {
		Keys []struct{ Kty, Alg, Use, Kid, N, E string }
	}
	if err := json.Unmarshal(r.Body, &set); err != nil || len(set.Keys) != 1 {
		e.t.Fatalf("jwks: got %s (%v), want one key", r.Body, err)
	}
	k := set.Keys[0]
	if k.Kty != "RSA" || k.Alg != "RS256" || k.Use != "sig" || k.Kid == "" {
		e.t.Errorf("jwks: got %+v", k)
	}
	n, err1 := base64.RawURLEncoding.DecodeString(k.N)
	x, err2 := base64.RawURLEncoding.DecodeString(k.E)
	if err1 != nil || err2 != nil {
		e.t.Fatalf("jwks: bad base64url in %+v", k)
	}
	return &rsa.PublicKey{N: new(big.Int).SetBytes(n), E: int(new(big.Int).SetBytes(x).Int64())}
}

// verified checks a token's signature with key and returns its header and
// payload exactly as sent.
func verified(t *testing.T, key *rsa.PublicKey, token string) (header, payload string) {
	t.Helper()
	_, err := jwt.Parse(token, func(*jwt.Token) (any, error) { return key, nil },
		jwt.WithValidMethods([]string{"RS256"}), jwt.WithTimeFunc(func() time.Time { return testkit.T0() }))
	if err != nil {
		t.Fatalf("token does not verify with the JWKS key: %v", err)
	}
	parts := strings.Split(token, ".")
	h, _ := base64.RawURLEncoding.DecodeString(parts[0])
	p, _ := base64.RawURLEncoding.DecodeString(parts[1])
	return string(h), string(p)
}

var jtiRE = regexp.MustCompile(`"(jti|ati)":"([0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12})"`)

// The vendor file's seed cases S1–S5, S9, S10 (vendors/solarman.md §7).
func TestSpecExamples(t *testing.T) {
	exp := testkit.T0().Unix() + 5184000
	cases := []struct {
		name, query, body string
		uid               int64
		access, refresh   string // payloads, with <jti> and <ati> for the random ids
	}{
		{"S1 business token", "?appId=" + app1 + "&language=en", body("appSecret", secret1, "username", "cvwwb", "orgId", 860, "password", cvwwb), 6681,
			`{"user_name":"860_cvwwb_3","scope":["all"],"detail":{"organizationId":860,"topGroupId":1105,"groupId":1105,"roleId":1,"userId":6681,"version":1,"identifier":"cvwwb","identityType":3,"mdc":"FOREIGN_1","appId":"201911067232002"},"exp":EXP,"mdc":"FOREIGN_1","authorities":["all"],"jti":"<jti>","client_id":"test"}`,
			`{"user_name":"860_cvwwb_3","scope":["all"],"ati":"<jti>","detail":{"organizationId":860,"topGroupId":1105,"groupId":1105,"roleId":1,"userId":6681,"version":1,"identifier":"cvwwb","identityType":3,"mdc":"FOREIGN_1","appId":"201911067232002"},"mdc":"FOREIGN_1","authorities":["all"],"jti":"<jti>","client_id":"test"}`},
		{"S2 consumer token", "?appId=" + app1 + "&language=en", body("appSecret", secret1, "username", "cvwwb", "password", cvwwb), 6681,
			`{"user_name":"0_cvwwb_3","scope":["all"],"detail":{"organizationId":0,"topGroupId":null,"groupId":null,"roleId":-1,"userId":6681,"version":1,"identifier":"cvwwb","identityType":3,"mdc":"FOREIGN_1","appId":"201911067232002"},"exp":EXP,"mdc":"FOREIGN_1","authorities":["all"],"jti":"<jti>","client_id":"test"}`, ""},
		{"S3 email", "?appId=" + app2, body("appSecret", secret2, "email", "13255@qq.com", "password", sunsun), 7702,
			`{"user_name":"0_13255@qq.com_2","scope":["all"],"detail":{"organizationId":0,"topGroupId":null,"groupId":null,"roleId":-1,"userId":7702,"version":1,"identifier":"13255@qq.com","identityType":2,"mdc":"FOREIGN_1","appId":"201911067156002"},"exp":EXP,"mdc":"FOREIGN_1","authorities":["all"],"jti":"<jti>","client_id":"test"}`, ""},
		{"S3 email in other case", "?appId=" + app2, body("appSecret", secret2, "email", "13255@QQ.com", "password", sunsun), 7702,
			`{"user_name":"0_13255@qq.com_2",`, ""},
		{"S4 mobile", "?appId=" + app2, body("appSecret", secret2, "countryCode", "86", "mobile", "13255200000", "password", sunsun), 7702,
			`{"user_name":"0_13255200000_1",`, ""},
		{"S4 mobile as a number", "?appId=" + app2, `{"appSecret":"` + secret2 + `","countryCode":"86","mobile":13255200000,"password":"` + sunsun + `"}`, 7702,
			`{"user_name":"0_13255200000_1",`, ""},
		{"S5 username", "?appId=" + app2, body("appSecret", secret2, "username", "sunsun", "password", sunsun, "mobile", ""), 7702,
			`{"user_name":"0_sunsun_3",`, ""},
		{"S9 orgId as a string", "?appId=" + app1 + "&language=en", body("appSecret", secret1, "username", "cvwwb", "orgId", "860", "password", cvwwb), 6681,
			`{"user_name":"860_cvwwb_3",`, ""},
		{"S9 orgId 0 is a consumer login", "?appId=" + app1, body("appSecret", secret1, "username", "cvwwb", "orgId", 0, "password", cvwwb), 6681,
			`{"user_name":"0_cvwwb_3",`, ""},
		{"S10 double slash, no language", "", body("appSecret", secret1, "username", "cvwwb", "orgId", 860, "password", cvwwb), 6681,
			`{"user_name":"860_cvwwb_3",`, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := newEnv(t, nil)
			var r testkit.Response
			if strings.HasPrefix(c.name, "S10") {
				r = testkit.Do(t, "POST", e.srv.URL+"//account/v1.0/token?appId="+app1, nil, c.body)
			} else {
				r = e.token(c.query, c.body)
			}
			a := parse(t, r)
			if !a.Success || a.Code != nil || a.Msg != nil || a.UID != c.uid || a.ExpiresIn != "5183999" {
				t.Fatalf("got %s, want a success for uid %d", r.Body, c.uid)
			}
			if !strings.Contains(string(r.Body), `"token_type":"bearer","refresh_token":"`) || !strings.HasSuffix(string(r.Body), `,"expires_in":"5183999","scope":null,"uid":`+jsonInt(c.uid)+`}`) {
				t.Errorf("got %s, want the documented key order", r.Body)
			}
			key := e.keyFromJWKS()
			h, p := verified(t, key, a.AccessToken)
			if h != `{"alg":"RS256","typ":"JWT"}` {
				t.Errorf("got header %s", h)
			}
			p = jtiRE.ReplaceAllString(p, `"$1":"<jti>"`)
			want := strings.ReplaceAll(c.access, "EXP", jsonInt(exp))
			if !strings.HasPrefix(p, want) {
				t.Errorf("access payload:\ngot  %s\nwant %s", p, want)
			}
			_, rp := verified(t, key, a.RefreshToken)
			if !strings.Contains(rp, `"ati":"`+jtiOf(t, a.AccessToken)+`"`) || strings.Contains(rp, `"exp"`) {
				t.Errorf("refresh payload %s: want ati = the access jti, and no exp", rp)
			}
			if c.refresh != "" {
				if got := jtiRE.ReplaceAllString(rp, `"$1":"<jti>"`); got != c.refresh {
					t.Errorf("refresh payload:\ngot  %s\nwant %s", got, c.refresh)
				}
			}
			if c.name == "S1 business token" {
				testkit.Golden(t, "token_s1", r.Body)
			}
		})
	}
}

func jsonInt(n int64) string { b, _ := json.Marshal(n); return string(b) }

func jtiOf(t testing.TB, token string) string {
	t.Helper()
	p, _ := base64.RawURLEncoding.DecodeString(strings.Split(token, ".")[1])
	var c struct{ JTI string }
	json.Unmarshal(p, &c)
	return c.JTI
}

// S12: /info lists the memberships of the token's user.
func TestInfo(t *testing.T) {
	e := newEnv(t, nil)
	s2 := parse(t, e.token("?appId="+app1, body("appSecret", secret1, "username", "cvwwb", "password", cvwwb)))
	r := e.info("bearer " + s2.AccessToken)
	testkit.Golden(t, "info_s2", r.Body)
	if a := parse(t, r); !a.Success || len(a.OrgInfoList) != 1 || a.OrgInfoList[0].CompanyID != 860 {
		t.Errorf("S2 token: got %s, want company 860", r.Body)
	}
	if !strings.Contains(string(r.Body), `"orgInfoList":[{"companyId":860,"companyName":"Demo Installer 860","roleName":"Owner"}]`) {
		t.Errorf("got %s, want the membership in key order", r.Body)
	}
	s3 := parse(t, e.token("?appId="+app2, body("appSecret", secret2, "email", "13255@qq.com", "password", sunsun)))
	if r := e.info("Bearer   " + s3.AccessToken); !strings.HasSuffix(string(r.Body), `"orgInfoList":[]}`) {
		t.Errorf("S3 token: got %s, want an empty list", r.Body)
	}

	advance := func(d string) {
		testkit.Do(t, "POST", e.srv.URL+"/_mock/clock", nil, `{"advance":"`+d+`"}`)
	}
	advance("1439h59m59s")
	if a := parse(t, e.info("bearer "+s2.AccessToken)); !a.Success {
		t.Errorf("a second before 60 days: got failure %v, want success", *a.Code)
	}
	advance("1s")
	if a := parse(t, e.info("bearer "+s2.AccessToken)); a.Success || *a.Code != "2101019" {
		t.Errorf("after 60 days: got %+v, want 2101019", a)
	}
}

func TestInfoRejectsTokens(t *testing.T) {
	e := newEnv(t, nil)
	tok := parse(t, e.token("?appId="+app1, body("appSecret", secret1, "username", "cvwwb", "password", cvwwb)))
	foreignKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	parts := strings.Split(tok.AccessToken, ".")
	forged, _ := jwt.NewWithClaims(jwt.SigningMethodRS256, jwt.MapClaims{"exp": time.Now().Add(time.Hour).Unix(), "detail": map[string]any{"userId": 6681, "appId": app1}}).SignedString(foreignKey)
	cases := []struct {
		name, auth, code string
	}{
		{"no header", "", "2101017"},
		{"basic scheme", "Basic " + tok.AccessToken, "2101017"},
		{"empty token", "bearer ", "2101017"},
		{"malformed", "bearer abc.def", "2101019"},
		{"foreign-signed", "bearer " + forged, "2101019"},
		{"tampered payload", "bearer " + parts[0] + "." + base64.RawURLEncoding.EncodeToString([]byte(`{"exp":9999999999}`)) + "." + parts[2], "2101019"},
		{"refresh token", "bearer " + tok.RefreshToken, "2101019"},
	}
	for _, c := range cases {
		r := e.info(c.auth)
		a := parse(t, r)
		if a.Success || a.Code == nil || *a.Code != c.code {
			t.Errorf("%s: got %s, want %s", c.name, r.Body, c.code)
		}
		if !regexp.MustCompile(`^\{"code":"\d+","msg":"[^"]+","success":false,"requestId":"[0-9a-f]{16}"\}$`).Match(r.Body) {
			t.Errorf("%s: got %s, want the four-field shape", c.name, r.Body)
		}
	}
}

func TestIntrospect(t *testing.T) {
	e := newEnv(t, nil)
	tok := parse(t, e.token("?appId="+app1, body("appSecret", secret1, "username", "cvwwb", "password", cvwwb)))
	intro := func(token string) string {
		return string(testkit.Do(t, "POST", e.srv.URL+"/_mock/introspect", nil, body("token", token)).Body)
	}
	if got, want := intro(tok.AccessToken), `{"active":true,"vendor":"solarman","kind":"access","client":"201911067232002","user":"cvwwb","expires_at":"2026-05-13T09:26:53Z"}`; got != want {
		t.Errorf("access: got %s, want %s", got, want)
	}
	if got, want := intro(tok.RefreshToken), `{"active":false,"vendor":"solarman","kind":"refresh","client":"201911067232002","user":"cvwwb"}`; got != want {
		t.Errorf("refresh: got %s, want %s", got, want)
	}
	testkit.Do(t, "POST", e.srv.URL+"/_mock/clock", nil, `{"advance":"1440h"}`)
	if got := intro(tok.AccessToken); !strings.HasPrefix(got, `{"active":false,"vendor":"solarman","kind":"access"`) {
		t.Errorf("after 60 days: got %s", got)
	}
}

func TestTokenTTLFromScenario(t *testing.T) {
	// token_ttl is a scenario action; here it is set on the request's
	// context directly, as the scenario engine does.
	fx := defaults(t)
	srv := testkit.Serve(t, "", func(deps mock.Deps) []mock.Vendor {
		s, _ := solarman.New(fx, deps)
		return []mock.Vendor{ttlVendor{s}}
	})
	r := testkit.Do(t, "POST", srv.URL+"/account/v1.0/token?appId="+app1, nil, body("appSecret", secret1, "username", "cvwwb", "password", cvwwb))
	a := parse(t, r)
	_, p := verified(t, newEnvKey(t, srv), a.AccessToken)
	if a.ExpiresIn != "29" || !strings.Contains(p, `"exp":`+jsonInt(testkit.T0().Unix()+30)) {
		t.Errorf("got expires_in %s payload %s, want 29 and exp = now+30", a.ExpiresIn, p)
	}
}

// ttlVendor sets a 30 s token lifetime on every request, as a scenario's
// token_ttl does.
type ttlVendor struct{ *solarman.Service }

func (v ttlVendor) Routes() mock.Routes {
	r := v.Service.Routes()
	r.Use = func(c *gin.Context) {
		c.Request = c.Request.WithContext(mock.WithTokenTTL(c.Request.Context(), 30*time.Second))
	}
	return r
}

func newEnvKey(t *testing.T, srv *testkit.Server) *rsa.PublicKey {
	return (&env{t: t, srv: srv}).keyFromJWKS()
}
