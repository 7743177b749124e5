/**
 * The JWT-SVID cache of {@link JwtSource}: tokens reused until half their lifetime, single-flight
 * fetches, LRU bound, eviction of redacted identities, optional refresh-ahead of hot keys.
 *
 * @module
 */
import type { JwtSvid } from '../svid/jwt-svid.js';
import { WorkloadApiError } from './errors.js';
import { channels, publish } from '../diagnostics/channels.js';

/**
 * Options of the JWT-SVID cache of a {@link JwtSource} (`JwtSource.create({ cache: { … } })`).
 *
 * @example
 * ```ts
 * const jwtSource = await JwtSource.create({ cache: { maxEntries: 200, refreshAhead: true } });
 * ```
 */
export interface JwtSvidCacheOptions {
  /** At most this many (subject, audiences, hint) keys are kept; the least recently used goes first. Default 1,000. */
  readonly maxEntries?: number | undefined;
  /**
   * Refresh a key in the background shortly before it goes stale (at 90 % of its fresh window)
   * when it was used since it was fetched, so hot callers never wait for the agent. Default `false`.
   */
  readonly refreshAhead?: boolean | undefined;
  /** The clock, in ms since the epoch (for tests). Default `Date.now`. */
  readonly now?: (() => number) | undefined;
}

/**
 * What to ask {@link JwtSource.fetchJwtSvid} for.
 *
 * @example
 * ```ts
 * const svid = await jwtSource.fetchJwtSvid({ audience: 'sts.amazonaws.com', extraAudiences: ['backup'] });
 * ```
 */
export interface JwtSvidRequest {
  /** The audience, or audiences (at least one, none empty). Order does not matter. */
  readonly audience: string | readonly string[];
  /** More audiences (as go-spiffe's `ExtraAudiences`). */
  readonly extraAudiences?: readonly string[] | undefined;
  /** Only this identity (SPIFFE ID). Default: the workload's default (first) identity. */
  readonly subject?: { toString(): string } | string | undefined;
  /** Same as `subject` (the name of {@link JwtSvidParams}). */
  readonly spiffeId?: string | undefined;
  /** Pick the SVID with this operator-assigned hint (`fetchJwtSvid` only). */
  readonly hint?: string | undefined;
}

/** @internal What the cache asks the agent: every SVID for (subject, audiences). */
export type JwtFetcher = (subject: string | undefined, audience: readonly string[]) => Promise<JwtSvid[]>;

/** @internal Entry of the cache. */
interface Entry {
  readonly key: string;
  readonly simple: boolean;
  readonly subject: string | undefined;
  readonly audience: readonly string[];
  readonly hint: string | undefined;
  readonly all: boolean;
  /** The SVIDs (one for `fetchJwtSvid` keys). */
  svids: JwtSvid[] | undefined;
  /** Subjects of `svids`. */
  subjects: readonly string[];
  fetchedAt: number;
  staleAt: number;
  /** Served from the cache since it was fetched (refresh-ahead candidates). */
  used: boolean;
  tick: number;
  inflight: Promise<JwtSvid[]> | undefined;
  timer: NodeJS.Timeout | undefined;
}

const DEFAULT_MAX_ENTRIES = 1000;

/**
 * @internal When a token fetched at `fetchedAt` should be refreshed: at half its lifetime (`iat`
 * to `exp`); without `iat`, or when half-life already passed on arrival, once a quarter of the
 * remaining time has passed.
 */
export function staleTimeOf(svid: JwtSvid, fetchedAt: number): number {
  const exp = svid.expiresAt.getTime();
  const iat = svid.issuedAt?.getTime();
  if (iat !== undefined && exp > iat) {
    const half = iat + (exp - iat) / 2;
    if (half > fetchedAt) return half;
  }
  const remaining = exp - fetchedAt;
  return remaining <= 0 ? fetchedAt : fetchedAt + remaining / 4;
}

function badRequest(message: string): WorkloadApiError {
  return new WorkloadApiError('ERR_BAD_REQUEST', message);
}

/** @internal The sorted, de-duplicated audiences of a request; throws `ERR_BAD_REQUEST`. */
export function audiencesOf(request: JwtSvidRequest): string[] {
  if (request === null || typeof request !== 'object') throw badRequest('the JWT-SVID request must be an object with an audience');
  const { audience, extraAudiences } = request;
  const list: unknown[] = typeof audience === 'string' ? [audience] : Array.isArray(audience) ? [...(audience as unknown[])] : [];
  if (extraAudiences !== undefined) {
    if (!Array.isArray(extraAudiences)) throw badRequest('extraAudiences must be an array of strings');
    list.push(...(extraAudiences as unknown[]));
  }
  if (list.length === 0) throw badRequest('a JWT-SVID needs at least one audience');
  for (const a of list) if (typeof a !== 'string' || a === '') throw badRequest(`every audience must be a non-empty string, got ${JSON.stringify(a)}`);
  return [...new Set(list as string[])].sort();
}

