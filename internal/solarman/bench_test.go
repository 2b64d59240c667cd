package solarman

import (
	"testing"

	"github.com/golang-jwt/jwt/v5"

	"github.com/tokenmock/tokenmock/internal/fixture"
)

// BenchmarkRS256Sign is the physical limit of solarman.token: one RS256
// signature with the default key, in a tight loop on every core
// (-cpu decides how many); each answer needs two.
func BenchmarkRS256Sign(b *testing.B) {
	fx, err := fixture.Default()
	if err != nil {
		b.Fatal(err)
	}
	key, err := fixture.ParseRSAPrivateKeyPEM(fx.Solarman.SigningKeyPEM)
	if err != nil {
		b.Fatal(err)
	}
	claims := jwt.MapClaims{"user_name": "860_cvwwb_3", "exp": 1746000000}
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := jwt.NewWithClaims(jwt.SigningMethodRS256, claims).SignedString(key); err != nil {
				b.Error(err)
			}
		}
	})
}
