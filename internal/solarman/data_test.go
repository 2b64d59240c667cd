package solarman_test

import (
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tokenmock/tokenmock/internal/app"
	"github.com/tokenmock/tokenmock/internal/fixture"
	"github.com/tokenmock/tokenmock/internal/testkit"
	"github.com/tokenmock/tokenmock/internal/testkit/apicheck"
)

// mockApp is the whole mock as `go run ./cmd/mockserver` builds it: the
// embedded default fixtures and scenario library, every vendor, the
// scenario engine and the admin API; with a fixed clock and seeded ids.
type mockApp struct {
	t   *testing.T
	url string
}

func startApp(t *testing.T) *mockApp {
	t.Helper()
	a, err := app.New(app.Config{Wall: testkit.NewClock().Now, IDs: testkit.IDs(), Version: "test"})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(apicheck.Wrap(t, a))
	t.Cleanup(srv.Close)
	return &mockApp{t, srv.URL}
}

// prefix is the path prefix of a session ("" for the default one).
func prefix(session string) string {
	if session == "" {
		return ""
	}
	return "/s/" + session
}

// post sends a vendor call of session; auth "" sends no Authorization.
func (m *mockApp) post(session, path, auth, body string) testkit.Response {
	m.t.Helper()
	h := map[string]string{"Content-Type": "application/json"}
	if auth != "" {
		h["Authorization"] = auth
	}
	return testkit.Do(m.t, "POST", m.url+prefix(session)+path, h, body)
}

// admin sends an admin call for session and wants a 200.
func (m *mockApp) admin(session, method, path, body string) testkit.Response {
	m.t.Helper()
	sep := "?"
	if strings.Contains(path, "?") {
		sep = "&"
	}
	r := testkit.Do(m.t, method, m.url+path+sep+"session="+session, map[string]string{"Content-Type": "application/json"}, body)
	if r.Status != 200 {
		m.t.Fatalf("%s %s: got %d %s, want 200", method, path, r.Status, r.Body)
	}
	return r
}

// tokenLife is a SOLARMAN token's lifetime: 60 days.
const tokenLife = 60 * 24 * time.Hour

// Logins of vendors/solarman.md §7.
var (
	loginS1 = login{"?appId=" + app1 + "&language=en", body("appSecret", secret1, "username", "cvwwb", "orgId", 860, "password", cvwwb)}
	loginS2 = login{"?appId=" + app1 + "&language=en", body("appSecret", secret1, "username", "cvwwb", "password", cvwwb)}
	loginS3 = login{"?appId=" + app2, body("appSecret", secret2, "email", "13255@qq.com", "password", sunsun)}
)

type login struct{ query, body string }

// bearer logs in within session and returns the Authorization value a
// client sends with the token (token_type, a space, access_token).
func (m *mockApp) bearer(session string, l login) string {
	m.t.Helper()
	r := m.post(session, "/account/v1.0/token"+l.query, "", l.body)
	a := parse(m.t, r)
	if !a.Success || a.AccessToken == "" {
		m.t.Fatalf("login: got %s, want a token", r.Body)
	}
	return "bearer " + a.AccessToken
}

// wantJSON checks a data answer's status and Content-Type.
func wantJSON(t *testing.T, r testkit.Response, status int) {
	t.Helper()
	if r.Status != status || r.Header.Get("Content-Type") != "application/json;charset=UTF-8" {
		t.Errorf("got %d %q, want %d application/json;charset=UTF-8 (body %s)", r.Status, r.Header.Get("Content-Type"), status, r.Body)
	}
}

