package conformance

import (
	"net/http"
	"strings"
	"testing"
	"time"
)

// isolarData is a data call of the default app with the session's token
// from the static code's exchange.
func isolarData(t *testing.T, s *client, path, body string) func() *http.Request {
	t.Helper()
	token := tokenOf(t, s.must(isolarToken(s)), "access_token")
	return func() *http.Request {
		return s.request("POST", path, map[string]string{"x-access-key": isolarAccessKey, "Authorization": "Bearer " + token, "Content-Type": "application/json"},
			`{`+body+`,"appkey":"`+isolarAppKey+`","lang":"_en_US"}`)
	}
}

// isolarTokenExpired is what a data call answers once the token it
// carries has lived its two days by the session's clock.
var isolarTokenExpired = &expiry{
	after: 48*time.Hour + time.Second,
	check: func(t *testing.T, a answer) {
		wantFields(t, a, 200, map[string]string{"result_code": `"E00003"`, "result_msg": `"er_token_login_invalid"`, "result_data": `null`})
	},
}

// isolarDataFailures are failures every data endpoint can answer.
var isolarDataFailures = []failureCase{
	{"token_invalid", func(t *testing.T, a answer) {
		wantFields(t, a, 200, map[string]string{"result_code": `"E00003"`, "result_msg": `"er_token_login_invalid"`, "result_data": `null`})
	}},
	{"monthly_limit", func(t *testing.T, a answer) {
		wantFields(t, a, 200, map[string]string{"result_code": `"E998"`, "result_msg": `"er_month_call_api_times_upper_limit"`})
	}},
}

