// Package service runs the workflow's rules against the database: the use
// cases of kaohe, one method each, for the office, the units, the leaders
// and the scheduled jobs (SystemActor).
//
// Every method takes the actor and checks, before anything else, that the
// actor may see the unit (another unit's data is ENOTFOUND, exactly as if
// it did not exist) and has the role; then it runs in one transaction with
// the time read once from the clock: view for reads (a read-only
// transaction that never waits for a writer) and update for writes. A
// write's audit entry and the outbox messages it causes are written in the
// same transaction, so a request changes everything it meant to or
// nothing. Slow work (password hashing, sending files to the evidence
// store) happens outside the write transaction.
//
// The persistence the service needs is declared here as Store and Tx, one
// interface per aggregate; package workflow/store implements them with
// gorm on SQLite and MySQL. Evidence files go through FileStore, which
// package workflow/evidence implements on a directory and on S3-compatible
// storage. New is the one constructor; package internal/app builds the
// whole program around it.
package service
