package isolar

import (
	"testing"

	"github.com/tokenmock/tokenmock/internal/mock"
)

// A point row is its head's keys, the points in order, then its tail's.
func TestPointRow(t *testing.T) {
	v := "a<b"
	for _, c := range []struct {
		name string
		row  pointRow
		want string
	}{
		{"head and points", pointRow{head: plantPointHead{PsName: "x", PsKey: "1_11_0_0", PsID: 1, UUID: 2},
			points: []pointValue{{"p83033", &v}, {"p1", nil}}},
			`{"ps_name":"x","ps_key":"1_11_0_0","ps_id":1,"uuid":2,"p83033":"a<b","p1":null}`},
		{"no points", pointRow{head: devicePointTail{"t"}, tail: devicePointTail{"u"}},
			`{"device_time":"t","device_time":"u"}`},
		{"empty head", pointRow{head: struct{}{}, points: []pointValue{{"p2", &v}}, tail: devicePointTail{"t"}},
			`{"p2":"a<b","device_time":"t"}`},
		{"nothing", pointRow{head: struct{}{}, tail: struct{}{}}, `{}`},
	} {
		got, err := mock.EncodeJSON(c.row)
		if err != nil || string(got) != c.want {
			t.Errorf("%s: got %s (%v), want %s", c.name, got, err, c.want)
		}
	}
}
