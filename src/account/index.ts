export { accountPlugin, contentSecurityPolicy, type AccountPluginOptions } from './plugin.js';
export { SessionStore } from './sessions.js';
