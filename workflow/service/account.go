package service

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"kaohe/workflow"
	"regexp"
	"strings"
	"time"

	"golang.org/x/crypto/bcrypt"
)

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

// Credentials are what a sign-in sends, with the address it comes from.
type Credentials struct {
	Username string
	Password string
	// Address is the client's IP address: the connection's peer, or the
	// one a trusted reverse proxy names.
	Address string
}

// Login checks a username and password and returns a new session token and
// its expiry. Wrong credentials give EUNAUTHORIZED. Failed attempts slow
// further ones (Options.Throttle): from an address that keeps failing, and
// for a username from the addresses that failed it, an attempt before its
// time gives ETHROTTLED with RetryAfter set, whatever the password. An
// account can always sign in from an address that has not failed for it.
//
// The attempt is claimed (recorded as a failure) in one short write
// transaction before the password is checked, so that parallel guesses
// are counted one by one; bcrypt runs outside any transaction; a success
// clears the failures of the username from the address and opens the
// session in a second one.
func (s *Service) Login(ctx context.Context, c Credentials) (token string, user *workflow.User, expires time.Time, err error) {
	name := strings.TrimSpace(c.Username)
	k := loginKey{name: workflow.LoginName(name), addr: workflow.LoginName(c.Address)}
	u, err := s.claimLogin(ctx, name, k)
	if err != nil {
		return "", nil, time.Time{}, err
	}
	// An unknown user costs the same time as a wrong password.
	hash := s.dummyHash()
	if u != nil {
		hash = u.PasswordHash
	}
	match, err := s.checkPassword(ctx, hash, c.Password)
	if err != nil {
		return "", nil, time.Time{}, err
	}
	if !match || u == nil {
		return "", nil, time.Time{}, workflow.Errorf(workflow.EUNAUTHORIZED, "用户名或密码错误")
	}
	if token, expires, err = s.openSession(ctx, u, k, c.Address); err != nil {
		return "", nil, time.Time{}, err
	}
	return token, u, expires, nil
}

// loginKey is what failed logins are recorded under: the username and the
// address, as workflow.LoginName keeps them.
type loginKey struct{ name, addr string }

// claimLogin is Login's first transaction: ETHROTTLED when k's failures
// make the attempt too early, else the attempt recorded as a failure and
// the account named name (nil when there is none).
func (s *Service) claimLogin(ctx context.Context, name string, k loginKey) (*workflow.User, error) {
	th := s.opt.Throttle
	var u *workflow.User
	err := s.update(ctx, func(tx Tx, now time.Time) error {
		f, err := tx.LoginFailures(k.name, k.addr, now.Add(-th.Window))
		if err != nil {
			return err
		}
		if at := th.RetryAt(f); at.After(now) {
			wait := at.Sub(now)
			return &workflow.Error{Code: workflow.ETHROTTLED, RetryAfter: wait,
				Message: fmt.Sprintf("登录失败次数过多，请%s后再试", waitText(wait))}
		}
		if err := tx.PurgeLoginFailures(now.Add(-th.Window)); err != nil {
			return err
		}
		if err := tx.AddLoginFailure(k.name, k.addr, now); err != nil {
			return err
		}
		if len(name) > workflow.MaxLoginNameBytes {
			return nil // no account has such a name
		}
		u, err = tx.UserByName(name)
		if workflow.ErrorCode(err) == workflow.ENOTFOUND {
			u, err = nil, nil
		}
		return err
	})
	return u, err
}

// openSession is Login's second transaction, after the password matched:
// it clears k's failures and opens a session of u from address.
func (s *Service) openSession(ctx context.Context, u *workflow.User, k loginKey, address string) (token string, expires time.Time, err error) {
	err = s.update(ctx, func(tx Tx, now time.Time) error {
		if err := tx.ClearLoginFailures(k.name, k.addr); err != nil {
			return err
		}
		token = NewToken()
		expires = now.Add(s.opt.TokenTTL)
		if err := tx.CreateSession(&workflow.Session{TokenHash: HashToken(token), UserID: u.ID, CreatedAt: now, ExpiresAt: expires}); err != nil {
			return err
		}
		return audit(tx, now, Actor{UserID: u.ID, Username: u.Username, Role: u.Role, Unit: u.UnitCode}, u.UnitCode, "login", "user:"+u.Username, address)
	})
	return token, expires, err
}

// waitText says a wait in Chinese, rounded up to whole seconds or minutes.
func waitText(d time.Duration) string {
	if d <= time.Minute {
		return fmt.Sprintf("%d秒", int((d+time.Second-1)/time.Second))
	}
	return fmt.Sprintf("%d分钟", int((d+time.Minute-1)/time.Minute))
}

