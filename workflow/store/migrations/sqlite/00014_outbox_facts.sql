-- Messages rendered when they are sent: a row the reminder pass writes
-- holds the facts its template (kind and channel) renders, and empty text
-- and html; rows of earlier versions have no facts (NULL), keep their text
-- and html and are sent as stored. The unique key lists the notice (kind,
-- deadline, lead) first, so that the messages a notice already has are
-- read from the index alone.

-- +goose Up
ALTER TABLE `outbox` ADD `facts` longtext;
DROP INDEX `outbox_key`;
CREATE UNIQUE INDEX `outbox_key` ON `outbox`(`kind`,`deadline`,`lead`,`unit`,`recipient`);
