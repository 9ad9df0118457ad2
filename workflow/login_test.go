package workflow

import (
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

func TestLoginThrottle(t *testing.T) {
	th := LoginThrottle{FreePerUser: 5, FreePerAddress: 20, Window: 24 * time.Hour, MaxDelay: 15 * time.Minute}
	last := time.Date(2019, 6, 10, 1, 0, 0, 0, time.UTC)
	tests := []struct {
		name string
		f    LoginFailures
		wait time.Duration
	}{
		{"no failure", LoginFailures{}, 0},
		{"four failures of the user from this address", LoginFailures{User: 4, Address: 4, UserFromAddress: 4, UserLast: last, AddressLast: last}, 0},
		{"the fifth waits a second", LoginFailures{User: 5, Address: 5, UserFromAddress: 5, UserLast: last, AddressLast: last}, time.Second},
		{"the sixth two", LoginFailures{User: 6, Address: 6, UserFromAddress: 6, UserLast: last, AddressLast: last}, 2 * time.Second},
		{"the eighth eight", LoginFailures{User: 8, Address: 8, UserFromAddress: 1, UserLast: last, AddressLast: last}, 8 * time.Second},
		{"at most the cap", LoginFailures{User: 500, Address: 1, UserFromAddress: 1, UserLast: last, AddressLast: last}, 15 * time.Minute},
		{"a user failing from elsewhere does not slow a clean address", LoginFailures{User: 500, UserLast: last}, 0},
		{"nor an address that failed other users only", LoginFailures{User: 500, Address: 3, UserLast: last, AddressLast: last}, 0},
		{"an address failing many names waits", LoginFailures{Address: 21, AddressLast: last}, 2 * time.Second},
		{"failures within the allowance recorded ahead by another server's clock", LoginFailures{User: 4, Address: 4, UserFromAddress: 4,
			UserLast: last.Add(time.Second), AddressLast: last.Add(time.Second)}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := th.RetryAt(tt.f)
			if tt.wait == 0 && got.After(last) {
				t.Fatalf("retry at %s, want at once", got)
			}
			if tt.wait > 0 && got.Sub(last) != tt.wait {
				t.Fatalf("wait %s, want %s", got.Sub(last), tt.wait)
			}
		})
	}
}

func TestLoginName(t *testing.T) {
	long := strings.Repeat("考", 30) // 90 bytes
	if got := LoginName(long); len(got) != 63 || got != strings.Repeat("考", 21) {
		t.Errorf("cut %q (%d bytes)", got, len(got))
	}
	if got := LoginName(strings.Repeat("a", 1<<20)); len(got) != MaxLoginNameBytes {
		t.Errorf("%d bytes", len(got))
	}
	if got := LoginName("gjz\xff"); got != "gjz\uFFFD" {
		t.Errorf("%q", got)
	}
	if got := LoginName(strings.Repeat("\xff", 100)); len(got) > MaxLoginNameBytes || !utf8.ValidString(got) {
		t.Errorf("invalid bytes recorded as %q (%d bytes)", got, len(got))
	}
}
