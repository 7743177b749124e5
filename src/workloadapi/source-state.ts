/**
 * The life cycle of a source:
 * - `connecting`: no usable state yet (before the first update);
 * - `ready`: the stream is up and the state is current;
 * - `stale`: the agent is unreachable, refused us, or withdrew our identity; the last good state
 *   may still be served (see the redaction policy);
 * - `closed`: `close()` was called; nothing is served any more.
 *
 * @example
 * ```ts
 * source.on('state', (state: SourceState, previous: SourceState) => console.log(previous, '→', state));
 * ```
 */
export type SourceState = 'connecting' | 'ready' | 'stale' | 'closed';

/**
 * A snapshot of a source's health, for probes and metrics.
 *
 * @example
 * ```ts
 * const h = source.health();
 * if (!h.ready) console.warn(h.state, h.lastError?.message);
 * ```
 */
export interface SourceHealth {
  /** The current state. */
  readonly state: SourceState;
  /**
   * `true` when the source has usable, unexpired state (what a readiness probe wants), also while
   * `stale`: a source keeps serving its last good state through an agent restart, so a blip of the
   * agent does not take every workload of a node out of service. `state` and `lastError` say
   * that it is stale; {@link checkHealth} lists it under `warnings`.
   */
  readonly ready: boolean;
  /** Whether the stream to the agent is currently up. */
  readonly connected: boolean;
  /** The Workload API address in use. */
  readonly address: string;
  /** When the last update was received. */
  readonly lastUpdateAt: Date | undefined;
  /** Milliseconds since the last update. */
  readonly lastUpdateAgeMs: number | undefined;
  /** Seconds until the served SVID expires (X.509 sources only). */
  readonly svidExpiresInSeconds: number | undefined;
  /** The SPIFFE ID served (X.509 sources only). */
  readonly spiffeId: string | undefined;
  /** Number of trust bundles held. */
  readonly bundleCount: number;
  /** The last error seen (cleared by the next good update). */
  readonly lastError: { readonly code: string; readonly message: string; readonly at: Date } | undefined;
}
