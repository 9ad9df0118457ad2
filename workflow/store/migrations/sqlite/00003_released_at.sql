-- When the office released each submission's tables (返各单位执行): a late
-- release moves its nodes' due times (plan release_grace_days). Tables
-- released before this version take the time of their release step.

-- +goose Up
ALTER TABLE `submissions` ADD `released_at` datetime;
UPDATE `submissions` SET `released_at` = (SELECT MAX(h.`at`) FROM `submission_history` h
  WHERE h.`year` = `submissions`.`year` AND h.`unit` = `submissions`.`unit` AND h.`action` = 'release');
