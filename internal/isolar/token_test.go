package isolar_test

import (
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tokenmock/tokenmock/internal/fixture"
	"github.com/tokenmock/tokenmock/internal/testkit"
)

var specPlants = []string{"700667048", "700009368", "700007278", "342472479", "700666230", "700666205", "542241", "342469869", "342469867"}

// The vendor page's documented request, replayed (vendors/isolarcloud.md §6).
func TestSpecExampleObserved(t *testing.T) {
	e := newEnv(t, nil)
	first := e.exchange("rFrnww", redirect)
	testkit.Golden(t, "token_observed", first.Body)
	a := wantCode(t, first, "1", "success")
	if a.ResultData.AuthUser != 408056 || !slices.Equal(a.ResultData.AuthPsList, specPlants) {
		t.Errorf("got auth_user %d plants %v, want 408056 %v", a.ResultData.AuthUser, a.ResultData.AuthPsList, specPlants)
	}
	if a.AccessToken != a.ResultData.AccessToken || a.ExpiresIn != 172799 {
		t.Errorf("got top-level %q/%d, want a copy of result_data with 172799", a.AccessToken, a.ExpiresIn)
	}
	// A static code works again and again; the live token is handed out
	// again with a smaller expires_in.
	e.clock.Advance(10 * time.Second)
	again := wantCode(t, e.exchange("rFrnww", redirect), "1", "success")
	if again.AccessToken != a.AccessToken || again.ExpiresIn != 172789 {
		t.Errorf("repeat: got %q expires_in %d, want %q 172789", again.AccessToken, again.ExpiresIn, a.AccessToken)
	}
}

func TestSpecExampleDocumented(t *testing.T) {
	e := newEnv(t, nil)
	r := e.post(tokenPath, map[string]string{"x-access-key": docAccess},
		jsonBody(map[string]string{"appkey": docAppKey, "grant_type": "authorization_code", "code": "T3xxjv", "redirect_uri": redirect}))
	testkit.Golden(t, "token_documented", r.Body)
	a := wantCode(t, r, "1", "success")
	if a.AccessToken != "" || a.ResultData.AuthUser != 408056 {
		t.Errorf("got top-level access_token %q auth_user %d, want none and 408056", a.AccessToken, a.ResultData.AuthUser)
	}
}

func TestSpecFailureExample(t *testing.T) {
	e := newEnv(t, nil)
	r := e.exchange("rFrnww2", redirect)
	testkit.Golden(t, "failure_invalid_code_observed", r.Body)
	wantCode(t, r, "2", "Invalid authorization code: rFrnww2")

	d := newEnv(t, nil)
	r = d.post(tokenPath, map[string]string{"x-access-key": docAccess},
		jsonBody(map[string]string{"appkey": docAppKey, "grant_type": "authorization_code", "code": "rFrnww2", "redirect_uri": redirect}))
	testkit.Golden(t, "failure_invalid_code_documented", r.Body)
	wantCode(t, r, "2", "Invalid authorization code: rFrnww2")
}

func TestMintedCodeWorksOnce(t *testing.T) {
	e := newEnv(t, nil)
	code := e.mint("", redirect2)
	if len(code) != 6 {
		t.Errorf("got code %q, want six characters", code)
	}
	wantCode(t, e.exchange(code, redirect2), "1", "success")
	wantCode(t, e.exchange(code, redirect2), "2", "Invalid authorization code: "+code)
}

// The code is burnt by the first attempt that reaches it, even a failing one.
func TestCodeBurntByFailedAttempt(t *testing.T) {
	e := newEnv(t, nil)
	code := e.mint("", redirect)
	wantCode(t, e.exchange(code, redirect2), "5", "Redirect URI mismatch.")
	wantCode(t, e.exchange(code, redirect), "2", "Invalid authorization code: "+code)
}

func TestCodeExpires(t *testing.T) {
	e := newEnv(t, nil)
	code := e.mint("", redirect)
	e.advance(10 * time.Minute)
	wantCode(t, e.exchange(code, redirect), "2", "")
}

