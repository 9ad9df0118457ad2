package service

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"kaohe/workflow"
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

// Login checks a username and password and returns a new session token and
// its expiry. Wrong credentials give EUNAUTHORIZED; too many failures for
// the username within the window give ETHROTTLED, even with the right
// password, until the window has passed.
func (s *Service) Login(ctx context.Context, username, password string) (token string, user *workflow.User, expires time.Time, err error) {
	limit, window := s.opt.LoginLimit, s.opt.LoginWindow
	key := "user:" + strings.ToLower(strings.TrimSpace(username))
	failed := false
	err = s.update(ctx, func(tx Tx, now time.Time) error {
		n, err := tx.LoginFailures(key, now.Add(-window))
		if err != nil {
			return err
		}
		if n >= limit {
			return workflow.Errorf(workflow.ETHROTTLED, "登录失败次数过多，请%d分钟后再试", int(window/time.Minute))
		}
		u, err := tx.UserByName(strings.TrimSpace(username))
		if workflow.ErrorCode(err) == workflow.ENOTFOUND {
			// Spend the same time as a real check.
			_ = bcrypt.CompareHashAndPassword([]byte("$2a$10$7EqJtq98hPqEX7fNZaFWoOhi5BWX4Z3ZsDbTIFfDeSCSWWVEqWqQO"), []byte(password))
			failed = true
			return workflow.Errorf(workflow.EUNAUTHORIZED, "用户名或密码错误")
		}
		if err != nil {
			return err
		}
		if bcrypt.CompareHashAndPassword([]byte(u.PasswordHash), []byte(password)) != nil {
			failed = true
			return workflow.Errorf(workflow.EUNAUTHORIZED, "用户名或密码错误")
		}
		token = NewToken()
		expires = now.Add(s.opt.TokenTTL)
		if err := tx.CreateSession(&workflow.Session{TokenHash: HashToken(token), UserID: u.ID, CreatedAt: now, ExpiresAt: expires}); err != nil {
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
		_ = s.update(ctx, func(tx Tx, now time.Time) error { return tx.AddLoginFailure(key, now) })
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
	err := s.view(ctx, func(tx Tx, now time.Time) error {
		sess, err := tx.Session(HashToken(token), now)
		if workflow.ErrorCode(err) == workflow.ENOTFOUND {
			return workflow.Errorf(workflow.EUNAUTHORIZED, "登录已失效，请重新登录")
		}
		if err != nil {
			return err
		}
		u, err := tx.UserByID(sess.UserID)
		if workflow.ErrorCode(err) == workflow.ENOTFOUND {
			return workflow.Errorf(workflow.EUNAUTHORIZED, "登录已失效，请重新登录")
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
	return s.update(ctx, func(tx Tx, now time.Time) error {
		if err := tx.DeleteSession(HashToken(token)); err != nil && workflow.ErrorCode(err) != workflow.ENOTFOUND {
			return err
		}
		return audit(tx, now, a, a.Unit, "logout", "user:"+a.Username, "")
	})
}

// NewUser is the request to create an account.
type NewUser struct {
	Username string        `json:"username"`
	Password string        `json:"password"`
	Role     workflow.Role `json:"role"`
	UnitCode string        `json:"unit_code"`
}

func (n *NewUser) check() []workflow.Violation {
	var vs []workflow.Violation
	if !usernamePattern.MatchString(n.Username) {
		vs = append(vs, workflow.Violation{Path: "username", Rule: "user.username.invalid", Message: "用户名应为2-64位字母、数字或 _ . @ -"})
	}
	if len([]rune(n.Password)) < MinPasswordLen {
		vs = append(vs, workflow.Violation{Path: "password", Rule: "user.password.short", Message: "密码至少8位"})
	}
	if !n.Role.Valid() {
		vs = append(vs, workflow.Violation{Path: "role", Rule: "user.role.invalid", Message: "角色应为 office、unit 或 viewer"})
	}
	if n.Role == workflow.RoleUnit && n.UnitCode == "" {
		vs = append(vs, workflow.Violation{Path: "unit_code", Rule: "user.unit.missing", Message: "单位账号须指定所属单位"})
	}
	if n.Role != workflow.RoleUnit && n.UnitCode != "" {
		vs = append(vs, workflow.Violation{Path: "unit_code", Rule: "user.unit.unexpected", Message: "只有单位账号才能指定所属单位"})
	}
	return vs
}

// CreateUser adds an account (office only, or the system at first start).
// It returns EVALIDATION for a bad request, ENOTFOUND for an unknown unit
// and ECONFLICT when the username is taken.
func (s *Service) CreateUser(ctx context.Context, a Actor, n NewUser) (*workflow.User, error) {
	if err := a.requireRole(workflow.RoleOffice, workflow.RoleSystem); err != nil {
		return nil, err
	}
	n.Username = strings.TrimSpace(n.Username)
	if vs := n.check(); len(vs) > 0 {
		return nil, &workflow.Error{Code: workflow.EVALIDATION, Message: "账号信息有误", Details: vs}
	}
	hash, err := hashPassword(n.Password, s.opt.BcryptCost)
	if err != nil {
		return nil, err
	}
	var u *workflow.User
	err = s.update(ctx, func(tx Tx, now time.Time) error {
		if n.Role == workflow.RoleUnit {
			if _, err := tx.Unit(n.UnitCode); workflow.ErrorCode(err) == workflow.ENOTFOUND {
				return &workflow.Error{Code: workflow.EVALIDATION, Message: "账号信息有误", Details: []workflow.Violation{{Path: "unit_code", Rule: "user.unit.unknown", Message: "单位“" + n.UnitCode + "”不存在"}}}
			} else if err != nil {
				return err
			}
		}
		u = &workflow.User{Username: n.Username, PasswordHash: hash, Role: n.Role, UnitCode: n.UnitCode, CreatedAt: now}
		if err := tx.CreateUser(u); err != nil {
			if workflow.ErrorCode(err) == workflow.ECONFLICT {
				return workflow.Errorf(workflow.ECONFLICT, "用户名“%s”已存在", n.Username)
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
func (s *Service) Users(ctx context.Context, a Actor) ([]workflow.User, error) {
	if err := a.requireRole(workflow.RoleOffice); err != nil {
		return nil, err
	}
	var out []workflow.User
	err := s.view(ctx, func(tx Tx, _ time.Time) (err error) {
		out, err = tx.Users()
		return err
	})
	return out, err
}

// SetPassword changes a password: the office for anyone, others for
// themselves only.
func (s *Service) SetPassword(ctx context.Context, a Actor, username, password string) error {
	if a.Role != workflow.RoleOffice && a.Role != workflow.RoleSystem && a.Username != username {
		return workflow.Errorf(workflow.EFORBIDDEN, "只能修改自己的密码")
	}
	if len([]rune(password)) < MinPasswordLen {
		return &workflow.Error{Code: workflow.EVALIDATION, Message: "密码不符合要求", Details: []workflow.Violation{{Path: "password", Rule: "user.password.short", Message: "密码至少8位"}}}
	}
	hash, err := hashPassword(password, s.opt.BcryptCost)
	if err != nil {
		return err
	}
	return s.update(ctx, func(tx Tx, now time.Time) error {
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
	err := s.update(ctx, func(tx Tx, now time.Time) error {
		users, err := tx.Users()
		if err != nil || len(users) > 0 {
			return err
		}
		if password == "" {
			password = NewToken()[:16]
		}
		hash, err := hashPassword(password, s.opt.BcryptCost)
		if err != nil {
			return err
		}
		err = tx.CreateUser(&workflow.User{Username: "admin", PasswordHash: hash, Role: workflow.RoleOffice, CreatedAt: now})
		if workflow.ErrorCode(err) == workflow.ECONFLICT {
			return nil // another server created it first
		}
		if err != nil {
			return err
		}
		created = password
		return audit(tx, now, SystemActor, "", "user.create", "user:admin", string(workflow.RoleOffice))
	})
	return created, err
}