// hash returns the bcrypt hash of password at the service's cost, taking
// one of the password slots (Options.PasswordSlots).
func (s *Service) hash(ctx context.Context, password string) (string, error) {
	if err := s.takeSlot(ctx); err != nil {
		return "", err
	}
	defer s.releaseSlot()
	return hashPassword(password, s.opt.BcryptCost)
}

// checkPassword reports whether password matches hash, taking one of the
// password slots.
func (s *Service) checkPassword(ctx context.Context, hash, password string) (bool, error) {
	if err := s.takeSlot(ctx); err != nil {
		return false, err
	}
	defer s.releaseSlot()
	return bcrypt.CompareHashAndPassword([]byte(hash), []byte(password)) == nil, nil
}

// takeSlot waits for a password slot: bcrypt is all processor, and a
// crowd of sign-ins (or a flood of guesses from many addresses) would
// otherwise take every core from the other requests. A request that gives
// up waiting gets EUNAVAILABLE.
func (s *Service) takeSlot(ctx context.Context) error {
	select {
	case s.passwordSlots <- struct{}{}:
		return nil
	case <-ctx.Done():
		return workflow.Errorf(workflow.EUNAVAILABLE, "服务器繁忙，请稍后再试")
	}
}

func (s *Service) releaseSlot() { <-s.passwordSlots }

// dummyHash is a bcrypt hash at the service's cost that no password
// matches, computed once.
func (s *Service) dummyHash() string {
	s.dummyOnce.Do(func() {
		s.dummy, _ = hashPassword(NewToken(), s.opt.BcryptCost)
	})
	return s.dummy
}

// Authenticate returns the actor of a live session token (EUNAUTHORIZED when
// the token is unknown or expired).
func (s *Service) Authenticate(ctx context.Context, token string) (Actor, error) {
	var a Actor
	hash := HashToken(token)
	err := s.view(ctx, func(tx Tx, now time.Time) error {
		u, err := tx.SessionUser(hash, now)
		if workflow.ErrorCode(err) == workflow.ENOTFOUND {
			return workflow.Errorf(workflow.EUNAUTHORIZED, "登录已失效，请重新登录")
		}
		if err != nil {
			return err
		}
		a = Actor{UserID: u.ID, Username: u.Username, Role: u.Role, Unit: u.UnitCode, Session: hash}
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
	vs = append(vs, workflow.CheckPassword("password", n.Username, n.Password)...)
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
	hash, err := s.hash(ctx, n.Password)
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
// themselves only. It ends every other session of the account (a change
// of one's own keeps the session that made it). It returns EVALIDATION for
// a password that breaks workflow.CheckPassword, EFORBIDDEN and
// ENOTFOUND.
func (s *Service) SetPassword(ctx context.Context, a Actor, username, password string) error {
	if a.Role != workflow.RoleOffice && a.Role != workflow.RoleSystem && a.Username != username {
		return workflow.Errorf(workflow.EFORBIDDEN, "只能修改自己的密码")
	}
	if vs := workflow.CheckPassword("password", username, password); vs != nil {
		return &workflow.Error{Code: workflow.EVALIDATION, Message: "密码不符合要求", Details: vs}
	}
	hash, err := s.hash(ctx, password)
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
		keep := ""
		if u.ID == a.UserID {
			keep = a.Session
		}
		if err := tx.DeleteSessionsOf(u.ID, keep); err != nil {
			return err
		}
		return audit(tx, now, a, u.UnitCode, "user.password", "user:"+username, "")
	})
}

// EnsureAdmin creates the office account "admin" when the database has no
// account at all. It returns the password it set, or "" when nothing was
// created; password is used when set (EVALIDATION when it breaks
// workflow.CheckPassword), else a random one is generated.
func (s *Service) EnsureAdmin(ctx context.Context, password string) (string, error) {
	var none bool
	if err := s.view(ctx, func(tx Tx, _ time.Time) error {
		users, err := tx.Users()
		none = len(users) == 0
		return err
	}); err != nil || !none {
		return "", err
	}
	if password == "" {
		password = NewToken()[:16]
	}
	if vs := workflow.CheckPassword("admin_password", "admin", password); vs != nil {
		return "", &workflow.Error{Code: workflow.EVALIDATION, Message: "admin 的初始密码不符合要求：" + vs[0].Message, Details: vs}
	}
	// Hashed outside the transaction: bcrypt takes tens of milliseconds.
	hash, err := s.hash(ctx, password)
	if err != nil {
		return "", err
	}
	created := ""
	err = s.update(ctx, func(tx Tx, now time.Time) error {
		users, err := tx.Users()
		if err != nil || len(users) > 0 {
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
