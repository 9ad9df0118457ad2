-- Failed logins by username and source address, both cut to 64 bytes, so
-- that sign-in is throttled per account and per address
-- (workflow.LoginThrottle) and old failures can be purged by time. The
-- failures of the previous layout (one key per username) are dropped: at
-- worst a guesser gets a fresh allowance once.

-- +goose Up
DROP TABLE `login_failures`;
CREATE TABLE `login_failures` (`id` integer PRIMARY KEY AUTOINCREMENT,`username` varchar(64) NOT NULL,`address` varchar(64) NOT NULL,`at` datetime NOT NULL);
CREATE INDEX `login_failures_username` ON `login_failures`(`username`,`at`);
CREATE INDEX `login_failures_address` ON `login_failures`(`address`,`at`);
CREATE INDEX `login_failures_at` ON `login_failures`(`at`);