// The seed examples of vendors/solarman-data.md §6 against the embedded
// defaults, pinned byte for byte (key order, JSON types).
func TestDataSeedExamples(t *testing.T) {
	cases := []struct {
		name, path string
		login      *login // nil: no Authorization
		body       string
	}{
		{"seed1_list_consumer", "/station/v1.0/list?language=en", &loginS2, `{"page":1,"size":20}`},
		{"seed2_list_business", "/station/v1.0/list?language=en", &loginS1, `{"page":1,"size":20}`},
		{"seed2_list_none", "/station/v1.0/list?language=en", &loginS3, `{"page":1,"size":20}`},
		{"seed3_realtime", "//station/v1.0/realTime?language=en", &loginS2, `{"stationId":100895}`},
		{"seed4_devices", "/station/v1.0/device?language=en", &loginS2, `{"page":1,"size":19,"stationId":100895}`},
		{"seed5_current", "//device/v1.0/currentData?language=en", &loginS2, `{"deviceSn":"2106123456"}`},
		{"seed6_no_token", "/station/v1.0/list?language=en", nil, `{"page":1,"size":20}`},
		{"seed7_unknown_sn", "//device/v1.0/currentData?language=en", &loginS2, `{"deviceSn":"NOPE"}`},
		{"seed7_foreign_station", "/station/v1.0/device?language=en", &loginS3, `{"page":1,"size":19,"stationId":100895}`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			m := startApp(t)
			auth := ""
			if c.login != nil {
				auth = m.bearer("", *c.login)
			}
			r := m.post("", c.path, auth, c.body)
			wantJSON(t, r, 200)
			testkit.Golden(t, c.name, r.Body)
		})
	}

	// Seed 6, a revoked token: POST /_mock/reset?all=true forgets every
	// token issued, as a revocation of all tokens does.
	t.Run("seed6_revoked", func(t *testing.T) {
		m := startApp(t)
		auth := m.bearer("", loginS2)
		if r := m.post("", "/station/v1.0/list?language=en", auth, `{"page":1,"size":20}`); !parse(t, r).Success {
			t.Fatalf("before the reset: got %s, want success", r.Body)
		}
		m.admin("default", "POST", "/_mock/reset?all=true", "")
		r := m.post("", "/station/v1.0/list?language=en", auth, `{"page":1,"size":20}`)
		wantJSON(t, r, 200)
		testkit.Golden(t, "seed6_revoked", r.Body)
	})
}

// What real clients read of the seed answers, decoded with their types:
// hugebear's typed Go client (numbers where §3 says number, dataList
// values strings), raschy's seconds, mpepping's scalars.
func TestDataSeedTypes(t *testing.T) {
	m := startApp(t)
	auth := m.bearer("", loginS2)
	var list struct {
		Total       int
		StationList []struct {
			ID                                 int64
			InstalledCapacity, GenerationPower *float64
			LastUpdateTime                     int64
		}
	}
	decode(t, m.post("", "/station/v1.0/list", auth, `{}`), &list)
	if list.Total != 1 || len(list.StationList) != 1 || list.StationList[0].ID != 100895 || *list.StationList[0].InstalledCapacity != 5 ||
		list.StationList[0].LastUpdateTime != testkit.T0().Unix() {
		t.Errorf("list: got %+v, want station 100895 of 5 kW updated at the session's now", list)
	}
	var rt map[string]any
	decode(t, m.post("", "//station/v1.0/realTime?language=en", auth, `{"stationId":"100895"}`), &rt)
	for k, v := range rt {
		switch v.(type) {
		case map[string]any, []any:
			t.Errorf("realTime %s: got %v, want a scalar (mpepping publishes every key)", k, v)
		}
	}
	var cur struct {
		DeviceState    int
		CollectionTime int64
		DataList       []struct {
			Key   string
			Value *string
			Unit  *string
			Name  string
		}
	}
	decode(t, m.post("", "/device/v1.0/currentData", auth, `{"deviceId":252525,"deviceSn":"2106123456"}`), &cur)
	if cur.DeviceState != 1 || cur.CollectionTime != testkit.T0().Unix() || len(cur.DataList) != 14 {
		t.Errorf("currentData: got %+v, want state 1, collected now, 14 readings", cur)
	}
	for _, p := range cur.DataList {
		if p.Value == nil || p.Name == "" {
			t.Errorf("reading %+v: want a string value and a name", p)
		}
	}
}

