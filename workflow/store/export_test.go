package store

// TableCount is the number of tables Migrate creates, for the schema tests.
func TableCount() int { return len(models) }

// ResultsJSON is resultsJSON, for the encoding test.
var ResultsJSON = resultsJSON
