/**
 * The Workload API address: `SPIFFE_ENDPOINT_SOCKET` and the `address` option, as the SPIFFE
 * Workload Endpoint standard defines them (`unix:///abs/path`, `unix:/abs/path`, `tcp://IP:port`).
 *
 * The parser works on the raw string (no WHATWG `URL`, which silently drops tabs and newlines and
 * normalises what it sees), so every rejected form gets an error naming the rule it breaks.
 *
 * @module
 */
import { isIPv4, isIPv6 } from 'node:net';
import { EndpointAddressError, type EndpointAddressErrorCode, type EndpointAddressOrigin } from './errors.js';

export { EndpointAddressError, type EndpointAddressErrorCode, type EndpointAddressOrigin } from './errors.js';

/**
 * A Workload API address on a unix domain socket.
 *
 * @example
 * ```ts
 * const a = parseEndpointAddress('unix:///run/spire/agent.sock') as UnixEndpointAddress;
 * a.path; // '/run/spire/agent.sock'
 * a.target; // 'unix:/run/spire/agent.sock'
 * ```
 */
export interface UnixEndpointAddress {
  readonly scheme: 'unix';
  /** The absolute socket path (percent-escapes decoded). */
  readonly path: string;
  /** The gRPC target string (as `@grpc/grpc-js` and grpc-go spell it): `unix:/abs/path`. */
  readonly target: string;
  /** The address as given. */
  readonly address: string;
}

/**
 * A Workload API address on TCP (an IP literal and a port; names are not allowed).
 *
 * @example
 * ```ts
 * const a = parseEndpointAddress('tcp://[::1]:8081') as TcpEndpointAddress;
 * a.host; // '::1'
 * a.target; // 'ipv6:[::1]:8081'
 * ```
 */
export interface TcpEndpointAddress {
  readonly scheme: 'tcp';
  /** The IP address (IPv6 without brackets). */
  readonly host: string;
  /** The port, 1–65535. */
  readonly port: number;
  /** The gRPC target string (as `@grpc/grpc-js` and grpc-go spell it): `ipv4:1.2.3.4:port` or `ipv6:[::1]:port`. */
  readonly target: string;
  /** The address as given. */
  readonly address: string;
}

/**
 * A parsed Workload API address; switch on `scheme`.
 *
 * @example
 * ```ts
 * const a: EndpointAddress = parseEndpointAddress('tcp://127.0.0.1:8081');
 * if (a.scheme === 'tcp') console.log(a.host, a.port);
 * ```
 */
export type EndpointAddress = UnixEndpointAddress | TcpEndpointAddress;

/**
 * The environment variable the SPIFFE standard names for the Workload API address.
 *
 * @example
 * ```ts
 * process.env[ENDPOINT_SOCKET_ENV] = 'unix:///run/spire/agent.sock';
 * ```
 */
export const ENDPOINT_SOCKET_ENV = 'SPIFFE_ENDPOINT_SOCKET';

const EXAMPLES = 'unix:///path/to/agent.sock or tcp://IP:PORT';

/** Builds errors for one input, so each rule only states what it found. */
class Rejecter {
  constructor(
    readonly input: string,
    readonly origin: EndpointAddressOrigin,
  ) {}

  fail(code: EndpointAddressErrorCode, rule: string, suggestion?: string): EndpointAddressError {
    const from = this.origin === 'SPIFFE_ENDPOINT_SOCKET' ? ` (from ${ENDPOINT_SOCKET_ENV})` : '';
    const hint = suggestion === undefined ? '' : `; did you mean ${suggestion}?`;
    const shown = this.input.length > 200 ? `${this.input.slice(0, 200)}…` : this.input;
    return new EndpointAddressError(code, `invalid Workload API address ${JSON.stringify(shown)}${from}: ${rule}${hint}`, {
      input: this.input,
      origin: this.origin,
      suggestion,
      reason: rule,
    });
  }
}

