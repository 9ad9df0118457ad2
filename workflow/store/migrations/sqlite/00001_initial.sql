-- The schema of the first release, exactly as gorm's AutoMigrate created it
-- on SQLite (the statements are those of sqlite_master). A database made by
-- that release has these tables without goose's version table; the store
-- adopts it at version 1 without running this file (store.Migrate).

-- +goose Up
CREATE TABLE `plans` (`year` integer,`body` longtext NOT NULL,PRIMARY KEY (`year`));
CREATE TABLE `units` (`id` integer PRIMARY KEY AUTOINCREMENT,`code` varchar(64) NOT NULL,`name` text NOT NULL,`created_at` datetime NOT NULL);
CREATE UNIQUE INDEX `units_code` ON `units`(`code`);
CREATE TABLE `unit_contacts` (`id` integer PRIMARY KEY AUTOINCREMENT,`unit_code` varchar(64) NOT NULL,`seq` integer NOT NULL,`name` text NOT NULL,`position` text NOT NULL,`phone` text NOT NULL,`mobile` text NOT NULL,`email` text NOT NULL);
CREATE INDEX `contacts_unit_seq` ON `unit_contacts`(`unit_code`,`seq`);
CREATE TABLE `users` (`id` integer PRIMARY KEY AUTOINCREMENT,`username` varchar(64) NOT NULL,`password_hash` text NOT NULL,`role` text NOT NULL,`unit_code` varchar(64) NOT NULL,`created_at` datetime NOT NULL);
CREATE UNIQUE INDEX `users_username` ON `users`(`username`);
CREATE TABLE `sessions` (`token_hash` varchar(128),`user_id` integer NOT NULL,`created_at` datetime NOT NULL,`expires_at` datetime NOT NULL,PRIMARY KEY (`token_hash`));
CREATE INDEX `sessions_expires` ON `sessions`(`expires_at`);
CREATE INDEX `sessions_user` ON `sessions`(`user_id`);
CREATE TABLE `login_failures` (`id` integer PRIMARY KEY AUTOINCREMENT,`login_key` varchar(191) NOT NULL,`at` datetime NOT NULL);
CREATE INDEX `login_failures_key_at` ON `login_failures`(`login_key`,`at`);
CREATE TABLE `submissions` (`id` integer PRIMARY KEY AUTOINCREMENT,`year` integer NOT NULL,`unit` varchar(64) NOT NULL,`state` text NOT NULL,`version` integer NOT NULL,`doc` longtext NOT NULL,`comment` longtext NOT NULL,`comments` longtext NOT NULL,`certified` longtext NOT NULL,`submitted_at` datetime,`first_submitted_at` datetime,`late` numeric NOT NULL,`created_at` datetime NOT NULL,`updated_at` datetime NOT NULL);
CREATE UNIQUE INDEX `submissions_year_unit` ON `submissions`(`year`,`unit`);
CREATE TABLE `submission_history` (`id` integer PRIMARY KEY AUTOINCREMENT,`year` integer NOT NULL,`unit` varchar(64) NOT NULL,`action` text NOT NULL,`state` text NOT NULL,`version` integer NOT NULL,`doc` longtext NOT NULL,`comment` longtext NOT NULL,`comments` longtext NOT NULL,`certified` longtext NOT NULL,`actor` text NOT NULL,`at` datetime NOT NULL);
CREATE INDEX `history_year_unit` ON `submission_history`(`year`,`unit`);
CREATE TABLE `audit_log` (`id` integer PRIMARY KEY AUTOINCREMENT,`at` datetime NOT NULL,`actor` text NOT NULL,`role` text NOT NULL,`unit` varchar(64) NOT NULL,`action` text NOT NULL,`target` text NOT NULL,`detail` longtext NOT NULL);
CREATE INDEX `audit_action` ON `audit_log`(`action`);
CREATE INDEX `audit_unit` ON `audit_log`(`unit`);
CREATE INDEX `audit_at` ON `audit_log`(`at`);
CREATE TABLE `nodes` (`id` integer PRIMARY KEY AUTOINCREMENT,`year` integer NOT NULL,`unit` varchar(64) NOT NULL,`category` text NOT NULL,`item_index` integer NOT NULL,`work_index` integer NOT NULL,`node_index` integer NOT NULL,`indicator` text NOT NULL,`work` longtext NOT NULL,`due` text NOT NULL,`points` integer NOT NULL,`target` longtext NOT NULL,`standard` longtext NOT NULL,`evidence` longtext NOT NULL,`state` text NOT NULL,`late` numeric NOT NULL,`note` longtext NOT NULL,`reported_at` datetime,`awarded` integer NOT NULL,`reviewed_at` datetime,`version` integer NOT NULL);
CREATE INDEX `nodes_scoring` ON `nodes`(`year`,`unit`,`state`,`late`,`category`,`item_index`,`indicator`,`work_index`,`node_index`,`due`,`points`,`awarded`);
CREATE UNIQUE INDEX `nodes_position` ON `nodes`(`year`,`unit`,`category`,`item_index`,`work_index`,`node_index`);
CREATE TABLE `evidence` (`id` integer PRIMARY KEY AUTOINCREMENT,`node_id` integer NOT NULL,`year` integer NOT NULL,`unit` varchar(64) NOT NULL,`name` text NOT NULL,`size` integer NOT NULL,`sha256` text NOT NULL,`media_type` text NOT NULL,`note` longtext NOT NULL,`uploaded_at` datetime NOT NULL,`uploaded_by` text NOT NULL,`withdrawn_at` datetime,`withdrawn_by` text NOT NULL);
CREATE INDEX `evidence_year_unit` ON `evidence`(`year`,`unit`);
CREATE INDEX `evidence_node` ON `evidence`(`node_id`);
CREATE TABLE `node_reviews` (`id` integer PRIMARY KEY AUTOINCREMENT,`node_id` integer NOT NULL,`year` integer NOT NULL,`unit` varchar(64) NOT NULL,`verdict` text NOT NULL,`points` integer NOT NULL,`comment` longtext NOT NULL,`reviewer` text NOT NULL,`at` datetime NOT NULL);
CREATE INDEX `reviews_node` ON `node_reviews`(`node_id`);
CREATE TABLE `monthly_reports` (`id` integer PRIMARY KEY AUTOINCREMENT,`year` integer NOT NULL,`unit` varchar(64) NOT NULL,`month` text NOT NULL,`count` integer NOT NULL,`reported_at` datetime NOT NULL,`first_reported_at` datetime NOT NULL,`late` numeric NOT NULL,`reported_by` text NOT NULL,`source` text NOT NULL);
CREATE UNIQUE INDEX `monthly_year_unit_month` ON `monthly_reports`(`year`,`unit`,`month`);
CREATE TABLE `monthly_report_history` (`id` integer PRIMARY KEY AUTOINCREMENT,`year` integer NOT NULL,`unit` varchar(64) NOT NULL,`month` text NOT NULL,`count` integer NOT NULL,`reported_at` datetime NOT NULL,`first_reported_at` datetime NOT NULL,`late` numeric NOT NULL,`reported_by` text NOT NULL,`source` text NOT NULL);
CREATE INDEX `monthly_history_key` ON `monthly_report_history`(`year`,`unit`,`month`);
CREATE TABLE `manual_deductions` (`id` integer PRIMARY KEY AUTOINCREMENT,`year` integer NOT NULL,`unit` varchar(64) NOT NULL,`rule` text NOT NULL,`points` integer NOT NULL,`reason` longtext NOT NULL,`actor` text NOT NULL,`created_at` datetime NOT NULL);
CREATE INDEX `deductions_year_unit` ON `manual_deductions`(`year`,`unit`);
CREATE TABLE `scoring_runs` (`id` integer PRIMARY KEY AUTOINCREMENT,`year` integer NOT NULL,`created_at` datetime NOT NULL,`created_by` text NOT NULL,`inputs_digest` text NOT NULL,`units` integer NOT NULL,`published` numeric NOT NULL,`published_at` datetime,`published_by` text NOT NULL,`publish_key` integer,`results` longtext NOT NULL);
CREATE UNIQUE INDEX `scoring_runs_published` ON `scoring_runs`(`publish_key`);
CREATE INDEX `scoring_runs_year` ON `scoring_runs`(`year`);
CREATE TABLE `outbox` (`id` integer PRIMARY KEY AUTOINCREMENT,`kind` text NOT NULL,`unit` varchar(64) NOT NULL,`deadline` varchar(64) NOT NULL,`lead` integer NOT NULL,`recipient` varchar(255) NOT NULL,`name` text NOT NULL,`subject` text NOT NULL,`text` longtext NOT NULL,`html` longtext NOT NULL,`state` text NOT NULL,`attempts` integer NOT NULL,`next_attempt_at` datetime NOT NULL,`last_error` text NOT NULL,`last_attempt_at` datetime,`expires_at` datetime,`claimed_by` varchar(64) NOT NULL,`claimed_until` datetime,`created_at` datetime NOT NULL,`sent_at` datetime);
CREATE INDEX `outbox_claim` ON `outbox`(`claimed_by`);
CREATE INDEX `outbox_due` ON `outbox`(`state`,`next_attempt_at`);
CREATE INDEX `outbox_unit` ON `outbox`(`unit`);
CREATE UNIQUE INDEX `outbox_key` ON `outbox`(`kind`,`unit`,`deadline`,`lead`,`recipient`);
CREATE TABLE `leases` (`name` varchar(64),`holder` text NOT NULL,`expires_at` datetime NOT NULL,PRIMARY KEY (`name`));
CREATE TABLE `job_marks` (`name` varchar(128),`done_at` datetime NOT NULL,PRIMARY KEY (`name`));
CREATE TABLE `monthly_summaries` (`id` integer PRIMARY KEY AUTOINCREMENT,`year` integer NOT NULL,`month` text NOT NULL,`total` integer NOT NULL,`units` longtext NOT NULL,`created_at` datetime NOT NULL);
CREATE UNIQUE INDEX `monthly_summary_key` ON `monthly_summaries`(`year`,`month`);
