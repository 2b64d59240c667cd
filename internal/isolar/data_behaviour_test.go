package isolar_test

import (
	"strconv"
	"testing"
	"time"

	"github.com/tokenmock/tokenmock/internal/fixture"
	"github.com/tokenmock/tokenmock/internal/testkit"
)

// scopeFixture has plants of several types and flags, devices physical
// and virtual, a plant that is not granted, and a grant with an id that
// is no number, one given twice (as "010") and one without an entry.
const scopeFixture = `isolar:
  apps:
    - {name: A, appkey: KEY1, access_key: SECRET1, application_id: "1", redirect_uris: ["https://a.example/cb"]}
  users:
    - {account: alice, password: pw, user_id: 1, plants: ["30", "10", "20", "40", "x1", "010"]}
  static_codes:
    - {code: CODE1, appkey: KEY1, redirect_uri: "https://a.example/cb", account: alice}
  point_names:
    99: {name: Mock Point, unit: kW}
    83033: {name: Plant Output, unit: W}
  plants:
    - ps_id: "10"
      ps_name: North Roof
      grid_connection_time: 20230808152800
      latitude: -33.5
      points: {83033: "1.5", 99: "7"}
      devices:
        - {device_type: 1, device_sn: SN1, points: {24: "1.0"}}
        - {device_type: 1, device_sn: SN2, device_time: "20250101120000", dev_status: "0", dev_fault_status: 1}
        - {device_type: 11, virtual: true}
    - {ps_id: "20", ps_name: South Field, ps_type: 5, valid_flag: 2}
    - {ps_id: "30", ps_name: north barn, ps_type: 3, valid_flag: 3}
    - ps_id: "50"
      ps_name: Not Granted
      devices:
        - {device_type: 1, device_sn: SN5}
`