/** The parts of an RFC 3986 URI reference, split on the raw text. */
interface UriParts {
  readonly scheme: string;
  /** `undefined` when there is no `//`. */
  readonly authority: string | undefined;
  readonly path: string;
  /** `undefined` when there is no `?`; `''` for a bare `?`. */
  readonly query: string | undefined;
  readonly fragment: string | undefined;
}

const SCHEME = /^[A-Za-z][A-Za-z0-9+.-]*:/;

function splitUri(rest: string, scheme: string): UriParts {
  let s = rest;
  let fragment: string | undefined;
  const hash = s.indexOf('#');
  if (hash !== -1) {
    fragment = s.slice(hash + 1);
    s = s.slice(0, hash);
  }
  let query: string | undefined;
  const q = s.indexOf('?');
  if (q !== -1) {
    query = s.slice(q + 1);
    s = s.slice(0, q);
  }
  let authority: string | undefined;
  if (s.startsWith('//')) {
    const end = s.indexOf('/', 2);
    authority = end === -1 ? s.slice(2) : s.slice(2, end);
    s = end === -1 ? '' : s.slice(end);
  }
  return { scheme, authority, path: s, query, fragment };
}

function controlChar(s: string): number {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 || (c >= 0x7f && c <= 0x9f)) return i;
  }
  return -1;
}

/**
 * Parses a Workload API address: `unix:///abs/path`, `unix:/abs/path` or `tcp://<IP>:<port>`
 * (IPv4, or IPv6 in brackets); the scheme is case-insensitive. Anything else throws an
 * {@link EndpointAddressError} whose `code` names the rule broken: no scheme or another scheme,
 * an opaque form (`unix:rel/path`, `tcp:1.2.3.4:80`), user info, a host on a unix address
 * (`unix://tmp/agent.sock`, with the suggestion `unix:///tmp/agent.sock`), no socket path, a query
 * or fragment (even empty), a DNS name instead of an IP, a missing or bad port, a path on a tcp
 * address, control characters anywhere.
 *
 * @param address - a Workload API address: `unix:///path`, `unix:path` or `tcp://IP:port`.
 * @example
 * ```ts
 * import { parseEndpointAddress } from 'spiffe-kit';
 * parseEndpointAddress('unix:///run/spire/agent.sock');
 * // { scheme: 'unix', path: '/run/spire/agent.sock', target: 'unix:/run/spire/agent.sock', address: … }
 * parseEndpointAddress('tcp://127.0.0.1:8081');
 * // { scheme: 'tcp', host: '127.0.0.1', port: 8081, target: 'ipv4:127.0.0.1:8081', address: … }
 * ```
 */
export function parseEndpointAddress(address: string): EndpointAddress {
  return parseFrom(address, 'argument');
}

function parseFrom(input: unknown, origin: EndpointAddressOrigin): EndpointAddress {
  if (typeof input !== 'string') {
    throw new EndpointAddressError('ERR_ENDPOINT_ADDRESS_NOT_STRING', `the Workload API address must be a string, got ${input === null ? 'null' : typeof input}`, {
      input,
      origin,
      reason: 'the address must be a string',
    });
  }
  const r = new Rejecter(input, origin);
  if (input === '') throw r.fail('ERR_ENDPOINT_ADDRESS_EMPTY', `the address is empty; use ${EXAMPLES}`);
  // Before anything else: URL parsers strip tabs and newlines silently.
  const bad = controlChar(input);
  if (bad !== -1) {
    const hex = input.charCodeAt(bad).toString(16).toUpperCase().padStart(4, '0');
    throw r.fail('ERR_ENDPOINT_ADDRESS_CONTROL_CHAR', `control character U+${hex} at index ${bad}; addresses must not contain control characters`);
  }
  const m = SCHEME.exec(input);
  if (m === null) {
    const suggestion = input.startsWith('/') ? `unix://${input}` : undefined;
    throw r.fail('ERR_ENDPOINT_ADDRESS_NO_SCHEME', `the address has no scheme; use ${EXAMPLES}`, suggestion);
  }
  const scheme = m[0].slice(0, -1).toLowerCase();
  const parts = splitUri(input.slice(m[0].length), scheme);
  if (scheme === 'unix') return parseUnix(r, parts);
  if (scheme === 'tcp') return parseTcp(r, parts);
  throw r.fail('ERR_ENDPOINT_ADDRESS_SCHEME', `the scheme "${scheme}" is not supported; only unix and tcp are (${EXAMPLES})`);
}

