package workflow

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"regexp"
	"strings"
	"time"

	"golang.org/x/crypto/bcrypt"
)

// MinPasswordLen is the shortest password an account may have.
const MinPasswordLen = 8

var usernamePattern = regexp.MustCompile(`^[A-Za-z0-9_.@-]{2,64}$`)

// HashToken returns the stored form of a session token.
func HashToken(token string) string {
	h := sha256.Sum256([]byte(token))
	return hex.EncodeToString(h[:])
}

// NewToken returns a random 256-bit token in hex.
func NewToken() string {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand never fails on supported platforms
	}
	return hex.EncodeToString(b)
}

// HashPassword returns the bcrypt hash of password at bcrypt's default cost.
func HashPassword(password string) (string, error) {
	return hashPassword(password, 0)
}

func hashPassword(password string, cost int) (string, error) {
	if cost == 0 {
		cost = bcrypt.DefaultCost
	}
	h, err := bcrypt.GenerateFromPassword([]byte(password), cost)
	return string(h), err
}

func (s *Service) loginLimit() (int, time.Duration) {
	n, w := s.LoginLimit, s.LoginWindow
	if n == 0 {
		n = 5
	}
	if w == 0 {
		w = 15 * time.Minute
	}
	return n, w
}

// Login checks a username and password and returns a new session token and
// its expiry. Wrong credentials give EUNAUTHORIZED; too many failures for
// the username within the window give ETHROTTLED, even with the right
// password, until the window has passed.
func (s *Service) Login(ctx context.Context, username, password string) (token string, user *User, expires time.Time, err error) {
	limit, window := s.loginLimit()
	key := "user:" + strings.ToLower(strings.TrimSpace(username))
	failed := false
	err = s.tx(ctx, func(tx Tx, now time.Time) error {
		n, err := tx.LoginFailures(key, now.Add(-window))
		if err != nil {
			return err
		}
		if n >= limit {
			return Errorf(ETHROTTLED, "登录失败次数过多，请%d分钟后再试", int(window/time.Minute))
		}
		u, err := tx.UserByName(strings.TrimSpace(username))
		if ErrorCode(err) == ENOTFOUND {
			// Spend the same time as a real check.
			_ = bcrypt.CompareHashAndPassword([]byte("$2a$10$7EqJtq98hPqEX7fNZaFWoOhi5BWX4Z3ZsDbTIFfDeSCSWWVEqWqQO"), []byte(password))
			failed = true
			return Errorf(EUNAUTHORIZED, "用户名或密码错误")
		}
		if err != nil {
			return err
		}
		if bcrypt.CompareHashAndPassword([]byte(u.PasswordHash), []byte(password)) != nil {
			failed = true
			return Errorf(EUNAUTHORIZED, "用户名或密码错误")
		}
		ttl := s.TokenTTL
		if ttl == 0 {
			ttl = 12 * time.Hour
		}
		token = NewToken()
		expires = now.Add(ttl)
		if err := tx.CreateSession(&Session{TokenHash: HashToken(token), UserID: u.ID, CreatedAt: now, ExpiresAt: expires}); err != nil {
			return err
		}
		if err := tx.ClearLoginFailures(key); err != nil {
			return err
		}
		user = u
		return audit(tx, now, Actor{UserID: u.ID, Username: u.Username, Role: u.Role, Unit: u.UnitCode}, u.UnitCode, "login", "user:"+u.Username, "")
	})
	if failed {
		// Recorded in its own transaction: the login's was rolled back.
		_ = s.tx(ctx, func(tx Tx, now time.Time) error { return tx.AddLoginFailure(key, now) })
	}
	if err != nil {
		return "", nil, time.Time{}, err
	}
	return token, user, expires, nil
}

// Authenticate returns the actor of a live session token (EUNAUTHORIZED when
// the token is unknown or expired).
func (s *Service) Authenticate(ctx context.Context, token string) (Actor, error) {
	var a Actor
	err := s.tx(ctx, func(tx Tx, now time.Time) error {
		sess, err := tx.Session(HashToken(token), now)
		if ErrorCode(err) == ENOTFOUND {
			return Errorf(EUNAUTHORIZED, "登录已失效，请重新登录")
		}
		if err != nil {
			return err
		}
		u, err := tx.UserByID(sess.UserID)
		if ErrorCode(err) == ENOTFOUND {
			return Errorf(EUNAUTHORIZED, "登录已失效，请重新登录")
		}
		if err != nil {
			return err
		}
		a = Actor{UserID: u.ID, Username: u.Username, Role: u.Role, Unit: u.UnitCode}
		return nil
	})
	return a, err
}

// Logout ends the session of token.
func (s *Service) Logout(ctx context.Context, a Actor, token string) error {
	return s.tx(ctx, func(tx Tx, now time.Time) error {
		if err := tx.DeleteSession(HashToken(token)); err != nil && ErrorCode(err) != ENOTFOUND {
			return err
		}
		return audit(tx, now, a, a.Unit, "logout", "user:"+a.Username, "")
	})
}

