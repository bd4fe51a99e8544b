;; trees.lisp: allocate heavily.  Binary trees built and dropped at every
;; depth around one long-lived tree (the binary-trees benchmark), and big
;; lists built, summed and dropped.  Every result is checked.
;;
;;   lisp trees.lisp [MAX-DEPTH]      (default 12)

(define args (command-line))
(define max-depth
  (if (null? (cdr args)) 12 (string->number (cadr args))))
(define min-depth 4)

(define (make-tree d)
  (if (= d 0)
      (cons '() '())
      (cons (make-tree (- d 1)) (make-tree (- d 1)))))

(define (check-tree t)
  (if (null? (car t))
      1
      (+ 1 (check-tree (car t)) (check-tree (cdr t)))))

(define (pow2 n) (if (= n 0) 1 (* 2 (pow2 (- n 1)))))

(print "stretch tree of depth " (+ max-depth 1) "\t check: "
       (check-tree (make-tree (+ max-depth 1))))

(define long-lived (make-tree max-depth))

(let loop ((d min-depth))
  (when (<= d max-depth)
    (let ((iterations (pow2 (+ (- max-depth d) min-depth))))
      (let count ((i 0) (sum 0))
        (if (< i iterations)
            (count (+ i 1) (+ sum (check-tree (make-tree d))))
            (print iterations "\t trees of depth " d "\t check: " sum))))
    (loop (+ d 2))))

(print "long lived tree of depth " max-depth "\t check: "
       (check-tree long-lived))

;; Big lists: built, transformed, summed, dropped.
(define (sum l) (fold-left + 0 l))
(let loop ((round 0) (total 0))
  (if (< round 20)
      (let* ((l (iota 20000))
             (squares (map (lambda (x) (* x x)) l))
             (evens (filter even? (reverse squares))))
        (loop (+ round 1) (+ total (sum evens) (length l))))
      (print "20 rounds of 20000-element lists: " total)))

(room)
(print "trees: done")
