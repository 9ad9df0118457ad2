package configs

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestEvidenceFromEnvironment: KAOHE_EVIDENCE_URL and the AWS tools'
// variables set the evidence store, the service-specific endpoint and
// AWS_REGION winning over their general forms, as in the AWS tools.
func TestEvidenceFromEnvironment(t *testing.T) {
	tests := []struct {
		name     string
		env      map[string]string
		endpoint string
		region   string
	}{
		{"nothing set", nil, "", ""},
		{"general forms", map[string]string{"AWS_ENDPOINT_URL": "http://general:9000", "AWS_DEFAULT_REGION": "cn-north-1"},
			"http://general:9000", "cn-north-1"},
		{"specific forms win", map[string]string{"AWS_ENDPOINT_URL": "http://general:9000", "AWS_ENDPOINT_URL_S3": "http://s3:7070",
			"AWS_DEFAULT_REGION": "cn-north-1", "AWS_REGION": "cn-northwest-1"}, "http://s3:7070", "cn-northwest-1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := map[string]string{"KAOHE_EVIDENCE_URL": "s3://evidence/kaohe", "AWS_ACCESS_KEY_ID": "id", "AWS_SECRET_ACCESS_KEY": "secret"}
			for k, v := range tt.env {
				env[k] = v
			}
			c, err := Load("", func(k string) string { return env[k] })
			if err != nil {
				t.Fatal(err)
			}
			e := c.Evidence
			if e.URL != "s3://evidence/kaohe" || e.S3.AccessKeyID != "id" || e.S3.SecretAccessKey != "secret" ||
				e.S3.Endpoint != tt.endpoint || e.S3.Region != tt.region || e.Redirect {
				t.Fatalf("evidence settings %+v", e)
			}
		})
	}
}

// TestEvidenceSettingsChecked: a URL of another scheme and a redirect
// setting that is not a boolean stop the start.
func TestEvidenceSettingsChecked(t *testing.T) {
	for env, want := range map[string]string{
		"KAOHE_EVIDENCE_URL=gs://bucket":     "evidence.url",
		"KAOHE_EVIDENCE_REDIRECT=sometimes":  "KAOHE_EVIDENCE_REDIRECT",
		"KAOHE_EVIDENCE_URL=/srv/kaohe/data": "evidence.url",
	} {
		k, v, _ := strings.Cut(env, "=")
		_, err := Load("", func(name string) string {
			if name == k {
				return v
			}
			return ""
		})
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v, want an error about %s", env, err, want)
		}
	}
	c, err := Load("", func(name string) string {
		if name == "KAOHE_EVIDENCE_REDIRECT" {
			return "true"
		}
		return ""
	})
	if err != nil || !c.Evidence.Redirect || c.Evidence.RedirectTTL <= 0 {
		t.Fatalf("redirect on: %v, %+v", err, c.Evidence)
	}
}

// TestOutboxSettings: the window and the connections are at least 1, and
// a claim leaves a quarter of itself for one whole SMTP step or robot
// request; a demo clock's anchor is an instant and needs a start.
func TestOutboxSettings(t *testing.T) {
	c := Default()
	if c.Outbox.Window != 32 || c.Outbox.Connections != 2 {
		t.Errorf("default outbox window %d, connections %d; want 32 and 2", c.Outbox.Window, c.Outbox.Connections)
	}
	for _, tc := range []struct {
		yaml, err string
	}{
		{"outbox:\n  window: 1\n  connections: 4\n", ""},
		{"outbox:\n  window: 0\n", "outbox.window must be at least 1"},
		{"outbox:\n  connections: 0\n", "outbox.connections must be at least 1"},
		{"outbox:\n  claim_ttl: 2m\nsmtp:\n  timeout: 30s\nrobots:\n  timeout: 30s\n", ""},
		{"outbox:\n  claim_ttl: 8s\nsmtp:\n  timeout: 2s\nrobots:\n  timeout: 2s\n", ""},
		{"outbox:\n  claim_ttl: 3s\nsmtp:\n  timeout: 30s\n", "outbox.claim_ttl (3s) must be at least 4 × smtp.timeout (30s)"},
		{"outbox:\n  claim_ttl: 1m\n", "outbox.claim_ttl (1m0s) must be at least 4 × smtp.timeout (30s)"},
		{"outbox:\n  claim_ttl: 8s\nsmtp:\n  timeout: 2s\n", "4 × robots.timeout (10s)"},
		{"clock_start: 2019-06-12T10:00:00+08:00\nclock_anchor: 2026-01-02T03:04:05Z\n", ""},
		{"clock_start: 2019-06-12T10:00:00+08:00\nclock_anchor: yesterday\n", "clock_anchor"},
		{"clock_anchor: 2026-01-02T03:04:05Z\n", "clock_anchor is set without clock_start"},
	} {
		path := filepath.Join(t.TempDir(), "kaohe.yaml")
		if err := os.WriteFile(path, []byte("data: "+t.TempDir()+"\n"+tc.yaml), 0o600); err != nil {
			t.Fatal(err)
		}
		_, err := Load(path, func(string) string { return "" })
		switch {
		case tc.err == "" && err != nil:
			t.Errorf("%q: %v", tc.yaml, err)
		case tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)):
			t.Errorf("%q: error %v, want %q", tc.yaml, err, tc.err)
		}
	}
}

// TestTrustedProxies: KAOHE_TRUSTED_PROXIES lists addresses and ranges;
// anything else stops the start. None are trusted by default.
func TestTrustedProxies(t *testing.T) {
	c, err := Load("", func(string) string { return "" })
	if err != nil || len(c.HTTP.TrustedProxies) != 0 {
		t.Fatalf("default: %v %v", c.HTTP.TrustedProxies, err)
	}
	c, err = Load("", func(k string) string {
		if k == "KAOHE_TRUSTED_PROXIES" {
			return " 127.0.0.1, 10.0.0.0/8,::1 "
		}
		return ""
	})
	if err != nil || strings.Join(c.HTTP.TrustedProxies, "|") != "127.0.0.1|10.0.0.0/8|::1" {
		t.Fatalf("%v %v", c.HTTP.TrustedProxies, err)
	}
	_, err = Load("", func(k string) string {
		if k == "KAOHE_TRUSTED_PROXIES" {
			return "nginx"
		}
		return ""
	})
	if err == nil || !strings.Contains(err.Error(), "trusted_proxies") {
		t.Fatalf("a name as a proxy: %v", err)
	}
}
