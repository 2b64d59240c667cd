package client_test

import (
	"errors"
	"net/http"
	"os"
	"testing"

	"github.com/tokenmock/tokenmock/examples/client"
	"github.com/tokenmock/tokenmock/mocktest"
)

var app = client.App{
	AppKey:      mocktest.IsolarAppKey,
	SecretKey:   mocktest.IsolarSecretKey,
	RedirectURI: mocktest.IsolarRedirectURI,
}

// The client against the mock: in process, or, with TOKENMOCK_URL set (see
// examples/docker-compose.yml and examples/github-actions.yml), against
// the running one. Each subtest has a session of its own.
func TestExchange(t *testing.T) {
	mock := mocktest.FromEnv(t)

	t.Run("happy path", func(t *testing.T) {
		t.Parallel()
		s := mock.Session(t)
		tok, err := client.Exchange(http.DefaultClient, s.URL, app, s.MintCode(mocktest.CodeRequest{Vendor: "isolar", AppKey: app.AppKey}), nil)
		if err != nil || len(tok.Plants) != 9 {
			t.Fatalf("got %+v %v, want a token for nine plants", tok, err)
		}
	})

	t.Run("rate limit survived", func(t *testing.T) {
		t.Parallel()
		s := mock.Session(t)
		// Sent with the test, the scenario also reaches a service
		// container, which cannot mount the repository's files.
		yaml, err := os.ReadFile("../scenarios/client-retry.yaml")
		if err != nil {
			t.Fatal(err)
		}
		s.UseScenarioYAML(string(yaml))
		mint := func() string { return s.MintCode(mocktest.CodeRequest{Vendor: "isolar", AppKey: app.AppKey}) }
		if _, err := client.Exchange(http.DefaultClient, s.URL, app, mint(), mint); err != nil {
			t.Errorf("after a rate limit: got %v, want the retry to succeed", err)
		}
		if n := len(s.Requests("isolar.token")); n != 2 {
			t.Errorf("got %d exchanges, want 2", n)
		}
	})

	t.Run("wrong secret", func(t *testing.T) {
		t.Parallel()
		s := mock.Session(t)
		bad := app
		bad.SecretKey = app.AppKey // the common mistake: the AppKey as x-access-key
		_, err := client.Exchange(http.DefaultClient, s.URL, bad, mocktest.IsolarStaticCode, nil)
		if e := (*client.Error)(nil); !errors.As(err, &e) || e.Code != "E912" {
			t.Errorf("wrong secret: got %v, want E912", err)
		}
		if reqs := s.Requests("isolar.token"); len(reqs) != 1 || reqs[0].Failure == "" {
			t.Errorf("got %+v, want the exchange journalled with its failure", reqs)
		}
	})
}
