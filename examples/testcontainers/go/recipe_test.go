// Package recipe is the Testcontainers recipe for Go: the tokenmock image
// started by testcontainers-go for one test, driven with mocktest.
//
// It is a module of its own, so that testcontainers-go is a dependency of
// this example only, not of tokenmock. Run it with `go test` in this
// folder; it needs a Docker-compatible engine (Docker, or podman's
// `podman system service`: see ../ci.sh).
package recipe

import (
	"encoding/json"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/testcontainers/testcontainers-go"
	"github.com/testcontainers/testcontainers-go/wait"
	"github.com/tokenmock/tokenmock/mocktest"
)

// startTokenmock starts the image in a container for t, waits until the mock
// answers /_mock/health, and returns the mock's base URL. The container is
// removed when t ends.
func startTokenmock(t *testing.T) string {
	t.Helper()
	image := os.Getenv("TOKENMOCK_IMAGE") // CI tests the image it built
	if image == "" {
		image = "ghcr.io/tokenmock/tokenmock:latest"
	}
	ctr, err := testcontainers.GenericContainer(t.Context(), testcontainers.GenericContainerRequest{
		ContainerRequest: testcontainers.ContainerRequest{
			Image:        image,
			ExposedPorts: []string{"8080/tcp"},
			WaitingFor: wait.ForHTTP("/_mock/health").WithPort("8080/tcp").
				WithStartupTimeout(time.Minute),
		},
		Started: true,
	})
	// Registered before the error check: a container that started but
	// never became healthy is removed too.
	testcontainers.CleanupContainer(t, ctr)
	if err != nil {
		t.Fatalf("starting %s: %v", image, err)
	}
	url, err := ctr.PortEndpoint(t.Context(), "8080/tcp", "http")
	if err != nil {
		t.Fatal(err)
	}
	return url
}

func TestTokenmockContainer(t *testing.T) {
	mock := mocktest.Connect(t, startTokenmock(t))
	s := mock.Session(t) // this test's own codes, tokens, clock and journal

	// A real call, as the client under test would make it: iSolarCloud's
	// token exchange with the default fixtures' app and static code.
	if code, token := isolarToken(t, s.URL); code != "1" || token == "" {
		t.Fatalf("token exchange: result_code %q, token %q; want 1 and a token", code, token)
	}

	// A scenario from the library: the gateway refuses the next call.
	s.UseScenario("isolar-gateway-rate-limited")
	if code, _ := isolarToken(t, s.URL); code != "E999" {
		t.Errorf("under isolar-gateway-rate-limited: result_code %q; want E999", code)
	}

	// The journal: both calls, the second answered by the scenario's rule.
	reqs := s.Requests("isolar.token")
	if len(reqs) != 2 || reqs[0].Rule != "" || reqs[1].Rule != "isolar-gateway-rate-limited/hourly-limit" {
		t.Errorf("journal: got %+v; want two token calls, the second by isolar-gateway-rate-limited/hourly-limit", reqs)
	}
}

// isolarToken exchanges the static code at baseURL and returns the answer's
// result_code and access token.
func isolarToken(t *testing.T, baseURL string) (code, token string) {
	t.Helper()
	body := `{"appkey":"` + mocktest.IsolarAppKey + `","grant_type":"authorization_code",` +
		`"code":"` + mocktest.IsolarStaticCode + `","redirect_uri":"` + mocktest.IsolarRedirectURI + `"}`
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, baseURL+"/openapi/apiManage/token", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("x-access-key", mocktest.IsolarSecretKey)
	client := &http.Client{Timeout: 10 * time.Second}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out struct {
		ResultCode string `json:"result_code"`
		ResultData struct {
			AccessToken string `json:"access_token"`
		} `json:"result_data"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		t.Fatalf("token exchange: HTTP %d, not JSON: %v", resp.StatusCode, err)
	}
	return out.ResultCode, out.ResultData.AccessToken
}
