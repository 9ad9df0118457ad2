-- Every backup written (by the scheduled job or `kaohe backup`), so that the
-- office sees the last one and a failure. error is '' for a backup that
-- succeeded.

-- +goose Up
CREATE TABLE `backups` (`id` integer PRIMARY KEY AUTOINCREMENT,`started_at` datetime NOT NULL,`finished_at` datetime NOT NULL,`kind` text NOT NULL,`file` text NOT NULL,`size` integer NOT NULL,`sha256` text NOT NULL,`schema_version` integer NOT NULL,`error` longtext NOT NULL);
CREATE INDEX `backups_started` ON `backups`(`started_at`);
