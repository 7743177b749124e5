import { isIPv4, isIPv6 } from 'node:net';
import { SpiffeError } from '../errors.js';

/** Codes of {@link EndpointAddressError}. */
export type EndpointAddressErrorCode = 'ERR_ENDPOINT_ADDRESS_INVALID' | 'ERR_ENDPOINT_ADDRESS_MISSING';

/**
 * A Workload API address broke a rule of the SPIFFE Workload Endpoint standard, or none was given.
 * `reason` says which rule.
 *
 * @example
 * ```ts
 * try {
 *   parseEndpointAddress('unix://tmp/agent.sock');
 * } catch (err) {
 *   if (err instanceof EndpointAddressError) console.error(err.reason); // suggests unix:///tmp/agent.sock
 * }
 * ```
 */
export class EndpointAddressError extends SpiffeError {
  declare readonly code: EndpointAddressErrorCode;
  /** The rule that was broken, in words. */
  readonly reason: string;
  /** The rejected address (control characters escaped). */
  readonly address: string;

  constructor(code: EndpointAddressErrorCode, address: string, reason: string) {
    super(code, code === 'ERR_ENDPOINT_ADDRESS_MISSING' ? reason : `Invalid Workload API address ${JSON.stringify(address)}: ${reason}`);
    this.reason = reason;
    this.address = address;
  }
}

/** A parsed Workload API address. `target` is the @grpc/grpc-js target string. */
export type EndpointAddress =
  | { readonly scheme: 'unix'; readonly path: string; readonly target: string; readonly address: string }
  | { readonly scheme: 'tcp'; readonly host: string; readonly port: number; readonly target: string; readonly address: string };

/** The environment variable the SPIFFE standard names for the Workload API address. */
export const ENDPOINT_SOCKET_ENV = 'SPIFFE_ENDPOINT_SOCKET';

function invalid(address: string, reason: string): EndpointAddressError {
  return new EndpointAddressError('ERR_ENDPOINT_ADDRESS_INVALID', address, reason);
}

/**
 * Parses a Workload API address: `unix:///abs/path`, `unix:/abs/path`, or `tcp://<IP>:<port>`
 * (IPv4 or `[IPv6]`). Everything else is rejected with an {@link EndpointAddressError} naming the
 * rule broken.
 *
 * @example
 * ```ts
 * parseEndpointAddress('unix:///run/spire/agent.sock');
 * // { scheme: 'unix', path: '/run/spire/agent.sock', target: 'unix:/run/spire/agent.sock', ... }
 * parseEndpointAddress('tcp://127.0.0.1:8081');
 * // { scheme: 'tcp', host: '127.0.0.1', port: 8081, target: 'ipv4:127.0.0.1:8081', ... }
 * ```
 */
export function parseEndpointAddress(address: string): EndpointAddress {
  if (typeof address !== 'string') throw invalid(String(address), 'the address must be a string');
  if (address.length === 0) throw invalid(address, 'the address is empty');
  // WHATWG URL silently drops tabs and newlines: look at the raw string first.
  for (let i = 0; i < address.length; i++) {
    const c = address.charCodeAt(i);
    if (c < 0x20 || c === 0x7f) throw invalid(address, `control character U+${c.toString(16).padStart(4, '0').toUpperCase()} at position ${i}`);
    if (c === 0x20) throw invalid(address, `space at position ${i}`);
  }
  const colon = address.indexOf(':');
  if (colon <= 0) throw invalid(address, 'no scheme; use unix:///path/to/socket or tcp://IP:PORT');
  const scheme = address.slice(0, colon).toLowerCase();
  const rest = address.slice(colon + 1);
  if (scheme === 'unix') return parseUnix(address, rest);
  if (scheme === 'tcp') return parseTcp(address, rest);
  throw invalid(address, `scheme "${scheme}" is not supported; use unix or tcp`);
}

function checkNoQueryOrFragment(address: string, rest: string): void {
  if (rest.includes('?')) throw invalid(address, 'a query is not allowed');
  if (rest.includes('#')) throw invalid(address, 'a fragment is not allowed');
}

