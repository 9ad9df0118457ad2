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
CREATE TABLE `waivers` (
  `id` bigint NOT NULL AUTO_INCREMENT,
  `year` bigint NOT NULL,
  `unit` varchar(64) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
  `ref` varchar(128) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
  `points` bigint NOT NULL,
  `reason` longtext NOT NULL,
  `granted_by` varchar(255) NOT NULL,
  `granted_at` datetime(6) NOT NULL,
  `objection_id` bigint NOT NULL,
  `slot` bigint NOT NULL,
  `withdrawn_at` datetime(6) DEFAULT NULL,
  `withdrawn_by` varchar(255) NOT NULL,
  PRIMARY KEY (`id`),
  UNIQUE KEY `waivers_in_force` (`year`,`unit`,`ref`,`slot`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE `submission_receipts` (
  `id` bigint NOT NULL AUTO_INCREMENT,
  `year` bigint NOT NULL,
  `unit` varchar(64) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
  `received_at` datetime(6) NOT NULL,
  `reason` longtext NOT NULL,
  `recorded_by` varchar(255) NOT NULL,
  `recorded_at` datetime(6) NOT NULL,
  PRIMARY KEY (`id`),
  UNIQUE KEY `receipts_year_unit` (`year`,`unit`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE `objections` (
  `id` bigint NOT NULL AUTO_INCREMENT,
  `year` bigint NOT NULL,
  `unit` varchar(64) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
  `ref` varchar(128) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
  `line` longtext NOT NULL,
  `text` longtext NOT NULL,
  `run_id` bigint NOT NULL,
  `created_by` varchar(255) NOT NULL,
  `created_at` datetime(6) NOT NULL,
  `verdict` varchar(16) NOT NULL,
  `answer` longtext NOT NULL,
  `answered_by` varchar(255) NOT NULL,
  `answered_at` datetime(6) DEFAULT NULL,
  `correction` longtext NOT NULL,
  PRIMARY KEY (`id`),
  KEY `objections_year_unit` (`year`,`unit`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE `objection_files` (
  `id` bigint NOT NULL AUTO_INCREMENT,
  `objection_id` bigint NOT NULL,
  `year` bigint NOT NULL,
  `unit` varchar(64) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
  `name` varchar(1000) NOT NULL,
  `size` bigint NOT NULL,
  `sha256` varchar(64) NOT NULL,
  `media_type` varchar(255) NOT NULL,
  `uploaded_at` datetime(6) NOT NULL,
  `uploaded_by` varchar(255) NOT NULL,
  PRIMARY KEY (`id`),
  KEY `objection_files_objection` (`objection_id`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

ALTER TABLE `manual_deductions`
  ADD COLUMN `month` varchar(7) NOT NULL DEFAULT '',
  ADD COLUMN `unit_count` bigint DEFAULT NULL,
  ADD COLUMN `system_count` bigint DEFAULT NULL;

ALTER TABLE `scoring_runs`
  DROP INDEX `scoring_runs_published`,
  DROP COLUMN `publish_key`,
  ADD COLUMN `publication` bigint DEFAULT NULL,
  ADD COLUMN `objection_period_ends` datetime(6) DEFAULT NULL,
  ADD UNIQUE KEY `scoring_runs_published` (`year`,`publication`);

ALTER TABLE `monthly_reports`
  DROP INDEX `monthly_year_unit_month`,
  ADD UNIQUE KEY `monthly_year_unit_month` (`year`,`unit`,`month`,`source`);
