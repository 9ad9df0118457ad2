-- When the office released each submission's tables (返各单位执行): a late
-- release moves its nodes' due times (plan release_grace_days). Tables
-- released before this version take the time of their release step.

-- +goose Up
ALTER TABLE `submissions` ADD COLUMN `released_at` datetime(6) NULL;
UPDATE `submissions` s SET s.`released_at` = (SELECT MAX(h.`at`) FROM `submission_history` h
  WHERE h.`year` = s.`year` AND h.`unit` = s.`unit` AND h.`action` = 'release');