function checkQueryAndFragment(r: Rejecter, parts: UriParts, kind: string): void {
  if (parts.query !== undefined) throw r.fail('ERR_ENDPOINT_ADDRESS_QUERY', `a ${kind} address must not have a query ("?…")`);
  if (parts.fragment !== undefined) throw r.fail('ERR_ENDPOINT_ADDRESS_FRAGMENT', `a ${kind} address must not have a fragment ("#…")`);
}

function parseUnix(r: Rejecter, parts: UriParts): UnixEndpointAddress {
  const { authority, path } = parts;
  if (authority === undefined && path !== '' && !path.startsWith('/')) {
    throw r.fail('ERR_ENDPOINT_ADDRESS_OPAQUE', 'a unix address must not be opaque: the socket path must be absolute (unix:///abs/path)');
  }
  if (authority?.includes('@')) {
    throw r.fail('ERR_ENDPOINT_ADDRESS_USERINFO', 'a unix address must not have user info ("user@")');
  }
  if (authority !== undefined && authority !== '') {
    throw r.fail(
      'ERR_ENDPOINT_ADDRESS_AUTHORITY',
      `a unix address must not have an authority: "${authority}" would be read as a host, not as part of the path`,
      `unix:///${authority}${path}`,
    );
  }
  if (path === '') throw r.fail('ERR_ENDPOINT_ADDRESS_NO_PATH', 'a unix address must include the socket path (unix:///path/to/agent.sock)');
  checkQueryAndFragment(r, parts, 'unix');
  let decoded: string;
  try {
    decoded = decodeURIComponent(path);
  } catch {
    throw r.fail('ERR_ENDPOINT_ADDRESS_PERCENT_ENCODING', 'the socket path has a malformed percent-escape');
  }
  if (decoded !== path && controlChar(decoded) !== -1) {
    throw r.fail('ERR_ENDPOINT_ADDRESS_PERCENT_ENCODING', 'the socket path encodes a control character');
  }
  // One leading slash: `unix://x` would read `x` as an authority in grpc-js.
  const target = `unix:/${decoded.replace(/^\/+/, '')}`;
  return Object.freeze({ scheme: 'unix', path: decoded, target, address: r.input });
}

