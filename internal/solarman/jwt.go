package solarman

import (
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// Lifetime of a SOLARMAN access token: 60 days.
const tokenLifetime = 60 * 24 * time.Hour

var all = []string{"all"}

// detail is the `detail` claim, in the order of real tokens.
type detail struct {
	OrganizationID int64  `json:"organizationId"`
	TopGroupID     *int64 `json:"topGroupId"`
	GroupID        *int64 `json:"groupId"`
	RoleID         int64  `json:"roleId"`
	UserID         int64  `json:"userId"`
	Version        int64  `json:"version"`
	Identifier     string `json:"identifier"`
	IdentityType   int    `json:"identityType"`
	MDC            string `json:"mdc"`
	AppID          string `json:"appId"`
}

// noRegistered gives the claim structs the jwt.Claims methods; expiry is
// checked by the mock itself, against the session's clock.
type noRegistered struct{}

func (noRegistered) GetExpirationTime() (*jwt.NumericDate, error) { return nil, nil }
func (noRegistered) GetIssuedAt() (*jwt.NumericDate, error)       { return nil, nil }
func (noRegistered) GetNotBefore() (*jwt.NumericDate, error)      { return nil, nil }
func (noRegistered) GetIssuer() (string, error)                   { return "", nil }
func (noRegistered) GetSubject() (string, error)                  { return "", nil }
func (noRegistered) GetAudience() (jwt.ClaimStrings, error)       { return nil, nil }

// accessClaims are an access token's claims, in the order of real tokens.
type accessClaims struct {
	noRegistered
	UserName    string   `json:"user_name"`
	Scope       []string `json:"scope"`
	Detail      detail   `json:"detail"`
	Exp         int64    `json:"exp"`
	MDC         string   `json:"mdc"`
	Authorities []string `json:"authorities"`
	JTI         string   `json:"jti"`
	ClientID    string   `json:"client_id"`
}

// refreshClaims are a refresh token's: ati after scope, and no exp.
type refreshClaims struct {
	noRegistered
	UserName    string   `json:"user_name"`
	Scope       []string `json:"scope"`
	ATI         string   `json:"ati"`
	Detail      detail   `json:"detail"`
	MDC         string   `json:"mdc"`
	Authorities []string `json:"authorities"`
	JTI         string   `json:"jti"`
	ClientID    string   `json:"client_id"`
}

// parsedClaims reads either kind; Exp and ATI tell them apart.
type parsedClaims struct {
	noRegistered
	Exp    *int64 `json:"exp"`
	ATI    string `json:"ati"`
	Detail detail `json:"detail"`
	JTI    string `json:"jti"`
}

// signer signs and verifies with one RSA key.
type signer struct {
	key *rsa.PrivateKey
	kid string
}

func newSigner(key *rsa.PrivateKey) *signer {
	return &signer{key: key, kid: thumbprint(&key.PublicKey)}
}

func (s *signer) sign(claims jwt.Claims) (string, error) {
	return jwt.NewWithClaims(jwt.SigningMethodRS256, claims).SignedString(s.key)
}

var errNotOurs = errors.New("token is not a JWT signed by this mock")

// verify checks the signature and returns the claims; expiry and kind are
// the caller's to judge.
func (s *signer) verify(token string) (*parsedClaims, error) {
	var c parsedClaims
	_, err := jwt.ParseWithClaims(token, &c, func(*jwt.Token) (any, error) { return &s.key.PublicKey, nil },
		jwt.WithValidMethods([]string{jwt.SigningMethodRS256.Alg()}))
	if err != nil {
		return nil, fmt.Errorf("%w: %w", errNotOurs, err)
	}
	return &c, nil
}

// jwk is one RSA public key of a JWK Set.
type jwk struct {
	Kty string `json:"kty"`
	Alg string `json:"alg"`
	Use string `json:"use"`
	Kid string `json:"kid"`
	N   string `json:"n"`
	E   string `json:"e"`
}

func (s *signer) jwks() any {
	pub := &s.key.PublicKey
	return struct {
		Keys []jwk `json:"keys"`
	}{[]jwk{{"RSA", "RS256", "sig", s.kid, b64(pub.N.Bytes()), b64(big.NewInt(int64(pub.E)).Bytes())}}}
}

// thumbprint is the RFC 7638 JWK thumbprint: SHA-256 of the required
// members in lexicographic order, no whitespace.
func thumbprint(pub *rsa.PublicKey) string {
	b, _ := json.Marshal(struct {
		E   string `json:"e"`
		Kty string `json:"kty"`
		N   string `json:"n"`
	}{b64(big.NewInt(int64(pub.E)).Bytes()), "RSA", b64(pub.N.Bytes())})
	sum := sha256.Sum256(b)
	return b64(sum[:])
}

func b64(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }
