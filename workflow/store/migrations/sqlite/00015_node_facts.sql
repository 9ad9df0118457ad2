-- What year-end scoring reads of a unit's nodes, as one text a unit: the
-- accepted nodes reported on time summed per category, item and indicator,
-- and every other node alone. The transaction that creates or changes a
-- node (CreateNodes, UpdateNode) writes its unit's text again, so that a
-- run reads one row a unit instead of every node's index entry. Migration
-- 16, in Go, fills it from the nodes as they are.

-- +goose Up
CREATE TABLE `node_facts` (`year` integer,`unit` varchar(64),`facts` longtext NOT NULL,PRIMARY KEY (`year`,`unit`)) WITHOUT ROWID;