function parseUnix(address: string, rest: string): EndpointAddress {
  checkNoQueryOrFragment(address, rest);
  let path: string;
  if (rest.startsWith('//')) {
    const afterAuthority = rest.slice(2);
    const slash = afterAuthority.indexOf('/');
    const authority = slash === -1 ? afterAuthority : afterAuthority.slice(0, slash);
    if (authority.includes('@')) throw invalid(address, 'user info is not allowed');
    if (authority !== '') {
      throw invalid(
        address,
        `"${authority}" would be read as a host, which unix addresses cannot have; for an absolute path write unix:///${afterAuthority}`,
      );
    }
    path = slash === -1 ? '' : afterAuthority.slice(slash);
  } else if (rest.startsWith('/')) {
    path = rest;
  } else if (rest === '') {
    throw invalid(address, 'the unix address has no socket path');
  } else {
    throw invalid(address, 'the socket path must be absolute (unix:///abs/path or unix:/abs/path)');
  }
  if (path === '' || path === '/') throw invalid(address, 'the unix address has no socket path');
  let decoded: string;
  try {
    decoded = decodeURIComponent(path);
  } catch {
    throw invalid(address, 'the socket path has a malformed percent-encoding');
  }
  return Object.freeze({ scheme: 'unix' as const, path: decoded, target: `unix:${decoded}`, address });
}

function parseTcp(address: string, rest: string): EndpointAddress {
  checkNoQueryOrFragment(address, rest);
  if (!rest.startsWith('//')) throw invalid(address, 'tcp addresses must be written tcp://IP:PORT');
  const hostPort = rest.slice(2);
  if (hostPort.includes('/')) throw invalid(address, 'a tcp address must not have a path');
  if (hostPort.includes('@')) throw invalid(address, 'user info is not allowed');
  let host: string;
  let portText: string;
  if (hostPort.startsWith('[')) {
    const close = hostPort.indexOf(']');
    if (close === -1) throw invalid(address, 'unterminated IPv6 literal');
    host = hostPort.slice(1, close);
    const after = hostPort.slice(close + 1);
    if (!after.startsWith(':')) throw invalid(address, 'the port is missing');
    portText = after.slice(1);
    if (!isIPv6(host)) throw invalid(address, `"${host}" is not an IPv6 address`);
  } else {
    const c = hostPort.lastIndexOf(':');
    if (c === -1) throw invalid(address, 'the port is missing');
    host = hostPort.slice(0, c);
    portText = hostPort.slice(c + 1);
    if (host === '') throw invalid(address, 'the host is missing');
    if (!isIPv4(host)) {
      throw invalid(address, isIPv6(host) ? 'IPv6 addresses must be written in brackets: tcp://[::1]:PORT' : `the host must be an IP address, not a name ("${host}")`);
    }
  }
  if (portText === '') throw invalid(address, 'the port is missing');
  if (!/^[0-9]+$/.test(portText)) throw invalid(address, `the port "${portText}" is not a number`);
  const port = Number(portText);
  if (port < 1 || port > 65535) throw invalid(address, `the port ${port} is out of range (1-65535)`);
  const target = isIPv6(host) ? `ipv6:[${host}]:${port}` : `ipv4:${host}:${port}`;
  return Object.freeze({ scheme: 'tcp' as const, host, port, target, address });
}

/**
 * Picks the Workload API address: the explicit one when given, else `SPIFFE_ENDPOINT_SOCKET`.
 *
 * @throws {@link EndpointAddressError} when neither is set or the address is invalid.
 * @example
 * ```ts
 * const addr = resolveEndpointAddress(); // from SPIFFE_ENDPOINT_SOCKET
 * ```
 */
export function resolveEndpointAddress(explicit?: string, env: NodeJS.ProcessEnv = process.env): EndpointAddress {
  if (explicit !== undefined) return parseEndpointAddress(explicit);
  const fromEnv = env[ENDPOINT_SOCKET_ENV];
  if (fromEnv === undefined || fromEnv === '') {
    throw new EndpointAddressError(
      'ERR_ENDPOINT_ADDRESS_MISSING',
      '',
      `No Workload API address: pass { address } or set ${ENDPOINT_SOCKET_ENV} (e.g. unix:///run/spire/agent-sockets/spire-agent.sock)`,
    );
  }
  return parseEndpointAddress(fromEnv);
}