func decode(t *testing.T, r testkit.Response, v any) {
	t.Helper()
	wantJSON(t, r, 200)
	if err := json.Unmarshal(r.Body, v); err != nil || !strings.Contains(string(r.Body), `"success":true`) {
		t.Fatalf("got %s (%v), want a success", r.Body, err)
	}
}

// stationsEnv is a solarman-only server with fixtures made for one test.
func stationsEnv(t *testing.T, edit func(fx *fixture.Solarman)) *env {
	t.Helper()
	fx := defaults(t)
	cp := *fx
	cp.Apps = append([]fixture.SolarmanApp(nil), fx.Apps...)
	cp.Stations = append([]fixture.SolarmanStation(nil), fx.Stations...)
	edit(&cp)
	return newEnv(t, &cp)
}

func (e *env) data(path, auth, body string) testkit.Response {
	e.t.Helper()
	h := map[string]string{}
	if auth != "" {
		h["Authorization"] = auth
	}
	return testkit.Do(e.t, "POST", e.srv.URL+path, h, body)
}

func (e *env) bearer(l login) string {
	e.t.Helper()
	a := parse(e.t, e.token(l.query, l.body))
	if !a.Success {
		e.t.Fatalf("login: got %+v, want a token", a)
	}
	return "bearer " + a.AccessToken
}

const (
	pathList     = "/station/v1.0/list"
	pathRealtime = "/station/v1.0/realTime"
	pathDevices  = "/station/v1.0/device"
	pathCurrent  = "/device/v1.0/currentData"
)

var dataPaths = []string{pathList, pathRealtime, pathDevices, pathCurrent}

// validBody is a request each data endpoint answers with a success for
// cvwwb's consumer token.
var validBody = map[string]string{
	pathList:     `{"page":1,"size":20}`,
	pathRealtime: `{"stationId":100895}`,
	pathDevices:  `{"stationId":100895}`,
	pathCurrent:  `{"deviceSn":"2106123456"}`,
}