// NewUser is the request to create an account.
type NewUser struct {
	Username string `json:"username"`
	Password string `json:"password"`
	Role     Role   `json:"role"`
	UnitCode string `json:"unit_code"`
}

func (n *NewUser) check() []Violation {
	var vs []Violation
	if !usernamePattern.MatchString(n.Username) {
		vs = append(vs, Violation{"username", "user.username.invalid", "用户名应为2-64位字母、数字或 _ . @ -"})
	}
	if len([]rune(n.Password)) < MinPasswordLen {
		vs = append(vs, Violation{"password", "user.password.short", "密码至少8位"})
	}
	if !n.Role.Valid() {
		vs = append(vs, Violation{"role", "user.role.invalid", "角色应为 office、unit 或 viewer"})
	}
	if n.Role == RoleUnit && n.UnitCode == "" {
		vs = append(vs, Violation{"unit_code", "user.unit.missing", "单位账号须指定所属单位"})
	}
	if n.Role != RoleUnit && n.UnitCode != "" {
		vs = append(vs, Violation{"unit_code", "user.unit.unexpected", "只有单位账号才能指定所属单位"})
	}
	return vs
}

// CreateUser adds an account (office only, or the system at first start).
// It returns EVALIDATION for a bad request, ENOTFOUND for an unknown unit
// and ECONFLICT when the username is taken.
func (s *Service) CreateUser(ctx context.Context, a Actor, n NewUser) (*User, error) {
	if err := a.requireRole(RoleOffice, RoleSystem); err != nil {
		return nil, err
	}
	n.Username = strings.TrimSpace(n.Username)
	if vs := n.check(); len(vs) > 0 {
		return nil, &Error{Code: EVALIDATION, Message: "账号信息有误", Details: vs}
	}
	hash, err := hashPassword(n.Password, s.BcryptCost)
	if err != nil {
		return nil, err
	}
	var u *User
	err = s.tx(ctx, func(tx Tx, now time.Time) error {
		if n.Role == RoleUnit {
			if _, err := tx.Unit(n.UnitCode); ErrorCode(err) == ENOTFOUND {
				return &Error{Code: EVALIDATION, Message: "账号信息有误", Details: []Violation{{"unit_code", "user.unit.unknown", "单位“" + n.UnitCode + "”不存在"}}}
			} else if err != nil {
				return err
			}
		}
		u = &User{Username: n.Username, PasswordHash: hash, Role: n.Role, UnitCode: n.UnitCode, CreatedAt: now}
		if err := tx.CreateUser(u); err != nil {
			if ErrorCode(err) == ECONFLICT {
				return Errorf(ECONFLICT, "用户名“%s”已存在", n.Username)
			}
			return err
		}
		return audit(tx, now, a, n.UnitCode, "user.create", "user:"+n.Username, string(n.Role))
	})
	if err != nil {
		return nil, err
	}
	return u, nil
}

// Users lists accounts (office only).
func (s *Service) Users(ctx context.Context, a Actor) ([]User, error) {
	if err := a.requireRole(RoleOffice); err != nil {
		return nil, err
	}
	var out []User
	err := s.tx(ctx, func(tx Tx, _ time.Time) (err error) {
		out, err = tx.Users()
		return err
	})
	return out, err
}

// SetPassword changes a password: the office for anyone, others for
// themselves only.
func (s *Service) SetPassword(ctx context.Context, a Actor, username, password string) error {
	if a.Role != RoleOffice && a.Role != RoleSystem && a.Username != username {
		return Errorf(EFORBIDDEN, "只能修改自己的密码")
	}
	if len([]rune(password)) < MinPasswordLen {
		return &Error{Code: EVALIDATION, Message: "密码不符合要求", Details: []Violation{{"password", "user.password.short", "密码至少8位"}}}
	}
	hash, err := hashPassword(password, s.BcryptCost)
	if err != nil {
		return err
	}
	return s.tx(ctx, func(tx Tx, now time.Time) error {
		u, err := tx.UserByName(username)
		if err != nil {
			return err
		}
		if err := tx.SetPassword(u.ID, hash); err != nil {
			return err
		}
		return audit(tx, now, a, u.UnitCode, "user.password", "user:"+username, "")
	})
}

// EnsureAdmin creates the office account "admin" when the database has no
// account at all. It returns the password it set, or "" when nothing was
// created; password is used when set, else a random one is generated.
func (s *Service) EnsureAdmin(ctx context.Context, password string) (string, error) {
	created := ""
	err := s.tx(ctx, func(tx Tx, now time.Time) error {
		users, err := tx.Users()
		if err != nil || len(users) > 0 {
			return err
		}
		if password == "" {
			password = NewToken()[:16]
		}
		hash, err := hashPassword(password, s.BcryptCost)
		if err != nil {
			return err
		}
		err = tx.CreateUser(&User{Username: "admin", PasswordHash: hash, Role: RoleOffice, CreatedAt: now})
		if ErrorCode(err) == ECONFLICT {
			return nil // another server created it first
		}
		if err != nil {
			return err
		}
		created = password
		return audit(tx, now, SystemActor, "", "user.create", "user:admin", string(RoleOffice))
	})
	return created, err
}
