-- What year-end scoring reads, kept small: each submission's scoring facts
-- (its state, first submission, release and innovation items with their
-- certification), written in the same transaction as the submission, so
-- that a run never reads the documents; and a run's results one row per
-- unit, in ranking order (seq), instead of one JSON text of every unit.

-- +goose Up
CREATE TABLE `submission_facts` (`year` integer,`unit` varchar(64),`state` text NOT NULL,`first_submitted_at` datetime,`released_at` datetime,`innovation` longtext NOT NULL,PRIMARY KEY (`year`,`unit`));
CREATE TABLE `scoring_results` (`run_id` integer,`seq` integer,`unit` varchar(64) NOT NULL,`result` longtext NOT NULL,PRIMARY KEY (`run_id`,`seq`));
CREATE UNIQUE INDEX `scoring_results_unit` ON `scoring_results`(`run_id`,`unit`);
