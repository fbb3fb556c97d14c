// The account page's HTML. Plain server-rendered forms that work without JavaScript, on a phone
// (viewport meta, one column, large touch targets) and with a screen reader (landmarks, labels,
// role="alert" for outcomes). Styles are inline in one <style> block (CSP allows 'unsafe-inline'
// styles only; no scripts at all).

import type { DevicePasswordRecord, GrantRecord } from '../store/sqlite/oauth-rows.js';
import type { StoredCalendar } from '../store/types.js';
import { SafeHtml, html } from './html.js';

const STYLE = `body{font:16px/1.5 system-ui,sans-serif;margin:0;color:#1b1b1b;background:#f6f6f6}
main{max-width:42rem;margin:0 auto;padding:1rem}section{background:#fff;border-radius:8px;padding:1rem;margin:1rem 0}
h1{font-size:1.5rem}h2{font-size:1.2rem;margin-top:0}table{border-collapse:collapse;width:100%}
th,td{text-align:left;padding:.4rem;border-bottom:1px solid #ddd;vertical-align:top}
button,.button{font:inherit;padding:.6rem 1rem;min-height:44px;border-radius:6px;border:1px solid #0f6cbd;background:#0f6cbd;color:#fff;cursor:pointer;text-decoration:none;display:inline-block}
button.secondary{background:#fff;color:#0f6cbd}input,textarea{font:inherit;padding:.5rem;width:100%;box-sizing:border-box}
label{display:block;margin:.5rem 0}code,.secret{font-family:ui-monospace,monospace;word-break:break-all}
.secret{font-size:1.3rem;background:#fff8c5;padding:.5rem;display:inline-block}
[role=alert]{border-left:4px solid #c50f1f;background:#fdf3f4;padding:.5rem 1rem}.ok{border-left:4px solid #107c10;background:#f1faf1;padding:.5rem 1rem}
.visually-hidden{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0)}
@media (max-width:30rem){th:nth-child(2),td:nth-child(2){display:none}}`;

/**
 * `prefix` (the public path prefix, '/' or '/cal/') becomes <base href>: every link and form
 * action below is relative to it, so the same markup works at /account and at /oauth/callback.
 */
export function layout(prefix: string, title: string, body: SafeHtml): string {
  // The stylesheet is a constant of this file, so it is markup as is.
  return html`<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<base href="${prefix}"><title>${title} · ewsdav</title><style>${new SafeHtml(STYLE)}</style></head><body><main><h1>${title}</h1>${body}</main></body></html>`.text;
}

const when = (ms: number | undefined): string => (ms === undefined ? 'never' : new Date(ms).toISOString().replace('T', ' ').slice(0, 16) + ' UTC');
const csrfField = (csrf: string): SafeHtml => html`<input type="hidden" name="csrf" value="${csrf}">`;
const alert = (message: string | undefined, hint?: string): SafeHtml =>
  message ? html`<p role="alert">${message}${hint ? html`<br>${hint}` : ''}</p>` : html``;

/** The nativeclient flow: Microsoft's page in a new tab, then the final address pasted here. */
function pasteForm(csrf: string, signInUrl: string): SafeHtml {
  return html`<ol><li><a href="${signInUrl}" target="_blank" rel="noreferrer noopener" id="signin-link">Open the Microsoft sign-in page</a> and sign in.</li>
<li>You end on a blank page. Copy the whole address from the address bar and paste it here within 10 minutes.</li></ol>
<form method="post" action="account/paste">${csrfField(csrf)}<label>Address of the blank page
<textarea name="url" rows="4" required autocomplete="off" spellcheck="false"></textarea></label><button type="submit">Link account</button></form>`;
}

export interface SignInView {
  csrf: string;
  mode: 'callback' | 'nativeclient';
  /** nativeclient: the sign-in URL of the pending sign-in, shown as a link next to the paste form. */
  pendingUrl?: string;
  error?: { message: string; hint?: string };
}

export function signInPage(prefix: string, v: SignInView): string {
  const start = html`<form method="post" action="account/signin">${csrfField(v.csrf)}<button type="submit">Sign in with Microsoft</button></form>`;
  const paste = v.pendingUrl
    ? html`<section aria-labelledby="paste-h"><h2 id="paste-h">Finish signing in</h2>${pasteForm(v.csrf, v.pendingUrl)}</section>`
    : html``;
  return layout(prefix, 'Your calendar bridge', html`${alert(v.error?.message, v.error?.hint)}
<section><p>Sign in with your Microsoft 365 account to link your mailbox, see your calendars and create passwords for your calendar apps.</p>${start}</section>${v.mode === 'nativeclient' ? paste : ''}`);
}

export interface AccountView {
  user: string;
  csrf: string;
  mode: 'callback' | 'nativeclient';
  /** Public base URL with a trailing slash, e.g. https://cal.example.org/cal/ */
  base: string;
  grant: GrantRecord | undefined;
  calendars: StoredCalendar[];
  devices: DevicePasswordRecord[];
  created?: { name: string; password: string };
  notice?: string;
  /** Why the background sync of this account stopped or fails, if it does. */
  syncError?: string;
  error?: { message: string; hint?: string };
  pendingUrl?: string;
}

