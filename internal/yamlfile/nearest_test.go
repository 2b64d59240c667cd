package yamlfile

import "testing"

func TestNearest(t *testing.T) {
	failures := []string{"token_invalid_code", "token_invalid_scope", "token_server_error"}
	keys := []string{"pass", "delay", "error", "status", "body", "headers", "fault"}
	cases := []struct {
		name       string
		candidates []string
		whole      bool
		want       string
	}{
		{"eror", keys, false, "error"},
		{"stauts", keys, false, "status"}, // a swap is one edit
		{"header", keys, false, "headers"},
		{"invalid_code", failures, true, "token_invalid_code"}, // held whole
		{"invalid_code", failures, false, ""},
		{"server_error", failures, true, "token_server_error"},
		{"invalid", failures, true, ""}, // held by two: no guess
		{"oauth.tokn", []string{"oauth.token", "oauth.authorize", "isolar.token"}, false, "oauth.token"},
		{"nothing_like_it", keys, true, ""},
		{"error", keys, false, ""}, // no typo at all
		{"x", keys, false, ""},
		{"", keys, true, ""},
	}
	for _, c := range cases {
		if got := Nearest(c.name, c.candidates, c.whole); got != c.want {
			t.Errorf("Nearest(%q): got %q, want %q", c.name, got, c.want)
		}
	}
	if got := DidYouMean("eror", keys, false); got != ` (did you mean "error"?)` {
		t.Errorf("DidYouMean: got %q", got)
	}
}
