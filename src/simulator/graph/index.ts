// Public surface of the simulator's Microsoft Graph v1.0 endpoints (docs/simulator.md "Graph").
export { GraphEndpoint, type GraphOptions } from './endpoint.js';
export { GraphControl, type GraphState } from './control.js';
export type { GraphAuthCounters } from './auth.js';
export type { ActiveThrottle, ThrottleSpec } from './throttle.js';
export { encodeTzDefinition } from './extended-props.js';
export { BATCH_MAX_REQUESTS, BATCH_PARALLELISM } from './batch.js';
