package client_test

import (
	"errors"
	"net/http"
	"testing"

	"github.com/tokenmock/tokenmock/examples/client"
	"github.com/tokenmock/tokenmock/mocktest"
)

var app = client.App{
	AppKey:      "B968E49385CBD8C74587A374E7B1D21A",
	SecretKey:   "MOCKSECRETKEY0123456789ABCDEFGHI",
	RedirectURI: "https://web3.isolarcloud.com.cn",
}

// The client against the mock, in process: a happy path, a rate limit it
// survives, and a wrong secret it reports.
func TestExchange(t *testing.T) {
	mock := mocktest.Start(t, mocktest.WithScenarios("../scenarios"))

	ok := mock.Session("ok")
	tok, err := client.Exchange(http.DefaultClient, ok.URL, app, ok.MintCode(mocktest.CodeRequest{Vendor: "isolar", AppKey: app.AppKey}), nil)
	if err != nil || len(tok.Plants) != 9 {
		t.Fatalf("got %+v %v, want a token for nine plants", tok, err)
	}

	retry := mock.Session("retry")
	retry.UseScenario("client-retry")
	mint := func() string { return retry.MintCode(mocktest.CodeRequest{Vendor: "isolar", AppKey: app.AppKey}) }
	if _, err := client.Exchange(http.DefaultClient, retry.URL, app, mint(), mint); err != nil {
		t.Errorf("after a rate limit: got %v, want the retry to succeed", err)
	}
	if n := len(retry.Requests("isolar.token")); n != 2 {
		t.Errorf("got %d exchanges, want 2", n)
	}

	bad := app
	bad.SecretKey = app.AppKey // the common mistake: the AppKey as x-access-key
	_, err = client.Exchange(http.DefaultClient, ok.URL, bad, "rFrnww", nil)
	if e := (*client.Error)(nil); !errors.As(err, &e) || e.Code != "E912" {
		t.Errorf("wrong secret: got %v, want E912", err)
	}
}