func TestConcurrentExchangeOfOneCode(t *testing.T) {
	e := newEnv(t, nil)
	code := e.mint("", redirect)
	const n = 32
	var wins, losses atomic.Int64
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			switch a := parse(t, e.exchange(code, redirect)); a.ResultCode {
			case "1":
				wins.Add(1)
			case "2":
				losses.Add(1)
			default:
				t.Errorf("got result_code %q, want 1 or 2", a.ResultCode)
			}
		}()
	}
	wg.Wait()
	if wins.Load() != 1 || losses.Load() != n-1 {
		t.Errorf("got %d successes and %d failures, want 1 and %d", wins.Load(), losses.Load(), n-1)
	}
}

func TestLifecycle(t *testing.T) {
	e := newEnv(t, nil)
	tok := wantCode(t, e.exchange(e.mint("", redirect), redirect), "1", "success")
	if in := e.introspect(tok.AccessToken); !in.Active || in.Kind != "access" || in.Client != appKey || in.User != "demo@example.com" {
		t.Errorf("fresh token: got %+v, want active access of %s", in, appKey)
	}
	if got, want := e.introspect(tok.AccessToken).ExpiresAt, testkit.T0().Add(48*time.Hour); !got.Equal(want) {
		t.Errorf("got expires_at %v, want %v", got, want)
	}

	e.advance(48 * time.Hour)
	if in := e.introspect(tok.AccessToken); in.Active {
		t.Errorf("after 2 days: got %+v, want inactive", in)
	}
	r := e.refresh(tok.RefreshToken)
	testkit.Golden(t, "refresh_observed", r.Body)
	fresh := wantCode(t, r, "1", "success")
	if fresh.ResultData.Code != "1" || fresh.ExpiresIn != 172799 || fresh.RefreshToken == tok.RefreshToken || fresh.AccessToken == tok.AccessToken {
		t.Errorf("refresh: got %s, want a new pair with code 1 and 172799", r.Body)
	}
	if in := e.introspect(tok.AccessToken); in.Active || in.Kind != "" {
		t.Errorf("old access token: got %+v, want revoked", in)
	}
	if in := e.introspect(fresh.AccessToken); !in.Active {
		t.Errorf("new access token: got %+v, want active", in)
	}
	// The rotated refresh token is dead.
	dead := wantCode(t, e.refresh(tok.RefreshToken), "1", "success")
	if dead.ResultData.Code != "5" || dead.AccessToken != "" {
		t.Errorf("old refresh token: got code %q, want 5 and no token", dead.ResultData.Code)
	}

	e.advance(720 * time.Hour)
	expired := wantCode(t, e.refresh(fresh.RefreshToken), "1", "success")
	if expired.ResultData.Code != "-2" {
		t.Errorf("after 30 days: got code %q, want -2", expired.ResultData.Code)
	}
}

func TestRefreshDocumented(t *testing.T) {
	e := newEnv(t, nil)
	hdr := map[string]string{"x-access-key": docAccess}
	tok := parse(t, e.post(tokenPath, hdr, jsonBody(map[string]string{"appkey": docAppKey, "grant_type": "authorization_code", "code": "T3xxjv", "redirect_uri": redirect})))
	r := e.post(refreshURL, hdr, jsonBody(map[string]string{"appkey": docAppKey, "refresh_token": tok.ResultData.RefreshToken, "grant_type": "refresh_token"}))
	testkit.Golden(t, "refresh_documented", r.Body)
	if a := wantCode(t, r, "1", "success"); a.ResultData.Code != "1" || a.AccessToken != "" {
		t.Errorf("got %s, want result_data only, code 1", r.Body)
	}
}

func TestTokenScopeMode(t *testing.T) {
	e := newEnv(t, nil)
	a := parse(t, e.exchange("rFrnww", redirect))
	b := parse(t, e.post(tokenPath, map[string]string{"x-access-key": accessKey},
		jsonBody(map[string]string{"appkey": appKey, "grant_type": "authorization_code", "code": "rFrnww", "redirect_uri": redirect, "token_scope_mode": "authorization_bound"})))
	if a.AccessToken == b.AccessToken {
		t.Errorf("authorization_bound: got the live token again, want a fresh one")
	}

	reuse := false
	fx := defaults(t)
	fx.Settings.ReuseLiveToken = &reuse
	n := newEnv(t, fx)
	if x, y := parse(t, n.exchange("rFrnww", redirect)), parse(t, n.exchange("rFrnww", redirect)); x.AccessToken == y.AccessToken {
		t.Errorf("reuse_live_token false: got the same token twice")
	}
}

