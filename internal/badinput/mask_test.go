package badinput_test

import (
	"bytes"
	"strings"
	"testing"
)

// m3 of the attack review: a secret whose name is percent-encoded in a
// form or query, or \u-escaped in a JSON key, is still hidden in the
// journal (the vendors decode names before they read them), and so is the
// value of a cookie such as the DI platform's JSESSIONID.
func TestJournalHidesSecretsWithEncodedNames(t *testing.T) {
	s := newSuite(t)
	const session = "journal-encoded-secrets"
	h := func(kv ...string) map[string][]string {
		return hdr(append([]string{"X-Mock-Session", session}, kv...)...)
	}
	escaped := `{"app\u0053ecret":"` + smSecret + `","username":"cvwwb","pass\u0077ord":"` + smDigest + `"}`
	s.send(t, post(smToken+"?appId="+smApp, h("Content-Type", "application/json"), escaped))
	s.send(t, post("/oauth/token?client_id="+diClient+"&client%5Fsecret="+diSecret+"&grant_type=refresh_token&refresh_token=x", h(), ""))
	s.send(t, post("/oauth/login", h("Content-Type", "application/x-www-form-urlencoded"), "username=demo&pass%77ord=SECRETPASSWORD1"))
	s.send(t, get("/oauth/authorize?client_id="+diClient, h("Cookie", "JSESSIONID=SESSIONCOOKIEVALUE")))
	r := s.send(t, get("/_mock/requests?session="+session, nil))
	if r.status != 200 || strings.Count(string(r.body), `"id":`) != 4 {
		t.Fatalf("journal: got %d %.300s", r.status, r.body)
	}
	for _, secret := range []string{smSecret, smDigest, diSecret, "SECRETPASSWORD1", "SESSIONCOOKIEVALUE"} {
		if bytes.Contains(r.body, []byte(secret)) {
			t.Errorf("the journal shows %s: %.900s", secret, r.body)
		}
	}
	for _, masked := range []string{`app\\u0053ecret\":\"***\"`, `client%5Fsecret=***`, `pass%77ord=***`, `JSESSIONID=***`} {
		if !bytes.Contains(r.body, []byte(masked)) {
			t.Errorf("the journal lacks %s: %.900s", masked, r.body)
		}
	}
}
