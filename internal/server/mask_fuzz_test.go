package server

import (
	"strings"
	"testing"
)

// FuzzMask reaches the journal's masking scanners (JSON keys, form
// names) with any text: no panic, at most the shown size plus the masks,
// and masking twice changes nothing more.
func FuzzMask(f *testing.F) {
	for _, s := range []string{
		`{"app\u0053ecret":"1q3e","username":"u","pass\u0077ord":"b6fb"}`,
		`{"outer":{"password":"x"},"list":["a","password"],"note":"password: x","n":1}`,
		"username=demo&pass%77ord=demo&client%5Fsecret=s",
		`{"password":"unterminated`, `"\`, `{"a\":1,"password":2}`, "password=&=&&%",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		once := maskBody(b)
		if twice := maskText(once); twice != once {
			t.Errorf("masking again changed %q to %q", once, twice)
		}
		if n := min(len(b), maxBodyShown); len(once) > n+5*strings.Count(once, "***") {
			t.Errorf("masked %d bytes into %d", n, len(once))
		}
		logBody(b)
		maskQuery(string(b))
	})
}
