package isolar_test

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gin-gonic/gin"

	"github.com/tokenmock/tokenmock/internal/fixture"
	"github.com/tokenmock/tokenmock/internal/isolar"
	"github.com/tokenmock/tokenmock/internal/mock"
	"github.com/tokenmock/tokenmock/internal/server"
	"github.com/tokenmock/tokenmock/internal/testkit"
	"github.com/tokenmock/tokenmock/internal/testkit/apicheck"
)

type errorLog = testkit.ErrorLog

// fuzzServer is the real server assembly with the default iSolarCloud
// fixtures, a fixed clock and seeded ids, called in-process.
type fuzzServer struct {
	h   http.Handler
	log *errorLog
	// top: the result_code values each endpoint may answer; data: the
	// result_data.code values of the refresh endpoint.
	top  map[string]map[string]bool
	data map[string]bool
}

func newFuzzServer(tb testing.TB) *fuzzServer {
	tb.Helper()
	all, err := fixture.Default()
	if err != nil {
		tb.Fatal(err)
	}
	lg := &errorLog{}
	var svc *isolar.Service
	h, _ := testkit.Assemble("", slog.New(lg), func(deps mock.Deps) []mock.Vendor {
		svc = isolar.New(all.Isolar, deps)
		return []mock.Vendor{svc}
	})
	fs := &fuzzServer{
		h:   apicheck.Direct(h),
		log: lg,
		top: map[string]map[string]bool{
			isolar.EndpointToken: {"1": true}, isolar.EndpointRefresh: {"1": true},
			isolar.EndpointPlants: {"1": true}, isolar.EndpointPlantRealtime: {"1": true},
			isolar.EndpointDevices: {"1": true}, isolar.EndpointDeviceRealtime: {"1": true},
		},
		data: map[string]bool{"1": true},
	}
	// The catalogue's codes, as its own renderer writes them. internal_error
	// is left out: it is what a recovered panic answers.
	for _, f := range svc.Routes().Failures {
		if f.Name == "internal_error" {
			continue
		}
		w := httptest.NewRecorder()
		c, _ := gin.CreateTestContext(w)
		c.Request = httptest.NewRequest(http.MethodPost, "/openapi/apiManage/token", nil)
		f.Render(c)
		var body struct {
			ResultCode string `json:"result_code"`
			ResultData *struct {
				Code string `json:"code"`
			} `json:"result_data"`
		}
		if json.Unmarshal(w.Body.Bytes(), &body) != nil {
			continue // a page failure: HTML
		}
		for _, ep := range f.Endpoints {
			if fs.top[ep] != nil {
				fs.top[ep][body.ResultCode] = true
			}
		}
		if body.ResultData != nil && body.ResultData.Code != "" {
			fs.data[body.ResultData.Code] = true
		}
	}
	if len(fs.top[isolar.EndpointToken]) < 10 || len(fs.data) < 4 {
		tb.Fatalf("catalogue codes not found: %v %v", fs.top, fs.data)
	}
	return fs
}

