// Package kaohe holds the files of testdata/ that the program itself
// ships: kaohe demo plays its year with the units, contacts, tables and
// evidence files the tests use (internal/demo), so that the demo shows
// what the tests prove.
package kaohe

import "embed"

// Testdata holds testdata/units-2019.json (the 14 units of the notice),
// contacts.json (two supervision contacts), submission-2019.json (a valid
// set of 2019 tables) and evidence/ (files of every kind evidence may be).
//
//go:embed testdata/units-2019.json testdata/contacts.json testdata/submission-2019.json testdata/evidence
var Testdata embed.FS
