package storetest

import (
	"testing"
	"time"

	"kaohe/workflow"
	"kaohe/workflow/service"
)

func testUserNotFound(t *testing.T, s service.Store) {
	do(t, s, func(tx service.Tx) error {
		u, err := tx.UserByName("nobody")
		wantCode(t, err, workflow.ENOTFOUND)
		if u != nil {
			t.Errorf("user %v with an error", u)
		}
		u, err = tx.UserByID(42)
		wantCode(t, err, workflow.ENOTFOUND)
		if u != nil {
			t.Errorf("user %v with an error", u)
		}
		return nil
	})
}

func testUserRoundTrip(t *testing.T, s service.Store) {
	in := workflow.User{Username: "gjz", PasswordHash: "$2a$10$abcdefghijklmnopqrstuv", Role: workflow.RoleUnit, UnitCode: "gjz", CreatedAt: at(3, 8, 15, 30, 250)}
	do(t, s, func(tx service.Tx) error {
		createUnit(t, tx, "gjz", "甘井子区总工会")
		u := in
		if err := tx.CreateUser(&u); err != nil {
			t.Fatal(err)
		}
		if u.ID == 0 {
			t.Fatal("CreateUser set no ID")
		}
		in.ID = u.ID
		return nil
	})
	want := in
	want.CreatedAt = in.CreatedAt.UTC()
	do(t, s, func(tx service.Tx) error {
		byName, err := tx.UserByName("gjz")
		if err != nil {
			t.Fatal(err)
		}
		wantEqual(t, "by name", *byName, want)
		byID, err := tx.UserByID(in.ID)
		if err != nil {
			t.Fatal(err)
		}
		wantEqual(t, "by ID", *byID, want)
		return nil
	})
}

func testUserConflict(t *testing.T, s service.Store) {
	do(t, s, func(tx service.Tx) error {
		createUser(t, tx, "admin")
		return nil
	})
	do(t, s, func(tx service.Tx) error {
		err := tx.CreateUser(&workflow.User{Username: "admin", PasswordHash: "x", Role: workflow.RoleViewer, CreatedAt: at(2, 9, 0, 0, 0)})
		wantCode(t, err, workflow.ECONFLICT)
		us, err := tx.Users()
		if err != nil {
			t.Fatal(err)
		}
		if len(us) != 1 || us[0].Role != workflow.RoleOffice {
			t.Fatalf("users after a conflict: %+v", us)
		}
		return nil
	})
}

func testSetPassword(t *testing.T, s service.Store) {
	var id int64
	do(t, s, func(tx service.Tx) error {
		id = createUser(t, tx, "admin").ID
		createUser(t, tx, "other")
		return nil
	})
	do(t, s, func(tx service.Tx) error {
		if err := tx.SetPassword(id, "$2a$04$new"); err != nil {
			t.Fatal(err)
		}
		// Setting the same hash again still finds the account.
		if err := tx.SetPassword(id, "$2a$04$new"); err != nil {
			t.Fatalf("setting the same hash again: %v", err)
		}
		wantCode(t, tx.SetPassword(id+1000, "$2a$04$x"), workflow.ENOTFOUND)
		return nil
	})
	do(t, s, func(tx service.Tx) error {
		u, err := tx.UserByID(id)
		if err != nil {
			t.Fatal(err)
		}
		wantEqual(t, "hash", u.PasswordHash, "$2a$04$new")
		o, err := tx.UserByName("other")
		if err != nil {
			t.Fatal(err)
		}
		wantEqual(t, "other's hash", o.PasswordHash, "$2a$04$hash-of-other")
		return nil
	})
}

func testUsersOrder(t *testing.T, s service.Store) {
	do(t, s, func(tx service.Tx) error {
		if us, err := tx.Users(); err != nil || len(us) != 0 {
			t.Fatalf("users of an empty store: %v %v", us, err)
		}
		for _, n := range []string{"zz", "aa", "mm"} {
			createUser(t, tx, n)
		}
		return nil
	})
	do(t, s, func(tx service.Tx) error {
		us, err := tx.Users()
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, u := range us {
			names = append(names, u.Username)
		}
		wantEqual(t, "usernames", names, []string{"zz", "aa", "mm"})
		return nil
	})
}

