// Package client is a small iSolarCloud client, the kind of code tokenmock
// is for: it exchanges an authorization code and retries once when the
// gateway rate-limits it.
package client

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"time"
)

// App is a registered iSolarCloud application.
type App struct {
	AppKey, SecretKey, RedirectURI string
}

// Token is what a successful exchange gives.
type Token struct {
	AccessToken, RefreshToken string
	Expiry                    time.Time
	Plants                    []string
}

// Error is a failure answer of the platform.
type Error struct{ Code, Message string }

func (e *Error) Error() string { return fmt.Sprintf("isolarcloud: %s %s", e.Code, e.Message) }

// rateLimited tells the gateway's codes for "try again later".
func rateLimited(code string) bool { return code == "E999" || code == "E998" || code == "E901" }

// Exchange trades a code for a token at baseURL. Codes are single-use, so
// after a rate limit it asks newCode for another one and tries once more.
func Exchange(hc *http.Client, baseURL string, app App, code string, newCode func() string) (*Token, error) {
	tok, err := exchange(hc, baseURL, app, code)
	var e *Error
	if errors.As(err, &e) && rateLimited(e.Code) && newCode != nil {
		return exchange(hc, baseURL, app, newCode())
	}
	return tok, err
}

func exchange(hc *http.Client, baseURL string, app App, code string) (*Token, error) {
	body, _ := json.Marshal(map[string]string{
		"appkey": app.AppKey, "grant_type": "authorization_code", "code": code, "redirect_uri": app.RedirectURI,
	})
	req, err := http.NewRequest("POST", baseURL+"/openapi/apiManage/token", bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/json;charset=UTF-8")
	req.Header.Set("x-access-key", app.SecretKey)
	resp, err := hc.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	var out struct {
		ResultCode string `json:"result_code"`
		ResultMsg  string `json:"result_msg"`
		ResultData *struct {
			AccessToken  string   `json:"access_token"`
			RefreshToken string   `json:"refresh_token"`
			ExpiresIn    int      `json:"expires_in"`
			AuthPsList   []string `json:"auth_ps_list"`
		} `json:"result_data"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		return nil, fmt.Errorf("isolarcloud: bad answer: %w", err)
	}
	if out.ResultCode != "1" || out.ResultData == nil {
		return nil, &Error{out.ResultCode, out.ResultMsg}
	}
	d := out.ResultData
	return &Token{d.AccessToken, d.RefreshToken, time.Now().Add(time.Duration(d.ExpiresIn) * time.Second), d.AuthPsList}, nil
}
