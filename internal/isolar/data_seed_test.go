package isolar_test

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/tokenmock/tokenmock/internal/fixture"
	"github.com/tokenmock/tokenmock/internal/isolar"
	"github.com/tokenmock/tokenmock/internal/testkit"
)

// The seed examples of vendors/isolarcloud-data.md §6, replayed against
// the default fixtures; golden files pin each whole answer (key order,
// JSON types).
func TestDataSeedExamples(t *testing.T) {
	cases := []struct {
		name, path, body string
		want             map[string]string
	}{
		{"seed_1_plants", plantsPath, withApp(`"page":1,"size":100`), map[string]string{
			"result_code": `"1"`, "result_data.rowCount": `9`, "result_data.pageList.0.ps_id": `700667048`,
			"result_data.pageList.0.ps_name": `"Demo Plant 1"`, "result_data.pageList.8.ps_id": `342469867`,
			"result_data.pageList.8.ps_name": `"Plant 342469867"`,
		}},
		{"seed_2_plant_realtime", plantRealtimePath, validBodies[plantRealtimePath], map[string]string{
			"result_code": `"1"`, "result_data.fail_ps_id_list": `[]`, "result_data.device_point_list.0.ps_id": `700667048`,
			"result_data.device_point_list.0.p83033": `"2150.0"`, "result_data.device_point_list.0.p83252": `"0.87"`,
			"result_data.device_point_list.0.p83024": `"8642100.0"`, "result_data.device_point_list.1": `null`,
			"result_data.point_dict.9": `{"point_id":83252,"point_name":"Battery Level (SOC)","point_unit":""}`,
		}},
		{"seed_3_plant_realtime_numbers", plantRealtimePath, withApp(`"ps_id_list":[700667048, 999],"point_id_list":` + haPoints), map[string]string{
			"result_code": `"1"`, "result_data.fail_ps_id_list": `["999"]`, "result_data.device_point_list.0.ps_key": `"700667048_11_0_0"`,
			"result_data.device_point_list.1": `null`, "result_data.point_dict": `null`,
		}},
		{"seed_4_devices", devicesPath, validBodies[devicesPath], map[string]string{
			"result_code": `"1"`, "result_data.rowCount": `2`,
			"result_data.pageList.0.ps_key": `"700667048_1_1_1"`, "result_data.pageList.0.device_type": `1`,
			"result_data.pageList.1.ps_key": `"700667048_7_1_2"`, "result_data.pageList.1.device_type": `7`,
			"result_data.pageList.0.dev_status": `"1"`,
		}},
		{"seed_5_device_realtime", deviceRealtimePath, validBodies[deviceRealtimePath], map[string]string{
			"result_code": `"1"`, "result_data.illegal_ps_key_list": `[]`, "result_data.point_dict": `null`,
			"result_data.device_point_list.0.device_point.ps_key": `"700667048_1_1_1"`,
			"result_data.device_point_list.0.device_point.p24":    `"2150.0"`, "result_data.device_point_list.0.device_point.p4": `"38.5"`,
			"result_data.device_point_list.0.device_point.dev_status": `1`, "result_data.device_point_list.0.device_point.uuid": `5000101`,
			// T0 is 17:26:53 in UTC+8: the last 5-minute mark.
			"result_data.device_point_list.0.device_point.device_time": `"20260314172500"`,
		}},
		{"seed_6_missing_keys", deviceRealtimePath, withApp(`"point_id_list":["24","2","1","4"],"device_type":1`), map[string]string{
			"result_code": `"009"`, "result_msg": `"Parameters ps_key_list,sn_list cannot be empty at the same time!"`, "result_data": `null`,
		}},
		{"seed_6_101_points", plantRealtimePath, withApp(`"ps_id_list":["700667048"],"point_id_list":` + points(101)), map[string]string{
			"result_code": `"010"`, "result_msg": `"Parameters point_id_list size is over 100"`,
		}},
	}
	e := newEnv(t, nil)
	tok := e.signIn()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := e.call(c.path, tok.AccessToken, c.body)
			if r.Status != 200 {
				t.Errorf("got status %d, want 200", r.Status)
			}
			wantJSON(t, r.Body, c.want)
			testkit.Golden(t, c.name, []byte(normal(t, r.Body)))
		})
	}

	// 7: a token a refresh has replaced gets E00003, HTTP 200.
	t.Run("seed_7_refreshed_away", func(t *testing.T) {
		e := newEnv(t, nil)
		old := e.signIn()
		if fresh := wantCode(t, e.refresh(old.RefreshToken), "1", "success"); fresh.ResultData.Code != "1" {
			t.Fatalf("refresh: got code %q, want 1", fresh.ResultData.Code)
		}
		r := e.call(plantsPath, old.AccessToken, validBodies[plantsPath])
		wantCode(t, r, "E00003", "er_token_login_invalid")
		testkit.Golden(t, "seed_7_refreshed_away", []byte(normal(t, r.Body)))
	})
}

// Plant ids are integers in pageList and strings in auth_ps_list, the same
// ids in the same order: clients compare them with str() or toString().
func TestPlantIDsMatchTheGrant(t *testing.T) {
	e := newEnv(t, nil)
	tok := e.signIn()
	var page struct {
		ResultData struct {
			PageList []struct {
				PsID json.RawMessage `json:"ps_id"`
			} `json:"pageList"`
		} `json:"result_data"`
	}
	decode(t, e.call(plantsPath, tok.AccessToken, validBodies[plantsPath]).Body, &page)
	var got []string
	for _, p := range page.ResultData.PageList {
		if p.PsID[0] == '"' {
			t.Errorf("got ps_id %s, want a JSON integer", p.PsID)
		}
		got = append(got, string(p.PsID))
	}
	if want := tok.ResultData.AuthPsList; strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("got ps_ids %v, want auth_ps_list %v in its order", got, want)
	}
}

// The fixtures' list of data endpoints (apps[].endpoints) is the table's.
func TestDataEndpointIDs(t *testing.T) {
	var got []string
	for _, e := range isolar.Spec().Endpoints {
		if e.ID != isolar.EndpointAuthorize && e.ID != isolar.EndpointToken && e.ID != isolar.EndpointRefresh {
			got = append(got, e.ID)
		}
	}
	if !slices.Equal(got, fixture.IsolarDataEndpoints) {
		t.Errorf("got data endpoints %v, want fixture.IsolarDataEndpoints %v", got, fixture.IsolarDataEndpoints)
	}
}
