package jobs_test

const childEnv = "KAOHE_JOBS_TEST_CHILD"

func runChild() int { return 2 }
