package ids

import (
	"math/rand/v2"
	"regexp"
	"strings"
	"testing"
)

type seeded struct{ r *rand.ChaCha8 }

func (s seeded) Read(p []byte) (int, error) { return s.r.Read(p) }

func TestFormats(t *testing.T) {
	g := New(seeded{rand.NewChaCha8([32]byte{1})})
	cases := []struct {
		name string
		got  string
		re   string
	}{
		{"uuid", g.UUID(), `^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`},
		{"uuidhex", g.UUIDHex(), `^[0-9a-f]{12}4[0-9a-f]{3}[89ab][0-9a-f]{15}$`},
		{"hex", g.Hex(16), `^[0-9a-f]{16}$`},
		{"odd hex", g.Hex(5), `^[0-9a-f]{5}$`},
		{"alnum", g.Alnum(6), `^[A-Za-z0-9]{6}$`},
	}
	for _, c := range cases {
		if !regexp.MustCompile(c.re).MatchString(c.got) {
			t.Errorf("%s: got %q, want match of %s", c.name, c.got, c.re)
		}
	}
}

func TestDeterministic(t *testing.T) {
	a := New(seeded{rand.NewChaCha8([32]byte{7})})
	b := New(seeded{rand.NewChaCha8([32]byte{7})})
	for i := 0; i < 5; i++ {
		if x, y := a.UUID(), b.UUID(); x != y {
			t.Fatalf("got %q and %q from equal seeds, want equal", x, y)
		}
	}
}

func TestAlnumUsesWholeAlphabet(t *testing.T) {
	g := New(nil)
	seen := map[rune]bool{}
	for i := 0; i < 2000; i++ {
		for _, c := range g.Alnum(6) {
			seen[c] = true
		}
	}
	if len(seen) != len(alnum) {
		t.Errorf("got %d distinct characters, want %d", len(seen), len(alnum))
	}
}

func TestUnreserved(t *testing.T) {
	for s, want := range map[string]bool{
		"a": true, "Az09-._~": true, strings.Repeat("x", 8): true,
		"": false, strings.Repeat("x", 9): false, "a b": false, "a/b": false, "a%2F": false, "é": false,
	} {
		if got := Unreserved(s, 8); got != want {
			t.Errorf("Unreserved(%q, 8) = %v, want %v", s, got, want)
		}
	}
}
