-- The facts every message of a notice shares (the plan, the deadline in
-- words, when it was composed, the office's contacts: about two thirds of
-- a reminder's facts) are stored once per notice in outbox_notices, and
-- each outbox row the reminder pass writes names its notice row and keeps
-- only its own facts (its unit's and its recipient's). The dispatcher
-- joins them when it renders the message. Rows of earlier versions name
-- no notice (NULL): their facts are whole, or they are stored rendered,
-- and they are sent as before.
--
-- No index leads with claimed_by any more: only a dispatcher's run
-- that ends looks messages up by their claim (it walks the pending ones
-- instead), and the index cost a B-tree write for every message enqueued
-- and every claim.

-- +goose Up
CREATE TABLE `outbox_notices` (`id` integer PRIMARY KEY AUTOINCREMENT,`facts` longtext NOT NULL,`created_at` datetime NOT NULL);
ALTER TABLE `outbox` ADD `notice` integer;
DROP INDEX `outbox_claim`;
