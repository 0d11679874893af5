;; FNV-1a 64 over a list of byte ranges of linear memory: the inner loop of Alertmanager's fingerprint.
;; WebAssembly has a native 64-bit multiply, which JavaScript numbers lack; this runs several times
;; faster than the same loop in JavaScript over 16-bit limbs.
;;
;; fnv(table, count): hashes, in order, the `count` ranges listed at `table` as (offset, length) pairs
;; of little-endian i32, and stores the 64-bit result little-endian at [0, 8). A list rather than one
;; range lets the caller leave label names where they were written once per label set shape, and
;; write only the values (see fnvWasm.ts).
;; Regenerate the embedded bytes in fnvWasm.ts after editing:
;;   npx --yes wabt@1.0.37 ... or: node -e "require('wabt')().then(w => console.log(Buffer.from(
;;     w.parseWat('fnv.wat', require('fs').readFileSync('src/domain/fnv.wat','utf8')).toBinary({}).buffer).toString('base64')))"
(module
  (memory (export "memory") 1)
  (func (export "fnv") (param $table i32) (param $count i32)
    (local $h i64)
    (local $entry i32)
    (local $last i32)
    (local $i i32)
    (local $end i32)
    (local.set $h (i64.const 0xcbf29ce484222325))
    (local.set $entry (local.get $table))
    (local.set $last (i32.add (local.get $table) (i32.shl (local.get $count) (i32.const 3))))
    (block $done
      (loop $nextRange
        (br_if $done (i32.ge_u (local.get $entry) (local.get $last)))
        (local.set $i (i32.load (local.get $entry)))
        (local.set $end (i32.add (local.get $i) (i32.load offset=4 (local.get $entry))))
        (block $rangeDone
          (loop $nextByte
            (br_if $rangeDone (i32.ge_u (local.get $i) (local.get $end)))
            (local.set $h
              (i64.mul
                (i64.xor (local.get $h) (i64.load8_u (local.get $i)))
                (i64.const 0x100000001b3)))
            (local.set $i (i32.add (local.get $i) (i32.const 1)))
            (br $nextByte)))
        (local.set $entry (i32.add (local.get $entry) (i32.const 8)))
        (br $nextRange)))
    (i64.store (i32.const 0) (local.get $h))))
