package isolar_test

import (
	"testing"

	"github.com/tokenmock/tokenmock/internal/isolar"
	"github.com/tokenmock/tokenmock/internal/mock"
	"github.com/tokenmock/tokenmock/internal/testkit"
)

// Session B issuing more tokens than the per-session store cap takes its
// own oldest, never session A's: A's refresh token still refreshes
// (review m8; attack-repro minor_repros.sh F15 with a cap of 3).
func TestStoreCapIsPerSession(t *testing.T) {
	const storeCap = 3
	srv := testkit.Serve(t, "", func(deps mock.Deps) []mock.Vendor {
		deps.StoreCap = storeCap
		return []mock.Vendor{isolar.New(defaults(t), deps)}
	})
	e := &env{t: t, url: srv.URL, clock: srv.Clock, notes: &testkit.Notes{}}
	hdr := func(session string) map[string]string {
		return map[string]string{"x-access-key": accessKey, "X-Mock-Session": session}
	}
	body := jsonBody(map[string]string{"appkey": appKey, "grant_type": "authorization_code", "code": "rFrnww", "redirect_uri": redirect, "token_scope_mode": "authorization_bound"})
	a := wantCode(t, e.post(tokenPath, hdr("A"), body), "1", "success")
	var bFirst answer
	for i := range 3 * storeCap {
		b := wantCode(t, e.post(tokenPath, hdr("B"), body), "1", "success")
		if i == 0 {
			bFirst = b
		}
	}
	refresh := func(session, token string) answer {
		return wantCode(t, e.post(refreshURL, hdr(session), jsonBody(map[string]string{"appkey": appKey, "refresh_token": token})), "1", "success")
	}
	if got := refresh("A", a.RefreshToken); got.ResultData.Code != "1" || got.AccessToken == "" {
		t.Errorf("session A's refresh after B's load: got code %q, want 1 and a new token", got.ResultData.Code)
	}
	if got := refresh("B", bFirst.RefreshToken); got.ResultData.Code != "5" {
		t.Errorf("session B's oldest refresh token past the cap: got code %q, want 5 (invalid)", got.ResultData.Code)
	}
}
