package solarman

import (
	"bytes"
	"crypto/subtle"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/tokenmock/tokenmock/internal/fixture"
	"github.com/tokenmock/tokenmock/internal/mock"
)

// Identity types of detail.identityType and user_name.
const (
	identityMobile   = 1
	identityEmail    = 2
	identityUsername = 3
)

// login is a parsed token request body.
type login struct {
	appSecret, password, email, username, mobile, countryCode field
	orgID                                                     int64
	badOrgID                                                  bool
}

// field is a string field of the body: absent when missing, null or "";
// bad when of a type no Jackson-like reader turns into a string.
type field struct {
	val          string
	present, bad bool
}

func stringField(m map[string]json.RawMessage, key string) field {
	raw := bytes.TrimSpace(m[key])
	if len(raw) == 0 || string(raw) == "null" {
		return field{}
	}
	switch c := raw[0]; {
	case c == '"':
		var s string
		if json.Unmarshal(raw, &s) != nil || s == "" {
			return field{}
		}
		return field{val: s, present: true}
	case c == '-' || (c >= '0' && c <= '9'):
		return field{val: string(raw), present: true}
	}
	return field{present: true, bad: true}
}

// orgIDField reads orgId: an integer or a string of digits; absent, null
// and 0 mean a consumer login.
func orgIDField(m map[string]json.RawMessage) (int64, bool) {
	raw := bytes.TrimSpace(m["orgId"])
	if len(raw) == 0 || string(raw) == "null" {
		return 0, true
	}
	text := string(raw)
	if raw[0] == '"' {
		if json.Unmarshal(raw, &text) != nil {
			return 0, false
		}
	}
	if text == "" || strings.TrimLeft(text, "0123456789") != "" {
		return 0, false
	}
	n, err := strconv.ParseInt(text, 10, 64)
	return n, err == nil
}

// parseLogin reads the body; ok is false when it is no JSON object.
func parseLogin(body []byte) (login, bool) {
	var m map[string]json.RawMessage
	if json.Unmarshal(body, &m) != nil || m == nil {
		return login{}, false
	}
	l := login{
		appSecret:   stringField(m, "appSecret"),
		password:    stringField(m, "password"),
		email:       stringField(m, "email"),
		username:    stringField(m, "username"),
		mobile:      stringField(m, "mobile"),
		countryCode: stringField(m, "countryCode"),
	}
	var ok bool
	l.orgID, ok = orgIDField(m)
	l.badOrgID = !ok
	return l, true
}

// check runs steps 6 and 7 of vendors/solarman.md §5.2 on a parsed body;
// a failure comes with its reason, for the log.
func (l *login) check(app *fixture.SolarmanApp) (*failure, string) {
	if !l.appSecret.present {
		return &failMissingParam, "appSecret missing"
	}
	if l.appSecret.bad {
		return &failInvalidParam, "appSecret is not a string"
	}
	if subtle.ConstantTimeCompare([]byte(l.appSecret.val), []byte(app.AppSecret)) != 1 {
		return &failInvalidAppSecret, "appSecret does not match appId " + app.AppID
	}
	var given []string
	for _, f := range []struct {
		name string
		field
	}{{"email", l.email}, {"username", l.username}, {"mobile", l.mobile}} {
		if f.present {
			given = append(given, f.name)
		}
	}
	switch {
	case !l.password.present:
		return &failMissingParam, "password missing"
	case len(given) == 0:
		return &failMissingParam, "none of email, username and mobile given"
	case l.mobile.present && !l.countryCode.present:
		return &failMissingParam, "mobile given without countryCode"
	}
	for _, f := range []struct {
		name string
		field
	}{{"password", l.password}, {"email", l.email}, {"username", l.username}, {"mobile", l.mobile}, {"countryCode", l.countryCode}} {
		if f.bad {
			return &failInvalidParam, f.name + " is not a string"
		}
	}
	switch {
	case len(given) > 1:
		return &failInvalidParam, "more than one identity given (" + strings.Join(given, ", ") + "); send one of email, username and mobile"
	case l.badOrgID:
		return &failInvalidParam, "orgId is not a non-negative integer"
	}
	return nil, ""
}

// who names the identity the body gives, for a reason.
func (l *login) who() string {
	switch {
	case l.email.present:
		return "email " + l.email.val
	case l.username.present:
		return "username " + l.username.val
	}
	return "mobile " + l.countryCode.val + " " + l.mobile.val
}

