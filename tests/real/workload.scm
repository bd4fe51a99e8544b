;; A Scheme workload for spangc's libgc.so.1 (tests/run_real_programs.sh):
;; allocates heavily (lists, vectors, strings, closures, hash tables, a
;; weak table, bignums), collects, and checks every result.  Prints
;; "scheme workload: ok" and exits 0 when all hold.
(use-modules (srfi srfi-1))

(define failures 0)
(define (check name ok)
  (unless ok
    (set! failures (+ failures 1))
    (format #t "FAILED: ~a~%" name)))

;; Lists: 200 rounds of a 10000-element list, most of it garbage.
(define kept '())
(do ((round 0 (+ round 1))) ((= round 1000))
  (let ((l (iota 10000 round)))
    (check "list sum" (= (apply + l) (+ (* 10000 round) (/ (* 9999 10000) 2))))
    (when (= 0 (modulo round 100))
      (set! kept (cons l kept)))))
(gc)
(check "kept lists" (= (length kept) 10))
(check "kept contents"
       (every (lambda (l) (= (length l) 10000)) kept))

;; Binary trees, as gcbench builds them.
(define (make-tree depth)
  (if (= depth 0) (cons #f #f)
      (cons (make-tree (- depth 1)) (make-tree (- depth 1)))))
(define (count-tree t)
  (if (car t) (+ 1 (count-tree (car t)) (count-tree (cdr t))) 1))
(define long-lived (make-tree 16))
(do ((i 0 (+ i 1))) ((= i 40))
  (check "tree" (= (count-tree (make-tree 12)) 8191)))
(check "long-lived tree" (= (count-tree long-lived) 131071))

;; Vectors and strings.
(define vecs (map (lambda (i) (make-vector 1000 i)) (iota 200)))
(define strs (map (lambda (i) (string-append "s" (number->string i)
                                             (make-string 100 #\x)))
                  (iota 5000)))
(gc)
(check "vectors" (every (lambda (v i) (= (vector-ref v 999) i)) vecs (iota 200)))
(check "strings" (string=? (list-ref strs 4321)
                           (string-append "s4321" (make-string 100 #\x))))

;; Closures.
(define adders (map (lambda (i) (lambda (x) (+ x i))) (iota 10000)))
(gc)
(check "closures" (= ((list-ref adders 7777) 1) 7778))

;; Hash tables.
(define table (make-hash-table))
(do ((i 0 (+ i 1))) ((= i 100000))
  (hash-set! table i (number->string i)))
(gc)
(check "hash table" (and (string=? (hash-ref table 99999) "99999")
                         (= (hash-count (const #t) table) 100000)))

;; A weak-key table: entries whose keys die go away; live ones stay.
(define weak (make-weak-key-hash-table))
(define live-keys (map (lambda (i) (list i)) (iota 100)))
(for-each (lambda (k) (hash-set! weak k (car k))) live-keys)
(do ((i 0 (+ i 1))) ((= i 10000))
  (hash-set! weak (list i) i))
(gc) (gc) (gc)
(check "weak table keeps live keys"
       (every (lambda (k) (eqv? (hash-ref weak k) (car k))) live-keys))
(check "weak table drops dead keys"
       (< (hash-fold (lambda (k v n) (+ n 1)) 0 weak) 5000))

;; Bignums.
(define (fact n) (if (= n 0) 1 (* n (fact (- n 1)))))
(check "bignum" (= (modulo (fact 2000) 1000003) (modulo (fact 2000) 1000003)))
(check "bignum digits" (= (string-length (number->string (fact 1000))) 2568))

;; Guardians (finalization).
(define g (make-guardian))
(do ((i 0 (+ i 1))) ((= i 1000)) (g (list i)))
(gc) (gc)
(define recovered
  (let loop ((n 0)) (if (g) (loop (+ n 1)) n)))
(check "guardian" (> recovered 0))

(if (= failures 0)
    (begin (display "scheme workload: ok") (newline) (exit 0))
    (exit 1))
