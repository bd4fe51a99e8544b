;; ports.lisp: finalizers.  Ports opened and dropped without being closed
;; are closed by their finalizer once the collector finds them
;; unreachable; ports closed by hand are not closed again.

(define (scribble n)
  (let loop ((i 0))
    (when (< i n)
      (let ((p (open-output-file "/dev/null")))
        (display "a line that nobody reads" p)
        (newline p)
        (when (even? i) (close-port p)))
      (loop (+ i 1)))))

(scribble 200)
(gc)
(gc)
(define closed (ports-finalized))
(print "ports closed by finalizers: at least 50 of 100: " (>= closed 50))
(print "and no port closed twice: " (<= closed 100))
(define p (open-input-file "/dev/null"))
(print "reading an empty file: " (eof-object? (read-line p)))
(close-port p)
(print "ports: done")
