-- Each supervision contact's duty: head (负责人) or staff (工作人员), as the
-- notice asks for both (二、5). Contacts entered before have none ('') until
-- the unit or the office says which.

-- +goose Up
ALTER TABLE `unit_contacts` ADD `duty` text NOT NULL DEFAULT '';
