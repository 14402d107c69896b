/**
 * The suffix array of a byte string, by induced sorting (SA-IS, Nong, Zhang and Chan 2009): linear
 * time, about 9 bytes of host memory per input byte. The delta encoder (src/ota/delta.ts) finds
 * the longest match of the new image in the old one by binary search over it, as bsdiff does.
 * Host side only (patch making); the applier never builds one.
 * @module
 */

/** The suffix array of `bytes`: the start offsets of its suffixes in lexicographic order. */
export function suffixArray(bytes: Uint8Array): Int32Array {
  const n = bytes.length;
  if (n === 0) return new Int32Array(0);
  // Bytes as 1..256 and a sentinel 0 at the end, smaller than every byte and unique.
  const s = new Int32Array(n + 1);
  for (let i = 0; i < n; i++) s[i] = bytes[i]! + 1;
  const sa = new Int32Array(n + 1);
  sais(s, sa, n + 1, 257);
  return sa.slice(1); // sa[0] is the sentinel's suffix
}

function buckets(s: Int32Array, n: number, k: number, end: boolean): Int32Array {
  const bkt = new Int32Array(k);
  for (let i = 0; i < n; i++) bkt[s[i]!]!++;
  let sum = 0;
  for (let c = 0; c < k; c++) {
    sum += bkt[c]!;
    bkt[c] = end ? sum : sum - bkt[c]!;
  }
  return bkt;
}

/** SA-IS over `s[0..n)` whose last symbol is a unique smallest 0; symbols in 0..k−1. */
function sais(s: Int32Array, sa: Int32Array, n: number, k: number): void {
  // t[i] = 1 when suffix i is S-type (smaller than suffix i + 1).
  const t = new Uint8Array(n);
  t[n - 1] = 1;
  for (let i = n - 2; i >= 0; i--) t[i] = s[i]! < s[i + 1]! || (s[i] === s[i + 1] && t[i + 1] === 1) ? 1 : 0;
  const isLms = (i: number): boolean => i > 0 && t[i] === 1 && t[i - 1] === 0;

  // Stage 1: sort the LMS substrings by induction.
  let bkt = buckets(s, n, k, true);
  sa.fill(-1, 0, n);
  for (let i = 1; i < n; i++) if (isLms(i)) sa[--bkt[s[i]!]!] = i;
  induce(s, sa, t, n, k);

  let n1 = 0;
  for (let i = 0; i < n; i++) if (isLms(sa[i]!)) sa[n1++] = sa[i]!;
  sa.fill(-1, n1, n);
  let name = 0;
  let prev = -1;
  for (let i = 0; i < n1; i++) {
    const pos = sa[i]!;
    let diff = false;
    for (let d = 0; d < n; d++) {
      if (prev === -1 || pos + d >= n || prev + d >= n || s[pos + d] !== s[prev + d] || t[pos + d] !== t[prev + d]) {
        diff = true;
        break;
      }
      if (d > 0 && (isLms(pos + d) || isLms(prev + d))) break;
    }
    if (diff) {
      name++;
      prev = pos;
    }
    sa[n1 + (pos >> 1)] = name - 1;
  }
  for (let i = n - 1, j = n - 1; i >= n1; i--) if (sa[i]! >= 0) sa[j--] = sa[i]!;

  // Stage 2: sort the reduced string (recursively when names repeat).
  const s1 = sa.subarray(n - n1, n);
  if (name < n1) {
    sais(s1, sa.subarray(0, n1), n1, name);
  } else {
    for (let i = 0; i < n1; i++) sa[s1[i]!] = i;
  }

  // Stage 3: induce the whole order from the sorted LMS suffixes.
  bkt = buckets(s, n, k, true);
  for (let i = 1, j = 0; i < n; i++) if (isLms(i)) s1[j++] = i;
  for (let i = 0; i < n1; i++) sa[i] = s1[sa[i]!]!;
  sa.fill(-1, n1, n);
  for (let i = n1 - 1; i >= 0; i--) {
    const j = sa[i]!;
    sa[i] = -1;
    sa[--bkt[s[j]!]!] = j;
  }
  induce(s, sa, t, n, k);
}

function induce(s: Int32Array, sa: Int32Array, t: Uint8Array, n: number, k: number): void {
  let bkt = buckets(s, n, k, false);
  for (let i = 0; i < n; i++) {
    const j = sa[i]! - 1;
    if (j >= 0 && t[j] === 0) sa[bkt[s[j]!]!++] = j;
  }
  bkt = buckets(s, n, k, true);
  for (let i = n - 1; i >= 0; i--) {
    const j = sa[i]! - 1;
    if (j >= 0 && t[j] === 1) sa[--bkt[s[j]!]!] = j;
  }
}