// The rules of each data endpoint (vendors/isolarcloud-data.md §3): scope
// by the grant, filters, paging, ids as numbers or strings, unknown
// points, devices by key or serial number; each answer pinned whole.
func TestDataRules(t *testing.T) {
	fx := loadFixture(t, scopeFixture)
	body := func(fields string) string { return `{` + fields + `,"appkey":"KEY1"}` }
	cases := []struct {
		name, path, body string
		want             map[string]string
	}{
		{"plants_default_valid_flag", plantsPath, body(`"page":1,"size":10`), map[string]string{
			"result_data.rowCount": `2`, "result_data.pageList.0.ps_id": `10`, "result_data.pageList.1.ps_id": `40`,
			"result_data.pageList.0.latitude": `-33.5`, "result_data.pageList.0.grid_connection_time": `20230808152800`,
			"result_data.pageList.1.ps_name": `"Plant 40"`,
		}},
		{"plants_all_flags", plantsPath, body(`"page":1,"size":10,"valid_flag":"1,2,3"`), map[string]string{
			"result_data.rowCount": `4`, "result_data.pageList.0.ps_id": `30`, "result_data.pageList.3.ps_id": `40`,
		}},
		{"plants_flags_as_numbers", plantsPath, body(`"page":"1","size":"10","valid_flag":[2,3]`), map[string]string{
			"result_data.rowCount": `2`, "result_data.pageList.0.ps_id": `30`, "result_data.pageList.1.ps_id": `20`,
		}},
		{"plants_by_type", plantsPath, body(`"page":1,"size":10,"valid_flag":"1,2,3","ps_type":"4,5"`), map[string]string{
			"result_data.rowCount": `3`, "result_data.pageList.0.ps_id": `10`, "result_data.pageList.1.ps_id": `20`,
		}},
		{"plants_by_name", plantsPath, body(`"page":1,"size":10,"valid_flag":"1,2,3","ps_name":"NORTH","ps_type":""`), map[string]string{
			"result_data.rowCount": `2`, "result_data.pageList.0.ps_id": `30`, "result_data.pageList.1.ps_id": `10`,
		}},
		{"plants_page_2", plantsPath, body(`"page":2,"size":3,"valid_flag":"1,2,3"`), map[string]string{
			"result_data.rowCount": `4`, "result_data.pageList.0.ps_id": `40`, "result_data.pageList.1": `null`,
		}},
		{"plants_past_the_end", plantsPath, body(`"page":9223372036854775807,"size":9223372036854775807`), map[string]string{
			"result_data.rowCount": `2`, "result_data.pageList": `[]`,
		}},
		{"plant_realtime_scope", plantRealtimePath, body(`"ps_id_list":["10","50","0010","999","10",40],"point_id_list":"83033, 99, 12345, 83033","is_get_point_dict":1`), map[string]string{
			"result_data.fail_ps_id_list":           `["50","999"]`,
			"result_data.device_point_list.0.ps_id": `10`, "result_data.device_point_list.0.p83033": `"1.5"`,
			"result_data.device_point_list.0.p99": `"7"`, "result_data.device_point_list.0.p12345": `null`,
			"result_data.device_point_list.1.ps_id": `40`, "result_data.device_point_list.1.p83033": `null`,
			"result_data.device_point_list.1.uuid": `5000005`,
			"result_data.point_dict":               `[{"point_id":83033,"point_name":"Plant Output","point_unit":"W"},{"point_id":99,"point_name":"Mock Point","point_unit":"kW"}]`,
		}},
		{"plant_realtime_nothing_visible", plantRealtimePath, body(`"ps_id_list":["50"],"point_id_list":["83033"],"is_get_point_dict":"0"`), map[string]string{
			"result_code": `"1"`, "result_data.fail_ps_id_list": `["50"]`, "result_data.device_point_list": `[]`, "result_data.point_dict": `null`,
		}},
		{"plant_realtime_no_known_point", plantRealtimePath, body(`"ps_id_list":["10"],"point_id_list":["12345"],"is_get_point_dict":"1"`), map[string]string{
			"result_data.point_dict": `[]`, "result_data.device_point_list.0.p12345": `null`,
		}},
		{"devices_physical", devicesPath, body(`"ps_id":10,"page":1,"size":10,"device_type_list":[],"is_virtual_unit":"","claim_state":"","is_get_firmware_version":"1"`), map[string]string{
			"result_data.rowCount": `2`, "result_data.pageList.0.ps_key": `"10_1_1_1"`, "result_data.pageList.1.ps_key": `"10_1_1_2"`,
			"result_data.pageList.0.uuid": `6001001`, "result_data.pageList.0.device_name": `"Inverter 1"`,
			"result_data.pageList.0.device_model_id": `null`, "result_data.pageList.1.dev_status": `"0"`,
		}},
		{"devices_virtual", devicesPath, body(`"ps_id":"10","page":1,"size":10,"is_virtual_unit":1`), map[string]string{
			"result_data.rowCount": `1`, "result_data.pageList.0.ps_key": `"10_11_1_3"`, "result_data.pageList.0.device_sn": `null`,
			"result_data.pageList.0.type_name": `"Plant"`,
		}},
		{"devices_by_type", devicesPath, body(`"ps_id":"10","page":1,"size":10,"device_type_list":["7"]`), map[string]string{
			"result_data.rowCount": `0`, "result_data.pageList": `[]`,
		}},
		{"devices_page_2", devicesPath, body(`"ps_id":"10","page":2,"size":1`), map[string]string{
			"result_data.rowCount": `2`, "result_data.pageList.0.ps_key": `"10_1_1_2"`,
		}},
		{"devices_not_granted", devicesPath, body(`"ps_id":"50","page":1,"size":10`), map[string]string{
			"result_code": `"1"`, "result_data.rowCount": `0`, "result_data.pageList": `[]`,
		}},
		{"device_realtime_scope", deviceRealtimePath, body(`"ps_key_list":["10_1_1_1","10_1_1_2","50_1_1_1","10_11_1_3","nope","10_1_1_1"],"sn_list":["SN5"],"point_id_list":[24,"99"],"device_type":"1","is_get_point_dict":"1"`), map[string]string{
			"result_data.illegal_ps_key_list": `["50_1_1_1","10_11_1_3","nope"]`, "result_data.illgal_sn_list": `null`,
			"result_data.device_point_list.0.device_point.p24": `"1.0"`, "result_data.device_point_list.0.device_point.p99": `null`,
			"result_data.device_point_list.0.device_point.device_time": `"20260314172500"`,
			"result_data.device_point_list.1.device_point.device_time": `"20250101120000"`,
			"result_data.device_point_list.1.device_point.dev_status":  `0`,
			"result_data.device_point_list.2":                          `null`,
		}},
		{"device_realtime_by_sn", deviceRealtimePath, body(`"sn_list":"SN2,SN5,SN1","point_id_list":["24"],"device_type":1`), map[string]string{
			"result_data.illgal_sn_list": `["SN5"]`, "result_data.illegal_ps_key_list": `null`,
			"result_data.device_point_list.0.device_point.ps_key": `"10_1_1_2"`, "result_data.device_point_list.1.device_point.ps_key": `"10_1_1_1"`,
		}},
	}
	e := newEnv(t, fx)
	r := e.post(tokenPath, map[string]string{"x-access-key": "SECRET1"}, `{"appkey":"KEY1","grant_type":"authorization_code","code":"CODE1","redirect_uri":"https://a.example/cb"}`)
	tok := parse(t, r)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := e.post(c.path, map[string]string{"x-access-key": "SECRET1", "Authorization": "bearer  " + tok.AccessToken}, c.body)
			if a := parse(t, r); a.ResultCode != "1" {
				t.Fatalf("got %s, want a success", r.Body)
			}
			wantJSON(t, r.Body, c.want)
			testkit.Golden(t, "rule_"+c.name, []byte(normal(t, r.Body)))
		})
	}
}

