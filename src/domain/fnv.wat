;; FNV-1a 64 over a byte range of linear memory: the inner loop of Alertmanager's fingerprint.
;; WebAssembly has a native 64-bit multiply, which JavaScript numbers lack; this runs several times
;; faster than the same loop in JavaScript over 16-bit limbs.
;;
;; fnv(len): hashes the bytes at [8, 8 + len) and stores the 64-bit result little-endian at [0, 8).
;; Regenerate the embedded bytes in fnvWasm.ts after editing:
;;   npx --yes wabt@1.0.37 ... or: node -e "require('wabt')().then(w => console.log(Buffer.from(
;;     w.parseWat('fnv.wat', require('fs').readFileSync('src/domain/fnv.wat','utf8')).toBinary({}).buffer).toString('base64')))"
(module
  (memory (export "memory") 1)
  (func (export "fnv") (param $len i32)
    (local $h i64)
    (local $i i32)
    (local $end i32)
    (local.set $h (i64.const 0xcbf29ce484222325))
    (local.set $i (i32.const 8))
    (local.set $end (i32.add (local.get $len) (i32.const 8)))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $end)))
        (local.set $h
          (i64.mul
            (i64.xor (local.get $h) (i64.load8_u (local.get $i)))
            (i64.const 0x100000001b3)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $next)))
    (i64.store (i32.const 0) (local.get $h))))
