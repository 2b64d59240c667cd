package oauth_test

import (
	"context"
	"errors"
	"net/url"
	"testing"
	"time"

	"golang.org/x/oauth2"
)

// golang.org/x/oauth2 exchanges and refreshes against the mock with both
// client authentication styles, and reads what a Spring server sends.
func TestGolangOAuth2Client(t *testing.T) {
	for _, style := range []struct {
		name  string
		style oauth2.AuthStyle
	}{{"params", oauth2.AuthStyleInParams}, {"header", oauth2.AuthStyleInHeader}} {
		t.Run(style.name, func(t *testing.T) {
			e := newEnv(t, nil)
			conf := &oauth2.Config{
				ClientID: clientID, ClientSecret: secret, RedirectURL: cb, Scopes: []string{"read_cn"},
				Endpoint: oauth2.Endpoint{AuthURL: e.srv.URL + "/oauth/authorize", TokenURL: e.srv.URL + "/oauth/token", AuthStyle: style.style},
			}
			authURL, err := url.Parse(conf.AuthCodeURL("st-1"))
			if err != nil {
				t.Fatal(err)
			}
			r := e.send("GET", authURL.RequestURI()+"&mock_user=demo", nil, "")
			r = e.send("POST", "/oauth/authorize", formType, "user_oauth_approval=true&scope.read_cn=true")
			loc, _ := url.Parse(r.header.Get("Location"))
			if loc.Query().Get("state") != "st-1" {
				t.Fatalf("got Location %s, want state st-1", loc)
			}
			ctx := context.Background()
			before := time.Now()
			tok, err := conf.Exchange(ctx, loc.Query().Get("code"))
			if err != nil {
				t.Fatalf("exchange: %v", err)
			}
			if tok.AccessToken == "" || tok.RefreshToken == "" || tok.Type() != "Bearer" || tok.Extra("scope") != "read_cn" {
				t.Errorf("got %+v scope %v, want bearer tokens with scope read_cn", tok, tok.Extra("scope"))
			}
			if n, ok := tok.Extra("expires_in").(float64); !ok || n != 604799 {
				t.Errorf("got expires_in %v, want 604799", tok.Extra("expires_in"))
			}
			if d := tok.Expiry.Sub(before); d < 604798*time.Second || d > 604801*time.Second {
				t.Errorf("got expiry in %v, want about 7 days", d)
			}
			// Refresh: the token source refreshes an expired token.
			tok.Expiry = time.Now().Add(-time.Minute)
			fresh, err := conf.TokenSource(ctx, tok).Token()
			if err != nil {
				t.Fatalf("refresh: %v", err)
			}
			if fresh.AccessToken == tok.AccessToken || fresh.RefreshToken == tok.RefreshToken || fresh.Extra("scope") != "read_cn" {
				t.Errorf("refresh: got %+v, want a new pair with scope read_cn", fresh)
			}
			// A used code fails with Spring's error.
			_, err = conf.Exchange(ctx, loc.Query().Get("code"))
			var re *oauth2.RetrieveError
			if !errors.As(err, &re) || re.ErrorCode != "invalid_grant" || re.ErrorDescription != "Invalid authorization code: "+loc.Query().Get("code") {
				t.Errorf("replayed code: got %v, want invalid_grant", err)
			}
		})
	}
}
