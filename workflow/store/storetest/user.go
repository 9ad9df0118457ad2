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
			u, err := tx.SessionUser("abc123", now)
			if err != nil {
				t.Fatalf("session user at %s: %v", now, err)
			}
			wantEqual(t, "session user", *u, workflow.User{ID: uid, Username: "admin", Role: workflow.RoleOffice})
		}
		for _, now := range []time.Time{expires, expires.Add(time.Microsecond), expires.Add(24 * time.Hour)} {
			sess, err := tx.Session("abc123", now)
			wantCode(t, err, workflow.ENOTFOUND)
			if sess != nil {
				t.Errorf("session %v with an error", sess)
			}
			_, err = tx.SessionUser("abc123", now)
			wantCode(t, err, workflow.ENOTFOUND)
		}
		_, err := tx.Session("unknown", created)
		wantCode(t, err, workflow.ENOTFOUND)
		_, err = tx.SessionUser("unknown", created)
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
	const a, b = "192.0.2.1", "2001:db8::1"
	do(t, s, func(tx service.Tx) error {
		for _, d := range []time.Duration{-time.Minute, -time.Microsecond, 0, time.Microsecond, 10 * time.Minute} {
			if err := tx.AddLoginFailure("gjz", a, base.Add(d)); err != nil {
				t.Fatal(err)
			}
		}
		if err := tx.AddLoginFailure("gjz", b, base.Add(time.Second)); err != nil {
			t.Fatal(err)
		}
		return tx.AddLoginFailure("zs", a, base.Add(20*time.Minute))
	})
	do(t, s, func(tx service.Tx) error {
		for _, c := range []struct {
			user, addr string
			since      time.Time
			want       workflow.LoginFailures
		}{
			{"gjz", a, base.Add(-time.Hour), workflow.LoginFailures{User: 6, Address: 6, UserFromAddress: 5, UserLast: base.Add(10 * time.Minute), AddressLast: base.Add(20 * time.Minute)}},
			{"gjz", a, base, workflow.LoginFailures{User: 4, Address: 4, UserFromAddress: 3, UserLast: base.Add(10 * time.Minute), AddressLast: base.Add(20 * time.Minute)}}, // since is inclusive
			{"gjz", b, base.Add(time.Microsecond), workflow.LoginFailures{User: 3, Address: 1, UserFromAddress: 1, UserLast: base.Add(10 * time.Minute), AddressLast: base.Add(time.Second)}},
			{"gjz", a, base.Add(11 * time.Minute), workflow.LoginFailures{Address: 1, AddressLast: base.Add(20 * time.Minute)}},
			{"zs", b, base, workflow.LoginFailures{User: 1, Address: 1, UserLast: base.Add(20 * time.Minute), AddressLast: base.Add(time.Second)}},
			{"nobody", "198.51.100.7", base.Add(-time.Hour), workflow.LoginFailures{}},
			{"GJZ", b, base.Add(-time.Hour), workflow.LoginFailures{Address: 1, AddressLast: base.Add(time.Second)}}, // names compare exactly
		} {
			f, err := tx.LoginFailures(c.user, c.addr, c.since.In(time.UTC))
			if err != nil {
				t.Fatal(err)
			}
			if !sameFailures(f, c.want) {
				t.Errorf("LoginFailures(%s, %s, %s) = %+v, want %+v", c.user, c.addr, c.since.Format(time.RFC3339Nano), f, c.want)
			}
		}
		if err := tx.ClearLoginFailures("gjz", a); err != nil {
			t.Fatal(err)
		}
		if err := tx.ClearLoginFailures("nobody", a); err != nil {
			t.Fatalf("clearing a name without failures: %v", err)
		}
		if f, err := tx.LoginFailures("gjz", a, base.Add(-time.Hour)); err != nil || f.User != 1 || f.Address != 1 || f.UserFromAddress != 0 {
			t.Errorf("after Clear: %+v %v", f, err)
		}
		if err := tx.PurgeLoginFailures(base.Add(15 * time.Minute)); err != nil {
			t.Fatal(err)
		}
		if f, err := tx.LoginFailures("gjz", b, base.Add(-time.Hour)); err != nil || f.User != 0 {
			t.Errorf("after Purge: %+v %v", f, err)
		}
		if f, err := tx.LoginFailures("zs", a, base.Add(-time.Hour)); err != nil || f.User != 1 {
			t.Errorf("a failure after the purge's time: %+v %v", f, err)
		}
		return nil
	})
}

// sameFailures compares failures with their times as instants.
func sameFailures(a, b workflow.LoginFailures) bool {
	return a.User == b.User && a.Address == b.Address && a.UserFromAddress == b.UserFromAddress &&
		a.UserLast.Equal(b.UserLast) && a.AddressLast.Equal(b.AddressLast)
}

func testDeleteSessionsOf(t *testing.T, s service.Store) {
	do(t, s, func(tx service.Tx) error {
		gjz, zs := createUser(t, tx, "gjz"), createUser(t, tx, "zs")
		for _, x := range []struct {
			hash string
			user int64
		}{{"g1", gjz.ID}, {"g2", gjz.ID}, {"g3", gjz.ID}, {"z1", zs.ID}} {
			if err := tx.CreateSession(&workflow.Session{TokenHash: x.hash, UserID: x.user, CreatedAt: at(1, 9, 0, 0, 0), ExpiresAt: at(2, 9, 0, 0, 0)}); err != nil {
				t.Fatal(err)
			}
		}
		if err := tx.DeleteSessionsOf(gjz.ID, "g2"); err != nil {
			t.Fatal(err)
		}
		for hash, live := range map[string]bool{"g1": false, "g2": true, "g3": false, "z1": true} {
			_, err := tx.Session(hash, at(1, 10, 0, 0, 0))
			if live != (err == nil) {
				t.Errorf("session %s: %v, want live %v", hash, err, live)
			}
		}
		if err := tx.DeleteSessionsOf(zs.ID, ""); err != nil {
			t.Fatal(err)
		}
		_, err := tx.Session("z1", at(1, 10, 0, 0, 0))
		wantCode(t, err, workflow.ENOTFOUND)
		return nil
	})
}
