package store

import (
	"database/sql"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"

	"kaohe/workflow"
)

// userRow is an account; its username is unique.
type userRow struct {
	ID           int64     `gorm:"primaryKey"`
	Username     ident     `gorm:"size:64;not null;uniqueIndex:users_username"`
	PasswordHash string    `gorm:"size:255;not null"`
	Role         string    `gorm:"size:16;not null"`
	UnitCode     ident     `gorm:"size:64;not null"`
	CreatedAt    time.Time `gorm:"not null;precision:6;autoCreateTime:false"`
}

// TableName is the table of userRow.
func (userRow) TableName() string { return "users" }

func (r userRow) user() workflow.User {
	return workflow.User{ID: r.ID, Username: string(r.Username), PasswordHash: r.PasswordHash,
		Role: workflow.Role(r.Role), UnitCode: string(r.UnitCode), CreatedAt: r.CreatedAt.UTC()}
}

// sessionRow is a signed-in token, keyed by the token's hash.
type sessionRow struct {
	TokenHash ident     `gorm:"primaryKey;size:128"`
	UserID    int64     `gorm:"not null;index:sessions_user"`
	CreatedAt time.Time `gorm:"not null;precision:6;autoCreateTime:false"`
	ExpiresAt time.Time `gorm:"not null;precision:6;index:sessions_expires"`
}

// TableName is the table of sessionRow.
func (sessionRow) TableName() string { return "sessions" }

// loginFailureRow is one failed login: the username and the source
// address as sent, each cut to workflow.MaxLoginNameBytes by the service.
type loginFailureRow struct {
	ID       int64     `gorm:"primaryKey"`
	Username ident     `gorm:"size:64;not null;index:login_failures_username,priority:1"`
	Address  ident     `gorm:"size:64;not null;index:login_failures_address,priority:1"`
	At       time.Time `gorm:"not null;precision:6;index:login_failures_username,priority:2;index:login_failures_address,priority:2;index:login_failures_at"`
}

// TableName is the table of loginFailureRow.
func (loginFailureRow) TableName() string { return "login_failures" }

// UserByName returns the account username (ENOTFOUND when absent). The
// comparison is exact, case included.
func (t *tx) UserByName(username string) (*workflow.User, error) {
	return take(t.db.Where("username = ?", username), userRow.user, "user", fmt.Sprintf("用户“%s”", username))
}

// UserByID returns the account id (ENOTFOUND when absent).
func (t *tx) UserByID(id int64) (*workflow.User, error) {
	return take(t.db.Where("id = ?", id), userRow.user, "user", fmt.Sprintf("用户（编号%d）", id))
}

// Users returns every account in order of creation.
func (t *tx) Users() ([]workflow.User, error) {
	return find(t.db.Order("id"), userRow.user, "users")
}

// CreateUser stores u (ECONFLICT when the username is taken), sets u.ID and
// normalises u.CreatedAt to its stored form.
func (t *tx) CreateUser(u *workflow.User) error {
	r := userRow{Username: ident(u.Username), PasswordHash: u.PasswordHash, Role: string(u.Role),
		UnitCode: ident(u.UnitCode), CreatedAt: utc(u.CreatedAt)}
	if err := t.db.Create(&r).Error; err != nil {
		return translate(err, "create user", fmt.Sprintf("用户名“%s”", u.Username))
	}
	u.ID, u.CreatedAt = r.ID, r.CreatedAt
	return nil
}

// SetPassword replaces the password hash of account id (ENOTFOUND when
// absent).
func (t *tx) SetPassword(id int64, hash string) error {
	res := t.db.Model(&userRow{}).Where("id = ?", id).Update("password_hash", hash)
	return touched(res, "set password", workflow.Errorf(workflow.ENOTFOUND, "用户（编号%d）不存在", id))
}

// CreateSession stores s (ECONFLICT when its token hash exists) and
// normalises its times to their stored form.
func (t *tx) CreateSession(s *workflow.Session) error {
	r := sessionRow{TokenHash: ident(s.TokenHash), UserID: s.UserID, CreatedAt: utc(s.CreatedAt), ExpiresAt: utc(s.ExpiresAt)}
	if err := t.db.Create(&r).Error; err != nil {
		return translate(err, "create session", "登录会话")
	}
	s.CreatedAt, s.ExpiresAt = r.CreatedAt, r.ExpiresAt
	return nil
}