function parseTcp(r: Rejecter, parts: UriParts): TcpEndpointAddress {
  const { authority, path } = parts;
  if (authority === undefined) {
    if (path !== '' && !path.startsWith('/')) {
      throw r.fail('ERR_ENDPOINT_ADDRESS_OPAQUE', 'a tcp address must not be opaque: write tcp://IP:PORT', `tcp://${path}`);
    }
    throw r.fail('ERR_ENDPOINT_ADDRESS_NO_HOST', 'a tcp address must include a host and port: tcp://IP:PORT');
  }
  if (authority.includes('@')) throw r.fail('ERR_ENDPOINT_ADDRESS_USERINFO', 'a tcp address must not have user info ("user@")');
  let host: string;
  let portText: string | undefined;
  if (authority.startsWith('[')) {
    const close = authority.indexOf(']');
    if (close === -1) throw r.fail('ERR_ENDPOINT_ADDRESS_HOST_NOT_IP', 'the IPv6 address has no closing "]"');
    host = authority.slice(1, close);
    const after = authority.slice(close + 1);
    if (after !== '' && !after.startsWith(':')) throw r.fail('ERR_ENDPOINT_ADDRESS_PORT', `unexpected "${after}" after the IPv6 address; write tcp://[IPv6]:PORT`);
    portText = after === '' ? undefined : after.slice(1);
    if (host === '') throw r.fail('ERR_ENDPOINT_ADDRESS_NO_HOST', 'a tcp address must include a host: tcp://IP:PORT');
    if (!isIPv6(host) || host.includes('%')) throw r.fail('ERR_ENDPOINT_ADDRESS_HOST_NOT_IP', `"${host}" is not an IPv6 address`);
  } else {
    const colon = authority.lastIndexOf(':');
    host = colon === -1 ? authority : authority.slice(0, colon);
    portText = colon === -1 ? undefined : authority.slice(colon + 1);
    if (host === '') throw r.fail('ERR_ENDPOINT_ADDRESS_NO_HOST', 'a tcp address must include a host: tcp://IP:PORT');
    if (host.includes(':')) {
      throw r.fail('ERR_ENDPOINT_ADDRESS_HOST_NOT_IP', 'an IPv6 address must be written in brackets: tcp://[IPv6]:PORT', isIPv6(authority) ? undefined : `tcp://[${host}]:${portText ?? 'PORT'}`);
    }
    if (!isIPv4(host)) {
      throw r.fail('ERR_ENDPOINT_ADDRESS_HOST_NOT_IP', `the host must be an IP address, not a name ("${host}"); DNS names are not allowed`);
    }
  }
  if (portText === undefined || portText === '') throw r.fail('ERR_ENDPOINT_ADDRESS_NO_PORT', 'a tcp address must include a port: tcp://IP:PORT');
  if (!/^[0-9]{1,5}$/.test(portText)) throw r.fail('ERR_ENDPOINT_ADDRESS_PORT', `the port "${portText}" is not a number from 1 to 65535`);
  const port = Number(portText);
  if (port < 1 || port > 65535) throw r.fail('ERR_ENDPOINT_ADDRESS_PORT', `the port ${port} is out of range (1–65535)`);
  if (path !== '') throw r.fail('ERR_ENDPOINT_ADDRESS_PATH', `a tcp address must not have a path ("${path}")`);
  checkQueryAndFragment(r, parts, 'tcp');
  const v6 = authority.startsWith('[');
  const target = v6 ? `ipv6:[${host}]:${port}` : `ipv4:${host}:${port}`;
  return Object.freeze({ scheme: 'tcp', host, port, target, address: r.input });
}

/**
 * Picks the Workload API address: `explicit` when given, else the `SPIFFE_ENDPOINT_SOCKET`
 * environment variable, else throws `ERR_ENDPOINT_ADDRESS_MISSING`. Errors about an address
 * read from the environment say so (`origin: 'SPIFFE_ENDPOINT_SOCKET'`).
 *
 * @param explicit - The address passed by the caller, if any (an empty string is invalid, not "unset").
 * @param env - The environment to read (default `process.env`).
 * @example
 * ```ts
 * import { resolveEndpointAddress } from 'spiffe-kit';
 * const fromEnv = resolveEndpointAddress(); // reads SPIFFE_ENDPOINT_SOCKET
 * const given = resolveEndpointAddress('unix:///run/spire/agent.sock');
 * ```
 */
export function resolveEndpointAddress(explicit?: string, env: NodeJS.ProcessEnv = process.env): EndpointAddress {
  if (explicit !== undefined) return parseFrom(explicit, 'argument');
  const fromEnv = env[ENDPOINT_SOCKET_ENV];
  if (fromEnv === undefined) {
    throw new EndpointAddressError(
      'ERR_ENDPOINT_ADDRESS_MISSING',
      `no Workload API address: neither an explicit address was given nor ${ENDPOINT_SOCKET_ENV} is set (e.g. ${ENDPOINT_SOCKET_ENV}=unix:///run/spire/agent-sockets/spire-agent.sock)`,
      { input: '', origin: 'SPIFFE_ENDPOINT_SOCKET', reason: 'no address given' },
    );
  }
  return parseFrom(fromEnv, 'SPIFFE_ENDPOINT_SOCKET');
}

/** How an address reads in messages: `unix socket /run/spire/agent.sock` or `tcp://127.0.0.1:8081`. */
export function describeEndpointAddress(address: EndpointAddress): string {
  if (address.scheme === 'unix') return `unix socket ${address.path}`;
  return address.host.includes(':') ? `tcp://[${address.host}]:${address.port}` : `tcp://${address.host}:${address.port}`;
}
