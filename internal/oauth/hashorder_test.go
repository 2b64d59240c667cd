package oauth

import (
	"encoding/json"
	"reflect"
	"slices"
	"strings"
	"testing"
)

// The orders java.util.HashSet and HashMap iterate these in, as printed
// by Java 17 (new HashSet<>(n) with add in order; new HashMap<>() with put
// in DefaultAccessTokenConverter's order, then "active").
func TestJavaHashOrder(t *testing.T) {
	cases := []struct {
		in, want string
	}{
		{"ROLE_USER|ROLE_ADMIN", "ROLE_USER|ROLE_ADMIN"},
		{"ROLE_SUPERUSER|ROLE_ADMIN", "ROLE_SUPERUSER|ROLE_ADMIN"},
		{"admin", "admin"},
		{"a|b|c|d|e|f|g|h|i|j|k|l|m|n|o|p|q", "a|b|c|d|e|f|g|h|i|j|k|l|m|n|o|p|q"},
		{"ROLE_CLIENT|ROLE_TRUSTED_CLIENT|读者|ROLE_X|ROLE_X", "ROLE_TRUSTED_CLIENT|读者|ROLE_X|ROLE_CLIENT"},
		{"zeta|alpha|mid|omega|beta", "zeta|mid|omega|beta|alpha"},
	}
	for _, c := range cases {
		if got := strings.Join(javaHashSet(strings.Split(c.in, "|")), "|"); got != c.want {
			t.Errorf("HashSet of %s: got %s, want %s", c.in, got, c.want)
		}
	}
	if got := javaHashSet(nil); got != nil {
		t.Errorf("no items: got %q, want nil", got)
	}
}

// The check_token answer's struct has its keys in the order of the
// HashMap Spring fills (jti, which the mock never sends, aside).
func TestCheckTokenKeyOrder(t *testing.T) {
	put := []string{"user_name", "authorities", "scope", "jti", "exp", "client_id", "aud", "active"}
	hashed := javaHashOrder(put, 16)
	want := "aud|user_name|scope|active|exp|authorities|jti|client_id" // Java 17
	if got := strings.Join(hashed, "|"); got != want {
		t.Fatalf("got %s, want %s", got, want)
	}
	exp := int64(1)
	b, err := json.Marshal(checkTokenBody{Aud: []string{"r"}, UserName: "u", Scope: []string{"s"}, Active: true, Exp: &exp, Authorities: []string{"a"}, ClientID: "c"})
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	dec := json.NewDecoder(strings.NewReader(string(b)))
	dec.Token() // {
	for dec.More() {
		k, _ := dec.Token()
		keys = append(keys, k.(string))
		var v any
		if err := dec.Decode(&v); err != nil {
			t.Fatal(err)
		}
	}
	wantKeys := slices.DeleteFunc(hashed, func(k string) bool { return k == "jti" })
	if !reflect.DeepEqual(keys, wantKeys) {
		t.Errorf("got keys %v, want %v", keys, wantKeys)
	}
}
