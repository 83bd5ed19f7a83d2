;; SIMD kernels that run on the tfjs-backend-wasm heap (its memory is imported), for the reductions
;; and BatchNorm that the stock wasm kernels do one scalar at a time. build.mjs assembles this
;; file twice: with a shared memory import (the threaded tfjs module) and a plain one.
;; Pointers are byte offsets into that heap; channel counts must be multiples of 4.
(module
  (import "env" "memory" (memory 1 MEMORY_LIMITS))

  ;; out[o·inner + i] = f32(scale · Σ_r x[(o·reduce + r)·inner + i]), summed in f64 in order of r.
  ;; acc: 8·inner bytes of scratch.
  (func (export "sum_f64") (param $x i32) (param $out i32) (param $acc i32) (param $outer i32) (param $reduce i32) (param $inner i32) (param $scale f64)
    (local $o i32) (local $r i32) (local $i i32) (local $a i32) (local $v v128)
    (local.set $o (i32.const 0))
    (loop $each_outer
      (local.set $i (i32.const 0))
      (loop $zero
        (v128.store (i32.add (local.get $acc) (i32.shl (local.get $i) (i32.const 3))) (v128.const i64x2 0 0))
        (local.set $i (i32.add (local.get $i) (i32.const 2)))
        (br_if $zero (i32.lt_u (local.get $i) (local.get $inner))))
      (local.set $r (i32.const 0))
      (loop $each_row
        (local.set $i (i32.const 0))
        (local.set $a (local.get $acc))
        (loop $each_col
          (local.set $v (v128.load (local.get $x)))
          (v128.store (local.get $a)
            (f64x2.add (v128.load (local.get $a)) (f64x2.promote_low_f32x4 (local.get $v))))
          (v128.store offset=16 (local.get $a)
            (f64x2.add (v128.load offset=16 (local.get $a))
              (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $v) (local.get $v)))))
          (local.set $x (i32.add (local.get $x) (i32.const 16)))
          (local.set $a (i32.add (local.get $a) (i32.const 32)))
          (local.set $i (i32.add (local.get $i) (i32.const 4)))
          (br_if $each_col (i32.lt_u (local.get $i) (local.get $inner))))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (br_if $each_row (i32.lt_u (local.get $r) (local.get $reduce))))
      (local.set $i (i32.const 0))
      (loop $write
        (f32.store (local.get $out)
          (f32.demote_f64 (f64.mul (f64.load (i32.add (local.get $acc) (i32.shl (local.get $i) (i32.const 3)))) (local.get $scale))))
        (local.set $out (i32.add (local.get $out) (i32.const 4)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br_if $write (i32.lt_u (local.get $i) (local.get $inner))))
      (local.set $o (i32.add (local.get $o) (i32.const 1)))
      (br_if $each_outer (i32.lt_u (local.get $o) (local.get $outer)))))

  ;; out[p·channels + c] = (x[p·channels + c] − mean[c]) · factor[c] + offset[c] for p < pixels.
  (func (export "batch_norm") (param $x i32) (param $out i32) (param $mean i32) (param $factor i32) (param $offset i32) (param $pixels i32) (param $channels i32)
    (local $p i32) (local $c i32) (local $bytes i32)
    (local.set $bytes (i32.shl (local.get $channels) (i32.const 2)))
    (local.set $p (i32.const 0))
    (loop $each_pixel
      (local.set $c (i32.const 0))
      (loop $each_channel
        (v128.store (i32.add (local.get $out) (local.get $c))
          (f32x4.add
            (f32x4.mul
              (f32x4.sub (v128.load (i32.add (local.get $x) (local.get $c))) (v128.load (i32.add (local.get $mean) (local.get $c))))
              (v128.load (i32.add (local.get $factor) (local.get $c))))
            (v128.load (i32.add (local.get $offset) (local.get $c)))))
        (local.set $c (i32.add (local.get $c) (i32.const 16)))
        (br_if $each_channel (i32.lt_u (local.get $c) (local.get $bytes))))
      (local.set $x (i32.add (local.get $x) (local.get $bytes)))
      (local.set $out (i32.add (local.get $out) (local.get $bytes)))
      (local.set $p (i32.add (local.get $p) (i32.const 1)))
      (br_if $each_pixel (i32.lt_u (local.get $p) (local.get $pixels)))))

;; out[b, p, a] = x[a, p, b] for a < A, p < P, b < B: the first and last axes swapped (4-byte values).
  ;; Loop order p, b, a: reads stay within A rows of B values (L1), writes are runs of A values.
  (func (export "swap_first_last") (param $x i32) (param $out i32) (param $A i32) (param $P i32) (param $B i32)
    (local $p i32) (local $b i32) (local $a i32) (local $src i32) (local $dst i32) (local $rowBytes i32) (local $planeBytes i32)
    (local.set $rowBytes (i32.shl (i32.mul (local.get $P) (local.get $B)) (i32.const 2)))
    (local.set $planeBytes (i32.shl (i32.mul (local.get $P) (local.get $A)) (i32.const 2)))
    (local.set $p (i32.const 0))
    (loop $each_p
      (local.set $b (i32.const 0))
      (loop $each_b
        (local.set $src (i32.add (local.get $x) (i32.shl (i32.add (i32.mul (local.get $p) (local.get $B)) (local.get $b)) (i32.const 2))))
        (local.set $dst (i32.add (local.get $out)
          (i32.add (i32.mul (local.get $b) (local.get $planeBytes)) (i32.shl (i32.mul (local.get $p) (local.get $A)) (i32.const 2)))))
        (local.set $a (i32.const 0))
        (loop $each_a
          (f32.store (local.get $dst) (f32.load (local.get $src)))
          (local.set $src (i32.add (local.get $src) (local.get $rowBytes)))
          (local.set $dst (i32.add (local.get $dst) (i32.const 4)))
          (local.set $a (i32.add (local.get $a) (i32.const 1)))
          (br_if $each_a (i32.lt_u (local.get $a) (local.get $A))))
        (local.set $b (i32.add (local.get $b) (i32.const 1)))
        (br_if $each_b (i32.lt_u (local.get $b) (local.get $B))))
      (local.set $p (i32.add (local.get $p) (i32.const 1)))
      (br_if $each_p (i32.lt_u (local.get $p) (local.get $P)))))

  ;; Elementwise add/sub/mul/div, generated by binary-ops.mjs, go here:
  ;; BINARY_OPS
)