func (fs *fuzzServer) post(path, accessKey, contentType string, body []byte) *httptest.ResponseRecorder {
	req := httptest.NewRequest(http.MethodPost, path, bytes.NewReader(body))
	if accessKey != "" {
		req.Header.Set("x-access-key", accessKey)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	w := httptest.NewRecorder()
	fs.h.ServeHTTP(w, req)
	return w
}

func tokenJSON(appkey, grant, code, redirectURI string) []byte {
	b, _ := json.Marshal(map[string]string{"appkey": appkey, "grant_type": grant, "code": code, "redirect_uri": redirectURI})
	return b
}

// FuzzTokenBody posts anything, with any x-access-key and Content-Type, to
// both token endpoints. Every answer is HTTP 200 JSON with a result_code
// of the catalogue (413 only for a body over 1 MiB), and nothing panics.
func FuzzTokenBody(f *testing.F) {
	fs := newFuzzServer(f)
	good := tokenJSON(appKey, "authorization_code", "rFrnww", redirect)
	// A live refresh token, so that a refresh seed gets past R2.
	var first struct {
		RefreshToken string `json:"refresh_token"`
	}
	if err := json.Unmarshal(fs.post(tokenPath, accessKey, "application/json", good).Body.Bytes(), &first); err != nil || first.RefreshToken == "" {
		f.Fatalf("seed exchange failed: %v", err)
	}
	refreshBody := []byte(`{"appkey":"` + appKey + `","refresh_token":"` + first.RefreshToken + `"}`)

	f.Add(false, accessKey, "application/json", good)
	f.Add(false, docAccess, "application/json", tokenJSON(docAppKey, "authorization_code", "T3xxjv", redirect))
	f.Add(false, accessKey, "", tokenJSON(appKey, "authorization_code", "rFrnww2", redirect))
	f.Add(false, accessKey, "text/plain", tokenJSON(appKey, "authorization_code", "rFrnww", redirect2))
	f.Add(false, accessKey, "application/json", tokenJSON(appKey, "password", "rFrnww", redirect))
	f.Add(false, accessKey, "application/json", tokenJSON(appKey, "", "", ""))
	f.Add(false, docAccess, "application/json", tokenJSON(appKey, "authorization_code", "rFrnww", redirect))
	f.Add(false, accessKey, "application/json", tokenJSON("NOSUCHAPP", "authorization_code", "rFrnww", redirect))
	f.Add(false, "", "application/json", good)
	f.Add(false, "wrong", "application/json", good)
	f.Add(false, accessKey, "application/x-www-form-urlencoded", []byte("appkey="+appKey+"&grant_type=authorization_code&code=rFrnww"))
	f.Add(false, accessKey, "application/json", []byte(`{"appkey":"`+appKey+`","appkey":"x","code":"rFrnww","grant_type":"authorization_code","redirect_uri":"`+redirect+`"}`))
	f.Add(false, accessKey, "application/json", []byte(`{"appkey":1001,"code":["rFrnww"],"grant_type":null,"redirect_uri":{}}`))
	f.Add(false, accessKey, "application/json", []byte(`{"appkey":"`+appKey+`","grant_type":"authorization_code","code":"\u0000\ud800","redirect_uri":"`+redirect+`","token_scope_mode":"authorization_bound"}`))
	f.Add(false, accessKey, "application/json", []byte("{\"appkey\":\"\xff\xfe\",\"code\":\"\xc3\x28\"}"))
	f.Add(false, accessKey, "application/json", []byte(`[{"appkey":"`+appKey+`"}]`))
	f.Add(false, accessKey, "application/json", []byte(`null`))
	f.Add(false, accessKey, "application/json", []byte(`"appkey"`))
	f.Add(false, accessKey, "application/json", []byte(`{"appkey":"`+appKey+`"} trailing`))
	// Deep nesting, kept shallow here: big seeds make the fuzzer spend its
	// time minimizing (internal/badinput sends 100000 levels).
	f.Add(false, accessKey, "application/json", []byte(`{"appkey":"`+appKey+`","x":`+strings.Repeat(`[{"a":`, 50)+`1`+strings.Repeat("}]", 50)+`}`))
	f.Add(false, "\x00\xff", "\x00", []byte{0, 1, 2, 0xff})
	f.Add(true, accessKey, "application/json", refreshBody)
	f.Add(true, accessKey, "application/json", refreshBody) // rotated: now dead
	f.Add(true, accessKey, "application/json", []byte(`{"appkey":"`+appKey+`"}`))
	f.Add(true, accessKey, "application/json", []byte(`{"appkey":"`+appKey+`","refresh_token":"nope"}`))
	f.Add(true, docAccess, "application/json", []byte(`{"appkey":"`+docAppKey+`","refresh_token":7}`))
	f.Add(true, accessKey, "", []byte(``))
	f.Add(true, "", "", []byte(`{}`))

	f.Fuzz(func(t *testing.T, refresh bool, key, contentType string, body []byte) {
		path, ep := tokenPath, isolar.EndpointToken
		if refresh {
			path, ep = refreshURL, isolar.EndpointRefresh
		}
		w := fs.post(path, key, contentType, body)
		if msgs := fs.log.Take(); len(msgs) > 0 {
			t.Fatalf("%s %q: error logged (a recovered panic?): %v", path, body, msgs)
		}
		if len(body) > server.MaxBody {
			if w.Code != http.StatusRequestEntityTooLarge {
				t.Fatalf("%s: %d-byte body: got %d, want 413", path, len(body), w.Code)
			}
			return
		}
		if w.Code != http.StatusOK {
			t.Fatalf("%s %q: got status %d (%s), want 200", path, body, w.Code, w.Body.Bytes())
		}
		if ct := w.Header().Get("Content-Type"); ct != "application/json;charset=UTF-8" {
			t.Fatalf("%s %q: got Content-Type %q", path, body, ct)
		}
		var got map[string]json.RawMessage
		if err := json.Unmarshal(w.Body.Bytes(), &got); err != nil {
			t.Fatalf("%s %q: answer is no JSON object: %v: %s", path, body, err, w.Body.Bytes())
		}
		var code, msg, rsn string
		for k, v := range map[string]*string{"result_code": &code, "result_msg": &msg, "req_serial_num": &rsn} {
			if err := json.Unmarshal(got[k], v); err != nil {
				t.Fatalf("%s %q: %s is no string in %s", path, body, k, w.Body.Bytes())
			}
		}
		if !fs.top[ep][code] {
			t.Fatalf("%s %q: result_code %q is not in the catalogue of %s: %s", path, body, code, ep, w.Body.Bytes())
		}
		if code != "1" {
			return
		}
		var data struct {
			AccessToken string `json:"access_token"`
			Code        string `json:"code"`
		}
		if err := json.Unmarshal(got["result_data"], &data); err != nil {
			t.Fatalf("%s %q: result_data of a result_code 1: %v: %s", path, body, err, w.Body.Bytes())
		}
		switch {
		case refresh && !fs.data[data.Code]:
			t.Fatalf("%s %q: result_data.code %q is not in the catalogue: %s", path, body, data.Code, w.Body.Bytes())
		case (!refresh || data.Code == "1") && data.AccessToken == "":
			t.Fatalf("%s %q: a success without access_token: %s", path, body, w.Body.Bytes())
		}
	})
}

// FuzzDataBody posts anything, with a live token, to the four data
// endpoints. Every answer is HTTP 200 JSON with a result_code the
// endpoint's catalogue has (or "1" with a result_data object), and
// nothing panics.
func FuzzDataBody(f *testing.F) {
	fs := newFuzzServer(f)
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	good := tokenJSON(appKey, "authorization_code", "rFrnww", redirect)
	if err := json.Unmarshal(fs.post(tokenPath, accessKey, "application/json", good).Body.Bytes(), &tok); err != nil || tok.AccessToken == "" {
		f.Fatalf("seed exchange failed: %v", err)
	}
	paths := []struct{ path, id string }{
		{"/openapi/platform/queryPowerStationList", isolar.EndpointPlants},
		{"/openapi/platform/getPowerStationRealTimeData", isolar.EndpointPlantRealtime},
		{"/openapi/platform/getDeviceListByPsId", isolar.EndpointDevices},
		{"/openapi/platform/getDeviceRealTimeData", isolar.EndpointDeviceRealtime},
	}
	app := `"appkey":"` + appKey + `"`
	for i, b := range []string{
		`{"page":1,"size":100,` + app + `}`,
		`{"page":"1","size":"10","ps_type":"1,3,4","valid_flag":[1,2,3],"ps_name":"demo",` + app + `}`,
		`{"page":9223372036854775807,"size":-1,` + app + `}`,
		`{"ps_id_list":["700667048",999,"0x1"],"point_id_list":"83033,83252","is_get_point_dict":"1",` + app + `}`,
		`{"ps_id_list":[700667048],"point_id_list":[1e3,"١٢"],` + app + `}`,
		`{"ps_id":"700667048","page":1,"size":1000,"device_type_list":["1"],"is_virtual_unit":"",` + app + `}`,
		`{"ps_key_list":["700667048_1_1_1"],"point_id_list":["24","2"],"device_type":1,` + app + `}`,
		`{"sn_list":"A2262065536,,x","point_id_list":["24"],"device_type":"1","is_get_point_dict":true,` + app + `}`,
		`{"ps_key_list":{},"point_id_list":null,"device_type":[],` + app + `}`,
		`[` + app + `]`,
		``,
	} {
		f.Add(uint8(i%4), b, "Bearer "+tok.AccessToken)
	}
	f.Add(uint8(0), `{"page":1,"size":1,`+app+`}`, "bearer")
	f.Add(uint8(1), `{"page":1,"size":1,`+app+`}`, "Bearer \x00\xff")

	f.Fuzz(func(t *testing.T, which uint8, body, authorization string) {
		p := paths[int(which)%len(paths)]
		req := httptest.NewRequest(http.MethodPost, p.path, strings.NewReader(body))
		req.Header.Set("x-access-key", accessKey)
		req.Header.Set("Authorization", authorization)
		w := httptest.NewRecorder()
		fs.h.ServeHTTP(w, req)
		if msgs := fs.log.Take(); len(msgs) > 0 {
			t.Fatalf("%s %q: error logged (a recovered panic?): %v", p.path, body, msgs)
		}
		if w.Code != http.StatusOK || w.Header().Get("Content-Type") != "application/json;charset=UTF-8" {
			t.Fatalf("%s %q: got %d %q, want 200 JSON", p.path, body, w.Code, w.Header().Get("Content-Type"))
		}
		var got struct {
			ResultCode string          `json:"result_code"`
			ResultData json.RawMessage `json:"result_data"`
		}
		if err := json.Unmarshal(w.Body.Bytes(), &got); err != nil {
			t.Fatalf("%s %q: answer is no JSON object: %v: %s", p.path, body, err, w.Body.Bytes())
		}
		if !fs.top[p.id][got.ResultCode] {
			t.Fatalf("%s %q: result_code %q is not in the catalogue of %s: %s", p.path, body, got.ResultCode, p.id, w.Body.Bytes())
		}
		if got.ResultCode == "1" && (len(got.ResultData) == 0 || got.ResultData[0] != '{') {
			t.Fatalf("%s %q: a success without a result_data object: %s", p.path, body, w.Body.Bytes())
		}
	})
}
