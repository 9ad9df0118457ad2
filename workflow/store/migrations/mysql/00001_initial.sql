-- The schema of the first release, exactly as gorm's AutoMigrate created it
-- on MySQL/MariaDB (SHOW CREATE TABLE of that schema, without display
-- widths). A database made by that release has these tables without goose's
-- version table; the store adopts it at version 1 without running this file
-- (store.Migrate). IF NOT EXISTS lets a first start that stopped half-way
-- (MySQL commits every CREATE TABLE on its own) finish on the next start.

-- +goose Up
CREATE TABLE IF NOT EXISTS `plans` (
  `year` bigint NOT NULL,
  `body` longtext NOT NULL,
  PRIMARY KEY (`year`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE IF NOT EXISTS `units` (
  `id` bigint NOT NULL AUTO_INCREMENT,
  `code` varchar(64) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
  `name` varchar(255) NOT NULL,
  `created_at` datetime(6) NOT NULL,
  PRIMARY KEY (`id`),
  UNIQUE KEY `units_code` (`code`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE IF NOT EXISTS `unit_contacts` (
  `id` bigint NOT NULL AUTO_INCREMENT,
  `unit_code` varchar(64) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
  `seq` bigint NOT NULL,
  `name` varchar(255) NOT NULL,
  `position` varchar(255) NOT NULL,
  `phone` varchar(255) NOT NULL,
  `mobile` varchar(255) NOT NULL,
  `email` varchar(255) NOT NULL,
  PRIMARY KEY (`id`),
  KEY `contacts_unit_seq` (`unit_code`,`seq`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE IF NOT EXISTS `users` (
  `id` bigint NOT NULL AUTO_INCREMENT,
  `username` varchar(64) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
  `password_hash` varchar(255) NOT NULL,
  `role` varchar(16) NOT NULL,
  `unit_code` varchar(64) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
  `created_at` datetime(6) NOT NULL,
  PRIMARY KEY (`id`),
  UNIQUE KEY `users_username` (`username`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE IF NOT EXISTS `sessions` (
  `token_hash` varchar(128) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
  `user_id` bigint NOT NULL,
  `created_at` datetime(6) NOT NULL,
  `expires_at` datetime(6) NOT NULL,
  PRIMARY KEY (`token_hash`),
  KEY `sessions_user` (`user_id`),
  KEY `sessions_expires` (`expires_at`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE IF NOT EXISTS `login_failures` (
  `id` bigint NOT NULL AUTO_INCREMENT,
  `login_key` varchar(191) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
  `at` datetime(6) NOT NULL,
  PRIMARY KEY (`id`),
  KEY `login_failures_key_at` (`login_key`,`at`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE IF NOT EXISTS `submissions` (
  `id` bigint NOT NULL AUTO_INCREMENT,
  `year` bigint NOT NULL,
  `unit` varchar(64) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
  `state` varchar(16) NOT NULL,
  `version` bigint NOT NULL,
  `doc` longtext NOT NULL,
  `comment` longtext NOT NULL,
  `comments` longtext NOT NULL,
  `certified` longtext NOT NULL,
  `submitted_at` datetime(6) DEFAULT NULL,
  `first_submitted_at` datetime(6) DEFAULT NULL,
  `late` tinyint(1) NOT NULL,
  `created_at` datetime(6) NOT NULL,
  `updated_at` datetime(6) NOT NULL,
  PRIMARY KEY (`id`),
  UNIQUE KEY `submissions_year_unit` (`year`,`unit`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE IF NOT EXISTS `submission_history` (
  `id` bigint NOT NULL AUTO_INCREMENT,
  `year` bigint NOT NULL,
  `unit` varchar(64) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
  `action` varchar(16) NOT NULL,
  `state` varchar(16) NOT NULL,
  `version` bigint NOT NULL,
  `doc` longtext NOT NULL,
  `comment` longtext NOT NULL,
  `comments` longtext NOT NULL,
  `certified` longtext NOT NULL,
  `actor` varchar(255) NOT NULL,
  `at` datetime(6) NOT NULL,
  PRIMARY KEY (`id`),
  KEY `history_year_unit` (`year`,`unit`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE IF NOT EXISTS `audit_log` (
  `id` bigint NOT NULL AUTO_INCREMENT,
  `at` datetime(6) NOT NULL,
  `actor` varchar(255) NOT NULL,
  `role` varchar(16) NOT NULL,
  `unit` varchar(64) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
  `action` varchar(64) NOT NULL,
  `target` varchar(255) NOT NULL,
  `detail` longtext NOT NULL,
  PRIMARY KEY (`id`),
  KEY `audit_at` (`at`),
  KEY `audit_unit` (`unit`),
  KEY `audit_action` (`action`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE IF NOT EXISTS `nodes` (
  `id` bigint NOT NULL AUTO_INCREMENT,
  `year` bigint NOT NULL,
  `unit` varchar(64) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
  `category` varchar(16) NOT NULL,
  `item_index` bigint NOT NULL,
  `work_index` bigint NOT NULL,
  `node_index` bigint NOT NULL,
  `indicator` varchar(16) NOT NULL,
  `work` longtext NOT NULL,
  `due` varchar(10) NOT NULL,
  `points` bigint NOT NULL,
  `target` longtext NOT NULL,
  `standard` longtext NOT NULL,
  `evidence` longtext NOT NULL,
  `state` varchar(16) NOT NULL,
  `late` tinyint(1) NOT NULL,
  `note` longtext NOT NULL,
  `reported_at` datetime(6) DEFAULT NULL,
  `awarded` bigint NOT NULL,
  `reviewed_at` datetime(6) DEFAULT NULL,
  `version` bigint NOT NULL,
  PRIMARY KEY (`id`),
  UNIQUE KEY `nodes_position` (`year`,`unit`,`category`,`item_index`,`work_index`,`node_index`),
  KEY `nodes_scoring` (`year`,`unit`,`state`,`late`,`category`,`item_index`,`indicator`,`work_index`,`node_index`,`due`,`points`,`awarded`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE IF NOT EXISTS `evidence` (
  `id` bigint NOT NULL AUTO_INCREMENT,
  `node_id` bigint NOT NULL,
  `year` bigint NOT NULL,
  `unit` varchar(64) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
  `name` varchar(1000) NOT NULL,
  `size` bigint NOT NULL,
  `sha256` varchar(64) NOT NULL,
  `media_type` varchar(255) NOT NULL,
  `note` longtext NOT NULL,
  `uploaded_at` datetime(6) NOT NULL,
  `uploaded_by` varchar(255) NOT NULL,
  `withdrawn_at` datetime(6) DEFAULT NULL,
  `withdrawn_by` varchar(255) NOT NULL,
  PRIMARY KEY (`id`),
  KEY `evidence_node` (`node_id`),
  KEY `evidence_year_unit` (`year`,`unit`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE IF NOT EXISTS `node_reviews` (
  `id` bigint NOT NULL AUTO_INCREMENT,
  `node_id` bigint NOT NULL,
  `year` bigint NOT NULL,
  `unit` varchar(64) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
  `verdict` varchar(16) NOT NULL,
  `points` bigint NOT NULL,
  `comment` longtext NOT NULL,
  `reviewer` varchar(255) NOT NULL,
  `at` datetime(6) NOT NULL,
  PRIMARY KEY (`id`),
  KEY `reviews_node` (`node_id`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE IF NOT EXISTS `monthly_reports` (
  `id` bigint NOT NULL AUTO_INCREMENT,
  `year` bigint NOT NULL,
  `unit` varchar(64) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
  `month` varchar(7) NOT NULL,
  `count` bigint NOT NULL,
  `reported_at` datetime(6) NOT NULL,
  `first_reported_at` datetime(6) NOT NULL,
  `late` tinyint(1) NOT NULL,
  `reported_by` varchar(255) NOT NULL,
  `source` varchar(16) NOT NULL,
  PRIMARY KEY (`id`),
  UNIQUE KEY `monthly_year_unit_month` (`year`,`unit`,`month`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE IF NOT EXISTS `monthly_report_history` (
  `id` bigint NOT NULL AUTO_INCREMENT,
  `year` bigint NOT NULL,
  `unit` varchar(64) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
  `month` varchar(7) NOT NULL,
  `count` bigint NOT NULL,
  `reported_at` datetime(6) NOT NULL,
  `first_reported_at` datetime(6) NOT NULL,
  `late` tinyint(1) NOT NULL,
  `reported_by` varchar(255) NOT NULL,
  `source` varchar(16) NOT NULL,
  PRIMARY KEY (`id`),
  KEY `monthly_history_key` (`year`,`unit`,`month`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE IF NOT EXISTS `manual_deductions` (
  `id` bigint NOT NULL AUTO_INCREMENT,
  `year` bigint NOT NULL,
  `unit` varchar(64) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
  `rule` varchar(64) NOT NULL,
  `points` bigint NOT NULL,
  `reason` longtext NOT NULL,
  `actor` varchar(255) NOT NULL,
  `created_at` datetime(6) NOT NULL,
  PRIMARY KEY (`id`),
  KEY `deductions_year_unit` (`year`,`unit`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE IF NOT EXISTS `scoring_runs` (
  `id` bigint NOT NULL AUTO_INCREMENT,
  `year` bigint NOT NULL,
  `created_at` datetime(6) NOT NULL,
  `created_by` varchar(255) NOT NULL,
  `inputs_digest` varchar(64) NOT NULL,
  `units` bigint NOT NULL,
  `published` tinyint(1) NOT NULL,
  `published_at` datetime(6) DEFAULT NULL,
  `published_by` varchar(255) NOT NULL,
  `publish_key` bigint DEFAULT NULL,
  `results` longtext NOT NULL,
  PRIMARY KEY (`id`),
  UNIQUE KEY `scoring_runs_published` (`publish_key`),
  KEY `scoring_runs_year` (`year`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE IF NOT EXISTS `outbox` (
  `id` bigint NOT NULL AUTO_INCREMENT,
  `kind` varchar(16) NOT NULL,
  `unit` varchar(64) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
  `deadline` varchar(64) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
  `lead` bigint NOT NULL,
  `recipient` varchar(255) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
  `name` varchar(255) NOT NULL,
  `subject` varchar(1000) NOT NULL,
  `text` longtext NOT NULL,
  `html` longtext NOT NULL,
  `state` varchar(16) NOT NULL,
  `attempts` bigint NOT NULL,
  `next_attempt_at` datetime(6) NOT NULL,
  `last_error` text NOT NULL,
  `last_attempt_at` datetime(6) DEFAULT NULL,
  `expires_at` datetime(6) DEFAULT NULL,
  `claimed_by` varchar(64) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
  `claimed_until` datetime(6) DEFAULT NULL,
  `created_at` datetime(6) NOT NULL,
  `sent_at` datetime(6) DEFAULT NULL,
  PRIMARY KEY (`id`),
  UNIQUE KEY `outbox_key` (`kind`,`unit`,`deadline`,`lead`,`recipient`),
  KEY `outbox_unit` (`unit`),
  KEY `outbox_due` (`state`,`next_attempt_at`),
  KEY `outbox_claim` (`claimed_by`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE IF NOT EXISTS `leases` (
  `name` varchar(64) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
  `holder` varchar(128) NOT NULL,
  `expires_at` datetime(6) NOT NULL,
  PRIMARY KEY (`name`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE IF NOT EXISTS `job_marks` (
  `name` varchar(128) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
  `done_at` datetime(6) NOT NULL,
  PRIMARY KEY (`name`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE IF NOT EXISTS `monthly_summaries` (
  `id` bigint NOT NULL AUTO_INCREMENT,
  `year` bigint NOT NULL,
  `month` varchar(7) NOT NULL,
  `total` bigint NOT NULL,
  `units` longtext NOT NULL,
  `created_at` datetime(6) NOT NULL,
  PRIMARY KEY (`id`),
  UNIQUE KEY `monthly_summary_key` (`year`,`month`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
