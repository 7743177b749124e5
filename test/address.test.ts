import { describe, expect, it } from 'vitest';
import { SpiffeError } from '../src/errors.js';
import {
  describeEndpointAddress,
  type EndpointAddress,
  EndpointAddressError,
  type EndpointAddressErrorCode,
  parseEndpointAddress,
  resolveEndpointAddress,
} from '../src/workloadapi/address.js';

type Accepted = [input: string, expected: Omit<EndpointAddress, 'address'> & Record<string, unknown>];

const ACCEPTED: Accepted[] = [
  ['unix:///tmp/agent.sock', { scheme: 'unix', path: '/tmp/agent.sock', target: 'unix:/tmp/agent.sock' }],
  ['unix:/tmp/agent.sock', { scheme: 'unix', path: '/tmp/agent.sock', target: 'unix:/tmp/agent.sock' }],
  ['UNIX:///tmp/agent.sock', { scheme: 'unix', path: '/tmp/agent.sock', target: 'unix:/tmp/agent.sock' }],
  ['Unix:/run/spire/sockets/agent.sock', { scheme: 'unix', path: '/run/spire/sockets/agent.sock', target: 'unix:/run/spire/sockets/agent.sock' }],
  ['unix:///tmp/my%20agent.sock', { scheme: 'unix', path: '/tmp/my agent.sock', target: 'unix:/tmp/my agent.sock' }],
  ['unix:////tmp/agent.sock', { scheme: 'unix', path: '//tmp/agent.sock', target: 'unix:/tmp/agent.sock' }],
  ['unix:///', { scheme: 'unix', path: '/', target: 'unix:/' }],
  ['tcp://127.0.0.1:8081', { scheme: 'tcp', host: '127.0.0.1', port: 8081, target: 'ipv4:127.0.0.1:8081' }],
  ['TCP://10.0.0.1:1', { scheme: 'tcp', host: '10.0.0.1', port: 1, target: 'ipv4:10.0.0.1:1' }],
  ['tcp://0.0.0.0:65535', { scheme: 'tcp', host: '0.0.0.0', port: 65535, target: 'ipv4:0.0.0.0:65535' }],
  ['tcp://[::1]:8081', { scheme: 'tcp', host: '::1', port: 8081, target: 'ipv6:[::1]:8081' }],
  ['tcp://[2001:db8::17]:443', { scheme: 'tcp', host: '2001:db8::17', port: 443, target: 'ipv6:[2001:db8::17]:443' }],
];

type Rejected = [input: unknown, code: EndpointAddressErrorCode, says: RegExp, suggestion?: string];