// Session returns the session with tokenHash if it expires after now
// (ENOTFOUND when absent or expired).
func (t *tx) Session(tokenHash string, now time.Time) (*workflow.Session, error) {
	var r sessionRow
	err := t.db.Where("token_hash = ? AND expires_at > ?", tokenHash, utc(now)).Take(&r).Error
	if err != nil {
		return nil, translate(err, "session", "登录会话")
	}
	return &workflow.Session{TokenHash: string(r.TokenHash), UserID: r.UserID, CreatedAt: r.CreatedAt.UTC(), ExpiresAt: r.ExpiresAt.UTC()}, nil
}

// SessionUser returns the account of the session with tokenHash if the
// session expires after now, in one query (ENOTFOUND when the session is
// absent or expired, or its account gone). The password hash is left
// empty: signing in a request never needs it.
func (t *tx) SessionUser(tokenHash string, now time.Time) (*workflow.User, error) {
	var u workflow.User
	var role string
	err := t.queryRow(`SELECT users.id, users.username, users.role, users.unit_code FROM sessions
		JOIN users ON users.id = sessions.user_id WHERE sessions.token_hash = ? AND sessions.expires_at > ?`,
		tokenHash, utc(now)).Scan(&u.ID, &u.Username, &role, &u.UnitCode)
	if errors.Is(err, sql.ErrNoRows) {
		err = gorm.ErrRecordNotFound
	}
	if err != nil {
		return nil, translate(err, "session user", "登录会话")
	}
	u.Role = workflow.Role(role)
	return &u, nil
}

// DeleteSession removes the session with tokenHash (ENOTFOUND when absent).
func (t *tx) DeleteSession(tokenHash string) error {
	res := t.db.Where("token_hash = ?", tokenHash).Delete(&sessionRow{})
	return touched(res, "delete session", workflow.Errorf(workflow.ENOTFOUND, "登录会话不存在"))
}

// LoginFailures counts the failures at or after since of username, from
// address, and of username from address, with the latest time of the
// first two.
func (t *tx) LoginFailures(username, address string, since time.Time) (workflow.LoginFailures, error) {
	var f workflow.LoginFailures
	// The latest is read as a row, not as MAX(at), which SQLite returns
	// as text and MySQL as a time.
	last := func(col, val string) (int, time.Time, error) {
		var n int64
		q := t.db.Model(&loginFailureRow{}).Where(col+" = ? AND at >= ?", val, utc(since))
		if err := q.Count(&n).Error; err != nil || n == 0 {
			return 0, time.Time{}, err
		}
		var r loginFailureRow
		err := t.db.Where(col+" = ? AND at >= ?", val, utc(since)).Order("at DESC").Take(&r).Error
		return int(n), r.At.UTC(), err
	}
	var err error
	if f.User, f.UserLast, err = last("username", username); err != nil {
		return f, internal(err, "login failures")
	}
	if f.Address, f.AddressLast, err = last("address", address); err != nil {
		return f, internal(err, "login failures")
	}
	if f.User > 0 && f.Address > 0 {
		var n int64
		err := t.db.Model(&loginFailureRow{}).Where("username = ? AND address = ? AND at >= ?", username, address, utc(since)).Count(&n).Error
		if err != nil {
			return f, internal(err, "login failures")
		}
		f.UserFromAddress = int(n)
	}
	return f, nil
}

// AddLoginFailure records a failure of username from address at the given
// time.
func (t *tx) AddLoginFailure(username, address string, at time.Time) error {
	r := loginFailureRow{Username: ident(username), Address: ident(address), At: utc(at)}
	return internal(t.db.Create(&r).Error, "add login failure")
}

// ClearLoginFailures forgets the failures of username from address; none
// is not an error.
func (t *tx) ClearLoginFailures(username, address string) error {
	return internal(t.db.Where("username = ? AND address = ?", username, address).Delete(&loginFailureRow{}).Error, "clear login failures")
}

// PurgeLoginFailures forgets every failure before the given time.
func (t *tx) PurgeLoginFailures(before time.Time) error {
	return internal(t.db.Where("at < ?", utc(before)).Delete(&loginFailureRow{}).Error, "purge login failures")
}

// DeleteSessionsOf ends every session of account userID except the one
// with keepTokenHash ("" keeps none).
func (t *tx) DeleteSessionsOf(userID int64, keepTokenHash string) error {
	return internal(t.db.Where("user_id = ? AND token_hash <> ?", userID, keepTokenHash).Delete(&sessionRow{}).Error, "delete sessions")
}