// The mock-only switches of the fixture settings: token failures of data
// calls as HTTP 401, quota failures as HTTP 429 with Retry-After, both
// with the body unchanged; the token endpoints keep HTTP 200.
func TestDataFailureStatusSettings(t *testing.T) {
	one, zero := int64(1), int64(0)
	fx := defaultsWith(t, func(fx *fixture.Isolar) {
		fx.Settings.TokenErrorStatus, fx.Settings.RateLimitStatus = 401, 429
		fx.Apps[0].Quota = &fixture.IsolarQuota{Hourly: &one}
		fx.Apps[1].Quota = &fixture.IsolarQuota{Monthly: &zero}
	})
	// T0 is 2026-03-14 17:26:53 in the platform's UTC+8.
	toHour := strconv.Itoa(int((33*time.Minute + 7*time.Second).Seconds()))
	toMonth := strconv.Itoa(int(time.Date(2026, 4, 1, 0, 0, 0, 0, time.FixedZone("", 8*3600)).Sub(testkit.T0()).Seconds()))

	e := newEnv(t, fx)
	tok := e.signIn()
	for _, c := range []struct {
		name, failure string
		header        map[string]string
		body          string
		status        int
		retryAfter    string
	}{
		{"unknown token", "token_invalid", bearer("nope"), validBodies[plantsPath], 401, ""},
		{"no token", "token_missing", map[string]string{"x-access-key": accessKey}, validBodies[plantsPath], 401, ""},
		{"first call in the hour", "", bearer(tok.AccessToken), validBodies[plantsPath], 200, ""},
		{"second call in the hour", "hourly_limit", bearer(tok.AccessToken), validBodies[plantsPath], 429, toHour},
		{"documented app, no monthly allowance", "monthly_limit", nil, "", 429, toMonth},
		{"bad parameter", "missing_parameter", nil, withApp(``), 200, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			header, body := c.header, c.body
			switch c.name {
			case "documented app, no monthly allowance":
				doc := parse(t, e.post(tokenPath, map[string]string{"x-access-key": docAccess},
					jsonBody(map[string]string{"appkey": docAppKey, "grant_type": "authorization_code", "code": "T3xxjv", "redirect_uri": redirect})))
				header = map[string]string{"x-access-key": docAccess, "Authorization": "Bearer " + doc.ResultData.AccessToken}
				body = `{"page":1,"size":10,"appkey":"` + docAppKey + `"}`
			case "bad parameter": // in the next hour, when the quota allows a call again
				e.advance(time.Hour)
				header = bearer(tok.AccessToken)
			}
			r := e.post(plantsPath, header, body)
			if r.Status != c.status || r.Header.Get("Retry-After") != c.retryAfter {
				t.Errorf("got %d Retry-After %q, want %d %q (%s)", r.Status, r.Header.Get("Retry-After"), c.status, c.retryAfter, r.Body)
			}
			if c.failure == "" {
				return
			}
			// The renderer answers alike: a scenario's error is the natural answer.
			if c.name != "bad parameter" {
				w := render(t, fx, c.failure, "POST", plantsPath, body)
				if w.Code != c.status || w.Header().Get("Retry-After") != c.retryAfter || normal(t, w.Body.Bytes()) != normal(t, r.Body) {
					t.Errorf("rendered: got %d Retry-After %q %s, want %d %q %s", w.Code, w.Header().Get("Retry-After"), w.Body.Bytes(), c.status, c.retryAfter, r.Body)
				}
			}
		})
	}
	// The same failures on the token endpoints keep HTTP 200.
	for _, name := range []string{"token_invalid", "hourly_limit"} {
		if w := render(t, fx, name, "POST", tokenPath, "{}"); w.Code != 200 || w.Header().Get("Retry-After") != "" {
			t.Errorf("%s on the token endpoint: got %d Retry-After %q, want 200 and none", name, w.Code, w.Header().Get("Retry-After"))
		}
	}
}