const REJECTED: Rejected[] = [
  // Not a string, empty, no scheme or another scheme.
  [undefined, 'ERR_ENDPOINT_ADDRESS_NOT_STRING', /must be a string/],
  [42, 'ERR_ENDPOINT_ADDRESS_NOT_STRING', /must be a string/],
  ['', 'ERR_ENDPOINT_ADDRESS_EMPTY', /empty/],
  ['/tmp/agent.sock', 'ERR_ENDPOINT_ADDRESS_NO_SCHEME', /no scheme/, 'unix:///tmp/agent.sock'],
  ['blah', 'ERR_ENDPOINT_ADDRESS_NO_SCHEME', /no scheme/],
  ['agent.sock', 'ERR_ENDPOINT_ADDRESS_NO_SCHEME', /no scheme/],
  [':8080', 'ERR_ENDPOINT_ADDRESS_NO_SCHEME', /no scheme/],
  ['http://127.0.0.1:8080', 'ERR_ENDPOINT_ADDRESS_SCHEME', /scheme "http" is not supported/],
  ['https://agent.example.org', 'ERR_ENDPOINT_ADDRESS_SCHEME', /scheme "https" is not supported/],
  ['udp://127.0.0.1:53', 'ERR_ENDPOINT_ADDRESS_SCHEME', /not supported/],
  ['unixx:///tmp/agent.sock', 'ERR_ENDPOINT_ADDRESS_SCHEME', /not supported/],
  // unix
  ['unix:rel/path', 'ERR_ENDPOINT_ADDRESS_OPAQUE', /opaque/],
  ['unix:agent.sock', 'ERR_ENDPOINT_ADDRESS_OPAQUE', /opaque/],
  ['unix://tmp/agent.sock', 'ERR_ENDPOINT_ADDRESS_AUTHORITY', /authority.*"tmp"/, 'unix:///tmp/agent.sock'],
  ['unix://foo', 'ERR_ENDPOINT_ADDRESS_AUTHORITY', /authority/, 'unix:///foo'],
  ['unix://john:doe@foo/path', 'ERR_ENDPOINT_ADDRESS_USERINFO', /user info/],
  ['unix://user@/tmp/agent.sock', 'ERR_ENDPOINT_ADDRESS_USERINFO', /user info/],
  ['unix:', 'ERR_ENDPOINT_ADDRESS_NO_PATH', /socket path/],
  ['unix://', 'ERR_ENDPOINT_ADDRESS_NO_PATH', /socket path/],
  ['unix:///tmp/agent.sock?whatever', 'ERR_ENDPOINT_ADDRESS_QUERY', /query/],
  ['unix:///tmp/agent.sock?', 'ERR_ENDPOINT_ADDRESS_QUERY', /query/],
  ['unix:/tmp/agent.sock?x=1', 'ERR_ENDPOINT_ADDRESS_QUERY', /query/],
  ['unix:///tmp/agent.sock#frag', 'ERR_ENDPOINT_ADDRESS_FRAGMENT', /fragment/],
  ['unix:///tmp/agent.sock#', 'ERR_ENDPOINT_ADDRESS_FRAGMENT', /fragment/],
  ['unix:///tmp/%zz.sock', 'ERR_ENDPOINT_ADDRESS_PERCENT_ENCODING', /percent-escape/],
  ['unix:///tmp/a%00.sock', 'ERR_ENDPOINT_ADDRESS_PERCENT_ENCODING', /control character/],
  // tcp
  ['tcp:127.0.0.1:8000', 'ERR_ENDPOINT_ADDRESS_OPAQUE', /opaque/, 'tcp://127.0.0.1:8000'],
  ['tcp:/127.0.0.1:8000', 'ERR_ENDPOINT_ADDRESS_NO_HOST', /host/],
  ['tcp:', 'ERR_ENDPOINT_ADDRESS_NO_HOST', /host/],
  ['tcp://', 'ERR_ENDPOINT_ADDRESS_NO_HOST', /host/],
  ['tcp://:8000', 'ERR_ENDPOINT_ADDRESS_NO_HOST', /host/],
  ['tcp://[]:8000', 'ERR_ENDPOINT_ADDRESS_NO_HOST', /host/],
  ['tcp://john:doe@127.0.0.1:8000', 'ERR_ENDPOINT_ADDRESS_USERINFO', /user info/],
  ['tcp://user@127.0.0.1:8000', 'ERR_ENDPOINT_ADDRESS_USERINFO', /user info/],
  ['tcp://localhost:8000', 'ERR_ENDPOINT_ADDRESS_HOST_NOT_IP', /IP address, not a name/],
  ['tcp://agent.example.org:8000', 'ERR_ENDPOINT_ADDRESS_HOST_NOT_IP', /DNS names are not allowed/],
  ['tcp://256.1.1.1:8000', 'ERR_ENDPOINT_ADDRESS_HOST_NOT_IP', /IP address/],
  ['tcp://127.000.0.1:8000', 'ERR_ENDPOINT_ADDRESS_HOST_NOT_IP', /IP address/],
  ['tcp://::1:8000', 'ERR_ENDPOINT_ADDRESS_HOST_NOT_IP', /brackets/],
  ['tcp://[::1:8000', 'ERR_ENDPOINT_ADDRESS_HOST_NOT_IP', /closing/],
  ['tcp://[example.org]:8000', 'ERR_ENDPOINT_ADDRESS_HOST_NOT_IP', /not an IPv6 address/],
  ['tcp://[127.0.0.1]:8000', 'ERR_ENDPOINT_ADDRESS_HOST_NOT_IP', /not an IPv6 address/],
  ['tcp://[fe80::1%25eth0]:8000', 'ERR_ENDPOINT_ADDRESS_HOST_NOT_IP', /not an IPv6 address/],
  ['tcp://127.0.0.1', 'ERR_ENDPOINT_ADDRESS_NO_PORT', /port/],
  ['tcp://127.0.0.1:', 'ERR_ENDPOINT_ADDRESS_NO_PORT', /port/],
  ['tcp://[::1]', 'ERR_ENDPOINT_ADDRESS_NO_PORT', /port/],
  ['tcp://[::1]:', 'ERR_ENDPOINT_ADDRESS_NO_PORT', /port/],
  ['tcp://[::1]8000', 'ERR_ENDPOINT_ADDRESS_PORT', /after the IPv6 address/],
  ['tcp://127.0.0.1:http', 'ERR_ENDPOINT_ADDRESS_PORT', /port "http" is not a number/],
  ['tcp://127.0.0.1:80a', 'ERR_ENDPOINT_ADDRESS_PORT', /not a number/],
  ['tcp://127.0.0.1:-1', 'ERR_ENDPOINT_ADDRESS_PORT', /not a number/],
  ['tcp://127.0.0.1:+80', 'ERR_ENDPOINT_ADDRESS_PORT', /not a number/],
  ['tcp://127.0.0.1:0', 'ERR_ENDPOINT_ADDRESS_PORT', /out of range/],
  ['tcp://127.0.0.1:65536', 'ERR_ENDPOINT_ADDRESS_PORT', /out of range/],
  ['tcp://127.0.0.1:123456', 'ERR_ENDPOINT_ADDRESS_PORT', /not a number/],
  ['tcp://127.0.0.1:8000/', 'ERR_ENDPOINT_ADDRESS_PATH', /path/],
  ['tcp://127.0.0.1:8000/agent', 'ERR_ENDPOINT_ADDRESS_PATH', /path/],
  ['tcp://127.0.0.1:8000?', 'ERR_ENDPOINT_ADDRESS_QUERY', /query/],
  ['tcp://127.0.0.1:8000?x=y', 'ERR_ENDPOINT_ADDRESS_QUERY', /query/],
  ['tcp://127.0.0.1:8000#', 'ERR_ENDPOINT_ADDRESS_FRAGMENT', /fragment/],
  ['tcp://127.0.0.1:8000#top', 'ERR_ENDPOINT_ADDRESS_FRAGMENT', /fragment/],
  // Control characters anywhere, checked before any URL parsing (WHATWG URL would strip them).
  ['unix:///tmp/agent.sock\n', 'ERR_ENDPOINT_ADDRESS_CONTROL_CHAR', /U\+000A at index 22/],
  ['unix:///tmp/\tagent.sock', 'ERR_ENDPOINT_ADDRESS_CONTROL_CHAR', /U\+0009/],
  ['\nunix:///tmp/agent.sock', 'ERR_ENDPOINT_ADDRESS_CONTROL_CHAR', /U\+000A at index 0/],
  ['unix:///tmp/agent\u0000.sock', 'ERR_ENDPOINT_ADDRESS_CONTROL_CHAR', /U\+0000/],
  ['unix:///tmp/agent.sock\r', 'ERR_ENDPOINT_ADDRESS_CONTROL_CHAR', /U\+000D/],
  ['tcp://127.0.0.1:80\u007f', 'ERR_ENDPOINT_ADDRESS_CONTROL_CHAR', /U\+007F/],
  ['tcp://127.0.0.1:80\u0085', 'ERR_ENDPOINT_ADDRESS_CONTROL_CHAR', /U\+0085/],
  ['blah\t', 'ERR_ENDPOINT_ADDRESS_CONTROL_CHAR', /control character/],
  ['http://x\n', 'ERR_ENDPOINT_ADDRESS_CONTROL_CHAR', /control character/],
];

