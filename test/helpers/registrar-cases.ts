/** Cases shared by the registrar's oracle tests and its real-SPIRE tests. */

/** DNS names that exercise each rule of ValidateLabel and x/net/idna. */
export const DNS_CASES: readonly string[] = [
  'web.shop.svc', 'a', 'Web.Example', 'under_score.example', 'web.example;rm', 'a b.example', ' padded.example ', '\tpadded.example',
  '*.example.org', '*.com', '*', '*.', '*.*.example', 'a.*.example', '*a.example', 'a*.example',
  'ab--cd.example', 'abc--d.example', 'ab--.example', 'a--b.example', '--ab.example', 'xn--bcher-kva.example', 'xn--Bcher-kva.example', 'XN--bcher-kva.example',
  'xn--zz.example', 'xn--.example', 'xn--abc-.example', 'xn--ls8h.example', 'xn--a-ecp.example', 'xn--mnchen-3ya.de', 'xn--nxasmq6b.example', 'xn--4gbrim.example',
  'xn--ab--cd-.example', 'xn---ab.example', 'xn--0.example', 'xn--ab.example',
  '-lead.example', 'trail-.example', 'a..b', '.a', 'example.', '', ' ', 'wéb.example', 'a\u0000b', 'a.b.c.d.e',
  'a'.repeat(63), 'a'.repeat(64), `${'a'.repeat(63)}.${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(61)}`, `${'a'.repeat(63)}.${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(62)}`,
  '1.2.3.4', '0x1f.example', 'a/b.example', 'a:b', 'a@b', 'a%2eb',
];
