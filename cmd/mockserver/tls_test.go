package main

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"io"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// testCert makes a certificate for 127.0.0.1 and localhost, and writes it
// and its key as PEM files.
func testCert(t *testing.T) (certFile, keyFile string, pool *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "tokenmock test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		DNSNames: []string{"localhost"}, IPAddresses: []net.IP{net.ParseIP("127.0.0.1")},
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600)
	os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER}), 0o600)
	cert, _ := x509.ParseCertificate(der)
	pool = x509.NewCertPool()
	pool.AddCert(cert)
	return certFile, keyFile, pool
}

// A plain net/http client reaches the mock over HTTPS with the test's CA.
func TestServeTLS(t *testing.T) {
	certFile, keyFile, pool := testCert(t)
	base, _ := start(t, []string{"--tls-cert", certFile, "--tls-key", keyFile}, nil)
	url := strings.Replace(base, "http://", "https://", 1)
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	req, _ := http.NewRequest("POST", url+"/openapi/apiManage/token", strings.NewReader(isolarTokenBody))
	req.Header.Set("x-access-key", "MOCKSECRETKEY0123456789ABCDEFGHI")
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.TLS == nil || !strings.Contains(string(b), `"result_code":"1"`) {
		t.Errorf("got %s over TLS %v, want a success over HTTPS", b, resp.TLS != nil)
	}
	// Plain HTTP to the TLS port fails; the healthcheck knows to use HTTPS.
	if resp, err := http.Get(base + "/_mock/health"); err == nil && resp.StatusCode == 200 {
		t.Error("plain HTTP got a 200 from the HTTPS server")
	}
	host := strings.TrimPrefix(base, "http://")
	if err := run(context.Background(), []string{"healthcheck", "--addr", host}, env(map[string]string{"MOCKSERVER_TLS_CERT": certFile}), io.Discard, io.Discard); err != nil {
		t.Errorf("healthcheck over HTTPS: %v", err)
	}
}

func TestTLSFlagsGoTogether(t *testing.T) {
	certFile, _, _ := testCert(t)
	if err := run(context.Background(), []string{"--tls-cert", certFile}, env(nil), io.Discard, io.Discard); exitCode(err) != 2 {
		t.Errorf("got %v, want exit 2", err)
	}
}
