-- The order units are listed in: the notice's order. seq is set when a
-- unit is created (after every unit before it), so units created in the
-- notice's order are listed in it; the units of an existing database keep
-- their creation order.

-- +goose Up
ALTER TABLE `units` ADD COLUMN `seq` bigint NOT NULL DEFAULT 0, ADD KEY `units_seq` (`seq`);
UPDATE `units` SET `seq` = `id`;
