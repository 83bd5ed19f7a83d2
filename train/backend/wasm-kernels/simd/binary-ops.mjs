// WAT text of the elementwise binary kernels (add, sub, mul, div) in five broadcast modes, which
// build.mjs puts into kernels.wat at ";; BINARY_OPS". Exports are named `${op}_${mode}`:
//   same           out[i] = a[i] ∘ b[i]                    (n values)
//   scalar_right   out[i] = a[i] ∘ b[0]                    (n values)
//   scalar_left    out[i] = a[0] ∘ b[i]                    (n values)
//   channel_right  out[p·C+c] = a[p·C+c] ∘ b[c]            (pixels × C, C % 4 = 0)
//   channel_left   out[p·C+c] = a[c] ∘ b[p·C+c]            (pixels × C, C % 4 = 0)
// Lane-wise IEEE operations: the same bits as the stock scalar kernels.
export const BINARY_OPS = ['add', 'sub', 'mul', 'div'];
export const BINARY_MODES = ['same', 'scalar_right', 'scalar_left', 'channel_right', 'channel_left'];

const step = (...names) => names.map((n) => `(local.set $${n} (i32.add (local.get $${n}) (i32.const 16)))`).join(' ');
const stepScalar = (...names) => names.map((n) => `(local.set $${n} (i32.add (local.get $${n}) (i32.const 4)))`).join(' ');

/** Vector part then scalar tail over n values; `v` and `s` give the operands for one vector / one value. */
function flat(op, name, v, s, moving) {
  return `
  (func (export "${op}_${name}") (param $a i32) (param $b i32) (param $out i32) (param $n i32)
    (local $end i32) (local $vend i32) (local $sa f32) (local $sb f32) (local $va v128) (local $vb v128)
    (local.set $end (i32.add (local.get $out) (i32.shl (local.get $n) (i32.const 2))))
    (local.set $vend (i32.add (local.get $out) (i32.shl (i32.and (local.get $n) (i32.const -4)) (i32.const 2))))
    (local.set $sa (f32.load (local.get $a))) (local.set $va (f32x4.splat (local.get $sa)))
    (local.set $sb (f32.load (local.get $b))) (local.set $vb (f32x4.splat (local.get $sb)))
    (block $vectors_done (br_if $vectors_done (i32.ge_u (local.get $out) (local.get $vend)))
      (loop $vectors
        (v128.store (local.get $out) (f32x4.${op} ${v}))
        ${step('out', ...moving)}
        (br_if $vectors (i32.lt_u (local.get $out) (local.get $vend)))))
    (block $tail_done (br_if $tail_done (i32.ge_u (local.get $out) (local.get $end)))
      (loop $tail
        (f32.store (local.get $out) (f32.${op} ${s}))
        ${stepScalar('out', ...moving)}
        (br_if $tail (i32.lt_u (local.get $out) (local.get $end))))))`;
}

/** Over pixels × channels, the per-channel operand restarting at every pixel. */
function channel(op, name, v, perChannel) {
  return `
  (func (export "${op}_${name}") (param $a i32) (param $b i32) (param $out i32) (param $pixels i32) (param $channels i32)
    (local $p i32) (local $c i32) (local $bytes i32) (local $full i32)
    (local.set $bytes (i32.shl (local.get $channels) (i32.const 2)))
    (local.set $full (select (local.get $a) (local.get $b) (i32.const ${perChannel === 'a' ? 0 : 1})))
    (local.set $p (i32.const 0))
    (loop $pixels_loop
      (local.set $c (i32.const 0))
      (loop $channels_loop
        (v128.store (i32.add (local.get $out) (local.get $c)) (f32x4.${op} ${v}))
        (local.set $c (i32.add (local.get $c) (i32.const 16)))
        (br_if $channels_loop (i32.lt_u (local.get $c) (local.get $bytes))))
      (local.set $full (i32.add (local.get $full) (local.get $bytes)))
      (local.set $out (i32.add (local.get $out) (local.get $bytes)))
      (local.set $p (i32.add (local.get $p) (i32.const 1)))
      (br_if $pixels_loop (i32.lt_u (local.get $p) (local.get $pixels)))))`;
}

export function binaryOpsWat() {
  const load = (x) => `(v128.load (local.get $${x}))`;
  const loadS = (x) => `(f32.load (local.get $${x}))`;
  const at = (base, off) => `(v128.load (i32.add (local.get $${base}) (local.get $${off})))`;
  return BINARY_OPS.map((op) =>
    [
      flat(op, 'same', `${load('a')} ${load('b')}`, `${loadS('a')} ${loadS('b')}`, ['a', 'b']),
      flat(op, 'scalar_right', `${load('a')} (local.get $vb)`, `${loadS('a')} (local.get $sb)`, ['a']),
      flat(op, 'scalar_left', `(local.get $va) ${load('b')}`, `(local.get $sa) ${loadS('b')}`, ['b']),
      channel(op, 'channel_right', `${at('full', 'c')} ${at('b', 'c')}`, 'b'),
      channel(op, 'channel_left', `${at('a', 'c')} ${at('full', 'c')}`, 'a'),
    ].join('\n'),
  ).join('\n');
}
