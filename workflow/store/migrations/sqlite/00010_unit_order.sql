-- The order units are listed in: the notice's order. seq is set when a
-- unit is created (after every unit before it), so units created in the
-- notice's order are listed in it; the units of an existing database keep
-- their creation order.

-- +goose Up
ALTER TABLE `units` ADD COLUMN `seq` integer NOT NULL DEFAULT 0;
UPDATE `units` SET `seq` = `id`;
CREATE INDEX `units_seq` ON `units`(`seq`);
