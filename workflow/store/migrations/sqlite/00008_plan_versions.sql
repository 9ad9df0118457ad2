-- Every version of every year's plan as the office edits it. A version is
-- never changed once written, except that it is published once; the plan
-- in force (the table plans) is the body of the latest published version.
-- Migration 7 copies the plans of an older database in as published
-- versions 1.

-- +goose Up
CREATE TABLE `plan_versions` (`year` integer,`version` integer,`title` text NOT NULL,`body` longtext NOT NULL,`note` text NOT NULL,`created_at` datetime NOT NULL,`created_by` text NOT NULL,`published_at` datetime,`published_by` text NOT NULL,PRIMARY KEY (`year`,`version`));
