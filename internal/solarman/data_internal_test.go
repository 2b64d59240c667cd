package solarman

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/tokenmock/tokenmock/internal/fixture"
	"github.com/tokenmock/tokenmock/internal/mock"
	"github.com/tokenmock/tokenmock/internal/testkit"
)

// An app locked after its tokens were issued answers app_locked on every
// call that takes a token. In the mock a fixture reload starts every
// session afresh, so the token is issued here directly, as before the lock.
func TestLockedAppOnTokenCalls(t *testing.T) {
	all, err := fixture.Default()
	if err != nil {
		t.Fatal(err)
	}
	fx := *all.Solarman
	fx.Apps = append([]fixture.SolarmanApp(nil), fx.Apps...)
	fx.Apps[0].Locked = true
	s, err := New(&fx, mock.Deps{Now: func(context.Context) time.Time { return testkit.T0() }, IDs: testkit.IDs()})
	if err != nil {
		t.Fatal(err)
	}
	u := s.users[6681]
	tok, err := s.issue(0, u, nil, "cvwwb", identityUsername, fx.Apps[0].AppID, testkit.T0(), 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		handle func(*Service, *gin.Context)
		body   string
	}{
		{(*Service).info, `{}`},
		{(*Service).stationList, `{}`},
		{(*Service).stationRealtime, `{"stationId":100895}`},
		{(*Service).stationDevices, `{"stationId":100895}`},
		{(*Service).deviceCurrent, `{"deviceSn":"2106123456"}`},
	} {
		w := httptest.NewRecorder()
		gc, _ := gin.CreateTestContext(w)
		gc.Request = httptest.NewRequest(http.MethodPost, "/", strings.NewReader(c.body))
		gc.Request = gc.Request.WithContext(mock.WithRequest(context.Background(), &mock.Request{Body: []byte(c.body)}))
		gc.Request.Header.Set("Authorization", "bearer "+*tok.AccessToken)
		c.handle(s, gc)
		if got := w.Body.String(); w.Code != 200 || !strings.HasPrefix(got, `{"code":"2101009","msg":"appId or api is locked","success":false,"requestId":"`) {
			t.Errorf("%s: got %d %s, want 200 and app_locked", c.body, w.Code, got)
		}
	}
}

func TestWindow(t *testing.T) {
	const maxInt64 = 1<<63 - 1
	cases := []struct {
		n              int
		page, size     int64
		wantLo, wantHi int
	}{
		{0, 1, 20, 0, 0},
		{3, 1, 20, 0, 3},
		{3, 1, 2, 0, 2},
		{3, 2, 2, 2, 3},
		{3, 3, 2, 3, 3},
		{4, 2, 2, 2, 4},
		{4, 3, 2, 4, 4},
		{3, maxInt64, maxInt64, 3, 3},
		{3, 1, maxInt64, 0, 3},
		{3, maxInt64, 1, 3, 3},
	}
	for _, c := range cases {
		if lo, hi := window(c.n, c.page, c.size); lo != c.wantLo || hi != c.wantHi {
			t.Errorf("window(%d, page %d, size %d): got [%d, %d), want [%d, %d)", c.n, c.page, c.size, lo, hi, c.wantLo, c.wantHi)
		}
	}
}

func TestNumberFormats(t *testing.T) {
	cases := []struct {
		v    any
		want string
	}{
		{mock.JavaDouble(2196), "2196.0"},
		{mock.JavaDouble(0), "0.0"},
		{mock.JavaDouble(52.520008), "52.520008"},
		{mock.JavaDouble(-3.5), "-3.5"},
		{mock.JavaDouble(1e21), "1.0E21"}, // as Java's Double.toString
		{sixDecimals(5), "5.000000"},
		{sixDecimals(29.7), "29.700000"},
		{sixDecimals(0.0000004), "0.000000"},
	}
	for _, c := range cases {
		b, err := mock.EncodeJSON(c.v)
		if err != nil || string(b) != c.want {
			t.Errorf("%T(%v): got %s (%v), want %s", c.v, c.v, b, err, c.want)
		}
	}
}