// Quotas count every data call that passes the token check, per app and
// session, in the clock hour and calendar month of the session's clock.
func TestDataQuota(t *testing.T) {
	two, three := int64(2), int64(3)
	fx := defaultsWith(t, func(fx *fixture.Isolar) {
		fx.Apps[0].Quota = &fixture.IsolarQuota{Hourly: &two, Monthly: &three}
	})
	e := newEnv(t, fx)
	tok := e.signIn()
	call := func(session, path, body, want string) {
		t.Helper()
		h := bearer(tok.AccessToken)
		if session != "" {
			h["X-Mock-Session"] = session
		}
		wantCode(t, e.post(path, h, body), want, "")
	}
	// A token endpoint counts for nothing; the four data endpoints share
	// the allowance; a call with bad parameters counts.
	e.signIn()
	call("", plantsPath, withApp(`"page":1`), "009")
	call("", devicesPath, validBodies[devicesPath], "1")
	call("", plantRealtimePath, validBodies[plantRealtimePath], "E999")
	call("", deviceRealtimePath, validBodies[deviceRealtimePath], "E999") // refused calls count for nothing
	// Another session has its own counts (and its own token).
	other := parse(t, e.post("/s/q"+tokenPath, map[string]string{"x-access-key": accessKey},
		jsonBody(map[string]string{"appkey": appKey, "grant_type": "authorization_code", "code": "rFrnww", "redirect_uri": redirect})))
	h := bearer(other.AccessToken)
	h["X-Mock-Session"] = "q"
	wantCode(t, e.post(plantsPath, h, validBodies[plantsPath]), "1", "")
	// The next clock hour: one more call, then the month's three are used.
	e.advance(34 * time.Minute)
	call("", plantsPath, validBodies[plantsPath], "1")
	call("", plantsPath, validBodies[plantsPath], "E998")
	// The next month starts afresh (the token has expired by then: a new one).
	e.advance(18 * 24 * time.Hour)
	tok = e.signIn()
	call("", plantsPath, validBodies[plantsPath], "1")
}