// Each natural trigger of vendors/solarman-data.md §4 answers exactly the
// catalogue's body, with HTTP 200, on every data endpoint it applies to.
func TestDataNaturalTriggers(t *testing.T) {
	type trigger struct {
		name    string
		paths   []string                // nil: every data endpoint
		edit    func(*fixture.Solarman) // nil: the defaults
		auth    func(e *env) string
		body    string // "": the endpoint's valid body
		failure string
		why     string // what the log's reason says
	}
	consumer := func(e *env) string { return e.bearer(loginS2) }
	sunsunToken := func(e *env) string { return e.bearer(loginS3) }
	business := func(e *env) string { return e.bearer(loginS1) }
	fixed := func(s string) func(*env) string { return func(*env) string { return s } }
	one := int64(1)
	cases := []trigger{
		{"no Authorization", nil, nil, fixed(""), "", "token_not_found", "no Authorization header"},
		{"another scheme", nil, nil, func(e *env) string { return "Basic " + strings.TrimPrefix(consumer(e), "bearer ") }, "", "token_not_found", `Authorization scheme "Basic" is not Bearer`},
		{"bearer and no token", nil, nil, fixed("bearer  "), "", "token_not_found", "without a token"},
		{"malformed token", nil, nil, fixed("bearer abc.def.ghi"), "", "token_invalid", "token is not a JWT signed by this mock"},
		{"refresh token", nil, nil, func(e *env) string {
			return "bearer " + parse(e.t, e.token(loginS2.query, loginS2.body)).RefreshToken
		}, "", "token_invalid", "a refresh token was sent"},
		{"expired token", nil, nil, func(e *env) string {
			auth := consumer(e)
			e.srv.Clock.Advance(tokenLife)
			return auth
		}, "", "token_invalid", "access token expired at 2026-05-13T09:26:53Z (session clock "},
		{"token of another session", nil, nil, func(e *env) string {
			r := testkit.Do(e.t, "POST", e.srv.URL+"/s/elsewhere/account/v1.0/token"+loginS2.query, nil, loginS2.body)
			return "bearer " + parse(e.t, r).AccessToken
		}, "", "token_invalid", "token not issued in session default"},
		{"quota used up", nil, func(fx *fixture.Solarman) { fx.Apps[0].Quota = &one }, consumer, "", "quota_exceeded", "used up its quota of 1 calls"},
		{"rate window full", nil, func(fx *fixture.Solarman) { fx.Apps[0].RateLimit = &fixture.RateLimit{Calls: 1, WindowS: 10} }, consumer, "", "too_frequently", "over its rate_limit of 1"},
		{"a JSON array", nil, nil, consumer, `[{"stationId":100895}]`, "invalid_param", "not a JSON object"},
		{"cut JSON", nil, nil, consumer, `{"stationId":`, "invalid_param", "not a JSON object"},
		{"JSON null", nil, nil, consumer, `null`, "invalid_param", "not a JSON object"},
		{"form-encoded", nil, nil, consumer, `stationId=100895`, "invalid_param", "not a JSON object"},
		{"page 0", []string{pathList, pathDevices}, nil, consumer, `{"stationId":100895,"page":0}`, "invalid_param", "page 0 is below 1"},
		{"size 0", []string{pathList, pathDevices}, nil, consumer, `{"stationId":100895,"size":0}`, "invalid_param", "size 0 is below 1"},
		{"page a fraction", []string{pathList, pathDevices}, nil, consumer, `{"stationId":100895,"page":1.5}`, "invalid_param", "page is not an integer"},
		{"size not a number", []string{pathList, pathDevices}, nil, consumer, `{"stationId":100895,"size":"lots"}`, "invalid_param", "size is not an integer"},
		{"no stationId", []string{pathRealtime, pathDevices}, nil, consumer, `{"page":1,"size":19}`, "missing_param", "stationId missing"},
		{"stationId null", []string{pathRealtime, pathDevices}, nil, consumer, `{"stationId":null}`, "missing_param", "stationId missing"},
		{"stationId an object", []string{pathRealtime, pathDevices}, nil, consumer, `{"stationId":{"id":100895}}`, "invalid_param", "stationId is not an integer"},
		{"stationId beyond int64", []string{pathRealtime, pathDevices}, nil, consumer, `{"stationId":99999999999999999999}`, "invalid_param", "stationId is not an integer"},
		{"deviceType an array", []string{pathDevices}, nil, consumer, `{"stationId":100895,"deviceType":["INVERTER"]}`, "invalid_param", "deviceType is not a string"},
		{"no deviceSn", []string{pathCurrent}, nil, consumer, `{"deviceId":252525}`, "missing_param", "deviceSn missing"},
		{"empty deviceSn", []string{pathCurrent}, nil, consumer, `{"deviceSn":""}`, "missing_param", "deviceSn missing"},
		{"deviceSn a boolean", []string{pathCurrent}, nil, consumer, `{"deviceSn":true}`, "invalid_param", "deviceSn is not a string"},
		{"deviceId not a number", []string{pathCurrent}, nil, consumer, `{"deviceSn":"2106123456","deviceId":"x"}`, "invalid_param", "deviceId is not an integer"},
		{"unknown station", []string{pathRealtime, pathDevices}, nil, consumer, `{"stationId":999999}`, "not_found", "station 999999 unknown"},
		{"station of another user", []string{pathRealtime, pathDevices}, nil, sunsunToken, `{"stationId":100895}`, "not_found", "station 100895 not visible to this token (user "},
		{"own station, business token", []string{pathRealtime, pathDevices}, nil, business, `{"stationId":100895}`, "not_found", "station 100895 not visible to this token (organisation "},
		{"org station, consumer token", []string{pathRealtime, pathDevices}, nil, consumer, `{"stationId":100322}`, "not_found", "station 100322 not visible to this token (user "},
		{"unknown device", []string{pathCurrent}, nil, consumer, `{"deviceSn":"NOPE"}`, "not_found", "device NOPE unknown"},
		{"device of the org, consumer token", []string{pathCurrent}, nil, consumer, `{"deviceSn":"2203987654"}`, "not_found", "device 2203987654 is on station "},
		{"device of another user", []string{pathCurrent}, nil, sunsunToken, `{"deviceSn":"2106123456"}`, "not_found", "device 2106123456 is on station 100895, not visible to this token (user "},
	}
	for _, c := range cases {
		paths := c.paths
		if paths == nil {
			paths = dataPaths
		}
		for _, p := range paths {
			t.Run(c.name+p, func(t *testing.T) {
				var e *env
				if c.edit == nil {
					e = newEnv(t, nil)
				} else {
					e = stationsEnv(t, c.edit)
				}
				auth := c.auth(e)
				body := c.body
				if body == "" {
					body = validBody[p]
				}
				r := e.data(p, auth, body)
				if got, want := normal(r.Body), normal(render(t, c.failure)); r.Status != 200 || got != want {
					t.Errorf("got %d %s\nwant 200 %s", r.Status, got, want)
				}
				wantNote(t, e.svc.note(), c.failure, c.why)
			})
		}
	}
}

