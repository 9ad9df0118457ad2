package workflow

import (
	_ "embed"
	"fmt"
	"strings"
	"sync"
	"unicode"
)

// Password lengths, in bytes. bcrypt reads only the first 72 bytes of a
// password, so a longer one would be stored as its first 72 and the rest
// would silently not count: it is refused instead.
const (
	MinPasswordBytes = 10
	MaxPasswordBytes = 72
)

// Rules of a password, named in the violations CheckPassword returns.
const (
	RulePasswordShort    = "user.password.short"
	RulePasswordLong     = "user.password.long"
	RulePasswordUsername = "user.password.username"
	RulePasswordCommon   = "user.password.common"
	RulePasswordControl  = "user.password.control"
)

// commonPasswords are the passwords of 10 to 72 printable ASCII bytes
// among the 100,000 most common of the Have I Been Pwned corpus, as the UK
// National Cyber Security Centre publishes them
// (https://www.ncsc.gov.uk/static-assets/documents/PwnedPasswordsTop100k.txt,
// also kept in SecLists as
// Passwords/Common-Credentials/100k-most-used-passwords-NCSC.txt): the
// shorter ones are refused by length already. Lower-cased, sorted, one a
// line; 9,110 of them.
//
//go:embed common-passwords.txt
var commonPasswordsText string

var commonPasswords = sync.OnceValue(func() map[string]struct{} {
	lines := strings.Split(strings.TrimSpace(commonPasswordsText), "\n")
	m := make(map[string]struct{}, len(lines))
	for _, l := range lines {
		m[l] = struct{}{}
	}
	return m
})

// IsCommonPassword reports whether password, in any letter case, is one
// of the embedded common passwords.
func IsCommonPassword(password string) bool {
	_, ok := commonPasswords()[strings.ToLower(password)]
	return ok
}

// CheckPassword returns what is wrong with password as the password of
// username, each violation at path: shorter than MinPasswordBytes or
// longer than MaxPasswordBytes, the username itself (in any letter case,
// spaces around ignored), a common password or one character repeated, or
// containing control characters (NUL, tab, line breaks: nobody types
// them at a sign-in form). Nil means acceptable.
// Length is counted in bytes because bcrypt counts bytes: ten Chinese
// characters are 30 bytes.
func CheckPassword(path, username, password string) []Violation {
	switch {
	case len(password) < MinPasswordBytes:
		return []Violation{{Path: path, Rule: RulePasswordShort, Message: fmt.Sprintf("密码至少%d个字符（字节）", MinPasswordBytes)}}
	case len(password) > MaxPasswordBytes:
		return []Violation{{Path: path, Rule: RulePasswordLong, Message: fmt.Sprintf("密码不能超过%d字节（约%d个汉字）", MaxPasswordBytes, MaxPasswordBytes/3)}}
	case strings.EqualFold(strings.TrimSpace(password), strings.TrimSpace(username)):
		return []Violation{{Path: path, Rule: RulePasswordUsername, Message: "密码不能与用户名相同"}}
	case strings.ContainsFunc(password, unicode.IsControl):
		return []Violation{{Path: path, Rule: RulePasswordControl, Message: "密码不能包含控制字符"}}
	case oneCharacter(strings.TrimSpace(password)) || IsCommonPassword(password) || IsCommonPassword(strings.TrimSpace(password)):
		return []Violation{{Path: path, Rule: RulePasswordCommon, Message: "密码过于常见，容易被猜中，请换一个"}}
	}
	return nil
}

// oneCharacter reports whether s is empty or one character repeated.
func oneCharacter(s string) bool {
	for _, r := range s {
		return strings.Trim(s, string(r)) == ""
	}
	return true
}
