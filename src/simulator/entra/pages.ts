// The HTML of the sign-in pages. Deliberately plain: one form per page, hidden inputs for the
// transaction, so tests can parse them with a regular expression and post them back like a
// browser (OAUTH-NOTES §10.4). No scripts except form_post's auto-submit.

import { escapeHtml as h } from './http.js';
import type { LoginTx } from './login.js';

function page(title: string, body: string): string {
  return '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">'
    + `<title>${h(title)}</title></head><body><main><h1>${h(title)}</h1>${body}</main></body></html>`;
}

const hidden = (name: string, value: string): string => `<input type="hidden" name="${h(name)}" value="${h(value)}">`;
const err = (message: string | undefined): string => (message ? `<p role="alert" id="error">${h(message)}</p>` : '');

export function loginPage(tx: LoginTx, error?: string): string {
  return page('Sign in', `<p>to continue to ${h(tx.app.displayName)}</p>${err(error)}`
    + `<form method="post" action="/_login">${hidden('tx', tx.id)}`
    + `<label>Email, phone, or Skype <input type="email" name="login" value="${h(tx.loginHint ?? '')}" autocomplete="username"></label>`
    + '<label>Password <input type="password" name="passwd" autocomplete="current-password"></label>'
    + '<button type="submit">Sign in</button></form>');
}

export function otpPage(tx: LoginTx, error?: string): string {
  return page('Enter code', `<p>Enter the code displayed in the authenticator app for ${h(tx.user?.upn ?? '')}.</p>${err(error)}`
    + `<form method="post" action="/_login/otp">${hidden('tx', tx.id)}`
    + '<label>Code <input type="text" name="otc" inputmode="numeric" autocomplete="one-time-code"></label>'
    + '<button type="submit">Verify</button></form>');
}

export function consentPage(tx: LoginTx): string {
  const items = tx.requested.map((s) => `<li>${h(s)}</li>`).join('');
  return page('Permissions requested', `<p>${h(tx.app.displayName)} would like to:</p><ul id="scopes">${items}</ul>`
    + `<form method="post" action="/_login/consent">${hidden('tx', tx.id)}`
    + '<button type="submit" name="consent" value="accept">Accept</button>'
    + '<button type="submit" name="consent" value="decline">Cancel</button></form>');
}

/** Where Entra stops on its own page instead of redirecting (bad client, redirect URI, account problems). */
export function errorPage(code: number, message: string): string {
  return page('Sorry, but we\u2019re having trouble signing you in.', `<p id="aadsts">AADSTS${code}: ${h(message)}</p>`);
}

/** response_mode=form_post: an auto-submitting form to the redirect URI (OIDC Form Post Response Mode). */
export function formPostPage(action: string, params: Record<string, string>): string {
  const inputs = Object.entries(params).map(([k, v]) => hidden(k, v)).join('');
  return '<!DOCTYPE html><html><head><title>Working...</title></head><body onload="document.forms[0].submit()">'
    + `<form method="POST" name="hiddenform" action="${h(action)}">${inputs}<noscript><button type="submit">Continue</button></noscript></form></body></html>`;
}

export function deviceCodeEntryPage(error?: string): string {
  return page('Enter code', `<p>Enter the code displayed on your app or device.</p>${err(error)}`
    + '<form method="post" action="/devicelogin"><label>Code <input type="text" name="otc" autocomplete="off"></label>'
    + '<button type="submit">Next</button></form>');
}

export function deviceDonePage(appName: string, approved: boolean): string {
  return approved
    ? page('You have signed in', `<p>You have signed in to the ${h(appName)} application on your device. You may now close this window.</p>`)
    : page('Sign-in cancelled', `<p>You declined to sign in to ${h(appName)} on your device.</p>`);
}

export function signedOutPage(): string {
  return page('You signed out of your account', '<p>It\u2019s a good idea to close all browser windows.</p>');
}
