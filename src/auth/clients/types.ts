// How a calendar app proves who it is to the bridge (the "clients" direction of sign-in).

/**
 * Why a login failed. A closed set: metrics use it as a label (ewsdav_login_failures_total), and
 * a label must never carry a user name or anything else a client chooses.
 */
export type LoginFailureReason =
  | 'unknown-user' // no such login (accounts mode), or an empty name or password
  | 'wrong-password' // the bridge knows the user and the password is not theirs
  | 'upstream-rejected' // pass-through: Exchange refused the password
  | 'rate-limited' // too many failures from this address or for this user
  | 'upstream-unavailable'; // pass-through: Exchange unreachable and no usable verifier

export type LoginResult =
  | { ok: true; user: string; /** let in by a stored verifier while Exchange was unreachable */ offline?: boolean }
  | { ok: false; status: 401 | 429 | 503; reason: LoginFailureReason; retryAfterSeconds?: number };

export interface ClientLogin {
  authenticate(user: string, password: string, remoteAddress: string): Promise<LoginResult>;
}
