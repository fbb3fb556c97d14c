// Public surface of the EWS simulator (tests, `ewsdav demo`, benchmarks).
export { startSimulator, type Simulator, type SimulatorOptions } from './server.js';
export { SimulatorControl, type ItemRef, type ItemSummary } from './control.js';
export type { FaultSpec, FaultKind, ActiveFault } from './faults.js';
export type { Counters, RequestLogEntry } from './stats.js';
export { basicAuth, type AuthScheme, type AuthOutcome, type AuthRequest } from './auth.js';
export type { ItemInput, EventInput, ExceptionInput, ZoneInput, CustomZoneInput } from './mailbox/input.js';
export type { MailboxFileJson, MailboxJson, MailboxItemJson } from './mailbox/load-json.js';
export { generateItems, addGeneratedItems, type GenerateOptions } from './mailbox/generate.js';
export { buildDemoMailboxes, DEMO_USER, ALEX_USER } from './mailbox/demo.js';
export { GraphControl, type GraphOptions, type GraphState, type GraphAuthCounters, type ThrottleSpec, type ActiveThrottle } from './graph/index.js';
export { EXCHANGE_ONLINE, EXCHANGE_2016, type ServerVersion } from './ews/soap.js';
