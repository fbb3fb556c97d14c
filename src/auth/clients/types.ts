// How a calendar app proves who it is to the bridge (the "clients" direction of sign-in).

export type LoginResult =
  | { ok: true; user: string; /** let in by a stored verifier while Exchange was unreachable */ offline?: boolean }
  | { ok: false; status: 401 | 429 | 503; reason: string; retryAfterSeconds?: number };

export interface ClientLogin {
  authenticate(user: string, password: string, remoteAddress: string): Promise<LoginResult>;
}