function subjectOf(request: JwtSvidRequest): string | undefined {
  const s = request.subject ?? request.spiffeId;
  if (s === undefined) return undefined;
  if (typeof s !== 'string' && (typeof s !== 'object' || s === null)) throw badRequest('subject must be a SPIFFE ID');
  const text = String(s);
  return text === '' ? undefined : text;
}

/**
 * @internal The cache. `get` is the cheap path (no allocation for a plain string audience);
 * `fetch` does the rest.
 */
export class JwtSvidCache {
  readonly #simple = new Map<string, Entry>();
  readonly #general = new Map<string, Entry>();
  readonly #max: number;
  readonly #refreshAhead: boolean;
  readonly #now: () => number;
  readonly #fetcher: JwtFetcher;
  readonly #onBackgroundError: (err: unknown) => void;
  #tick = 0;
  #closed = false;

  constructor(fetcher: JwtFetcher, options: JwtSvidCacheOptions = {}, onBackgroundError: (err: unknown) => void = () => {}) {
    const max = options.maxEntries ?? DEFAULT_MAX_ENTRIES;
    if (!Number.isSafeInteger(max) || max < 1) throw badRequest(`cache.maxEntries must be a positive integer, got ${String(max)}`);
    this.#max = max;
    this.#refreshAhead = options.refreshAhead === true;
    this.#now = options.now ?? Date.now;
    this.#fetcher = fetcher;
    this.#onBackgroundError = onBackgroundError;
  }

  /** Number of cached keys. */
  get size(): number {
    return this.#simple.size + this.#general.size;
  }

  /** A fresh cached SVID for the simplest request shape (`{ audience: 'x' }`), else `undefined`. */
  peek(request: JwtSvidRequest): JwtSvid | undefined {
    const audience = request.audience;
    if (typeof audience !== 'string' || request.extraAudiences !== undefined || request.subject !== undefined || request.spiffeId !== undefined || request.hint !== undefined) {
      return undefined;
    }
    const entry = this.#simple.get(audience);
    if (entry === undefined || entry.svids === undefined) return undefined;
    const now = this.#now();
    if (now >= entry.staleAt) return undefined;
    entry.used = true;
    entry.tick = ++this.#tick;
    if (channels.jwtCache.hasSubscribers) publishLookup('hit', entry, false);
    return entry.svids[0];
  }

  /** SVIDs for `request` (`all`: every identity, else the one picked by hint or the first), cached. */
  async fetch(request: JwtSvidRequest, all: boolean, wait: (p: Promise<JwtSvid[]>) => Promise<JwtSvid[]>): Promise<JwtSvid[]> {
    const audience = audiencesOf(request);
    const subject = subjectOf(request);
    const hint = request.hint;
    if (hint !== undefined && typeof hint !== 'string') throw badRequest('hint must be a string');
    const simple = !all && subject === undefined && hint === undefined && audience.length === 1;
    const key = simple ? (audience[0] as string) : JSON.stringify([all ? 1 : 0, subject ?? null, hint ?? null, audience]);
    const map = simple ? this.#simple : this.#general;
    let entry = map.get(key);
    const now = this.#now();
    if (entry !== undefined) {
      entry.tick = ++this.#tick;
      if (entry.svids !== undefined && now < entry.staleAt) {
        entry.used = true;
        if (channels.jwtCache.hasSubscribers) publishLookup('hit', entry, false);
        return entry.svids;
      }
      if (channels.jwtCache.hasSubscribers) publishLookup('miss', entry, entry.inflight !== undefined);
      if (entry.inflight !== undefined) return wait(entry.inflight);
    } else {
      entry = {
        key,
        simple,
        subject,
        audience,
        hint,
        all,
        svids: undefined,
        subjects: [],
        fetchedAt: 0,
        staleAt: 0,
        used: false,
        tick: ++this.#tick,
        inflight: undefined,
        timer: undefined,
      };
      map.set(key, entry);
      this.#trim();
      if (channels.jwtCache.hasSubscribers) publishLookup('miss', entry, false);
    }
    return wait(this.#load(entry));
  }

  /** Starts the agent call of `entry` (single-flight) and stores its result. */
  #load(entry: Entry, background = false): Promise<JwtSvid[]> {
    if (entry.inflight !== undefined) return entry.inflight;
    const started = channels.jwtCache.hasSubscribers ? performance.now() : undefined;
    const promise = this.#fetcher(entry.subject, entry.audience).then(
      (svids) => {
        entry.inflight = undefined;
        if (started !== undefined) publishFetch(entry, background, started, undefined);
        const picked = entry.all ? svids : [pick(svids, entry.hint)];
        if (entry.subject === undefined) this.#keepOnly(new Set(svids.map((s) => s.id.toString())), entry);
        if (this.#closed || this.#entry(entry) !== entry) return picked;
        const fetchedAt = this.#now();
        entry.svids = picked;
        entry.subjects = picked.map((s) => s.id.toString());
        entry.fetchedAt = fetchedAt;
        entry.used = false;
        entry.staleAt = Math.min(...picked.map((s) => staleTimeOf(s, fetchedAt)));
        this.#schedule(entry);
        return picked;
      },
      (err: unknown) => {
        entry.inflight = undefined;
        if (started !== undefined) publishFetch(entry, background, started, err);
        if (err instanceof WorkloadApiError && err.code === 'ERR_NOT_REGISTERED') {
          if (entry.subject === undefined) this.clear();
          else this.evictSubject(entry.subject);
        } else if (entry.svids === undefined && this.#entry(entry) === entry) {
          this.#delete(entry);
        }
        throw err;
      },
    );
    // Callers who gave up (abort, timeout) must not leave an unhandled rejection behind.
    promise.catch(() => {});
    entry.inflight = promise;
    return promise;
  }

