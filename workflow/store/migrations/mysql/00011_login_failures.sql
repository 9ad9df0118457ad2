-- Failed logins by username and source address, both cut to 64 bytes, so
-- that sign-in is throttled per account and per address
-- (workflow.LoginThrottle) and old failures can be purged by time. The
-- failures of the previous layout (one key per username) are dropped: at
-- worst a guesser gets a fresh allowance once.

-- +goose Up
DROP TABLE `login_failures`;
CREATE TABLE `login_failures` (
  `id` bigint NOT NULL AUTO_INCREMENT,
  `username` varchar(64) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
  `address` varchar(64) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
  `at` datetime(6) NOT NULL,
  PRIMARY KEY (`id`),
  KEY `login_failures_username` (`username`,`at`),
  KEY `login_failures_address` (`address`,`at`),
  KEY `login_failures_at` (`at`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
