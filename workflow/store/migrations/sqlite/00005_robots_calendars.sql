-- Group robots (WeCom, DingTalk) as a channel of the outbox beside email,
-- and the private calendar feeds of each unit and of the office. An
-- outbox row's channel says how it is delivered; the rows of earlier
-- versions are emails.

-- +goose Up
CREATE TABLE `robots` (`id` integer PRIMARY KEY AUTOINCREMENT,`unit` varchar(64) NOT NULL,`webhook_sha256` varchar(64) NOT NULL,`kind` text NOT NULL,`name` text NOT NULL,`webhook` text NOT NULL,`secret` text NOT NULL,`created_at` datetime NOT NULL,`created_by` text NOT NULL,`last_test_at` datetime,`last_test_error` text NOT NULL);
CREATE UNIQUE INDEX `robot_webhook` ON `robots`(`unit`,`webhook_sha256`);
CREATE TABLE `calendar_feeds` (`owner` varchar(64),`token` varchar(64) NOT NULL,`created_at` datetime NOT NULL,PRIMARY KEY (`owner`));
CREATE UNIQUE INDEX `calendar_feed_token` ON `calendar_feeds`(`token`);
ALTER TABLE `outbox` ADD `channel` text NOT NULL DEFAULT "email";