  #schedule(entry: Entry): void {
    if (entry.timer !== undefined) clearTimeout(entry.timer);
    entry.timer = undefined;
    if (!this.#refreshAhead || this.#closed) return;
    const at = entry.fetchedAt + (entry.staleAt - entry.fetchedAt) * 0.9;
    const delay = Math.max(0, at - this.#now());
    entry.timer = setTimeout(() => {
      entry.timer = undefined;
      if (this.#closed || this.#entry(entry) !== entry) return;
      if (!entry.used) return; // not used since fetched: let it go stale
      this.#load(entry, true).catch((err: unknown) => this.#onBackgroundError(err));
    }, delay);
    entry.timer.unref();
  }

  #entry(entry: Entry): Entry | undefined {
    return (entry.simple ? this.#simple : this.#general).get(entry.key);
  }

  #delete(entry: Entry): void {
    if (entry.timer !== undefined) clearTimeout(entry.timer);
    entry.timer = undefined;
    (entry.simple ? this.#simple : this.#general).delete(entry.key);
  }

  /** Drops the least recently used keys past the bound (never one with a call in flight, if avoidable). */
  #trim(): void {
    while (this.size > this.#max) {
      let victim: Entry | undefined;
      for (const map of [this.#simple, this.#general]) {
        for (const e of map.values()) {
          if (e.inflight !== undefined) continue;
          if (victim === undefined || e.tick < victim.tick) victim = e;
        }
      }
      if (victim === undefined) {
        for (const map of [this.#simple, this.#general]) {
          for (const e of map.values()) if (victim === undefined || e.tick < victim.tick) victim = e;
        }
      }
      if (victim === undefined) return;
      this.#delete(victim);
    }
  }

  /** Evicts every key for `subject` (requested or returned). Returns how many. */
  evictSubject(subject: string): number {
    let n = 0;
    for (const map of [this.#simple, this.#general]) {
      for (const e of [...map.values()]) {
        if (e.subject === subject || e.subjects.includes(subject)) {
          this.#delete(e);
          n++;
        }
      }
    }
    return n;
  }

  /** Evicts keys whose tokens name a subject the workload no longer has. */
  #keepOnly(subjects: ReadonlySet<string>, except: Entry): void {
    for (const map of [this.#simple, this.#general]) {
      for (const e of [...map.values()]) {
        if (e === except) continue;
        if ((e.subject !== undefined && !subjects.has(e.subject)) || e.subjects.some((s) => !subjects.has(s))) this.#delete(e);
      }
    }
  }

  /** Forgets everything (calls in flight still answer their callers). */
  clear(): void {
    for (const map of [this.#simple, this.#general]) {
      for (const e of map.values()) if (e.timer !== undefined) clearTimeout(e.timer);
      map.clear();
    }
  }

  /** Clears and stops refreshing. */
  close(): void {
    this.#closed = true;
    this.clear();
  }
}

function pick(svids: JwtSvid[], hint: string | undefined): JwtSvid {
  if (hint === undefined) return svids[0] as JwtSvid;
  const match = svids.find((s) => s.hint === hint);
  if (match === undefined) throw new WorkloadApiError('ERR_NO_SVID', `the Workload API returned no JWT-SVID with hint ${JSON.stringify(hint)}`, { rpc: 'FetchJWTSVID' });
  return match;
}

/** Publishes a lookup on `spiffe-kit:jwt:cache` (behind `hasSubscribers`). */
function publishLookup(event: 'hit' | 'miss', entry: Entry, joined: boolean): void {
  publish('jwtCache', { event, audience: [...entry.audience], subject: entry.subject, joined, background: false, durationMs: undefined, code: undefined });
}

/** Publishes a finished agent fetch on `spiffe-kit:jwt:cache`. */
function publishFetch(entry: Entry, background: boolean, started: number, err: unknown): void {
  const code = err === undefined ? undefined : typeof (err as { code?: unknown } | null)?.code === 'string' ? (err as { code: string }).code : 'ERR_UNKNOWN';
  publish('jwtCache', { event: 'fetch', audience: [...entry.audience], subject: entry.subject, joined: false, background, durationMs: performance.now() - started, code });
}
