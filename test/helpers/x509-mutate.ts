/**
 * Certificate mutation for the differential tests against Go (test/x509-go-oracle.test.ts): a
 * small DER tree (decode / encode, only for the valid certificates it starts from), re-signing of
 * a changed TBSCertificate with the issuer's key, and the structure-aware mutations (string types,
 * EC points and curves, serials, SANs, policy and other extensions with good and bad encodings).
 */
import { type KeyObject, sign } from 'node:crypto';

/** A DER element: primitive (`content`) or constructed (`children`). */
export interface Node {
  tag: number;
  content?: Buffer;
  children?: Node[];
}

export function lengthOctets(n: number): number[] {
  if (n < 0x80) return [n];
  const out: number[] = [];
  for (let v = n; v > 0; v = Math.floor(v / 256)) out.unshift(v & 0xff);
  return [0x80 | out.length, ...out];
}

export function tlv(tag: number, ...parts: (Uint8Array | readonly number[])[]): Buffer {
  const body = Buffer.concat(parts.map((p) => Buffer.from(p)));
  return Buffer.concat([Buffer.from([tag, ...lengthOctets(body.length)]), body]);
}

export const seq = (...parts: (Uint8Array | readonly number[])[]): Buffer => tlv(0x30, ...parts);

export function oidBytes(dotted: string): Buffer {
  const arcs = dotted.split('.').map((a) => BigInt(a));
  const [a0, a1, ...rest] = arcs;
  const out: number[] = [];
  for (const arc of [(a0 ?? 0n) * 40n + (a1 ?? 0n), ...rest]) {
    const chunk: number[] = [Number(arc & 0x7fn)];
    for (let v = arc >> 7n; v > 0n; v >>= 7n) chunk.unshift(Number(v & 0x7fn) | 0x80);
    out.push(...chunk);
  }
  return Buffer.from(out);
}

export const oid = (dotted: string): Buffer => tlv(0x06, oidBytes(dotted));

/** Decodes one DER element at `pos` (well-formed input only). */
export function decode(buf: Buffer, pos = 0): { node: Node; end: number } {
  const tag = buf[pos] as number;
  let p = pos + 1;
  let len = buf[p++] as number;
  if (len & 0x80) {
    const n = len & 0x7f;
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + (buf[p++] as number);
  }
  const end = p + len;
  if ((tag & 0x20) === 0) return { node: { tag, content: Buffer.from(buf.subarray(p, end)) }, end };
  const children: Node[] = [];
  while (p < end) {
    const c = decode(buf, p);
    children.push(c.node);
    p = c.end;
  }
  return { node: { tag, children }, end };
}

export function encode(node: Node): Buffer {
  if (node.children !== undefined) return tlv(node.tag, ...node.children.map(encode));
  return tlv(node.tag, node.content ?? Buffer.alloc(0));
}

export function clone(node: Node): Node {
  return node.children !== undefined
    ? { tag: node.tag, children: node.children.map(clone) }
    : { tag: node.tag, content: Buffer.from(node.content ?? Buffer.alloc(0)) };
}

/** A seeded PRNG (mulberry32). */
export class Rng {
  #s: number;
  constructor(seed: number) {
    this.#s = seed >>> 0;
  }
  next(): number {
    this.#s = (this.#s + 0x6d2b79f5) >>> 0;
    let t = this.#s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  pick<T>(xs: readonly T[]): T {
    return xs[this.int(xs.length)] as T;
  }
  bytes(n: number): Buffer {
    const b = Buffer.alloc(n);
    for (let i = 0; i < n; i++) b[i] = this.int(256);
    return b;
  }
}

/** A certificate split into its TBS tree, ready to be changed and re-signed. */
export interface Editable {
  /** TBSCertificate children: [0] version, serial, signature, issuer, validity, subject, spki, [3] extensions. */
  tbs: Node;
}

export function editable(der: Buffer): Editable {
  const cert = decode(der).node;
  return { tbs: clone((cert.children as Node[])[0] as Node) };
}

const TBS_INDEX = { serial: 1, signature: 2, issuer: 3, validity: 4, subject: 5, spki: 6, extensions: 7 } as const;

export function field(e: Editable, name: keyof typeof TBS_INDEX): Node {
  return (e.tbs.children as Node[])[TBS_INDEX[name]] as Node;
}

export function setField(e: Editable, name: keyof typeof TBS_INDEX, node: Node): void {
  (e.tbs.children as Node[])[TBS_INDEX[name]] = node;
}

/** The extension list (SEQUENCE OF Extension) inside [3]. */
export function extensions(e: Editable): Node[] {
  const wrapper = field(e, 'extensions');
  return ((wrapper.children as Node[])[0] as Node).children as Node[];
}

/** Extension nodes: SEQUENCE { OID, [BOOLEAN], OCTET STRING value }. */
export function extension(oidDotted: string, value: Buffer, critical = false): Node {
  const children: Node[] = [{ tag: 0x06, content: oidBytes(oidDotted) }];
  if (critical) children.push({ tag: 0x01, content: Buffer.from([0xff]) });
  children.push({ tag: 0x04, content: value });
  return { tag: 0x30, children };
}

export function extensionOid(ext: Node): Buffer {
  return (ext.children as Node[])[0]?.content as Buffer;
}

export function extensionValueNode(ext: Node): Node {
  const c = ext.children as Node[];
  return c[c.length - 1] as Node;
}

/** Signs `tbs` with `key` (ECDSA with SHA-256 for EC keys, the signature algorithm of the TBS kept as is). */
export function resign(tbs: Buffer, key: KeyObject, sigAlg: Buffer): Buffer {
  const sig = sign(key.asymmetricKeyType === 'ed25519' ? null : 'sha256', tbs, key);
  return seq(tbs, sigAlg, tlv(0x03, [0x00], sig));
}

/** Re-encodes and re-signs an edited certificate; `outerAlg` defaults to the TBS signature field. */
export function finish(e: Editable, key: KeyObject, outerAlg?: Buffer): Buffer {
  const tbs = encode(e.tbs);
  return resign(tbs, key, outerAlg ?? encode(field(e, 'signature')));
}

/** Random byte-level damage: flip, set, insert, delete a byte, or change a length octet. */
export function byteMutation(rng: Rng, buf: Buffer): Buffer {
  const b = Buffer.from(buf);
  const i = rng.int(b.length);
  switch (rng.int(5)) {
    case 0:
      b[i] = (b[i] as number) ^ (1 << rng.int(8));
      return b;
    case 1:
      b[i] = rng.pick([0x00, 0x01, 0x02, 0x05, 0x06, 0x0c, 0x13, 0x16, 0x1e, 0x30, 0x31, 0x7f, 0x80, 0x81, 0x82, 0x86, 0x87, 0xa0, 0xa3, 0xff]);
      return b;
    case 2:
      return Buffer.concat([b.subarray(0, i), Buffer.from([rng.int(256)]), b.subarray(i)]);
    case 3:
      return Buffer.concat([b.subarray(0, i), b.subarray(i + 1)]);
    default:
      b[i] = ((b[i] as number) + rng.pick([1, -1, 2, -2, 0x80])) & 0xff;
      return b;
  }
}
