package mocktest_test

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/tokenmock/tokenmock/internal/fixture"
	"github.com/tokenmock/tokenmock/mocktest"
)

// The constants are the default fixtures' values: a change of the
// fixtures that leaves them behind fails here.
func TestConstantsMatchTheFixtures(t *testing.T) {
	fx, err := fixture.Default()
	if err != nil {
		t.Fatal(err)
	}
	check := func(what string, ok bool) {
		t.Helper()
		if !ok {
			t.Errorf("%s: the constant is not the default fixtures' value", what)
		}
	}

	is := fx.Isolar
	app := is.Apps[0]
	check("IsolarAppKey", app.AppKey == mocktest.IsolarAppKey)
	check("IsolarSecretKey", app.AccessKey == mocktest.IsolarSecretKey)
	check("IsolarRedirectURI", slices.Contains(app.RedirectURIs, mocktest.IsolarRedirectURI))
	user := is.Users[0]
	check("IsolarUser", user.Account == mocktest.IsolarUser)
	check("IsolarPassword", user.Password == mocktest.IsolarPassword)
	check("IsolarUserID", user.UserID == mocktest.IsolarUserID)
	check("IsolarStaticCode", slices.Contains(is.StaticCodes, fixture.IsolarStaticCode{
		Code: mocktest.IsolarStaticCode, AppKey: mocktest.IsolarAppKey, RedirectURI: mocktest.IsolarRedirectURI, Account: mocktest.IsolarUser,
	}))

	sm := fx.Solarman
	check("SolarmanAppID, SolarmanAppSecret", slices.ContainsFunc(sm.Apps, func(a fixture.SolarmanApp) bool {
		return a.AppID == mocktest.SolarmanAppID && a.AppSecret == mocktest.SolarmanAppSecret && !a.Locked
	}))
	check("the SOLARMAN user", slices.ContainsFunc(sm.Users, func(u fixture.SolarmanUser) bool {
		return u.UserID == mocktest.SolarmanUserID && u.Username == mocktest.SolarmanUsername && u.Email == mocktest.SolarmanEmail &&
			u.Mobile == mocktest.SolarmanMobile && u.CountryCode == mocktest.SolarmanCountryCode && u.Password == mocktest.SolarmanPassword
	}))

	check("the SOLARMAN user with a station", slices.ContainsFunc(sm.Users, func(u fixture.SolarmanUser) bool {
		return u.UserID == mocktest.SolarmanStationUserID && u.Username == mocktest.SolarmanStationUsername &&
			u.Digest() == mocktest.SolarmanStationPasswordDigest
	}))
	check("SolarmanStationID", slices.ContainsFunc(sm.Stations, func(st fixture.SolarmanStation) bool {
		return st.ID == mocktest.SolarmanStationID && slices.Contains(st.OwnerUserIDs, mocktest.SolarmanStationUserID)
	}))

	di := fx.OAuth
	cl := di.Clients[0]
	check("DIClientID", cl.ClientID == mocktest.DIClientID)
	check("DIClientSecret", cl.ClientSecret == mocktest.DIClientSecret)
	check("DIRedirectURI", len(cl.RedirectURIs) > 0 && cl.RedirectURIs[0] == mocktest.DIRedirectURI)
	check("DIScope", slices.Equal(cl.Scopes, []string{mocktest.DIScope}))
	check("DIUser, DIPassword", slices.ContainsFunc(di.Users, func(u fixture.OAuthUser) bool {
		return u.Username == mocktest.DIUser && u.Password == mocktest.DIPassword
	}))
}

// The digest is the one the README shows, and SOLARMAN takes it.
func TestSolarmanPasswordDigest(t *testing.T) {
	const readme = "b6fb8971000faab81a3d6c6f4739f1240055d04af96816d68c9f7d89d1691918"
	if got := mocktest.SolarmanPasswordDigest(mocktest.SolarmanPassword); got != readme {
		t.Errorf("got %s, want %s", got, readme)
	}
	mock := mocktest.Start(t)
	s := mock.Session(t)
	for _, c := range []struct {
		password string
		want     bool
	}{
		{mocktest.SolarmanPasswordDigest(mocktest.SolarmanPassword), true},
		{mocktest.SolarmanPassword, false},
		{strings.ToUpper(mocktest.SolarmanPasswordDigest(mocktest.SolarmanPassword)), false},
	} {
		body, _ := json.Marshal(map[string]string{"appSecret": mocktest.SolarmanAppSecret, "email": mocktest.SolarmanEmail, "password": c.password})
		resp, err := http.Post(s.URL+"/account/v1.0/token?appId="+mocktest.SolarmanAppID, "application/json", strings.NewReader(string(body)))
		if err != nil {
			t.Fatal(err)
		}
		var out struct {
			Success bool
			UID     int64
		}
		json.NewDecoder(resp.Body).Decode(&out)
		resp.Body.Close()
		if out.Success != c.want || c.want && out.UID != mocktest.SolarmanUserID {
			t.Errorf("password %q: got %+v, want success %v", c.password, out, c.want)
		}
	}
}
