// The Chinese names of codes, as the server gives them (GET /api/v1/labels,
// read with the session), and the small badges built from them.

import { esc } from "./dom.js";
import { session } from "./session.js";

// label is the name of code in the table kind (states, node_states, roles,
// …), else the code itself.
export function label(kind, code) {
  const t = session.labels[kind];
  return (t && t[code]) || code;
}

// stateBadge shows a submission state.
export function stateBadge(s) { return `<span class="state state-${esc(s)}">${esc(label("states", s))}</span>`; }

// nodeStateBadge shows a node state.
export function nodeStateBadge(s) { return `<span class="nstate nstate-${esc(s)}">${esc(label("node_states", s))}</span>`; }

// mailStateBadge shows an outbox state.
export function mailStateBadge(s) { return `<span class="mstate mstate-${esc(s)}">${esc(label("outbox_states", s))}</span>`; }

// light shows a status light; a dash for none.
export function light(c) {
  if (!c) return `<span class="light light-none" title="无节点">—</span>`;
  const name = esc(label("colours", c));
  return `<span class="light light-${esc(c)}" data-colour="${esc(c)}" role="img" title="${name}" aria-label="${name}"></span>`;
}
