package mocktest

import (
	"crypto/sha256"
	"encoding/hex"
)

// The default fixtures' iSolarCloud app and user (fixtures/default.yaml,
// the README's table): the app of the vendor's documents, answering in the
// shape every captured real answer has.
const (
	IsolarAppKey    = "B968E49385CBD8C74587A374E7B1D21A" // the body's "appkey"
	IsolarSecretKey = "MOCKSECRETKEY0123456789ABCDEFGHI" // the header "x-access-key"
	// IsolarRedirectURI is registered for the app; IsolarStaticCode is
	// bound to it.
	IsolarRedirectURI = "https://web3.isolarcloud.com.cn"
	// IsolarStaticCode is a code of the app for IsolarUser that works any
	// number of times and never expires.
	IsolarStaticCode = "rFrnww"
	IsolarUser       = "demo@example.com" // the consent page's account
	IsolarPassword   = "demo1234"
	IsolarUserID     = 408056
)

// The default fixtures' SOLARMAN app and user: the app and the user of
// the vendor document's parameter table. The token call sends the
// password as SolarmanPasswordDigest(SolarmanPassword), and one identity:
// SolarmanEmail, SolarmanUsername, or SolarmanMobile with
// SolarmanCountryCode.
const (
	SolarmanAppID       = "201911067156002" // the query's "appId"
	SolarmanAppSecret   = "1q3e2ee5w5w20ww" // the body's "appSecret"
	SolarmanEmail       = "13255@qq.com"
	SolarmanUsername    = "sunsun"
	SolarmanMobile      = "13255200000"
	SolarmanCountryCode = "86"
	SolarmanPassword    = "solarman123"
	SolarmanUserID      = 7702
)

// The default fixtures' SOLARMAN user who owns a station: the user of the
// vendor document's request sample, for tests of the data calls (the user
// above owns none). Only the digest of its password is known: the token
// call sends SolarmanStationPasswordDigest as "password" with
// SolarmanStationUsername.
const (
	SolarmanStationUsername       = "cvwwb"
	SolarmanStationPasswordDigest = "472bbe83616e93d3c09a79103ae47d8f71e3d35a966d6e8b22f743218d04171d"
	SolarmanStationUserID         = 6681
	SolarmanStationID             = 100895 // its station, "Demo Home"
)

// SolarmanPasswordDigest is what SOLARMAN's token call takes as
// "password": the lowercase hex SHA-256 of the plaintext. A plaintext or
// an upper-case digest fails like a wrong password (2101025).
func SolarmanPasswordDigest(password string) string {
	sum := sha256.Sum256([]byte(password))
	return hex.EncodeToString(sum[:])
}

// The default fixtures' client and user of the DI open platform (vendor
// "oauth"): the client of the platform's page, with its local-test
// redirect, and the user of the login form.
const (
	DIClientID     = "2aeb5a5eac1100043817950ada19e0f5"
	DIClientSecret = "ew3c6b0eac111239342wecf26736439"
	DIRedirectURI  = "http://localhost:8080" // the client's first registered redirect
	DIScope        = "read_cn"               // the client's scope, which the protected API asks for
	DIUser         = "demo"
	DIPassword     = "demo"
)