func testSessionExpiry(t *testing.T, s service.Store) {
	created, expires := at(1, 9, 0, 0, 0), at(1, 21, 0, 0, 0)
	var uid int64
	do(t, s, func(tx service.Tx) error {
		uid = createUser(t, tx, "admin").ID
		return tx.CreateSession(&workflow.Session{TokenHash: "abc123", UserID: uid, CreatedAt: created, ExpiresAt: expires})
	})
	do(t, s, func(tx service.Tx) error {
		for _, now := range []time.Time{created, expires.Add(-time.Microsecond)} {
			sess, err := tx.Session("abc123", now)
			if err != nil {
				t.Fatalf("session at %s: %v", now, err)
			}
			wantEqual(t, "session", *sess, workflow.Session{TokenHash: "abc123", UserID: uid, CreatedAt: created.UTC(), ExpiresAt: expires.UTC()})
		}
		for _, now := range []time.Time{expires, expires.Add(time.Microsecond), expires.Add(24 * time.Hour)} {
			sess, err := tx.Session("abc123", now)
			wantCode(t, err, workflow.ENOTFOUND)
			if sess != nil {
				t.Errorf("session %v with an error", sess)
			}
		}
		_, err := tx.Session("unknown", created)
		wantCode(t, err, workflow.ENOTFOUND)
		return nil
	})
}

func testSessionConflict(t *testing.T, s service.Store) {
	do(t, s, func(tx service.Tx) error {
		return tx.CreateSession(&workflow.Session{TokenHash: "abc", UserID: 1, CreatedAt: at(1, 9, 0, 0, 0), ExpiresAt: at(2, 9, 0, 0, 0)})
	})
	do(t, s, func(tx service.Tx) error {
		err := tx.CreateSession(&workflow.Session{TokenHash: "abc", UserID: 2, CreatedAt: at(1, 9, 0, 0, 0), ExpiresAt: at(2, 9, 0, 0, 0)})
		wantCode(t, err, workflow.ECONFLICT)
		return nil
	})
}

func testSessionDelete(t *testing.T, s service.Store) {
	do(t, s, func(tx service.Tx) error {
		for _, h := range []string{"one", "two"} {
			if err := tx.CreateSession(&workflow.Session{TokenHash: h, UserID: 1, CreatedAt: at(1, 9, 0, 0, 0), ExpiresAt: at(2, 9, 0, 0, 0)}); err != nil {
				t.Fatal(err)
			}
		}
		return nil
	})
	do(t, s, func(tx service.Tx) error {
		if err := tx.DeleteSession("one"); err != nil {
			t.Fatal(err)
		}
		wantCode(t, tx.DeleteSession("one"), workflow.ENOTFOUND)
		_, err := tx.Session("one", at(1, 10, 0, 0, 0))
		wantCode(t, err, workflow.ENOTFOUND)
		if _, err := tx.Session("two", at(1, 10, 0, 0, 0)); err != nil {
			t.Fatalf("the other session: %v", err)
		}
		return nil
	})
}

func testLoginFailures(t *testing.T, s service.Store) {
	base := at(5, 10, 0, 0, 0)
	do(t, s, func(tx service.Tx) error {
		for _, d := range []time.Duration{-time.Minute, -time.Microsecond, 0, time.Microsecond, 10 * time.Minute} {
			if err := tx.AddLoginFailure("user:gjz", base.Add(d)); err != nil {
				t.Fatal(err)
			}
		}
		return tx.AddLoginFailure("user:zs", base)
	})
	do(t, s, func(tx service.Tx) error {
		for _, c := range []struct {
			key   string
			since time.Time
			want  int
		}{
			{"user:gjz", base.Add(-time.Hour), 5},
			{"user:gjz", base, 3}, // since is inclusive
			{"user:gjz", base.Add(time.Microsecond), 2},
			{"user:gjz", base.Add(11 * time.Minute), 0},
			{"user:zs", base, 1},
			{"user:nobody", base.Add(-time.Hour), 0},
			{"USER:GJZ", base.Add(-time.Hour), 0}, // keys compare exactly
		} {
			n, err := tx.LoginFailures(c.key, c.since.In(time.UTC))
			if err != nil {
				t.Fatal(err)
			}
			if n != c.want {
				t.Errorf("LoginFailures(%s, %s) = %d, want %d", c.key, c.since.Format(time.RFC3339Nano), n, c.want)
			}
		}
		if err := tx.ClearLoginFailures("user:gjz"); err != nil {
			t.Fatal(err)
		}
		if err := tx.ClearLoginFailures("user:nobody"); err != nil {
			t.Fatalf("clearing a key without failures: %v", err)
		}
		if n, err := tx.LoginFailures("user:gjz", base.Add(-time.Hour)); err != nil || n != 0 {
			t.Errorf("after Clear: %d %v", n, err)
		}
		if n, err := tx.LoginFailures("user:zs", base.Add(-time.Hour)); err != nil || n != 1 {
			t.Errorf("another key after Clear: %d %v", n, err)
		}
		return nil
	})
}