func ids(t *testing.T, r testkit.Response) (total int, got []int64) {
	t.Helper()
	var a struct {
		Total           int
		StationList     []struct{ ID int64 }
		DeviceListItems []struct{ DeviceID int64 }
	}
	decode(t, r, &a)
	for _, s := range a.StationList {
		got = append(got, s.ID)
	}
	for _, d := range a.DeviceListItems {
		got = append(got, d.DeviceID)
	}
	return a.Total, got
}

func TestStationListPaging(t *testing.T) {
	e := stationsEnv(t, func(fx *fixture.Solarman) {
		org := int64(860)
		fx.Stations = append(fx.Stations,
			fixture.SolarmanStation{ID: 7, Name: "Seven", OwnerUserIDs: []int64{6681, 7702}},
			fixture.SolarmanStation{ID: 5, Name: "Five", OwnerUserIDs: []int64{6681}, OrgID: &org},
		)
	})
	consumer, business := e.bearer(loginS2), e.bearer(loginS1)
	cases := []struct {
		name, auth, body string
		total            int
		want             []int64
	}{
		{"defaults", consumer, `{}`, 3, []int64{5, 7, 100895}},
		{"empty body", consumer, ``, 3, []int64{5, 7, 100895}},
		{"first page", consumer, `{"page":1,"size":2}`, 3, []int64{5, 7}},
		{"second page, as strings", consumer, `{"page":"2","size":"2"}`, 3, []int64{100895}},
		{"past the end", consumer, `{"page":3,"size":2}`, 3, nil},
		{"huge page", consumer, `{"page":9223372036854775807,"size":9223372036854775807}`, 3, nil},
		{"nulls are defaults", consumer, `{"page":null,"size":null}`, 3, []int64{5, 7, 100895}},
		{"removed fields are ignored", consumer, `{"companyId":"x","userId":{}}`, 3, []int64{5, 7, 100895}},
		{"business token of org 860", business, `{}`, 2, []int64{5, 100322}},
	}
	for _, c := range cases {
		total, got := ids(t, e.data(pathList, c.auth, c.body))
		if total != c.total || !slices.Equal(got, c.want) {
			t.Errorf("%s: got total %d %v, want %d %v", c.name, total, got, c.total, c.want)
		}
	}
}