// passwordKind describes a password that is not the lower-case SHA-256 hex
// digest SOLARMAN compares, without its value; "" when it is one.
func passwordKind(pw string) string {
	d := mock.DigestOf(pw)
	n := d.Len
	switch {
	case d.SHA256() && d.Lower:
		return ""
	case d.SHA256():
		return "password is a SHA-256 hex digest in upper case; SOLARMAN compares lower-case hex"
	case d.Hex:
		return fmt.Sprintf("password is not a SHA-256 hex digest (%d hex digits, want 64)", n)
	}
	return fmt.Sprintf("password is not a SHA-256 hex digest (plaintext, %d chars)", n)
}

// passwordReason tells why the password check failed: an unknown
// account, a password that is no digest, or a wrong one.
func passwordReason(u *fixture.SolarmanUser, l *login) string {
	kind := passwordKind(l.password.val)
	switch {
	case u == nil && kind != "":
		return "user " + l.who() + " unknown; also, " + kind
	case u == nil:
		return "user " + l.who() + " unknown"
	case kind != "":
		return kind + " for " + l.who()
	}
	return "wrong password for " + l.who()
}

// token is POST /account/v1.0/token.
func (s *Service) token(c *gin.Context) {
	ctx := c.Request.Context()
	appID := c.Query("appId")
	if appID == "" {
		mock.NoteReason(c, "appId query parameter missing or empty")
		s.writeFailure(c, failMissingAppID)
		return
	}
	app := s.apps[appID]
	if app == nil {
		mock.NoteReason(c, "appId %s unknown", appID)
		s.writeFailure(c, failInvalidAppID)
		return
	}
	if f := s.admit(c, app); f != nil {
		s.writeFailure(c, *f)
		return
	}
	body := mock.Req(c).Body
	l, ok := parseLogin(body)
	if !ok {
		noteNotObject(c, body)
		s.writeFailure(c, failInvalidParam)
		return
	}
	if f, why := l.check(app); f != nil {
		mock.NoteReason(c, "%s", why)
		s.writeFailure(c, *f)
		return
	}
	u, identifier, kind := s.lookup(&l)
	if !s.passwordMatches(u, l.password.val) {
		mock.NoteReason(c, "%s", passwordReason(u, &l))
		s.writeFailure(c, failInvalidPassword)
		return
	}
	var member *fixture.SolarmanMembership
	if l.orgID != 0 {
		for i := range u.Memberships {
			if u.Memberships[i].OrgID == l.orgID {
				member = &u.Memberships[i]
			}
		}
		if member == nil {
			mock.NoteReason(c, "user %s is no member of organisation %d", l.who(), l.orgID)
			s.writeFailure(c, failInvalidOrgID)
			return
		}
	}
	now := s.deps.Now(ctx)
	issued, err := s.issue(mock.SessionID(ctx), u, member, identifier, kind, app.AppID, now, mock.TokenTTL(ctx))
	if err != nil {
		panic("solarman: signing: " + err.Error())
	}
	writeJSON(c, issued)
}

// admit runs checks 2–4: the app's lock, rate window and quota; a
// failure's reason is noted.
func (s *Service) admit(c *gin.Context, app *fixture.SolarmanApp) *failure {
	if app.Locked {
		mock.NoteReason(c, "app %s is locked (fixture locked: true)", app.AppID)
		return &failAppLocked
	}
	ctx := c.Request.Context()
	f, why := s.limits.admit(mock.SessionID(ctx), app, s.deps.Now(ctx))
	if f != nil {
		mock.NoteReason(c, "%s", why)
	}
	return f
}

// noteNotObject notes why a body is refused as no JSON object.
func noteNotObject(c *gin.Context, body []byte) {
	mock.NoteReason(c, "body is not a JSON object (Content-Type %q, %d bytes)", c.GetHeader("Content-Type"), len(body))
}

// lookup finds the account of the identity given, and the stored value
// that goes into the token.
func (s *Service) lookup(l *login) (*fixture.SolarmanUser, string, int) {
	switch {
	case l.email.present:
		u := s.byEmail[strings.ToLower(l.email.val)]
		if u != nil {
			return u, u.Email, identityEmail
		}
	case l.username.present:
		u := s.byUsername[l.username.val]
		if u != nil {
			return u, u.Username, identityUsername
		}
	default:
		u := s.byMobile[mobileKey(l.countryCode.val, l.mobile.val)]
		if u != nil {
			return u, u.Mobile, identityMobile
		}
	}
	return nil, "", 0
}

func mobileKey(countryCode, mobile string) string { return countryCode + " " + mobile }

// passwordMatches compares digests in constant time; an unknown account
// costs the same comparison.
func (s *Service) passwordMatches(u *fixture.SolarmanUser, digest string) bool {
	want := strings.Repeat("0", 64)
	if u != nil {
		want = s.digests[u.UserID]
	}
	ok := subtle.ConstantTimeCompare([]byte(want), []byte(digest)) == 1
	return ok && u != nil
}
