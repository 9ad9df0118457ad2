// 工会实绩考核: the pages for district units, the office and leaders, as
// ES modules with no build step. The forms are built from the plan the
// server sends (GET /api/v1/plans/{year}), so a new year's plan needs no
// change here. routes.js lists the pages, events.js wires every click and
// submit, shell.js shows the page of the hash.

import "./events.js";
import { app, labelCells } from "./dom.js";
import { start } from "./shell.js";

// Whatever a page draws, its tables' cells learn their column's name, for
// the card layout of narrow screens.
new MutationObserver(() => labelCells(app())).observe(app(), { childList: true, subtree: true });

start();
