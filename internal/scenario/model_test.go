package scenario

import (
	"slices"
	"testing"
)

func TestCatalogue(t *testing.T) {
	cat := testCatalogue()
	want := []string{"isolar.authorize", "isolar.token", "isolar.refresh", "solarman.token", "solarman.info", "oauth.authorize", "oauth.token"}
	got := cat.Endpoints()
	if !slices.Equal(got, want) {
		t.Errorf("got endpoints %q, want %q in table order", got, want)
	}
	got[0] = "changed"
	if again := cat.Endpoints(); again[0] != want[0] {
		t.Errorf("after changing the returned list: got %q first, want %q: the catalogue's own list changed", again[0], want[0])
	}
	for _, c := range []struct {
		id   string
		want []string
	}{
		{"isolar.token", []string{"hourly_limit", "invalid_code"}},
		{"isolar.authorize", []string{}},
		{"nope", []string{}},
	} {
		if got := cat.Failures(c.id); !slices.Equal(got, c.want) {
			t.Errorf("failures of %s: got %q, want %q", c.id, got, c.want)
		}
	}
}
