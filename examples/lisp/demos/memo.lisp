;; memo.lisp: hash tables.  Memoised functions keep their results in a
;; table (strong keys); a weak table forgets the entries whose keys the
;; program dropped, through disappearing links.

(define (memoize f)
  (let ((table (make-hash-table)))
    (lambda (n)
      (let ((hit (hash-ref table n #f)))
        (or hit
            (let ((v (f n)))
              (hash-set! table n v)
              v))))))

(define fib
  (memoize (lambda (n) (if (< n 2) n (+ (fib (- n 1)) (fib (- n 2)))))))
(print "fib 80 = " (fib 80))

;; Ways to make change, memoised on a string key built from both
;; arguments: many short-lived strings.
(define coins '(1 2 5 10 20 50 100 200))
(define ways-table (make-hash-table))
(define (ways amount kinds)
  (cond ((= amount 0) 1)
        ((or (< amount 0) (null? kinds)) 0)
        (else
         (let* ((key (string-append (number->string amount) "/"
                                    (number->string (length kinds))))
                (hit (hash-ref ways-table key #f)))
           (or hit
               (let ((v (+ (ways amount (cdr kinds))
                           (ways (- amount (car kinds)) kinds))))
                 (hash-set! ways-table key v)
                 v))))))
(print "ways to make 1000 from " coins ": " (ways 1000 coins))
(print "memo entries: " (hash-count ways-table))

;; A weak table: keys are vectors.  Keep 10 of 2000; after collections
;; the table holds the 10 (a conservative collector may keep a few
;; others that a stale word still points to).
(define weak (make-weak-hash-table))
(define kept '())
(define (fill n)
  (let loop ((i 0))
    (when (< i n)
      (let ((key (make-vector 8 i)))
        (hash-set! weak key (* i i))
        (when (= (remainder i 200) 0)
          (set! kept (cons key kept))))
      (loop (+ i 1)))))
(fill 2000)
;; Collections may already have run while it filled, and forgotten some.
(print "weak table filled, the 10 kept keys in it: "
       (let ((n (hash-count weak))) (and (>= n 10) (<= n 2000))))
(gc)
(gc)
(define left (hash-count weak))
(print "weak table after gc keeps the 10 live keys: "
       (and (>= left 10)
            (let check ((k kept))
              (or (null? k)
                  (and (= (hash-ref weak (car k) -1)
                          (* (vector-ref (car k) 0) (vector-ref (car k) 0)))
                       (check (cdr k)))))))
(print "weak table forgot most dropped keys: " (< left 200))
(print "strong table keeps its keys: "
       (let ((t (make-hash-table)))
         (let loop ((i 0))
           (when (< i 1000)
             (hash-set! t (make-vector 2 i) i)
             (loop (+ i 1))))
         (gc)
         (= (hash-count t) 1000)))
(print "memo: done")
