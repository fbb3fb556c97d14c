// What a REPORT handler receives: the parsed body and the resolved target for this user.

import type { DavDeps, DavRequest, DavResponse, Depth, Resource } from '../types.js';
import type { XmlElement } from '../xml.js';

export interface ReportContext {
  req: DavRequest;
  deps: DavDeps;
  user: string;
  body: XmlElement;
  target: Resource;
  depth: Depth;
}

export type ReportHandler = (ctx: ReportContext) => Promise<DavResponse>;
