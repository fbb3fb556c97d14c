// Small helpers every method module uses to read a DavRequest.

import { DavErrors } from './errors.js';
import { MAX_BODY_BYTES, parseXml } from './xml-parse.js';
import type { DavRequest, Depth } from './types.js';
import type { XmlElement } from './xml.js';

/** The XML body, or undefined when the body is empty (PROPFIND: allprop, RFC 4918 §9.1). */
export function readXmlBody(req: DavRequest): XmlElement | undefined {
  if (req.body.length > MAX_BODY_BYTES) throw DavErrors.tooLarge();
  if (req.body.length === 0 || req.body.toString('utf8').trim() === '') return undefined;
  const type = (req.headers['content-type'] ?? '').toLowerCase();
  // Some clients send XML as text/plain or with no type at all (old Evolution, curl users);
  // accept anything that is not clearly another format.
  if (/^(application\/json|multipart\/|application\/x-www-form-urlencoded)/.test(type)) throw DavErrors.unsupportedMedia();
  return parseXml(req.body);
}

export function requireUser(req: DavRequest): string {
  if (req.user === undefined) throw DavErrors.needPrivileges();
  return req.user;
}

export function depthOf(req: DavRequest, fallback: Depth): Depth {
  if (req.depth === 'invalid') throw DavErrors.badDepth();
  return req.depth ?? fallback;
}

export function parseDepthHeader(value: string | undefined): DavRequest['depth'] {
  if (value === undefined) return undefined;
  const v = value.trim().toLowerCase();
  return v === '0' || v === '1' || v === 'infinity' ? v : 'invalid';
}
