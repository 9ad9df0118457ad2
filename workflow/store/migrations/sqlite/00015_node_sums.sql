-- What year-end scoring reads of the accepted nodes reported on time: per
-- unit, one text of their count, points and awarded points summed per
-- category, item and indicator, kept up to date in the transaction that
-- creates or changes a node (CreateNodes, UpdateNode), so that a run reads
-- one row a unit instead of every node's index entry. Migration 16, in Go,
-- fills it from the nodes as they are.

-- +goose Up
CREATE TABLE `node_sums` (`year` integer,`unit` varchar(64),`sums` longtext NOT NULL,PRIMARY KEY (`year`,`unit`)) WITHOUT ROWID;
