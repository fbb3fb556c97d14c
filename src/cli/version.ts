import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
// Works from src/ (tsx) and from dist/ alike: package.json sits two levels up from both.
export const version: string = (require('../../package.json') as { version: string }).version;
