package configs

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

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