function rejection(input: unknown): EndpointAddressError {
  try {
    parseEndpointAddress(input as string);
  } catch (err) {
    return err as EndpointAddressError;
  }
  throw new Error(`accepted ${JSON.stringify(input)}`);
}

describe('parseEndpointAddress', () => {
  it.each(ACCEPTED)('accepts %j', (input, expected) => {
    const a = parseEndpointAddress(input);
    expect(a).toEqual({ ...expected, address: input });
    expect(Object.isFrozen(a)).toBe(true);
  });

  it.each(REJECTED)('rejects %j with %s', (input, code, says, suggestion) => {
    const err = rejection(input);
    expect(err).toBeInstanceOf(EndpointAddressError);
    expect(err).toBeInstanceOf(SpiffeError);
    expect(err.code).toBe(code);
    expect(err.message).toMatch(says);
    expect(err.reason).toMatch(says);
    expect(err.origin).toBe('argument');
    expect(err.suggestion).toBe(suggestion);
    if (suggestion !== undefined) {
      expect(err.message).toContain(`did you mean ${suggestion}?`);
      expect(() => parseEndpointAddress(suggestion)).not.toThrow();
    }
  });

  it('quotes the rejected address with control characters escaped', () => {
    const err = rejection('unix:///tmp/agent.sock\n');
    expect(err.message).toContain('"unix:///tmp/agent.sock\\n"');
    expect(err.message).not.toContain('\n');
    expect(err.input).toBe('unix:///tmp/agent.sock\n');
  });

  it('cuts very long inputs in messages and in `input`', () => {
    const err = rejection(`http://${'a'.repeat(5_000)}`);
    expect(err.code).toBe('ERR_ENDPOINT_ADDRESS_SCHEME');
    expect(err.message.length).toBeLessThan(400);
    expect(err.input.length).toBeLessThanOrEqual(257);
  });

  it('describes addresses for messages', () => {
    expect(describeEndpointAddress(parseEndpointAddress('unix:///tmp/agent.sock'))).toBe('unix socket /tmp/agent.sock');
    expect(describeEndpointAddress(parseEndpointAddress('tcp://127.0.0.1:8081'))).toBe('tcp://127.0.0.1:8081');
    expect(describeEndpointAddress(parseEndpointAddress('tcp://[::1]:8081'))).toBe('tcp://[::1]:8081');
  });
});

