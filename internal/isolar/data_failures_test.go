package isolar_test

import (
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tokenmock/tokenmock/internal/fixture"
	"github.com/tokenmock/tokenmock/internal/testkit"
)

// Every failure a data call can meet naturally answers exactly what the
// catalogue renders for the same request, on every data endpoint it
// applies to (vendors/isolarcloud-data.md §4).
func TestDataNaturalTriggers(t *testing.T) {
	one, zero := int64(1), int64(0)
	onlyPlants := defaultsWith(t, func(fx *fixture.Isolar) { fx.Apps[0].Endpoints = []string{"isolar.plants"} })
	noEndpoints := defaultsWith(t, func(fx *fixture.Isolar) { fx.Apps[0].Endpoints = []string{} })
	hourly := defaultsWith(t, func(fx *fixture.Isolar) { fx.Apps[0].Quota = &fixture.IsolarQuota{Hourly: &one} })
	monthly := defaultsWith(t, func(fx *fixture.Isolar) { fx.Apps[0].Quota = &fixture.IsolarQuota{Monthly: &zero} })

	// Each case's req makes what the request needs in e (a token, a spent
	// quota) and returns the header and body of the request that fails.
	type request struct {
		header map[string]string
		body   string
	}
	withToken := func(change func(h map[string]string, token string)) func(e *env, path string) request {
		return func(e *env, p string) request {
			h := bearer(e.signIn().AccessToken)
			change(h, h["Authorization"][len("Bearer "):])
			return request{h, validBodies[p]}
		}
	}
	body := func(fields string) func(e *env, path string) request {
		return func(e *env, _ string) request { return request{bearer(e.signIn().AccessToken), withApp(fields)} }
	}
	cases := []struct {
		name    string
		fx      *fixture.Isolar
		paths   []string // nil: all four
		req     func(e *env, path string) request
		failure string
		mention string // what the reason must name
	}{
		{"no access key", nil, nil, withToken(func(h map[string]string, _ string) { delete(h, "x-access-key") }), "missing_access_key", "no x-access-key"},
		{"appkey sent as access key", nil, nil, withToken(func(h map[string]string, _ string) { h["x-access-key"] = appKey }), "illegal_access_key", appKey + "'s appkey"},
		{"form-encoded body", nil, nil, func(e *env, _ string) request {
			h := bearer(e.signIn().AccessToken)
			h["Content-Type"] = "application/x-www-form-urlencoded"
			return request{h, "appkey=" + appKey + "&page=1&size=10"}
		}, "missing_appkey", "application/x-www-form-urlencoded"},
		{"unknown appkey", nil, nil, func(e *env, p string) request {
			return request{bearer(e.signIn().AccessToken), strings.Replace(validBodies[p], appKey, "NOSUCHAPP", 1)}
		}, "invalid_appkey", "appkey NOSUCHAPP unknown"},
		{"secret of another app", nil, nil, withToken(func(h map[string]string, _ string) { h["x-access-key"] = docAccess }), "appkey_mismatch", "secret key of app " + docAppKey},
		{"endpoint not granted to the app", onlyPlants, []string{plantRealtimePath, devicesPath, deviceRealtimePath},
			withToken(func(map[string]string, string) {}), "access_not_authorized", "may not call isolar."},
		{"app granted no endpoint", noEndpoints, nil, withToken(func(map[string]string, string) {}), "access_not_authorized", "(granted: none)"},
		{"no Authorization", nil, nil, withToken(func(h map[string]string, _ string) { delete(h, "Authorization") }), "token_missing", "no Authorization header"},
		{"Basic scheme", nil, nil, withToken(func(h map[string]string, tok string) { h["Authorization"] = "Basic " + tok }), "token_missing", "scheme is Basic, not Bearer"},
		{"Bearer without a token", nil, nil, withToken(func(h map[string]string, _ string) { h["Authorization"] = "Bearer   " }), "token_missing", "Bearer without a token"},
		{"token alone", nil, nil, withToken(func(h map[string]string, tok string) { h["Authorization"] = tok }), "token_missing", "no scheme"},
		{"unknown token", nil, nil, withToken(func(h map[string]string, _ string) {
			h["Authorization"] = "Bearer 7b8e7dd6-b0c2-4d7e-84b0-3089ae39aae4"
		}), "token_invalid", "access token unknown in session default"},
		{"refresh token as bearer", nil, nil, func(e *env, p string) request {
			return request{bearer(e.signIn().RefreshToken), validBodies[p]}
		}, "token_invalid", "a refresh token was sent as the access token"},
		{"expired by the session's clock", nil, nil, func(e *env, p string) request {
			h := bearer(e.signIn().AccessToken)
			e.advance(48 * time.Hour)
			return request{h, validBodies[p]}
		}, "token_invalid", "(session clock 2026-03-16T09:26:53Z)"},
		{"superseded by a refresh", nil, nil, func(e *env, p string) request {
			tok := e.signIn()
			wantCode(t, e.refresh(tok.RefreshToken), "1", "success")
			return request{bearer(tok.AccessToken), validBodies[p]}
		}, "token_invalid", "revoked by a refresh"},
		{"token of another app", nil, nil, func(e *env, p string) request {
			doc := parse(t, e.post(tokenPath, map[string]string{"x-access-key": docAccess},
				jsonBody(map[string]string{"appkey": docAppKey, "grant_type": "authorization_code", "code": "T3xxjv", "redirect_uri": redirect})))
			return request{bearer(doc.ResultData.AccessToken), validBodies[p]}
		}, "token_invalid", "issued to app " + docAppKey + ", not " + appKey},
		{"token of another session", nil, nil, func(e *env, p string) request {
			other := parse(t, e.post("/s/other"+tokenPath, map[string]string{"x-access-key": accessKey},
				jsonBody(map[string]string{"appkey": appKey, "grant_type": "authorization_code", "code": "rFrnww", "redirect_uri": redirect})))
			return request{bearer(other.AccessToken), validBodies[p]}
		}, "token_invalid", "access token unknown in session default"},
		{"monthly quota used up", monthly, nil, withToken(func(map[string]string, string) {}), "monthly_limit", "app " + appKey + " reached its monthly limit (0 calls); resets at 2026-04-01T00:00:00+08:00"},
		{"hourly quota used up", hourly, nil, func(e *env, p string) request {
			h := bearer(e.signIn().AccessToken)
			if r := e.post(p, h, validBodies[p]); parse(t, r).ResultCode != "1" {
				t.Fatalf("first call: got %s, want a success", r.Body)
			}
			return request{h, validBodies[p]}
		}, "hourly_limit", "app " + appKey + " reached its hourly limit (1 calls); resets at 2026-03-14T18:00:00+08:00"},

		{"plants: no page", nil, []string{plantsPath}, body(`"size":10`), "missing_parameter", "page missing"},
		{"plants: size empty", nil, []string{plantsPath}, body(`"page":1,"size":""`), "missing_parameter", "size missing"},
		{"plants: page 0", nil, []string{plantsPath}, body(`"page":0,"size":10`), "invalid_parameter", "page 0 is below 1"},
		{"plants: size not a number", nil, []string{plantsPath}, body(`"page":1,"size":"ten"`), "invalid_parameter", `size "ten" is not an integer`},
		{"plants: page a fraction", nil, []string{plantsPath}, body(`"page":1.5,"size":10`), "invalid_parameter", "page 1.5 is not an integer"},
		{"plants: ps_type of words", nil, []string{plantsPath}, body(`"page":1,"size":10,"ps_type":"1,x"`), "invalid_parameter", `ps_type "1,x" is not a list of integers`},
		{"plants: valid_flag an object", nil, []string{plantsPath}, body(`"page":1,"size":10,"valid_flag":{}`), "invalid_parameter", "valid_flag {} is not a list of integers"},
		{"plants: ps_name a number", nil, []string{plantsPath}, body(`"page":1,"size":10,"ps_name":7`), "invalid_parameter", "ps_name 7 is not a string"},
		{"plant realtime: no ps_id_list", nil, []string{plantRealtimePath}, body(`"point_id_list":["83033"]`), "missing_parameter", "ps_id_list missing"},
		{"plant realtime: empty point_id_list", nil, []string{plantRealtimePath}, body(`"ps_id_list":["700667048"],"point_id_list":[]`), "missing_parameter", "point_id_list missing"},
		{"plant realtime: plant id of letters", nil, []string{plantRealtimePath}, body(`"ps_id_list":["abc"],"point_id_list":["83033"]`), "invalid_parameter", `ps_id_list ["abc"] is not a list of plant ids`},
		{"plant realtime: is_get_point_dict 2", nil, []string{plantRealtimePath}, body(`"ps_id_list":["700667048"],"point_id_list":["83033"],"is_get_point_dict":"2"`), "invalid_parameter", `is_get_point_dict "2" is not 0 or 1`},
		{"plant realtime: 101 points", nil, []string{plantRealtimePath}, body(`"ps_id_list":["700667048"],"point_id_list":` + points(101)), "point_list_too_long", "point_id_list has 101 points, over 100"},
		{"plant realtime: a bad point wins over 101", nil, []string{plantRealtimePath}, body(`"ps_id_list":["700667048"],"point_id_list":` + points(101)[:len(points(101))-1] + `,"x"]`), "invalid_parameter", "is not a list of point ids"},
		{"devices: no ps_id", nil, []string{devicesPath}, body(`"page":1,"size":10`), "missing_parameter", "ps_id missing"},
		{"devices: no size", nil, []string{devicesPath}, body(`"ps_id":"700667048","page":1`), "missing_parameter", "size missing"},
		{"devices: ps_id negative", nil, []string{devicesPath}, body(`"ps_id":"-5","page":1,"size":10`), "invalid_parameter", `ps_id "-5" is not a plant id`},
		{"devices: is_virtual_unit yes", nil, []string{devicesPath}, body(`"ps_id":"700667048","page":1,"size":10,"is_virtual_unit":"yes"`), "invalid_parameter", `is_virtual_unit "yes" is not 0 or 1`},
		{"devices: claim_state 3", nil, []string{devicesPath}, body(`"ps_id":"700667048","page":1,"size":10,"claim_state":3`), "invalid_parameter", "claim_state 3 is not 0 or 1"},
		{"devices: device_type_list of lists", nil, []string{devicesPath}, body(`"ps_id":"700667048","page":1,"size":10,"device_type_list":[[1]]`), "invalid_parameter", "device_type_list [[1]] is not a list of integers"},
		{"device realtime: neither key list", nil, []string{deviceRealtimePath}, body(`"point_id_list":["24"],"device_type":1`), "missing_keys", "ps_key_list and sn_list both missing"},
		{"device realtime: both lists empty", nil, []string{deviceRealtimePath}, body(`"ps_key_list":[],"sn_list":"","point_id_list":["24"],"device_type":1`), "missing_keys", "ps_key_list and sn_list both missing"},
		{"device realtime: keys of commas", nil, []string{deviceRealtimePath}, body(`"ps_key_list":" , ","point_id_list":["24"],"device_type":1`), "missing_keys", `ps_key_list " , " names no key`},
		{"device realtime: no device_type", nil, []string{deviceRealtimePath}, body(`"ps_key_list":["700667048_1_1_1"],"point_id_list":["24"]`), "missing_parameter", "device_type missing"},
		{"device realtime: no points", nil, []string{deviceRealtimePath}, body(`"ps_key_list":["700667048_1_1_1"],"device_type":1`), "missing_parameter", "point_id_list missing"},
		{"device realtime: key a number", nil, []string{deviceRealtimePath}, body(`"ps_key_list":[700667048],"point_id_list":["24"],"device_type":1`), "invalid_parameter", "ps_key_list [700667048] is not a list of strings"},
		{"device realtime: device_type a word", nil, []string{deviceRealtimePath}, body(`"ps_key_list":["700667048_1_1_1"],"point_id_list":["24"],"device_type":"inverter"`), "invalid_parameter", `device_type "inverter" is not an integer`},
		{"device realtime: 101 points", nil, []string{deviceRealtimePath}, body(`"ps_key_list":["700667048_1_1_1"],"point_id_list":` + points(101) + `,"device_type":1`), "point_list_too_long", "point_id_list has 101 points, over 100"},
	}
	for _, c := range cases {
		paths := c.paths
		if paths == nil {
			paths = dataPaths
		}
		for _, p := range paths {
			t.Run(c.name+" "+p[len("/openapi/platform/"):], func(t *testing.T) {
				e := newEnv(t, c.fx)
				req := c.req(e, p)
				got := e.post(p, req.header, req.body)
				fx := c.fx
				if fx == nil {
					fx = defaults(t)
				}
				want := render(t, fx, c.failure, "POST", p, req.body)
				if g, w := normal(t, got.Body), normal(t, want.Body.Bytes()); g != w || got.Status != 200 {
					t.Errorf("got %d %s\nwant 200 %s", got.Status, g, w)
				}
				wantNote(t, e.note(), c.failure, got.Body, c.mention)
			})
		}
	}
}

// points is a JSON list of n distinct point ids, as strings.
func points(n int) string {
	ids := make([]string, n)
	for i := range ids {
		ids[i] = `"` + strconv.Itoa(i+1) + `"`
	}
	return "[" + strings.Join(ids, ",") + "]"
}

// Other /openapi/ paths (endpoints the mock does not model) keep E996.
func TestDataUnmodelledEndpoint(t *testing.T) {
	e := newEnv(t, nil)
	tok := e.signIn()
	r := e.call("/openapi/platform/getPowerStationDetail", tok.AccessToken, withApp(`"ps_id":"700667048"`))
	wantCode(t, r, "E996", "api not found")
}

// Wrong methods on a data path get the gateway's 405, no body.
func TestDataWrongMethod(t *testing.T) {
	e := newEnv(t, nil)
	for _, p := range dataPaths {
		r := testkit.Do(t, http.MethodGet, e.url+p, nil, "")
		if r.Status != http.StatusMethodNotAllowed || r.Header.Get("Allow") != "POST" || len(r.Body) != 0 {
			t.Errorf("GET %s: got %d Allow %q body %q, want 405, Allow POST, no body", p, r.Status, r.Header.Get("Allow"), r.Body)
		}
	}
}
