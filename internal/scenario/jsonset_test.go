package scenario

import (
	"strings"
	"testing"
)

func TestSetFieldsKeepsOrder(t *testing.T) {
	body := []byte(`{"b":1,"a":{"x":"<y>","z":[1,2]},"c":null}`)
	cases := []struct {
		name   string
		fields []SetField
		want   string
	}{
		{"top", []SetField{{[]string{"b"}, []byte(`"two"`)}}, `{"b":"two","a":{"x":"<y>","z":[1,2]},"c":null}`},
		{"nested", []SetField{{[]string{"a", "x"}, []byte(`7`)}}, `{"b":1,"a":{"x":7,"z":[1,2]},"c":null}`},
		{"new key", []SetField{{[]string{"a", "n", "m"}, []byte(`true`)}}, `{"b":1,"a":{"x":"<y>","z":[1,2],"n":{"m":true}},"c":null}`},
		{"several", []SetField{{[]string{"c"}, []byte(`{}`)}, {[]string{"b"}, []byte(`null`)}}, `{"b":null,"a":{"x":"<y>","z":[1,2]},"c":{}}`},
	}
	for _, c := range cases {
		got, err := setFields(body, c.fields)
		if err != nil || string(got) != c.want {
			t.Errorf("%s: got %s %v, want %s", c.name, got, err, c.want)
		}
	}
	if _, err := setFields([]byte(`<html>`), []SetField{{[]string{"a"}, []byte(`1`)}}); err == nil {
		t.Error("non-JSON body: got no error")
	}
	if _, err := setFields([]byte(`{"a":1}`), []SetField{{[]string{"a", "b"}, []byte(`1`)}}); err == nil {
		t.Error("path through a number: got no error")
	}
}

// A new path of MaxSetDepth keys is written as nested objects, its keys
// escaped as JSON.
func TestSetFieldsDeepNewPath(t *testing.T) {
	path := make([]string, MaxSetDepth)
	for i := range path {
		path[i] = "k\"<"
	}
	key := `"k\"\u003c":`
	want := `{"a":{},` + key + strings.Repeat("{"+key, MaxSetDepth-1) + "1" + strings.Repeat("}", MaxSetDepth)
	got, err := setFields([]byte(`{"a":{}}`), []SetField{{path, []byte("1")}})
	if err != nil || string(got) != want {
		t.Errorf("got %s %v\nwant %s", got, err, want)
	}
}

// BenchmarkSetFieldsDeep writes a value MaxSetDepth keys deep, into an
// existing path and into a new one.
func BenchmarkSetFieldsDeep(b *testing.B) {
	path := make([]string, MaxSetDepth)
	for i := range path {
		path[i] = "a"
	}
	body := []byte(`{"a":` + strings.Repeat(`{"a":`, MaxSetDepth-1) + "0" + strings.Repeat("}", MaxSetDepth) + `}`)
	for b.Loop() {
		if _, err := setFields(body, []SetField{{path, []byte("1")}, {append([]string{"b"}, path[1:]...), []byte("2")}}); err != nil {
			b.Fatal(err)
		}
	}
}
