package tests3_test

import (
	"net/http"
	"os"
	"path/filepath"
	"testing"

	"kaohe/internal/tests3"
)

// TestGateway: the gateway answers an unsigned request with 403, each
// Bucket call is a new directory, and a stopped gateway refuses
// connections until it is restarted on the same address.
func TestGateway(t *testing.T) {
	s := tests3.Start(t)
	get := func() (int, error) {
		resp, err := http.Get(s.Endpoint + "/")
		if err != nil {
			return 0, err
		}
		resp.Body.Close()
		return resp.StatusCode, nil
	}
	if code, err := get(); err != nil || code != http.StatusForbidden {
		t.Fatalf("unsigned request: %d, %v; want 403", code, err)
	}
	a, b := s.Bucket(t), s.Bucket(t)
	if a == b {
		t.Fatalf("two buckets named %s", a)
	}
	for _, name := range []string{a, b} {
		if fi, err := os.Stat(filepath.Join(s.Dir, name)); err != nil || !fi.IsDir() {
			t.Fatalf("bucket %s: %v", name, err)
		}
	}
	env := s.Env(a, "p")
	if env["KAOHE_EVIDENCE_URL"] != "s3://"+a+"/p" || env["AWS_ENDPOINT_URL_S3"] != s.Endpoint || env["AWS_SECRET_ACCESS_KEY"] != s.SecretKey {
		t.Fatalf("env %v", env)
	}
	s.Stop()
	if _, err := get(); err == nil {
		t.Fatal("a stopped gateway answered")
	}
	s.Restart(t)
	if code, err := get(); err != nil || code != http.StatusForbidden {
		t.Fatalf("after restart: %d, %v", code, err)
	}
}
