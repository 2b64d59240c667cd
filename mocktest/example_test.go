package mocktest_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/tokenmock/tokenmock/mocktest"
)

// isolarCodeBody is the body of an iSolarCloud code exchange.
func isolarCodeBody(code string) string {
	return `{"appkey":"` + mocktest.IsolarAppKey + `","grant_type":"authorization_code","code":"` + code + `","redirect_uri":"` + mocktest.IsolarRedirectURI + `"}`
}

// isolarExchange is what an iSolarCloud client does with a code.
func isolarExchange(baseURL, code string) (resultCode string, expiresIn int) {
	req, _ := http.NewRequest("POST", baseURL+"/openapi/apiManage/token", strings.NewReader(isolarCodeBody(code)))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("x-access-key", mocktest.IsolarSecretKey)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		panic(err)
	}
	defer resp.Body.Close()
	var out struct {
		ResultCode string `json:"result_code"`
		ExpiresIn  int    `json:"expires_in"`
	}
	json.NewDecoder(resp.Body).Decode(&out)
	return out.ResultCode, out.ExpiresIn
}

// A code minted through the admin API works once, like a real one. In a
// test, mocktest.Start(t) starts the mock and mock.Session(t) gives the
// test its session; an example has no t, so it uses New and SessionNamed.
func Example() {
	mock, err := mocktest.New()
	if err != nil {
		panic(err)
	}
	defer mock.Close()
	s := mock.SessionNamed(nil, "example")
	code := s.MintCode(mocktest.CodeRequest{Vendor: "isolar", AppKey: mocktest.IsolarAppKey})
	fmt.Println(isolarExchange(s.URL, code))
	fmt.Println(isolarExchange(s.URL, code))
	// Output:
	// 1 172799
	// 2 0
}

// A scenario from the library makes the gateway refuse the first calls.
func ExampleSession_UseScenario() {
	mock, _ := mocktest.New()
	defer mock.Close()
	s := mock.SessionNamed(nil, "rate-limited")
	s.UseScenario("isolar-gateway-rate-limited")
	code, _ := isolarExchange(s.URL, "rFrnww")
	fmt.Println(code)
	fmt.Println(s.Requests("isolar.token")[0].Rule)
	// Output:
	// E999
	// isolar-gateway-rate-limited/hourly-limit
}

// The session's clock decides expiry: no need to wait two days.
func ExampleSession_AdvanceClock() {
	mock, _ := mocktest.New()
	defer mock.Close()
	s := mock.SessionNamed(nil, "clock")
	req, _ := http.NewRequest("POST", s.URL+"/openapi/apiManage/token", strings.NewReader(isolarCodeBody(mocktest.IsolarStaticCode)))
	req.Header.Set("x-access-key", mocktest.IsolarSecretKey)
	resp, _ := http.DefaultClient.Do(req)
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	json.NewDecoder(resp.Body).Decode(&tok)
	resp.Body.Close()
	fmt.Println(s.Introspect(tok.AccessToken).Active)
	s.AdvanceClock(48 * time.Hour)
	fmt.Println(s.Introspect(tok.AccessToken).Active)
	// Output:
	// true
	// false
}

// isolarPost posts body to an iSolarCloud path as a client does, with a
// bearer token when given, and returns the answer's result_code and data.
func isolarPost(url, path, token, body string) (code string, data map[string]any) {
	req, _ := http.NewRequest("POST", url+path, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("x-access-key", mocktest.IsolarSecretKey)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		panic(err)
	}
	defer resp.Body.Close()
	var out struct {
		ResultCode string         `json:"result_code"`
		ResultData map[string]any `json:"result_data"`
	}
	json.NewDecoder(resp.Body).Decode(&out)
	return out.ResultCode, out.ResultData
}

// A client's whole life: the token, a data call, the token expiring on the
// next data call, the refresh, and the data call working again.
func ExampleSession_ExpireToken() {
	mock, _ := mocktest.New()
	defer mock.Close()
	s := mock.SessionNamed(nil, "lifecycle")
	const app = `"appkey":"` + mocktest.IsolarAppKey + `"`
	_, tok := isolarPost(s.URL, "/openapi/apiManage/token", "", isolarCodeBody(mocktest.IsolarStaticCode))
	access, refresh := tok["access_token"].(string), tok["refresh_token"].(string)
	plants := `{"page":1,"size":100,` + app + `}`

	code, data := isolarPost(s.URL, "/openapi/platform/queryPowerStationList", access, plants)
	fmt.Println(code, data["rowCount"])
	s.ExpireToken(access)
	code, _ = isolarPost(s.URL, "/openapi/platform/queryPowerStationList", access, plants)
	fmt.Println(code)
	_, fresh := isolarPost(s.URL, "/openapi/apiManage/refreshToken", "", `{`+app+`,"refresh_token":"`+refresh+`"}`)
	code, _ = isolarPost(s.URL, "/openapi/platform/queryPowerStationList", fresh["access_token"].(string), plants)
	fmt.Println(code)
	// Output:
	// 1 9
	// E00003
	// 1
}

// Connect drives a mock that runs already, here one from New standing in
// for a Compose service; in a test, mocktest.FromEnv(t) connects to
// $TOKENMOCK_URL when it is set and starts a mock otherwise. Closing the
// connected handle leaves the mock running.
func ExampleConnect() {
	running, _ := mocktest.New()
	defer running.Close()

	mock := mocktest.Connect(nil, running.URL) // in a test: Connect(t, url)
	s := mock.SessionNamed(nil, "connected")   // in a test: mock.Session(t)
	s.UseScenario("isolar-code-reused")
	mock.Close()
	fmt.Println(isolarExchange(running.URL+"/s/connected", mocktest.IsolarStaticCode))
	fmt.Println(isolarExchange(running.URL+"/s/connected", mocktest.IsolarStaticCode))
	// Output:
	// 1 172799
	// 2 0
}

// SOLARMAN takes the password as the lowercase hex SHA-256 of it.
func ExampleSolarmanPasswordDigest() {
	fmt.Println(mocktest.SolarmanPasswordDigest(mocktest.SolarmanPassword))
	// Output:
	// b6fb8971000faab81a3d6c6f4739f1240055d04af96816d68c9f7d89d1691918
}
