-- Every backup written (by the scheduled job or `kaohe backup`), so that the
-- office sees the last one and a failure. error is '' for a backup that
-- succeeded.

-- +goose Up
CREATE TABLE `backups` (
  `id` bigint NOT NULL AUTO_INCREMENT,
  `started_at` datetime(6) NOT NULL,
  `finished_at` datetime(6) NOT NULL,
  `kind` varchar(16) NOT NULL,
  `file` varchar(1000) NOT NULL,
  `size` bigint NOT NULL,
  `sha256` varchar(64) NOT NULL,
  `schema_version` bigint NOT NULL,
  `error` longtext NOT NULL,
  PRIMARY KEY (`id`),
  KEY `backups_started` (`started_at`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
