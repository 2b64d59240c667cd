package isolar_test

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/tokenmock/tokenmock/internal/fixture"
	"github.com/tokenmock/tokenmock/internal/testkit"
)

// Paths of the data endpoints.
const (
	plantsPath         = "/openapi/platform/queryPowerStationList"
	plantRealtimePath  = "/openapi/platform/getPowerStationRealTimeData"
	devicesPath        = "/openapi/platform/getDeviceListByPsId"
	deviceRealtimePath = "/openapi/platform/getDeviceRealTimeData"
)

var dataPaths = []string{plantsPath, plantRealtimePath, devicesPath, deviceRealtimePath}

// The ten points Home Assistant's integration asks for (seed example 2).
const haPoints = `["83075","83325","83324","83105","83124","83024","83100","83033","83106","83252"]`

// validBodies are a valid request of each data endpoint, by path.
var validBodies = map[string]string{
	plantsPath:         withApp(`"page":1,"size":100`),
	plantRealtimePath:  withApp(`"ps_id_list":["700667048"],"point_id_list":` + haPoints + `,"is_get_point_dict":"1"`),
	devicesPath:        withApp(`"ps_id":"700667048","page":1,"size":1000`),
	deviceRealtimePath: withApp(`"ps_key_list":["700667048_1_1_1"],"point_id_list":["24","2","1","4"],"device_type":1`),
}

// withApp completes the fields of a data call's JSON body with the public
// parameters every client sends.
func withApp(fields string) string {
	if fields != "" {
		fields += ","
	}
	return "{" + fields + `"appkey":"` + appKey + `","lang":"_en_US"}`
}

// bearer is the headers of a data call of the default app with token.
func bearer(token string) map[string]string {
	return map[string]string{"x-access-key": accessKey, "Authorization": "Bearer " + token, "Content-Type": "application/json"}
}

// signIn exchanges the static code rFrnww of the default app.
func (e *env) signIn() answer {
	e.t.Helper()
	return wantCode(e.t, e.exchange("rFrnww", redirect), "1", "success")
}

// call posts a data call with token.
func (e *env) call(path, token, body string) testkit.Response {
	e.t.Helper()
	return e.post(path, bearer(token), body)
}

// loadFixture loads an isolar fixture section from YAML, as a file would.
func loadFixture(t *testing.T, yaml string) *fixture.Isolar {
	t.Helper()
	fx, err := fixture.Load(fstest.MapFS{"f.yaml": &fstest.MapFile{Data: []byte(yaml)}}, "f.yaml")
	if err != nil {
		t.Fatalf("fixture: %v", err)
	}
	return fx.Isolar
}

// defaultsWith is the default fixtures with change applied to a copy.
func defaultsWith(t *testing.T, change func(fx *fixture.Isolar)) *fixture.Isolar {
	t.Helper()
	fx := *defaults(t)
	fx.Apps = append([]fixture.IsolarApp(nil), fx.Apps...)
	change(&fx)
	return &fx
}

// object decodes a JSON answer keeping numbers as json.Number, so that
// tests see the JSON type of each value.
func object(t *testing.T, b []byte) map[string]any {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil {
		t.Fatalf("got %s (%v), want a JSON object", b, err)
	}
	return m
}

// at follows a path of keys and list indexes ("result_data.pageList.0.ps_id").
func at(m map[string]any, path string) any {
	var cur any = m
	for _, k := range strings.Split(path, ".") {
		switch v := cur.(type) {
		case map[string]any:
			cur = v[k]
		case []any:
			i := 0
			for _, r := range k {
				i = i*10 + int(r-'0')
			}
			if i >= len(v) {
				return nil
			}
			cur = v[i]
		default:
			return nil
		}
	}
	return cur
}

// wantJSON checks values of a decoded answer, each written as JSON
// (`700667048` a number, `"700667048"` a string).
func wantJSON(t *testing.T, body []byte, want map[string]string) {
	t.Helper()
	m := object(t, body)
	for path, w := range want {
		got, _ := json.Marshal(at(m, path))
		if string(got) != w {
			t.Errorf("%s: got %s, want %s (body %s)", path, got, w, body)
		}
	}
}
