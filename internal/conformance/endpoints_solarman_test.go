package conformance

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"
)

// solarmanCases are the SOLARMAN endpoints' cases.
func solarmanCases() []endpointCase {
	return []endpointCase{
		{
			id: "solarman.token",
			prepare: func(t *testing.T, s *client) func() *http.Request {
				return func() *http.Request { return solarmanToken(s) }
			},
			real: func(t *testing.T, a answer) {
				wantFields(t, a, 200, map[string]string{"success": `true`, "expires_in": `"5183999"`, "uid": `6681`})
			},
			failures: []failureCase{
				{"service_unavailable", func(t *testing.T, a answer) {
					re := regexp.MustCompile(`^\{"code":"3201001","msg":"Service Currently Unavailable","requestId":"[^"]+","success":false\}$`)
					if a.status != 200 || !re.Match(a.body) {
						t.Errorf("got %d %s, want 200 %s", a.status, a.body, re)
					}
				}},
				{"too_frequently", func(t *testing.T, a answer) {
					wantFields(t, a, 200, map[string]string{"code": `"2101002"`, "msg": `"client execute Too Frequently"`, "success": `false`})
				}},
			},
			ttl: func(t *testing.T, s *client, req func() *http.Request) string {
				a := s.must(req())
				wantFields(t, a, 200, map[string]string{"success": `true`, "expires_in": `"29"`})
				// The JWT's exp matches: the session's now + 30 s.
				parts := strings.Split(tokenOf(t, a, "access_token"), ".")
				if len(parts) != 3 {
					t.Fatalf("got access_token with %d parts, want a JWT", len(parts))
				}
				payload, err := base64.RawURLEncoding.DecodeString(parts[1])
				var claims struct{ Exp int64 }
				if err == nil {
					err = json.Unmarshal(payload, &claims)
				}
				if left := claims.Exp - s.now().Unix(); err != nil || left != 30 {
					t.Errorf("got JWT claims %s (%v), want exp 30 s after the session's now", payload, err)
				}
				return strings.Join(parts, ".")
			},
			set: `{uid: 1}`,
			setCheck: func(t *testing.T, a answer) {
				wantPrefix(t, a, `{"code":null,"msg":null,"success":true,"requestId":"`)
				if !strings.HasSuffix(string(a.body), `"scope":null,"uid":1}`) {
					t.Errorf("got body %s, want it to end with \"scope\":null,\"uid\":1}", a.body)
				}
			},
		},
		{
			id: "solarman.info",
			expire: &expiry{
				after: 60 * 24 * time.Hour, // the token's 5,184,000 s: at exp it is expired
				check: func(t *testing.T, a answer) {
					wantFields(t, a, 200, map[string]string{"code": `"2101019"`, "success": `false`})
				},
			},
			prepare: func(t *testing.T, s *client) func() *http.Request {
				token := tokenOf(t, s.must(solarmanToken(s)), "access_token")
				return func() *http.Request {
					return s.request("POST", "/account/v1.0/info", map[string]string{"Authorization": "bearer " + token, "Content-Type": "application/json"}, "{}")
				}
			},
			real: func(t *testing.T, a answer) {
				wantFields(t, a, 200, map[string]string{"success": `true`, "code": `null`})
				if _, ok := object(t, a)["orgInfoList"].([]any); !ok {
					t.Errorf("got %s, want an orgInfoList", a.body)
				}
			},
			failures: []failureCase{
				{"token_invalid", func(t *testing.T, a answer) {
					wantFields(t, a, 200, map[string]string{"code": `"2101019"`, "msg": `"auth invalid token"`, "success": `false`})
				}},
				{"token_not_found", func(t *testing.T, a answer) {
					wantFields(t, a, 200, map[string]string{"code": `"2101017"`, "success": `false`})
				}},
			},
			set: `{success: false}`,
			setCheck: func(t *testing.T, a answer) {
				wantPrefix(t, a, `{"code":null,"msg":null,"success":false,"requestId":"`)
			},
		},
	}
}