// isolarCases are the iSolarCloud endpoints' cases.
func isolarCases() []endpointCase {
	realIsolarToken := func(t *testing.T, a answer) {
		t.Helper()
		wantFields(t, a, 200, map[string]string{"result_code": `"1"`, "result_data.auth_user": `408056`, "expires_in": `172799`})
	}
	return []endpointCase{
		{
			id: "isolar.authorize",
			// The consent form's one-time ticket lives as long as a code.
			expire: &expiry{
				after: 10*time.Minute + time.Second,
				prepare: func(t *testing.T, s *client) func() *http.Request {
					a := s.must(s.request("POST", "/authorized-app/login", map[string]string{"Content-Type": "application/x-www-form-urlencoded"},
						"cloudId=1&applicationId=1001&redirectUrl=https%3A%2F%2Fweb3.isolarcloud.com.cn&state=abc&account=demo%40example.com&password=demo1234"))
					m := ticketRE.FindSubmatch(a.body)
					if a.status != 200 || m == nil {
						t.Fatalf("login: got %d %s, want the consent page with a ticket", a.status, a.body)
					}
					return func() *http.Request {
						return s.request("POST", "/authorized-app/consent", map[string]string{"Content-Type": "application/x-www-form-urlencoded"},
							"decision=approve&ticket="+string(m[1]))
					}
				},
				check: func(t *testing.T, a answer) {
					wantPage(t, a, 400, "The authorization request has expired or was already used")
				},
				fresh: func(t *testing.T, a answer) {
					if loc := a.header.Get("Location"); a.status != 302 || !strings.HasPrefix(loc, "https://web3.isolarcloud.com.cn?code=") {
						t.Errorf("got %d Location %q, want 302 with a code", a.status, loc)
					}
				},
			},
			prepare: func(t *testing.T, s *client) func() *http.Request {
				return func() *http.Request {
					return s.request("GET", "/authorized-app?cloudId=1&applicationId=1001&redirectUrl=https%3A%2F%2Fweb3.isolarcloud.com.cn&state=abc", nil, "")
				}
			},
			real: func(t *testing.T, a answer) {
				wantPage(t, a, 200, `<form method="post" action="/authorized-app/login">`)
			},
			failures: []failureCase{
				{"redirect_not_registered", func(t *testing.T, a answer) {
					wantPage(t, a, 400, "The redirect address does not match")
				}},
				{"access_denied", func(t *testing.T, a answer) {
					if loc := a.header.Get("Location"); a.status != 302 || loc != "https://web3.isolarcloud.com.cn?error=access_denied&state=abc" {
						t.Errorf("got %d Location %q, want 302 to https://web3.isolarcloud.com.cn?error=access_denied&state=abc", a.status, loc)
					}
				}},
			},
		},
		{
			id: "isolar.token",
			expire: &expiry{
				after: 10*time.Minute + time.Second, // the app's code_ttl
				prepare: func(t *testing.T, s *client) func() *http.Request {
					code := mintCode(t, s, `{"vendor":"isolar","appkey":"`+isolarAppKey+`","redirect_uri":"https://web3.isolarcloud.com.cn"}`)
					return func() *http.Request {
						return s.request("POST", "/openapi/apiManage/token", map[string]string{"x-access-key": isolarAccessKey, "Content-Type": "application/json"},
							`{"appkey":"`+isolarAppKey+`","grant_type":"authorization_code","code":"`+code+`","redirect_uri":"https://web3.isolarcloud.com.cn"}`)
					}
				},
				check: func(t *testing.T, a answer) {
					wantFields(t, a, 200, map[string]string{"result_code": `"2"`, "error": `"invalid_grant"`})
				},
			},
			prepare: func(t *testing.T, s *client) func() *http.Request {
				return func() *http.Request { return isolarToken(s) }
			},
			real: realIsolarToken,
			failures: []failureCase{
				{"hourly_limit", func(t *testing.T, a answer) {
					wantFields(t, a, 200, map[string]string{"result_code": `"E999"`, "result_msg": `"er_hour_call_api_times_upper_limit"`, "result_data": `null`})
				}},
				{"invalid_code", func(t *testing.T, a answer) {
					// The message takes the request's own code.
					wantFields(t, a, 200, map[string]string{"result_code": `"2"`, "error": `"invalid_grant"`, "result_msg": `"Invalid authorization code: rFrnww"`})
				}},
			},
			ttl: func(t *testing.T, s *client, req func() *http.Request) string {
				a := s.must(req())
				wantFields(t, a, 200, map[string]string{"result_code": `"1"`, "expires_in": `29`, "result_data.expires_in": `29`})
				return tokenOf(t, a, "access_token")
			},
			set: `{result_msg: changed, result_data.auth_user: 7}`,
			setCheck: func(t *testing.T, a answer) {
				wantPrefix(t, a, `{"result_msg":"changed","result_code":"1","result_data":{"access_token":"`)
				wantFields(t, a, 200, map[string]string{"result_data.auth_user": `7`, "expires_in": `172799`})
				if !strings.Contains(string(a.body), `"auth_user":7}`) {
					t.Errorf("got body %s, want auth_user replaced in place, still last of result_data", a.body)
				}
			},
		},
		{
			id: "isolar.refresh",
			expire: &expiry{
				after: 720*time.Hour + time.Second, // the refresh token's 30 days
				check: func(t *testing.T, a answer) {
					wantFields(t, a, 200, map[string]string{"result_code": `"1"`, "result_data.code": `"-2"`})
				},
			},
			prepare: func(t *testing.T, s *client) func() *http.Request {
				refresh := tokenOf(t, s.must(isolarToken(s)), "refresh_token")
				return func() *http.Request {
					return s.request("POST", "/openapi/apiManage/refreshToken", map[string]string{"x-access-key": isolarAccessKey, "Content-Type": "application/json"},
						`{"appkey":"`+isolarAppKey+`","refresh_token":"`+refresh+`"}`)
				}
			},
			real: func(t *testing.T, a answer) {
				wantFields(t, a, 200, map[string]string{"result_code": `"1"`, "result_data.code": `"1"`, "expires_in": `172799`})
			},
			failures: []failureCase{
				{"refresh_failed", func(t *testing.T, a answer) {
					wantFields(t, a, 200, map[string]string{"result_code": `"1"`, "result_data.code": `"-1"`, "result_data.access_token": `null`})
				}},
				{"hourly_limit", func(t *testing.T, a answer) {
					wantFields(t, a, 200, map[string]string{"result_code": `"E999"`})
				}},
			},
			ttl: func(t *testing.T, s *client, req func() *http.Request) string {
				a := s.must(req())
				wantFields(t, a, 200, map[string]string{"result_data.code": `"1"`, "expires_in": `29`, "result_data.expires_in": `29`})
				return tokenOf(t, a, "result_data.access_token")
			},
			set: `{result_data.code: "9"}`,
			setCheck: func(t *testing.T, a answer) {
				wantPrefix(t, a, `{"result_msg":"success","result_code":"1","result_data":{"access_token":"`)
				wantFields(t, a, 200, map[string]string{"result_data.code": `"9"`, "result_data.token_type": `"bearer"`})
			},
		},
		{
			id: "isolar.plants",
			prepare: func(t *testing.T, s *client) func() *http.Request {
				return isolarData(t, s, "/openapi/platform/queryPowerStationList", `"page":1,"size":100`)
			},
			real: func(t *testing.T, a answer) {
				wantFields(t, a, 200, map[string]string{"result_code": `"1"`, "result_data.rowCount": `9`})
				wantPrefix(t, a, `{"req_serial_num":"`)
			},
			failures: append([]failureCase{{"missing_parameter", func(t *testing.T, a answer) {
				wantFields(t, a, 200, map[string]string{"result_code": `"009"`, "result_msg": `"er_missing_parameter"`})
			}}}, isolarDataFailures...),
			expire: isolarTokenExpired,
			set:    `{result_data.rowCount: 1}`,
			setCheck: func(t *testing.T, a answer) {
				wantFields(t, a, 200, map[string]string{"result_data.rowCount": `1`, "result_code": `"1"`})
				if !strings.HasSuffix(string(a.body), `"rowCount":1}}`) {
					t.Errorf("got body %s, want rowCount replaced in place, last of result_data", a.body)
				}
			},
		},
		{
			id: "isolar.plant_realtime",
			prepare: func(t *testing.T, s *client) func() *http.Request {
				return isolarData(t, s, "/openapi/platform/getPowerStationRealTimeData", `"ps_id_list":["700667048"],"point_id_list":["83033","83252"],"is_get_point_dict":"1"`)
			},
			real: func(t *testing.T, a answer) {
				wantFields(t, a, 200, map[string]string{"result_code": `"1"`, "result_data.fail_ps_id_list": `[]`})
				if !strings.Contains(string(a.body), `"ps_id":700667048,"uuid":5000001,"p83033":"2150.0","p83252":"0.87"}`) {
					t.Errorf("got body %s, want the plant's two points", a.body)
				}
			},
			failures: append([]failureCase{{"point_list_too_long", func(t *testing.T, a answer) {
				wantFields(t, a, 200, map[string]string{"result_code": `"010"`, "result_msg": `"Parameters point_id_list size is over 100"`})
			}}}, isolarDataFailures...),
			expire: isolarTokenExpired,
			set:    `{result_data.fail_ps_id_list: ["1"]}`,
			setCheck: func(t *testing.T, a answer) {
				wantFields(t, a, 200, map[string]string{"result_data.fail_ps_id_list": `["1"]`})
				wantPrefix(t, a, `{"req_serial_num":"`)
			},
		},
		{
			id: "isolar.devices",
			prepare: func(t *testing.T, s *client) func() *http.Request {
				return isolarData(t, s, "/openapi/platform/getDeviceListByPsId", `"ps_id":"700667048","page":1,"size":1000`)
			},
			real: func(t *testing.T, a answer) {
				wantFields(t, a, 200, map[string]string{"result_code": `"1"`, "result_data.rowCount": `2`})
			},
			failures: append([]failureCase{{"invalid_parameter", func(t *testing.T, a answer) {
				wantFields(t, a, 200, map[string]string{"result_code": `"010"`, "result_msg": `"er_parameter_value_invalid"`})
			}}}, isolarDataFailures...),
			expire: isolarTokenExpired,
			set:    `{result_msg: changed}`,
			setCheck: func(t *testing.T, a answer) {
				wantFields(t, a, 200, map[string]string{"result_msg": `"changed"`, "result_data.rowCount": `2`})
			},
		},
		{
			id: "isolar.device_realtime",
			prepare: func(t *testing.T, s *client) func() *http.Request {
				return isolarData(t, s, "/openapi/platform/getDeviceRealTimeData", `"ps_key_list":["700667048_1_1_1"],"point_id_list":["24","2","1","4"],"device_type":1`)
			},
			real: func(t *testing.T, a answer) {
				wantFields(t, a, 200, map[string]string{"result_code": `"1"`, "result_data.illegal_ps_key_list": `[]`})
				if !strings.Contains(string(a.body), `"p24":"2150.0","p2":"8642100.0","p1":"12400.0","p4":"38.5","device_time":"`) {
					t.Errorf("got body %s, want the inverter's four points", a.body)
				}
			},
			failures: append([]failureCase{{"missing_keys", func(t *testing.T, a answer) {
				wantFields(t, a, 200, map[string]string{"result_code": `"009"`, "result_msg": `"Parameters ps_key_list,sn_list cannot be empty at the same time!"`})
			}}}, isolarDataFailures...),
			expire: isolarTokenExpired,
			set:    `{result_data.illegal_ps_key_list: ["x"]}`,
			setCheck: func(t *testing.T, a answer) {
				wantFields(t, a, 200, map[string]string{"result_data.illegal_ps_key_list": `["x"]`, "result_code": `"1"`})
			},
		},
	}
}
