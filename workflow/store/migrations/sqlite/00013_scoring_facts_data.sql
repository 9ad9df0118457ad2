-- The data of migration 12: every submission's scoring facts, taken from
-- its document and certification as scoring read them (the innovation
-- items' titles and points, each certified when the certification at its
-- index is true), and every stored run's results moved into rows, in the
-- order the run stored them. The run's JSON text then goes.

-- +goose Up
DELETE FROM `submission_facts`;
INSERT INTO `submission_facts` (`year`,`unit`,`state`,`first_submitted_at`,`released_at`,`innovation`)
SELECT s.`year`, s.`unit`, s.`state`, s.`first_submitted_at`, s.`released_at`,
  COALESCE((SELECT json_group_array(json_object('title', json_extract(i.`value`, '$.title'), 'points', json_extract(i.`value`, '$.points'),
      'certified', json(CASE WHEN json_extract(s.`certified`, '$[' || i.`key` || ']') = 1 THEN 'true' ELSE 'false' END)) ORDER BY i.`key`)
    FROM json_each(s.`doc`, '$.innovation') i WHERE i.`type` = 'object'), '[]')
FROM `submissions` s;
DELETE FROM `scoring_results`;
INSERT INTO `scoring_results` (`run_id`,`seq`,`unit`,`result`)
SELECT r.`id`, j.`key`, json_extract(j.`value`, '$.unit'), j.`value`
FROM `scoring_runs` r, json_each(r.`results`) j WHERE j.`type` = 'object';
ALTER TABLE `scoring_runs` DROP COLUMN `results`;
