-- The data of migration 5: a run published before is the year's first
-- publication (with no objection period), and the monthly counts are
-- rebuilt from their history, one current value per source: the latest
-- value of that source, first reported when that source first reported.

-- +goose Up
UPDATE `scoring_runs` SET `publication` = 1 WHERE `published` = 1;
DELETE FROM `monthly_reports`;
INSERT INTO `monthly_reports` (`year`,`unit`,`month`,`count`,`reported_at`,`first_reported_at`,`late`,`reported_by`,`source`)
SELECT l.`year`, l.`unit`, l.`month`, l.`count`, l.`reported_at`, f.`reported_at`, f.`late`, l.`reported_by`, l.`source`
FROM `monthly_report_history` l
JOIN `monthly_report_history` f ON f.`id` = (SELECT MIN(h.`id`) FROM `monthly_report_history` h
  WHERE h.`year` = l.`year` AND h.`unit` = l.`unit` AND h.`month` = l.`month` AND h.`source` = l.`source`)
WHERE l.`id` = (SELECT MAX(h.`id`) FROM `monthly_report_history` h
  WHERE h.`year` = l.`year` AND h.`unit` = l.`unit` AND h.`month` = l.`month` AND h.`source` = l.`source`)
ORDER BY l.`year`, l.`unit`, l.`month`, l.`source`;
