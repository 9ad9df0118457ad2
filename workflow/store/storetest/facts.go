package storetest

import (
	"kaohe/workflow"
	"kaohe/workflow/service"
)

// SubmissionFacts returns the scoring facts of every submission of year
// as Tx.SubmissionFacts reads them (got) and as the submissions'
// documents give them (want), for tests that check the two agree.
func SubmissionFacts(tx service.Tx, year int) (got, want []workflow.SubmissionFact, err error) {
	subs, err := tx.Submissions(year)
	if err != nil {
		return nil, nil, err
	}
	codes := make([]string, len(subs))
	want = make([]workflow.SubmissionFact, len(subs))
	for i := range subs {
		codes[i], want[i] = subs[i].Unit, subs[i].Facts()
	}
	got, err = tx.SubmissionFacts(year, codes)
	return got, want, err
}
