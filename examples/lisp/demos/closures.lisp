;; closures.lisp: closures in loops, strings and vectors.  Counters and
;; adders made by the thousand, function composition, a sieve over a
;; vector, a merge sort of pseudo-random numbers, and string building.

(define (make-counter)
  (let ((n 0))
    (lambda () (set! n (+ n 1)) n)))

(define (compose f g) (lambda (x) (f (g x))))
(define (adder k) (lambda (x) (+ x k)))

;; 50000 closures, each called a few times, most dropped at once.
(define counters
  (let loop ((i 0) (acc '()) (total 0))
    (if (< i 50000)
        (let ((c (make-counter)))
          (c) (c)
          (loop (+ i 1) (if (= (remainder i 1000) 0) (cons c acc) acc)
                (+ total (c))))
        (begin (print "closure calls: " total) acc))))
(print "kept counters: " (length counters) ", next value: " ((car counters)))

(define add10 (fold-left compose (lambda (x) x)
                         (map adder '(1 1 1 1 1 1 1 1 1 1))))
(print "composed adders: " (add10 5))
(print "sum of (add10 i) for i below 100000: "
       (let loop ((i 0) (s 0))
         (if (< i 100000) (loop (+ i 1) (+ s (add10 i))) s)))

;; The sieve of Eratosthenes over a vector.
(define (primes-below n)
  (let ((v (make-vector n #t)))
    (let loop ((i 2) (count 0))
      (cond ((>= i n) count)
            ((vector-ref v i)
             (let mark ((j (* i i)))
               (when (< j n)
                 (vector-set! v j #f)
                 (mark (+ j i))))
             (loop (+ i 1) (+ count 1)))
            (else (loop (+ i 1) count))))))
(print "primes below 100000: " (primes-below 100000))

;; Merge sort of 20000 numbers from a linear congruential generator.
(define (random-list n seed)
  (let loop ((i 0) (x seed) (acc '()))
    (if (= i n) acc
        (let ((next (modulo (+ (* x 1103515245) 12345) 2147483648)))
          (loop (+ i 1) next (cons (remainder next 100000) acc))))))
(define (merge a b)
  (let loop ((a a) (b b) (acc '()))
    (cond ((null? a) (append (reverse acc) b))
          ((null? b) (append (reverse acc) a))
          ((<= (car a) (car b)) (loop (cdr a) b (cons (car a) acc)))
          (else (loop a (cdr b) (cons (car b) acc))))))
(define (split l)
  (let loop ((l l) (a '()) (b '()))
    (if (null? l) (cons a b) (loop (cdr l) (cons (car l) b) a))))
(define (sort l)
  (if (or (null? l) (null? (cdr l))) l
      (let ((halves (split l)))
        (merge (sort (car halves)) (sort (cdr halves))))))
(define (sorted? l)
  (or (null? l) (null? (cdr l))
      (and (<= (car l) (cadr l)) (sorted? (cdr l)))))
(define numbers (random-list 20000 42))
(define in-order (sort numbers))
(print "sorted 20000 numbers: " (sorted? in-order) ", same length: "
       (= (length in-order) (length numbers)) ", smallest: " (car in-order))

;; Strings: built piece by piece, most pieces garbage at once.
(define (repeat-string s n)
  (let loop ((i 0) (acc ""))
    (if (= i n) acc (loop (+ i 1) (string-append acc s)))))
(define long (repeat-string "spangc " 2000))
(print "string of " (string-length long) " characters, starts with "
       (substring long 0 14))
(print "numbers as strings: "
       (apply string-append
              (map (lambda (i) (string-append (number->string i) " "))
                   (iota 10))))
(print "closures: done")