// Sessions keep their own codes, tokens and clocks.
func TestSessionsAreIsolated(t *testing.T) {
	e := newEnv(t, nil)
	r := e.post("/s/a/_mock/codes", nil, jsonBody(map[string]string{"vendor": "isolar", "appkey": appKey, "code": "sessA1"}))
	if r.Status != 201 {
		t.Fatalf("mint in a: got %d %s", r.Status, r.Body)
	}
	body := jsonBody(map[string]string{"appkey": appKey, "grant_type": "authorization_code", "code": "sessA1", "redirect_uri": redirect})
	hdr := map[string]string{"x-access-key": accessKey, "X-Mock-Session": "b"}
	wantCode(t, e.post(tokenPath, hdr, body), "2", "")
	tok := wantCode(t, e.post("/s/a"+tokenPath, map[string]string{"x-access-key": accessKey}, body), "1", "success")

	e.post("/_mock/clock?session=a", nil, `{"advance":"49h"}`)
	if in := e.introspect(tok.AccessToken); in.Active || in.Kind != "" {
		t.Errorf("default session sees a's token: %+v", in)
	}
	r = e.post("/_mock/introspect", map[string]string{"X-Mock-Session": "a"}, jsonBody(map[string]string{"token": tok.AccessToken}))
	if !contains(string(r.Body), `"active":false,"vendor":"isolar"`) {
		t.Errorf("a's token after a's clock moved 49h: got %s, want inactive", r.Body)
	}
}

func defaults(t *testing.T) *fixture.Isolar {
	t.Helper()
	all, err := fixture.Default()
	if err != nil {
		t.Fatal(err)
	}
	return all.Isolar
}

// POST /_mock/codes for isolar: an omitted user is the fixtures' first, an
// omitted redirect_uri the app's first registered one; each error says
// what would do.
func TestMintCodeRequests(t *testing.T) {
	e := newEnv(t, nil)
	r := e.post("/_mock/codes", nil, `{"vendor":"isolar","appkey":"`+appKey+`"}`)
	var minted struct{ Code string }
	decode(t, r.Body, &minted)
	if r.Status != 201 || minted.Code == "" {
		t.Fatalf("defaults: got %d %s, want 201 and a code", r.Status, r.Body)
	}
	code := minted.Code
	if a := wantCode(t, e.exchange(code, redirect), "1", "success"); a.ResultData.AuthUser != 408056 {
		t.Errorf("defaults: got auth_user %d, want 408056 (demo@example.com, the first user)", a.ResultData.AuthUser)
	}
	noUsers := newEnv(t, defaultsWith(t, func(fx *fixture.Isolar) { fx.Users, fx.StaticCodes = nil, nil }))
	cases := []struct {
		name   string
		e      *env
		body   string
		detail string
	}{
		{"no appkey", e, `{"vendor":"isolar"}`, "appkey: required (one of " + appKey + ", " + docAppKey + ")"},
		{"unknown appkey", e, `{"vendor":"isolar","appkey":"X"}`, `appkey: unknown app "X" (want one of ` + appKey + ", " + docAppKey + ")"},
		{"unknown user", e, `{"vendor":"isolar","appkey":"` + appKey + `","user":"u"}`, `user: unknown account "u"`},
		{"no user to default to", noUsers, `{"vendor":"isolar","appkey":"` + appKey + `"}`, "user: the fixtures have no isolar user to default to"},
		{"unregistered redirect", e, `{"vendor":"isolar","appkey":"` + appKey + `","redirect_uri":"https://evil.example"}`,
			`redirect_uri: not registered for the app: "https://evil.example" (registered: ` + redirect + ", " + redirect2},
	}
	for _, c := range cases {
		r := c.e.post("/_mock/codes", nil, c.body)
		var got struct {
			Error   string
			Details []string
		}
		decode(t, r.Body, &got)
		if r.Status != 400 || !slices.ContainsFunc(got.Details, func(d string) bool { return contains(d, c.detail) }) {
			t.Errorf("%s: got %d %s, want 400 with %q", c.name, r.Status, r.Body, c.detail)
		}
	}
}