func TestStationDevicePaging(t *testing.T) {
	e := stationsEnv(t, func(fx *fixture.Solarman) {
		st := fixture.SolarmanStation{ID: 42, Name: "Big", OwnerUserIDs: []int64{6681}}
		for i := range 205 {
			st.Devices = append(st.Devices, fixture.SolarmanDevice{DeviceSN: fmt.Sprintf("SN%04d", i), DeviceID: int64(1000 + i), DeviceType: "INVERTER"})
		}
		fx.Stations = append(fx.Stations, st)
	})
	auth := e.bearer(loginS2)
	cases := []struct {
		name, body string
		total      int
		count      int
		first      int64
	}{
		{"default page of 20", `{"stationId":42}`, 205, 20, 1000},
		{"size clamped to 200", `{"stationId":42,"size":500}`, 205, 200, 1000},
		{"second page of 200", `{"stationId":42,"page":2,"size":200}`, 205, 5, 1200},
		{"raschy's 19", `{"page":1,"size":19,"stationId":"42"}`, 205, 19, 1000},
		{"type filter", `{"stationId":100895,"deviceType":"COLLECTOR"}`, 1, 1, 123212123},
		{"type filter matching none", `{"stationId":100895,"deviceType":"METER"}`, 0, 0, 0},
		{"empty type is no filter", `{"stationId":100895,"deviceType":""}`, 2, 2, 252525},
	}
	for _, c := range cases {
		total, got := ids(t, e.data(pathDevices, auth, c.body))
		first := int64(0)
		if len(got) > 0 {
			first = got[0]
		}
		if total != c.total || len(got) != c.count || first != c.first {
			t.Errorf("%s: got total %d, %d items from %d, want %d, %d from %d", c.name, total, len(got), first, c.total, c.count, c.first)
		}
	}
}

// Every fixture field of a station and its devices reaches the wire, in
// the key order and JSON types of vendors/solarman-data.md §3.
func TestFixtureOverrides(t *testing.T) {
	e := stationsEnv(t, func(fx *fixture.Solarman) {
		fixed, state, status := int64(1700000000), 3, 0
		soc, charge, updated := 87.5, 120.0, float64(1700000100)
		unit := "%"
		fx.Stations = append(fx.Stations, fixture.SolarmanStation{
			ID: 200001, Name: "Override \"Site\" <1>", OwnerUserIDs: []int64{7702},
			List: map[string]any{
				"installedCapacity": 9.99, "generationPower": 0, "locationLat": -33.8688, "locationLng": 151,
				"locationAddress": "1 Harbour St", "networkStatus": " ALL_OFFLINE", "contactPhone": "+61 2 0000",
				"lastUpdateTime": 1700000200, "createdDate": 1600000000, "startOperatingTime": 1600000001,
				"type": "GROUND", "gridInterconnectionType": "SELF_USE", "regionTimezone": "Australia/Sydney",
				"regionLevel1": nil, "regionLevel2": 12, "regionNationId": nil, "batterySoc": 87.5,
				"ownerName": "Sunsun", "stationImage": nil,
			},
			Realtime: map[string]*float64{"batterySoc": &soc, "chargePower": &charge, "generationPower": nil, "lastUpdateTime": &updated},
			Devices: []fixture.SolarmanDevice{
				{DeviceSN: "BAT0000001", DeviceID: 900001, DeviceType: "BATTERY", ConnectStatus: &status, DeviceState: &state, CollectionTime: &fixed,
					DataList: []fixture.SolarmanDataPoint{{Key: "B_left_cap1", Value: &[]string{"87.5"}[0], Unit: &unit, Name: "SoC"}}},
				{DeviceSN: "MTR0000001", DeviceID: 900002, DeviceType: "METER"},
			},
		})
	})
	auth := e.bearer(loginS3)
	for _, c := range []struct{ name, path, body string }{
		{"overrides_list", pathList, `{}`},
		{"overrides_realtime", pathRealtime, `{"stationId":200001}`},
		{"overrides_devices", pathDevices, `{"stationId":200001}`},
		{"overrides_current_battery", pathCurrent, `{"deviceSn":"BAT0000001","deviceId":1}`},
		{"overrides_current_empty", pathCurrent, `{"deviceSn":"MTR0000001"}`},
	} {
		r := e.data(c.path, auth, c.body)
		wantJSON(t, r, 200)
		testkit.Golden(t, c.name, r.Body)
	}
}