function linkState(grant: GrantRecord | undefined): SafeHtml {
  if (!grant) return html`<p role="alert">Not linked.</p>`;
  if (grant.state === 'linked') return html`<p class="ok" id="link-state">Linked to Microsoft 365 as <strong>${grant.username}</strong> since ${when(grant.linkedAt)}.</p>`;
  return html`<p role="alert" id="link-state">Needs re-link: ${grant.reason ?? 'Microsoft refused the stored grant.'}</p>`;
}

/** Reconnect is the one thing to do when the grant needs a re-link, so it is then the primary button. */
function reconnect(grant: GrantRecord | undefined): SafeHtml {
  return grant?.state === 'needs-relink'
    ? html`<button type="submit" id="reconnect">Reconnect to Microsoft 365</button>`
    : html`<button type="submit" class="secondary" id="reconnect">Reconnect</button>`;
}

function settings(v: AccountView, created: { name: string; password: string }): SafeHtml {
  const url = new URL(v.base);
  const server = `${url.host}${url.pathname.replace(/\/$/, '')}`;
  return html`<section aria-labelledby="new-h" id="created"><h2 id="new-h">Device password for “${created.name}”</h2>
<p>Shown only now. Type it into the app; you can always create another.</p>
<p><span class="secret" id="device-password">${created.password}</span></p>
<table><tbody>
<tr><th scope="row">iPhone, iPad, macOS</th><td>Add CalDAV account. Server <code>${server}</code>, user name <code>${v.user}</code>, the password above.</td></tr>
<tr><th scope="row">Thunderbird</th><td>New calendar, on the network. Location <code>${v.base}dav/</code>, user name <code>${v.user}</code>.</td></tr>
<tr><th scope="row">DAVx5</th><td>Login with URL and user name. Base URL <code>${v.base}</code>, user name <code>${v.user}</code>.</td></tr>
</tbody></table></section>`;
}

export function accountPage(prefix: string, v: AccountView): string {
  const calendars = v.calendars.length === 0
    ? html`<p>No calendars yet: the first sync may still be running. Reload in a minute.</p>`
    : html`<table><thead><tr><th scope="col">Calendar</th><th scope="col">Last sync</th><th scope="col">ICS feed</th></tr></thead><tbody>${v.calendars.map((c) => html`<tr>
<td>${c.displayName}</td><td>${when(c.lastSync)}</td><td><a href="${`${v.base}ics/${encodeURIComponent(v.user)}/${encodeURIComponent(c.id)}.ics`}">${c.id}.ics</a></td></tr>`)}</tbody></table>
<p>Feeds ask for your mailbox address and a device password.</p>`;
  const devices = v.devices.length === 0
    ? html`<p>No device passwords yet.</p>`
    : html`<table><thead><tr><th scope="col">Name</th><th scope="col">Created</th><th scope="col">Last used</th><th scope="col"><span class="visually-hidden">Action</span></th></tr></thead><tbody>${v.devices.map((d) => html`<tr>
<td>${d.name}</td><td>${when(d.createdAt)}</td><td>${when(d.lastUsed)}</td>
<td><form method="post" action="account/device-passwords/revoke">${csrfField(v.csrf)}<input type="hidden" name="id" value="${d.id}"><button type="submit" class="secondary" aria-label="${`Revoke ${d.name}`}">Revoke</button></form></td></tr>`)}</tbody></table>`;
  const paste = v.pendingUrl ? pasteForm(v.csrf, v.pendingUrl) : html``;
  return layout(prefix, 'Your calendar bridge', html`${alert(v.error?.message, v.error?.hint)}${v.notice ? html`<p class="ok" role="status">${v.notice}</p>` : ''}
${v.created ? settings(v, v.created) : ''}
<section aria-labelledby="acct-h"><h2 id="acct-h">Microsoft 365</h2><p>Signed in as <strong id="user">${v.user}</strong>.</p>${linkState(v.grant)}${v.syncError ? html`<p role="alert">Sync: ${v.syncError}</p>` : ''}
<form method="post" action="account/signin">${csrfField(v.csrf)}${reconnect(v.grant)}</form>${paste}</section>
<section aria-labelledby="cal-h"><h2 id="cal-h">Calendars</h2>${calendars}</section>
<section aria-labelledby="dev-h"><h2 id="dev-h">Device passwords</h2>
<p>Each calendar app gets its own password. Log in with <code>${v.user}</code> and the password; server <code>${v.base}</code>.</p>${devices}
<form method="post" action="account/device-passwords">${csrfField(v.csrf)}<label>Name of the device<input name="name" required maxlength="64" placeholder="iPhone"></label><button type="submit">Create device password</button></form></section>
<form method="post" action="account/signout">${csrfField(v.csrf)}<button type="submit" class="secondary">Sign out of this page</button></form>`);
}

export function linkedPage(prefix: string, user: string, relinked: boolean): string {
  return layout(prefix, 'Linked', html`<p class="ok" role="status">${relinked ? 'Re-linked' : 'Linked'} ${user} — you can close this window.</p>
<p><a class="button" href="account">Go to your account page</a></p>`);
}

export function failurePage(prefix: string, message: string, hint: string | undefined): string {
  return layout(prefix, 'Sign-in not completed', html`${alert(message, hint)}<p><a class="button" href="account">Back to the account page</a></p>`);
}
