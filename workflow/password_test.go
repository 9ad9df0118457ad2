package workflow

import (
	"strings"
	"testing"
)

func TestCheckPassword(t *testing.T) {
	tests := []struct {
		name, username, password, rule string
	}{
		{"ten bytes", "gjz", "k9#Lm2@vQx", ""},
		{"72 bytes", "gjz", strings.Repeat("Zq8!", 18), ""},
		{"24 Chinese characters are 72 bytes", "gjz", strings.Repeat("考核", 12), ""},
		{"nine bytes", "gjz", "k9#Lm2@vQ", RulePasswordShort},
		{"eight digits", "gjz", "12345678", RulePasswordShort},
		{"three Chinese characters are nine bytes", "gjz", "考核表", RulePasswordShort},
		{"73 bytes", "gjz", strings.Repeat("Zq8!", 18) + "x", RulePasswordLong},
		{"a megabyte", "gjz", strings.Repeat("a", 1<<20), RulePasswordLong},
		{"the username", "gjz-office-1", "gjz-office-1", RulePasswordUsername},
		{"the username in capitals", "gjz-office-1", "GJZ-OFFICE-1", RulePasswordUsername},
		{"a common password", "gjz", "1234567890", RulePasswordCommon},
		{"a common password in another case", "gjz", "BasketBall", RulePasswordCommon},
		{"ten spaces", "gjz", strings.Repeat(" ", 10), RulePasswordCommon},
		{"one letter repeated", "gjz", strings.Repeat("x", 12), RulePasswordCommon},
		{"ten NULs", "gjz", strings.Repeat("\x00", 10), RulePasswordControl},
		{"a line break", "gjz", "k9#Lm2@vQx\n", RulePasswordControl},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			vs := CheckPassword("password", tt.username, tt.password)
			switch {
			case tt.rule == "" && vs != nil:
				t.Fatalf("refused: %+v", vs)
			case tt.rule != "" && (len(vs) != 1 || vs[0].Rule != tt.rule || vs[0].Path != "password" || vs[0].Message == ""):
				t.Fatalf("got %+v, want rule %s at password", vs, tt.rule)
			}
		})
	}
}

// TestCommonPasswordsAreCandidates: every embedded entry could otherwise
// pass the length rule, so none of them is dead weight.
func TestCommonPasswordsAreCandidates(t *testing.T) {
	n := 0
	for _, l := range strings.Split(strings.TrimSpace(commonPasswordsText), "\n") {
		n++
		if len(l) < MinPasswordBytes || len(l) > MaxPasswordBytes || l != strings.ToLower(l) {
			t.Errorf("entry %q", l)
		}
		if !IsCommonPassword(strings.ToUpper(l)) {
			t.Errorf("%q not found in capitals", l)
		}
	}
	if n < 9000 {
		t.Errorf("%d entries", n)
	}
}