describe('resolveEndpointAddress', () => {
  const env = { SPIFFE_ENDPOINT_SOCKET: 'unix:///from/env.sock' };

  it('prefers the explicit address', () => {
    expect(resolveEndpointAddress('tcp://127.0.0.1:9', env)).toMatchObject({ scheme: 'tcp', port: 9 });
  });

  it('falls back to SPIFFE_ENDPOINT_SOCKET', () => {
    expect(resolveEndpointAddress(undefined, env)).toMatchObject({ scheme: 'unix', path: '/from/env.sock' });
  });

  it('reads process.env by default', () => {
    const saved = process.env['SPIFFE_ENDPOINT_SOCKET'];
    process.env['SPIFFE_ENDPOINT_SOCKET'] = 'unix:/default/env.sock';
    try {
      expect(resolveEndpointAddress()).toMatchObject({ path: '/default/env.sock' });
    } finally {
      if (saved === undefined) delete process.env['SPIFFE_ENDPOINT_SOCKET'];
      else process.env['SPIFFE_ENDPOINT_SOCKET'] = saved;
    }
  });

  it('says that neither was given', () => {
    let err: EndpointAddressError | undefined;
    try {
      resolveEndpointAddress(undefined, {});
    } catch (e) {
      err = e as EndpointAddressError;
    }
    expect(err).toBeInstanceOf(EndpointAddressError);
    expect(err?.code).toBe('ERR_ENDPOINT_ADDRESS_MISSING');
    expect(err?.message).toMatch(/neither an explicit address was given nor SPIFFE_ENDPOINT_SOCKET is set/);
  });

  it('names SPIFFE_ENDPOINT_SOCKET when its value is invalid', () => {
    let err: EndpointAddressError | undefined;
    try {
      resolveEndpointAddress(undefined, { SPIFFE_ENDPOINT_SOCKET: 'unix://tmp/agent.sock' });
    } catch (e) {
      err = e as EndpointAddressError;
    }
    expect(err?.code).toBe('ERR_ENDPOINT_ADDRESS_AUTHORITY');
    expect(err?.origin).toBe('SPIFFE_ENDPOINT_SOCKET');
    expect(err?.message).toContain('(from SPIFFE_ENDPOINT_SOCKET)');
    expect(err?.suggestion).toBe('unix:///tmp/agent.sock');
  });

  it('treats a set but empty SPIFFE_ENDPOINT_SOCKET as invalid, and an explicit empty string too', () => {
    expect(() => resolveEndpointAddress(undefined, { SPIFFE_ENDPOINT_SOCKET: '' })).toThrow(
      expect.objectContaining({ code: 'ERR_ENDPOINT_ADDRESS_EMPTY', origin: 'SPIFFE_ENDPOINT_SOCKET' }),
    );
    expect(() => resolveEndpointAddress('', env)).toThrow(expect.objectContaining({ code: 'ERR_ENDPOINT_ADDRESS_EMPTY', origin: 'argument' }));
  });
});
