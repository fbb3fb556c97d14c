// Feed tokens: the secret part of /feeds/{token}.ics. The bridge issues them, shows each once,
// and keeps only a hash. This module owns the record shape, the store interface the SQLite
// store implements, and the token/hash functions every implementation must share.

import { createHash, randomBytes } from 'node:crypto';
import type { FeedPolicy } from '../ical/feed.js';

/** 32 random bytes = 256 bits, 43 base64url characters: far past the 128 bits a guess must beat. */
const TOKEN_BYTES = 32;

/** Shortest token accepted from the config: 22 base64url characters carry 132 bits. */
export const MIN_TOKEN_LENGTH = 22;

/** What a token may look like in a URL; anything else is answered 404 without a lookup. */
export const TOKEN_SHAPE = /^[A-Za-z0-9_-]{16,256}$/;

/** Feed names, as in the config schema (`feeds[].name`). */
export const FEED_NAME_SHAPE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

export interface FeedRecord {
  /** Stable id: random for created feeds, `config:<name>` for feeds declared in the config. */
  id: string;
  /** Unique among all feeds, config-declared included. */
  name: string;
  /** Login name (e-mail address) of the mailbox. */
  user: string;
  /** Calendar id as in the CalDAV URL; a display name is accepted and resolved when served. */
  calendarId: string;
  policy: FeedPolicy;
  source: 'config' | 'store';
  /** Epoch ms; undefined for config-declared feeds. */
  createdAt?: number;
}

export interface CreateFeedInput {
  /** Defaults to `feed-<id>`. */
  name?: string;
  user: string;
  calendarId: string;
  policy: FeedPolicy;
}

export type RevokeResult = { ok: true; feed: FeedRecord } | { ok: false; reason: 'not-found' | 'declared-in-config' };

/**
 * Where created feeds live. src/feed/stored-tokens.ts implements it over the store's feed_tokens table; the
 * in-memory one (memory-tokens.ts) is the reference for tests. Implementations create tokens
 * with `newFeedToken()` and never keep or log the token itself.
 */
export interface FeedTokenStore {
  /** Creates a feed; the token is in the result only, never readable again. Fails on a taken name. */
  create(input: CreateFeedInput): Promise<{ token: string; id: string; feed: FeedRecord }>;
  /** Feeds, of one user or all, ordered by user then name. */
  list(user?: string): Promise<FeedRecord[]>;
  /** By id first, then by name. A revoked feed's URL answers 404 from then on. */
  revoke(idOrName: string): Promise<RevokeResult>;
  /** The feed whose token hashes to `hash` (hashFeedToken), if any. */
  findByTokenHash(hash: string): Promise<FeedRecord | undefined>;
}

/** A fresh token and the hash to store. */
export function newFeedToken(): { token: string; hash: string } {
  const token = randomBytes(TOKEN_BYTES).toString('base64url');
  return { token, hash: hashFeedToken(token) };
}

/**
 * SHA-256, unsalted and fast, is the right hash here and a password hash (scrypt) is not: the
 * tokens are ≥ 128 random bits, so nothing is gained by slowing down a guess — there is no
 * dictionary to walk — while every feed poll needs an indexed lookup, which a per-row salt
 * would prevent. A leaked table still gives no URL, since SHA-256 is preimage resistant.
 * Lookup by hash also makes comparison constant-time in effect: what the database compares
 * is a digest the requester cannot steer byte by byte, so timing reveals nothing of a token.
 */
export function hashFeedToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** A short random id (base32, 16 characters = 80 bits): unique, and not a secret. */
export function newFeedId(): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz234567';
  return [...randomBytes(16)].map((b) => alphabet[b & 31]).join('');
}

