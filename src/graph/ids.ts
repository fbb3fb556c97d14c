// Graph (REST) ids are the EWS ids in URL-safe base64: EWS `+` → `_`, `/` → `-`, padding kept
// (briefs/graph-contract.md "Ids"). Every id leaves src/graph in EWS form, so a store synced over
// EWS keeps its calendar ids and object rows after `exchange.api` switches to Graph; URLs get the
// Graph form back, percent-encoded (a padded id ends in `=`).

/** A Graph id in the EWS form the store keeps. */
export function toEwsId(graphId: string): string {
  return graphId.replace(/[_-]/g, (c) => (c === '_' ? '+' : '/'));
}

/** An EWS-form id as Graph spells it. */
export function toGraphId(ewsId: string): string {
  return ewsId.replace(/[+/]/g, (c) => (c === '+' ? '_' : '-'));
}

/** An EWS-form id as one URL path segment of a Graph request. */
export function idSegment(ewsId: string): string {
  return encodeURIComponent(toGraphId(ewsId));
}
