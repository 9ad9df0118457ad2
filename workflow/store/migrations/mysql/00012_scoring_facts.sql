-- What year-end scoring reads, kept small: each submission's scoring facts
-- (its state, first submission, release and innovation items with their
-- certification), written in the same transaction as the submission, so
-- that a run never reads the documents; and a run's results one row per
-- unit, in ranking order (seq), instead of one JSON text of every unit.

-- +goose Up
CREATE TABLE `submission_facts` (
  `year` bigint NOT NULL,
  `unit` varchar(64) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
  `state` varchar(16) NOT NULL,
  `first_submitted_at` datetime(6) DEFAULT NULL,
  `released_at` datetime(6) DEFAULT NULL,
  `innovation` longtext NOT NULL,
  PRIMARY KEY (`year`,`unit`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE `scoring_results` (
  `run_id` bigint NOT NULL,
  `seq` bigint NOT NULL,
  `unit` varchar(64) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
  `result` longtext NOT NULL,
  PRIMARY KEY (`run_id`,`seq`),
  UNIQUE KEY `scoring_results_unit` (`run_id`,`unit`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
