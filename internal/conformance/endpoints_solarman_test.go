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
		solarmanDataCase("solarman.stations", "/station/v1.0/list?language=en", `{"page":1,"size":20}`, `"total":1,"stationList":[{"id":100895,"name":"Demo Home",`, "quota_exceeded"),
		solarmanDataCase("solarman.station_realtime", "//station/v1.0/realTime?language=en", `{"stationId":100895}`, `"generationPower":2196.0,"usePower":640.0,`, "not_found"),
		solarmanDataCase("solarman.station_devices", "/station/v1.0/device?language=en", `{"page":1,"size":19,"stationId":100895}`, `"total":2,"deviceListItems":[{"deviceSn":"2106123456","deviceId":252525,`, "invalid_param"),
		solarmanDataCase("solarman.device_current", "//device/v1.0/currentData?language=en", `{"deviceSn":"2106123456"}`, `"deviceSn":"2106123456","deviceId":252525,"deviceType":"INVERTER","deviceState":1,`, "missing_param"),
	}
}

// solarmanConsumerBody logs cvwwb in without orgId: a consumer token,
// which sees the station 100895 of the default fixtures.
const solarmanConsumerBody = `{"appSecret":"3a8791f012acc13226ca60e63ac6c1aff3","username":"cvwwb","password":"472bbe83616e93d3c09a79103ae47d8f71e3d35a966d6e8b22f743218d04171d"}`

// solarmanDataCase is the case of a SOLARMAN data endpoint: a consumer
// token of the session, then a request of the vendor file's seed
// examples; its success has payload right after the envelope, and it can
// answer failure besides the token errors.
func solarmanDataCase(id, path, body, payload, failure string) endpointCase {
	tokenError := func(code, msg string) func(t *testing.T, a answer) {
		return func(t *testing.T, a answer) {
			wantFields(t, a, 200, map[string]string{"code": `"` + code + `"`, "msg": `"` + msg + `"`, "success": `false`})
			if len(object(t, a)) != 4 {
				t.Errorf("got %s, want the four fields of a gateway failure", a.body)
			}
		}
	}
	codes := map[string][2]string{
		"quota_exceeded": {"2101010", "appId insufficient allowance"},
		"not_found":      {"2101008", "device not exist"},
		"invalid_param":  {"2101006", "invalid param"},
		"missing_param":  {"2101005", "param not exist"},
	}
	return endpointCase{
		id: id,
		prepare: func(t *testing.T, s *client) func() *http.Request {
			login := s.request("POST", "/account/v1.0/token?appId=201911067232002", map[string]string{"Content-Type": "application/json"}, solarmanConsumerBody)
			token := tokenOf(t, s.must(login), "access_token")
			return func() *http.Request {
				return s.request("POST", path, map[string]string{"Authorization": "bearer " + token, "Content-Type": "application/json"}, body)
			}
		},
		real: func(t *testing.T, a answer) {
			wantFields(t, a, 200, map[string]string{"success": `true`, "code": `null`, "msg": `null`})
			re := regexp.MustCompile(`^\{"code":null,"msg":null,"success":true,"requestId":"[0-9a-f]{16}",` + regexp.QuoteMeta(payload))
			if !re.Match(a.body) {
				t.Errorf("got body %s, want it to match %s", a.body, re)
			}
		},
		failures: []failureCase{
			{"token_invalid", tokenError("2101019", "auth invalid token")},
			{"token_not_found", tokenError("2101017", "auth token not found")},
			{failure, tokenError(codes[failure][0], codes[failure][1])},
		},
		expire: &expiry{
			after: 60 * 24 * time.Hour, // the token's 5,184,000 s: at exp it is expired
			check: tokenError("2101019", "auth invalid token"),
		},
		set: `{requestId: "0123456789abcdef"}`,
		setCheck: func(t *testing.T, a answer) {
			wantPrefix(t, a, `{"code":null,"msg":null,"success":true,"requestId":"0123456789abcdef",`+payload)
		},
	}
}
