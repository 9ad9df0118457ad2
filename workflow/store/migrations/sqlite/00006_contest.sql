-- A result the units can contest: waivers of deductions, the time tables
-- actually arrived, objections with their files and answers, several
-- published runs a year (the first opens the objection period, later ones
-- publish corrections), deductions that cite a month's two figures, and
-- the monthly counts kept per source (the unit's report and the member
-- information system's import, side by side).
--
-- A waiver in force has slot 0; withdrawing it sets slot to its id, so
-- that the unique key allows one waiver in force per ref.

-- +goose Up
CREATE TABLE `waivers` (`id` integer PRIMARY KEY AUTOINCREMENT,`year` integer NOT NULL,`unit` varchar(64) NOT NULL,`ref` varchar(128) NOT NULL,`points` integer NOT NULL,`reason` longtext NOT NULL,`granted_by` text NOT NULL,`granted_at` datetime NOT NULL,`objection_id` integer NOT NULL,`slot` integer NOT NULL,`withdrawn_at` datetime,`withdrawn_by` text NOT NULL);
CREATE UNIQUE INDEX `waivers_in_force` ON `waivers`(`year`,`unit`,`ref`,`slot`);
CREATE TABLE `submission_receipts` (`id` integer PRIMARY KEY AUTOINCREMENT,`year` integer NOT NULL,`unit` varchar(64) NOT NULL,`received_at` datetime NOT NULL,`reason` longtext NOT NULL,`recorded_by` text NOT NULL,`recorded_at` datetime NOT NULL);
CREATE UNIQUE INDEX `receipts_year_unit` ON `submission_receipts`(`year`,`unit`);
CREATE TABLE `objections` (`id` integer PRIMARY KEY AUTOINCREMENT,`year` integer NOT NULL,`unit` varchar(64) NOT NULL,`ref` varchar(128) NOT NULL,`line` longtext NOT NULL,`text` longtext NOT NULL,`run_id` integer NOT NULL,`created_by` text NOT NULL,`created_at` datetime NOT NULL,`verdict` text NOT NULL,`answer` longtext NOT NULL,`answered_by` text NOT NULL,`answered_at` datetime,`correction` longtext NOT NULL);
CREATE INDEX `objections_year_unit` ON `objections`(`year`,`unit`);
CREATE TABLE `objection_files` (`id` integer PRIMARY KEY AUTOINCREMENT,`objection_id` integer NOT NULL,`year` integer NOT NULL,`unit` varchar(64) NOT NULL,`name` text NOT NULL,`size` integer NOT NULL,`sha256` text NOT NULL,`media_type` text NOT NULL,`uploaded_at` datetime NOT NULL,`uploaded_by` text NOT NULL);
CREATE INDEX `objection_files_objection` ON `objection_files`(`objection_id`);
ALTER TABLE `manual_deductions` ADD COLUMN `month` text NOT NULL DEFAULT "";
ALTER TABLE `manual_deductions` ADD COLUMN `unit_count` integer;
ALTER TABLE `manual_deductions` ADD COLUMN `system_count` integer;
DROP INDEX `scoring_runs_published`;
ALTER TABLE `scoring_runs` DROP COLUMN `publish_key`;
ALTER TABLE `scoring_runs` ADD COLUMN `publication` integer;
ALTER TABLE `scoring_runs` ADD COLUMN `objection_period_ends` datetime;
CREATE UNIQUE INDEX `scoring_runs_published` ON `scoring_runs`(`year`,`publication`);
DROP INDEX `monthly_year_unit_month`;
CREATE UNIQUE INDEX `monthly_year_unit_month` ON `monthly_reports`(`year`,`unit`,`month`,`source`);
