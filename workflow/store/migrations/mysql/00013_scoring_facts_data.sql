-- The data of migration 12: every submission's scoring facts, taken from
-- its document and certification as scoring read them (the innovation
-- items' titles and points, each certified when the certification at its
-- index is true), and every stored run's results moved into rows, in the
-- order the run stored them. The run's JSON text then goes. The DELETEs
-- let the migration run again if the DROP (DDL, committed apart on MySQL)
-- failed the first time.

-- +goose Up
DELETE FROM `submission_facts`;
INSERT INTO `submission_facts` (`year`,`unit`,`state`,`first_submitted_at`,`released_at`,`innovation`)
SELECT s.`year`, s.`unit`, s.`state`, s.`first_submitted_at`, s.`released_at`,
  COALESCE((SELECT JSON_ARRAYAGG(JSON_OBJECT('title', j.`title`, 'points', j.`points`,
      'certified', JSON_EXTRACT(IF(JSON_EXTRACT(s.`certified`, CONCAT('$[', j.`pos` - 1, ']')) = 'true', 'true', 'false'), '$')) ORDER BY j.`pos`)
    FROM JSON_TABLE(s.`doc`, '$.innovation[*]' COLUMNS (`pos` FOR ORDINALITY, `title` LONGTEXT PATH '$.title',
      `points` DECIMAL(20,2) PATH '$.points')) j), '[]')
FROM `submissions` s;
DELETE FROM `scoring_results`;
INSERT INTO `scoring_results` (`run_id`,`seq`,`unit`,`result`)
SELECT r.`id`, j.`pos` - 1, j.`unit`, j.`result` FROM `scoring_runs` r,
  JSON_TABLE(r.`results`, '$[*]' COLUMNS (`pos` FOR ORDINALITY, `unit` VARCHAR(64) PATH '$.unit', `result` JSON PATH '$')) j;
ALTER TABLE `scoring_runs` DROP COLUMN `results`;
