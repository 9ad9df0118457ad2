-- Group robots (WeCom, DingTalk) as a channel of the outbox beside email,
-- and the private calendar feeds of each unit and of the office. An
-- outbox row's channel says how it is delivered; the rows of earlier
-- versions are emails.

-- +goose Up
CREATE TABLE `robots` (
  `id` bigint NOT NULL AUTO_INCREMENT,
  `unit` varchar(64) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
  `webhook_sha256` varchar(64) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
  `kind` varchar(16) NOT NULL,
  `name` varchar(100) NOT NULL,
  `webhook` varchar(1000) NOT NULL,
  `secret` varchar(255) NOT NULL,
  `created_at` datetime(6) NOT NULL,
  `created_by` varchar(64) NOT NULL,
  `last_test_at` datetime(6) DEFAULT NULL,
  `last_test_error` text NOT NULL,
  PRIMARY KEY (`id`),
  UNIQUE KEY `robot_webhook` (`unit`,`webhook_sha256`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE `calendar_feeds` (
  `owner` varchar(64) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
  `token` varchar(64) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
  `created_at` datetime(6) NOT NULL,
  PRIMARY KEY (`owner`),
  UNIQUE KEY `calendar_feed_token` (`token`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

ALTER TABLE `outbox` ADD COLUMN `channel` varchar(16) NOT NULL DEFAULT 'email';
