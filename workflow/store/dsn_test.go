package store

import (
	"strings"
	"testing"
	"time"
)

func TestMySQLConfigForcesUTCAndUTF8MB4(t *testing.T) {
	t.Parallel()
	for _, dsn := range []string{
		"kaohe:pw@tcp(db:3306)/kaohe",
		"kaohe:pw@tcp(db:3306)/kaohe?parseTime=false&loc=Local&charset=latin1&clientFoundRows=false&interpolateParams=false",
	} {
		cfg, err := mysqlConfig(dsn)
		if err != nil {
			t.Fatalf("%s: %v", dsn, err)
		}
		if !cfg.ParseTime || cfg.Loc != time.UTC || !cfg.ClientFoundRows || !cfg.InterpolateParams || cfg.Params["charset"] != "utf8mb4" || cfg.Params["time_zone"] != "'+00:00'" {
			t.Errorf("%s: %+v", dsn, cfg)
		}
		if cfg.User != "kaohe" || cfg.Passwd != "pw" || cfg.Addr != "db:3306" || cfg.DBName != "kaohe" {
			t.Errorf("%s: lost the address or credentials: %+v", dsn, cfg)
		}
		out := cfg.FormatDSN()
		for _, p := range []string{"parseTime=true", "clientFoundRows=true", "interpolateParams=true", "charset=utf8mb4", "time_zone=%27%2B00%3A00%27"} {
			if !strings.Contains(out, p) {
				t.Errorf("%s: formatted DSN %s lacks %s", dsn, out, p)
			}
		}
	}
	if _, err := mysqlConfig("not a dsn"); err == nil {
		t.Error("a malformed DSN was accepted")
	}
}
