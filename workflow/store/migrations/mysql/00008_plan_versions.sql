-- Every version of every year's plan as the office edits it. A version is
-- never changed once written, except that it is published once; the plan
-- in force (the table plans) is the body of the latest published version.
-- Migration 7 copies the plans of an older database in as published
-- versions 1.

-- +goose Up
CREATE TABLE `plan_versions` (
  `year` bigint NOT NULL,
  `version` bigint NOT NULL,
  `title` varchar(500) NOT NULL,
  `body` longtext NOT NULL,
  `note` varchar(500) NOT NULL,
  `created_at` datetime(6) NOT NULL,
  `created_by` varchar(255) NOT NULL,
  `published_at` datetime(6) DEFAULT NULL,
  `published_by` varchar(255) NOT NULL,
  PRIMARY KEY (`year`,`version`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
